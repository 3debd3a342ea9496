/*
 * thin_svc.c - long captures that keep what matters: the thinning pass over
 * the series that asked for it (thin.h decides, series.h stores), and a
 * series made of an uploaded archive of snapshots (snaparchive.h unpacks);
 * see include/hearth/thin_svc.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/ingest.h"
#include "hearth/jsonw.h"
#include "hearth/log.h"
#include "hearth/num.h"
#include "hearth/series.h"
#include "hearth/service_ctx.h"
#include "hearth/snaparchive.h"
#include "hearth/thin.h"
#include "hearth/thin_svc.h"

#include "hearth/banned.h"

/* ---- thinning ---- */

/*
 * The total of the default sample type (pprof's: the last, or
 * default_sample_type). HEARTH_E_BUSY (no decode slot now) stops the pass:
 * the next one reads it; any other failure makes it a snapshot without a
 * known total (never the peak).
 */
static enum hearth_err default_total(struct hearth_service *svc, const char *blob, int64_t *total)
{
    const struct hearth_profile *p = NULL;
    struct hearth_cache_ref *ref = NULL;
    struct hearth_errmsg em = {{0}};
    uint32_t di = 0;
    int64_t sum = 0;
    size_t k;
    enum hearth_err e = hearth_service_profile(svc, blob, &p, &ref, &em);

    if (e)
        return e;
    if (hearth_profile_sample_index(p, NULL, &di, NULL) == HEARTH_OK && di < p->ntypes) {
        for (k = 0; k < p->nsamples; k++)
            sum = hearth_add64(sum, p->s_val[k * p->ntypes + di]);
    }
    hearth_cache_release(hearth_service_profiles(svc), ref);
    *total = sum;
    return HEARTH_OK;
}

enum hearth_err hearth_service_thin_series(struct hearth_service *svc, const char *id, int *removed,
                                           struct hearth_errmsg *em)
{
    struct hearth_store *store = hearth_service_store(svc);
    struct hearth_thin_state ts;
    struct hearth_series s;
    struct hearth_thin_policy pol;
    bool *drop = NULL, *known = NULL;
    int64_t *total = NULL, *drop_ms = NULL, window = 0;
    const char **ids = NULL;
    size_t i, from = 0, peak = SIZE_MAX, nd = 0;
    enum hearth_err e;

    *removed = 0;
    memset(&s, 0, sizeof(s));
    e = hearth_series_thin_get(store, id, &ts, em);
    if (e)
        return e;
    e = hearth_series_get(store, id, &s, em);
    if (e)
        goto out_free;
    if (s.nitems < 3)
        goto out_free;
    drop = calloc(s.nitems, sizeof(*drop));
    known = calloc(s.nitems, sizeof(*known));
    total = calloc(s.nitems, sizeof(*total));
    drop_ms = calloc(s.nitems, sizeof(*drop_ms));
    ids = calloc(s.nitems, sizeof(*ids));
    if (!drop || !known || !total || !drop_ms || !ids) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    /* the peak so far and how far the totals were read: only new snapshots are decoded */
    for (i = 0; i < s.nitems; i++) {
        if (*ts.peak && !strcmp(s.items[i].id, ts.peak))
            peak = i;
        if (*ts.scanned && !strcmp(s.items[i].id, ts.scanned))
            from = i + 1;
    }
    if (peak == SIZE_MAX || (*ts.scanned && from == 0)) {
        /* the peak or the scan's mark went (deleted): read every total again */
        peak = SIZE_MAX;
        from = 0;
        ts.peak[0] = '\0';
        ts.peak_total = 0;
    }
    for (i = from; i < s.nitems; i++) {
        int64_t t;
        enum hearth_err te = default_total(svc, s.items[i].blob, &t);
        if (te == HEARTH_E_BUSY) {
            e = hearth_errmsg_set(em, te, "the server is busy decoding; the next pass goes on");
            goto out_free;
        }
        if (te)
            continue; /* unreadable: not the peak */
        if (peak == SIZE_MAX || t > ts.peak_total) {
            peak = i;
            ts.peak_total = t;
        }
    }
    if (peak != SIZE_MAX) {
        known[peak] = true;
        total[peak] = 1;
        snprintf(ts.peak, sizeof(ts.peak), "%s", s.items[peak].id);
    }
    snprintf(ts.scanned, sizeof(ts.scanned), "%s", s.items[s.nitems - 1].id);
    pol.keep_ms = (int64_t)ts.keep_s * 1000;
    pol.every_ms = (int64_t)ts.every_s * 1000;
    hearth_thin_plan(s.at_ms, total, known, s.nitems, &pol, drop, &window);
    for (i = 0; i < s.nitems; i++)
        if (drop[i]) {
            ids[nd] = s.items[i].id;
            drop_ms[nd++] = s.at_ms[i];
        }
    e = hearth_series_thin_apply(store, id, &ts, ids, drop_ms, nd, window, removed, em);
    if (!e && *removed)
        hearth_log(HEARTH_LOG_INFO, "thin", "series %s: thinned %d snapshots", id, *removed);
out_free:
    free(drop);
    free(known);
    free(total);
    free(drop_ms);
    free(ids);
    hearth_series_release(&s);
    return e;
}

void hearth_service_thin_pass(struct hearth_service *svc)
{
    char(*ids)[HEARTH_ID_LEN + 1] = NULL;
    struct hearth_errmsg em = {{0}};
    size_t n = 0, i;

    if (hearth_series_thin_list(hearth_service_store(svc), &ids, &n, &em)) {
        hearth_log(HEARTH_LOG_WARN, "thin_error", "thinning pass: %s", em.msg);
        return;
    }
    for (i = 0; i < n; i++) {
        int removed = 0;
        memset(&em, 0, sizeof(em));
        enum hearth_err e = hearth_service_thin_series(svc, ids[i], &removed, &em);
        if (e && e != HEARTH_E_NOT_FOUND)
            hearth_log(HEARTH_LOG_WARN, "thin_error", "thinning series %s: %s", ids[i], em.msg);
    }
    free(ids);
}

/* ---- a series from an archive of snapshots ---- */

struct arc_item {
    size_t entry; /* index in the archive */
    char id[HEARTH_ID_LEN + 1];
    char token[HEARTH_TOKEN_LEN + 1];
    long long index; /* the number in the name, -1 if none */
    int64_t name_ms; /* the time in the name, -1 if none */
    int64_t time_ns; /* the profile's own time, 0 if none */
    size_t given;
};

struct arc_ctx {
    struct hearth_service *svc;
    const struct hearth_archive_entry *entries;
    const char **why; /* per entry: why it is not a profile (NULL: it is) */
    char (*msg)[160]; /* per entry: the decoder's message */
    struct arc_item *items;
    size_t nitems;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/'), *b = strrchr(path, '\\');

    if (b && (!s || b > s))
        s = b;
    return s ? s + 1 : path;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years from March 1). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *p, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/*
 * A time in a file name: YYYY-MM-DD, then T, '_' or ' ', then HH:MM:SS (':'
 * or '-' or nothing between), in UTC; or a run of exactly 10 digits (Unix
 * seconds, 2001..2286). Fills [*at, *end) with where it was. -1 if none.
 */
static int64_t name_time(const char *s, const char **at, const char **end)
{
    size_t n = strlen(s), i;

    for (i = 0; i + 10 <= n; i++) {
        int y, mo, d, h = 0, mi = 0, se = 0;
        const char *p = s + i, *q;
        if (i && isdigit((unsigned char)s[i - 1]))
            continue;
        if (digits(p, 4, &y) && p[4] == '-' && digits(p + 5, 2, &mo) && p[7] == '-' &&
            digits(p + 8, 2, &d) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
            q = p + 10;
            if ((*q == 'T' || *q == '_' || *q == ' ') && digits(q + 1, 2, &h)) {
                const char *r = q + 3;
                if (*r == ':' || *r == '-')
                    r++;
                if (digits(r, 2, &mi)) {
                    r += 2;
                    if (*r == ':' || *r == '-')
                        r++;
                    if (digits(r, 2, &se))
                        r += 2;
                    else
                        se = 0;
                    q = r;
                } else {
                    q += 3;
                }
                while (*q == '.' || isdigit((unsigned char)*q))
                    q++; /* fractions of a second: ignored */
                if (*q == 'Z')
                    q++;
            }
            if (h > 23 || mi > 59 || se > 60)
                continue;
            *at = p;
            *end = q;
            return ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + se) * 1000;
        }
    }
    for (i = 0; i + 10 <= n; i++) {
        long long v = 0;
        size_t k;
        if (i && isdigit((unsigned char)s[i - 1]))
            continue;
        for (k = 0; k < 10 && isdigit((unsigned char)s[i + k]); k++)
            v = v * 10 + (s[i + k] - '0');
        if (k == 10 && !isdigit((unsigned char)s[i + 10]) && v >= 1000000000LL) {
            *at = s + i;
            *end = s + i + 10;
            return (int64_t)v * 1000;
        }
    }
    return -1;
}

/* The last run of digits in a name outside its time (an index: heap.3.pb.gz), -1 if none. */
static long long name_index(const char *s, const char *t0, const char *t1)
{
    const char *p = s + strlen(s), *end;
    long long v = 0;

    for (;;) {
        while (p > s && !isdigit((unsigned char)p[-1]))
            p--;
        if (p == s)
            return -1;
        if (t0 && p > t0 && p <= t1) {
            p = t0; /* inside the time: look before it */
            continue;
        }
        break;
    }
    end = p;
    while (p > s && isdigit((unsigned char)p[-1]))
        p--;
    if (end - p > 15)
        return -1;
    for (; p < end; p++)
        v = v * 10 + (*p - '0');
    return v;
}

static int64_t info_time(const char *info)
{
    json_t *j = json_loads(info, 0, NULL);
    int64_t t = j ? (int64_t)json_integer_value(json_object_get(j, "time_nanos")) : 0;

    json_decref(j);
    return t > 0 ? t : 0;
}

static enum hearth_err arc_entry(void *vctx, size_t index, const unsigned char *data, size_t len,
                                 struct hearth_errmsg *em)
{
    struct arc_ctx *x = vctx;
    struct hearth_errmsg dem = {{0}};
    struct hearth_meta m;
    struct arc_item *it = &x->items[x->nitems];
    const char *name = base_name(x->entries[index].name), *t0 = NULL, *t1 = NULL;
    char clean[512];
    enum hearth_err e;

    hearth_clean_name(*name ? name : "snapshot", clean, sizeof(clean));
    e = hearth_service_ingest(x->svc, data, len, clean, "", &m, it->token, &dem);
    if (e == HEARTH_E_BUSY || e == HEARTH_E_NOMEM || e == HEARTH_E_IO ||
        e == HEARTH_E_UNAVAILABLE || e == HEARTH_E_NO_SPACE) {
        hearth_meta_release(&m);
        return hearth_errmsg_set(em, e, "%s", dem.msg);
    }
    if (e) {
        x->why[index] = "not a profile";
        snprintf(x->msg[index], sizeof(x->msg[index]), "%.150s", dem.msg);
        hearth_meta_release(&m);
        return HEARTH_OK;
    }
    memset(it->id, 0, sizeof(it->id));
    snprintf(it->id, sizeof(it->id), "%s", m.id);
    it->entry = index;
    it->given = x->nitems;
    it->time_ns = info_time(m.info_json);
    it->name_ms = name_time(name, &t0, &t1);
    it->index = name_index(name, t0, t1);
    hearth_meta_release(&m);
    x->nitems++;
    return HEARTH_OK;
}

static int cmp_index(const void *a, const void *b)
{
    const struct arc_item *x = a, *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_name_ms(const void *a, const void *b)
{
    const struct arc_item *x = a, *y = b;

    return x->name_ms < y->name_ms ? -1 : x->name_ms > y->name_ms;
}

static int cmp_time_ns(const void *a, const void *b)
{
    const struct arc_item *x = a, *y = b;

    return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/* Sort by the first key every item has with all values distinct; returns its name. */
static const char *order_archive(struct arc_item *it, size_t n)
{
    bool idx = true, nt = true, tn = true;
    size_t i;

    for (i = 0; i < n; i++) {
        idx = idx && it[i].index >= 0;
        nt = nt && it[i].name_ms >= 0;
        tn = tn && it[i].time_ns > 0;
    }
    if (idx) {
        qsort(it, n, sizeof(*it), cmp_index);
        for (i = 1; i < n; i++)
            idx = idx && it[i].index != it[i - 1].index;
        if (idx)
            return "index";
    }
    if (nt) {
        qsort(it, n, sizeof(*it), cmp_name_ms);
        for (i = 1; i < n; i++)
            nt = nt && it[i].name_ms != it[i - 1].name_ms;
        if (nt)
            return "name-time";
    }
    if (tn) {
        qsort(it, n, sizeof(*it), cmp_time_ns);
        for (i = 1; i < n; i++)
            tn = tn && it[i].time_ns != it[i - 1].time_ns;
        if (tn)
            return "time";
    }
    for (i = 0; i < n; i++)
        while (it[i].given != i) {
            struct arc_item t = it[it[i].given];
            it[it[i].given] = it[i];
            it[i] = t;
        }
    return "archive";
}

static const char *order_text(const char *order)
{
    return !strcmp(order, "index")       ? "by the number in each file name (heap.0, heap.1, ...)"
           : !strcmp(order, "name-time") ? "by the time in each file name"
           : !strcmp(order, "time")      ? "by each profile's own time (time_nanos)"
                                         : "as stored in the archive (no number or time told "
                                           "the snapshots apart)";
}

enum hearth_err hearth_service_series_archive(struct hearth_service *svc, const unsigned char *body,
                                              size_t len, const char *name,
                                              char id[HEARTH_ID_LEN + 1],
                                              char token[HEARTH_TOKEN_LEN + 1],
                                              struct hearth_buf *report, struct hearth_errmsg *em)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_store *store = hearth_service_store(svc);
    struct hearth_archive_caps caps = {HEARTH_LIMIT_ARCHIVE_ENTRIES, cfg->lim.max_input,
                                       HEARTH_LIMIT_ARCHIVE_TOTAL, HEARTH_LIMIT_ARCHIVE_RATIO,
                                       HEARTH_LIMIT_ARCHIVE_RATIO_FREE};
    struct hearth_archive_entry *entries = NULL;
    struct arc_ctx x;
    struct hearth_jsonw w;
    const char *format = "", *order = "", **ordered = NULL;
    char nm[512];
    size_t n = 0, i, files = 0;
    enum hearth_err e;
    bool made = false;

    memset(&x, 0, sizeof(x));
    e = hearth_archive_list(body, len, &caps, &entries, &n, &format, em);
    if (e)
        return e;
    for (i = 0; i < n; i++)
        files += !entries[i].skip;
    if (files > HEARTH_LIMIT_SERIES_ITEMS) {
        e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                              "the archive holds %zu files; a series holds at most %d snapshots",
                              files, HEARTH_LIMIT_SERIES_ITEMS);
        goto out_free;
    }
    x.svc = svc;
    x.entries = entries;
    x.why = calloc(n ? n : 1, sizeof(*x.why));
    x.msg = calloc(n ? n : 1, sizeof(*x.msg));
    x.items = calloc(files ? files : 1, sizeof(*x.items));
    ordered = calloc(files ? files : 1, sizeof(*ordered));
    if (!x.why || !x.msg || !x.items || !ordered) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    e = hearth_archive_each(body, len, &caps, entries, n, arc_entry, &x, em);
    if (e)
        goto out_free;
    if (!x.nitems) {
        struct hearth_buf b;
        hearth_buf_init(&b, 600);
        for (i = 0; i < n && i < 5; i++)
            hearth_buf_printf(&b, "%s%.60s: %s%s%.80s%s", i ? "; " : "", entries[i].name,
                              entries[i].skip ? entries[i].skip
                              : x.why[i]      ? x.why[i]
                                              : "?",
                              x.msg[i][0] ? " (" : "", x.msg[i], x.msg[i][0] ? ")" : "");
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "none of the archive's %zu entries is a profile%s%.420s%s", n,
                              n ? ": " : "", b.ptr ? b.ptr : "", n > 5 ? "; ..." : "");
        hearth_buf_release(&b);
        goto out_free;
    }
    order = order_archive(x.items, x.nitems);
    for (i = 0; i < x.nitems; i++)
        ordered[i] = x.items[i].id;
    if (name && *name)
        hearth_clean_name(name, nm, sizeof(nm));
    else
        hearth_clean_name(base_name(entries[x.items[0].entry].name), nm, sizeof(nm));
    e = hearth_series_create(store, nm, "", order, ordered, x.nitems, NULL, NULL, id, token, em);
    if (e)
        goto out_free;
    made = true;
    /* the snapshots were made for the series: its token deletes them (with_profiles) */
    e = hearth_series_adopt_all(store, id, em);
    if (e)
        goto out_free;
    hearth_jsonw_init(&w, report);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "format");
    hearth_jsonw_cstr(&w, format);
    hearth_jsonw_key(&w, "order");
    hearth_jsonw_cstr(&w, order);
    hearth_jsonw_key(&w, "order_text");
    hearth_jsonw_cstr(&w, order_text(order));
    hearth_jsonw_key(&w, "profiles");
    hearth_jsonw_int(&w, (int64_t)x.nitems);
    hearth_jsonw_key(&w, "skipped");
    hearth_jsonw_int(&w, (int64_t)(n - x.nitems));
    hearth_jsonw_key(&w, "entries");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < n; i++) {
        size_t k;
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_cstr(&w, entries[i].name);
        hearth_jsonw_key(&w, "size");
        hearth_jsonw_int(&w, (int64_t)entries[i].size);
        for (k = 0; k < x.nitems && x.items[k].entry != i; k++)
            ;
        hearth_jsonw_key(&w, "status");
        hearth_jsonw_cstr(&w, k < x.nitems ? "profile" : "skipped");
        if (k < x.nitems) {
            hearth_jsonw_key(&w, "profile");
            hearth_jsonw_cstr(&w, x.items[k].id);
            hearth_jsonw_key(&w, "position");
            hearth_jsonw_int(&w, (int64_t)k);
        } else {
            hearth_jsonw_key(&w, "reason");
            hearth_jsonw_cstr(&w, entries[i].skip ? entries[i].skip
                                  : x.why[i]      ? x.why[i]
                                                  : "not read");
            if (x.msg[i][0]) {
                hearth_jsonw_key(&w, "detail");
                hearth_jsonw_cstr(&w, x.msg[i]);
            }
        }
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_obj_close(&w);
out_free:
    if (e) {
        /* nothing stays of a refused archive: the snapshots stored so far go again */
        struct hearth_errmsg em2 = {{0}};
        if (made)
            hearth_series_delete(store, id, token, false, NULL, &em2);
        for (i = 0; i < x.nitems; i++) {
            memset(&em2, 0, sizeof(em2));
            hearth_store_delete(store, x.items[i].id, x.items[i].token, &em2);
        }
    }
    hearth_archive_entries_free(entries, n);
    free(x.why);
    free(x.msg);
    free(x.items);
    free(ordered);
    return e;
}
