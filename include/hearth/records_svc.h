/*
 * records_svc.h - the stored records as the HTTP layer reads, lists and
 * deletes them: profiles, gctrace logs, series, capture groups and saved
 * views. Each is the store function named in its comment, on the service's
 * store (same contract: who owns what, errors), so the HTTP layer calls the
 * service floor only and the store stays behind it.
 *
 * Thread safety: any thread, at once (the store's own terms).
 */
#ifndef HEARTH_RECORDS_SVC_H
#define HEARTH_RECORDS_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/groups.h"
#include "hearth/ids.h"
#include "hearth/saved_views.h"
#include "hearth/series.h"
#include "hearth/store.h"

struct hearth_service;
struct hearth_jsonw;

/* A stored profile's metadata (hearth_store_get). */
enum hearth_err hearth_service_profile_get(struct hearth_service *svc, const char *id,
                                           struct hearth_meta *m, struct hearth_errmsg *em);
/* A page of the stored profiles, newest first (hearth_store_list). */
enum hearth_err hearth_service_profile_list(struct hearth_service *svc, int64_t before_created,
                                            const char *before_id, int limit,
                                            struct hearth_buf *out, int64_t *last_created,
                                            char last_id[HEARTH_ID_LEN + 1], int *more,
                                            struct hearth_errmsg *em);
/* Delete a profile; token is its delete token (hearth_store_delete). */
enum hearth_err hearth_service_profile_delete(struct hearth_service *svc, const char *id,
                                              const char *token, struct hearth_errmsg *em);
/* The stored bytes of a profile as a file to send (hearth_store_open_blob). */
enum hearth_err hearth_service_profile_open_blob(struct hearth_service *svc, const char *blob,
                                                 int *fd, size_t *size, struct hearth_errmsg *em);
/* The series a profile belongs to, as a JSON value (hearth_series_of_profile). */
enum hearth_err hearth_service_profile_series(struct hearth_service *svc, const char *id,
                                              struct hearth_jsonw *w, struct hearth_errmsg *em);
/* A stored gctrace log's metadata (hearth_store_get_gctrace). */
enum hearth_err hearth_service_gctrace_get(struct hearth_service *svc, const char *id,
                                           struct hearth_meta *m, struct hearth_errmsg *em);
/* A series (hearth_series_get). */
enum hearth_err hearth_service_series_get(struct hearth_service *svc, const char *id,
                                          struct hearth_series *out, struct hearth_errmsg *em);
/* Whether series id exists (hearth_series_exists). */
bool hearth_service_series_exists(struct hearth_service *svc, const char *id);
/* The series, newest first (hearth_series_list). */
enum hearth_err hearth_service_series_list(struct hearth_service *svc, int limit,
                                           bool captures_only, struct hearth_buf *out,
                                           struct hearth_errmsg *em);
/* Whether token is series id's delete token (hearth_series_check_token). */
enum hearth_err hearth_service_series_check_token(struct hearth_service *svc, const char *id,
                                                  const char *token, struct hearth_errmsg *em);
/* Delete a series (and its snapshots: with_profiles; hearth_series_delete). */
enum hearth_err hearth_service_series_delete(struct hearth_service *svc, const char *id,
                                             const char *token, bool with_profiles,
                                             int *profiles_deleted, struct hearth_errmsg *em);
/* Attach a gctrace log to a series (hearth_series_set_gctrace). */
enum hearth_err hearth_service_series_set_gctrace(struct hearth_service *svc, const char *id,
                                                  const char *gctrace, int64_t start_ms,
                                                  struct hearth_errmsg *em);
/* A series' thinning policy (hearth_series_thin_set). */
enum hearth_err hearth_service_series_thin_set(struct hearth_service *svc, const char *id, bool on,
                                               int keep_s, int every_s, struct hearth_errmsg *em);
/* A capture group (hearth_group_get). */
enum hearth_err hearth_service_group_get(struct hearth_service *svc, const char *id,
                                         struct hearth_group *out, struct hearth_errmsg *em);
/* Whether group id exists (hearth_group_exists). */
bool hearth_service_group_exists(struct hearth_service *svc, const char *id);
/* The capture groups, newest first (hearth_group_list). */
enum hearth_err hearth_service_group_list(struct hearth_service *svc, int limit,
                                          struct hearth_buf *out, struct hearth_errmsg *em);
/* Whether token is group id's delete token (hearth_group_check_token). */
enum hearth_err hearth_service_group_check_token(struct hearth_service *svc, const char *id,
                                                 const char *token, struct hearth_errmsg *em);
/* The group a series belongs to, if any (hearth_group_of_series). */
enum hearth_err hearth_service_group_of_series(struct hearth_service *svc, const char *series,
                                               struct hearth_group_ref *out,
                                               struct hearth_errmsg *em);
/* A saved view (hearth_saved_view_get). */
enum hearth_err hearth_service_saved_get(struct hearth_service *svc, const char *id,
                                         struct hearth_saved_view *out, struct hearth_errmsg *em);
/* The saved views (hearth_saved_view_list). */
enum hearth_err hearth_service_saved_list(struct hearth_service *svc, int limit,
                                          struct hearth_buf *out, struct hearth_errmsg *em);
/* Delete a saved view (hearth_saved_view_delete). */
enum hearth_err hearth_service_saved_delete(struct hearth_service *svc, const char *id,
                                            const char *token, struct hearth_errmsg *em);

#endif /* HEARTH_RECORDS_SVC_H */
