/*
 * regex.h - filter regexes in Go's RE2 syntax, matched by RE2.
 *
 * pprof compiles every filter (focus, ignore, hide, show, show_from,
 * tagfocus/tagignore values, drop_frames/keep_frames) with Go's regexp,
 * which is RE2. Hearth uses the RE2 library itself (server/re2_shim.cc), so
 * the syntax is the same and matching takes time linear in the subject:
 * no pattern can backtrack catastrophically, and no match is ever cut short
 * by a work limit (so a view is never silently wrong).
 *
 * Compiling is bounded before RE2 sees the pattern: its length
 * (lim->max_regex bytes), its nesting depth (lim->max_regex_depth groups:
 * RE2's parser and compiler recurse per level, and view threads may have
 * small stacks) and the memory of the compiled program and its DFA caches
 * (lim->max_regex_mem). `\C` (any byte), which RE2 accepts and Go refuses,
 * is refused too. Errors are HEARTH_E_BAD_REQUEST with a message that
 * starts with `what` ("focus: ..." or "parsing focus regexp: ...").
 *
 * Matching is an unanchored search, like Go's MatchString. Subjects are
 * bytes (names from a profile); invalid UTF-8 is read as Go reads it: each
 * byte that does not start a valid sequence is one U+FFFD, so `.` and
 * `[^a]` match it and literals around it still match.
 *
 * Thread safety: a compiled regex is immutable after compiling;
 * hearth_regex_match() may be called from any number of threads at once.
 * Free it (once, when no match is running) with hearth_regex_free().
 */
#ifndef HEARTH_REGEX_H
#define HEARTH_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"
#include "hearth/limits.h"

struct hearth_regex;

/*
 * `what` names the option in messages ("focus"); lim NULL means
 * hearth_limits_default(). *out is NULL on error.
 */
enum hearth_err hearth_regex_compile(const char *pattern, const struct hearth_limits *lim,
                                     const char *what, struct hearth_regex **out,
                                     struct hearth_errmsg *em);
/* Anchored variant for drop_frames/keep_frames: ^(?:pattern)$, as pprof. */
enum hearth_err hearth_regex_compile_full(const char *pattern, const struct hearth_limits *lim,
                                          const char *what, struct hearth_regex **out,
                                          struct hearth_errmsg *em);
/*
 * 1 if re matches somewhere in s[0..len), 0 if not, -1 if matching failed
 * (out of memory). Callers must treat -1 as an error, never as "no match".
 */
int hearth_regex_match(const struct hearth_regex *re, const char *s, size_t len);
/*
 * For parsers of text formats (legacy profiles): a pattern whose groups
 * capture, matched with hearth_regex_submatch(). Same bounds as above.
 */
enum hearth_err hearth_regex_compile_capture(const char *pattern, const struct hearth_limits *lim,
                                             const char *what, struct hearth_regex **out,
                                             struct hearth_errmsg *em);

/*
 * Leftmost-first search as Go's FindSubmatchIndex: on a match (1) off[0],
 * mlen[0] bound the whole match and off[i], mlen[i] group i (n <= 16 slots);
 * off[i] == SIZE_MAX for a group that took no part. 0 = no match, -1 = error.
 * Offsets are in s's own bytes, invalid UTF-8 read as in hearth_regex_match.
 */
int hearth_regex_submatch(const struct hearth_regex *re, const char *s, size_t len, int n,
                          size_t *off, size_t *mlen);

void hearth_regex_free(struct hearth_regex *re);

#endif /* HEARTH_REGEX_H */
