/*
 * service.h - what the server does, without HTTP: the floor between the
 * HTTP layer (server/http) and the core and store (docs/architecture.md).
 *
 * A service owns the store, the decoded-profile cache, the view cache, the
 * fetcher (when --fetch-allow is set), the capture scheduler, the work slots
 * (decode, view, upload, fetch) and the background jobs (captures, and the
 * retention sweep on its own timer thread). Ingest is one path: an upload, a
 * fetch and a capture's snapshot all end in hearth_service_ingest().
 *
 * Nothing here knows civetweb: the HTTP layer parses a request, calls the
 * service and writes the answer.
 *
 * Ownership: hearth_service_open() returns a service the caller closes with
 * hearth_service_close() (after hearth_service_stop_jobs() and after every
 * caller has returned). The accessors return borrowed pointers that live as
 * long as the service. Profiles from hearth_service_profile() are shared and
 * read-only; give the reference back with hearth_cache_release() on
 * hearth_service_profiles().
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

struct hearth_service;
struct hearth_captures;
struct hearth_jsonw;

/* Lines of a gctrace log parsed at most (limits.h). */
#define HEARTH_GCTRACE_MAX_LINES HEARTH_LIMIT_GCTRACE_LINES

/* Work above this many bytes counts as big: memory is given back after it (malloc_trim). */
#define HEARTH_TRIM_BYTES ((size_t)16 << 20)

/* Open the store, the caches and the fetcher of cfg (borrowed: it outlives the service). */
enum hearth_err hearth_service_open(const struct hearth_config *cfg, struct hearth_service **out,
                                    struct hearth_errmsg *em);
/* Resume the stored captures and start the retention timer (--retention-days). */
enum hearth_err hearth_service_start_jobs(struct hearth_service *svc, struct hearth_errmsg *em);
/* End the background threads; running captures stay running in the store. Idempotent. */
void hearth_service_stop_jobs(struct hearth_service *svc);
/* Stops the jobs if still running, then frees everything. NULL is fine. */
void hearth_service_close(struct hearth_service *svc);

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
 * views_svc.c: after a profile's landing flame graph (no option but mf and
 * si) is computed for a request, the same flame graph for the profile's
 * other sample types is computed by one
 * background thread (at most --view-prefetch, capped at HEARTH_PREFETCH_TYPES, only in a free
 * view slot and while the view cache is at most half full), so a switch of
 * the sample type is a cache hit. A request for a view the thread is
 * computing waits for it instead of computing it twice. _new makes the
 * state (the thread starts on first use); _stop ends the thread (from
 * hearth_service_stop_jobs; idempotent); _free frees (NULL is fine).
 */
#define HEARTH_PREFETCH_TYPES 3
struct hearth_prefetch;
struct hearth_prefetch *hearth_prefetch_new(struct hearth_service *svc);
void hearth_prefetch_stop(struct hearth_prefetch *pf);
void hearth_prefetch_free(struct hearth_prefetch *pf);
struct hearth_prefetch *hearth_service_prefetch(struct hearth_service *svc);

/*
 * The decoded profile stored in blob, through the cache (a decode slot when
 * it is not cached: HEARTH_E_BUSY if none came free within
 * --decode-wait-ms). *ref: release with hearth_cache_release().
 */
enum hearth_err hearth_service_profile(struct hearth_service *svc, const char *blob,
                                       const struct hearth_profile **out,
                                       struct hearth_cache_ref **ref, struct hearth_errmsg *em);
/*
 * Decode, validate, store: the common end of upload, fetch and capture.
 * Fills m (hearth_meta_release() it) and the delete token.
 */
enum hearth_err hearth_service_ingest(struct hearth_service *svc, const unsigned char *bytes,
                                      size_t n, const char *name, const char *source,
                                      struct hearth_meta *m, char token[HEARTH_TOKEN_LEN + 1],
                                      struct hearth_errmsg *em);
/*
 * Fetch url and store it as a profile named name: the common path of
 * /api/fetch and captures. Requests (scheduled false) take one of the
 * FETCH_SLOTS (service.c) ad-hoc slots or get HEARTH_E_BUSY at once; the capture
 * scheduler's snapshots (scheduled true) are bounded by its own workers
 * (capture.c), so slow ad-hoc targets cannot starve captures. A failure of
 * the other server is HEARTH_E_UPSTREAM with one generic message (the cause
 * goes to the server log only: no port probing through the answers).
 */
enum hearth_err hearth_service_fetch_ingest(struct hearth_service *svc, const char *url,
                                            const char *name, bool scheduled, struct hearth_meta *m,
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em);

/* Facts about a decoded profile as one JSON object (the row's info JSON), appended to b. */
void hearth_service_profile_facts(const struct hearth_profile *p, struct hearth_buf *b);
/* A stored profile's fields for an answer: metadata, its page URL and its facts inlined. */
void hearth_service_meta_json(struct hearth_jsonw *w, const struct hearth_service *svc,
                              const struct hearth_meta *m);
/*
 * The views of a profile (views.h renders them; the images: render.h), and
 * the downloads (reports.h): the profile after filters and base as gzipped
 * profile.proto, pprof's -traces text and its -callgrind file.
 */
enum hearth_view_kind {
    HEARTH_VIEW_TOP,
    HEARTH_VIEW_FLAME,
    HEARTH_VIEW_GRAPH,
    HEARTH_VIEW_DOT,
    HEARTH_VIEW_SANDWICH, /* sandwich.h; q->pivot names the function */
    HEARTH_VIEW_PEEK,     /* sandwich.h; q->peek is the regex */
    HEARTH_VIEW_TAGS,     /* labels: every key's values with counts (labels.h) */
    HEARTH_VIEW_PROTO,
    HEARTH_VIEW_TRACES,
    HEARTH_VIEW_CALLGRIND,
    /*
     * The call graph laid out by Graphviz's library for the web page, one
     * JSON object: "graph" (the callgraph JSON), "dot" (the DOT text) and
     * "svg" (that DOT drawn as SVG, every name shown exactly as it is;
     * null for more than max_render_nodes nodes, n=0 included).
     */
    HEARTH_VIEW_LAYOUT,
    HEARTH_VIEW_SVG, /* the images, in enum hearth_image order (render.h) */
    HEARTH_VIEW_PNG,
    HEARTH_VIEW_PDF,
    HEARTH_VIEW_GIF,
};

/*
 * A rendered, immutable view answer (JSON, DOT, a download's bytes or an
 * image, and its gzip; none for -proto, PNG, PDF and GIF, which are
 * compressed already), shared through the view cache.
 */
struct hearth_view_resp {
    char *json;
    size_t len;
    unsigned char *gz; /* NULL if gzip failed */
    size_t gzlen;
};
/* The view cache's free function for a struct hearth_view_resp. */
void hearth_view_resp_free(void *v);
/*
 * Gives back the slack of r's buffers (json keeps len + 1 bytes, gz gzlen)
 * and returns the bytes malloc holds for r (hearth_mem_size of the struct
 * and both buffers): what the view cache counts it as.
 */
size_t hearth_view_resp_seal(struct hearth_view_resp *r);

/*
 * The view `kind` of the profile stored in blob with the options q
 * (diffed against base_blob unless it is NULL), cached under key: a cache
 * hit at once, else computed in a view slot (HEARTH_E_BUSY if none came
 * free) within the limits' view budgets. Flame graphs get the default
 * min_fraction unless have_mf; top lists every row unless asked otherwise.
 * *out is shared and read-only: release *ref with hearth_cache_release()
 * on hearth_service_views(). q is the caller's (this may change defaults).
 */
enum hearth_err hearth_service_view(struct hearth_service *svc, enum hearth_view_kind kind,
                                    const char *key, const char *blob, const char *base_blob,
                                    struct hearth_query *q, bool have_mf,
                                    const struct hearth_view_resp **out,
                                    struct hearth_cache_ref **ref, struct hearth_errmsg *em);

/* Stored profiles merged into a view's profile (the merge= parameter); blobs borrowed. */
struct hearth_view_merge {
    const char *blob[HEARTH_LIMIT_MERGE_PROFILES];
    size_t n;
};

/*
 * hearth_service_view() of blob merged with the profiles in merge first (as
 * `go tool pprof blob m1 m2 ...`; merge NULL or empty: blob alone), then
 * diffed against base_blob if given. Incompatible profiles:
 * HEARTH_E_INCOMPATIBLE with pprof's message. key must name every blob.
 */
enum hearth_err hearth_service_view_merged(struct hearth_service *svc, enum hearth_view_kind kind,
                                           const char *key, const char *blob,
                                           const struct hearth_view_merge *merge,
                                           const char *base_blob, struct hearth_query *q,
                                           bool have_mf, const struct hearth_view_resp **out,
                                           struct hearth_cache_ref **ref, struct hearth_errmsg *em);

/*
 * One page of the top endpoint (limit=, offset=, sort=): offset is the first
 * row (past the end: no rows), limit the most rows (0: all to the end), sort
 * the UI's sort value ("", "cum", "-cum", "name", ...; see
 * hearth_top_sort_valid). The answer is the full top's JSON with only
 * those rows, plus "count" (every row), "offset" and "sum_before" (the
 * summed flat of the rows before offset in this order); the numbers are
 * the full answer's, byte for byte.
 */
struct hearth_top_paging {
    size_t offset;
    size_t limit;
    const char *sort;
};
bool hearth_top_sort_valid(const char *sort);
/* The page of the full top answer json[0..len) (pure; exposed for tests). */
enum hearth_err hearth_top_page(const char *json, size_t len, const struct hearth_top_paging *pg,
                                struct hearth_buf *out, struct hearth_errmsg *em);
/* hearth_service_view_merged()'s top (cached whole), cut to the page pg into out. */
enum hearth_err hearth_service_top_page(struct hearth_service *svc, const char *key,
                                        const char *blob, const struct hearth_view_merge *merge,
                                        const char *base_blob, struct hearth_query *q,
                                        const struct hearth_top_paging *pg, struct hearth_buf *out,
                                        struct hearth_errmsg *em);

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
 * Capture groups (groups.h, groups_svc.c): start one capture per target
 * (names[i], urls[i]; n from 1 to HEARTH_LIMIT_CAPTURE_TARGETS, names
 * unique) on one schedule. Every URL is checked before any is fetched
 * (HEARTH_E_BAD_REQUEST naming the target); then n places are reserved (as
 * one capture of client plus n - 1 group places, capture.h; on failure
 * *retry_s is the Retry-After) and every target's first snapshot taken at
 * once (a thread each, bounded by those places rather than the ad-hoc fetch
 * slots): a target that fails there fails the request (its name in the
 * message) and the others' snapshots are deleted. Fills the group's id and
 * delete token.
 */
enum hearth_err hearth_service_group_start(struct hearth_service *svc, const char *name,
                                           const char *const *names, const char *const *urls,
                                           size_t n, int interval_s, int count, bool gc,
                                           const char *client, char id[HEARTH_ID_LEN + 1],
                                           char token[HEARTH_TOKEN_LEN + 1], int *retry_s,
                                           struct hearth_errmsg *em);
/* Stop every running capture of the group (from any server); the token was checked. */
enum hearth_err hearth_service_group_stop(struct hearth_service *svc, const char *id,
                                          struct hearth_errmsg *em);
/*
 * Delete the group and its series (with_profiles: and their snapshots), its
 * captures stopped first; token is the group's (checked here).
 */
enum hearth_err hearth_service_group_delete(struct hearth_service *svc, const char *id,
                                            const char *token, bool with_profiles,
                                            struct hearth_errmsg *em);
/*
 * Attach a stored gctrace to the group (gctrace "": detach): tracks[i] is
 * the label of target i's track ("" none; tracks NULL: each target's own
 * name when the log has tracks of that label). Each matched target's series
 * gets the log with its own start, aligned by that track's forced GCs.
 */
enum hearth_err hearth_service_group_gctrace(struct hearth_service *svc, const char *id,
                                             const char *gctrace, const char *const *tracks,
                                             size_t ntracks, struct hearth_errmsg *em);

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

/*
 * Saved views (saved_views.h). One parameter as the profile page's URL
 * names it: a view option's URL name (query.h: "f", "si", "g", ...) or one
 * of the page's own keys: view (flame, top, graph, sandwich), sort, heavy,
 * rev, q (the page's search) and fn (the sandwich's function).
 */
struct hearth_saved_param {
    const char *key, *value;
};
/*
 * Check name (1 to HEARTH_LIMIT_SAVED_NAME bytes, no control characters)
 * and every parameter as a view checks it (hearth_query_set(), then the
 * regexes and tag filters with hearth_stacks_check_query()): an unknown
 * key, a bad value or a bad regex is HEARTH_E_BAD_REQUEST and nothing is
 * stored. base, merge and zoom name things of one profile: refused, so a
 * saved view applies to any profile. Empty values are left out, booleans
 * stored as "1"/"0". Stores the canonical JSON object (keys in a fixed
 * order; at most HEARTH_LIMIT_SAVED_PARAMS bytes, else HEARTH_E_TOO_LARGE)
 * and fills the new view's id and delete token.
 */
enum hearth_err hearth_service_saved_create(struct hearth_service *svc, const char *name,
                                            const struct hearth_saved_param *params, size_t n,
                                            char id[HEARTH_ID_LEN + 1],
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em);

/*
 * Thinning (thin.h): one pass over series id with its stored policy (the
 * totals of snapshots not read before are decoded through the cache; the
 * plan is applied by hearth_series_thin_apply()), *removed says how many
 * snapshots went; HEARTH_E_NOT_FOUND when it has no policy.
 * hearth_service_thin_pass(): every series with a policy (the background
 * job, every --thin-pass-seconds; errors are logged).
 */
enum hearth_err hearth_service_thin_series(struct hearth_service *svc, const char *id, int *removed,
                                           struct hearth_errmsg *em);
void hearth_service_thin_pass(struct hearth_service *svc);

/*
 * A series made of an uploaded archive (.zip, .tar, .tar.gz, .tgz) of
 * snapshots (snaparchive.h's caps and skips): every file that decodes as a
 * profile is stored and given the series' token; the order is the number
 * in the file names, else the time in them, else the profiles' own times,
 * else the archive's. Appends the report to report: {"format","order",
 * "order_text","profiles","skipped","entries":[{"name","size","status",
 * "profile","position" | "reason","detail"}]}. No profile in it:
 * HEARTH_E_BAD_REQUEST naming the entries and why; any failure leaves
 * nothing stored. name NULL: the first snapshot's file name.
 */
enum hearth_err hearth_service_series_archive(struct hearth_service *svc, const unsigned char *body,
                                              size_t len, const char *name,
                                              char id[HEARTH_ID_LEN + 1],
                                              char token[HEARTH_TOKEN_LEN + 1],
                                              struct hearth_buf *report, struct hearth_errmsg *em);

/* Keep names printable and short (at most 200 bytes, control bytes as spaces). */
void hearth_clean_name(const char *in, char *out, size_t outsz);

#endif /* HEARTH_SERVICE_H */
