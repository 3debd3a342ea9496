/*
 * memstats_svc.h - the runtime memory recorded next to Go heap profiles:
 * taken with each fetch and capture snapshot, read from an uploaded
 * ?debug=1 heap file, or attached to a stored profile later; and what the
 * series page shows of it (the breakdown per snapshot and the hints).
 *
 * Recording never fails the snapshot: when the statistics cannot be had,
 * the row says why (memstats_store.h, error) and the profile is stored as
 * before. Thread-safe.
 */
#ifndef HEARTH_MEMSTATS_SVC_H
#define HEARTH_MEMSTATS_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/profile.h"
#include "hearth/series.h"

struct hearth_service;
struct hearth_fetcher;
struct hearth_jsonw;

/* The profile's inuse_space total (a legacy heap text's "space"), or -1 when it has none. */
int64_t hearth_msvc_inuse_total(const struct hearth_profile *p);

/*
 * Record the MemStats block at the end of a ?debug=1 heap file (bytes) as
 * profile_id's, when it has one (a no-op otherwise). source: "upload" or the URL.
 */
void hearth_msvc_record_debug1(struct hearth_service *svc, const char *profile_id,
                               const void *bytes, size_t n, const char *source, int64_t inuse);

/*
 * After a Go heap profile was fetched from url (…/debug/pprof/heap or
 * …/allocs): fetch the same process's MemStats from …/heap?debug=1, else
 * …/debug/vars, and record them (or why not) as profile_id's.
 */
void hearth_msvc_fetch_record(struct hearth_service *svc, struct hearth_fetcher *f, const char *url,
                              const char *profile_id, int64_t inuse);

/* GET /api/profiles/<id>/memstats: the recorded row and its breakdown, as JSON in out. */
enum hearth_err hearth_msvc_get(struct hearth_service *svc, const char *profile_id,
                                struct hearth_buf *out, struct hearth_errmsg *em);

/*
 * POST /api/profiles/<id>/memstats: attach a ?debug=1 heap file or a
 * /debug/vars JSON to a stored profile (token: its delete token). The answer
 * is the GET's.
 */
enum hearth_err hearth_msvc_attach(struct hearth_service *svc, const char *profile_id,
                                   const char *token, const unsigned char *bytes, size_t n,
                                   struct hearth_buf *out, struct hearth_errmsg *em);

/*
 * The series answer's keys "memory" (one entry per snapshot, in order:
 * {"profile", parts..., "sentence"}, or {"profile","error"}, or
 * {"profile","none":true}) and "hints" (hints.h).
 */
void hearth_msvc_series_json(struct hearth_service *svc, const struct hearth_series *s,
                             struct hearth_jsonw *w);

#endif /* HEARTH_MEMSTATS_SVC_H */
