/* regex.c - RE2-flavoured regexes on PCRE2; see include/hearth/regex.h. */
#include "hearth/regex.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct hearth_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit; /* on the heap: server threads have small stacks */
};

/* Returns a description of the first construct RE2 does not accept, or NULL. */
static const char *re2_unsupported(const char *p)
{
    size_t i, n = strlen(p);
    int in_class = 0;
    char prev = 0; /* last unescaped char outside classes */

    for (i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\') {
            char e = i + 1 < n ? p[i + 1] : 0;
            if (e >= '1' && e <= '9' && !in_class)
                return "backreferences are not supported (RE2 syntax)";
            if (e == 'Z' || e == 'G' || e == 'K' || e == 'R' || e == 'X' || e == 'g' || e == 'k')
                return "this escape is not supported (RE2 syntax)";
            if (e == 'Q') { /* literal text up to \E */
                const char *q = strstr(p + i + 2, "\\E");
                i = q ? (size_t)(q - p) + 1 : n;
                prev = 'a';
                continue;
            }
            i++;
            prev = 'a';
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < n && p[i + 1] == ':') {
                const char *q = strstr(p + i + 2, ":]");
                if (q)
                    i = (size_t)(q - p) + 1;
            } else if (c == ']') {
                in_class = 0;
                prev = 'a';
            }
            continue;
        }
        if (c == '[') {
            in_class = 1;
            if (i + 1 < n && p[i + 1] == '^')
                i++;
            if (i + 1 < n && p[i + 1] == ']')
                i++; /* a leading ] is literal */
            continue;
        }
        if (c == '(' && i + 1 < n && p[i + 1] == '?') {
            char f = i + 2 < n ? p[i + 2] : 0;
            if (f == 'P' && i + 3 < n && p[i + 3] == '<') {
                /* named group (?P<name>re): fine */
            } else if (!strchr("imsU-:", f) || f == 0) {
                return "lookaround, atomic groups and other (?...) extensions are not supported "
                       "(RE2 syntax)";
            }
        }
        if (c == '+' && (prev == '*' || prev == '+' || prev == '?' || prev == '}'))
            return "possessive or nested repetition is not supported (RE2 syntax)";
        if (c == '*' && (prev == '*' || prev == '+'))
            return "nested repetition is not supported (RE2 syntax)";
        prev = c;
    }
    return NULL;
}

static enum hearth_err compile(const char *pattern, size_t max_len, const char *what, bool full,
                               struct hearth_regex **out, struct hearth_errmsg *em)
{
    struct hearth_regex *re;
    const char *why;
    char *pat = NULL;
    int errcode;
    PCRE2_SIZE erroff;
    size_t n = strlen(pattern);

    *out = NULL;
    if (n > max_len)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%s: regexp longer than %zu bytes",
                                 what, max_len);
    why = re2_unsupported(pattern);
    if (why)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "parsing %s regexp: %s", what, why);
    re = calloc(1, sizeof(*re));
    if (!re)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    if (full) {
        pat = malloc(n + 8);
        if (!pat) {
            free(re);
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        }
        memcpy(pat, "^(?:", 4);
        memcpy(pat + 4, pattern, n);
        memcpy(pat + 4 + n, ")$", 3);
    }
    re->code = pcre2_compile((PCRE2_SPTR)(pat ? pat : pattern), PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &errcode,
                             &erroff, NULL);
    free(pat);
    if (!re->code) {
        PCRE2_UCHAR buf[160];
        pcre2_get_error_message(errcode, buf, sizeof(buf));
        free(re);
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "parsing %s regexp: %s at offset %zu",
                                 what, (const char *)buf, (size_t)erroff);
    }
    re->md = pcre2_match_data_create(1, NULL);
    re->mc = pcre2_match_context_create(NULL);
    if (!re->md || !re->mc) {
        hearth_regex_free(re);
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
    pcre2_set_match_limit(re->mc, 1000000);
    pcre2_set_depth_limit(re->mc, 10000);
    /* JIT when available, with its own bounded heap stack (best effort) */
    if (pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0) {
        re->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
        if (re->jit)
            pcre2_jit_stack_assign(re->mc, NULL, re->jit);
    }
    *out = re;
    return HEARTH_OK;
}

enum hearth_err hearth_regex_compile(const char *pattern, size_t max_len, const char *what,
                                     struct hearth_regex **out, struct hearth_errmsg *em)
{
    return compile(pattern, max_len, what, false, out, em);
}

enum hearth_err hearth_regex_compile_full(const char *pattern, size_t max_len, const char *what,
                                          struct hearth_regex **out, struct hearth_errmsg *em)
{
    return compile(pattern, max_len, what, true, out, em);
}

bool hearth_regex_match(struct hearth_regex *re, const char *s, size_t len)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mc);

    return rc >= 0;
}

int hearth_regex_exec(struct hearth_regex *re, const char *s, size_t len)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mc);

    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

void hearth_regex_set_limit(struct hearth_regex *re, unsigned limit)
{
    pcre2_set_match_limit(re->mc, limit);
}

void hearth_regex_free(struct hearth_regex *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->md);
    pcre2_match_context_free(re->mc);
    pcre2_jit_stack_free(re->jit);
    pcre2_code_free(re->code);
    free(re);
}
