/*
 * service.c - the service floor's facade: open and close (the context of
 * service_ctx.c, the prefetch of views_svc.c), the background jobs
 * (captures, retention, blob collection, thinning), health, readiness and
 * metrics; see include/hearth/service.h. Never includes civetweb.
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
#include "hearth/metrics.h"
#include "hearth/series.h"

#include "service_int.h"

#include "hearth/banned.h"

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
