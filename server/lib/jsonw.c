/* jsonw.c - streaming JSON writer; see include/hearth/jsonw.h. */
#include "hearth/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "hearth/banned.h"

void hearth_jsonw_init(struct hearth_jsonw *w, struct hearth_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->need_comma[0] = false;
}

static void sep(struct hearth_jsonw *w)
{
    if (w->need_comma[w->depth])
        hearth_buf_addch(w->b, ',');
    w->need_comma[w->depth] = true;
}

static void open_(struct hearth_jsonw *w, char c)
{
    sep(w);
    hearth_buf_addch(w->b, c);
    if (w->depth < 63)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct hearth_jsonw *w, char c)
{
    hearth_buf_addch(w->b, c);
    if (w->depth > 0)
        w->depth--;
}

void hearth_jsonw_obj_open(struct hearth_jsonw *w)
{
    open_(w, '{');
}

void hearth_jsonw_obj_close(struct hearth_jsonw *w)
{
    close_(w, '}');
}

void hearth_jsonw_arr_open(struct hearth_jsonw *w)
{
    open_(w, '[');
}

void hearth_jsonw_arr_close(struct hearth_jsonw *w)
{
    close_(w, ']');
}

void hearth_jsonw_key(struct hearth_jsonw *w, const char *k)
{
    sep(w);
    hearth_buf_addch(w->b, '"');
    hearth_buf_addstr(w->b, k);
    hearth_buf_add(w->b, "\":", 2);
    w->need_comma[w->depth] = false; /* the value follows without a comma */
}

void hearth_jsonw_keyn(struct hearth_jsonw *w, const char *k, size_t n)
{
    hearth_jsonw_str(w, k, n);
    hearth_buf_addch(w->b, ':');
    w->need_comma[w->depth] = false;
}

size_t hearth_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf && n >= 2 && (s[1] & 0xc0) == 0x80)
        return 2;
    if (c >= 0xe0 && c <= 0xef && n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        if (c == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4 && n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80) {
        if (c == 0xf0 && s[1] < 0x90)
            return 0;
        if (c == 0xf4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

void hearth_json_escape(struct hearth_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;

    hearth_buf_addch(b, '"');
    while (i < n) {
        unsigned char c = s[i];
        size_t l;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
            i++;
            run++;
            continue;
        }
        if (run) {
            hearth_buf_add(b, s + i - run, run);
            run = 0;
        }
        if (c >= 0x80) {
            l = hearth_utf8_len(s + i, n - i);
            if (l == 0) {
                hearth_buf_add(b, "\xef\xbf\xbd", 3); /* U+FFFD */
                i++;
            } else {
                hearth_buf_add(b, s + i, l);
                i += l;
            }
            continue;
        }
        switch (c) {
        case '"':
            hearth_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            hearth_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            hearth_buf_add(b, "\\n", 2);
            break;
        case '\t':
            hearth_buf_add(b, "\\t", 2);
            break;
        case '\r':
            hearth_buf_add(b, "\\r", 2);
            break;
        default:
            hearth_buf_printf(b, "\\u%04x", c);
        }
        i++;
    }
    if (run)
        hearth_buf_add(b, s + i - run, run);
    hearth_buf_addch(b, '"');
}

void hearth_jsonw_str(struct hearth_jsonw *w, const char *s, size_t n)
{
    sep(w);
    hearth_json_escape(w->b, s, n);
}

void hearth_jsonw_cstr(struct hearth_jsonw *w, const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    hearth_jsonw_str(w, s, n);
}

void hearth_jsonw_int(struct hearth_jsonw *w, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

    sep(w);
    hearth_buf_add(w->b, tmp, (size_t)n);
}

void hearth_jsonw_bool(struct hearth_jsonw *w, bool v)
{
    sep(w);
    hearth_buf_addstr(w->b, v ? "true" : "false");
}

void hearth_jsonw_null(struct hearth_jsonw *w)
{
    sep(w);
    hearth_buf_addstr(w->b, "null");
}

void hearth_jsonw_double(struct hearth_jsonw *w, double v)
{
    if (!isfinite(v)) {
        hearth_jsonw_null(w);
        return;
    }
    sep(w);
    hearth_buf_printf(w->b, "%.6g", v);
}
