/* regex.c - Go/RE2 filter regexes on the RE2 library; see include/hearth/regex.h. */
#include "hearth/regex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "re2_shim.h"

#include "hearth/banned.h"

struct hearth_regex {
    struct hearth_re2 *re2;
};

/* Offset of the first "ab" in p[from..n), or n. */
static size_t find2(const char *p, size_t n, size_t from, char a, char b)
{
    size_t i;

    for (i = from; i + 1 < n; i++)
        if (p[i] == a && p[i + 1] == b)
            return i;
    return n;
}

/*
 * Checks what must be refused before RE2 parses the pattern: nesting
 * deeper than max_depth groups, and `\C`. Escapes, \Q...\E and character
 * classes are skipped so that literal parentheses do not count. Returns a
 * message or NULL; *depth gets the deepest nesting seen.
 */
static const char *precheck(const char *p, size_t n, size_t max_depth, size_t *depth)
{
    size_t i, d = 0;

    *depth = 0;
    for (i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\') {
            char e = i + 1 < n ? p[i + 1] : '\0';
            if (e == 'C')
                return "\\C (any byte) is not supported (Go regexp syntax)";
            if (e == 'Q') { /* literal text up to \E */
                size_t q = find2(p, n, i + 2, '\\', 'E');
                i = q < n ? q + 1 : n;
                continue;
            }
            i++;
            continue;
        }
        if (c == '[') {
            i++;
            if (i < n && p[i] == '^')
                i++;
            if (i < n && p[i] == ']')
                i++; /* a leading ] is literal */
            for (; i < n && p[i] != ']'; i++) {
                if (p[i] == '\\') {
                    if (i + 1 < n && p[i + 1] == 'C')
                        return "\\C (any byte) is not supported (Go regexp syntax)";
                    i++;
                } else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
                    size_t q = find2(p, n, i + 2, ':', ']');
                    if (q < n)
                        i = q + 1;
                }
            }
            continue;
        }
        if (c == '(') {
            d++;
            if (d > *depth)
                *depth = d;
            if (d > max_depth)
                return "groups nested too deeply";
        } else if (c == ')' && d > 0) {
            d--;
        }
    }
    return NULL;
}

static enum hearth_err compile(const char *pattern, const struct hearth_limits *lim,
                               const char *what, bool full, bool capture, struct hearth_regex **out,
                               struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    struct hearth_regex *re = NULL;
    enum hearth_re2_status st;
    enum hearth_err e = HEARTH_OK;
    const char *why;
    char *pat = NULL, msg[256];
    size_t n = strlen(pattern), depth;

    *out = NULL;
    if (!lim)
        lim = &dl;
    if (n > lim->max_regex)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%s: regexp longer than %zu bytes", what,
                                 lim->max_regex);
    why = precheck(pattern, n, lim->max_regex_depth, &depth);
    if (why && depth > lim->max_regex_depth)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "%s: regexp nests groups more than %zu deep", what,
                                 lim->max_regex_depth);
    if (why)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "parsing %s regexp: %s", what, why);
    re = calloc(1, sizeof(*re));
    if (full)
        pat = malloc(n + 8);
    if (!re || (full && !pat)) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    if (full) {
        memcpy(pat, "^(?:", 4);
        memcpy(pat + 4, pattern, n);
        memcpy(pat + 4 + n, ")$", 3);
    }
    if (capture)
        st = hearth_re2_new_capture(pattern, n, (int64_t)lim->max_regex_mem, &re->re2, msg,
                                    sizeof(msg));
    else
        st = hearth_re2_new(pat ? pat : pattern, pat ? n + 6 : n, (int64_t)lim->max_regex_mem,
                            &re->re2, msg, sizeof(msg));
    switch (st) {
    case HEARTH_RE2_OK:
        break;
    case HEARTH_RE2_NOMEM:
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "%s: out of memory compiling the regexp", what);
        break;
    case HEARTH_RE2_TOO_LARGE:
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "%s: regexp too large (compiled, it would exceed %zu bytes)", what,
                              lim->max_regex_mem);
        break;
    case HEARTH_RE2_UNSUPPORTED:
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "parsing %s regexp: %s (Go regexp syntax: no backreferences, "
                              "lookaround or possessive repetition)",
                              what, msg);
        break;
    default:
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "parsing %s regexp: %s", what, msg);
        break;
    }
out_free:
    free(pat);
    if (e != HEARTH_OK) {
        hearth_regex_free(re);
        return e;
    }
    *out = re;
    return HEARTH_OK;
}

enum hearth_err hearth_regex_compile(const char *pattern, const struct hearth_limits *lim,
                                     const char *what, struct hearth_regex **out,
                                     struct hearth_errmsg *em)
{
    return compile(pattern, lim, what, false, false, out, em);
}

enum hearth_err hearth_regex_compile_full(const char *pattern, const struct hearth_limits *lim,
                                          const char *what, struct hearth_regex **out,
                                          struct hearth_errmsg *em)
{
    return compile(pattern, lim, what, true, false, out, em);
}

enum hearth_err hearth_regex_compile_capture(const char *pattern, const struct hearth_limits *lim,
                                             const char *what, struct hearth_regex **out,
                                             struct hearth_errmsg *em)
{
    return compile(pattern, lim, what, false, true, out, em);
}

/*
 * Length of the valid UTF-8 sequence at s[0..n) as Go's utf8.DecodeRune
 * accepts it (no overlongs, surrogates or values past U+10FFFF), or 0.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len, k;

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

/* Offset of the first byte that does not start a valid sequence, or n. */
static size_t utf8_first_invalid(const unsigned char *s, size_t n)
{
    size_t i = 0, l;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        l = utf8_seq(s + i, n - i);
        if (l == 0)
            return i;
        i += l;
    }
    return n;
}

int hearth_regex_match(const struct hearth_regex *re, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = utf8_first_invalid(u, len), i, w, l;
    unsigned char *fix;
    int r;

    if (bad == len)
        return hearth_re2_search(re->re2, s, len);
    /* Go reads each invalid byte as U+FFFD (EF BF BD): at most 3x the bytes */
    if (len > SIZE_MAX / 3)
        return -1;
    fix = malloc(len * 3);
    if (!fix)
        return -1;
    memcpy(fix, u, bad);
    w = bad;
    for (i = bad; i < len;) {
        l = utf8_seq(u + i, len - i);
        if (l == 0) {
            memcpy(fix + w, "\xEF\xBF\xBD", 3);
            w += 3;
            i++;
            continue;
        }
        memcpy(fix + w, u + i, l);
        w += l;
        i += l;
    }
    r = hearth_re2_search(re->re2, (const char *)fix, w);
    free(fix);
    return r;
}

int hearth_regex_submatch(const struct hearth_regex *re, const char *s, size_t len, int n,
                          size_t *off, size_t *mlen)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = utf8_first_invalid(u, len), i, w, l, *back;
    unsigned char *fix;
    int r, k;

    if (bad == len)
        return hearth_re2_submatch(re->re2, s, len, n, off, mlen);
    /* as hearth_regex_match, with offsets mapped back to the subject's bytes */
    if (len > SIZE_MAX / 3 / sizeof(size_t) - 1)
        return -1;
    fix = malloc(len * 3);
    back = malloc((len * 3 + 1) * sizeof(size_t));
    if (!fix || !back) {
        free(fix);
        free(back);
        return -1;
    }
    for (i = 0, w = 0; i < len;) {
        l = utf8_seq(u + i, len - i);
        if (l == 0) {
            memcpy(fix + w, "\xEF\xBF\xBD", 3);
            back[w] = back[w + 1] = back[w + 2] = i;
            w += 3;
            i++;
            continue;
        }
        memcpy(fix + w, u + i, l);
        for (k = 0; k < (int)l; k++)
            back[w + (size_t)k] = i + (size_t)k;
        w += l;
        i += l;
    }
    back[w] = len;
    r = hearth_re2_submatch(re->re2, (const char *)fix, w, n, off, mlen);
    for (k = 0; r == 1 && k < n; k++) {
        size_t a, b;
        if (off[k] == SIZE_MAX)
            continue;
        a = back[off[k]];
        b = off[k] + mlen[k] == w ? len : back[off[k] + mlen[k]];
        off[k] = a;
        mlen[k] = b - a;
    }
    free(fix);
    free(back);
    return r;
}

void hearth_regex_free(struct hearth_regex *re)
{
    if (!re)
        return;
    hearth_re2_free(re->re2);
    free(re);
}
