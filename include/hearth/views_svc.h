/*
 * views_svc.h - a profile's views through the view cache and the view
 * slots (views_svc.c), the pages of its top (top_page.c), and the
 * background computation of its other sample types' flame graphs.
 *
 * Ownership: answers are shared and read-only (release the reference with
 * hearth_cache_release() on hearth_service_views()); the caller's query may
 * be changed (defaults filled in).
 *
 * Thread safety: every function may be called from any thread at once,
 * except hearth_prefetch_new, _stop and _free (the facade's open and close).
 */
#ifndef HEARTH_VIEWS_SVC_H
#define HEARTH_VIEWS_SVC_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/buf.h"
#include "hearth/cache.h"
#include "hearth/err.h"
#include "hearth/limits.h"
#include "hearth/query.h"
#include "hearth/top_page.h"

struct hearth_service;

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

/* Give back an answer's reference (hearth_cache_release() on the view cache); NULL is fine. */
void hearth_service_view_release(struct hearth_service *svc, struct hearth_cache_ref *ref);

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

/* hearth_service_view_merged()'s top (cached whole), cut to the page pg into out. */
enum hearth_err hearth_service_top_page(struct hearth_service *svc, const char *key,
                                        const char *blob, const struct hearth_view_merge *merge,
                                        const char *base_blob, struct hearth_query *q,
                                        const struct hearth_top_paging *pg, struct hearth_buf *out,
                                        struct hearth_errmsg *em);

#endif /* HEARTH_VIEWS_SVC_H */
