/*
 * service_ctx.h - the service context: what every module of the service
 * floor borrows from the one struct hearth_service (the config, the store,
 * the decoded-profile and view caches, the fetcher, the capture scheduler),
 * the work slots (decode, view, upload, fetch) and the decoded profiles
 * through the cache. The modules of the floor (ingest, views, memstats,
 * thinning, series, groups, saved views) build on it; the facade
 * (service.h: open, close, background jobs, health, metrics) is above them
 * all, so no module of the floor calls back up into the facade.
 *
 * Ownership: the accessors return borrowed pointers that live as long as
 * the service. Profiles from hearth_service_profile() are shared and
 * read-only; give the reference back with hearth_cache_release() on
 * hearth_service_profiles().
 *
 * Thread safety: every function may be called from any thread at once.
 */
#ifndef HEARTH_SERVICE_CTX_H
#define HEARTH_SERVICE_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/cache.h"
#include "hearth/config.h"
#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/profile.h"
#include "hearth/store.h"

struct hearth_service;
struct hearth_captures;
struct hearth_fetcher;
struct hearth_jsonw;

/* Lines of a gctrace log parsed at most (limits.h). */
#define HEARTH_GCTRACE_MAX_LINES HEARTH_LIMIT_GCTRACE_LINES

/* Work above this many bytes counts as big: memory is given back after it (malloc_trim). */
#define HEARTH_TRIM_BYTES ((size_t)16 << 20)

/* Borrowed parts (each thread-safe on its own terms: store.h, cache.h, capture.h). */
const struct hearth_config *hearth_service_config(const struct hearth_service *svc);
struct hearth_store *hearth_service_store(struct hearth_service *svc);
struct hearth_cache *hearth_service_profiles(struct hearth_service *svc);
struct hearth_cache *hearth_service_views(struct hearth_service *svc);
struct hearth_captures *hearth_service_captures(struct hearth_service *svc);
bool hearth_service_can_fetch(const struct hearth_service *svc);
/* The fetch checks that need no network (fetch.h hearth_fetch_check_url). */
enum hearth_err hearth_service_check_url(const struct hearth_service *svc, const char *url,
                                         struct hearth_errmsg *em);

/*
 * Slots. An upload slot is taken while a request body is read (none free:
 * false at once). A view slot bounds cache-missing view computations
 * (--view-slots), waiting up to --decode-wait-ms: false with em set to
 * HEARTH_E_BUSY when none came free; give it back with
 * hearth_service_view_done(), which also returns memory after big work.
 */
bool hearth_service_upload_slot(struct hearth_service *svc);
void hearth_service_upload_done(struct hearth_service *svc);
bool hearth_service_view_slot(struct hearth_service *svc, struct hearth_errmsg *em);
void hearth_service_view_done(struct hearth_service *svc, bool big);
/* A view slot if one is free now (no waiting, not counted as busy): background work. */
bool hearth_service_view_slot_try(struct hearth_service *svc);
/*
 * The decode slots (--decode-slots, waiting up to --decode-wait-ms) and the
 * FETCH_SLOTS ad-hoc fetch slots (none free: false at once), counted for
 * /metrics; give each back with its _done.
 */
bool hearth_service_decode_slot(struct hearth_service *svc);
void hearth_service_decode_done(struct hearth_service *svc);
bool hearth_service_fetch_slot(struct hearth_service *svc);
void hearth_service_fetch_done(struct hearth_service *svc);

/* The prefetch state (views_svc.h) and the fetcher (NULL without --fetch-allow). */
struct hearth_prefetch;
struct hearth_prefetch *hearth_service_prefetch(struct hearth_service *svc);
struct hearth_fetcher *hearth_service_fetcher(struct hearth_service *svc);

/*
 * The decoded profile stored in blob, through the cache (a decode slot when
 * it is not cached: HEARTH_E_BUSY if none came free within
 * --decode-wait-ms). *ref: release with hearth_cache_release().
 */
enum hearth_err hearth_service_profile(struct hearth_service *svc, const char *blob,
                                       const struct hearth_profile **out,
                                       struct hearth_cache_ref **ref, struct hearth_errmsg *em);
/* Keep the decoded profile p (taken: freed if the cache does not keep it) as blob's. */
void hearth_service_keep_profile(struct hearth_service *svc, const char *blob,
                                 struct hearth_profile *p);

/* Facts about a decoded profile as one JSON object (the row's info JSON), appended to b. */
void hearth_service_profile_facts(const struct hearth_profile *p, struct hearth_buf *b);
/* A stored profile's fields for an answer: metadata, its page URL and its facts inlined. */
void hearth_service_meta_json(struct hearth_jsonw *w, const struct hearth_service *svc,
                              const struct hearth_meta *m);

/* Keep names printable and short (at most 200 bytes, control bytes as spaces). */
void hearth_clean_name(const char *in, char *out, size_t outsz);

#endif /* HEARTH_SERVICE_CTX_H */
