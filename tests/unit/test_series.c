/*
 * test_series.c - series and capture rows (series.h) in a store in a fresh
 * temporary directory: create/get in order with each item's time, refusing
 * unknown profiles and gctraces (and leaving nothing behind), items whose
 * profile was deleted are skipped, attaching a gctrace, the list (newest
 * first, captures only), delete tokens, deleting with and without the
 * profiles (only the snapshots the series' token may delete go), capture
 * steps (atomic append + progress, the snapshot adopts the series' token),
 * the running captures, the capture row as JSON, and a degraded store.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/groups.h"
#include "hearth/jsonw.h"
#include "hearth/series.h"
#include "hearth/store.h"
#include "teststore.h"
#include "tmpdir.h"

struct fx {
    char *dir;
    struct hearth_store *st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em;

    if (!f)
        return -1;
    f->dir = tmpdir_make("series");
    if (!f->dir || teststore_open(f->dir, &f->st, &em) != HEARTH_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_store_close(f->st);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* A stored profile with the given bytes and info; its id and token into the caller's buffers. */
static void put(struct fx *f, const char *bytes, const char *info, char id[HEARTH_ID_LEN + 1],
                char tok[HEARTH_TOKEN_LEN + 1], char blob[HEARTH_SHA256_HEX + 1])
{
    struct hearth_meta m;
    struct hearth_errmsg em;
    char t[HEARTH_TOKEN_LEN + 1];

    if (hearth_store_put(f->st, (const unsigned char *)bytes, strlen(bytes), bytes, "", info, &m,
                         tok ? tok : t, &em))
        fail_msg("put: %s", em.msg);
    memcpy(id, m.id, HEARTH_ID_LEN + 1);
    if (blob)
        memcpy(blob, m.blob, HEARTH_SHA256_HEX + 1);
    hearth_meta_release(&m);
}

static bool blob_exists(const char *dir, const char *hash)
{
    char rel[128], *p;
    struct stat sb;
    bool ok;

    snprintf(rel, sizeof(rel), "blobs/%.2s/%s", hash, hash);
    p = tmpdir_join(dir, rel);
    ok = stat(p, &sb) == 0;
    free(p);
    return ok;
}

static json_t *list_json(struct fx *f, bool captures_only)
{
    struct hearth_buf b;
    struct hearth_errmsg em;
    json_t *v;

    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_series_list(f->st, 100, captures_only, &b, &em), HEARTH_OK);
    v = json_loads(b.ptr, 0, NULL);
    assert_non_null(v);
    assert_true(json_is_array(v));
    hearth_buf_release(&b);
    return v;
}

static void test_create_get(void **state)
{
    struct fx *f = *state;
    char p[3][HEARTH_ID_LEN + 1], sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1];
    const char *ids[3];
    struct hearth_series s;
    struct hearth_errmsg em;
    int64_t t0 = hearth_now_ms();

    put(f, "p0", "{\"time_nanos\":1700000000123456789}", p[0], NULL, NULL);
    put(f, "p1", "{}", p[1], NULL, NULL);
    put(f, "p2", "{\"time_nanos\":1600000000000000000}", p[2], NULL, NULL);
    /* the given order, not the upload order */
    ids[0] = p[2];
    ids[1] = p[0];
    ids[2] = p[1];
    assert_int_equal(hearth_series_create(f->st, "leak hunt", "http://svc/heap", "time", ids, 3,
                                          NULL, NULL, sid, stok, &em),
                     HEARTH_OK);
    assert_int_equal(strlen(stok), HEARTH_TOKEN_LEN);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_string_equal(s.id, sid);
    assert_string_equal(s.name, "leak hunt");
    assert_string_equal(s.source_url, "http://svc/heap");
    assert_string_equal(s.ordering, "time");
    assert_true(s.created >= t0 && s.created <= hearth_now_ms());
    assert_string_equal(s.gctrace, "");
    assert_false(s.has_start);
    assert_false(s.has_capture);
    assert_int_equal(s.nitems, 3);
    assert_string_equal(s.items[0].id, p[2]);
    assert_string_equal(s.items[1].id, p[0]);
    assert_string_equal(s.items[2].id, p[1]);
    assert_string_equal(s.items[0].name, "p2");
    /* each item's time: its own time_nanos, else when it was stored */
    assert_int_equal(s.time_ns[0], 1600000000000000000LL);
    assert_int_equal(s.at_ms[0], 1600000000000LL);
    assert_int_equal(s.time_ns[1], 1700000000123456789LL);
    assert_int_equal(s.at_ms[1], 1700000000123LL);
    assert_int_equal(s.time_ns[2], 0);
    assert_int_equal(s.at_ms[2], s.items[2].created);
    hearth_series_release(&s);
    assert_null(s.items);

    /* an empty series is allowed */
    assert_int_equal(
        hearth_series_create(f->st, "empty", NULL, "upload", NULL, 0, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_int_equal(s.nitems, 0);
    assert_string_equal(s.source_url, "");
    hearth_series_release(&s);

    /* unknown and malformed ids */
    assert_int_equal(hearth_series_get(f->st, p[0], &s, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_series_get(f->st, "nope", &s, &em), HEARTH_E_NOT_FOUND);
}

/* A missing profile or gctrace: BAD_REQUEST naming it, and no series is left half made. */
static void test_create_refused(void **state)
{
    struct fx *f = *state;
    char p[HEARTH_ID_LEN + 1], ghost[HEARTH_ID_LEN + 1], sid[HEARTH_ID_LEN + 1];
    char stok[HEARTH_TOKEN_LEN + 1];
    const char *ids[3];
    struct hearth_errmsg em;
    json_t *l;

    put(f, "p", "{}", p, NULL, NULL);
    assert_int_equal(hearth_id_new(ghost), HEARTH_OK);
    ids[0] = p;
    ids[1] = ghost;
    ids[2] = "bad id";
    memset(&em, 0, sizeof(em));
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", ids, 3, NULL, NULL, sid, stok, &em),
        HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, ghost));
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", ids, 1, ghost, NULL, sid, stok, &em),
        HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "no such gctrace"));
    /* a profile id is not a gctrace id */
    assert_int_equal(hearth_series_create(f->st, "s", "", "time", ids, 1, p, NULL, sid, stok, &em),
                     HEARTH_E_BAD_REQUEST);
    l = list_json(f, false);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
}

/* Deleted profiles drop out of the series (get and list count). */
static void test_deleted_items_skipped(void **state)
{
    struct fx *f = *state;
    char p[3][HEARTH_ID_LEN + 1], t1[HEARTH_TOKEN_LEN + 1], sid[HEARTH_ID_LEN + 1];
    char stok[HEARTH_TOKEN_LEN + 1];
    const char *ids[3] = {p[0], p[1], p[2]};
    struct hearth_series s;
    struct hearth_errmsg em;
    json_t *l;

    put(f, "a", "{}", p[0], NULL, NULL);
    put(f, "b", "{}", p[1], t1, NULL);
    put(f, "c", "{}", p[2], NULL, NULL);
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", ids, 3, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(hearth_store_delete(f->st, p[1], t1, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_int_equal(s.nitems, 2);
    assert_string_equal(s.items[0].id, p[0]);
    assert_string_equal(s.items[1].id, p[2]);
    hearth_series_release(&s);
    l = list_json(f, false);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "count")), 2);
    json_decref(l);
}

/* hearth_series_of_profile() as a JSON string. */
static char *series_of(struct fx *f, const char *id)
{
    struct hearth_buf b;
    struct hearth_jsonw w;
    struct hearth_errmsg em;
    char *out;

    hearth_buf_init(&b, 1 << 16);
    hearth_jsonw_init(&w, &b);
    assert_int_equal(hearth_series_of_profile(f->st, id, &w, &em), HEARTH_OK);
    hearth_buf_addch(&b, '\0');
    out = strdup(b.ptr);
    hearth_buf_release(&b);
    return out;
}

/* A profile's series; a delete (and retention) takes it out of them, the rest stays. */
static void test_series_of_profile(void **state)
{
    struct fx *f = *state;
    char p[2][HEARTH_ID_LEN + 1], t0[HEARTH_TOKEN_LEN + 1], sid[HEARTH_ID_LEN + 1];
    char stok[HEARTH_TOKEN_LEN + 1], want[256], *got;
    const char *ids[2] = {p[0], p[1]};
    struct hearth_series s;
    struct hearth_errmsg em;
    int n;

    put(f, "a", "{}", p[0], t0, NULL);
    put(f, "b", "{}", p[1], NULL, NULL);
    got = series_of(f, p[0]);
    assert_string_equal(got, "[]");
    free(got);
    assert_int_equal(
        hearth_series_create(f->st, "two", "", "time", ids, 2, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    snprintf(want, sizeof(want),
             "[{\"id\":\"%s\",\"name\":\"two\",\"count\":2,\"shares_token\":false}]", sid);
    got = series_of(f, p[0]);
    assert_string_equal(got, want);
    free(got);
    got = series_of(f, "not an id");
    assert_string_equal(got, "[]");
    free(got);
    /* the series' token is not the profile's: refused, nothing changes */
    assert_int_equal(hearth_store_delete(f->st, p[0], stok, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->st, p[0], t0, &em), HEARTH_OK);
    got = series_of(f, p[0]);
    assert_string_equal(got, "[]");
    free(got);
    snprintf(want, sizeof(want),
             "[{\"id\":\"%s\",\"name\":\"two\",\"count\":1,\"shares_token\":false}]", sid);
    got = series_of(f, p[1]);
    assert_string_equal(got, want);
    free(got);
    /* retention: the last one goes; the series stays, empty, with no item left behind */
    assert_int_equal(hearth_store_expire(f->st, hearth_now_ms() + 60000, &n, &em), HEARTH_OK);
    assert_int_equal(n, 1);
    got = series_of(f, p[1]);
    assert_string_equal(got, "[]");
    free(got);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_int_equal(s.nitems, 0);
    hearth_series_release(&s);
    assert_true(hearth_series_exists(f->st, sid));
    assert_false(hearth_series_exists(f->st, p[1]));
    assert_false(hearth_series_exists(f->st, "../x"));
}

static void test_gctrace_attach(void **state)
{
    struct fx *f = *state;
    char p[HEARTH_ID_LEN + 1], sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1];
    char ttok[HEARTH_TOKEN_LEN + 1], ghost[HEARTH_ID_LEN + 1];
    const char *ids[1] = {p};
    struct hearth_meta g;
    struct hearth_series s;
    struct hearth_errmsg em;
    json_t *l;

    put(f, "p", "{}", p, NULL, NULL);
    assert_int_equal(hearth_store_put_gctrace(f->st, (const unsigned char *)"gc log", 6, "gc.log",
                                              "{}", &g, ttok, &em),
                     HEARTH_OK);
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", ids, 1, g.id, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_string_equal(s.gctrace, g.id);
    assert_false(s.has_start);
    hearth_series_release(&s);
    l = list_json(f, false);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "gctrace")), g.id);
    json_decref(l);

    assert_int_equal(hearth_series_set_gctrace(f->st, sid, g.id, 1234, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_true(s.has_start);
    assert_int_equal(s.gctrace_start_ms, 1234);
    hearth_series_release(&s);
    /* detach */
    assert_int_equal(hearth_series_set_gctrace(f->st, sid, "", -1, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_string_equal(s.gctrace, "");
    assert_false(s.has_start);
    hearth_series_release(&s);
    l = list_json(f, false);
    assert_true(json_is_null(json_object_get(json_array_get(l, 0), "gctrace")));
    json_decref(l);
    /* unknown gctrace, unknown series */
    assert_int_equal(hearth_id_new(ghost), HEARTH_OK);
    assert_int_equal(hearth_series_set_gctrace(f->st, sid, ghost, 1, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_series_set_gctrace(f->st, ghost, g.id, 1, &em), HEARTH_E_NOT_FOUND);
    hearth_meta_release(&g);
}

static void test_tokens(void **state)
{
    struct fx *f = *state;
    char sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1], other[HEARTH_ID_LEN + 1];
    char otok[HEARTH_TOKEN_LEN + 1], ghost[HEARTH_ID_LEN + 1];
    struct hearth_errmsg em;
    struct hearth_series s;

    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", NULL, 0, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(
        hearth_series_create(f->st, "o", "", "time", NULL, 0, NULL, NULL, other, otok, &em),
        HEARTH_OK);
    assert_int_equal(hearth_id_new(ghost), HEARTH_OK);
    assert_int_equal(hearth_series_check_token(f->st, sid, stok, &em), HEARTH_OK);
    assert_int_equal(hearth_series_check_token(f->st, sid, otok, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_series_check_token(f->st, sid, "", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_series_check_token(f->st, sid, NULL, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_series_check_token(f->st, ghost, stok, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_series_check_token(f->st, "../x", stok, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_series_delete(f->st, sid, otok, false, NULL, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    hearth_series_release(&s);
    assert_int_equal(hearth_series_delete(f->st, sid, stok, false, NULL, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_series_delete(f->st, sid, stok, false, NULL, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_series_get(f->st, other, &s, &em), HEARTH_OK);
    hearth_series_release(&s);
}

static struct hearth_capture_row cap_row(const char *state, int taken, int count)
{
    struct hearth_capture_row r;

    memset(&r, 0, sizeof(r));
    r.url = (char *)"http://svc:6060/debug/pprof/heap?gc=1";
    r.last_error = (char *)"";
    r.interval_s = 60;
    r.count = count;
    r.gc = true;
    snprintf(r.state, sizeof(r.state), "%s", state);
    r.taken = taken;
    r.started = 1000;
    r.updated = 2000;
    r.next_at = 61000;
    return r;
}

/*
 * A capture: its snapshots take the series' token (so it deletes them), each
 * step appends and records progress at once, and deleting with_profiles
 * removes exactly those snapshots (a shared blob stays for its other row).
 */
static void test_capture_steps(void **state)
{
    struct fx *f = *state;
    char p1[HEARTH_ID_LEN + 1], p2[HEARTH_ID_LEN + 1], q[HEARTH_ID_LEN + 1];
    char plain[HEARTH_ID_LEN + 1];
    char t1[HEARTH_TOKEN_LEN + 1], sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1];
    char b1[HEARTH_SHA256_HEX + 1], b2[HEARTH_SHA256_HEX + 1];
    char(*running)[HEARTH_ID_LEN + 1];
    const char *ids[1] = {p1};
    struct hearth_capture_row r = cap_row(HEARTH_CAP_RUNNING, 1, 3);
    struct hearth_series s;
    struct hearth_meta m;
    struct hearth_errmsg em;
    size_t n;
    int deleted = -1;
    json_t *l;

    put(f, "snap 1", "{}", p1, t1, b1);
    put(f, "snap 2", "{}", p2, NULL, b2);
    put(f, "snap 2", "{}", q, NULL, NULL); /* the same bytes, uploaded on its own */
    assert_int_equal(
        hearth_series_create(f->st, "cap", r.url, "capture", ids, 1, NULL, &r, sid, stok, &em),
        HEARTH_OK);
    /* the snapshot's own token no longer deletes it; the series' does */
    assert_int_equal(hearth_store_delete(f->st, p1, t1, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_true(s.has_capture);
    assert_string_equal(s.cap.state, HEARTH_CAP_RUNNING);
    assert_string_equal(s.cap.url, r.url);
    assert_int_equal(s.cap.interval_s, 60);
    assert_int_equal(s.cap.count, 3);
    assert_true(s.cap.gc);
    assert_int_equal(s.cap.taken, 1);
    assert_int_equal(s.cap.started, 1000);
    assert_int_equal(s.cap.next_at, 61000);
    assert_int_equal(s.nitems, 1);
    hearth_series_release(&s);
    assert_int_equal(hearth_capture_running(f->st, &running, &n, &em), HEARTH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(running[0], sid);
    free(running);

    /* a failed step: progress only */
    r.failed = 1;
    r.last_error = (char *)"connection refused";
    r.updated = 3000;
    assert_int_equal(hearth_capture_record(f->st, sid, NULL, 0, NULL, &r, &em), HEARTH_OK);
    /* a good step that ends it */
    r.taken = 2;
    snprintf(r.state, sizeof(r.state), "%s", HEARTH_CAP_DONE);
    r.next_at = 0;
    assert_int_equal(hearth_capture_record(f->st, sid, p2, 0, NULL, &r, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_int_equal(s.nitems, 2);
    assert_string_equal(s.items[1].id, p2);
    assert_string_equal(s.cap.state, HEARTH_CAP_DONE);
    assert_int_equal(s.cap.taken, 2);
    assert_int_equal(s.cap.failed, 1);
    assert_string_equal(s.cap.last_error, "connection refused");
    assert_int_equal(s.cap.updated, 3000);
    assert_int_equal(s.cap.started, 1000); /* never rewritten by a step */
    hearth_series_release(&s);
    assert_int_equal(hearth_capture_running(f->st, &running, &n, &em), HEARTH_OK);
    assert_int_equal(n, 0);
    free(running);

    /* captures_only lists it; a plain series is not listed there */
    nanosleep(&(struct timespec){0, 2000000}, NULL); /* a later millisecond */
    assert_int_equal(
        hearth_series_create(f->st, "plain", "", "time", NULL, 0, NULL, NULL, plain, t1, &em),
        HEARTH_OK);
    l = list_json(f, true);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "id")), sid);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(l, 0), "capture"), "state")),
                        HEARTH_CAP_DONE);
    json_decref(l);
    l = list_json(f, false);
    assert_int_equal(json_array_size(l), 2);
    /* newest first */
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "id")), plain);
    assert_true(json_is_null(json_object_get(json_array_get(l, 0), "capture")));
    json_decref(l);

    /* with_profiles: both snapshots go; the blob of p2 stays for the upload with the same bytes */
    assert_int_equal(hearth_series_delete(f->st, sid, stok, true, &deleted, &em), HEARTH_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(hearth_store_get(f->st, p1, &m, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_get(f->st, p2, &m, &em), HEARTH_E_NOT_FOUND);
    if (hearth_capture_shared(f->st)) {
        int gone = -1;
        /* PostgreSQL: marked, then collected by the background pass (here with no grace) */
        assert_true(blob_exists(f->dir, b1));
        assert_int_equal(hearth_store_gc_blobs(f->st, -1000, &gone, &em), HEARTH_OK);
        assert_int_equal(gone, 1);
    }
    assert_false(blob_exists(f->dir, b1));
    assert_true(blob_exists(f->dir, b2));
    assert_int_equal(hearth_store_count(f->st), 1);
}

/* with_profiles on a series of uploads: each kept its own token, so none is deleted. */
static void test_delete_keeps_uploads(void **state)
{
    struct fx *f = *state;
    char p[2][HEARTH_ID_LEN + 1], sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1];
    const char *ids[2] = {p[0], p[1]};
    struct hearth_errmsg em;
    int deleted = -1;

    put(f, "u0", "{}", p[0], NULL, NULL);
    put(f, "u1", "{}", p[1], NULL, NULL);
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", ids, 2, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(hearth_series_delete(f->st, sid, stok, true, &deleted, &em), HEARTH_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(hearth_store_count(f->st), 2);
}

static void test_capture_row_json(void **state)
{
    struct hearth_capture_row r = cap_row(HEARTH_CAP_RUNNING, 2, 5);
    struct hearth_buf b;
    struct hearth_jsonw w;
    json_t *v;

    (void)state;
    r.last_error = (char *)"bad \"gateway\"\n<x>";
    hearth_buf_init(&b, 4096);
    hearth_jsonw_init(&w, &b);
    hearth_capture_row_json(&w, &r);
    v = json_loads(b.ptr, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "state")), "running");
    assert_string_equal(json_string_value(json_object_get(v, "url")), r.url);
    assert_int_equal(json_integer_value(json_object_get(v, "interval_s")), 60);
    assert_int_equal(json_integer_value(json_object_get(v, "count")), 5);
    assert_true(json_is_true(json_object_get(v, "gc")));
    assert_int_equal(json_integer_value(json_object_get(v, "taken")), 2);
    assert_int_equal(json_integer_value(json_object_get(v, "failed")), 0);
    assert_int_equal(json_integer_value(json_object_get(v, "restarts")), 0);
    assert_string_equal(json_string_value(json_object_get(v, "last_error")), r.last_error);
    assert_int_equal(json_integer_value(json_object_get(v, "next_at")), 61000);
    assert_int_equal(json_integer_value(json_object_get(v, "started")), 1000);
    assert_int_equal(json_integer_value(json_object_get(v, "updated")), 2000);
    json_decref(v);
    /* next_at is null once the capture is not running */
    hearth_buf_reset(&b);
    snprintf(r.state, sizeof(r.state), "%s", HEARTH_CAP_STOPPED);
    r.url = NULL;
    hearth_jsonw_init(&w, &b);
    hearth_capture_row_json(&w, &r);
    v = json_loads(b.ptr, 0, NULL);
    assert_non_null(v);
    assert_true(json_is_null(json_object_get(v, "next_at")));
    assert_string_equal(json_string_value(json_object_get(v, "url")), "");
    json_decref(v);
    hearth_buf_release(&b);
}

/* Series writes on a degraded store are refused; reads keep working. */
static void test_degraded(void **state)
{
    struct fx *f = *state;
    char sid[HEARTH_ID_LEN + 1], stok[HEARTH_TOKEN_LEN + 1], x[HEARTH_ID_LEN + 1];
    char *db = tmpdir_join(f->dir, "hearth.db"), *moved = tmpdir_join(f->dir, "away.db");
    struct hearth_capture_row r = cap_row(HEARTH_CAP_RUNNING, 1, 3);
    struct hearth_series s;
    struct hearth_errmsg em;

    if (getenv("HEARTH_TEST_METADATA")) { /* hearth.db's file checks: SQLite's only */
        free(db);
        free(moved);
        skip();
    }
    assert_int_equal(
        hearth_series_create(f->st, "s", "", "time", NULL, 0, NULL, NULL, sid, stok, &em),
        HEARTH_OK);
    assert_int_equal(rename(db, moved), 0);
    assert_int_equal(
        hearth_series_create(f->st, "t", "", "time", NULL, 0, NULL, NULL, x, stok, &em),
        HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_series_set_gctrace(f->st, sid, "", -1, &em), HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_capture_record(f->st, sid, NULL, 0, NULL, &r, &em),
                     HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_series_delete(f->st, sid, stok, false, NULL, &em),
                     HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    hearth_series_release(&s);
    assert_int_equal(rename(moved, db), 0);
    free(db);
    free(moved);
}

/*
 * Capture groups (groups.h): one series per target on one schedule, created
 * at once (or not at all), the group's token for the group, its series and
 * their snapshots, the list, gctrace tracks per target, deleting the rows.
 */
static void test_groups(void **state)
{
    struct fx *f = *state;
    char p1[HEARTH_ID_LEN + 1], p2[HEARTH_ID_LEN + 1], t1[HEARTH_TOKEN_LEN + 1];
    char gid[HEARTH_ID_LEN + 1], gtok[HEARTH_TOKEN_LEN + 1], sids[2][HEARTH_ID_LEN + 1];
    char gct[HEARTH_ID_LEN + 1], bad[HEARTH_ID_LEN + 1];
    struct hearth_capture_row r = cap_row(HEARTH_CAP_RUNNING, 1, 5);
    struct hearth_group_new_target nt[2] = {
        {"source", "sync: source", "http://a:1/heap", p1, &r},
        {"destination", "sync: destination", "http://b:2/heap", p2, &r},
    };
    const char *tracks[2] = {"", "destination"};
    struct hearth_group g;
    struct hearth_group_ref ref;
    struct hearth_series s;
    struct hearth_meta gm;
    struct hearth_buf b;
    struct hearth_errmsg em;
    json_t *l;
    size_t i;

    put(f, "snap a", "{}", p1, t1, NULL);
    put(f, "snap b", "{}", p2, NULL, NULL);
    /* an unknown first snapshot: nothing is stored */
    memset(bad, 'A', HEARTH_ID_LEN);
    bad[HEARTH_ID_LEN] = '\0';
    nt[1].profile = bad;
    assert_int_equal(hearth_group_create(f->st, "sync", 60, 5, true, nt, 2, gid, gtok, sids, &em),
                     HEARTH_E_BAD_REQUEST);
    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_group_list(f->st, 10, &b, &em), HEARTH_OK);
    assert_string_equal(b.ptr, "[]");
    hearth_buf_release(&b);
    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_series_list(f->st, 10, false, &b, &em), HEARTH_OK);
    assert_string_equal(b.ptr, "[]");
    hearth_buf_release(&b);

    nt[1].profile = p2;
    assert_int_equal(hearth_group_create(f->st, "sync", 60, 5, true, nt, 2, gid, gtok, sids, &em),
                     HEARTH_OK);
    assert_true(hearth_group_exists(f->st, gid));
    assert_false(hearth_group_exists(f->st, sids[0])); /* a series is not a group */
    assert_int_equal(hearth_group_get(f->st, gid, &g, &em), HEARTH_OK);
    assert_string_equal(g.name, "sync");
    assert_int_equal(g.interval_s, 60);
    assert_int_equal(g.count, 5);
    assert_true(g.gc);
    assert_string_equal(g.gctrace, "");
    assert_int_equal(g.ntargets, 2);
    assert_string_equal(g.targets[0].name, "source");
    assert_string_equal(g.targets[1].name, "destination");
    assert_string_equal(g.targets[0].series, sids[0]);
    assert_string_equal(g.targets[1].series, sids[1]);
    assert_string_equal(g.targets[0].track, "");
    hearth_group_release(&g);
    /* each target: a running capture of its own, on the same schedule, with its first snapshot */
    for (i = 0; i < 2; i++) {
        assert_int_equal(hearth_series_get(f->st, sids[i], &s, &em), HEARTH_OK);
        assert_string_equal(s.name, i ? "sync: destination" : "sync: source");
        assert_string_equal(s.source_url, i ? "http://b:2/heap" : "http://a:1/heap");
        assert_true(s.has_capture);
        assert_int_equal(s.cap.started, 1000);
        assert_int_equal(s.cap.next_at, 61000);
        assert_int_equal(s.nitems, 1);
        assert_string_equal(s.items[0].id, i ? p2 : p1);
        hearth_series_release(&s);
        /* the group's token is every series' token */
        assert_int_equal(hearth_series_check_token(f->st, sids[i], gtok, &em), HEARTH_OK);
    }
    assert_int_equal(hearth_group_check_token(f->st, gid, gtok, &em), HEARTH_OK);
    assert_int_equal(hearth_group_check_token(f->st, gid, t1, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_group_check_token(f->st, gid, "", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_group_check_token(f->st, bad, gtok, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_group_check_token(f->st, "bad id", gtok, &em), HEARTH_E_NOT_FOUND);
    /* a snapshot: its own token no longer deletes it, the group's does */
    assert_int_equal(hearth_store_delete(f->st, p1, t1, &em), HEARTH_E_FORBIDDEN);
    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_group_list(f->st, 10, &b, &em), HEARTH_OK);
    l = json_loads(b.ptr, 0, NULL);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "id")), gid);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "targets")), 2);
    /* both captures run: the group runs */
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "state")),
                        HEARTH_CAP_RUNNING);
    json_decref(l);
    hearth_buf_release(&b);
    /* each series knows its group and its target; a group or a bad id is no member */
    for (i = 0; i < 2; i++) {
        assert_int_equal(hearth_group_of_series(f->st, sids[i], &ref, &em), HEARTH_OK);
        assert_string_equal(ref.id, gid);
        assert_string_equal(ref.name, "sync");
        assert_string_equal(ref.target, i ? "destination" : "source");
        assert_string_equal(ref.track, "");
        assert_string_equal(ref.gctrace, "");
    }
    assert_int_equal(hearth_group_of_series(f->st, gid, &ref, &em), HEARTH_E_NOT_FOUND);
    assert_string_equal(ref.id, "");
    assert_int_equal(hearth_group_of_series(f->st, "bad id", &ref, &em), HEARTH_E_NOT_FOUND);

    /* a gctrace and its tracks */
    assert_int_equal(hearth_store_put_gctrace(f->st, (const unsigned char *)"gc log", 6, "gc.log",
                                              "{}", &gm, t1, &em),
                     HEARTH_OK);
    memcpy(gct, gm.id, sizeof(gct));
    hearth_meta_release(&gm);
    assert_int_equal(hearth_group_set_gctrace(f->st, gid, bad, -1, tracks, 2, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_group_set_gctrace(f->st, bad, gct, -1, tracks, 2, &em),
                     HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_group_set_gctrace(f->st, gid, gct, 1234, tracks, 2, &em), HEARTH_OK);
    assert_int_equal(hearth_group_get(f->st, gid, &g, &em), HEARTH_OK);
    assert_string_equal(g.gctrace, gct);
    assert_true(g.has_start);
    assert_int_equal(g.gctrace_start_ms, 1234);
    assert_string_equal(g.targets[0].track, "");
    assert_string_equal(g.targets[1].track, "destination");
    hearth_group_release(&g);
    assert_int_equal(hearth_group_of_series(f->st, sids[1], &ref, &em), HEARTH_OK);
    assert_string_equal(ref.track, "destination");
    assert_string_equal(ref.gctrace, gct);
    assert_int_equal(hearth_group_of_series(f->st, sids[0], &ref, &em), HEARTH_OK);
    assert_string_equal(ref.track, "");
    /* detached: the tracks go too */
    assert_int_equal(hearth_group_set_gctrace(f->st, gid, "", -1, tracks, 2, &em), HEARTH_OK);
    assert_int_equal(hearth_group_get(f->st, gid, &g, &em), HEARTH_OK);
    assert_string_equal(g.gctrace, "");
    assert_false(g.has_start);
    assert_string_equal(g.targets[1].track, "");
    hearth_group_release(&g);

    /* the group's rows go; its series are deleted on their own (groups_svc.c) */
    assert_int_equal(hearth_group_delete_rows(f->st, gid, &em), HEARTH_OK);
    assert_int_equal(hearth_group_get(f->st, gid, &g, &em), HEARTH_E_NOT_FOUND);
    assert_false(hearth_group_exists(f->st, gid));
    assert_true(hearth_series_exists(f->st, sids[0]));
    assert_int_equal(hearth_group_of_series(f->st, sids[0], &ref, &em), HEARTH_E_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_items_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_of_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gctrace_attach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capture_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_keeps_uploads, setup, teardown),
        cmocka_unit_test(test_capture_row_json),
        cmocka_unit_test_setup_teardown(test_degraded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
