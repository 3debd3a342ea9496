/*
 * views_svc.c - a profile's views through the view cache and the view slots;
 * see include/hearth/views_svc.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/arena.h"
#include "hearth/cache.h"
#include "hearth/derived_store.h"
#include "hearth/gz.h"
#include "hearth/ids.h"
#include "hearth/jsonw.h"
#include "hearth/labels.h"
#include "hearth/log.h"
#include "hearth/merge.h"
#include "hearth/metrics.h"
#include "hearth/render.h"
#include "hearth/reports.h"
#include "hearth/sandwich.h"
#include "hearth/service_ctx.h"
#include "hearth/stacks.h"
#include "hearth/tags.h"
#include "hearth/version.h"
#include "hearth/views.h"
#include "hearth/views_svc.h"

#include "hearth/banned.h"

/*
 * Flame graphs are trimmed by default to subtrees of at least 1/5000 of the
 * total (under a pixel on a 4K screen), with nothing lost: trimmed values go
 * to the parent's self. `mf=0` asks for the whole tree.
 */
#define DEFAULT_FLAME_MIN_FRACTION 0.0002

void hearth_service_view_release(struct hearth_service *svc, struct hearth_cache_ref *ref)
{
    hearth_cache_release(hearth_service_views(svc), ref);
}

void hearth_view_resp_free(void *v)
{
    struct hearth_view_resp *r = v;

    free(r->json);
    free(r->gz);
    free(r);
}

size_t hearth_view_resp_seal(struct hearth_view_resp *r)
{
    void *p;

    /* a shrinking realloc that fails leaves the block as it was */
    if (r->json) {
        p = realloc(r->json, r->len + 1);
        if (p)
            r->json = p;
    }
    if (r->gz && r->gzlen) {
        p = realloc(r->gz, r->gzlen);
        if (p)
            r->gz = p;
    }
    return hearth_mem_size(r) + hearth_mem_size(r->json) + hearth_mem_size(r->gz);
}

/* Whether a view's work was big enough to return memory afterwards (HEARTH_TRIM_BYTES). */
static bool resp_big(const struct hearth_stacks *st, size_t outlen)
{
    size_t frames = st ? st->off[st->nstacks] : 0;

    return outlen > HEARTH_TRIM_BYTES / 4 || frames * 16 > HEARTH_TRIM_BYTES;
}

/*
 * HEARTH_VIEW_LAYOUT: the graph's JSON and DOT from one graph, and the DOT
 * drawn as SVG by the process's one Graphviz renderer (it may be busy) when
 * draw (at most max_render_nodes nodes; else "svg" is null and the browser
 * lays the DOT out).
 * Graphviz decodes HTML entities in labels ("&lt;" would show as "<"), so
 * the text it lays out has every "&" escaped ("&" occurs in pprof's DOT
 * only inside quoted strings): names appear exactly as they are.
 */
static enum hearth_err render_layout(const struct hearth_stacks *st, const struct hearth_query *q,
                                     const struct hearth_config *cfg, bool draw,
                                     struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_buf json, dot, esc, svg;
    enum hearth_err e;
    size_t i, run;

    hearth_buf_init(&json, cfg->lim.max_output);
    hearth_buf_init(&dot, cfg->lim.max_output);
    hearth_buf_init(&esc, cfg->lim.max_output);
    hearth_buf_init(&svg, cfg->lim.max_output);
    e = hearth_callgraph_render_both(st, q, &json, &dot, em);
    if (e || !draw)
        goto out_write;
    for (i = 0, run = 0; i < dot.len; i++) {
        if (dot.ptr[i] != '&')
            continue;
        hearth_buf_add(&esc, dot.ptr + run, i + 1 - run);
        hearth_buf_add(&esc, "amp;", 4);
        run = i + 1;
    }
    hearth_buf_add(&esc, dot.ptr + run, dot.len - run);
    if (esc.fail) {
        e = hearth_errmsg_set(em, esc.fail, "output larger than the limit");
        goto out_free;
    }
    e = hearth_render_image(esc.ptr, esc.len, HEARTH_IMAGE_SVG,
                            (int64_t)cfg->lim.max_render_wait_ms, &svg, em);
out_write:
    if (e)
        goto out_free;
    hearth_buf_add(out, "{\"graph\":", 9);
    hearth_buf_add(out, json.ptr, json.len);
    hearth_buf_add(out, ",\"dot\":", 7);
    hearth_json_escape(out, dot.ptr, dot.len);
    hearth_buf_add(out, ",\"svg\":", 7);
    if (draw)
        hearth_json_escape(out, svg.ptr, svg.len);
    else
        hearth_buf_add(out, "null", 4);
    hearth_buf_addch(out, '}');
    if (out->fail)
        e = hearth_errmsg_set(em, out->fail, "output larger than the limit");
out_free:
    hearth_buf_release(&json);
    hearth_buf_release(&dot);
    hearth_buf_release(&esc);
    hearth_buf_release(&svg);
    return e;
}

enum hearth_err hearth_service_view(struct hearth_service *svc, enum hearth_view_kind kind,
                                    const char *key, const char *blob, const char *base_blob,
                                    struct hearth_query *q, bool have_mf,
                                    const struct hearth_view_resp **out,
                                    struct hearth_cache_ref **ref, struct hearth_errmsg *em)
{
    return hearth_service_view_merged(svc, kind, key, blob, NULL, base_blob, q, have_mf, out, ref,
                                      em);
}

/*
 * The profile of blob merged with merge's blobs (*own is the merged copy to
 * free, NULL when p is blob's own cached profile). Cache refs go to refs[].
 */
static enum hearth_err load_merged(struct hearth_service *svc, const char *blob,
                                   const struct hearth_view_merge *merge,
                                   struct hearth_cache_ref **refs, const struct hearth_profile **p,
                                   struct hearth_profile **own, struct hearth_errmsg *em)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    const struct hearth_profile *ps[HEARTH_LIMIT_MERGE_PROFILES + 1];
    enum hearth_err e;
    size_t k, n = merge ? merge->n : 0;

    *own = NULL;
    e = hearth_service_profile(svc, blob, &ps[0], &refs[0], em);
    if (e || n == 0) {
        *p = ps[0];
        return e;
    }
    for (k = 0; k < n; k++) {
        e = hearth_service_profile(svc, merge->blob[k], &ps[k + 1], &refs[k + 1], em);
        if (e)
            return e;
    }
    e = hearth_merge_many(ps, n + 1, &cfg->lim, own, em);
    *p = *own;
    return e;
}

/* ---- answers kept in the store across restarts (derived_store.h) ---- */

/*
 * The stored answers' format, with the build's version: answers of another
 * format or build are never read (a new build may draw a view otherwise).
 */
#define DERIVED_FORMAT "view1"
/*
 * Longest view key kept (a long function regex is not a landing view; a
 * PostgreSQL index entry holds at most about 2700 bytes).
 */
#define DERIVED_KEY_MAX 1536

/*
 * Options a kept answer may have: the landing views' (resolution, type,
 * base, the sandwich's function and its peek table's regex, Top's page)
 * and the granularity (a few values: the views by file or by line come
 * back as fast as the landing ones). Filters are not kept (any regex).
 */
static const char *const DERIVED_OPTS[] = {"mf=", "si=", "base=", "fn=", "peek=", "page=", "g="};

/*
 * Whether the answer of key is kept in the store: a landing view (flame
 * graph, Top and its first page, call graph layout, sandwich and its peek
 * table; diffs too)
 * of one profile, not merged, with no option but DERIVED_OPTS, its key at
 * most DERIVED_KEY_MAX bytes.
 */
static bool derived_wanted(const struct hearth_service *svc, enum hearth_view_kind kind,
                           const char *key, const struct hearth_view_merge *merge)
{
    const char *s;
    int bars = 0;
    size_t i;

    if (!hearth_service_config(svc)->derived_mb || (merge && merge->n) ||
        strlen(key) > DERIVED_KEY_MAX ||
        (kind != HEARTH_VIEW_FLAME && kind != HEARTH_VIEW_TOP && kind != HEARTH_VIEW_SANDWICH &&
         kind != HEARTH_VIEW_PEEK && kind != HEARTH_VIEW_LAYOUT))
        return false;
    for (s = key; *s; s++) {
        bool ok = false;
        if (*s != '|' || ++bars < 3)
            continue;
        for (i = 0; i < sizeof(DERIVED_OPTS) / sizeof(DERIVED_OPTS[0]) && !ok; i++)
            ok = !strncmp(s + 1, DERIVED_OPTS[i], strlen(DERIVED_OPTS[i]));
        if (!ok)
            return false;
    }
    return true;
}

/*
 * The store's key of key: the format, the build and the limits (a limit
 * may change an answer, e.g. max_render_nodes whether the call graph is
 * drawn) first; the prefix's length in *plen. NULL: no memory.
 */
static char *derived_key(const struct hearth_config *cfg, const char *key, size_t *plen)
{
    char lim[HEARTH_SHA256_HEX + 1];
    struct hearth_buf b;
    size_t n;
    char *out = NULL;

    /* struct hearth_limits is size_t fields only: no padding in its bytes */
    hearth_sha256_hex(&cfg->lim, sizeof(cfg->lim), lim);
    hearth_buf_init(&b, (size_t)1 << 17);
    hearth_buf_printf(&b, "%s %s %.16s|", DERIVED_FORMAT, hearth_version_long(), lim);
    *plen = b.len;
    hearth_buf_addstr(&b, key);
    if (!b.fail)
        out = hearth_buf_detach(&b, &n);
    hearth_buf_release(&b);
    return out;
}

/*
 * The kept answer of key put in the view cache (*out, *ref), or false when
 * none is kept or it cannot be read. A kept answer is its store key, a
 * newline, then the answer gzipped; the store checks its SHA-256.
 */
static bool derived_load(struct hearth_service *svc, const char *key,
                         const struct hearth_view_resp **out, struct hearth_cache_ref **ref)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_errmsg em = {{0}};
    struct hearth_view_resp *r = NULL;
    unsigned char *bytes = NULL, *json = NULL;
    size_t n = 0, plen, klen, jlen = 0;
    char *dk = derived_key(cfg, key, &plen);
    bool ok = false;

    *out = NULL;
    if (!dk || hearth_derived_get(hearth_service_store(svc), dk, cfg->lim.max_output, &bytes, &n,
                                  &em) != HEARTH_OK)
        goto out_free;
    klen = strlen(dk);
    if (n <= klen || memcmp(bytes, dk, klen) != 0 || bytes[klen] != '\n' ||
        hearth_gunzip(bytes + klen + 1, n - klen - 1, cfg->lim.max_output, &json, &jlen, &em) !=
            HEARTH_OK)
        goto out_free;
    r = calloc(1, sizeof(*r));
    if (!r)
        goto out_free;
    r->json = realloc(json, jlen + 1);
    if (!r->json)
        goto out_free;
    json = NULL;
    r->json[jlen] = '\0';
    r->len = jlen;
    r->gzlen = n - klen - 1;
    memmove(bytes, bytes + klen + 1, r->gzlen);
    r->gz = bytes;
    bytes = NULL;
    *out = hearth_cache_put(hearth_service_views(svc), key, r, hearth_view_resp_seal(r),
                            hearth_view_resp_free, ref);
    r = NULL; /* the cache's now (freed by it when it could not keep it) */
    ok = *out != NULL;
    if (ok)
        hearth_metrics_derived(HEARTH_DERIVED_READ);
out_free:
    if (r)
        hearth_view_resp_free(r);
    free(json);
    free(bytes);
    free(dk);
    return ok;
}

/* Keep r, the answer of key computed from blob (and base_blob), in the store (best effort). */
static void derived_save(struct hearth_service *svc, const char *key, const char *blob,
                         const char *base_blob, const struct hearth_view_resp *r)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;
    size_t plen, n;
    char *dk, prefix[256];
    bool kept = false;

    if (!r->gz || !r->gzlen)
        return;
    dk = derived_key(cfg, key, &plen);
    if (!dk || plen >= sizeof(prefix)) {
        free(dk);
        return;
    }
    memcpy(prefix, dk, plen);
    prefix[plen] = '\0';
    hearth_buf_init(&b, cfg->lim.max_output);
    hearth_buf_addstr(&b, dk);
    hearth_buf_addch(&b, '\n');
    hearth_buf_add(&b, r->gz, r->gzlen);
    n = b.len;
    if (!b.fail &&
        hearth_derived_put(hearth_service_store(svc), dk, prefix, blob, base_blob,
                           (const unsigned char *)b.ptr, n, cfg->derived_mb << 20, &kept, &em))
        hearth_log(HEARTH_LOG_WARN, "views", "a view's answer is not kept (%s)", em.msg);
    else if (kept)
        hearth_metrics_derived(HEARTH_DERIVED_KEPT);
    hearth_buf_release(&b);
    free(dk);
}

static void prefetch_warm(struct hearth_service *svc, const char *blob, const char *base_blob);

static void prefetch_types(struct hearth_service *svc, const char *key, const char *blob,
                           const struct hearth_view_merge *merge, const char *base_blob,
                           const struct hearth_query *q, bool have_mf,
                           const struct hearth_profile *p, uint32_t sidx);

/*
 * A view computed in the view slot the caller holds (given back here);
 * background (the prefetch thread) schedules no more prefetches.
 */
static enum hearth_err view_run(struct hearth_service *svc, enum hearth_view_kind kind,
                                const char *key, const char *blob,
                                const struct hearth_view_merge *merge, const char *base_blob,
                                struct hearth_query *q, bool have_mf, bool background,
                                const struct hearth_view_resp **out, struct hearth_cache_ref **ref,
                                struct hearth_errmsg *em)
{
    struct hearth_cache_ref *mrefs[HEARTH_LIMIT_MERGE_PROFILES + 1] = {0};
    struct hearth_profile *many = NULL;
    size_t k;
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_cache *views = hearth_service_views(svc);
    struct hearth_cache *profiles = hearth_service_profiles(svc);
    struct hearth_cache_ref *bref = NULL;
    const struct hearth_profile *p = NULL, *bp = NULL;
    struct hearth_profile *merged = NULL;
    struct hearth_stacks *st = NULL;
    struct hearth_view_resp *resp;
    struct hearth_buf body;
    enum hearth_err e = HEARTH_OK;
    bool big = false, image = kind >= HEARTH_VIEW_SVG, layout = kind == HEARTH_VIEW_LAYOUT;

    hearth_buf_init(&body, cfg->lim.max_output);
    e = load_merged(svc, blob, merge, mrefs, &p, &many, em);
    if (e)
        goto out_free;
    if (base_blob) {
        e = hearth_service_profile(svc, base_blob, &bp, &bref, em);
        if (e)
            goto out_free;
        e = hearth_merge_diff(p, bp, q->diff, q->normalize, &cfg->lim, &merged, em);
        if (e)
            goto out_free;
    } else if (q->normalize) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "norm needs base=<id>");
        goto out_free;
    }
    if ((kind == HEARTH_VIEW_FLAME || kind == HEARTH_VIEW_SANDWICH) && !have_mf)
        q->min_fraction = DEFAULT_FLAME_MIN_FRACTION;
    if (kind == HEARTH_VIEW_TOP && q->nodefraction < 0 && q->nodecount < 0) {
        /* the API's top lists every row (edges keep pprof's cutoff: inline labels use it) */
        q->nodefraction = 0;
    }
    if (kind == HEARTH_VIEW_PROTO || kind == HEARTH_VIEW_TRACES || kind == HEARTH_VIEW_CALLGRIND) {
        enum hearth_report r = kind == HEARTH_VIEW_PROTO    ? HEARTH_REPORT_PROTO
                               : kind == HEARTH_VIEW_TRACES ? HEARTH_REPORT_TRACES
                                                            : HEARTH_REPORT_CALLGRIND;
        struct hearth_query rq;
        unsigned flags = 0;
        hearth_report_stacks(r, q, &rq, &flags);
        e = hearth_stacks_build_ex(merged ? merged : p, &rq, flags, &cfg->lim, &st, em);
        if (!e)
            e = hearth_report_render(r, merged ? merged : p, st, q, NULL, &body, em);
        if (e)
            goto out_free;
        goto out_store;
    }
    e = hearth_stacks_build_ex(
        merged ? merged : p, q,
        kind == HEARTH_VIEW_GRAPH || kind == HEARTH_VIEW_DOT || image || layout ? HEARTH_STACKS_TAGS
        : kind == HEARTH_VIEW_TAGS ? HEARTH_STACKS_SAMPLES
                                   : 0,
        &cfg->lim, &st, em);
    if (e)
        goto out_free;
    if (kind == HEARTH_VIEW_TOP)
        e = hearth_top_render(st, q, true, &body, em);
    else if (kind == HEARTH_VIEW_FLAME)
        e = hearth_flame_render(st, q, &body, em);
    else if (kind == HEARTH_VIEW_SANDWICH)
        e = hearth_sandwich_render(st, q, q->pivot ? q->pivot : "", &body, em);
    else if (kind == HEARTH_VIEW_PEEK)
        e = hearth_peek_render(st, q, q->peek ? q->peek : "", &body, em);
    else if (kind == HEARTH_VIEW_TAGS)
        e = hearth_tags_render(st, q, true, &body, em);
    else if (layout)
        e = render_layout(st, q, cfg,
                          q->nodecount != 0 && q->nodecount <= (long)cfg->lim.max_render_nodes,
                          &body, em);
    else
        e = hearth_callgraph_render(st, q, kind != HEARTH_VIEW_GRAPH, &body, em);
    if (!e && image) {
        /* the DOT text drawn by Graphviz (one renderer for the process: it may be busy) */
        struct hearth_buf img;
        hearth_buf_init(&img, cfg->lim.max_output);
        e = hearth_render_image(body.ptr, body.len, (enum hearth_image)(kind - HEARTH_VIEW_SVG),
                                (int64_t)cfg->lim.max_render_wait_ms, &img, em);
        hearth_buf_release(&body);
        body = img;
    }
    if (e)
        goto out_free;
out_store:
    resp = calloc(1, sizeof(*resp));
    if (!resp) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    big = resp_big(st, body.len) || merged || many;
    resp->json = hearth_buf_detach(&body, &resp->len);
    if (kind == HEARTH_VIEW_PROTO || (image && kind != HEARTH_VIEW_SVG) ||
        !hearth_gzip(resp->json, resp->len, resp->len > (1 << 20) ? 1 : 6, &resp->gz,
                     &resp->gzlen)) {
        resp->gz = NULL;
        resp->gzlen = 0;
    }
    *out =
        hearth_cache_put(views, key, resp, hearth_view_resp_seal(resp), hearth_view_resp_free, ref);
    if (!*out)
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    else if (kind == HEARTH_VIEW_FLAME && !background && st)
        prefetch_types(svc, key, blob, merge, base_blob, q, have_mf, merged ? merged : p, st->sidx);
out_free:
    /* the work is done: free it and leave the slot before a slow client reads */
    if (st && !big)
        big = resp_big(st, body.len);
    hearth_stacks_free(st);
    if (merged || many)
        big = true;
    hearth_profile_free(merged);
    hearth_profile_free(many);
    for (k = 0; k <= HEARTH_LIMIT_MERGE_PROFILES; k++)
        hearth_cache_release(profiles, mrefs[k]);
    hearth_cache_release(profiles, bref);
    hearth_buf_release(&body);
    hearth_service_view_done(svc, big);
    /* kept in the store after the slot is given back (the answer is the cache's, referenced) */
    if (!e && *out && derived_wanted(svc, kind, key, merge))
        derived_save(svc, key, blob, base_blob, *out);
    return e;
}

/* ---- the other sample types' flame graphs, in the background ---- */

/* Queued flame graphs (a request queues at most HEARTH_PREFETCH_TYPES). */
#define PF_QUEUE 6
/* The query's string options (all borrowed: a job owns copies). */
static const size_t QUERY_STRS[] = {
    offsetof(struct hearth_query, sample_index), offsetof(struct hearth_query, focus),
    offsetof(struct hearth_query, ignore),       offsetof(struct hearth_query, hide),
    offsetof(struct hearth_query, show),         offsetof(struct hearth_query, show_from),
    offsetof(struct hearth_query, tagfocus),     offsetof(struct hearth_query, tagignore),
    offsetof(struct hearth_query, unit),         offsetof(struct hearth_query, pivot),
    offsetof(struct hearth_query, peek),         offsetof(struct hearth_query, prune_from),
    offsetof(struct hearth_query, trim_path),    offsetof(struct hearth_query, tagshow),
    offsetof(struct hearth_query, taghide),      offsetof(struct hearth_query, tagroot),
    offsetof(struct hearth_query, tagleaf),
};
#define NQSTR (sizeof(QUERY_STRS) / sizeof(QUERY_STRS[0]))

struct pf_job {
    char *key, *blob, *base_blob;
    bool warm; /* only decode blob and base_blob (an answer came from the store) */
    struct hearth_view_merge merge;
    struct hearth_query q;
    bool have_mf;
    char *own[NQSTR + HEARTH_LIMIT_MERGE_PROFILES]; /* the copies behind q and merge */
    size_t nown;
};

struct hearth_prefetch {
    struct hearth_service *svc;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* jobs queued, stop, or the running job done */
    pthread_t thread;
    bool started, stopping;
    struct pf_job *queue[PF_QUEUE];
    size_t nq;
    const char *running; /* the key being computed (the job's), or NULL */
};

static const char **qstr(struct hearth_query *q, size_t i)
{
    return (const char **)(void *)((char *)q + QUERY_STRS[i]);
}

static void job_free(struct pf_job *j)
{
    size_t i;

    if (!j)
        return;
    for (i = 0; i < j->nown; i++)
        free(j->own[i]);
    free(j->key);
    free(j->blob);
    free(j->base_blob);
    free(j);
}

/* A copy of s owned by j (NULL stays NULL); false on no memory. */
static bool job_dup(struct pf_job *j, const char **s)
{
    char *c;

    if (!*s)
        return true;
    c = strdup(*s);
    if (!c)
        return false;
    j->own[j->nown++] = c;
    *s = c;
    return true;
}

struct hearth_prefetch *hearth_prefetch_new(struct hearth_service *svc)
{
    struct hearth_prefetch *pf = calloc(1, sizeof(*pf));

    if (!pf)
        return NULL;
    pf->svc = svc;
    pthread_mutex_init(&pf->lock, NULL);
    pthread_cond_init(&pf->cond, NULL);
    return pf;
}

void hearth_prefetch_stop(struct hearth_prefetch *pf)
{
    bool join;

    if (!pf)
        return;
    pthread_mutex_lock(&pf->lock);
    pf->stopping = true;
    join = pf->started;
    pf->started = false;
    pthread_cond_broadcast(&pf->cond);
    pthread_mutex_unlock(&pf->lock);
    if (join)
        pthread_join(pf->thread, NULL);
}

void hearth_prefetch_free(struct hearth_prefetch *pf)
{
    size_t i;

    if (!pf)
        return;
    hearth_prefetch_stop(pf);
    for (i = 0; i < pf->nq; i++)
        job_free(pf->queue[i]);
    pthread_cond_destroy(&pf->cond);
    pthread_mutex_destroy(&pf->lock);
    free(pf);
}

/* Whether the view cache has room for more (at most half of its budget held). */
static bool cache_roomy(struct hearth_cache *views)
{
    size_t n, bytes;

    hearth_cache_stats(views, &n, &bytes);
    return bytes <= hearth_cache_budget(views) / 2;
}

/* Compute one job: only if still missing, the cache roomy and a view slot free soon. */
static void pf_run(struct hearth_prefetch *pf, struct pf_job *j)
{
    struct hearth_cache *views = hearth_service_views(pf->svc);
    const struct hearth_view_resp *out;
    struct hearth_cache_ref *ref = NULL;
    struct hearth_errmsg em = {{0}};
    bool stop = false;
    int tries;

    if (j->warm) {
        /* decoded now, the next view of another granularity or filter finds the profile */
        const struct hearth_profile *p;
        if (!hearth_service_profile(pf->svc, j->blob, &p, &ref, &em))
            hearth_cache_release(hearth_service_profiles(pf->svc), ref);
        ref = NULL;
        if (j->base_blob && !hearth_service_profile(pf->svc, j->base_blob, &p, &ref, &em))
            hearth_cache_release(hearth_service_profiles(pf->svc), ref);
        return;
    }
    out = hearth_cache_recheck(views, j->key, &ref);
    hearth_cache_release(views, ref);
    if (out || !cache_roomy(views))
        return;
    /* kept in the store: read rather than computed */
    if (derived_wanted(pf->svc, HEARTH_VIEW_FLAME, j->key, &j->merge) &&
        derived_load(pf->svc, j->key, &out, &ref)) {
        hearth_cache_release(views, ref);
        return;
    }
    /* a request's slot is given back just after it queued this: wait for it a little */
    for (tries = 0; !hearth_service_view_slot_try(pf->svc); tries++) {
        struct timespec ts = {0, 20 * 1000000L};
        pthread_mutex_lock(&pf->lock);
        stop = pf->stopping;
        pthread_mutex_unlock(&pf->lock);
        if (stop || tries >= 100)
            return;
        nanosleep(&ts, NULL);
    }
    ref = NULL;
    if (!view_run(pf->svc, HEARTH_VIEW_FLAME, j->key, j->blob, j->merge.n ? &j->merge : NULL,
                  j->base_blob, &j->q, j->have_mf, true, &out, &ref, &em))
        hearth_cache_release(views, ref);
}

static void *pf_main(void *arg)
{
    struct hearth_prefetch *pf = arg;
    struct pf_job *j;

    pthread_mutex_lock(&pf->lock);
    for (;;) {
        while (!pf->stopping && pf->nq == 0)
            pthread_cond_wait(&pf->cond, &pf->lock);
        if (pf->stopping)
            break;
        j = pf->queue[0];
        memmove(pf->queue, pf->queue + 1, (pf->nq - 1) * sizeof(pf->queue[0]));
        pf->nq--;
        pf->running = j->key;
        pthread_mutex_unlock(&pf->lock);
        pf_run(pf, j);
        pthread_mutex_lock(&pf->lock);
        pf->running = NULL;
        pthread_cond_broadcast(&pf->cond);
        job_free(j);
    }
    pthread_mutex_unlock(&pf->lock);
    return NULL;
}

/*
 * A request about to compute key: a queued job for it is dropped (the
 * request computes it), a running one is waited for (then it is cached).
 */
static void pf_claim(struct hearth_prefetch *pf, const char *key)
{
    size_t i;

    if (!pf)
        return;
    pthread_mutex_lock(&pf->lock);
    for (i = 0; i < pf->nq; i++) {
        if (strcmp(pf->queue[i]->key, key) != 0)
            continue;
        job_free(pf->queue[i]);
        memmove(pf->queue + i, pf->queue + i + 1, (pf->nq - i - 1) * sizeof(pf->queue[0]));
        pf->nq--;
        break;
    }
    while (pf->running && !strcmp(pf->running, key))
        pthread_cond_wait(&pf->cond, &pf->lock);
    pthread_mutex_unlock(&pf->lock);
}

/*
 * key with its si= option replaced by si=type (the HTTP layer's canonical
 * key: "v1|view|blob" then the options sorted by strcmp, joined by '|';
 * the caller made sure no option's value holds a '|'). NULL: no memory.
 */
static char *key_with_type(const char *key, const char *type)
{
    struct hearth_buf b, si;
    const char *s, *e, *rest;
    bool put = false;
    size_t n;
    int bars = 0, c;
    char *out = NULL;

    hearth_buf_init(&b, (size_t)1 << 16);
    hearth_buf_init(&si, (size_t)1 << 12);
    hearth_buf_printf(&si, "si=%s", type);
    for (s = key; *s && bars < 3; s++)
        bars += *s == '|';
    if (bars < 3) {
        /* no options: the prefix is the whole key */
        hearth_buf_printf(&b, "%s|%s", key, si.ptr);
        goto out_done;
    }
    rest = s; /* the first option */
    hearth_buf_add(&b, key, (size_t)(rest - key - 1));
    for (s = rest; *s; s = *e ? e + 1 : e) {
        e = strchr(s, '|');
        if (!e)
            e = s + strlen(s);
        n = (size_t)(e - s);
        if (n >= 3 && !strncmp(s, "si=", 3))
            continue;
        /* strcmp(si, the option) as the HTTP layer's sort compares them */
        c = strncmp(si.ptr, s, n < si.len ? n : si.len);
        if (c == 0)
            c = (si.len > n) - (si.len < n);
        if (!put && c < 0) {
            hearth_buf_printf(&b, "|%s", si.ptr);
            put = true;
        }
        hearth_buf_addch(&b, '|');
        hearth_buf_add(&b, s, n);
    }
    if (!put)
        hearth_buf_printf(&b, "|%s", si.ptr);
out_done:
    if (!b.fail && !si.fail)
        out = hearth_buf_detach(&b, &n);
    hearth_buf_release(&b);
    hearth_buf_release(&si);
    return out;
}

/*
 * Whether key is a profile's landing flame graph: no option but the
 * resolution (mf) and the sample type (si). Only those are prefetched: a
 * user who has just chosen a granularity or a filter is likely to choose
 * again at once, and a background computation would then slow that down.
 */
static bool landing_view(const char *key)
{
    const char *s = key;
    int bars = 0;

    for (; *s; s++) {
        if (*s != '|')
            continue;
        if (++bars >= 3 && strncmp(s + 1, "mf=", 3) != 0 && strncmp(s + 1, "si=", 3) != 0)
            return false;
    }
    return true;
}

/*
 * Queue job j (taken: freed when it cannot be queued, the queue full, the
 * thread stopping or not startable), starting the thread on first use.
 * pf->lock held. Whether j was queued.
 */
static bool pf_push(struct hearth_prefetch *pf, struct pf_job *j)
{
    if (!pf->stopping && pf->nq < PF_QUEUE && !pf->started)
        pf->started = pthread_create(&pf->thread, NULL, pf_main, pf) == 0;
    if (pf->stopping || pf->nq == PF_QUEUE || !pf->started) {
        job_free(j);
        return false;
    }
    pf->queue[pf->nq++] = j;
    pthread_cond_broadcast(&pf->cond);
    return true;
}

/* Queue the flame graph of key for p's other sample types (see service.h). */
static void prefetch_types(struct hearth_service *svc, const char *key, const char *blob,
                           const struct hearth_view_merge *merge, const char *base_blob,
                           const struct hearth_query *q, bool have_mf,
                           const struct hearth_profile *p, uint32_t sidx)
{
    struct hearth_prefetch *pf = hearth_service_prefetch(svc);
    struct hearth_cache *views = hearth_service_views(svc);
    struct hearth_query qc = *q;
    struct hearth_str cur = p->str[p->type_name[sidx]];
    uint32_t t, queued = 0;
    size_t i;

    if (!pf || p->ntypes < 2 || !hearth_service_config(svc)->view_prefetch || !cache_roomy(views))
        return;
    /* a '|' in a value would make the key's options ambiguous: no prefetch then */
    for (i = 0; i < NQSTR; i++)
        if (*qstr(&qc, i) && strchr(*qstr(&qc, i), '|'))
            return;
    if (!landing_view(key))
        return;
    for (t = 0; t < p->ntypes && queued < hearth_service_config(svc)->view_prefetch &&
                queued < HEARTH_PREFETCH_TYPES;
         t++) {
        struct hearth_str nm = p->str[p->type_name[t]];
        struct hearth_cache_ref *ref = NULL;
        struct pf_job *j;
        bool ok = true;
        if (t == sidx || nm.len == 0 || memchr(nm.ptr, '|', nm.len) ||
            (nm.len == cur.len && !memcmp(nm.ptr, cur.ptr, nm.len)))
            continue;
        j = calloc(1, sizeof(*j));
        if (!j)
            return;
        j->q = *q;
        j->have_mf = have_mf;
        j->blob = strdup(blob);
        j->base_blob = base_blob ? strdup(base_blob) : NULL;
        j->own[j->nown] = strndup(nm.ptr, nm.len);
        ok = j->blob && (!base_blob || j->base_blob) && j->own[j->nown];
        if (ok) {
            j->q.sample_index = j->own[j->nown++];
            j->key = key_with_type(key, j->q.sample_index);
        }
        for (i = 1; ok && i < NQSTR; i++)
            ok = job_dup(j, qstr(&j->q, i));
        for (i = 0; ok && merge && i < merge->n; i++) {
            j->merge.blob[i] = merge->blob[i];
            ok = job_dup(j, &j->merge.blob[i]);
            j->merge.n = i + 1;
        }
        if (!ok || !j->key || hearth_cache_recheck(views, j->key, &ref)) {
            hearth_cache_release(views, ref);
            job_free(j);
            continue;
        }
        pthread_mutex_lock(&pf->lock);
        ok = pf_push(pf, j);
        pthread_mutex_unlock(&pf->lock);
        if (!ok)
            return;
        queued++;
    }
}

/*
 * An answer came from the store: decode its profile (and base) in the
 * background, so a switch of granularity or filter that follows need not
 * wait for the decode. Nothing when they are decoded already or the queue
 * is full.
 */
static void prefetch_warm(struct hearth_service *svc, const char *blob, const char *base_blob)
{
    struct hearth_prefetch *pf = hearth_service_prefetch(svc);
    struct hearth_cache *profiles = hearth_service_profiles(svc);
    struct hearth_cache_ref *ref = NULL;
    struct pf_job *j;
    bool have;
    size_t i;

    if (!pf)
        return;
    have = hearth_cache_recheck(profiles, blob, &ref) != NULL;
    hearth_cache_release(profiles, ref);
    ref = NULL;
    if (have && base_blob) {
        have = hearth_cache_recheck(profiles, base_blob, &ref) != NULL;
        hearth_cache_release(profiles, ref);
    }
    if (have)
        return;
    j = calloc(1, sizeof(*j));
    if (!j)
        return;
    j->warm = true;
    j->blob = strdup(blob);
    j->base_blob = base_blob ? strdup(base_blob) : NULL;
    j->key = j->blob ? key_with_type(j->blob, "warm") : NULL;
    if (!j->key || (base_blob && !j->base_blob)) {
        job_free(j);
        return;
    }
    pthread_mutex_lock(&pf->lock);
    for (i = 0; i < pf->nq && strcmp(pf->queue[i]->key, j->key) != 0; i++)
        ;
    if (i < pf->nq || (pf->running && !strcmp(pf->running, j->key)))
        job_free(j); /* queued or running already */
    else
        pf_push(pf, j);
    pthread_mutex_unlock(&pf->lock);
}

enum hearth_err hearth_service_view_merged(struct hearth_service *svc, enum hearth_view_kind kind,
                                           const char *key, const char *blob,
                                           const struct hearth_view_merge *merge,
                                           const char *base_blob, struct hearth_query *q,
                                           bool have_mf, const struct hearth_view_resp **out,
                                           struct hearth_cache_ref **ref, struct hearth_errmsg *em)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_cache *views = hearth_service_views(svc);

    *ref = NULL;
    *out = hearth_cache_get(views, key, ref);
    if (*out)
        return HEARTH_OK;
    if (kind >= HEARTH_VIEW_SVG &&
        (q->nodecount == 0 || q->nodecount > (long)cfg->lim.max_render_nodes))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "n: an image draws at most %zu nodes (limit max_render_nodes); "
                                 "give n=1..%zu",
                                 cfg->lim.max_render_nodes, cfg->lim.max_render_nodes);
    /* kept in the store (a restart, or evicted): read, and the profile decoded meanwhile */
    if (derived_wanted(svc, kind, key, merge) && derived_load(svc, key, out, ref)) {
        prefetch_warm(svc, blob, base_blob);
        return HEARTH_OK;
    }
    /* being computed in the background: wait for it rather than compute it twice */
    if (kind == HEARTH_VIEW_FLAME) {
        pf_claim(hearth_service_prefetch(svc), key);
        *out = hearth_cache_recheck(views, key, ref);
        if (*out)
            return HEARTH_OK;
    }
    /* a cache miss is computed in a view slot (the slots bound memory) */
    if (!hearth_service_view_slot(svc, em))
        return HEARTH_E_BUSY;
    /* another request may have computed it while we waited */
    *out = hearth_cache_recheck(views, key, ref);
    if (*out) {
        hearth_service_view_done(svc, false);
        return HEARTH_OK;
    }
    return view_run(svc, kind, key, blob, merge, base_blob, q, have_mf, false, out, ref, em);
}

enum hearth_err hearth_service_top_page(struct hearth_service *svc, const char *key,
                                        const char *blob, const struct hearth_view_merge *merge,
                                        const char *base_blob, struct hearth_query *q,
                                        const struct hearth_top_paging *pg, struct hearth_buf *out,
                                        struct hearth_errmsg *em)
{
    struct hearth_cache *views = hearth_service_views(svc);
    const struct hearth_view_resp *resp = NULL, *page;
    struct hearth_cache_ref *ref = NULL, *pref = NULL;
    struct hearth_view_resp *made;
    struct hearth_buf pkey, body;
    enum hearth_err e;

    /* a page is cached too (a few KiB): the next visit of the same page costs nothing */
    hearth_buf_init(&pkey, (size_t)1 << 16);
    hearth_buf_init(&body, hearth_service_config(svc)->lim.max_output);
    hearth_buf_printf(&pkey, "%s|page=%zu,%zu,%s", key, pg->offset, pg->limit,
                      pg->sort ? pg->sort : "");
    if (pkey.fail) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "query too long");
        goto out_free;
    }
    page = hearth_cache_get(views, pkey.ptr, &pref);
    if (!page && derived_wanted(svc, HEARTH_VIEW_TOP, pkey.ptr, merge) &&
        derived_load(svc, pkey.ptr, &page, &pref))
        prefetch_warm(svc, blob, base_blob);
    if (page) {
        e = hearth_buf_add(out, page->json, page->len);
        goto out_free;
    }
    e = hearth_service_view_merged(svc, HEARTH_VIEW_TOP, key, blob, merge, base_blob, q, false,
                                   &resp, &ref, em);
    if (!e)
        e = hearth_top_page(resp->json, resp->len, pg, &body, em);
    if (e)
        goto out_free;
    e = hearth_buf_add(out, body.ptr, body.len);
    made = calloc(1, sizeof(*made));
    if (!made)
        goto out_free; /* answered, just not cached */
    made->json = hearth_buf_detach(&body, &made->len);
    if (derived_wanted(svc, HEARTH_VIEW_TOP, pkey.ptr, merge) &&
        !hearth_gzip(made->json, made->len, 6, &made->gz, &made->gzlen)) {
        made->gz = NULL;
        made->gzlen = 0;
    }
    page = hearth_cache_put(views, pkey.ptr, made, made->len + made->gzlen + 256,
                            hearth_view_resp_free, &pref);
    if (page && derived_wanted(svc, HEARTH_VIEW_TOP, pkey.ptr, merge))
        derived_save(svc, pkey.ptr, blob, base_blob, page);
out_free:
    hearth_cache_release(views, pref);
    hearth_cache_release(views, ref);
    hearth_buf_release(&pkey);
    hearth_buf_release(&body);
    return e;
}
