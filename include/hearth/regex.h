/*
 * regex.h - filter regexes in Go's RE2 syntax, implemented with PCRE2.
 *
 * pprof compiles every filter with Go's regexp (RE2). PCRE2 is a superset,
 * so hearth_regex_compile() first refuses what RE2 would refuse and PCRE2
 * would run (backreferences, lookaround, atomic groups, possessive
 * quantifiers, recursion, \Z \G \K), then compiles in UTF mode that
 * tolerates invalid UTF-8 in subjects (names are bytes) with `$` matching
 * only at the very end, as in RE2. Matching is an unanchored search, with a
 * backtracking limit so a hostile pattern cannot hang the server.
 *
 * A compiled regex owns its match data, so one regex must not be used by
 * two threads at once. Free with hearth_regex_free().
 */
#ifndef HEARTH_REGEX_H
#define HEARTH_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"

struct hearth_regex;

/* `what` names the option in messages ("focus"). *out is NULL on error. */
enum hearth_err hearth_regex_compile(const char *pattern, size_t max_len, const char *what,
                                     struct hearth_regex **out, struct hearth_errmsg *em);
/* Anchored variant for drop_frames/keep_frames: ^(pattern)$. */
enum hearth_err hearth_regex_compile_full(const char *pattern, size_t max_len, const char *what,
                                          struct hearth_regex **out, struct hearth_errmsg *em);
bool hearth_regex_match(struct hearth_regex *re, const char *s, size_t len);
/* 1 match, 0 no match, -1 the backtracking limit was hit (or another error). */
int hearth_regex_exec(struct hearth_regex *re, const char *s, size_t len);
/* Lower (or raise) the per-match backtracking limit (default 1,000,000). */
void hearth_regex_set_limit(struct hearth_regex *re, unsigned limit);
void hearth_regex_free(struct hearth_regex *re);

#endif /* HEARTH_REGEX_H */
