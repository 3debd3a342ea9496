/*
 * viewtest.h - building profiles and rendering views in the unit tests
 * (test_views, test_noise, test_growth): a profile from a pbp fill function,
 * a diff of two, one view as text or parsed JSON, a top row by name.
 * Failures end the current cmocka test (fail_msg). Returned profiles,
 * strings and JSON belong to the caller.
 */
#ifndef HEARTH_TEST_VIEWTEST_H
#define HEARTH_TEST_VIEWTEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "hearth/profile.h"
#include "hearth/query.h"
#include "pbw.h"

enum view { TOP, FLAME, GRAPH };

typedef void (*fill_fn)(struct pbp *b);

/* The profile that fill writes, decoded. */
struct hearth_profile *vt_profile(fill_fn fill);
/* hearth_merge_diff of the two profiles. */
struct hearth_profile *vt_diff(fill_fn fnew, fill_fn fbase, enum hearth_diff_mode mode,
                               bool normalize);
/* One view (GRAPH with text: DOT); malloc'ed, *len bytes. */
char *vt_render(const struct hearth_profile *p, const struct hearth_query *q, enum view v,
                bool text, size_t *len);
/* One view's JSON, parsed. */
json_t *vt_json(const struct hearth_profile *p, const struct hearth_query *q, enum view v);
/* The top row named name (borrowed from top), or NULL. */
json_t *vt_top_row(json_t *top, const char *name);

#endif /* HEARTH_TEST_VIEWTEST_H */
