/*
 * service_int.h - the state of a struct hearth_service, shared by the
 * service context (service_ctx.c: accessors, slots, the profile cache) and
 * the facade (service.c: open, close, background jobs, health, metrics).
 * No other file includes it: the other service modules use the accessors
 * of include/hearth/service_ctx.h.
 */
#ifndef HEARTH_SERVICE_INT_H
#define HEARTH_SERVICE_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <time.h>

#include "hearth/service_ctx.h"

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

#endif /* HEARTH_SERVICE_INT_H */
