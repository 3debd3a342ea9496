// re2_shim.cc - RE2 behind a C API; see re2_shim.h. The only C++ in Hearth.
#include "re2_shim.h"

#include <cstdint>
#include <cstdio>
#include <new>

#include <re2/re2.h>

struct hearth_re2 {
    re2::RE2 *re;
};

static void put_msg(char *msg, size_t msgsz, const char *s)
{
    if (msgsz)
        std::snprintf(msg, msgsz, "%s", s);
}

static enum hearth_re2_status re2_new(const char *pattern, size_t len, int64_t max_mem,
                                      bool capture, struct hearth_re2 **out, char *msg,
                                      size_t msgsz)
{
    struct hearth_re2 *h = nullptr;
    enum hearth_re2_status st = HEARTH_RE2_OK;

    *out = nullptr;
    put_msg(msg, msgsz, "");
    try {
        re2::RE2::Options o;
        o.set_encoding(re2::RE2::Options::EncodingUTF8);
        o.set_log_errors(false); // errors are returned, never printed
        o.set_never_capture(!capture);
        o.set_max_mem(max_mem);
        h = new hearth_re2(); // re = nullptr until constructed
        h->re = new re2::RE2(re2::StringPiece(pattern, len), o);
        if (!h->re->ok()) {
            switch (h->re->error_code()) {
            case re2::RE2::ErrorPatternTooLarge:
                st = HEARTH_RE2_TOO_LARGE;
                break;
            case re2::RE2::ErrorBadPerlOp:
            case re2::RE2::ErrorBadEscape:
            case re2::RE2::ErrorRepeatOp:
            case re2::RE2::ErrorBadNamedCapture:
                st = HEARTH_RE2_UNSUPPORTED;
                break;
            default:
                st = HEARTH_RE2_SYNTAX;
                break;
            }
            put_msg(msg, msgsz, h->re->error().c_str());
        }
    } catch (...) { // std::bad_alloc: nothing else is thrown by RE2
        st = HEARTH_RE2_NOMEM;
        put_msg(msg, msgsz, "out of memory");
    }
    if (st != HEARTH_RE2_OK) {
        hearth_re2_free(h);
        return st;
    }
    *out = h;
    return HEARTH_RE2_OK;
}

extern "C" enum hearth_re2_status hearth_re2_new(const char *pattern, size_t len, int64_t max_mem,
                                                 struct hearth_re2 **out, char *msg, size_t msgsz)
{
    return re2_new(pattern, len, max_mem, false, out, msg, msgsz);
}

extern "C" enum hearth_re2_status hearth_re2_new_capture(const char *pattern, size_t len,
                                                         int64_t max_mem, struct hearth_re2 **out,
                                                         char *msg, size_t msgsz)
{
    return re2_new(pattern, len, max_mem, true, out, msg, msgsz);
}

extern "C" int hearth_re2_submatch(const struct hearth_re2 *h, const char *s, size_t len, int n,
                                   size_t *off, size_t *mlen)
{
    re2::StringPiece sub[16];
    int i;

    if (n < 1 || n > 16)
        return -1;
    try {
        if (!h->re->Match(re2::StringPiece(s, len), 0, len, re2::RE2::UNANCHORED, sub, n))
            return 0;
    } catch (...) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        off[i] = sub[i].data() ? (size_t)(sub[i].data() - s) : SIZE_MAX;
        mlen[i] = sub[i].data() ? sub[i].size() : 0;
    }
    return 1;
}

extern "C" int hearth_re2_search(const struct hearth_re2 *h, const char *s, size_t len)
{
    try {
        return re2::RE2::PartialMatch(re2::StringPiece(s, len), *h->re) ? 1 : 0;
    } catch (...) {
        return -1;
    }
}

extern "C" void hearth_re2_free(struct hearth_re2 *h)
{
    if (!h)
        return;
    delete h->re;
    delete h;
}
