/*
 * test_capture.c - the capture scheduler (capture.h) against a real store
 * in a temporary directory, with a snapshot function of the test's own (no
 * network): a capture runs to "done" with every step recorded and its
 * snapshots never overlap, two captures run side by side, failed attempts
 * are counted (not retried) and a capture with no success ends "failed",
 * the reservation limits (server-wide BUSY, per-client TOO_MANY, Retry-After
 * seconds), stopping a capture, resuming stored captures after a restart
 * (or marking them interrupted), and stop() waiting for a snapshot in
 * progress while the capture stays "running" in the store.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "hearth/capture.h"
#include "hearth/series.h"
#include "hearth/store.h"
#include "teststore.h"
#include "tmpdir.h"

struct snapctx {
    struct hearth_store *st;
    pthread_mutex_t mu;
    int calls, in_flight, max_in_flight;
    int sleep_ms;
    char names[32][64];
};

struct fx {
    char *dir;
    struct hearth_store *st;
    struct snapctx ctx;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

/* The snapshot: URLs containing "fail" fail like an unreachable target; others store a profile. */
static enum hearth_err snap(void *arg, const char *url, const char *name,
                            char profile_id[HEARTH_ID_LEN + 1], struct hearth_errmsg *em)
{
    struct snapctx *c = arg;
    enum hearth_err e = HEARTH_OK;
    struct hearth_meta m;
    char tok[HEARTH_TOKEN_LEN + 1], bytes[128];
    int k;

    pthread_mutex_lock(&c->mu);
    k = c->calls++;
    if (k < 32)
        snprintf(c->names[k], sizeof(c->names[k]), "%s", name);
    if (++c->in_flight > c->max_in_flight)
        c->max_in_flight = c->in_flight;
    pthread_mutex_unlock(&c->mu);
    if (c->sleep_ms)
        sleep_ms(c->sleep_ms);
    if (strstr(url, "fail")) {
        e = hearth_errmsg_set(em, HEARTH_E_UPSTREAM, "the target answered 502");
    } else {
        snprintf(bytes, sizeof(bytes), "%s|%s|%d", url, name, k);
        e = hearth_store_put(c->st, (const unsigned char *)bytes, strlen(bytes), name, url, "{}",
                             &m, tok, em);
        if (!e) {
            memcpy(profile_id, m.id, HEARTH_ID_LEN + 1);
            hearth_meta_release(&m);
        }
    }
    pthread_mutex_lock(&c->mu);
    c->in_flight--;
    pthread_mutex_unlock(&c->mu);
    return e;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em;

    if (!f)
        return -1;
    f->dir = tmpdir_make("capture");
    if (!f->dir || teststore_open(f->dir, &f->st, &em) != HEARTH_OK)
        return -1;
    f->ctx.st = f->st;
    pthread_mutex_init(&f->ctx.mu, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_store_close(f->st);
    tmpdir_remove(f->dir);
    pthread_mutex_destroy(&f->ctx.mu);
    free(f);
    return 0;
}

static int calls(struct fx *f)
{
    int n;

    pthread_mutex_lock(&f->ctx.mu);
    n = f->ctx.calls;
    pthread_mutex_unlock(&f->ctx.mu);
    return n;
}

static struct hearth_capture_row row_of(const char *url, int count, int interval_s, int taken,
                                        int64_t started, int64_t next_at)
{
    struct hearth_capture_row r;

    memset(&r, 0, sizeof(r));
    r.url = (char *)url;
    r.last_error = (char *)"";
    r.count = count;
    r.interval_s = interval_s;
    r.taken = taken;
    snprintf(r.state, sizeof(r.state), "%s", HEARTH_CAP_RUNNING);
    r.started = started;
    r.updated = started;
    r.next_at = next_at;
    r.lease_s = 30; /* as a new capture is stored: its lease held (by whoever adds it) */
    return r;
}

/* A capture series as the HTTP layer makes it (its first snapshot stored when taken is 1). */
static void create(struct fx *f, const struct hearth_capture_row *r, char sid[HEARTH_ID_LEN + 1])
{
    char tok[HEARTH_TOKEN_LEN + 1], ptok[HEARTH_TOKEN_LEN + 1];
    const char *ids[1] = {NULL};
    struct hearth_meta m;
    struct hearth_errmsg em;

    if (r->taken) {
        assert_int_equal(hearth_store_put(f->st, (const unsigned char *)r->url, strlen(r->url),
                                          "cap #1", r->url, "{}", &m, ptok, &em),
                         HEARTH_OK);
        ids[0] = m.id;
    }
    assert_int_equal(hearth_series_create(f->st, "cap", r->url, "capture", ids, r->taken ? 1 : 0,
                                          NULL, r, sid, tok, &em),
                     HEARTH_OK);
    if (r->taken)
        hearth_meta_release(&m);
}

/* Wait (up to 20 s) until the stored capture is no longer running; returns it. */
static void wait_end(struct fx *f, const char *sid, struct hearth_series *s)
{
    struct hearth_errmsg em;
    int i;

    for (i = 0; i < 2000; i++) {
        assert_int_equal(hearth_series_get(f->st, sid, s, &em), HEARTH_OK);
        assert_true(s->has_capture);
        if (strcmp(s->cap.state, HEARTH_CAP_RUNNING) != 0)
            return;
        hearth_series_release(s);
        sleep_ms(10);
    }
    fail_msg("capture %s still running after 20 s", sid);
}

static void test_runs_to_done(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_series s;
    struct hearth_errmsg em;
    char sid[HEARTH_ID_LEN + 1];
    int retry, i;
    int64_t now = hearth_now_ms();

    r = row_of("http://target/heap", 5, 0, 1, now, now);
    f->ctx.sleep_ms = 5;
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 4, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    create(f, &r, sid); /* after the start, as the HTTP layer does (else it would resume it) */
    assert_int_equal(hearth_captures_reserve(c, "10.0.0.1", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sid, "cap", "10.0.0.1", &r, &em), HEARTH_OK);
    wait_end(f, sid, &s);
    assert_string_equal(s.cap.state, HEARTH_CAP_DONE);
    assert_int_equal(s.cap.taken, 5);
    assert_int_equal(s.cap.failed, 0);
    assert_int_equal(s.cap.next_at, 0);
    assert_int_equal(s.nitems, 5);
    for (i = 1; i < 5; i++)
        assert_string_equal(s.items[i].name, f->ctx.names[i - 1]);
    hearth_series_release(&s);
    hearth_captures_stop(c);
    /* attempts 2..5 were taken, one at a time even with four workers */
    assert_int_equal(calls(f), 4);
    assert_string_equal(f->ctx.names[0], "cap #2");
    assert_string_equal(f->ctx.names[3], "cap #5");
    assert_int_equal(f->ctx.max_in_flight, 1);
}

/* A slow target holds one worker: two captures run side by side. */
static void test_two_at_once(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row a, b;
    struct hearth_series s;
    struct hearth_errmsg em;
    char sa[HEARTH_ID_LEN + 1], sb[HEARTH_ID_LEN + 1];
    int retry;
    int64_t now = hearth_now_ms();

    a = row_of("http://a/heap", 4, 0, 1, now, now);
    b = row_of("http://b/heap", 4, 0, 1, now, now);
    f->ctx.sleep_ms = 40;
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 4, 4, 30, NULL, &c, &em),
                     HEARTH_OK);
    create(f, &a, sa);
    create(f, &b, sb);
    assert_int_equal(hearth_captures_reserve(c, "c", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_reserve(c, "c", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sa, "a", "c", &a, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sb, "b", "c", &b, &em), HEARTH_OK);
    wait_end(f, sa, &s);
    assert_int_equal(s.cap.taken, 4);
    hearth_series_release(&s);
    wait_end(f, sb, &s);
    assert_int_equal(s.cap.taken, 4);
    hearth_series_release(&s);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 6);
    assert_int_equal(f->ctx.max_in_flight, 2);
}

/* Failed attempts are counted and not retried; no success at all ends "failed". */
static void test_failures(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row a, b;
    struct hearth_series s;
    struct hearth_errmsg em;
    char sa[HEARTH_ID_LEN + 1], sb[HEARTH_ID_LEN + 1];
    int retry;
    int64_t now = hearth_now_ms();

    a = row_of("http://fail-later/heap", 3, 0, 1, now, now); /* first one was taken */
    b = row_of("http://fail-always/heap", 2, 0, 0, now, now);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 4, 4, 30, NULL, &c, &em),
                     HEARTH_OK);
    create(f, &a, sa);
    create(f, &b, sb);
    assert_int_equal(hearth_captures_reserve(c, "c", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sa, "a", "c", &a, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_reserve(c, "c", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sb, "b", "c", &b, &em), HEARTH_OK);
    wait_end(f, sa, &s);
    assert_string_equal(s.cap.state, HEARTH_CAP_DONE);
    assert_int_equal(s.cap.taken, 1);
    assert_int_equal(s.cap.failed, 2);
    assert_string_equal(s.cap.last_error, "the target answered 502");
    assert_int_equal(s.nitems, 1);
    hearth_series_release(&s);
    wait_end(f, sb, &s);
    assert_string_equal(s.cap.state, HEARTH_CAP_FAILED);
    assert_int_equal(s.cap.taken, 0);
    assert_int_equal(s.cap.failed, 2);
    hearth_series_release(&s);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 4);
}

/* Reservations: BUSY at max_running, TOO_MANY at max_per_client, with Retry-After seconds. */
static void test_limits(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_errmsg em;
    char sid[HEARTH_ID_LEN + 1];
    int retry = -1;
    int64_t now = hearth_now_ms();

    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 2, 1, 30, NULL, &c, &em),
                     HEARTH_OK);
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    assert_int_equal(retry, 0);
    memset(&em, 0, sizeof(em));
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_E_TOO_MANY);
    assert_non_null(strstr(em.msg, "limit per client"));
    assert_int_equal(retry, 5); /* only a capture being started: about one fetch */
    assert_int_equal(hearth_captures_reserve(c, "B", &retry, &em), HEARTH_OK);
    memset(&em, 0, sizeof(em));
    assert_int_equal(hearth_captures_reserve(c, "C", &retry, &em), HEARTH_E_BUSY);
    assert_non_null(strstr(em.msg, "2 captures are running"));
    assert_int_equal(retry, 5);
    hearth_captures_unreserve(c, "A");
    hearth_captures_unreserve(c, "nobody"); /* harmless */
    assert_int_equal(hearth_captures_reserve(c, "C", &retry, &em), HEARTH_OK);

    /* C's reservation becomes a long capture: its end is what C waits for (capped at an hour) */
    r = row_of("http://slow/heap", 3, 3600, 1, now, now + 3600 * 1000);
    create(f, &r, sid);
    assert_int_equal(hearth_captures_add(c, sid, "slow", "C", &r, &em), HEARTH_OK);
    hearth_captures_unreserve(c, "B");
    assert_int_equal(hearth_captures_reserve(c, "C", &retry, &em), HEARTH_E_TOO_MANY);
    assert_int_equal(retry, 3600);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 0);
}

/* A capture due in 30 s with one attempt left: BUSY says retry in about 30 s. */
static void test_retry_after(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_errmsg em;
    char sid[HEARTH_ID_LEN + 1];
    int retry = -1;
    int64_t now = hearth_now_ms();

    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 1, 1, 30, NULL, &c, &em),
                     HEARTH_OK);
    r = row_of("http://soon/heap", 2, 30, 1, now, now + 30000);
    create(f, &r, sid);
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sid, "soon", "A", &r, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_reserve(c, "B", &retry, &em), HEARTH_E_BUSY);
    assert_true(retry >= 29 && retry <= 30);
    hearth_captures_stop(c);
}

static void test_cancel(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_series s;
    struct hearth_errmsg em;
    char sid[HEARTH_ID_LEN + 1], ghost[HEARTH_ID_LEN + 1];
    int retry;
    int64_t now = hearth_now_ms();

    r = row_of("http://later/heap", 3, 3600, 1, now, now + 3600 * 1000);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 2, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    create(f, &r, sid);
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sid, "later", "A", &r, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_cancel(c, sid, &em), HEARTH_OK);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_string_equal(s.cap.state, HEARTH_CAP_STOPPED);
    assert_int_equal(s.cap.next_at, 0);
    assert_int_equal(s.cap.taken, 1);
    hearth_series_release(&s);
    assert_int_equal(hearth_captures_cancel(c, sid, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_id_new(ghost), HEARTH_OK);
    assert_int_equal(hearth_captures_cancel(c, ghost, &em), HEARTH_E_NOT_FOUND);
    /* its place is free again */
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 0);
}

/*
 * Shared metadata (PostgreSQL): a server that cannot fetch takes expired leases and marks the
 * captures interrupted, as one server does; one with room for one runs the others one after the
 * other (the second waits, still running, for a server with room), each taken over once.
 */
static void test_resume_shared(struct fx *f)
{
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_series a, b;
    struct hearth_errmsg em;
    char s1[HEARTH_ID_LEN + 1], s2[HEARTH_ID_LEN + 1], s3[HEARTH_ID_LEN + 1];
    int64_t now = hearth_now_ms();
    int i;

    /* a server that cannot fetch takes the expired lease and says why it stopped */
    r = row_of("http://one/heap", 3, 0, 1, now - 10000, now - 5000);
    r.lease_s = 0; /* its server died: the lease has expired */
    create(f, &r, s1);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, false, 4, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    for (i = 0; i < 100; i++) {
        assert_int_equal(hearth_series_get(f->st, s1, &a, &em), HEARTH_OK);
        if (strcmp(a.cap.state, HEARTH_CAP_RUNNING) != 0)
            break;
        hearth_series_release(&a);
        usleep(50000);
    }
    hearth_captures_stop(c);
    assert_string_equal(a.cap.state, HEARTH_CAP_INTERRUPTED);
    assert_int_equal(a.cap.restarts, 1);
    assert_non_null(strstr(a.cap.last_error, "fetching disabled"));
    hearth_series_release(&a);
    /* room for one: the other waits (still running, for any server), then runs */
    r = row_of("http://two/heap", 3, 0, 1, now - 10000, now - 5000);
    r.lease_s = 0;
    create(f, &r, s2);
    r = row_of("http://three/heap", 3, 0, 1, now - 10000, now - 5000);
    r.lease_s = 0;
    create(f, &r, s3);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 1, 1, 2, NULL, &c, &em),
                     HEARTH_OK);
    wait_end(f, s2, &a);
    wait_end(f, s3, &b);
    assert_string_equal(a.cap.state, HEARTH_CAP_DONE);
    assert_string_equal(b.cap.state, HEARTH_CAP_DONE);
    assert_int_equal(a.cap.taken, 3);
    assert_int_equal(b.cap.taken, 3);
    assert_int_equal(a.cap.restarts, 1);
    assert_int_equal(b.cap.restarts, 1);
    assert_int_equal(a.nitems, 3);
    assert_int_equal(b.nitems, 3);
    hearth_series_release(&a);
    hearth_series_release(&b);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 4);
}

/* After a restart: running captures resume (restarts + 1), or are interrupted with the reason. */
static void test_resume(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_series s;
    struct hearth_errmsg em;
    char s1[HEARTH_ID_LEN + 1], s2[HEARTH_ID_LEN + 1], s3[HEARTH_ID_LEN + 1];
    int64_t now = hearth_now_ms();

    if (hearth_capture_shared(f->st)) {
        test_resume_shared(f);
        return;
    }
    /* fetching disabled at the restart */
    r = row_of("http://one/heap", 3, 0, 1, now - 10000, now - 5000);
    create(f, &r, s1);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, false, 4, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    hearth_captures_stop(c);
    assert_int_equal(hearth_series_get(f->st, s1, &s, &em), HEARTH_OK);
    assert_string_equal(s.cap.state, HEARTH_CAP_INTERRUPTED);
    assert_int_equal(s.cap.restarts, 1);
    assert_int_equal(s.cap.next_at, 0);
    assert_non_null(strstr(s.cap.last_error, "fetching disabled"));
    hearth_series_release(&s);

    /* two stored as running, room for one: one resumes to the end, one is interrupted */
    r = row_of("http://two/heap", 3, 0, 1, now - 10000, now - 5000);
    create(f, &r, s2);
    r = row_of("http://three/heap", 3, 0, 1, now - 10000, now - 5000);
    create(f, &r, s3);
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 1, 1, 30, NULL, &c, &em),
                     HEARTH_OK);
    {
        struct hearth_series a, b;
        wait_end(f, s2, &a);
        wait_end(f, s3, &b);
        if (!strcmp(a.cap.state, HEARTH_CAP_INTERRUPTED)) {
            struct hearth_series t = a;
            a = b;
            b = t;
        }
        assert_string_equal(a.cap.state, HEARTH_CAP_DONE);
        assert_int_equal(a.cap.taken, 3);
        assert_int_equal(a.cap.restarts, 1);
        assert_int_equal(a.nitems, 3);
        assert_string_equal(b.cap.state, HEARTH_CAP_INTERRUPTED);
        assert_non_null(strstr(b.cap.last_error, "too many captures"));
        hearth_series_release(&a);
        hearth_series_release(&b);
    }
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 2);
    /* the interrupted one is not resumed again */
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 4, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    hearth_captures_stop(c);
    assert_int_equal(calls(f), 2);
}

/* stop() waits for a snapshot in progress; the capture stays "running" to resume later. */
static void test_stop_waits(void **state)
{
    struct fx *f = *state;
    struct hearth_captures *c;
    struct hearth_capture_row r;
    struct hearth_series s;
    struct hearth_errmsg em;
    char sid[HEARTH_ID_LEN + 1];
    int retry, i;
    int64_t now = hearth_now_ms();

    r = row_of("http://long/heap", 100, 0, 1, now, now);
    f->ctx.sleep_ms = 150;
    assert_int_equal(hearth_captures_start(f->st, snap, &f->ctx, true, 2, 2, 30, NULL, &c, &em),
                     HEARTH_OK);
    create(f, &r, sid);
    assert_int_equal(hearth_captures_reserve(c, "A", &retry, &em), HEARTH_OK);
    assert_int_equal(hearth_captures_add(c, sid, "long", "A", &r, &em), HEARTH_OK);
    for (i = 0; i < 500 && calls(f) == 0; i++)
        sleep_ms(10);
    assert_true(calls(f) >= 1);
    hearth_captures_stop(c);
    pthread_mutex_lock(&f->ctx.mu);
    assert_int_equal(f->ctx.in_flight, 0);
    pthread_mutex_unlock(&f->ctx.mu);
    assert_int_equal(hearth_series_get(f->st, sid, &s, &em), HEARTH_OK);
    assert_string_equal(s.cap.state, HEARTH_CAP_RUNNING);
    assert_true(s.cap.taken >= 2 && s.cap.taken < 100);
    assert_int_equal((int)s.nitems, s.cap.taken);
    hearth_series_release(&s);
    hearth_captures_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_to_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_waits, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
