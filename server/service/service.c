/*
 * service.c - the service floor: caches, slots, ingest, fetch and the
 * background jobs; see include/hearth/service.h. Never includes civetweb.
 */
#define _GNU_SOURCE
#include "hearth/service.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth/capture.h"
#include "hearth/fetch.h"
#include "hearth/jsonw.h"
#include "hearth/log.h"
#include "hearth/memstats.h"
#include "hearth/memstats_svc.h"
#include "hearth/metrics.h"
#include "hearth/series.h"

#include "hearth/banned.h"

#define VIEW_CACHE_SHARE 4 /* views get 1/4 of --cache-mb, profiles the rest */

/*
 * Ad-hoc outbound fetches at once (/api/fetch and a capture's first
 * snapshot): each may hold a remote CPU profile for its seconds. Running
 * captures do not use these: they have their own workers (capture.c).
 */
#define FETCH_SLOTS 2

struct hearth_service {
    const struct hearth_config *cfg;
    struct hearth_store *store;
    struct hearth_cache *profiles, *views;
    struct hearth_fetcher *fetcher;
    struct hearth_captures *captures;
    sem_t decode_sem, upload_sem, fetch_sem;
    sem_t view_sem; /* --view-slots: cache-missing view computations */
    /* the retention sweep (--retention-days): its thread waits on cond until stop */
    pthread_t retention_thread;
    bool retention_running, stopping;
    /* the blob collection (shared metadata only): same lock, cond and stopping */
    pthread_t gc_thread;
    bool gc_running;
    pthread_t thin_thread; /* the thinning passes (thin_svc.c) */
    bool thin_running;
    struct hearth_prefetch *prefetch; /* views_svc.c: other sample types' flame graphs */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    time_t started; /* for uptime_s */
};

/* A slot of kind k, waiting up to wait_ms when none is free (counted for /metrics). */
static bool take_slot(sem_t *s, enum hearth_slot k, size_t wait_ms)
{
    struct timespec ts;

    if (sem_trywait(s) == 0)
        return true;
    if (wait_ms == 0) {
        hearth_metrics_slot_busy(k);
        return false;
    }
    hearth_metrics_slot_wait(k);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(wait_ms / 1000);
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(s, &ts) != 0)
        if (errno != EINTR) {
            hearth_metrics_slot_busy(k);
            return false;
        }
    return true;
}

void hearth_clean_name(const char *in, char *out, size_t outsz)
{
    size_t i, o = 0;

    for (i = 0; in[i] && o + 1 < outsz && o < 200; i++) {
        unsigned char ch = (unsigned char)in[i];
        out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    out[o] = '\0';
}

/* ---- decoded profiles (cached) ---- */

static void profile_free_cb(void *v)
{
    hearth_profile_free(v);
}

enum hearth_err hearth_service_profile(struct hearth_service *svc, const char *blob,
                                       const struct hearth_profile **out,
                                       struct hearth_cache_ref **ref, struct hearth_errmsg *em)
{
    struct hearth_profile *p;
    unsigned char *bytes = NULL;
    size_t n = 0;
    enum hearth_err e;
    void *v;

    *out = hearth_cache_get(svc->profiles, blob, ref);
    if (*out)
        return HEARTH_OK;
    if (!take_slot(&svc->decode_sem, HEARTH_SLOT_DECODE, svc->cfg->decode_wait_ms))
        return hearth_errmsg_set(em, HEARTH_E_BUSY, "the server is busy decoding; retry shortly");
    /* another request may have decoded it while we waited */
    *out = hearth_cache_recheck(svc->profiles, blob, ref);
    if (*out) {
        sem_post(&svc->decode_sem);
        return HEARTH_OK;
    }
    e = hearth_store_read_blob(svc->store, blob, svc->cfg->lim.max_input, &bytes, &n, em);
    if (!e)
        e = hearth_profile_decode(bytes, n, &svc->cfg->lim, &p, em);
    free(bytes);
    sem_post(&svc->decode_sem);
    if (e)
        return e;
    hearth_profile_trim(p);
    v = hearth_cache_put(svc->profiles, blob, p, hearth_profile_footprint(p), profile_free_cb, ref);
    if (!v)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    *out = v;
    return HEARTH_OK;
}

void hearth_service_profile_facts(const struct hearth_profile *p, struct hearth_buf *b)
{
    struct hearth_jsonw w;
    uint32_t i, di = 0;
    struct hearth_str s;

    hearth_profile_sample_index(p, NULL, &di, NULL);
    hearth_jsonw_init(&w, b);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "sample_types");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < p->ntypes; i++) {
        hearth_jsonw_obj_open(&w);
        s = hearth_pstr(p, p->type_name[i]);
        hearth_jsonw_key(&w, "type");
        hearth_jsonw_str(&w, s.ptr, s.len);
        s = hearth_pstr(p, p->type_unit[i]);
        hearth_jsonw_key(&w, "unit");
        hearth_jsonw_str(&w, s.ptr, s.len);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    s = hearth_pstr(p, p->type_name[di]);
    hearth_jsonw_key(&w, "default_sample_type");
    hearth_jsonw_str(&w, s.ptr, s.len);
    hearth_jsonw_key(&w, "period_type");
    hearth_jsonw_obj_open(&w);
    s = hearth_pstr(p, p->period_type);
    hearth_jsonw_key(&w, "type");
    hearth_jsonw_str(&w, s.ptr, s.len);
    s = hearth_pstr(p, p->period_unit);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_str(&w, s.ptr, s.len);
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_key(&w, "period");
    hearth_jsonw_int(&w, p->period);
    hearth_jsonw_key(&w, "time_nanos");
    hearth_jsonw_int(&w, p->time_nanos);
    hearth_jsonw_key(&w, "duration_nanos");
    hearth_jsonw_int(&w, p->duration_nanos);
    hearth_jsonw_key(&w, "comments");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < p->ncomments && i < 100; i++) {
        s = hearth_pstr(p, p->comments[i]);
        hearth_jsonw_str(&w, s.ptr, s.len > 1000 ? 1000 : s.len);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "samples");
    hearth_jsonw_int(&w, (int64_t)p->nsamples);
    hearth_jsonw_key(&w, "sample_messages");
    hearth_jsonw_int(&w, (int64_t)(p->nsample_msgs ? p->nsample_msgs : p->nsamples));
    hearth_jsonw_key(&w, "locations");
    hearth_jsonw_int(&w, p->nloc);
    hearth_jsonw_key(&w, "functions");
    hearth_jsonw_int(&w, p->nfunc);
    s = p->fake_mapping ? hearth_pstr(p, 0) : hearth_pstr(p, p->map_file[0]);
    hearth_jsonw_key(&w, "main_binary");
    hearth_jsonw_str(&w, s.ptr, s.len > 500 ? 500 : s.len);
    if (p->converted_from) { /* a legacy format, read as pprof reads it */
        hearth_jsonw_key(&w, "converted_from");
        hearth_jsonw_cstr(&w, p->converted_from);
    }
    {
        char race[201];
        hearth_msvc_race_frame(p, race, sizeof(race));
        if (*race) { /* built with -race (hints.h) */
            hearth_jsonw_key(&w, "race_frame");
            hearth_jsonw_cstr(&w, race);
        }
    }
    hearth_jsonw_obj_close(&w);
}

/* ---- ingest: upload, fetch and capture snapshots end here ---- */

void hearth_service_meta_json(struct hearth_jsonw *w, const struct hearth_service *svc,
                              const struct hearth_meta *m)
{
    char url[512];

    hearth_meta_json_fields(w, m);
    snprintf(url, sizeof(url), "%s/p/%s", svc->cfg->base_path, m->id);
    hearth_jsonw_key(w, "url");
    hearth_jsonw_cstr(w, url);
    /* the info object's fields, inlined */
    if (m->info_json && m->info_json[0] == '{' && m->info_json[1] != '}') {
        hearth_buf_addch(w->b, ',');
        hearth_buf_add(w->b, m->info_json + 1, strlen(m->info_json) - 2);
    }
}

/*
 * Decode, validate, store: the common end of upload, fetch and capture.
 * Fills m (release it) and the delete token.
 */
static enum hearth_err ingest(struct hearth_service *svc, const unsigned char *bytes, size_t n,
                              const char *name, const char *source, struct hearth_meta *m,
                              char token[HEARTH_TOKEN_LEN + 1], int64_t *inuse,
                              struct hearth_errmsg *em);

enum hearth_err hearth_service_ingest(struct hearth_service *svc, const unsigned char *bytes,
                                      size_t n, const char *name, const char *source,
                                      struct hearth_meta *m, char token[HEARTH_TOKEN_LEN + 1],
                                      struct hearth_errmsg *em)
{
    int64_t inuse;

    return ingest(svc, bytes, n, name, source, m, token, &inuse, em);
}

/* *inuse: the profile's inuse_space total (-1: none), for its runtime memory (memstats_svc.h). */
static enum hearth_err ingest(struct hearth_service *svc, const unsigned char *bytes, size_t n,
                              const char *name, const char *source, struct hearth_meta *m,
                              char token[HEARTH_TOKEN_LEN + 1], int64_t *inuse,
                              struct hearth_errmsg *em)
{
    struct hearth_profile *p = NULL;
    struct hearth_cache_ref *ref = NULL;
    struct hearth_buf info;
    enum hearth_err e;
    bool big;

    memset(m, 0, sizeof(*m));
    if (!take_slot(&svc->decode_sem, HEARTH_SLOT_DECODE, svc->cfg->decode_wait_ms))
        return hearth_errmsg_set(em, HEARTH_E_BUSY, "the server is busy decoding; retry shortly");
    e = hearth_profile_decode(bytes, n, &svc->cfg->lim, &p, em);
    sem_post(&svc->decode_sem);
    if (e) {
        if (e == HEARTH_E_TOO_LARGE || n > HEARTH_TRIM_BYTES / 16)
            malloc_trim(0); /* a refused bomb's gunzip buffer */
        return e;
    }
    hearth_buf_init(&info, 1 << 20);
    hearth_service_profile_facts(p, &info);
    e = hearth_store_put(svc->store, bytes, n, name, source, info.ptr ? info.ptr : "{}", m, token,
                         em);
    hearth_buf_release(&info);
    if (e) {
        hearth_profile_free(p);
        return e;
    }
    /* a ?debug=1 heap file ends with the runtime's MemStats: keep them with the profile */
    *inuse = hearth_msvc_inuse_total(p);
    hearth_msvc_record_debug1(svc, m->id, bytes, n, *source ? source : "upload", *inuse);
    /* keep the decoded profile: the first view need not decode again */
    big = p->bytes > HEARTH_TRIM_BYTES;
    hearth_profile_trim(p);
    if (hearth_cache_put(svc->profiles, m->blob, p, hearth_profile_footprint(p), profile_free_cb,
                         &ref))
        hearth_cache_release(svc->profiles, ref);
    if (big)
        malloc_trim(0); /* the decoder's scratch, and a profile the cache did not keep */
    return HEARTH_OK;
}

enum hearth_err hearth_service_fetch_ingest(struct hearth_service *svc, const char *url,
                                            const char *name, bool scheduled, struct hearth_meta *m,
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em)
{
    struct hearth_errmsg detail = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    char cleaned[512];
    int64_t inuse = -1;
    enum hearth_err e;

    memset(m, 0, sizeof(*m));
    if (!svc->fetcher)
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "fetching is disabled on this server (set --fetch-allow)");
    if (!scheduled && !take_slot(&svc->fetch_sem, HEARTH_SLOT_FETCH, 0)) {
        hearth_metrics_fetch(scheduled, HEARTH_E_BUSY);
        return hearth_errmsg_set(
            em, HEARTH_E_BUSY, "no fetch slot is free (other fetches are running); retry shortly");
    }
    e = hearth_fetch(svc->fetcher, url, &body, &len, em, &detail);
    if (!scheduled)
        sem_post(&svc->fetch_sem);
    if (e) {
        if (strcmp(detail.msg, em->msg) != 0)
            hearth_log(HEARTH_LOG_WARN, "fetch_error", "fetch %.300s: %s", url, detail.msg);
        e = e == HEARTH_E_IO ? HEARTH_E_UPSTREAM : e; /* the other server failed, not us */
        hearth_metrics_fetch(scheduled, e);
        return e;
    }
    hearth_clean_name(name, cleaned, sizeof(cleaned));
    e = ingest(svc, body, len, cleaned, url, m, token, &inuse, em);
    /* a Go heap snapshot: the same process's runtime memory, now (never fails the snapshot) */
    if (!e && inuse >= 0 && !hearth_memstats_in_debug1(body, len))
        hearth_msvc_fetch_record(svc, svc->fetcher, url, m->id, inuse);
    free(body);
    hearth_metrics_fetch(scheduled, e);
    return e;
}

/* ---- slots ---- */

bool hearth_service_upload_slot(struct hearth_service *svc)
{
    return take_slot(&svc->upload_sem, HEARTH_SLOT_UPLOAD, 0);
}

void hearth_service_upload_done(struct hearth_service *svc)
{
    sem_post(&svc->upload_sem);
}

bool hearth_service_view_slot(struct hearth_service *svc, struct hearth_errmsg *em)
{
    if (take_slot(&svc->view_sem, HEARTH_SLOT_VIEW, svc->cfg->decode_wait_ms))
        return true;
    hearth_errmsg_set(em, HEARTH_E_BUSY,
                      "the server is busy computing other views (--view-slots); retry shortly");
    return false;
}

bool hearth_service_view_slot_try(struct hearth_service *svc)
{
    return sem_trywait(&svc->view_sem) == 0;
}

struct hearth_prefetch *hearth_service_prefetch(struct hearth_service *svc)
{
    return svc->prefetch;
}

void hearth_service_view_done(struct hearth_service *svc, bool big)
{
    sem_post(&svc->view_sem);
    /* give the pages of a big request back, so RSS falls after a burst */
    if (big)
        malloc_trim(0);
}

/* ---- background jobs ---- */

/* Seconds between two retention sweeps (the first runs at start). */
#define RETENTION_EVERY_S 3600

/* Delete the profiles older than --retention-days, now and then every hour, until stop. */
static void *retention_main(void *arg)
{
    struct hearth_service *svc = arg;
    struct timespec until;
    time_t now;
    int n;

    pthread_mutex_lock(&svc->lock);
    while (!svc->stopping) {
        pthread_mutex_unlock(&svc->lock);
        struct hearth_errmsg em = {{0}};
        now = time(NULL);
        if (hearth_store_expire(svc->store,
                                ((int64_t)now - (int64_t)svc->cfg->retention_days * 86400) * 1000,
                                &n, &em))
            hearth_log(HEARTH_LOG_ERROR, "retention_error", "retention sweep failed: %s", em.msg);
        else if (n > 0)
            hearth_log(HEARTH_LOG_INFO, "retention",
                       "retention: deleted %d profiles older than %zu days", n,
                       svc->cfg->retention_days);
        hearth_metrics_retention(n);
        pthread_mutex_lock(&svc->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += RETENTION_EVERY_S;
        while (!svc->stopping && pthread_cond_timedwait(&svc->cond, &svc->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&svc->lock);
    return NULL;
}

/* Collect the blobs unused for --blob-gc-grace-seconds, every half of that (at most 5 min), until
 * stop. Only with shared metadata (hearth_store_gc_blobs). */
static void *gc_main(void *arg)
{
    struct hearth_service *svc = arg;
    int64_t grace_ms = (int64_t)svc->cfg->blob_gc_grace_s * 1000;
    int64_t every_ms = grace_ms / 2 > 300000 ? 300000 : grace_ms / 2 < 500 ? 500 : grace_ms / 2;
    struct timespec until;
    int n;

    pthread_mutex_lock(&svc->lock);
    while (!svc->stopping) {
        struct hearth_errmsg em = {{0}};
        int64_t ns;
        clock_gettime(CLOCK_REALTIME, &until);
        ns = (int64_t)until.tv_nsec + (every_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(every_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!svc->stopping && pthread_cond_timedwait(&svc->cond, &svc->lock, &until) == 0)
            ;
        if (svc->stopping)
            break;
        pthread_mutex_unlock(&svc->lock);
        if (hearth_store_gc_blobs(svc->store, grace_ms, &n, &em))
            hearth_log(HEARTH_LOG_WARN, "blob_gc_error", "blob collection failed: %s", em.msg);
        else if (n > 0)
            hearth_log(HEARTH_LOG_INFO, "blob_gc", "deleted %d unused blobs", n);
        pthread_mutex_lock(&svc->lock);
    }
    pthread_mutex_unlock(&svc->lock);
    return NULL;
}

/* Thin the series that asked for it, every --thin-pass-seconds, until stop. */
static void *thin_main(void *arg)
{
    struct hearth_service *svc = arg;
    struct timespec until;

    pthread_mutex_lock(&svc->lock);
    while (!svc->stopping) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)svc->cfg->thin_pass_s;
        while (!svc->stopping && pthread_cond_timedwait(&svc->cond, &svc->lock, &until) == 0)
            ;
        if (svc->stopping)
            break;
        pthread_mutex_unlock(&svc->lock);
        hearth_service_thin_pass(svc);
        pthread_mutex_lock(&svc->lock);
    }
    pthread_mutex_unlock(&svc->lock);
    return NULL;
}

/* A scheduled snapshot: the server's fetch rules, on a capture worker (not an ad-hoc slot). */
static enum hearth_err snapshot(void *ctx, const char *url, const char *name,
                                char profile_id[HEARTH_ID_LEN + 1], struct hearth_errmsg *em)
{
    struct hearth_meta m;
    char token[HEARTH_TOKEN_LEN + 1];
    enum hearth_err e = hearth_service_fetch_ingest(ctx, url, name, true, &m, token, em);

    if (!e)
        snprintf(profile_id, HEARTH_ID_LEN + 1, "%s", m.id);
    hearth_meta_release(&m);
    return e;
}

enum hearth_err hearth_service_start_jobs(struct hearth_service *svc, struct hearth_errmsg *em)
{
    enum hearth_err e;
    char host[256] = "", seed[600], hash[HEARTH_SHA256_HEX + 1], owner[HEARTH_ID_LEN + 1];
    char *real;

    /* this server's name in the captures' leases: its host and data folder, so a restart takes
     * its own captures back at once and replicas (each its own folder) differ */
    gethostname(host, sizeof(host) - 1);
    real = realpath(svc->cfg->data_dir, NULL);
    snprintf(seed, sizeof(seed), "%.255s:%.300s", host, real ? real : svc->cfg->data_dir);
    free(real);
    hearth_sha256_hex(seed, strlen(seed), hash);
    snprintf(owner, sizeof(owner), "%.*s", HEARTH_ID_LEN, hash);

    e = hearth_captures_start(svc->store, snapshot, svc, svc->fetcher != NULL,
                              (int)svc->cfg->max_captures, (int)svc->cfg->max_captures_per_client,
                              (int)svc->cfg->capture_lease_s, owner, &svc->captures, em);
    if (e)
        return e;
    if (svc->cfg->retention_days) {
        if (pthread_create(&svc->retention_thread, NULL, retention_main, svc) != 0)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot start the retention thread");
        svc->retention_running = true;
    }
    if (pthread_create(&svc->thin_thread, NULL, thin_main, svc) != 0)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot start the thinning thread");
    svc->thin_running = true;
    if (hearth_capture_shared(svc->store)) {
        if (pthread_create(&svc->gc_thread, NULL, gc_main, svc) != 0)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot start the blob collection");
        svc->gc_running = true;
    }
    return HEARTH_OK;
}

void hearth_service_stop_jobs(struct hearth_service *svc)
{
    if (!svc)
        return;
    hearth_captures_stop(svc->captures); /* running captures resume at the next start */
    svc->captures = NULL;
    pthread_mutex_lock(&svc->lock);
    svc->stopping = true;
    pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->lock);
    if (svc->retention_running) {
        pthread_join(svc->retention_thread, NULL);
        svc->retention_running = false;
    }
    if (svc->thin_running) {
        pthread_join(svc->thin_thread, NULL);
        svc->thin_running = false;
    }
    if (svc->gc_running) {
        pthread_join(svc->gc_thread, NULL);
        svc->gc_running = false;
    }
    hearth_prefetch_stop(svc->prefetch);
}

/* ---- open / close ---- */

enum hearth_err hearth_service_open(const struct hearth_config *cfg, struct hearth_service **out,
                                    struct hearth_errmsg *em)
{
    struct hearth_service *svc = calloc(1, sizeof(*svc));
    struct hearth_store_opts so = {.dir = cfg->data_dir,
                                   .metadata = cfg->metadata,
                                   .blobs = cfg->blobs,
                                   .s3_endpoint = cfg->s3_endpoint,
                                   .s3_region = cfg->s3_region,
                                   .blob_max = cfg->max_upload_mb << 20};
    enum hearth_err e;

    *out = NULL;
    if (!svc)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    svc->cfg = cfg;
    svc->started = time(NULL);
    pthread_mutex_init(&svc->lock, NULL);
    pthread_cond_init(&svc->cond, NULL);
    sem_init(&svc->decode_sem, 0, (unsigned)cfg->decode_slots);
    sem_init(&svc->view_sem, 0, (unsigned)cfg->view_slots);
    sem_init(&svc->upload_sem, 0, (unsigned)cfg->upload_slots);
    sem_init(&svc->fetch_sem, 0, FETCH_SLOTS);
    e = hearth_store_open_opts(&so, &svc->store, em);
    if (e)
        goto out_fail;
    svc->profiles =
        hearth_cache_new((cfg->cache_mb << 20) / VIEW_CACHE_SHARE * (VIEW_CACHE_SHARE - 1));
    svc->views = hearth_cache_new((cfg->cache_mb << 20) / VIEW_CACHE_SHARE);
    svc->prefetch = hearth_prefetch_new(svc);
    if (!svc->profiles || !svc->views || !svc->prefetch) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    if (*cfg->fetch_allow) {
        struct hearth_fetch_opts fo = {cfg->fetch_allow,
                                       cfg->max_upload_mb << 20,
                                       (long)cfg->fetch_timeout_s,
                                       (long)cfg->max_fetch_seconds,
                                       cfg->listen,
                                       false};
        e = hearth_fetcher_new(&fo, &svc->fetcher, em);
        if (e)
            goto out_fail;
    }
    *out = svc;
    return HEARTH_OK;
out_fail:
    hearth_service_close(svc);
    return e;
}

void hearth_service_close(struct hearth_service *svc)
{
    if (!svc)
        return;
    hearth_service_stop_jobs(svc);
    hearth_fetcher_free(svc->fetcher);
    hearth_prefetch_free(svc->prefetch);
    hearth_cache_free(svc->views);
    hearth_cache_free(svc->profiles);
    hearth_store_close(svc->store);
    sem_destroy(&svc->decode_sem);
    sem_destroy(&svc->view_sem);
    sem_destroy(&svc->upload_sem);
    sem_destroy(&svc->fetch_sem);
    pthread_cond_destroy(&svc->cond);
    pthread_mutex_destroy(&svc->lock);
    free(svc);
}

const struct hearth_config *hearth_service_config(const struct hearth_service *svc)
{
    return svc->cfg;
}

struct hearth_store *hearth_service_store(struct hearth_service *svc)
{
    return svc->store;
}

struct hearth_cache *hearth_service_profiles(struct hearth_service *svc)
{
    return svc->profiles;
}

struct hearth_cache *hearth_service_views(struct hearth_service *svc)
{
    return svc->views;
}

struct hearth_captures *hearth_service_captures(struct hearth_service *svc)
{
    return svc->captures;
}

bool hearth_service_can_fetch(const struct hearth_service *svc)
{
    return svc->fetcher != NULL;
}

enum hearth_err hearth_service_check_url(const struct hearth_service *svc, const char *url,
                                         struct hearth_errmsg *em)
{
    if (!svc->fetcher)
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "fetching is disabled on this server (set --fetch-allow)");
    return hearth_fetch_check_url(svc->fetcher, url, em);
}

/* ---- health, readiness, metrics ---- */

bool hearth_service_health(struct hearth_service *svc, struct hearth_buf *out)
{
    struct hearth_errmsg em = {{0}};
    size_t pe, pb, ve, vb;
    bool degraded = hearth_store_check(svc->store, &em) != HEARTH_OK;

    hearth_cache_stats(svc->profiles, &pe, &pb);
    hearth_cache_stats(svc->views, &ve, &vb);
    hearth_buf_printf(out,
                      "{\"status\":\"%s\",\"profiles\":%" PRId64 ",\"uptime_s\":%ld,"
                      "\"cache\":{\"profiles\":%zu,\"profile_bytes\":%zu,\"views\":%zu,"
                      "\"view_bytes\":%zu}",
                      degraded ? "degraded" : "ok", hearth_store_count(svc->store),
                      (long)(time(NULL) - svc->started), pe, pb, ve, vb);
    if (degraded) {
        hearth_buf_addstr(out, ",\"reason\":");
        hearth_json_escape(out, em.msg, strlen(em.msg));
    }
    hearth_buf_addstr(out, "}\n");
    return !degraded;
}

enum hearth_err hearth_service_ready(struct hearth_service *svc, struct hearth_errmsg *em)
{
    return hearth_store_ready(svc->store, em);
}

/* Resident set size of this process in bytes (Linux /proc), 0 if unknown. */
static double rss_bytes(void)
{
    char buf[128];
    FILE *f = fopen("/proc/self/statm", "re");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    char *p, *end;
    unsigned long long pages;

    if (f)
        fclose(f);
    buf[n] = '\0';
    p = strchr(buf, ' ');
    if (!p)
        return 0;
    pages = strtoull(p + 1, &end, 10);
    return end == p + 1 ? 0 : (double)pages * (double)sysconf(_SC_PAGESIZE);
}

/*
 * One family over both caches (a family's samples stay together): which
 * 0/1/5 entries/bytes/budget (gauges), 2/3/4 hits/misses/evictions (counters).
 */
static void cache_family(struct hearth_buf *b, const char *name, const char *help,
                         struct hearth_service *svc, int which)
{
    struct hearth_cache *cs[2] = {svc->profiles, svc->views};
    static const char *const cname[2] = {"profiles", "views"};
    int i;

    hearth_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                      which < 2 || which == 5 ? "gauge" : "counter");
    for (i = 0; i < 2; i++) {
        uint64_t v[6];
        size_t entries, bytes;
        hearth_cache_stats(cs[i], &entries, &bytes);
        hearth_cache_counters(cs[i], &v[2], &v[3], &v[4]);
        v[0] = entries;
        v[1] = bytes;
        v[5] = hearth_cache_budget(cs[i]);
        hearth_buf_printf(b, "%s{cache=\"%s\"} %llu\n", name, cname[i],
                          (unsigned long long)v[which]);
    }
}

enum hearth_err hearth_service_metrics(struct hearth_service *svc, struct hearth_buf *out,
                                       struct hearth_errmsg *em)
{
    static const char *const states[HEARTH_CAP_NSTATES] = {"running", "done", "stopped",
                                                           "interrupted", "failed"};
    int64_t nseries, caps[HEARTH_CAP_NSTATES];
    enum hearth_err e;
    char labels[64];
    int i;

    e = hearth_series_counts(svc->store, &nseries, caps, em);
    if (e)
        return e;
    hearth_metrics_write(out);
    cache_family(out, "hearth_cache_entries",
                 "Entries held by a cache (profiles: decoded profiles; views: rendered answers).",
                 svc, 0);
    cache_family(out, "hearth_cache_bytes",
                 "Bytes malloc holds for a cache's entries (values, nodes and keys, slack "
                 "included); never above its budget.",
                 svc, 1);
    cache_family(out, "hearth_cache_budget_bytes",
                 "A cache's budget (--cache-mb: 3/4 for profiles, 1/4 for views).", svc, 5);
    cache_family(out, "hearth_cache_hits_total", "Cache lookups that found their entry.", svc, 2);
    cache_family(out, "hearth_cache_misses_total", "Cache lookups that did not find it.", svc, 3);
    cache_family(out, "hearth_cache_evictions_total",
                 "Entries a cache dropped to stay within its budget.", svc, 4);
    hearth_metrics_gauge(out, "hearth_profiles_stored", "Profiles in the store.", "",
                         (double)hearth_store_count(svc->store));
    hearth_metrics_gauge(out, "hearth_series_stored", "Series in the store (captures included).",
                         "", (double)nseries);
    for (i = 0; i < HEARTH_CAP_NSTATES; i++) {
        snprintf(labels, sizeof(labels), "state=\"%s\"", states[i]);
        hearth_metrics_gauge(out, "hearth_captures", i ? NULL : "Captures by state.", labels,
                             (double)caps[i]);
    }
    hearth_metrics_gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "",
                         rss_bytes());
    hearth_metrics_gauge(out, "hearth_uptime_seconds", "Seconds since the server started.", "",
                         (double)(time(NULL) - svc->started));
    return HEARTH_OK;
}
