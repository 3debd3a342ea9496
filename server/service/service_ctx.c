/*
 * service_ctx.c - the service context: the parts every service module
 * borrows (config, store, caches, fetcher), the work slots and the decoded
 * profiles through the cache; see include/hearth/service_ctx.h. The facade
 * (service.c) opens and closes it; never includes civetweb.
 */
#define _GNU_SOURCE
#include "hearth/service_ctx.h"

#include <errno.h>
#include <malloc.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/fetch.h"
#include "hearth/hints.h"
#include "hearth/jsonw.h"
#include "hearth/metrics.h"

#include "service_int.h"

#include "hearth/banned.h"

/* A slot of kind k, waiting up to wait_ms when none is free (counted for /metrics). */
static bool take_slot(sem_t *s, enum hearth_slot k, size_t wait_ms)
{
    struct timespec ts;

    if (sem_trywait(s) == 0)
        return true;
    if (wait_ms == 0) {
        hearth_metrics_slot_busy(k);
        return false;
    }
    hearth_metrics_slot_wait(k);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(wait_ms / 1000);
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(s, &ts) != 0)
        if (errno != EINTR) {
            hearth_metrics_slot_busy(k);
            return false;
        }
    return true;
}

void hearth_clean_name(const char *in, char *out, size_t outsz)
{
    size_t i, o = 0;

    for (i = 0; in[i] && o + 1 < outsz && o < 200; i++) {
        unsigned char ch = (unsigned char)in[i];
        out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    out[o] = '\0';
}

/* ---- decoded profiles (cached) ---- */

static void profile_free_cb(void *v)
{
    hearth_profile_free(v);
}

enum hearth_err hearth_service_profile(struct hearth_service *svc, const char *blob,
                                       const struct hearth_profile **out,
                                       struct hearth_cache_ref **ref, struct hearth_errmsg *em)
{
    struct hearth_profile *p;
    unsigned char *bytes = NULL;
    size_t n = 0;
    enum hearth_err e;
    void *v;

    *out = hearth_cache_get(svc->profiles, blob, ref);
    if (*out)
        return HEARTH_OK;
    if (!take_slot(&svc->decode_sem, HEARTH_SLOT_DECODE, svc->cfg->decode_wait_ms))
        return hearth_errmsg_set(em, HEARTH_E_BUSY, "the server is busy decoding; retry shortly");
    /* another request may have decoded it while we waited */
    *out = hearth_cache_recheck(svc->profiles, blob, ref);
    if (*out) {
        sem_post(&svc->decode_sem);
        return HEARTH_OK;
    }
    e = hearth_store_read_blob(svc->store, blob, svc->cfg->lim.max_input, &bytes, &n, em);
    if (!e)
        e = hearth_profile_decode(bytes, n, &svc->cfg->lim, &p, em);
    free(bytes);
    sem_post(&svc->decode_sem);
    if (e)
        return e;
    hearth_profile_trim(p);
    v = hearth_cache_put(svc->profiles, blob, p, hearth_profile_footprint(p), profile_free_cb, ref);
    if (!v)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    *out = v;
    return HEARTH_OK;
}

void hearth_service_keep_profile(struct hearth_service *svc, const char *blob,
                                 struct hearth_profile *p)
{
    struct hearth_cache_ref *ref = NULL;

    hearth_profile_trim(p);
    if (hearth_cache_put(svc->profiles, blob, p, hearth_profile_footprint(p), profile_free_cb,
                         &ref))
        hearth_cache_release(svc->profiles, ref);
}

void hearth_service_profile_facts(const struct hearth_profile *p, struct hearth_buf *b)
{
    struct hearth_jsonw w;
    uint32_t i, di = 0;
    struct hearth_str s;

    hearth_profile_sample_index(p, NULL, &di, NULL);
    hearth_jsonw_init(&w, b);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "sample_types");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < p->ntypes; i++) {
        hearth_jsonw_obj_open(&w);
        s = hearth_pstr(p, p->type_name[i]);
        hearth_jsonw_key(&w, "type");
        hearth_jsonw_str(&w, s.ptr, s.len);
        s = hearth_pstr(p, p->type_unit[i]);
        hearth_jsonw_key(&w, "unit");
        hearth_jsonw_str(&w, s.ptr, s.len);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    s = hearth_pstr(p, p->type_name[di]);
    hearth_jsonw_key(&w, "default_sample_type");
    hearth_jsonw_str(&w, s.ptr, s.len);
    hearth_jsonw_key(&w, "period_type");
    hearth_jsonw_obj_open(&w);
    s = hearth_pstr(p, p->period_type);
    hearth_jsonw_key(&w, "type");
    hearth_jsonw_str(&w, s.ptr, s.len);
    s = hearth_pstr(p, p->period_unit);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_str(&w, s.ptr, s.len);
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_key(&w, "period");
    hearth_jsonw_int(&w, p->period);
    hearth_jsonw_key(&w, "time_nanos");
    hearth_jsonw_int(&w, p->time_nanos);
    hearth_jsonw_key(&w, "duration_nanos");
    hearth_jsonw_int(&w, p->duration_nanos);
    hearth_jsonw_key(&w, "comments");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < p->ncomments && i < 100; i++) {
        s = hearth_pstr(p, p->comments[i]);
        hearth_jsonw_str(&w, s.ptr, s.len > 1000 ? 1000 : s.len);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "samples");
    hearth_jsonw_int(&w, (int64_t)p->nsamples);
    hearth_jsonw_key(&w, "sample_messages");
    hearth_jsonw_int(&w, (int64_t)(p->nsample_msgs ? p->nsample_msgs : p->nsamples));
    hearth_jsonw_key(&w, "locations");
    hearth_jsonw_int(&w, p->nloc);
    hearth_jsonw_key(&w, "functions");
    hearth_jsonw_int(&w, p->nfunc);
    s = p->fake_mapping ? hearth_pstr(p, 0) : hearth_pstr(p, p->map_file[0]);
    hearth_jsonw_key(&w, "main_binary");
    hearth_jsonw_str(&w, s.ptr, s.len > 500 ? 500 : s.len);
    if (p->converted_from) { /* a legacy format, read as pprof reads it */
        hearth_jsonw_key(&w, "converted_from");
        hearth_jsonw_cstr(&w, p->converted_from);
    }
    {
        char race[201];
        hearth_hints_race_frame(p, race, sizeof(race));
        if (*race) { /* built with -race (hints.h) */
            hearth_jsonw_key(&w, "race_frame");
            hearth_jsonw_cstr(&w, race);
        }
    }
    hearth_jsonw_obj_close(&w);
}

/* ---- answers ---- */

void hearth_service_meta_json(struct hearth_jsonw *w, const struct hearth_service *svc,
                              const struct hearth_meta *m)
{
    char url[512];

    hearth_meta_json_fields(w, m);
    snprintf(url, sizeof(url), "%s/p/%s", svc->cfg->base_path, m->id);
    hearth_jsonw_key(w, "url");
    hearth_jsonw_cstr(w, url);
    /* the info object's fields, inlined */
    if (m->info_json && m->info_json[0] == '{' && m->info_json[1] != '}') {
        hearth_buf_addch(w->b, ',');
        hearth_buf_add(w->b, m->info_json + 1, strlen(m->info_json) - 2);
    }
}

/* ---- slots ---- */

bool hearth_service_upload_slot(struct hearth_service *svc)
{
    return take_slot(&svc->upload_sem, HEARTH_SLOT_UPLOAD, 0);
}

void hearth_service_upload_done(struct hearth_service *svc)
{
    sem_post(&svc->upload_sem);
}

bool hearth_service_view_slot(struct hearth_service *svc, struct hearth_errmsg *em)
{
    if (take_slot(&svc->view_sem, HEARTH_SLOT_VIEW, svc->cfg->decode_wait_ms))
        return true;
    hearth_errmsg_set(em, HEARTH_E_BUSY,
                      "the server is busy computing other views (--view-slots); retry shortly");
    return false;
}

bool hearth_service_view_slot_try(struct hearth_service *svc)
{
    return sem_trywait(&svc->view_sem) == 0;
}

struct hearth_prefetch *hearth_service_prefetch(struct hearth_service *svc)
{
    return svc->prefetch;
}

void hearth_service_view_done(struct hearth_service *svc, bool big)
{
    sem_post(&svc->view_sem);
    /* give the pages of a big request back, so RSS falls after a burst */
    if (big)
        malloc_trim(0);
}

bool hearth_service_decode_slot(struct hearth_service *svc)
{
    return take_slot(&svc->decode_sem, HEARTH_SLOT_DECODE, svc->cfg->decode_wait_ms);
}

void hearth_service_decode_done(struct hearth_service *svc)
{
    sem_post(&svc->decode_sem);
}

bool hearth_service_fetch_slot(struct hearth_service *svc)
{
    return take_slot(&svc->fetch_sem, HEARTH_SLOT_FETCH, 0);
}

void hearth_service_fetch_done(struct hearth_service *svc)
{
    sem_post(&svc->fetch_sem);
}

/* ---- borrowed parts ---- */

const struct hearth_config *hearth_service_config(const struct hearth_service *svc)
{
    return svc->cfg;
}

struct hearth_store *hearth_service_store(struct hearth_service *svc)
{
    return svc->store;
}

struct hearth_cache *hearth_service_profiles(struct hearth_service *svc)
{
    return svc->profiles;
}

struct hearth_cache *hearth_service_views(struct hearth_service *svc)
{
    return svc->views;
}

struct hearth_captures *hearth_service_captures(struct hearth_service *svc)
{
    return svc->captures;
}

bool hearth_service_can_fetch(const struct hearth_service *svc)
{
    return svc->fetcher != NULL;
}

enum hearth_err hearth_service_check_url(const struct hearth_service *svc, const char *url,
                                         struct hearth_errmsg *em)
{
    if (!svc->fetcher)
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "fetching is disabled on this server (set --fetch-allow)");
    return hearth_fetch_check_url(svc->fetcher, url, em);
}

struct hearth_fetcher *hearth_service_fetcher(struct hearth_service *svc)
{
    return svc->fetcher;
}
