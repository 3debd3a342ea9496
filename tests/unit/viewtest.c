/* viewtest.c - unit-test helpers for the views; see viewtest.h. */
#include "viewtest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/buf.h"
#include "hearth/merge.h"
#include "hearth/stacks.h"
#include "hearth/views.h"

struct hearth_profile *vt_profile(fill_fn fill)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em = {{0}};

    pbp_init(&b, 0);
    pbw_init(&w);
    fill(&b);
    assert_true(pbp_finish(&b, &w));
    if (hearth_profile_decode(w.p, w.len, NULL, &p, &em) != HEARTH_OK)
        fail_msg("decode: %s", em.msg);
    pbw_release(&w);
    pbp_release(&b);
    return p;
}

struct hearth_profile *vt_diff(fill_fn fnew, fill_fn fbase, enum hearth_diff_mode mode,
                               bool normalize)
{
    struct hearth_profile *n = vt_profile(fnew), *b = vt_profile(fbase), *m = NULL;
    struct hearth_errmsg em = {{0}};

    if (hearth_merge_diff(n, b, mode, normalize, NULL, &m, &em) != HEARTH_OK)
        fail_msg("merge_diff: %s", em.msg);
    hearth_profile_free(n);
    hearth_profile_free(b);
    return m;
}

char *vt_render(const struct hearth_profile *p, const struct hearth_query *q, enum view v,
                bool text, size_t *len)
{
    struct hearth_stacks *s = NULL;
    struct hearth_buf out;
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;

    if (hearth_stacks_build(p, q, v == GRAPH, NULL, &s, &em) != HEARTH_OK)
        fail_msg("stacks: %s", em.msg);
    hearth_buf_init(&out, 1 << 24);
    if (v == TOP)
        e = hearth_top_render(s, q, !text, &out, &em);
    else if (v == FLAME)
        e = hearth_flame_render(s, q, &out, &em);
    else
        e = hearth_callgraph_render(s, q, text, &out, &em);
    if (e != HEARTH_OK)
        fail_msg("render: %s", em.msg);
    hearth_stacks_free(s);
    return hearth_buf_detach(&out, len);
}

json_t *vt_json(const struct hearth_profile *p, const struct hearth_query *q, enum view v)
{
    json_error_t jerr;
    size_t len;
    char *txt = vt_render(p, q, v, false, &len);
    json_t *j = json_loadb(txt, len, 0, &jerr);

    if (!j)
        fail_msg("invalid JSON: %s: %.300s", jerr.text, txt);
    free(txt);
    return j;
}

json_t *vt_top_row(json_t *top, const char *name)
{
    json_t *rows = json_object_get(top, "rows");
    size_t i;

    for (i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (!strcmp(json_string_value(json_object_get(r, "name")), name))
            return r;
    }
    return NULL;
}
