/*
 * re2_shim.h - the few RE2 calls regex.c needs, as a C API (re2_shim.cc).
 *
 * Internal to the core: only server/regex.c includes it; everything else
 * uses include/hearth/regex.h. No function here throws or aborts: every C++
 * exception (std::bad_alloc) is caught at this boundary and turned into an
 * error code. A compiled pattern is immutable; matching is thread-safe.
 */
#ifndef HEARTH_RE2_SHIM_H
#define HEARTH_RE2_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hearth_re2;

enum hearth_re2_status {
    HEARTH_RE2_OK = 0,
    HEARTH_RE2_SYNTAX,      /* the pattern is not valid RE2 syntax */
    HEARTH_RE2_UNSUPPORTED, /* valid elsewhere (Perl, PCRE) but not in RE2 */
    HEARTH_RE2_TOO_LARGE,   /* the compiled program would exceed max_mem */
    HEARTH_RE2_NOMEM,       /* allocation failed */
};

/*
 * Compile pattern[0..len) (UTF-8, Perl-like RE2 syntax, unanchored, no
 * capturing) with a memory budget of max_mem bytes for the program and its
 * DFA caches. On error *out is NULL and msg holds RE2's reason.
 */
enum hearth_re2_status hearth_re2_new(const char *pattern, size_t len, int64_t max_mem,
                                      struct hearth_re2 **out, char *msg, size_t msgsz);
/* As hearth_re2_new, but the pattern's groups capture (hearth_re2_submatch). */
enum hearth_re2_status hearth_re2_new_capture(const char *pattern, size_t len, int64_t max_mem,
                                              struct hearth_re2 **out, char *msg, size_t msgsz);
/*
 * Leftmost-first search like hearth_re2_search, filling off[i], len[i] for
 * the whole match (i = 0) and groups 1..n-1; a group that took no part has
 * off[i] == SIZE_MAX. 1 on a match, 0 if none, -1 on error.
 */
int hearth_re2_submatch(const struct hearth_re2 *re, const char *s, size_t len, int n, size_t *off,
                        size_t *mlen);
/* 1 if the pattern matches somewhere in s[0..len), 0 if not, -1 on error. */
int hearth_re2_search(const struct hearth_re2 *re, const char *s, size_t len);
void hearth_re2_free(struct hearth_re2 *re);

#ifdef __cplusplus
}
#endif

#endif /* HEARTH_RE2_SHIM_H */
