/*
 * fuzz_query.c - libFuzzer target: bytes -> query parameters ->
 * hearth_query_set() -> hearth_stacks_build() -> every view (and -tags), on a small
 * profile built here (inlined frames, a mapping, a location without lines,
 * string and numeric labels with and without units, an invalid-UTF-8 and a
 * C++ name).
 *
 * The input is split at '&' into at most 32 pairs and each pair at its
 * first '=' into name and value, as the HTTP layer hands them over after
 * percent-decoding (a NUL byte ends a name or value). Two extra names set
 * the profile's own regexes: drop_frames=RE and keep_frames=RE.
 *
 * Contracts checked (a broken one calls abort()): a refused option or a
 * failed build comes with a message and leaves no result; every JSON view
 * parses (jansson, which also checks UTF-8); a query that
 * hearth_stacks_check_query() refuses (what a saved view may not store)
 * is refused with a message, and a view of it fails too. Timeouts (libFuzzer's
 * -timeout) catch a filter that is slow to compile or match.
 * Linked with -fsanitize=fuzzer under clang, or with replay_main.c under gcc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/labels.h"
#include "hearth/tags.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"
#include "hearth/views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP   ((size_t)4 << 20)
#define MAX_PAIRS 32

static void contract(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_query: contract broken: %s\n", what);
        abort();
    }
}

/* ---- a tiny protobuf writer (fixed buffers: the profile is small) ---- */

struct pb {
    unsigned char b[16384];
    size_t n;
};

static void pb_varint(struct pb *w, uint64_t v)
{
    while (v >= 0x80 && w->n < sizeof(w->b)) {
        w->b[w->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    if (w->n < sizeof(w->b))
        w->b[w->n++] = (unsigned char)v;
}

static void pb_uint(struct pb *w, uint32_t field, uint64_t v)
{
    pb_varint(w, (uint64_t)field << 3);
    pb_varint(w, v);
}

static void pb_bytes(struct pb *w, uint32_t field, const void *p, size_t n)
{
    pb_varint(w, (uint64_t)field << 3 | 2);
    pb_varint(w, n);
    contract(w->n + n <= sizeof(w->b), "fuzz profile buffer");
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void pb_msg(struct pb *w, uint32_t field, const struct pb *sub)
{
    pb_bytes(w, field, sub->b, sub->n);
}

static void pb_packed(struct pb *w, uint32_t field, const uint64_t *v, size_t n)
{
    struct pb t = {{0}, 0};
    size_t i;

    for (i = 0; i < n; i++)
        pb_varint(&t, v[i]);
    pb_msg(w, field, &t);
}

/* string table: index of each entry, in order */
static const char *const strs[] = {
    "", /* 0 */
    "alloc_space",
    "bytes",
    "inuse_objects",
    "count",
    "main.main", /* 5 */
    "main.handle",
    "runtime.mallocgc",
    "pkg/x.(*T).Parse",
    "\xff\xfe"
    "bad\xc3",
    "std::vector<int>::push_back(int)", /* 10 */
    "/src/app/main.go",
    "/src/pkg/x/x.go",
    "runtime/malloc.go",
    "/bin/app",
    "thread", /* 15 */
    "worker",
    "main",
    "n",
    "method",
    "GET\xe2\x82",
    "space",
    /* 22: drop_frames, 23: keep_frames (set per input) */
};

static void value_type(struct pb *w, uint32_t field, uint64_t type, uint64_t unit)
{
    struct pb t = {{0}, 0};

    pb_uint(&t, 1, type);
    pb_uint(&t, 2, unit);
    pb_msg(w, field, &t);
}

static void sample(struct pb *w, const uint64_t *locs, size_t nlocs, uint64_t v0, uint64_t v1,
                   int lab)
{
    struct pb s = {{0}, 0}, l = {{0}, 0};
    uint64_t vals[2] = {v0, v1};

    pb_packed(&s, 1, locs, nlocs);
    pb_packed(&s, 2, vals, 2);
    if (lab & 1) { /* thread=worker|main */
        pb_uint(&l, 1, 15);
        pb_uint(&l, 2, lab & 4 ? 17 : 16);
        pb_msg(&s, 3, &l);
        l.n = 0;
    }
    if (lab & 2) { /* bytes=N bytes, n=K (no unit) */
        pb_uint(&l, 1, 2);
        pb_uint(&l, 3, (uint64_t)(16u << (lab % 7)));
        pb_uint(&l, 4, 2);
        pb_msg(&s, 3, &l);
        l.n = 0;
        pb_uint(&l, 1, 18);
        pb_uint(&l, 3, (uint64_t)lab);
        pb_msg(&s, 3, &l);
        l.n = 0;
    }
    if (lab & 8) { /* method=GET<cut UTF-8> */
        pb_uint(&l, 1, 19);
        pb_uint(&l, 2, 20);
        pb_msg(&s, 3, &l);
    }
    pb_msg(w, 2, &s);
}

static void build_profile(struct pb *w, const char *drop, const char *keep)
{
    static const uint64_t fn_name[] = {5, 6, 7, 8, 9, 10};
    static const uint64_t fn_file[] = {11, 11, 13, 12, 12, 0};
    struct pb t = {{0}, 0}, ln = {{0}, 0};
    size_t i;

    w->n = 0;
    value_type(w, 1, 1, 2);
    value_type(w, 1, 3, 4);
    /* samples: leaf first */
    {
        static const uint64_t s1[] = {3, 2, 1}, s2[] = {4, 2, 1}, s3[] = {7, 1}, s4[] = {5, 6, 1},
                              s5[] = {8, 4, 2, 1}, s6[] = {3, 3, 2, 1};
        sample(w, s1, 3, 4096, 4, 3);
        sample(w, s2, 3, 512, 1, 11);
        sample(w, s3, 2, 100, 2, 7);
        sample(w, s4, 3, 65536, 1, 2);
        sample(w, s5, 4, 64, 8, 14);
        sample(w, s6, 4, 1, 1, 0);
    }
    /* mapping 1 */
    pb_uint(&t, 1, 1);
    pb_uint(&t, 2, 0x400000);
    pb_uint(&t, 3, 0x800000);
    pb_uint(&t, 5, 14);
    pb_uint(&t, 7, 1);
    pb_msg(w, 3, &t);
    /* locations 1..6 = functions 1..6; 7 has two lines (inlined); 8 none */
    for (i = 1; i <= 8; i++) {
        t.n = 0;
        pb_uint(&t, 1, i);
        pb_uint(&t, 2, 1);
        pb_uint(&t, 3, 0x400000 + 16 * i);
        if (i <= 6) {
            ln.n = 0;
            pb_uint(&ln, 1, i);
            pb_uint(&ln, 2, 10 * i);
            pb_msg(&t, 4, &ln);
        } else if (i == 7) {
            ln.n = 0;
            pb_uint(&ln, 1, 3);
            pb_uint(&ln, 2, 5);
            pb_msg(&t, 4, &ln);
            ln.n = 0;
            pb_uint(&ln, 1, 4);
            pb_uint(&ln, 2, 7);
            pb_msg(&t, 4, &ln);
        }
        pb_msg(w, 4, &t);
    }
    for (i = 0; i < 6; i++) {
        t.n = 0;
        pb_uint(&t, 1, i + 1);
        pb_uint(&t, 2, fn_name[i]);
        pb_uint(&t, 3, fn_name[i]);
        pb_uint(&t, 4, fn_file[i]);
        pb_msg(w, 5, &t);
    }
    for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        pb_bytes(w, 6, strs[i], strlen(strs[i]));
    pb_bytes(w, 6, drop ? drop : "", drop ? strlen(drop) : 0);
    pb_bytes(w, 6, keep ? keep : "", keep ? strlen(keep) : 0);
    if (drop)
        pb_uint(w, 7, 22);
    if (keep)
        pb_uint(w, 8, 23);
    value_type(w, 11, 21, 2);
    pb_uint(w, 12, 524288);
}

/* The output must parse as JSON unless rendering stopped at the cap. */
static void check_json(enum hearth_err e, const struct hearth_buf *b, const char *view)
{
    json_t *j;
    json_error_t jerr;

    if (e != HEARTH_OK)
        return;
    j = json_loadb(b->ptr, b->len, 0, &jerr);
    if (!j) {
        fprintf(stderr, "fuzz_query: %s view is not valid JSON: %s (line %d col %d)\n", view,
                jerr.text, jerr.line, jerr.column);
        abort();
    }
    json_decref(j);
}

/* Every view of q; false when the stacks could not be built. */
static bool views(const struct hearth_profile *p, const struct hearth_query *q, bool tags)
{
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_stacks *s = (struct hearth_stacks *)&lim; /* must become NULL on error */
    struct hearth_errmsg em;
    struct hearth_buf out;
    enum hearth_err e;

    lim.max_output = OUT_CAP;
    em.msg[0] = '\0';
    e = hearth_stacks_build_ex(p, q, tags ? HEARTH_STACKS_TAGS : HEARTH_STACKS_SAMPLES, &lim, &s,
                               &em);
    if (e != HEARTH_OK) {
        contract(s == NULL, "failed stacks_build left a result");
        contract(em.msg[0] != '\0', "failed stacks_build without a message");
        return false;
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
    if (!tags) {
        hearth_buf_reset(&out);
        e = hearth_tags_render(s, q, true, &out, &em);
        check_json(e, &out, "tags");
        hearth_buf_reset(&out);
        (void)hearth_tags_render(s, q, false, &out, &em);
    }
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pb w;
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    struct hearth_query q;
    char *buf, *names[MAX_PAIRS], *values[MAX_PAIRS];
    const char *drop = NULL, *keep = NULL;
    size_t i, np = 0;

    /* NUL-terminated copy, cut into pairs in place */
    buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (i = 0; i <= size && np < MAX_PAIRS;) {
        char *pair = buf + i, *amp = memchr(pair, '&', size - i), *eq;
        size_t end = amp ? (size_t)(amp - buf) : size;
        buf[end] = '\0';
        eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        names[np] = pair;
        values[np] = eq ? eq + 1 : NULL;
        if (!strcmp(pair, "drop_frames"))
            drop = values[np] ? values[np] : "";
        else if (!strcmp(pair, "keep_frames"))
            keep = values[np] ? values[np] : "";
        else
            np++;
        i = end + 1;
    }

    build_profile(&w, drop, keep);
    em.msg[0] = '\0';
    if (hearth_profile_decode(w.b, w.n, &lim, &p, &em) != HEARTH_OK) {
        /* only a NUL byte in drop/keep can do this (strings are bytes) */
        contract(p == NULL && em.msg[0] != '\0', "failed decode contract");
        free(buf);
        return 0;
    }
    hearth_query_init(&q);
    for (i = 0; i < np; i++) {
        em.msg[0] = '\0';
        /* the HTTP layer answers 400 to a refused option; go on anyway */
        if (hearth_query_set(&q, names[i], values[i], &em) != HEARTH_OK)
            contract(em.msg[0] != '\0', "refused option without a message");
    }
    em.msg[0] = '\0';
    if (hearth_stacks_check_query(&q, &lim, &em) != HEARTH_OK) {
        contract(em.msg[0] != '\0', "refused query without a message");
        contract(!views(p, &q, true) && !views(p, &q, false), "a refused query made a view");
    } else {
        views(p, &q, true);
        views(p, &q, false);
    }
    hearth_profile_free(p);
    free(buf);
    return 0;
}
