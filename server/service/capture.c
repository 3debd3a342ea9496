/* capture.c - the capture scheduler; see include/hearth/capture.h. */
#define _GNU_SOURCE
#include "hearth/capture.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/limits.h"
#include "hearth/log.h"

#include "hearth/banned.h"

/* Snapshots taken at once: a slow target holds one worker, not the schedule; a capture group's
 * targets (at most HEARTH_LIMIT_CAPTURE_TARGETS) are all fetched at the same moment. */
#define CAPTURE_WORKERS 8
_Static_assert(CAPTURE_WORKERS >= HEARTH_LIMIT_CAPTURE_TARGETS,
               "a capture group's targets are fetched at once");

struct job {
    char series[HEARTH_ID_LEN + 1];
    char client[HEARTH_CLIENT_LEN]; /* who started it ("" after a restart: unknown) */
    char *name;                     /* of the snapshots: "<name> #<k>" */
    struct hearth_capture_row row;
    bool busy; /* a snapshot is being taken (outside the lock) */
    bool lost; /* its lease went to another server, or it was stopped elsewhere */
};

struct hearth_captures {
    struct hearth_store *st;
    hearth_snapshot_fn fn;
    void *ctx;
    int max_running, max_per_client;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t threads[CAPTURE_WORKERS];
    int nthreads;
    bool quit;
    struct job *jobs;
    size_t njobs, cap;
    char (*pending)[HEARTH_CLIENT_LEN]; /* reservations of captures being started */
    size_t npending;
    char owner[HEARTH_ID_LEN + 1]; /* this server's name in the captures' leases */
    int lease_s;
    bool shared, can_fetch;
    pthread_t leaser;
    bool leaser_running;
};

static void job_release(struct job *j)
{
    free(j->name);
    hearth_capture_row_release(&j->row);
}

static bool row_copy(struct hearth_capture_row *dst, const struct hearth_capture_row *src)
{
    *dst = *src;
    dst->url = strdup(src->url ? src->url : "");
    dst->last_error = strdup(src->last_error ? src->last_error : "");
    if (!dst->url || !dst->last_error) {
        hearth_capture_row_release(dst);
        return false;
    }
    return true;
}

/* Caller holds the lock. */
static enum hearth_err push_job(struct hearth_captures *c, const char *series, const char *name,
                                const char *client, const struct hearth_capture_row *row,
                                struct hearth_errmsg *em)
{
    struct job *j;

    if (c->njobs == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        struct job *nj = realloc(c->jobs, nc * sizeof(*nj));
        if (!nj)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        c->jobs = nj;
        c->cap = nc;
    }
    j = &c->jobs[c->njobs];
    memset(j, 0, sizeof(*j));
    snprintf(j->series, sizeof(j->series), "%s", series);
    snprintf(j->client, sizeof(j->client), "%s", client);
    j->name = strdup(name);
    if (!j->name || !row_copy(&j->row, row)) {
        free(j->name);
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
    c->njobs++;
    return HEARTH_OK;
}

/* Caller holds the lock. */
static void drop_job(struct hearth_captures *c, size_t i)
{
    job_release(&c->jobs[i]);
    c->jobs[i] = c->jobs[--c->njobs];
}

static void set_error(struct hearth_capture_row *r, const char *msg)
{
    char *m = strdup(msg);

    if (m) {
        free(r->last_error);
        r->last_error = m;
    }
}

/* After an attempt: the next due time or the end state. */
static void advance(struct hearth_capture_row *r)
{
    int attempts = r->taken + r->failed;

    r->updated = hearth_now_ms();
    if (attempts >= r->count) {
        snprintf(r->state, sizeof(r->state), "%s", r->taken ? HEARTH_CAP_DONE : HEARTH_CAP_FAILED);
        r->next_at = 0;
        return;
    }
    r->next_at = r->started + (int64_t)attempts * r->interval_s * 1000;
    if (r->next_at < r->updated - (int64_t)r->interval_s * 1000)
        r->next_at = r->updated; /* fell far behind (a slow fetch, a restart): go on now */
}

static void *run(void *arg)
{
    struct hearth_captures *c = arg;

    pthread_mutex_lock(&c->lock);
    while (!c->quit) {
        struct hearth_capture_row snap;
        struct hearth_errmsg em = {{0}};
        char series[HEARTH_ID_LEN + 1], pid[HEARTH_ID_LEN + 1] = "", name[700];
        int64_t due = INT64_MAX, now = hearth_now_ms();
        size_t i, pick = SIZE_MAX;
        enum hearth_err e;

        for (i = 0; i < c->njobs; i++)
            if (!c->jobs[i].busy && c->jobs[i].row.next_at < due) {
                due = c->jobs[i].row.next_at;
                pick = i;
            }
        if (pick == SIZE_MAX) {
            pthread_cond_wait(&c->cond, &c->lock);
            continue;
        }
        if (due > now) {
            struct timespec ts = {(time_t)(due / 1000), (long)(due % 1000) * 1000000};
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
            continue;
        }
        /* still ours? (another server took the lease, or it was stopped from elsewhere) */
        {
            bool mine = true;
            struct hearth_errmsg em2 = {{0}};
            if (hearth_capture_renew(c->st, c->jobs[pick].series, c->owner, c->lease_s, &mine,
                                     &em2) == HEARTH_OK &&
                !mine) {
                hearth_log(HEARTH_LOG_INFO, "capture_released",
                           "capture %s: stopped or run by another server now",
                           c->jobs[pick].series);
                drop_job(c, pick);
                continue;
            }
        }
        /* take the snapshot without the lock; the job stays in place (busy) */
        c->jobs[pick].busy = true;
        snprintf(series, sizeof(series), "%s", c->jobs[pick].series);
        snprintf(name, sizeof(name), "%.600s #%d", c->jobs[pick].name,
                 c->jobs[pick].row.taken + c->jobs[pick].row.failed + 1);
        if (!row_copy(&snap, &c->jobs[pick].row)) {
            c->jobs[pick].busy = false;
            continue;
        }
        pthread_mutex_unlock(&c->lock);
        e = c->fn(c->ctx, snap.url, name, pid, &em);
        hearth_capture_row_release(&snap);
        pthread_mutex_lock(&c->lock);
        for (i = 0; i < c->njobs; i++)
            if (!strcmp(c->jobs[i].series, series))
                break;
        if (i == c->njobs)
            continue; /* cannot happen: jobs are only dropped here or when idle */
        {
            struct job *j = &c->jobs[i];
            j->busy = false;
            if (e) {
                j->row.failed++;
                set_error(&j->row, em.msg[0] ? em.msg : "snapshot failed");
                hearth_log(HEARTH_LOG_WARN, "capture_error", "capture %s: snapshot failed: %s",
                           series, em.msg[0] ? em.msg : "unknown error");
            } else {
                j->row.taken++;
            }
            if (!strcmp(j->row.state, HEARTH_CAP_RUNNING))
                advance(&j->row);
            else
                j->row.updated = hearth_now_ms(); /* stopped while fetching: keep "stopped" */
            memset(&em, 0, sizeof(em));
            e = hearth_capture_record(c->st, series, e ? NULL : pid, j->row.taken + j->row.failed,
                                      c->owner, &j->row, &em);
            if (e)
                hearth_log(HEARTH_LOG_ERROR, "capture_error", "capture %s: %s", series, em.msg);
            if (strcmp(j->row.state, HEARTH_CAP_RUNNING) != 0 || j->lost || e == HEARTH_E_CONFLICT)
                drop_job(c, i);
            pthread_cond_broadcast(&c->cond); /* the job is free again for the others */
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Resume a capture whose lease this server just took (after a restart or from a dead server):
 * restarts + 1, the missed attempt now. Lock held (or before the threads start). */
static void adopt(struct hearth_captures *c, const char *id)
{
    struct hearth_series s;
    struct hearth_errmsg em2 = {{0}};
    size_t i;

    for (i = 0; i < c->njobs; i++)
        if (!strcmp(c->jobs[i].series, id))
            return; /* already running here (its lease had not been written yet) */
    if (hearth_series_get(c->st, id, &s, &em2) || !s.has_capture) {
        hearth_series_release(&s);
        return;
    }
    s.cap.restarts++;
    s.cap.updated = hearth_now_ms();
    if (!c->can_fetch || (int)c->njobs >= c->max_running) {
        snprintf(s.cap.state, sizeof(s.cap.state), "%s", HEARTH_CAP_INTERRUPTED);
        s.cap.next_at = 0;
        set_error(&s.cap, !c->can_fetch ? "the server restarted with fetching disabled"
                                        : "the server restarted with too many captures");
    } else {
        /* resume: the missed attempt runs now, the rest on the original schedule */
        advance(&s.cap);
        if (s.cap.next_at < s.cap.updated)
            s.cap.next_at = s.cap.updated;
    }
    if (hearth_capture_record(c->st, s.id, NULL, 0, c->owner, &s.cap, &em2) == HEARTH_OK &&
        !strcmp(s.cap.state, HEARTH_CAP_RUNNING)) {
        hearth_log(HEARTH_LOG_INFO, "capture_resumed", "capture %s: resumed (restart %d)", s.id,
                   s.cap.restarts);
        push_job(c, s.id, s.name, "", &s.cap, &em2);
    }
    hearth_series_release(&s);
}

/* Every lease_s / 3: renew the leases held, drop the lost ones, and (shared metadata) take the
 * captures whose owner died. */
static void *leaser_main(void *arg)
{
    struct hearth_captures *c = arg;
    int64_t period = (int64_t)c->lease_s * 1000 / 3;

    if (period < 200)
        period = 200;
    pthread_mutex_lock(&c->lock);
    while (!c->quit) {
        int64_t until = hearth_now_ms() + period;
        struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000};
        size_t i = 0;

        while (i < c->njobs) {
            struct hearth_errmsg em = {{0}};
            bool mine = true;
            if (hearth_capture_renew(c->st, c->jobs[i].series, c->owner, c->lease_s, &mine, &em) ==
                    HEARTH_OK &&
                !mine) {
                hearth_log(HEARTH_LOG_INFO, "capture_released",
                           "capture %s: stopped or run by another server now", c->jobs[i].series);
                if (c->jobs[i].busy) {
                    c->jobs[i].lost = true; /* its thread drops it when the snapshot ends */
                } else {
                    drop_job(c, i);
                    continue;
                }
            }
            i++;
        }
        if (c->shared) {
            char(*ids)[HEARTH_ID_LEN + 1] = NULL;
            size_t n = 0;
            struct hearth_errmsg em = {{0}};
            /* one that cannot fetch takes them to say so (interrupted), as one server does */
            int room = c->can_fetch ? c->max_running - (int)(c->njobs + c->npending) : 100;
            if (hearth_capture_claim(c->st, c->owner, c->lease_s, false, room, &ids, &n, &em) ==
                HEARTH_OK) {
                for (i = 0; i < n; i++)
                    adopt(c, ids[i]);
                if (n)
                    pthread_cond_broadcast(&c->cond);
            }
            free(ids);
        }
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

enum hearth_err hearth_captures_start(struct hearth_store *st, hearth_snapshot_fn fn, void *ctx,
                                      bool can_fetch, int max_running, int max_per_client,
                                      int lease_s, const char *owner, struct hearth_captures **out,
                                      struct hearth_errmsg *em)
{
    struct hearth_captures *c = calloc(1, sizeof(*c));
    char(*ids)[HEARTH_ID_LEN + 1] = NULL;
    size_t n = 0, i;
    enum hearth_err e;

    *out = NULL;
    if (!c)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    c->st = st;
    c->fn = fn;
    c->ctx = ctx;
    c->max_running = max_running;
    c->max_per_client = max_per_client;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->pending = calloc((size_t)(max_running > 0 ? max_running : 1), sizeof(*c->pending));
    if (!c->pending) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    if (owner && *owner)
        snprintf(c->owner, sizeof(c->owner), "%.*s", HEARTH_ID_LEN, owner);
    else
        hearth_id_new(c->owner);
    c->lease_s = lease_s;
    c->shared = hearth_capture_shared(st);
    c->can_fetch = can_fetch;
    /* the only server: every capture stored as running is this one's; shared: the expired
     * ones and this server's own (it restarted), before the first request */
    e = hearth_capture_claim(st, c->owner, lease_s, !c->shared,
                             c->shared && can_fetch ? max_running : 1000000, &ids, &n, em);
    if (e)
        goto out_fail;
    for (i = 0; i < n; i++)
        adopt(c, ids[i]);
    free(ids);
    for (i = 0; i < CAPTURE_WORKERS; i++) {
        if (pthread_create(&c->threads[i], NULL, run, c) != 0) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot start the capture threads");
            goto out_fail;
        }
        c->nthreads++;
    }
    if (pthread_create(&c->leaser, NULL, leaser_main, c) != 0) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot start the capture threads");
        goto out_fail;
    }
    c->leaser_running = true;
    *out = c;
    return HEARTH_OK;
out_fail:
    hearth_captures_stop(c);
    return e;
}

void hearth_captures_stop(struct hearth_captures *c)
{
    size_t i;

    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->quit = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    for (i = 0; i < (size_t)c->nthreads; i++)
        pthread_join(c->threads[i], NULL);
    if (c->leaser_running)
        pthread_join(c->leaser, NULL);
    /* a clean stop gives the leases back: this server restarted, or another, resumes at once */
    for (i = 0; c->shared && i < c->njobs; i++) {
        struct hearth_errmsg em = {{0}};
        hearth_capture_release(c->st, c->jobs[i].series, c->owner, &em);
    }
    for (i = 0; i < c->njobs; i++)
        job_release(&c->jobs[i]);
    free(c->jobs);
    free(c->pending);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Seconds until the first of the matching captures ends (client NULL: any). Lock held. */
static int first_end_s(const struct hearth_captures *c, const char *client)
{
    int64_t best = INT64_MAX, now = hearth_now_ms();
    size_t i;

    for (i = 0; i < c->njobs; i++) {
        const struct hearth_capture_row *r = &c->jobs[i].row;
        int64_t left = r->count - r->taken - r->failed, end;
        if (client && strcmp(c->jobs[i].client, client) != 0)
            continue;
        end = (r->next_at > now ? r->next_at : now) +
              (left > 1 ? left - 1 : 0) * r->interval_s * 1000;
        if (end < best)
            best = end;
    }
    if (best == INT64_MAX)
        return 5; /* only captures being started: they take a fetch */
    best = (best - now + 999) / 1000;
    return best < 1 ? 1 : best > 3600 ? 3600 : (int)best;
}

enum hearth_err hearth_captures_reserve(struct hearth_captures *c, const char *client, int *retry_s,
                                        struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;
    size_t i;
    int mine = 0;

    *retry_s = 0;
    pthread_mutex_lock(&c->lock);
    for (i = 0; i < c->njobs; i++)
        mine += !strcmp(c->jobs[i].client, client);
    for (i = 0; i < c->npending; i++)
        mine += !strcmp(c->pending[i], client);
    if ((int)(c->njobs + c->npending) >= c->max_running) {
        *retry_s = first_end_s(c, NULL);
        e = hearth_errmsg_set(em, HEARTH_E_BUSY,
                              "%d captures are running on this server (its limit); retry when "
                              "one ends",
                              c->max_running);
    } else if (mine >= c->max_per_client) {
        *retry_s = first_end_s(c, client);
        e = hearth_errmsg_set(em, HEARTH_E_TOO_MANY,
                              "you have %d captures running (the limit per client); stop one "
                              "or retry when one ends",
                              mine);
    } else {
        snprintf(c->pending[c->npending++], HEARTH_CLIENT_LEN, "%s", client);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

enum hearth_err hearth_captures_reserve_more(struct hearth_captures *c, int *retry_s,
                                             struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;

    *retry_s = 0;
    pthread_mutex_lock(&c->lock);
    if ((int)(c->njobs + c->npending) >= c->max_running) {
        *retry_s = first_end_s(c, NULL);
        e = hearth_errmsg_set(em, HEARTH_E_BUSY,
                              "%d captures are running on this server (its limit; each target of "
                              "a group is one); retry when one ends",
                              c->max_running);
    } else {
        snprintf(c->pending[c->npending++], HEARTH_CLIENT_LEN, "%s", HEARTH_CLIENT_GROUP);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Drop one reservation of client. Lock held. */
static void unreserve(struct hearth_captures *c, const char *client)
{
    size_t i;

    for (i = 0; i < c->npending; i++)
        if (!strcmp(c->pending[i], client)) {
            memcpy(c->pending[i], c->pending[--c->npending], HEARTH_CLIENT_LEN);
            return;
        }
}

void hearth_captures_unreserve(struct hearth_captures *c, const char *client)
{
    pthread_mutex_lock(&c->lock);
    unreserve(c, client);
    pthread_mutex_unlock(&c->lock);
}

enum hearth_err hearth_captures_add(struct hearth_captures *c, const char *series, const char *name,
                                    const char *client, const struct hearth_capture_row *row,
                                    struct hearth_errmsg *em)
{
    enum hearth_err e;

    size_t i;

    pthread_mutex_lock(&c->lock);
    unreserve(c, client);
    for (i = 0; i < c->njobs; i++)
        if (!strcmp(c->jobs[i].series, series))
            break;
    if (i < c->njobs) {
        /* taken over already by this server's own lease pass (a row stored without a lease):
         * the new row is the truth */
        struct hearth_capture_row nr;
        if (!c->jobs[i].busy && row_copy(&nr, row)) {
            hearth_capture_row_release(&c->jobs[i].row);
            c->jobs[i].row = nr;
        }
        snprintf(c->jobs[i].client, sizeof(c->jobs[i].client), "%s", client);
        e = HEARTH_OK;
    } else {
        e = push_job(c, series, name, client, row, em);
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return e;
}

enum hearth_err hearth_captures_cancel(struct hearth_captures *c, const char *series,
                                       struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;
    size_t i;

    pthread_mutex_lock(&c->lock);
    for (i = 0; i < c->njobs; i++)
        if (!strcmp(c->jobs[i].series, series))
            break;
    if (i == c->njobs) {
        /* run by another server (or none): the owner sees "stopped" at its next step */
        e = hearth_capture_stop(c->st, series, hearth_now_ms(), em);
        pthread_mutex_unlock(&c->lock);
        return e;
    }
    snprintf(c->jobs[i].row.state, sizeof(c->jobs[i].row.state), "%s", HEARTH_CAP_STOPPED);
    c->jobs[i].row.next_at = 0;
    c->jobs[i].row.updated = hearth_now_ms();
    e = hearth_capture_record(c->st, series, NULL, 0, NULL, &c->jobs[i].row, em);
    if (!c->jobs[i].busy)
        drop_job(c, i); /* a busy job is dropped by the thread when its snapshot ends */
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return e;
}

const char *hearth_captures_owner(const struct hearth_captures *c)
{
    return c->owner;
}

int hearth_captures_lease_s(const struct hearth_captures *c)
{
    return c->lease_s;
}
