/*
 * fuzz_decode.c - libFuzzer target: bytes -> hearth_profile_decode() with tight
 * limits -> stacks -> every view (top text and JSON, flame JSON, call graph
 * JSON and DOT) and every report of reports.h (traces, tree, peek,
 * callgrind, raw, comments, proto, topproto) into 16 MiB buffers -> free
 * everything. The profiles -proto and -topproto write must decode again.
 *
 * Bytes that are not profile.proto go through the legacy readers (legacy.h):
 * the seeds legacy-* are one input per legacy format, plus malformed ones.
 *
 * When the input decodes, it is also diffed against itself
 * (hearth_merge_diff, -base or -diff_base, with or without -normalize) and
 * the diff's views rendered, which exercises merge.c and negative values.
 *
 * Besides the sanitizers' checks, the target asserts two contracts: a
 * failed decode returns NULL with a message, and every JSON view is valid
 * JSON (jansson parses it, which also checks UTF-8). A broken contract
 * calls abort(), which libFuzzer and replay_main report as a crash.
 * Linked with -fsanitize=fuzzer under clang, or with replay_main.c under gcc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/limits.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"
#include "hearth/reports.h"
#include "hearth/views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP ((size_t)16 << 20)

static void contract(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_decode: contract broken: %s\n", what);
        abort();
    }
}

/* The output must parse as JSON unless rendering stopped at the cap. */
static void check_json(enum hearth_err e, const struct hearth_buf *b, const char *view)
{
    json_t *j;
    json_error_t jerr;

    if (e != HEARTH_OK)
        return;
    j = json_loadb(b->ptr, b->len, JSON_ALLOW_NUL, &jerr);
    if (!j) {
        fprintf(stderr, "fuzz_decode: %s view is not valid JSON: %s (line %d col %d)\n", view,
                jerr.text, jerr.line, jerr.column);
        abort();
    }
    json_decref(j);
}

static void views(const struct hearth_profile *p, const struct hearth_query *q, bool tags)
{
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_stacks *s = NULL;
    struct hearth_errmsg em;
    struct hearth_buf out;
    enum hearth_err e;

    lim.max_output = OUT_CAP;
    if (hearth_stacks_build(p, q, tags, &lim, &s, &em) != HEARTH_OK) {
        contract(s == NULL, "failed stacks_build left a result");
        return;
    }
    hearth_buf_init(&out, OUT_CAP);
    e = hearth_top_render(s, q, true, &out, &em);
    check_json(e, &out, "top");
    hearth_buf_reset(&out);
    (void)hearth_top_render(s, q, false, &out, &em);
    hearth_buf_reset(&out);
    e = hearth_flame_render(s, q, &out, &em);
    check_json(e, &out, "flame");
    hearth_buf_reset(&out);
    e = hearth_callgraph_render(s, q, false, &out, &em);
    check_json(e, &out, "graph");
    hearth_buf_reset(&out);
    (void)hearth_callgraph_render(s, q, true, &out, &em);
    hearth_buf_release(&out);
    hearth_stacks_free(s);
}

/* pprof's other reports (reports.h); the profiles they write must decode again. */
static void reports(const struct hearth_profile *p, const struct hearth_query *user)
{
    static const enum hearth_report all[] = {
        HEARTH_REPORT_TRACES, HEARTH_REPORT_TREE,     HEARTH_REPORT_PEEK,  HEARTH_REPORT_CALLGRIND,
        HEARTH_REPORT_RAW,    HEARTH_REPORT_COMMENTS, HEARTH_REPORT_PROTO, HEARTH_REPORT_TOPPROTO,
    };
    struct hearth_limits lim = hearth_limits_default();
    size_t i;

    lim.max_output = OUT_CAP;
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        struct hearth_stacks *s = NULL;
        struct hearth_profile *back = NULL;
        struct hearth_errmsg em;
        struct hearth_query q;
        struct hearth_buf out;
        unsigned flags = 0;
        enum hearth_err e;

        if (hearth_report_stacks(all[i], user, &q, &flags) &&
            hearth_stacks_build_ex(p, &q, flags, &lim, &s, &em) != HEARTH_OK) {
            contract(s == NULL, "failed stacks_build_ex left a result");
            continue;
        }
        hearth_buf_init(&out, OUT_CAP);
        e = hearth_report_render(all[i], p, s, user, "a|main", &out, &em);
        if (!e && (all[i] == HEARTH_REPORT_PROTO || all[i] == HEARTH_REPORT_TOPPROTO)) {
            e = hearth_profile_decode((const unsigned char *)out.ptr, out.len, &lim, &back, &em);
            contract(e == HEARTH_OK, "a written profile does not decode again");
            hearth_profile_free(back);
        }
        hearth_buf_release(&out);
        hearth_stacks_free(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    struct hearth_query q;
    enum hearth_err e;

    lim.max_input = (size_t)8 << 20;
    lim.max_decompressed = (size_t)8 << 20;
    lim.max_model = (size_t)256 << 20;
    lim.max_samples = 100000;
    lim.max_depth = 4096;
    lim.max_frames = 1000000;
    lim.max_locations = 100000;
    lim.max_functions = 100000;
    lim.max_strings = 100000;
    lim.max_lines = 1000000;
    lim.max_labels = 1000000;
    lim.max_message = (size_t)8 << 20;
    lim.max_output = OUT_CAP;
    em.msg[0] = '\0';
    e = hearth_profile_decode(data, size, &lim, &p, &em);
    if (e != HEARTH_OK) {
        contract(p == NULL, "failed decode returned a profile");
        contract(em.msg[0] != '\0', "failed decode without a message");
        return 0;
    }
    contract(p != NULL, "decode returned OK without a profile");

    /* defaults (functions), then a second query that exercises other paths */
    hearth_query_init(&q);
    views(p, &q, true);
    reports(p, &q);
    hearth_query_init(&q);
    q.gran = size % 2 ? HEARTH_GRAN_LINES : HEARTH_GRAN_ADDRESSES;
    q.noinlines = size % 3 == 0;
    q.nodecount = 5;
    q.nodefraction = 0;
    q.edgefraction = 0;
    q.min_fraction = 0.01;
    q.sample_index = "0";
    q.cum_sort = true;
    q.unit = "auto";
    views(p, &q, false);
    reports(p, &q);

    /* the profile against itself as a base */
    {
        struct hearth_profile *m = NULL;
        enum hearth_diff_mode mode = size % 2 ? HEARTH_DIFF_BASE : HEARTH_DIFF_DIFF_BASE;
        e = hearth_merge_diff(p, p, mode, size % 4 < 2, &lim, &m, &em);
        if (e == HEARTH_OK) {
            contract(m != NULL, "merge_diff returned OK without a profile");
            hearth_query_init(&q);
            q.diff = mode;
            views(m, &q, true);
            reports(m, &q);
            hearth_profile_free(m);
        } else {
            contract(m == NULL, "failed merge_diff returned a profile");
        }
    }
    hearth_profile_free(p);
    return 0;
}
