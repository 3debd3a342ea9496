/*
 * service.h - what the server does, without HTTP: the floor between the
 * HTTP layer (server/http) and the core and store (docs/architecture.md).
 *
 * This is the floor's facade (service.c): it opens a service (the store,
 * the decoded-profile cache, the view cache, the fetcher when --fetch-allow
 * is set, the work slots: service_ctx.h), runs the background jobs
 * (captures, the retention sweep, blob collection, thinning) and answers
 * health, readiness and metrics. It includes the headers of the floor's
 * modules, so the HTTP layer includes this one only: ingest.h (upload,
 * fetch and snapshots all end in hearth_service_ingest()), records_svc.h
 * (stored records, read, listed and deleted), views_svc.h,
 * series_svc.h, groups_svc.h, saved_svc.h, thin_svc.h and service_ctx.h.
 * Those modules never include this header: the facade is above them all.
 *
 * Nothing here knows civetweb: the HTTP layer parses a request, calls the
 * service and writes the answer.
 *
 * Ownership: hearth_service_open() returns a service the caller closes with
 * hearth_service_close() (after hearth_service_stop_jobs() and after every
 * caller has returned).
 *
 * Thread safety: every function may be called from any thread at once,
 * except open, start_jobs, stop_jobs and close (one thread, in that order).
 */
#ifndef HEARTH_SERVICE_H
#define HEARTH_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/cache.h"
#include "hearth/config.h"
#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/store.h"

/* the floor's modules, for the HTTP layer: the facade's contract includes theirs */
#include "hearth/groups_svc.h"
#include "hearth/ingest.h"
#include "hearth/records_svc.h"
#include "hearth/saved_svc.h"
#include "hearth/series_svc.h"
#include "hearth/service_ctx.h"
#include "hearth/thin_svc.h"
#include "hearth/views_svc.h"

struct hearth_service;
struct hearth_captures;
struct hearth_jsonw;

/* Open the store, the caches and the fetcher of cfg (borrowed: it outlives the service). */
enum hearth_err hearth_service_open(const struct hearth_config *cfg, struct hearth_service **out,
                                    struct hearth_errmsg *em);
/* Resume the stored captures and start the retention timer (--retention-days). */
enum hearth_err hearth_service_start_jobs(struct hearth_service *svc, struct hearth_errmsg *em);
/* End the background threads; running captures stay running in the store. Idempotent. */
void hearth_service_stop_jobs(struct hearth_service *svc);
/* Stops the jobs if still running, then frees everything. NULL is fine. */
void hearth_service_close(struct hearth_service *svc);

/*
 * /healthz: the store's cached check (hearth_store_check) and the counts
 * kept in memory (no table scan) as one JSON object appended to out; false
 * when the store is degraded (the answer says why).
 */
bool hearth_service_health(struct hearth_service *svc, struct hearth_buf *out);
/* /readyz: can the service take writes now (hearth_store_ready())? */
enum hearth_err hearth_service_ready(struct hearth_service *svc, struct hearth_errmsg *em);
/* /metrics: every metric in Prometheus text format (metrics.h, plus gauges read now). */
enum hearth_err hearth_service_metrics(struct hearth_service *svc, struct hearth_buf *out,
                                       struct hearth_errmsg *em);

#endif /* HEARTH_SERVICE_H */
