/*
 * series_svc.h - leak hunting: series of stored profiles (their order), the
 * growth table over a series, captures (a series fetched on a schedule) and
 * GODEBUG=gctrace=1 logs (stored, rendered, aligned with a series); series_svc.c.
 *
 * Thread safety: any thread, at once.
 */
#ifndef HEARTH_SERIES_SVC_H
#define HEARTH_SERIES_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/query.h"
#include "hearth/store.h"
#include "hearth/views_svc.h"

struct hearth_service;

/*
 * Series (leak hunting). Create a series of the stored profiles ids[0..n)
 * (a NULL id: HEARTH_E_BAD_REQUEST "profile ids are strings"; an unknown
 * one: HEARTH_E_BAD_REQUEST), ordered by the profiles' own timestamps when
 * all differ, else by the last number in their names, else as given; name
 * NULL: the first profile's. gctrace: NULL or a stored gctrace id. Fills the
 * new series' id and delete token.
 */
enum hearth_err hearth_service_series_create(struct hearth_service *svc, const char *name,
                                             const char *const *ids, size_t n, const char *gctrace,
                                             char id[HEARTH_ID_LEN + 1],
                                             char token[HEARTH_TOKEN_LEN + 1],
                                             struct hearth_errmsg *em);
/*
 * Where "@0s" of the stored gctrace log falls in wall time (Unix ms) for
 * the series: its last forced GCs paired with the last snapshots (a heap
 * snapshot with ?gc=1 forces one), the median offset; -1 when the log has
 * no forced GC. HEARTH_E_NOT_FOUND when the log or the series is missing.
 */
enum hearth_err hearth_service_gctrace_start(struct hearth_service *svc, const char *series_id,
                                             const char *gctrace_id, int64_t *start_ms,
                                             struct hearth_errmsg *em);
/* The same for the tracks labelled label only ("[label] gc 1 @...", gctrace.h). */
enum hearth_err hearth_service_gctrace_start_track(struct hearth_service *svc,
                                                   const char *series_id, const char *gctrace_id,
                                                   const char *label, int64_t *start_ms,
                                                   struct hearth_errmsg *em);

/*
 * Start a capture of url (interval_s seconds apart, count snapshots, with
 * ?gc=1 when gc) for client: a place among the running captures (on
 * failure *retry_s is the Retry-After in seconds, else it stays -1), the
 * first snapshot at once (a wrong URL fails here, not later), the series
 * (named nm, or after the URL) and the scheduled rest. Fills the series' id
 * and delete token.
 */
enum hearth_err hearth_service_capture_start(struct hearth_service *svc, const char *url,
                                             const char *nm, int interval_s, int count, bool gc,
                                             const char *client, char id[HEARTH_ID_LEN + 1],
                                             char token[HEARTH_TOKEN_LEN + 1], int *retry_s,
                                             struct hearth_errmsg *em);

/*
 * The growth table of series id (growth.h) with the filters q and options
 * o, appended to out: in a view slot, one snapshot at a time through the
 * profile cache, so memory is one profile plus the table.
 * HEARTH_E_NOT_FOUND when the series has no snapshots yet.
 */
struct hearth_growth_opts;
enum hearth_err hearth_service_growth(struct hearth_service *svc, const char *id,
                                      const struct hearth_query *q,
                                      const struct hearth_growth_opts *o, struct hearth_buf *out,
                                      struct hearth_errmsg *em);

/*
 * A GODEBUG=gctrace=1 log: parse it (HEARTH_E_BAD_REQUEST when no GC line
 * is found), append its facts to info ({"tracks","gcs","lines"}) and store
 * it. Fills m (hearth_meta_release() it) and the delete token.
 */
enum hearth_err hearth_service_gctrace_ingest(struct hearth_service *svc, const unsigned char *body,
                                              size_t len, const char *name, struct hearth_buf *info,
                                              struct hearth_meta *m,
                                              char token[HEARTH_TOKEN_LEN + 1],
                                              struct hearth_errmsg *em);
/*
 * The GET answer of the stored gctrace m (its metadata and parsed tracks),
 * rendered once in a view slot and kept in the view cache; release *ref
 * with hearth_cache_release() on hearth_service_views().
 */
enum hearth_err hearth_service_gctrace_view(struct hearth_service *svc, const struct hearth_meta *m,
                                            const struct hearth_view_resp **out,
                                            struct hearth_cache_ref **ref,
                                            struct hearth_errmsg *em);

#endif /* HEARTH_SERIES_SVC_H */
