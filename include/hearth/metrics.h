/*
 * metrics.h - the server's counters and histograms for /metrics
 * (Prometheus text format 0.0.4), process-wide.
 *
 * Every function may be called from any thread at once: counters are
 * atomics; the tables of labelled request counters are appended under a
 * mutex and read without one (a cell's labels never change once
 * published). hearth_metrics_write() appends the counters and histograms;
 * the gauges read at scrape time (caches, stored rows, captures, RSS) are
 * written by the service (hearth_service_metrics()) with
 * hearth_metrics_gauge(). Every metric is documented in README.md.
 */
#ifndef HEARTH_METRICS_H
#define HEARTH_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"

/* The work slots a request may wait for, or find taken (503). */
enum hearth_slot { HEARTH_SLOT_DECODE, HEARTH_SLOT_VIEW, HEARTH_SLOT_UPLOAD, HEARTH_SLOT_FETCH };
/* Store operations timed. */
enum hearth_store_op { HEARTH_STORE_PUT, HEARTH_STORE_READ, HEARTH_STORE_DELETE };

/*
 * One answered request: method, its route template (a fixed string such as
 * "/api/profiles/{id}/top", never the request's path), status, body bytes
 * read and written, and seconds from arrival to the last byte written.
 */
void hearth_metrics_request(const char *method, const char *route, int status, double secs,
                            uint64_t bytes_in, uint64_t bytes_out);
/* A request found no free slot and waited for one. */
void hearth_metrics_slot_wait(enum hearth_slot s);
/* A request got no slot (503 + Retry-After). */
void hearth_metrics_slot_busy(enum hearth_slot s);
/* One outbound fetch ended with e (HEARTH_OK: stored); scheduled: a capture's snapshot. */
void hearth_metrics_fetch(bool scheduled, enum hearth_err e);
/* One store operation took secs. */
void hearth_metrics_store(enum hearth_store_op op, double secs);
/* The retention sweep deleted n profiles. */
void hearth_metrics_retention(int n);
/* A request to the blob storage's server (S3) was tried again. */
void hearth_metrics_store_retry(void);
/* Rendered answers kept in the store (derived_store.h): read back, kept, found damaged. */
enum hearth_derived_event { HEARTH_DERIVED_READ, HEARTH_DERIVED_KEPT, HEARTH_DERIVED_DAMAGED };
void hearth_metrics_derived(enum hearth_derived_event ev);

/* Append every counter and histogram above. */
void hearth_metrics_write(struct hearth_buf *b);
/*
 * Append one gauge sample; help and type lines are written when help is
 * not NULL (the first sample of a family). labels: "" or `k="v",...`.
 */
void hearth_metrics_gauge(struct hearth_buf *b, const char *name, const char *help,
                          const char *labels, double v);

#endif /* HEARTH_METRICS_H */
