/* memstats_svc.c - runtime memory next to Go heap profiles; see include/hearth/memstats_svc.h. */
#define _GNU_SOURCE
#include "hearth/memstats_svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/fetch.h"
#include "hearth/gctrace.h"
#include "hearth/groups.h"
#include "hearth/hints.h"
#include "hearth/jsonw.h"
#include "hearth/log.h"
#include "hearth/memstats.h"
#include "hearth/memstats_store.h"
#include "hearth/service_ctx.h"

#include "hearth/banned.h"

int64_t hearth_msvc_inuse_total(const struct hearth_profile *p)
{
    uint32_t t;
    size_t i;
    int64_t sum = 0;

    for (t = 0; t < p->ntypes; t++) {
        struct hearth_str s = hearth_pstr(p, p->type_name[t]);
        if (s.len == 11 && !memcmp(s.ptr, "inuse_space", 11))
            break;
    }
    /* a legacy heap text whose allocation counts equal its in-use ones reads as
     * objects/space (as pprof reads it): space is then the bytes in use */
    for (i = 0; t == p->ntypes && i < p->ntypes; i++) {
        struct hearth_str s = hearth_pstr(p, p->type_name[i]);
        if (s.len == 5 && !memcmp(s.ptr, "space", 5))
            t = (uint32_t)i;
    }
    if (t == p->ntypes)
        return -1;
    for (i = 0; i < p->nsamples; i++)
        if (__builtin_add_overflow(sum, p->s_val[i * p->ntypes + t], &sum))
            return -1;
    return sum < 0 ? 0 : sum;
}

/* Store the parsed values (or why there are none) as profile_id's row. */
static void record(struct hearth_service *svc, const char *profile_id,
                   const struct hearth_memstats *ms, const char *source, int64_t inuse,
                   const char *why)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;
    struct hearth_jsonw w;

    hearth_buf_init(&b, 1 << 20);
    if (ms) {
        hearth_jsonw_init(&w, &b);
        hearth_memstats_json(&w, ms);
    }
    if (hearth_ms_put(hearth_service_store(svc), profile_id, ms ? ms->format : "", source,
                      hearth_now_ms(), ms ? "" : why, b.ptr ? b.ptr : "", inuse, &em))
        hearth_log(HEARTH_LOG_WARN, "memstats_error", "profile %s: cannot record MemStats: %s",
                   profile_id, em.msg);
    hearth_buf_release(&b);
}

void hearth_msvc_record_debug1(struct hearth_service *svc, const char *profile_id,
                               const void *bytes, size_t n, const char *source, int64_t inuse)
{
    struct hearth_memstats ms;
    struct hearth_errmsg em = {{0}};

    if (!hearth_memstats_in_debug1(bytes, n))
        return;
    if (hearth_memstats_parse(bytes, n, &ms, &em))
        record(svc, profile_id, NULL, source, inuse, em.msg);
    else
        record(svc, profile_id, &ms, source, inuse, NULL);
}

/*
 * From a heap profile's URL, the same process's ?debug=1 heap URL and its
 * /debug/vars URL ("" when the path has no /debug/pprof/). False when the
 * URL is not a heap or allocs endpoint.
 */
static bool memstats_urls(const char *url, char *d1, size_t d1cap, char *vars, size_t vcap)
{
    size_t pl = strcspn(url, "?#"), k;
    const char *dp = NULL, *p, *last;

    *d1 = *vars = '\0';
    for (p = memmem(url, pl, "/debug/pprof/", 13); p;
         p = memmem(p + 1, pl - (size_t)(p + 1 - url), "/debug/pprof/", 13))
        dp = p;
    for (last = url + pl; last > url && last[-1] != '/';)
        last--;
    k = (size_t)(url + pl - last);
    if (!((k == 4 && !memcmp(last, "heap", 4)) || (k == 6 && !memcmp(last, "allocs", 6))))
        return false;
    snprintf(d1, d1cap, "%.*sheap?debug=1", (int)(last - url), url);
    if (dp)
        snprintf(vars, vcap, "%.*s/debug/vars", (int)(dp - url), url);
    return true;
}

/* Fetch url and parse its MemStats; *why on failure. */
static bool fetch_parse(struct hearth_fetcher *f, const char *url, struct hearth_memstats *ms,
                        struct hearth_errmsg *why)
{
    struct hearth_errmsg detail = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    bool ok;

    if (hearth_fetch(f, url, &body, &len, why, &detail))
        return false;
    ok = hearth_memstats_parse(body, len, ms, why) == HEARTH_OK;
    free(body);
    return ok;
}

void hearth_msvc_fetch_record(struct hearth_service *svc, struct hearth_fetcher *f, const char *url,
                              const char *profile_id, int64_t inuse)
{
    char d1[4200], vars[4200], why[1100];
    struct hearth_errmsg e1 = {{0}}, e2 = {{0}};
    struct hearth_memstats ms;

    if (!memstats_urls(url, d1, sizeof(d1), vars, sizeof(vars))) {
        record(svc, profile_id, NULL, "", inuse,
               "not fetched: the URL is not a Go /debug/pprof/heap (or /allocs) endpoint");
        return;
    }
    if (fetch_parse(f, d1, &ms, &e1)) {
        record(svc, profile_id, &ms, d1, inuse, NULL);
        return;
    }
    if (*vars && fetch_parse(f, vars, &ms, &e2)) {
        record(svc, profile_id, &ms, vars, inuse, NULL);
        return;
    }
    snprintf(why, sizeof(why), "heap?debug=1: %s%s%s", e1.msg, *vars ? "; /debug/vars: " : "",
             *vars ? e2.msg : "");
    record(svc, profile_id, NULL, d1, inuse, why);
}

/* ---- answers ---- */

/* The row as JSON object members (the object is open). */
static void row_json(struct hearth_jsonw *w, const struct hearth_ms_row *r, bool full)
{
    struct hearth_memstats ms;
    struct hearth_memstats_parts parts;
    struct hearth_errmsg em = {{0}};

    hearth_jsonw_key(w, "profile");
    hearth_jsonw_cstr(w, r->profile);
    hearth_jsonw_key(w, "source");
    hearth_jsonw_cstr(w, r->source);
    hearth_jsonw_key(w, "taken");
    hearth_jsonw_int(w, r->taken);
    if (*r->error || hearth_memstats_parse(r->stats, strlen(r->stats), &ms, &em)) {
        hearth_jsonw_key(w, "error");
        hearth_jsonw_cstr(w, *r->error ? r->error : em.msg);
        return;
    }
    hearth_jsonw_key(w, "format");
    hearth_jsonw_cstr(w, r->format);
    hearth_jsonw_key(w, "goroutines");
    if (ms.goroutines >= 0)
        hearth_jsonw_int(w, ms.goroutines);
    else
        hearth_jsonw_null(w);
    hearth_memstats_breakdown(&ms, r->has_inuse ? r->profile_inuse : -1, &parts);
    if (full) {
        hearth_jsonw_key(w, "memstats");
        hearth_memstats_fields_json(w, &ms);
        hearth_jsonw_key(w, "breakdown");
        hearth_jsonw_obj_open(w);
        hearth_memstats_parts_json(w, &parts);
        hearth_jsonw_obj_close(w);
    } else {
        hearth_memstats_parts_json(w, &parts);
    }
}

enum hearth_err hearth_msvc_get(struct hearth_service *svc, const char *profile_id,
                                struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_ms_row r;
    struct hearth_jsonw w;
    enum hearth_err e;

    e = hearth_ms_get(hearth_service_store(svc), profile_id, &r, em);
    if (e)
        return e;
    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    row_json(&w, &r, true);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    hearth_ms_row_release(&r);
    return out->fail ? hearth_errmsg_set(em, out->fail, "the answer is too large") : HEARTH_OK;
}

enum hearth_err hearth_msvc_attach(struct hearth_service *svc, const char *profile_id,
                                   const char *token, const unsigned char *bytes, size_t n,
                                   struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_store *st = hearth_service_store(svc);
    struct hearth_memstats ms;
    struct hearth_meta m;
    const struct hearth_profile *p = NULL;
    struct hearth_cache_ref *ref = NULL;
    struct hearth_buf b;
    struct hearth_jsonw w;
    int64_t inuse;
    enum hearth_err e;

    memset(&m, 0, sizeof(m));
    e = hearth_ms_check_token(st, profile_id, token, em);
    if (e)
        return e;
    e = hearth_memstats_parse(bytes, n, &ms, em);
    if (e) {
        struct hearth_errmsg why = *em;
        return hearth_errmsg_set(em, e == HEARTH_E_CORRUPT ? HEARTH_E_BAD_REQUEST : e,
                                 "%s (send a Go heap profile fetched with ?debug=1, or the JSON of "
                                 "/debug/vars)",
                                 why.msg);
    }
    e = hearth_store_get(st, profile_id, &m, em);
    if (e)
        return e;
    e = hearth_service_profile(svc, m.blob, &p, &ref, em);
    hearth_meta_release(&m);
    if (e)
        return e;
    inuse = hearth_msvc_inuse_total(p);
    hearth_cache_release(hearth_service_profiles(svc), ref);
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_memstats_json(&w, &ms);
    e = hearth_ms_put(st, profile_id, ms.format, "upload", hearth_now_ms(), "", b.ptr ? b.ptr : "",
                      inuse, em);
    hearth_buf_release(&b);
    if (e)
        return e;
    return hearth_msvc_get(svc, profile_id, out, em);
}

/* A parsed gctrace attached to the series, or NULL. */
static struct hearth_gctrace *series_gctrace(struct hearth_service *svc,
                                             const struct hearth_series *s)
{
    struct hearth_store *st = hearth_service_store(svc);
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_errmsg em = {{0}};
    struct hearth_gctrace *g = NULL;
    struct hearth_meta gm;
    unsigned char *bytes = NULL;
    size_t n = 0;

    memset(&gm, 0, sizeof(gm));
    if (!*s->gctrace || hearth_store_get_gctrace(st, s->gctrace, &gm, &em))
        return NULL;
    if (!hearth_store_read_blob(st, gm.blob, cfg->max_upload_mb << 20, &bytes, &n, &em) &&
        hearth_gctrace_parse((const char *)bytes, n, HEARTH_GCTRACE_MAX_LINES, &g, &em))
        g = NULL;
    free(bytes);
    hearth_meta_release(&gm);
    return g;
}

/*
 * The part of the series' gctrace that is its own process: for a target of a
 * capture group, whose series has the group's shared log (several processes,
 * lines prefixed "[name] "), only the track matched to it (a label's last
 * track: a process restarted under the same name is its newest), in *view
 * (borrowing g's track); else g itself.
 */
static const struct hearth_gctrace *own_track(struct hearth_service *svc,
                                              const struct hearth_series *s,
                                              const struct hearth_gctrace *g,
                                              struct hearth_gctrace *view)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_group_ref ref;
    size_t i;

    if (!g || hearth_group_of_series(hearth_service_store(svc), s->id, &ref, &em) != HEARTH_OK ||
        !*ref.track || strcmp(ref.gctrace, s->gctrace) != 0)
        return g; /* not a target, or a log of its own */
    *view = *g;
    view->ntracks = 0;
    view->tracks = NULL;
    for (i = g->ntracks; i-- > 0;)
        if (!strcmp(g->tracks[i].label, ref.track)) {
            view->tracks = &g->tracks[i];
            view->ntracks = 1;
            break;
        }
    return view;
}

/* A goroutine profile's total (its goroutine count), else -1. Decoded through the cache. */
static int64_t goroutine_count(struct hearth_service *svc, const struct hearth_meta *m,
                               json_t *info)
{
    json_t *dt = json_object_get(info, "default_sample_type");
    const struct hearth_profile *p = NULL;
    struct hearth_cache_ref *ref = NULL;
    struct hearth_errmsg em = {{0}};
    int64_t n = 0;
    size_t i;

    if (!json_is_string(dt) || strcmp(json_string_value(dt), "goroutine") != 0 ||
        hearth_service_profile(svc, m->blob, &p, &ref, &em))
        return -1;
    for (i = 0; i < p->nsamples && p->ntypes == 1; i++)
        n += p->s_val[i] > 0 ? p->s_val[i] : 0;
    if (p->ntypes != 1)
        n = -1;
    hearth_cache_release(hearth_service_profiles(svc), ref);
    return n;
}

void hearth_msvc_series_json(struct hearth_service *svc, const struct hearth_series *s,
                             struct hearth_jsonw *w)
{
    size_t n = s->nitems, i;
    struct hearth_memstats *ms = calloc(n ? n : 1, sizeof(*ms));
    struct hearth_hint_snap *hs = calloc(n ? n : 1, sizeof(*hs));
    char(*race)[201] = calloc(n ? n : 1, sizeof(*race));
    struct hearth_gctrace *g = NULL, view;

    hearth_jsonw_key(w, "memory");
    hearth_jsonw_arr_open(w);
    for (i = 0; ms && hs && race && i < n; i++) {
        struct hearth_ms_row r;
        struct hearth_errmsg em = {{0}};
        json_t *info = json_loads(s->items[i].info_json, 0, NULL);
        json_t *rf = json_object_get(info, "race_frame");

        hs[i].profile_id = s->items[i].id;
        hs[i].goroutines = goroutine_count(svc, &s->items[i], info);
        if (json_is_string(rf)) {
            snprintf(race[i], sizeof(race[i]), "%s", json_string_value(rf));
            hs[i].race_frame = race[i];
        }
        json_decref(info);
        hearth_jsonw_obj_open(w);
        if (hearth_ms_get(hearth_service_store(svc), s->items[i].id, &r, &em)) {
            hearth_jsonw_key(w, "profile");
            hearth_jsonw_cstr(w, s->items[i].id);
            hearth_jsonw_key(w, "none");
            hearth_jsonw_bool(w, true);
        } else {
            row_json(w, &r, false);
            if (!*r.error && !hearth_memstats_parse(r.stats, strlen(r.stats), &ms[i], &em))
                hs[i].ms = &ms[i];
            hearth_ms_row_release(&r);
        }
        hearth_jsonw_obj_close(w);
    }
    hearth_jsonw_arr_close(w);
    hearth_jsonw_key(w, "hints");
    g = series_gctrace(svc, s);
    hearth_hints_json(w, hs, ms && hs && race ? n : 0, own_track(svc, s, g, &view));
    hearth_gctrace_free(g);
    free(ms);
    free(hs);
    free(race);
}
