/*
 * series_svc.c - the leak-hunting domain logic of the service: the order of
 * a series' snapshots, where a gctrace log's "@0s" falls, and gctrace logs
 * stored and rendered; see include/hearth/series_svc.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/capture.h"
#include "hearth/gctrace.h"
#include "hearth/growth.h"
#include "hearth/gz.h"
#include "hearth/ingest.h"
#include "hearth/jsonw.h"
#include "hearth/series.h"
#include "hearth/series_svc.h"
#include "hearth/service_ctx.h"
#include "hearth/views_svc.h"

#include "hearth/banned.h"

/* ---- ordering of uploaded snapshots ---- */

struct item {
    const char *id;
    int64_t time_ns;
    long long num; /* the last number in the name, -1 if none */
    size_t given;
};

static long long name_number(const char *s)
{
    const char *p = s + strlen(s), *end;
    long long v = 0;

    /* skip a file extension made of letters (".pb.gz", ".prof") */
    while (p > s && !isdigit((unsigned char)p[-1]))
        p--;
    end = p;
    while (p > s && isdigit((unsigned char)p[-1]))
        p--;
    if (p == end || end - p > 15)
        return -1;
    for (; p < end; p++)
        v = v * 10 + (*p - '0');
    return v;
}

static int64_t info_time_ns(const char *info)
{
    json_t *j = json_loads(info, 0, NULL);
    int64_t t = j ? (int64_t)json_integer_value(json_object_get(j, "time_nanos")) : 0;

    json_decref(j);
    return t;
}

static int cmp_time(const void *a, const void *b)
{
    const struct item *x = a, *y = b;

    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    return x->given < y->given ? -1 : x->given > y->given;
}

static int cmp_num(const void *a, const void *b)
{
    const struct item *x = a, *y = b;

    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->given < y->given ? -1 : x->given > y->given;
}

/* Sort items by their own timestamps, else by the number in their names. */
static const char *order_items(struct item *it, size_t n)
{
    bool times = true, nums = true;
    size_t i;

    for (i = 0; i < n; i++) {
        times = times && it[i].time_ns > 0;
        nums = nums && it[i].num >= 0;
    }
    if (times) {
        qsort(it, n, sizeof(*it), cmp_time);
        for (i = 1; i < n; i++)
            times = times && it[i].time_ns != it[i - 1].time_ns;
        if (times)
            return "time";
    }
    if (nums) {
        qsort(it, n, sizeof(*it), cmp_num);
        for (i = 1; i < n; i++)
            nums = nums && it[i].num != it[i - 1].num;
        if (nums)
            return "name";
    }
    /* back to the order given */
    for (i = 0; i < n; i++)
        while (it[i].given != i) {
            struct item t = it[it[i].given];
            it[it[i].given] = it[i];
            it[i] = t;
        }
    return "given";
}

enum hearth_err hearth_service_series_create(struct hearth_service *svc, const char *name,
                                             const char *const *ids, size_t n, const char *gctrace,
                                             char id[HEARTH_ID_LEN + 1],
                                             char token[HEARTH_TOKEN_LEN + 1],
                                             struct hearth_errmsg *em)
{
    struct hearth_store *store = hearth_service_store(svc);
    struct item *it = calloc(n ? n : 1, sizeof(*it));
    const char **ordered = calloc(n ? n : 1, sizeof(*ordered));
    char *source = NULL, nm[512];
    const char *order;
    enum hearth_err e;
    size_t i;

    if (!it || !ordered) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    for (i = 0; i < n; i++) {
        struct hearth_meta m;
        const char *pid = ids[i];
        if (!pid || hearth_store_get(store, pid, &m, em)) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%s",
                                  pid ? "no such profile in \"profiles\""
                                      : "profile ids are strings");
            goto out_free;
        }
        it[i].id = pid;
        it[i].time_ns = info_time_ns(m.info_json);
        it[i].num = name_number(m.name);
        it[i].given = i;
        if (i == 0)
            source = strdup(m.source_url);
        else if (source && strcmp(source, m.source_url) != 0)
            *source = '\0'; /* mixed sources: none */
        if (i == 0 && !name)
            snprintf(nm, sizeof(nm), "%.500s", m.name);
        hearth_meta_release(&m);
    }
    if (name)
        hearth_clean_name(name, nm, sizeof(nm));
    order = order_items(it, n);
    for (i = 0; i < n; i++)
        ordered[i] = it[i].id;
    e = hearth_series_create(store, nm, source ? source : "", order, ordered, n, gctrace, NULL, id,
                             token, em);
out_free:
    free(it);
    free(ordered);
    free(source);
    return e;
}

/*
 * Where "@0s" of a gctrace falls in wall time, from its forced GCs: a heap
 * snapshot taken with ?gc=1 forces a GC just before the profile is written,
 * so the last forced GCs line up with the last snapshots. Returns -1 when
 * the log has no forced GC. label non-NULL: only the tracks of that label
 * (one process of a shared stderr, gctrace.h).
 */
static int64_t align_forced(const struct hearth_gctrace *g, const struct hearth_series *s,
                            const char *label)
{
    const struct hearth_gctrace_track *tr = NULL;
    int64_t off[64];
    size_t i, k, nf = 0, best = 0, m;

    for (i = 0; i < g->ntracks; i++) {
        size_t f = 0;
        if (label && strcmp(g->tracks[i].label, label) != 0)
            continue;
        for (k = 0; k < g->tracks[i].n; k++)
            f += g->tracks[i].gcs[k].forced;
        if (f > best) {
            best = f;
            tr = &g->tracks[i];
        }
    }
    if (!tr || !s->nitems)
        return -1;
    m = best < s->nitems ? best : s->nitems;
    if (m > 64)
        m = 64;
    /* pair the last m forced GCs with the last m snapshots */
    for (k = tr->n; k-- > 0 && nf < m;) {
        if (!tr->gcs[k].forced)
            continue;
        off[nf] = s->at_ms[s->nitems - 1 - nf] - (int64_t)llround(tr->gcs[k].t * 1000);
        nf++;
    }
    /* the median offset (insertion sort: nf <= 64) */
    for (i = 1; i < nf; i++)
        for (k = i; k > 0 && off[k - 1] > off[k]; k--) {
            int64_t x = off[k];
            off[k] = off[k - 1];
            off[k - 1] = x;
        }
    return nf ? off[nf / 2] : -1;
}

enum hearth_err hearth_service_gctrace_start_track(struct hearth_service *svc,
                                                   const char *series_id, const char *gctrace_id,
                                                   const char *label, int64_t *start_ms,
                                                   struct hearth_errmsg *em)
{
    struct hearth_store *store = hearth_service_store(svc);
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_series s;
    struct hearth_meta gm;
    struct hearth_gctrace *g = NULL;
    unsigned char *bytes = NULL;
    size_t n = 0;
    enum hearth_err e;

    memset(&s, 0, sizeof(s));
    memset(&gm, 0, sizeof(gm));
    e = hearth_store_get_gctrace(store, gctrace_id, &gm, em);
    if (!e)
        e = hearth_store_read_blob(store, gm.blob, cfg->max_upload_mb << 20, &bytes, &n, em);
    if (!e)
        e = hearth_gctrace_parse((const char *)bytes, n, HEARTH_GCTRACE_MAX_LINES, &g, em);
    if (!e)
        e = hearth_series_get(store, series_id, &s, em);
    if (!e)
        *start_ms = align_forced(g, &s, label);
    hearth_gctrace_free(g);
    free(bytes);
    hearth_meta_release(&gm);
    hearth_series_release(&s);
    return e;
}

enum hearth_err hearth_service_gctrace_start(struct hearth_service *svc, const char *series_id,
                                             const char *gctrace_id, int64_t *start_ms,
                                             struct hearth_errmsg *em)
{
    return hearth_service_gctrace_start_track(svc, series_id, gctrace_id, NULL, start_ms, em);
}

/* ---- gctrace logs ---- */

enum hearth_err hearth_service_gctrace_ingest(struct hearth_service *svc, const unsigned char *body,
                                              size_t len, const char *name, struct hearth_buf *info,
                                              struct hearth_meta *m,
                                              char token[HEARTH_TOKEN_LEN + 1],
                                              struct hearth_errmsg *em)
{
    struct hearth_gctrace *t = NULL;
    enum hearth_err e;
    size_t i, gcs = 0;

    memset(m, 0, sizeof(*m));
    e = hearth_gctrace_parse((const char *)body, len, HEARTH_GCTRACE_MAX_LINES, &t, em);
    if (e)
        return e;
    for (i = 0; i < t->ntracks; i++)
        gcs += t->tracks[i].n;
    hearth_buf_printf(info, "{\"tracks\":%zu,\"gcs\":%zu,\"lines\":%zu}", t->ntracks, gcs,
                      t->lines);
    if (!t->ntracks) {
        hearth_gctrace_free(t);
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "no 'gc N @T P%%: ...' lines found: send the stderr of a Go "
                                 "program run with GODEBUG=gctrace=1");
    }
    hearth_gctrace_free(t);
    return hearth_store_put_gctrace(hearth_service_store(svc), body, len, name, info->ptr, m, token,
                                    em);
}

/*
 * The GET answer of one gctrace (meta and parsed tracks), rendered once and
 * kept in the view cache by blob and id; computed in a view slot, so
 * concurrent GETs of a big log parse it once.
 */
static enum hearth_err gctrace_render(struct hearth_service *svc, const struct hearth_meta *m,
                                      struct hearth_view_resp **out, struct hearth_errmsg *em)
{
    struct hearth_gctrace *t = NULL;
    struct hearth_view_resp *resp = NULL;
    struct hearth_buf b;
    struct hearth_jsonw w;
    unsigned char *bytes = NULL;
    size_t n = 0;
    const struct hearth_config *cfg = hearth_service_config(svc);
    enum hearth_err e;

    *out = NULL;
    hearth_buf_init(&b, cfg->lim.max_output);
    e = hearth_store_read_blob(hearth_service_store(svc), m->blob, cfg->max_upload_mb << 20, &bytes,
                               &n, em);
    if (!e)
        e = hearth_gctrace_parse((const char *)bytes, n, HEARTH_GCTRACE_MAX_LINES, &t, em);
    free(bytes);
    if (e)
        goto out_free;
    hearth_jsonw_init(&w, &b);
    hearth_jsonw_obj_open(&w);
    hearth_meta_json_fields(&w, m);
    hearth_jsonw_key(&w, "trace");
    e = hearth_gctrace_json(t, &b, em);
    if (e)
        goto out_free;
    w.need_comma[w.depth] = true;
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&b, '\n');
    if (b.fail) {
        e = hearth_errmsg_set(em, b.fail, "the gctrace's JSON is larger than the limit");
        goto out_free;
    }
    resp = calloc(1, sizeof(*resp));
    if (!resp) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    resp->json = hearth_buf_detach(&b, &resp->len);
    if (!hearth_gzip(resp->json, resp->len, 1, &resp->gz, &resp->gzlen)) {
        resp->gz = NULL;
        resp->gzlen = 0;
    }
    *out = resp;
out_free:
    hearth_buf_release(&b);
    hearth_gctrace_free(t);
    return e;
}

enum hearth_err hearth_service_gctrace_view(struct hearth_service *svc, const struct hearth_meta *m,
                                            const struct hearth_view_resp **out,
                                            struct hearth_cache_ref **ref, struct hearth_errmsg *em)
{
    struct hearth_cache *views = hearth_service_views(svc);
    struct hearth_view_resp *resp = NULL;
    enum hearth_err e = HEARTH_OK;
    char key[256];

    *ref = NULL;
    snprintf(key, sizeof(key), "gctrace|%s|%s", m->blob, m->id);
    *out = hearth_cache_get(views, key, ref);
    if (*out)
        return HEARTH_OK;
    if (!hearth_service_view_slot(svc, em))
        return HEARTH_E_BUSY;
    *out = hearth_cache_recheck(views, key, ref);
    if (!*out) {
        e = gctrace_render(svc, m, &resp, em);
        if (!e) {
            *out = hearth_cache_put(views, key, resp, hearth_view_resp_seal(resp),
                                    hearth_view_resp_free, ref);
            if (!*out)
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        }
    }
    hearth_service_view_done(svc, true);
    return e;
}

/* ---- growth over a series ---- */

enum hearth_err hearth_service_growth(struct hearth_service *svc, const char *id,
                                      const struct hearth_query *q,
                                      const struct hearth_growth_opts *o, struct hearth_buf *out,
                                      struct hearth_errmsg *em)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_store *store = hearth_service_store(svc);
    struct hearth_series s;
    struct hearth_growth *g = NULL;
    bool in_slot = false;
    double *t = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t i;

    memset(&s, 0, sizeof(s));
    e = hearth_series_get(store, id, &s, em);
    if (e)
        goto out_free;
    if (!s.nitems) {
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "the series has no snapshots yet");
        goto out_free;
    }
    t = calloc(s.nitems, sizeof(*t));
    if (!t) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    for (i = 0; i < s.nitems; i++)
        t[i] = (double)(s.at_ms[i] - s.at_ms[0]) / 1000.0;
    /*
     * In a view slot, one snapshot at a time: each is decoded through the
     * cache, added, and let go, so memory is one profile plus the table.
     */
    if (!hearth_service_view_slot(svc, em)) {
        e = HEARTH_E_BUSY;
        goto out_free;
    }
    in_slot = true;
    e = hearth_growth_new(s.nitems, q, o, &cfg->lim, &g, em);
    if (e)
        goto out_free;
    for (i = 0; i < s.nitems; i++) {
        const struct hearth_profile *p = NULL;
        struct hearth_cache_ref *ref = NULL;
        e = hearth_service_profile(svc, s.items[i].blob, &p, &ref, em);
        if (e) {
            if (s.nitems > 1 && e != HEARTH_E_BUSY) {
                struct hearth_errmsg why = *em; /* the source must not overlap the output */
                hearth_errmsg_set(em, e, "snapshot %zu: %s", i + 1, why.msg);
            }
            goto out_free;
        }
        e = hearth_growth_add(g, p, em);
        hearth_cache_release(hearth_service_profiles(svc), ref);
        if (e)
            goto out_free;
    }
    e = hearth_growth_finish(g, t, out, em);
out_free:
    hearth_growth_free(g);
    if (in_slot)
        hearth_service_view_done(svc, true);
    free(t);
    hearth_series_release(&s);
    return e;
}

/* ---- captures ---- */

enum hearth_err hearth_service_capture_start(struct hearth_service *svc, const char *url,
                                             const char *nm, int interval_s, int count, bool gc,
                                             const char *client, char id[HEARTH_ID_LEN + 1],
                                             char token[HEARTH_TOKEN_LEN + 1], int *retry_s,
                                             struct hearth_errmsg *em)
{
    struct hearth_capture_row row;
    struct hearth_meta m;
    enum hearth_err e;
    const char *first;
    char *full = NULL;
    char ptoken[HEARTH_TOKEN_LEN + 1], name[512], snap[600];
    bool reserved = false;
    int retry = 0;

    *retry_s = -1;
    memset(&row, 0, sizeof(row));
    row.interval_s = interval_s;
    row.count = count;
    row.gc = gc;
    if (asprintf(&full, "%s%s", url, !row.gc ? "" : strchr(url, '?') ? "&gc=1" : "?gc=1") < 0) {
        full = NULL;
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    hearth_clean_name(nm && *nm ? nm : url, name, sizeof(name));
    /* a place among the running captures (global and per-client caps) */
    e = hearth_captures_reserve(hearth_service_captures(svc), client, &retry, em);
    if (e) {
        *retry_s = retry;
        goto out_free;
    }
    reserved = true;
    /* the first snapshot now: a wrong URL fails here, not silently later */
    snprintf(snap, sizeof(snap), "%s #1", name);
    row.started = hearth_now_ms();
    e = hearth_service_fetch_ingest(svc, full, snap, false, &m, ptoken, em);
    if (e)
        goto out_free;
    row.url = full;
    row.last_error = "";
    snprintf(row.state, sizeof(row.state), "%s", HEARTH_CAP_RUNNING);
    row.taken = 1;
    row.updated = hearth_now_ms();
    row.next_at = row.started + (int64_t)row.interval_s * 1000;
    row.lease_owner = hearth_captures_owner(hearth_service_captures(svc));
    row.lease_s = hearth_captures_lease_s(hearth_service_captures(svc));
    first = m.id;
    e = hearth_series_create(hearth_service_store(svc), name, full, "capture", &first, 1, NULL,
                             &row, id, token, em);
    hearth_meta_release(&m);
    if (!e) {
        e = hearth_captures_add(hearth_service_captures(svc), id, name, client, &row, em);
        reserved = false;
    }
out_free:
    if (reserved)
        hearth_captures_unreserve(hearth_service_captures(svc), client);
    free(full);
    return e;
}
