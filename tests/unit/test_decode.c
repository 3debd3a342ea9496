/*
 * test_decode.c - hearth_profile_decode() on profiles built byte by byte:
 * a valid minimal profile, packed/unpacked mixes, big ids, every rejection
 * rule of pprof-semantics.md 1.3-1.4 (one case per rule), what pprof
 * accepts (missing mapping, key-only labels, unknown fields, -3 as a
 * 10-byte varint), legacy text (now read), empty input, the limits, and invalid UTF-8
 * names all the way to valid JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"
#include "hearth/views.h"
#include "pbw.h"

/* ---- a hand-built profile with one knob per validation rule ---- */

/* String table of the hand-built profile. */
enum { S_EMPTY, S_CPU, S_NS, S_MAIN, S_BIN, S_XGO, S_SAMPLES, S_COUNT, S_K, S_V, S_BYTES, S_N };

static const char *const strtab[S_N] = {"",         "cpu",   "nanoseconds", "main",
                                        "/bin/app", "x.go",  "samples",     "count",
                                        "key",      "value", "bytes"};

struct spec {
    uint64_t fn_id, loc_id, map_id; /* ids of the three entities */
    uint64_t line_fn;               /* function id in the location's line */
    uint64_t loc_map;               /* mapping id of the location */
    uint64_t smp_loc;               /* location id of the sample */
    int ntypes, nvals;
    const char *str0; /* string_table[0] */
    bool no_strings;  /* omit the string table */
    bool no_mapping;  /* omit the mapping */
    int64_t fn_name;  /* string index of the function's name */
    bool dup_fn, dup_loc, dup_map;
    bool unknown_fields; /* unknown fields of every wire type in every message */
    int64_t value;       /* value of the sample (each column) */
};

static struct spec valid_spec(void)
{
    struct spec s;

    memset(&s, 0, sizeof(s));
    s.fn_id = s.line_fn = 7;
    s.loc_id = s.smp_loc = 3;
    s.map_id = s.loc_map = 1;
    s.ntypes = s.nvals = 1;
    s.fn_name = S_MAIN;
    s.value = 10;
    return s;
}

static void unknowns(struct pbw *w)
{
    pbw_fixed64(w, 60, 0x1122334455667788ULL);
    pbw_fixed32(w, 61, 0x11223344u);
    pbw_uint(w, 98, 12345);
    pbw_str(w, 99, "unknown bytes");
}

static void build(const struct spec *sp, struct pbw *out)
{
    struct pbw m, t;
    int i, k;

    pbw_init(&m);
    pbw_init(&t);
    for (i = 0; i < sp->ntypes; i++) {
        pbw_reset(&m);
        pbw_int(&m, 1, i == 0 ? S_CPU : S_SAMPLES);
        pbw_int(&m, 2, i == 0 ? S_NS : S_COUNT);
        if (sp->unknown_fields)
            unknowns(&m);
        pbw_msg(out, 1, &m);
    }
    /* sample */
    pbw_reset(&m);
    pbw_uint(&m, 1, sp->smp_loc);
    for (i = 0; i < sp->nvals; i++)
        pbw_int(&m, 2, sp->value);
    if (sp->unknown_fields)
        unknowns(&m);
    pbw_msg(out, 2, &m);
    /* mapping(s) */
    for (k = 0; !sp->no_mapping && k < (sp->dup_map ? 2 : 1); k++) {
        pbw_reset(&m);
        pbw_uint(&m, 1, sp->map_id);
        pbw_uint(&m, 2, 0x400000);
        pbw_uint(&m, 3, 0x500000);
        pbw_int(&m, 5, S_BIN);
        pbw_uint(&m, 7, 1);
        if (sp->unknown_fields)
            unknowns(&m);
        pbw_msg(out, 3, &m);
    }
    /* location(s) */
    for (k = 0; k < (sp->dup_loc ? 2 : 1); k++) {
        pbw_reset(&m);
        pbw_reset(&t);
        pbw_uint(&m, 1, sp->loc_id);
        pbw_uint(&m, 2, sp->loc_map);
        pbw_uint(&m, 3, 0x401234);
        pbw_uint(&t, 1, sp->line_fn);
        pbw_int(&t, 2, 12);
        if (sp->unknown_fields) {
            pbw_int(&t, 3, 5); /* Line.column (upstream only): skipped */
            unknowns(&t);
            unknowns(&m);
        }
        pbw_msg(&m, 4, &t);
        pbw_msg(out, 4, &m);
    }
    /* function(s) */
    for (k = 0; k < (sp->dup_fn ? 2 : 1); k++) {
        pbw_reset(&m);
        pbw_uint(&m, 1, sp->fn_id);
        pbw_int(&m, 2, sp->fn_name);
        pbw_int(&m, 3, S_MAIN);
        pbw_int(&m, 4, S_XGO);
        pbw_int(&m, 5, 3);
        if (sp->unknown_fields)
            unknowns(&m);
        pbw_msg(out, 5, &m);
    }
    if (!sp->no_strings) {
        pbw_str(out, 6, sp->str0 ? sp->str0 : strtab[0]);
        for (i = 1; i < S_N; i++)
            pbw_str(out, 6, strtab[i]);
    }
    pbw_int(out, 9, 1700000000000000000LL); /* time_nanos */
    pbw_int(out, 10, 1000000000);           /* duration_nanos */
    if (sp->unknown_fields)
        unknowns(out);
    pbw_release(&m);
    pbw_release(&t);
    assert_false(out->oom);
}

static enum hearth_err decode(const struct pbw *w, const struct hearth_limits *lim,
                              struct hearth_profile **p, struct hearth_errmsg *em)
{
    em->msg[0] = '\0';
    return hearth_profile_decode(w->p, w->len, lim, p, em);
}

/* The spec must be rejected as corrupt with a message containing `why`. */
static void expect_corrupt_w(const struct pbw *w, const char *why)
{
    struct hearth_profile *p = (struct hearth_profile *)&p;
    struct hearth_errmsg em;
    enum hearth_err e = decode(w, NULL, &p, &em);

    if (e != HEARTH_E_CORRUPT)
        fail_msg("expected corrupt_profile (%s), got %s: %s", why, hearth_err_name(e), em.msg);
    assert_null(p);
    if (!strstr(em.msg, why))
        fail_msg("message \"%s\" does not mention \"%s\"", em.msg, why);
}

static void expect_corrupt(const struct spec *sp, const char *why)
{
    struct pbw w;

    pbw_init(&w);
    build(sp, &w);
    expect_corrupt_w(&w, why);
    pbw_release(&w);
}

/* Function name of the leaf of sample s. */
static struct hearth_str leaf_name(const struct hearth_profile *p, size_t s)
{
    uint32_t loc = p->s_locs[p->s_loc_off[s]];
    uint32_t fn = p->line_fn[p->loc_line_off[loc]];

    return hearth_pstr(p, p->fn_name[fn]);
}

/* ---- valid inputs ---- */

static void test_valid_minimal(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    unsigned char *gz;
    size_t gzn;

    (void)state;
    pbw_init(&w);
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_non_null(p);
    assert_int_equal(p->ntypes, 1);
    assert_true(hearth_pstr_eq(p, p->type_name[0], "cpu"));
    assert_true(hearth_pstr_eq(p, p->type_unit[0], "nanoseconds"));
    assert_true(p->nstr >= 1);
    assert_int_equal(p->str[0].len, 0);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_val[0], 10);
    assert_int_equal(p->s_loc_off[1] - p->s_loc_off[0], 1);
    assert_int_equal(p->nloc, 1);
    assert_int_equal(p->nfunc, 1);
    assert_int_equal(p->nlines, 1);
    assert_int_equal(p->nmap, 1);
    assert_false(p->fake_mapping);
    assert_int_equal(p->loc_map[0], 0);
    assert_int_equal(p->loc_addr[0], 0x401234);
    assert_int_equal(p->line_no[0], 12);
    assert_int_equal(p->fn_start_line[0], 3);
    assert_true(hearth_pstr_eq(p, p->fn_name[0], "main"));
    assert_true(hearth_pstr_eq(p, p->fn_file[0], "x.go"));
    assert_true(hearth_pstr_eq(p, p->map_file[0], "/bin/app"));
    assert_true(p->map_flags[0] & HEARTH_MAP_HAS_FUNCTIONS);
    assert_int_equal(p->map_start[0], 0x400000);
    assert_int_equal(p->time_nanos, 1700000000000000000LL);
    assert_int_equal(p->duration_nanos, 1000000000);
    assert_true(p->bytes > 0);
    hearth_profile_free(p);

    /* gzip or raw: the same profile */
    assert_true(pbw_gzip(w.p, w.len, &gz, &gzn));
    assert_int_equal(hearth_profile_decode(gz, gzn, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_val[0], 10);
    hearth_profile_free(p);
    free(gz);
    hearth_profile_free(NULL);
    pbw_release(&w);
}

/* hearth_profile_load: a file on disk, and a missing one. */
static void test_load_file(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    char path[] = "/tmp/hearth-test-decode-XXXXXX";
    int fd;

    (void)state;
    pbw_init(&w);
    build(&sp, &w);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, w.p, w.len), (ssize_t)w.len);
    close(fd);
    assert_int_equal(hearth_profile_load(path, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    hearth_profile_free(p);
    {
        struct hearth_limits lim = hearth_limits_default();
        lim.max_input = w.len - 1;
        assert_int_equal(hearth_profile_load(path, &lim, &p, &em), HEARTH_E_TOO_LARGE);
        assert_null(p);
    }
    unlink(path);
    assert_int_equal(hearth_profile_load(path, NULL, &p, &em), HEARTH_E_NOT_FOUND);
    assert_null(p);
    pbw_release(&w);
}

/* Repeated scalars packed and unpacked, interleaved, appended in order (1.2). */
static void test_packed_unpacked_mixed(void **state)
{
    struct pbp b;
    struct pbw w, s, pk;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    uint64_t la, lb, lc, ld, two[2];
    int64_t ca, cb, cc;
    const char *want[] = {"a", "b", "c", "d"};
    size_t i;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbw_init(&s);
    pbw_init(&pk);
    pbp_sample_type(&b, "samples", "count");
    pbp_sample_type(&b, "cpu", "nanoseconds");
    pbp_mapping(&b, "/bin/app");
    la = pbp_name_loc(&b, "a");
    lb = pbp_name_loc(&b, "b");
    lc = pbp_name_loc(&b, "c");
    ld = pbp_name_loc(&b, "d");
    /* location_id: a (unpacked), [b c] (packed), d (unpacked); values: [5] packed, 6 plain */
    pbw_uint(&s, 1, la);
    two[0] = lb;
    two[1] = lc;
    pbw_packed(&s, 1, two, 2);
    pbw_uint(&s, 1, ld);
    two[0] = 5;
    pbw_packed(&s, 2, two, 1);
    pbw_int(&s, 2, 6);
    pbw_msg(&b.samples, 2, &s);
    /* comments: [ca cb] packed, cc unpacked */
    ca = pbp_s(&b, "c1");
    cb = pbp_s(&b, "c2");
    cc = pbp_s(&b, "c3");
    two[0] = (uint64_t)ca;
    two[1] = (uint64_t)cb;
    pbw_packed(&b.hdr, 13, two, 2);
    pbw_int(&b.hdr, 13, cc);
    /* an empty packed block adds nothing */
    pbw_packed(&b.hdr, 13, two, 0);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_loc_off[1], 4);
    for (i = 0; i < 4; i++) {
        uint32_t loc = p->s_locs[i];
        struct hearth_str n = hearth_pstr(p, p->fn_name[p->line_fn[p->loc_line_off[loc]]]);
        assert_int_equal(n.len, 1);
        assert_memory_equal(n.ptr, want[i], 1);
    }
    assert_int_equal(p->s_val[0], 5);
    assert_int_equal(p->s_val[1], 6);
    assert_int_equal(p->ncomments, 3);
    assert_true(hearth_pstr_eq(p, p->comments[0], "c1"));
    assert_true(hearth_pstr_eq(p, p->comments[1], "c2"));
    assert_true(hearth_pstr_eq(p, p->comments[2], "c3"));
    hearth_profile_free(p);
    pbw_release(&pk);
    pbw_release(&s);
    pbw_release(&w);
    pbp_release(&b);
}

/* Ids need not be small or contiguous (1.4): offset by 1e9. */
static void test_big_ids(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    struct hearth_str n;

    (void)state;
    pbp_init(&b, 1000000000);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    pbp_stack(&b, "main;a;b", 5);
    pbp_stack(&b, "main;c", 7);
    pbp_stack(&b, "main", 1);
    /* one more location with a huge id */
    b.next_id = UINT64_MAX - 5;
    pbp_stack(&b, "main;huge", 3);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 4);
    n = leaf_name(p, 0);
    assert_memory_equal(n.ptr, "b", 1);
    n = leaf_name(p, 1);
    assert_memory_equal(n.ptr, "c", 1);
    n = leaf_name(p, 3);
    assert_memory_equal(n.ptr, "huge", 4);
    assert_int_equal(p->s_val[3], 3);
    assert_int_equal(p->loc_map[0], 0);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* Accepted although odd: missing mapping, no mapping at all, unknown fields. */
static void test_accepted_oddities(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;

    (void)state;
    pbw_init(&w);
    /* mapping_id not found: the location simply has no mapping */
    sp.loc_map = 42;
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->loc_map[0], HEARTH_NONE);
    assert_int_equal(p->nmap, 1);
    hearth_profile_free(p);

    /* mapping_id 0 */
    sp = valid_spec();
    sp.loc_map = 0;
    pbw_reset(&w);
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->loc_map[0], HEARTH_NONE);
    hearth_profile_free(p);

    /* no mappings: a fake one is added and every location attached to it */
    sp = valid_spec();
    sp.no_mapping = true;
    pbw_reset(&w);
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nmap, 1);
    assert_true(p->fake_mapping);
    assert_int_equal(p->loc_map[0], 0);
    assert_int_equal(p->map_file[0], 0);
    hearth_profile_free(p);

    /* unknown fields of wire types 0, 1, 2, 5 everywhere, and Line.column */
    sp = valid_spec();
    sp.unknown_fields = true;
    pbw_reset(&w);
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_val[0], 10);
    assert_int_equal(p->line_no[0], 12);
    hearth_profile_free(p);

    /* -3 is a 10-byte varint and stays -3 */
    sp = valid_spec();
    sp.value = -3;
    pbw_reset(&w);
    build(&sp, &w);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->s_val[0], -3);
    hearth_profile_free(p);

    /* sample types and no samples: valid, empty */
    pbw_reset(&w);
    {
        struct pbp b;
        pbp_init(&b, 0);
        pbp_sample_type(&b, "cpu", "nanoseconds");
        assert_true(pbp_finish(&b, &w));
        pbp_release(&b);
    }
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 0);
    hearth_profile_free(p);
    pbw_release(&w);
}

/* Last one wins for singular fields; time_nanos 0 then non-zero is fine. */
static void test_singular_fields(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "cpu", "nanoseconds");
    pbp_period(&b, "space", "bytes", 1);
    pbp_period(&b, "cpu", "nanoseconds", 10000000);
    pbw_int(&b.hdr, 9, 0);
    pbw_int(&b.hdr, 9, 77);
    pbw_int(&b.hdr, 10, 5);
    pbw_int(&b.hdr, 10, 6);
    pbp_stack(&b, "main", 1);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_true(hearth_pstr_eq(p, p->period_type, "cpu"));
    assert_true(hearth_pstr_eq(p, p->period_unit, "nanoseconds"));
    assert_int_equal(p->period, 10000000);
    assert_int_equal(p->time_nanos, 77);
    assert_int_equal(p->duration_nanos, 6);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* Identical samples are summed; all-zero samples vanish (pprof's merge). */
static void test_merge_identical(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    pbp_stack(&b, "main;a", 5);
    pbp_stack(&b, "main;b", 0);
    pbp_stack(&b, "main;a", 2);
    pbp_stack(&b, "main;c", 4);
    pbp_stack(&b, "main;c", -4);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_val[0], 7);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* Labels (1.4): key-only dropped; {num 0, unit} kept; str wins over num. */
static void test_labels(void **state)
{
    struct pbp b;
    struct pbw w, ex, l;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    uint64_t loc;
    int64_t v = 1;
    uint32_t la, lb, k;
    int nstr = 0, nnum = 0;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbw_init(&ex);
    pbw_init(&l);
    pbp_sample_type(&b, "samples", "count");
    loc = pbp_name_loc(&b, "main");
    /* {zero} key only: dropped */
    pbw_int(&l, 1, pbp_s(&b, "zero"));
    pbw_msg(&ex, 3, &l);
    /* {zero2, num=0 explicit}: dropped too */
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "zero2"));
    pbw_int(&l, 3, 0);
    pbw_msg(&ex, 3, &l);
    /* {zu, num=0, unit=bytes}: numeric, kept */
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "zu"));
    pbw_int(&l, 4, pbp_s(&b, "bytes"));
    pbw_msg(&ex, 3, &l);
    /* {s: v} and {s: w}: two values of one key */
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "s"));
    pbw_int(&l, 2, pbp_s(&b, "v"));
    pbw_msg(&ex, 3, &l);
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "s"));
    pbw_int(&l, 2, pbp_s(&b, "w"));
    pbw_msg(&ex, 3, &l);
    /* {both: str + num}: a string label */
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "both"));
    pbw_int(&l, 2, pbp_s(&b, "x"));
    pbw_int(&l, 3, 5);
    pbw_msg(&ex, 3, &l);
    /* {n: -2}: numeric */
    pbw_reset(&l);
    pbw_int(&l, 1, pbp_s(&b, "n"));
    pbw_int(&l, 3, -2);
    pbw_msg(&ex, 3, &l);
    pbp_sample(&b, &loc, 1, &v, 1, &ex);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    la = p->s_lab_off[0];
    lb = p->s_lab_off[1];
    assert_int_equal(lb - la, 5);
    for (k = la; k < lb; k++) {
        assert_false(hearth_pstr_eq(p, p->lab_key[k], "zero"));
        assert_false(hearth_pstr_eq(p, p->lab_key[k], "zero2"));
        if (p->lab_str[k]) {
            nstr++;
            if (hearth_pstr_eq(p, p->lab_key[k], "both"))
                assert_true(hearth_pstr_eq(p, p->lab_str[k], "x"));
        } else {
            nnum++;
            if (hearth_pstr_eq(p, p->lab_key[k], "zu")) {
                assert_int_equal(p->lab_num[k], 0);
                assert_true(hearth_pstr_eq(p, p->lab_unit[k], "bytes"));
            } else {
                assert_true(hearth_pstr_eq(p, p->lab_key[k], "n"));
                assert_int_equal(p->lab_num[k], -2);
            }
        }
    }
    assert_int_equal(nstr, 3);
    assert_int_equal(nnum, 2);
    hearth_profile_free(p);
    pbw_release(&l);
    pbw_release(&ex);
    pbw_release(&w);
    pbp_release(&b);
}

/* ---- rejections: one case per rule of 1.3-1.4 ---- */

static void test_reject_zero_ids(void **state)
{
    struct spec sp;

    (void)state;
    sp = valid_spec();
    sp.fn_id = sp.line_fn = 0;
    expect_corrupt(&sp, "function");
    sp = valid_spec();
    sp.loc_id = sp.smp_loc = 0;
    expect_corrupt(&sp, "location");
    sp = valid_spec();
    sp.map_id = sp.loc_map = 0;
    expect_corrupt(&sp, "reserved id=0");
}

static void test_reject_duplicate_ids(void **state)
{
    struct spec sp;

    (void)state;
    sp = valid_spec();
    sp.dup_fn = true;
    expect_corrupt(&sp, "multiple functions with same id: 7");
    sp = valid_spec();
    sp.dup_loc = true;
    expect_corrupt(&sp, "multiple locations with same id: 3");
    sp = valid_spec();
    sp.dup_map = true;
    expect_corrupt(&sp, "multiple mappings with same id: 1");
}

static void test_reject_dangling(void **state)
{
    struct spec sp;

    (void)state;
    sp = valid_spec();
    sp.smp_loc = 99; /* sample -> missing location */
    expect_corrupt(&sp, "nil location");
    sp = valid_spec();
    sp.line_fn = 77; /* line -> missing function */
    expect_corrupt(&sp, "nil function");
    sp = valid_spec();
    sp.line_fn = 0; /* line -> function 0 */
    expect_corrupt(&sp, "nil function");
}

static void test_reject_value_count(void **state)
{
    struct spec sp;

    (void)state;
    sp = valid_spec();
    sp.ntypes = 2;
    sp.nvals = 1;
    expect_corrupt(&sp, "mismatch");
    sp = valid_spec();
    sp.ntypes = 1;
    sp.nvals = 2;
    expect_corrupt(&sp, "mismatch");
    sp = valid_spec();
    sp.nvals = 0;
    expect_corrupt(&sp, "mismatch");
    /* samples but no sample types */
    sp = valid_spec();
    sp.ntypes = 0;
    sp.nvals = 0;
    expect_corrupt(&sp, "sample types");
}

static void test_reject_no_sample_types(void **state)
{
    struct pbw w;

    (void)state;
    pbw_init(&w);
    pbw_str(&w, 6, "");
    pbw_str(&w, 6, "x");
    expect_corrupt_w(&w, "no sample types");
    pbw_release(&w);
}

static void test_reject_string_table(void **state)
{
    struct spec sp;

    (void)state;
    sp = valid_spec();
    sp.str0 = "oops";
    expect_corrupt(&sp, "entry 0");
    sp = valid_spec();
    sp.no_strings = true;
    expect_corrupt(&sp, "no string table");
    sp = valid_spec();
    sp.fn_name = 99999;
    expect_corrupt(&sp, "out of range");
    sp = valid_spec();
    sp.fn_name = S_N; /* one past the end */
    expect_corrupt(&sp, "out of range");
    sp = valid_spec();
    sp.fn_name = -1; /* a 10-byte two's complement varint */
    expect_corrupt(&sp, "out of range");
    sp = valid_spec();
    sp.fn_name = INT64_MIN;
    expect_corrupt(&sp, "out of range");
}

/* String indexes in header fields, comments and labels are checked too. */
static void test_reject_string_index_elsewhere(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w, l, s;
    const uint32_t fields[] = {7, 8, 13, 14};
    size_t i;

    (void)state;
    pbw_init(&w);
    pbw_init(&l);
    pbw_init(&s);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        pbw_reset(&w);
        build(&sp, &w);
        pbw_int(&w, fields[i], S_N + 5);
        expect_corrupt_w(&w, "out of range");
    }
    /* period_type with a bad unit */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_int(&l, 1, S_CPU);
    pbw_int(&l, 2, -7);
    pbw_msg(&w, 11, &l);
    expect_corrupt_w(&w, "out of range");
    /* a label key, value and unit out of range */
    for (i = 0; i < 3; i++) {
        pbw_reset(&w);
        build(&sp, &w);
        pbw_reset(&l);
        pbw_reset(&s);
        pbw_int(&l, 1, i == 0 ? 1000 : S_K);
        pbw_int(&l, i == 2 ? 4 : 2, i == 0 ? S_V : -1);
        pbw_uint(&s, 1, sp.smp_loc);
        pbw_int(&s, 2, 1);
        pbw_msg(&s, 3, &l);
        pbw_msg(&w, 2, &s);
        expect_corrupt_w(&w, "out of range");
    }
    pbw_release(&s);
    pbw_release(&l);
    pbw_release(&w);
}

static void test_reject_concatenated(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w;

    (void)state;
    pbw_init(&w);
    build(&sp, &w);
    build(&sp, &w);
    expect_corrupt_w(&w, "concatenated");
    pbw_release(&w);
}

/* Wire level (1.3): groups, wrong wire types, truncation, long varints, lengths. */
static void test_reject_wire(void **state)
{
    struct spec sp = valid_spec();
    struct pbw w, s;
    size_t i;

    (void)state;
    pbw_init(&w);
    pbw_init(&s);

    /* an unknown field encoded as a group (wire types 3/4) */
    build(&sp, &w);
    pbw_tag(&w, 20, PBW_SGROUP);
    pbw_uint(&w, 1, 5);
    pbw_tag(&w, 20, PBW_EGROUP);
    expect_corrupt_w(&w, "");
    /* a lone end-group */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 20, PBW_EGROUP);
    expect_corrupt_w(&w, "");
    /* wire types 6 and 7 */
    for (i = 6; i <= 7; i++) {
        pbw_reset(&w);
        build(&sp, &w);
        pbw_tag(&w, 20, (int)i);
        pbw_varint(&w, 1);
        expect_corrupt_w(&w, "");
    }
    /* field number 0 */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_uint(&w, 0, 1);
    expect_corrupt_w(&w, "");

    /* known fields with the wrong wire type */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_fixed64(&w, 12, 100); /* period as fixed64 */
    expect_corrupt_w(&w, "wire type");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_uint(&w, 1, 1); /* sample_type as varint */
    expect_corrupt_w(&w, "wire type");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_uint(&w, 6, 1); /* string_table as varint */
    expect_corrupt_w(&w, "wire type");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_fixed32(&w, 13, 1); /* comment as fixed32 */
    expect_corrupt_w(&w, "wire type");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_str(&w, 9, "x"); /* time_nanos as bytes */
    expect_corrupt_w(&w, "wire type");
    /* inside a Sample: location_id as fixed32, label as varint */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_fixed32(&s, 1, 3);
    pbw_int(&s, 2, 1);
    pbw_msg(&w, 2, &s);
    expect_corrupt_w(&w, "Sample");
    pbw_reset(&w);
    pbw_reset(&s);
    build(&sp, &w);
    pbw_uint(&s, 1, 3);
    pbw_int(&s, 2, 1);
    pbw_uint(&s, 3, 1);
    pbw_msg(&w, 2, &s);
    expect_corrupt_w(&w, "Sample");
    /* inside a Location: id as bytes (protobuf-c's unpacker refuses it) */
    pbw_reset(&w);
    pbw_reset(&s);
    build(&sp, &w);
    pbw_str(&s, 1, "abc");
    pbw_msg(&w, 4, &s);
    expect_corrupt_w(&w, "Location");

    /* truncated varint at the end of the input */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 10, PBW_VARINT);
    pbw_raw(&w, "\x80\x80", 2);
    expect_corrupt_w(&w, "");
    /* a truncated tag */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_raw(&w, "\xd0", 1);
    expect_corrupt_w(&w, "");
    /* an 11-byte varint */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 10, PBW_VARINT);
    pbw_raw(&w, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
    expect_corrupt_w(&w, "");
    /* truncated fixed64 / fixed32 */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 60, PBW_I64);
    pbw_raw(&w, "1234567", 7);
    expect_corrupt_w(&w, "");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 61, PBW_I32);
    pbw_raw(&w, "123", 3);
    expect_corrupt_w(&w, "");
    /* huge length prefixes: 2^31-1 and 2^63 */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 2, PBW_LEN);
    pbw_varint(&w, 0x7fffffff);
    pbw_raw(&w, "\x08\x01", 2);
    expect_corrupt_w(&w, "");
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 99, PBW_LEN);
    pbw_varint(&w, (uint64_t)1 << 63);
    expect_corrupt_w(&w, "");
    /* a length one byte past the end */
    pbw_reset(&w);
    build(&sp, &w);
    pbw_tag(&w, 6, PBW_LEN);
    pbw_varint(&w, 4);
    pbw_raw(&w, "abc", 3);
    expect_corrupt_w(&w, "");
    /* a sub-message whose inner length lies (label longer than the sample) */
    pbw_reset(&w);
    pbw_reset(&s);
    build(&sp, &w);
    pbw_uint(&s, 1, 3);
    pbw_int(&s, 2, 1);
    pbw_tag(&s, 3, PBW_LEN);
    pbw_varint(&s, 50);
    pbw_raw(&s, "\x08\x01", 2);
    pbw_msg(&w, 2, &s);
    expect_corrupt_w(&w, "");
    /* a truncated packed block inside a sample */
    pbw_reset(&w);
    pbw_reset(&s);
    build(&sp, &w);
    pbw_bytes(&s, 1, "\x03\x80", 2);
    pbw_int(&s, 2, 1);
    pbw_msg(&w, 2, &s);
    expect_corrupt_w(&w, "");
    pbw_release(&s);
    pbw_release(&w);
}

/* Legacy texts are read as pprof reads them (legacy.h; test_legacy.c has the details). */
static void test_legacy_text(void **state)
{
    static const char *const texts[][2] = {
        {"heap profile: 1: 2 [3: 4] @ heap/1048576\n", "go heap text (?debug=1)"},
        {"heap profile: 3: 4096 [5: 8192] @ heap/524288\n1: 4096 [1: 4096] @ 0x1 0x2\n",
         "go heap text (?debug=1)"},
        {"goroutine profile: total 5\n3 @ 0x1 0x2\n", "go goroutine text (?debug=1)"},
        {"--- mutex:\ncycles/second=1000000000\n", "go mutex text (?debug=1)"},
    };
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    unsigned char *gz;
    size_t gzn, i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        em.msg[0] = '\0';
        if (hearth_profile_decode((const unsigned char *)texts[i][0], strlen(texts[i][0]), NULL, &p,
                                  &em) != HEARTH_OK)
            fail_msg("text %zu not read: %s", i, em.msg);
        assert_string_equal(p->converted_from, texts[i][1]);
        hearth_profile_free(p);
    }
    /* gzipped text too */
    assert_true(pbw_gzip(texts[1][0], strlen(texts[1][0]), &gz, &gzn));
    assert_int_equal(hearth_profile_decode(gz, gzn, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 1);
    hearth_profile_free(p);
    free(gz);
    /* gperftools' binary CPU header with a zero period: pprof does not know it either */
    {
        static const unsigned char cpu[24] = {0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
                                              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assert_int_equal(hearth_profile_decode(cpu, sizeof(cpu), NULL, &p, &em), HEARTH_E_CORRUPT);
        assert_null(p);
    }
}

static void test_empty_input(void **state)
{
    struct hearth_profile *p = (struct hearth_profile *)&p;
    struct hearth_errmsg em = {{0}};
    unsigned char *gz;
    size_t gzn;

    (void)state;
    assert_int_equal(hearth_profile_decode((const unsigned char *)"", 0, NULL, &p, &em),
                     HEARTH_E_CORRUPT);
    assert_null(p);
    assert_non_null(strstr(em.msg, "empty"));
    assert_true(pbw_gzip("", 0, &gz, &gzn));
    assert_int_equal(hearth_profile_decode(gz, gzn, NULL, &p, &em), HEARTH_E_CORRUPT);
    assert_null(p);
    assert_non_null(strstr(em.msg, "empty"));
    free(gz);
    /* one zero byte: not a profile (field number 0) */
    assert_int_equal(hearth_profile_decode((const unsigned char *)"\0", 1, NULL, &p, &em),
                     HEARTH_E_CORRUPT);
}

/* ---- limits ---- */

static void test_limit_samples(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    struct hearth_limits lim = hearth_limits_default();
    char stack[32];
    int i;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    for (i = 0; i < 6; i++) {
        snprintf(stack, sizeof(stack), "main;f%d", i);
        pbp_stack(&b, stack, i + 1);
    }
    assert_true(pbp_finish(&b, &w));
    lim.max_samples = 5;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    assert_null(p);
    assert_non_null(strstr(em.msg, "max_samples"));
    lim.max_samples = 6;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_OK);
    assert_int_equal(p->nsamples, 6);
    hearth_profile_free(p);
    /* the other count limits */
    lim = hearth_limits_default();
    lim.max_locations = 3;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_functions = 3;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_strings = 3;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_input = w.len - 1;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_decompressed = w.len - 1;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_frames = 5;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    lim = hearth_limits_default();
    lim.max_sample_types = 0;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    assert_null(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* A 10,000-frame stack: fine by default, refused with max_depth 1000. */
static void test_limit_depth(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_buf out;
    struct hearth_errmsg em;
    struct hearth_limits lim = hearth_limits_default();
    uint64_t fl[100], *locs;
    int64_t v = 42;
    char name[16];
    size_t i;
    const size_t depth = 10000;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    for (i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "f%zu", i);
        fl[i] = pbp_name_loc(&b, name);
    }
    locs = malloc(depth * sizeof(*locs));
    assert_non_null(locs);
    for (i = 0; i < depth; i++)
        locs[i] = fl[(i * 7) % 100];
    pbp_sample(&b, locs, depth, &v, 1, NULL);
    free(locs);
    assert_true(pbp_finish(&b, &w));

    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(p->s_loc_off[1], depth);
    /* the views cope with it (iterative, no recursion) */
    hearth_query_init(&q);
    assert_int_equal(hearth_stacks_build(p, &q, true, NULL, &s, &em), HEARTH_OK);
    hearth_buf_init(&out, 1 << 24);
    assert_int_equal(hearth_flame_render(s, &q, &out, &em), HEARTH_OK);
    hearth_buf_reset(&out);
    assert_int_equal(hearth_top_render(s, &q, true, &out, &em), HEARTH_OK);
    hearth_buf_reset(&out);
    assert_int_equal(hearth_callgraph_render(s, &q, false, &out, &em), HEARTH_OK);
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    hearth_profile_free(p);

    lim.max_depth = 1000;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    assert_null(p);
    assert_non_null(strstr(em.msg, "max_depth"));
    lim.max_depth = depth;
    assert_int_equal(decode(&w, &lim, &p, &em), HEARTH_OK);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* 1,000,000 tiny distinct samples decode under the default limits. */
static void test_million_samples(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    uint64_t fl[1000], two[2];
    int64_t v;
    char name[16];
    size_t i;
    struct timespec t0, t1;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "fn%zu", i);
        fl[i] = pbp_name_loc(&b, name);
    }
    for (i = 0; i < 1000000; i++) {
        two[0] = fl[i % 1000];
        two[1] = fl[i / 1000];
        v = (int64_t)(i % 5) + 1;
        pbp_sample(&b, two, 2, &v, 1, NULL);
    }
    assert_true(pbp_finish(&b, &w));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message(
        "1M samples: %zu bytes decoded in %.0f ms\n", w.len,
        ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6));
    assert_int_equal(p->nsamples, 1000000);
    assert_int_equal(p->s_val[999999], 999999 % 5 + 1);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/* ---- decoding while inflating ---- */

/* The same model: sample order, values, frames, labels and strings. */
static void assert_same_model(const struct hearth_profile *a, const struct hearth_profile *b)
{
    size_t i, nlocs, nlabs;

    assert_int_equal(a->nsamples, b->nsamples);
    assert_int_equal(a->nsample_msgs, b->nsample_msgs);
    assert_int_equal(a->ntypes, b->ntypes);
    assert_int_equal(a->nstr, b->nstr);
    assert_int_equal(a->nloc, b->nloc);
    nlocs = a->s_loc_off[a->nsamples];
    nlabs = a->s_lab_off[a->nsamples];
    assert_int_equal(nlocs, b->s_loc_off[b->nsamples]);
    assert_int_equal(nlabs, b->s_lab_off[b->nsamples]);
    assert_memory_equal(a->s_val, b->s_val, a->nsamples * a->ntypes * sizeof(*a->s_val));
    assert_memory_equal(a->s_loc_off, b->s_loc_off, (a->nsamples + 1) * sizeof(*a->s_loc_off));
    assert_memory_equal(a->s_locs, b->s_locs, nlocs * sizeof(*a->s_locs));
    assert_memory_equal(a->lab_key, b->lab_key, nlabs * sizeof(*a->lab_key));
    assert_memory_equal(a->lab_num, b->lab_num, nlabs * sizeof(*a->lab_num));
    for (i = 0; i < a->nstr; i++) {
        struct hearth_str x = hearth_pstr(a, (uint32_t)i), y = hearth_pstr(b, (uint32_t)i);
        assert_int_equal(x.len, y.len);
        assert_memory_equal(x.ptr, y.ptr, x.len);
    }
}

/*
 * A profile whose gzip is past the size that inflates in a second thread,
 * with a string larger than a chunk (it straddles chunks), samples first
 * and the string table last (as Go writes them), repeated stacks and
 * values that wrap: raw, gzipped in memory and gzipped from a
 * file (read in pieces) decode to the same model, and the merge keeps
 * pprof's order and sums.
 */
static void test_streamed_decode(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *raw = NULL, *mem = NULL, *file = NULL;
    struct hearth_errmsg em;
    unsigned char *gz;
    size_t gzlen, i, big = (size_t)1600 << 10;
    char *s = malloc(big + 1), stack[64], path[] = "/tmp/hearth-test-stream-XXXXXX";
    uint32_t seed = 12345;
    int fd;

    (void)state;
    assert_non_null(s);
    for (i = 0; i < big; i++) {
        seed = seed * 1103515245u + 12345u;
        s[i] = (char)('!' + (seed >> 16) % 90);
    }
    s[big] = '\0';
    pbp_init(&b, 1000);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_sample_type(&b, "cpu", "nanoseconds");
    pbp_mapping(&b, "/bin/app");
    for (i = 0; i < 30000; i++) {
        int64_t v[2] = {1, (int64_t)(i * 2654435761u)};
        snprintf(stack, sizeof(stack), "main;f%zu;g%zu", i % 97, i % 13);
        if (i == 7)
            v[1] = INT64_MAX; /* wraps, whatever the order of the sums */
        pbp_stackv(&b, stack, v, 2);
    }
    pbp_s(&b, s);
    assert_true(pbp_finish(&b, &w));
    assert_true(pbw_gzip(w.p, w.len, &gz, &gzlen));
    assert_true(gzlen > (size_t)1 << 20); /* several file pieces, threaded inflate */
    assert_int_equal(hearth_profile_decode(w.p, w.len, NULL, &raw, &em), HEARTH_OK);
    assert_int_equal(hearth_profile_decode(gz, gzlen, NULL, &mem, &em), HEARTH_OK);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, gz, gzlen), (ssize_t)gzlen);
    close(fd);
    assert_int_equal(hearth_profile_load(path, NULL, &file, &em), HEARTH_OK);
    assert_int_equal(raw->nsample_msgs, 30000);
    assert_int_equal(raw->nsamples, 97 * 13);
    assert_true(hearth_pstr_eq(raw, raw->nstr - 1, s));
    assert_same_model(raw, mem);
    assert_same_model(raw, file);
    {
        /* sample 0 is main;f0;g0: i = 0, 1261, 2522, ... (97 * 13 apart) */
        int64_t sum = 0;
        for (i = 0; i < 30000; i += 97 * 13)
            sum = (int64_t)((uint64_t)sum +
                            (uint64_t)(i == 7 ? INT64_MAX : (int64_t)(i * 2654435761u)));
        assert_int_equal(raw->s_val[1], sum);
    }
    /* truncated: the gzip error, whatever the decoder saw before */
    hearth_profile_free(mem);
    mem = NULL;
    assert_int_equal(hearth_profile_decode(gz, gzlen - 100, NULL, &mem, &em), HEARTH_E_CORRUPT);
    assert_null(mem);
    assert_non_null(strstr(em.msg, "unexpected end of gzip data"));
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, gz, gzlen / 2), (ssize_t)(gzlen / 2));
    close(fd);
    hearth_profile_free(file);
    file = NULL;
    assert_int_equal(hearth_profile_load(path, NULL, &file, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "unexpected end of gzip data"));
    unlink(path);
    hearth_profile_free(raw);
    free(gz);
    free(s);
    pbw_release(&w);
    pbp_release(&b);
}

/*
 * A malformed Sample is reported where it comes among the samples: after
 * an earlier sample's error, before a later one's; and a sample's error
 * after any error of the dictionaries, gzipped or not.
 */
static void test_sample_error_order(void **state)
{
    static const unsigned char bad[] = {0x12, 0x03, 0x10, 0xff, 0xff}; /* values: cut varint */
    struct spec sp = valid_spec();
    struct pbw w, x;
    unsigned char *gz;
    size_t gzlen;
    int k;

    (void)state;
    for (k = 0; k < 4; k++) {
        pbw_init(&w);
        pbw_init(&x);
        sp = valid_spec();
        if (k == 1 || k == 3)
            sp.smp_loc = 99; /* the first sample has no location */
        if (k == 2)
            pbw_raw(&w, bad, sizeof(bad)); /* before the valid sample */
        build(&sp, &w);
        if (k != 2)
            pbw_raw(&w, bad, sizeof(bad)); /* after it */
        if (k == 3)
            pbw_uint(&w, 4, 1); /* a Location with the wrong wire type: first */
        assert_true(pbw_gzip(w.p, w.len, &gz, &gzlen));
        pbw_raw(&x, gz, gzlen);
        free(gz);
        expect_corrupt_w(&w, k == 1   ? "nil location"
                             : k == 3 ? "wrong wire type"
                                      : "malformed Sample");
        expect_corrupt_w(&x, k == 1   ? "nil location"
                             : k == 3 ? "wrong wire type"
                                      : "malformed Sample");
        pbw_release(&w);
        pbw_release(&x);
    }
}

/* ---- invalid UTF-8 names: decoded as bytes, valid UTF-8 JSON out ---- */

static json_t *render_json(const struct hearth_stacks *s, const struct hearth_query *q, int view)
{
    struct hearth_buf out;
    struct hearth_errmsg em;
    json_error_t jerr;
    json_t *j;
    enum hearth_err e;

    hearth_buf_init(&out, 1 << 24);
    if (view == 0)
        e = hearth_top_render(s, q, true, &out, &em);
    else if (view == 1)
        e = hearth_flame_render(s, q, &out, &em);
    else
        e = hearth_callgraph_render(s, q, false, &out, &em);
    assert_int_equal(e, HEARTH_OK);
    /* raw '<', '>' and '&' never appear: the JSON is safe to embed in HTML */
    assert_null(memchr(out.ptr, '<', out.len));
    assert_null(memchr(out.ptr, '>', out.len));
    assert_null(memchr(out.ptr, '&', out.len));
    j = json_loadb(out.ptr, out.len, 0, &jerr);
    if (!j)
        fail_msg("view %d: invalid JSON (%s at %d): %.200s", view, jerr.text, jerr.position,
                 out.ptr);
    hearth_buf_release(&out);
    return j;
}

static void test_invalid_utf8_names(void **state)
{
    static const char *const names[] = {
        "bad\xff\xfename",     "trunc\xc3",
        "surr\xed\xa0\x80",    "over\xc0\xaf",
        "big\xf4\x90\x80\x80", "<script>alert(1)</script>&amp\"q\"\\",
        "ctl\x01\x1f\x7f",     "ok-\xc3\xa9\xe2\x82\xac"};
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_errmsg em;
    char stack[128];
    json_t *j, *rows;
    size_t i, nfffd = 0;
    bool saw_script = false, saw_ok = false;

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(stack, sizeof(stack), "main;%s", names[i]);
        pbp_stack(&b, stack, (int64_t)(10 + i));
    }
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    /* names are bytes: kept verbatim in the model */
    {
        bool found = false;
        for (i = 0; i < p->nfunc; i++)
            if (hearth_pstr_eq(p, p->fn_name[i], names[0]))
                found = true;
        assert_true(found);
    }
    hearth_query_init(&q);
    assert_int_equal(hearth_stacks_build(p, &q, true, NULL, &s, &em), HEARTH_OK);

    j = render_json(s, &q, 0);
    rows = json_object_get(j, "rows");
    assert_true(json_is_array(rows));
    assert_int_equal(json_array_size(rows), sizeof(names) / sizeof(names[0]) + 1);
    for (i = 0; i < json_array_size(rows); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(rows, i), "name"));
        assert_non_null(n);
        if (strstr(n, "\xef\xbf\xbd"))
            nfffd++;
        if (!strcmp(n, names[5]))
            saw_script = true;
        if (!strcmp(n, names[7]))
            saw_ok = true;
    }
    /* the five invalid names each got U+FFFD; valid UTF-8 and markup survive intact */
    assert_int_equal(nfffd, 5);
    assert_true(saw_script);
    assert_true(saw_ok);
    json_decref(j);
    json_decref(render_json(s, &q, 1));
    json_decref(render_json(s, &q, 2));
    hearth_stacks_free(s);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

/*
 * Extreme int64 values (threats.md 3.1, integer overflow): identical samples
 * summed past INT64_MAX, |INT64_MIN| in the total, totals past INT64_MAX.
 * Decoding and every view must finish without undefined behaviour (Go wraps
 * around silently; C must not overflow a signed type).
 * Regression test: this found signed overflows under UBSan in
 * pprof_decode.c (sample merge), stacks.c (total), graph.c, flame.c,
 * callgraph.c and top.c, fixed in 54e55cc (include/hearth/num.h).
 * Reproducers: tests/fuzz/corpus/decode/ub-*.pb.
 */
static void extreme_case(const char *const *stacks, const int64_t *vals, size_t n)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_errmsg em;
    size_t i;

    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "samples", "count");
    pbp_mapping(&b, "/bin/app");
    for (i = 0; i < n; i++)
        pbp_stack(&b, stacks[i], vals[i]);
    assert_true(pbp_finish(&b, &w));
    pbp_release(&b);
    if (decode(&w, NULL, &p, &em) == HEARTH_OK) {
        hearth_query_init(&q);
        if (hearth_stacks_build(p, &q, true, NULL, &s, &em) == HEARTH_OK) {
            json_decref(render_json(s, &q, 0));
            json_decref(render_json(s, &q, 1));
            json_decref(render_json(s, &q, 2));
            hearth_stacks_free(s);
        }
        hearth_profile_free(p);
    }
    pbw_release(&w);
}

static void test_extreme_values(void **state)
{
    static const char *const same[] = {"main;a", "main;a"};
    static const char *const two[] = {"main;a", "main;b"};
    static const char *const one[] = {"main;a"};
    const int64_t max_plus_1[] = {INT64_MAX, 1};
    const int64_t min_minus_1[] = {INT64_MIN, -1};
    const int64_t max_max[] = {INT64_MAX, INT64_MAX};
    const int64_t min_one[] = {INT64_MIN, 1};
    const int64_t min[] = {INT64_MIN};
    const int64_t max[] = {INT64_MAX};

    (void)state;
    extreme_case(one, max, 1);
    extreme_case(same, max_plus_1, 2); /* merge of identical samples */
    extreme_case(same, min_minus_1, 2);
    extreme_case(two, max_max, 2); /* total past INT64_MAX */
    extreme_case(two, min_one, 2); /* |INT64_MIN| */
    extreme_case(one, min, 1);

    /* Go's merge wraps: INT64_MAX + 1 == INT64_MIN */
    {
        struct pbp b;
        struct pbw w;
        struct hearth_profile *p = NULL;
        struct hearth_errmsg em;

        pbp_init(&b, 0);
        pbw_init(&w);
        pbp_sample_type(&b, "samples", "count");
        pbp_stack(&b, "main;a", INT64_MAX);
        pbp_stack(&b, "main;a", 1);
        assert_true(pbp_finish(&b, &w));
        pbp_release(&b);
        assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
        pbw_release(&w);
        assert_int_equal(p->nsamples, 1);
        assert_true(p->s_val[0] == INT64_MIN);
        hearth_profile_free(p);
    }
}

/* Sample index selection (profile.c): default type, number, name, inuse_ prefix. */
static void test_sample_index(void **state)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em;
    uint32_t idx = 99;
    int64_t v[4] = {1, 2, 3, 4};

    (void)state;
    pbp_init(&b, 0);
    pbw_init(&w);
    pbp_sample_type(&b, "alloc_objects", "count");
    pbp_sample_type(&b, "alloc_space", "bytes");
    pbp_sample_type(&b, "objects", "count");
    pbp_sample_type(&b, "space", "bytes");
    pbp_stackv(&b, "main", v, 4);
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(hearth_profile_sample_index(p, NULL, &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 3); /* the last */
    assert_int_equal(hearth_profile_sample_index(p, "", &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 3);
    assert_int_equal(hearth_profile_sample_index(p, "1", &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(hearth_profile_sample_index(p, "alloc_space", &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(hearth_profile_sample_index(p, "inuse_objects", &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(hearth_profile_sample_index(p, "4", &idx, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_profile_sample_index(p, "99999999999999999999", &idx, &em),
                     HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_profile_sample_index(p, "bogus", &idx, &em), HEARTH_E_NOT_FOUND);
    assert_non_null(strstr(em.msg, "alloc_space"));
    hearth_profile_free(p);

    /* default_sample_type names the first */
    pbw_reset(&w);
    pbw_int(&b.hdr, 14, pbp_s(&b, "alloc_objects"));
    assert_true(pbp_finish(&b, &w));
    assert_int_equal(decode(&w, NULL, &p, &em), HEARTH_OK);
    assert_int_equal(hearth_profile_sample_index(p, NULL, &idx, &em), HEARTH_OK);
    assert_int_equal(idx, 0);
    hearth_profile_free(p);
    pbw_release(&w);
    pbp_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_minimal),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_packed_unpacked_mixed),
        cmocka_unit_test(test_big_ids),
        cmocka_unit_test(test_accepted_oddities),
        cmocka_unit_test(test_singular_fields),
        cmocka_unit_test(test_merge_identical),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_reject_zero_ids),
        cmocka_unit_test(test_reject_duplicate_ids),
        cmocka_unit_test(test_reject_dangling),
        cmocka_unit_test(test_reject_value_count),
        cmocka_unit_test(test_reject_no_sample_types),
        cmocka_unit_test(test_reject_string_table),
        cmocka_unit_test(test_reject_string_index_elsewhere),
        cmocka_unit_test(test_reject_concatenated),
        cmocka_unit_test(test_reject_wire),
        cmocka_unit_test(test_legacy_text),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_limit_samples),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_million_samples),
        cmocka_unit_test(test_streamed_decode),
        cmocka_unit_test(test_sample_error_order),
        cmocka_unit_test(test_invalid_utf8_names),
        cmocka_unit_test(test_sample_index),
        cmocka_unit_test(test_extreme_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
