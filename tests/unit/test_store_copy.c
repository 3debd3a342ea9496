/*
 * test_store_copy.c - hearth_store_copy() and hearth_store_copy_verify()
 * (store_copy.h) between a SQLite store and a second store (SQLite, or
 * PostgreSQL under tests/setup/with_pg.sh): 150 profiles and 3 gctraces
 * (more than two pages of the copy, one duplicate blob), a copy stopped after
 * 100 rows and run again (only the rest copied, each row once), a third run
 * copying nothing; rows equal field for field and the source's delete token
 * working on the target; a row missing from the target and a blob with other
 * bytes found by the verify step; memstats rows copied field for field and
 * deleted with their profile.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/ids.h"
#include "hearth/memstats_store.h"
#include "hearth/store.h"
#include "hearth/store_copy.h"
#include "teststore.h"
#include "tmpdir.h"

#define NPROF 150
#define NGC   3
#define NMS   2 /* memstats rows (of profiles 3 and 4) */

struct fx {
    char *sdir, *ddir;
    struct hearth_store *src, *dst;
    char ids[NPROF][HEARTH_ID_LEN + 1];
    char toks[NPROF][HEARTH_TOKEN_LEN + 1];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em;
    struct hearth_meta m;
    char body[64], name[32];
    int i;

    if (!f)
        return -1;
    f->sdir = tmpdir_make("copysrc");
    f->ddir = tmpdir_make("copydst");
    if (!f->sdir || !f->ddir || hearth_store_open(f->sdir, &f->src, &em) != HEARTH_OK ||
        teststore_open(f->ddir, &f->dst, &em) != HEARTH_OK)
        return -1;
    for (i = 0; i < NPROF; i++) {
        /* profiles 0 and 1 share their bytes */
        snprintf(body, sizeof(body), "profile bytes %d", i == 1 ? 0 : i);
        snprintf(name, sizeof(name), "p%03d", i);
        memset(&m, 0, sizeof(m));
        if (hearth_store_put(f->src, (const unsigned char *)body, strlen(body), name,
                             i % 2 ? "http://x/debug/pprof/heap" : "", "{\"n\":1}", &m, f->toks[i],
                             &em) != HEARTH_OK)
            return -1;
        memcpy(f->ids[i], m.id, sizeof(f->ids[i]));
        hearth_meta_release(&m);
    }
    for (i = 0; i < NMS; i++)
        if (hearth_ms_put(f->src, f->ids[3 + i], i ? "expvar" : "debug1", "upload", 1000 + i,
                          i ? "" : "no block", i ? "{\"memstats\":{\"Sys\":1}}" : "", i ? 4096 : -1,
                          &em) != HEARTH_OK)
            return -1;
    for (i = 0; i < NGC; i++) {
        char tok[HEARTH_TOKEN_LEN + 1];

        snprintf(body, sizeof(body), "gc %d @0.1s 1%%: ...", i + 1);
        memset(&m, 0, sizeof(m));
        if (hearth_store_put_gctrace(f->src, (const unsigned char *)body, strlen(body), "gc", "{}",
                                     &m, tok, &em) != HEARTH_OK)
            return -1;
        hearth_meta_release(&m);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_store_close(f->src);
    hearth_store_close(f->dst);
    tmpdir_remove(f->sdir);
    tmpdir_remove(f->ddir);
    free(f);
    return 0;
}

static int64_t total(const struct hearth_copy_report *r)
{
    int64_t n = 0;
    int i;

    for (i = 0; i < HEARTH_COPY_TABLES; i++)
        n += r->tables[i].copied;
    return n;
}

static void test_copy_resume_verify(void **state)
{
    struct fx *f = *state;
    struct hearth_copy_report r;
    struct hearth_errmsg em;
    struct hearth_meta a, b;
    char path[4096], *bad;
    int64_t present;
    FILE *fp;
    int i;

    /* stopped after 100 rows: 100 profiles and their blobs */
    assert_int_equal(hearth_store_copy(f->src, f->dst, 100, &r, &em), HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "stopped after 100 rows"));
    assert_int_equal(r.tables[0].copied, 100);
    assert_int_equal(r.blobs_copied + r.blobs_present, 100);
    present = r.blobs_present; /* 1 if both rows of the shared blob came first (id order) */
    assert_int_equal(hearth_store_copy_verify(f->src, f->dst, &r, &em), HEARTH_E_IO);
    assert_non_null(strstr(em.msg, "profiles: 150 rows in the source, 100 in the target"));

    /* run again: the rest */
    assert_int_equal(hearth_store_copy(f->src, f->dst, 0, &r, &em), HEARTH_OK);
    assert_string_equal(r.tables[0].name, "profiles");
    assert_int_equal(r.tables[0].copied, NPROF - 100);
    assert_string_equal(r.tables[1].name, "gctraces");
    assert_int_equal(r.tables[1].copied, NGC);
    assert_string_equal(r.tables[HEARTH_COPY_TABLES - 1].name, "memstats");
    assert_int_equal(r.tables[HEARTH_COPY_TABLES - 1].copied, NMS);
    assert_int_equal(total(&r), NPROF - 100 + NGC + NMS);
    assert_int_equal(r.blobs_copied + r.blobs_present, NPROF - 100 + NGC);
    assert_int_equal(present + r.blobs_present, 1);
    assert_int_equal(hearth_store_copy_verify(f->src, f->dst, &r, &em), HEARTH_OK);
    assert_int_equal(r.tables[0].src, NPROF);
    assert_int_equal(r.tables[0].dst, NPROF);
    assert_int_equal(r.blobs_verified, NPROF - 1 + NGC);

    /* a third run copies nothing */
    assert_int_equal(hearth_store_copy(f->src, f->dst, 0, &r, &em), HEARTH_OK);
    assert_int_equal(total(&r), 0);
    assert_int_equal(r.blobs_copied, 0);

    /* rows as they were; the source's tokens work */
    for (i = 0; i < NPROF; i += 37) {
        assert_int_equal(hearth_store_get(f->src, f->ids[i], &a, &em), HEARTH_OK);
        assert_int_equal(hearth_store_get(f->dst, f->ids[i], &b, &em), HEARTH_OK);
        assert_string_equal(a.blob, b.blob);
        assert_string_equal(a.name, b.name);
        assert_string_equal(a.source_url, b.source_url);
        assert_string_equal(a.info_json, b.info_json);
        assert_int_equal(a.created, b.created);
        assert_int_equal(a.size, b.size);
        hearth_meta_release(&a);
        hearth_meta_release(&b);
    }
    /* the memory statistics rows, field for field */
    for (i = 0; i < NMS; i++) {
        struct hearth_ms_row x, y;
        assert_int_equal(hearth_ms_get(f->src, f->ids[3 + i], &x, &em), HEARTH_OK);
        assert_int_equal(hearth_ms_get(f->dst, f->ids[3 + i], &y, &em), HEARTH_OK);
        assert_string_equal(x.format, y.format);
        assert_string_equal(x.source, y.source);
        assert_string_equal(x.error, y.error);
        assert_string_equal(x.stats, y.stats);
        assert_int_equal(x.taken, y.taken);
        assert_true(x.has_inuse == y.has_inuse && x.profile_inuse == y.profile_inuse);
        assert_true(y.has_inuse == (i == 1));
        hearth_ms_row_release(&x);
        hearth_ms_row_release(&y);
    }
    /* deleting a profile deletes its row */
    assert_int_equal(hearth_store_delete(f->dst, f->ids[3], f->toks[3], &em), HEARTH_OK);
    {
        struct hearth_ms_row y;
        assert_int_equal(hearth_ms_get(f->dst, f->ids[3], &y, &em), HEARTH_E_NOT_FOUND);
        assert_int_equal(hearth_ms_put(f->dst, f->ids[3], "debug1", "", 1, "", "", -1, &em),
                         HEARTH_E_NOT_FOUND);
    }
    assert_int_equal(hearth_store_copy(f->src, f->dst, 0, &r, &em), HEARTH_OK);
    assert_int_equal(total(&r), 2); /* the profile and its memstats row, back */
    assert_int_equal(hearth_store_delete(f->dst, f->ids[5], "wrong", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->dst, f->ids[5], f->toks[5], &em), HEARTH_OK);
    {
        int gone = -1; /* PostgreSQL marks the unshared blob; collect it now (SQLite: no-op) */
        assert_int_equal(hearth_store_gc_blobs(f->dst, -1000, &gone, &em), HEARTH_OK);
    }

    /* a row missing from the target: the counts say so; a rerun puts it back */
    assert_int_equal(hearth_store_copy_verify(f->src, f->dst, &r, &em), HEARTH_E_IO);
    assert_non_null(strstr(em.msg, "profiles: 150 rows in the source, 149 in the target"));
    assert_int_equal(hearth_store_copy(f->src, f->dst, 0, &r, &em), HEARTH_OK);
    assert_int_equal(total(&r), 1);
    assert_int_equal(r.blobs_copied, 1); /* the delete removed its unshared blob */
    assert_int_equal(hearth_store_copy_verify(f->src, f->dst, &r, &em), HEARTH_OK);

    /* a target blob with other bytes */
    assert_int_equal(hearth_store_get(f->dst, f->ids[7], &b, &em), HEARTH_OK);
    snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", f->ddir, b.blob, b.blob);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("other bytes", fp);
    fclose(fp);
    assert_int_equal(hearth_store_copy_verify(f->src, f->dst, &r, &em), HEARTH_E_IO);
    bad = strstr(em.msg, b.blob);
    assert_non_null(bad);
    assert_non_null(strstr(em.msg, "differs on the target"));
    hearth_meta_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_resume_verify, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
