/*
 * groups_svc.c - capture groups: several targets captured on one schedule
 * (groups.h), started, stopped, deleted and matched to a shared gctrace; see
 * include/hearth/groups_svc.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/capture.h"
#include "hearth/gctrace.h"
#include "hearth/groups.h"
#include "hearth/groups_svc.h"
#include "hearth/ingest.h"
#include "hearth/limits.h"
#include "hearth/series.h"
#include "hearth/series_svc.h"
#include "hearth/service_ctx.h"

#include "hearth/banned.h"

/* Per target while starting: the first snapshot and its (own, temporary) token. */
struct start_target {
    char *full; /* the URL as fetched (?gc=1 added when asked) */
    char series_name[512];
    struct hearth_meta m;
    char ptoken[HEARTH_TOKEN_LEN + 1];
    bool stored;
    struct hearth_capture_row row;
    /* the first snapshot, taken on a thread of its own */
    struct hearth_service *svc;
    char snap[700];
    enum hearth_err e;
    struct hearth_errmsg em;
    pthread_t thread;
    bool started;
};

/* Take one target's first snapshot (all targets' at once: step 1 is one moment too). */
static void *first_snapshot(void *arg)
{
    struct start_target *t = arg;

    /* scheduled: the group's reserved capture places bound these fetches, not the ad-hoc
     * slots of /api/fetch (too few for a group's targets at once) */
    t->e = hearth_service_fetch_ingest(t->svc, t->full, t->snap, true, &t->m, t->ptoken, &t->em);
    t->stored = t->e == HEARTH_OK;
    return NULL;
}

enum hearth_err hearth_service_group_start(struct hearth_service *svc, const char *name,
                                           const char *const *names, const char *const *urls,
                                           size_t n, int interval_s, int count, bool gc,
                                           const char *client, char id[HEARTH_ID_LEN + 1],
                                           char token[HEARTH_TOKEN_LEN + 1], int *retry_s,
                                           struct hearth_errmsg *em)
{
    struct hearth_captures *caps = hearth_service_captures(svc);
    struct start_target *t = NULL;
    struct hearth_group_new_target *nt = NULL;
    char(*series)[HEARTH_ID_LEN + 1] = NULL;
    char gname[512], snap[700];
    size_t i, reserved = 0;
    int64_t started;
    enum hearth_err e = HEARTH_OK;

    *retry_s = -1;
    if (n < 1 || n > HEARTH_LIMIT_CAPTURE_TARGETS)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "a capture group has 1 to %d targets",
                                 HEARTH_LIMIT_CAPTURE_TARGETS);
    t = calloc(n, sizeof(*t));
    nt = calloc(n, sizeof(*nt));
    series = calloc(n, sizeof(*series));
    if (!t || !nt || !series) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    hearth_clean_name(name && *name ? name : "capture group", gname, sizeof(gname));
    /* every URL first: a typo in the third target fetches nothing */
    for (i = 0; i < n; i++) {
        struct hearth_errmsg why = {{0}};
        e = hearth_service_check_url(svc, urls[i], &why);
        if (e) {
            hearth_errmsg_set(em, e, "target \"%s\": %s", names[i], why.msg);
            goto out_free;
        }
        if (asprintf(&t[i].full, "%s%s", urls[i],
                     !gc                    ? ""
                     : strchr(urls[i], '?') ? "&gc=1"
                                            : "?gc=1") < 0) {
            t[i].full = NULL;
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_free;
        }
        snprintf(snap, sizeof(snap), "%.400s: %.64s", gname, names[i]);
        hearth_clean_name(snap, t[i].series_name, sizeof(t[i].series_name));
    }
    /* n places among the running captures (each target is a capture; the group counts once
     * against its client's limit: target 0 is the client's, the others the group's) */
    for (reserved = 0; reserved < n; reserved++) {
        int retry = 0;
        e = reserved ? hearth_captures_reserve_more(caps, &retry, em)
                     : hearth_captures_reserve(caps, client, &retry, em);
        if (e) {
            *retry_s = retry;
            goto out_free;
        }
    }
    /* the first snapshots now, at once: a wrong target fails here, not later */
    started = hearth_now_ms();
    for (i = 0; i < n; i++) {
        t[i].svc = svc;
        snprintf(t[i].snap, sizeof(t[i].snap), "%.500s #1", t[i].series_name);
        t[i].started = pthread_create(&t[i].thread, NULL, first_snapshot, &t[i]) == 0;
        if (!t[i].started)
            first_snapshot(&t[i]); /* no thread: in turn */
    }
    for (i = 0; i < n; i++)
        if (t[i].started)
            pthread_join(t[i].thread, NULL);
    for (i = 0; i < n; i++)
        if (t[i].e) {
            e = hearth_errmsg_set(em, t[i].e, "target \"%s\": %s", names[i], t[i].em.msg);
            goto out_free;
        }
    for (i = 0; i < n; i++) {
        struct hearth_capture_row *r = &t[i].row;
        r->url = t[i].full;
        r->last_error = "";
        r->interval_s = interval_s;
        r->count = count;
        r->gc = gc;
        snprintf(r->state, sizeof(r->state), "%s", HEARTH_CAP_RUNNING);
        r->taken = 1;
        r->started = started; /* one schedule: step k of every target is due at the same time */
        r->updated = hearth_now_ms();
        r->next_at = started + (int64_t)interval_s * 1000;
        r->lease_owner = hearth_captures_owner(caps);
        r->lease_s = hearth_captures_lease_s(caps);
        nt[i].name = names[i];
        nt[i].series_name = t[i].series_name;
        nt[i].url = t[i].full;
        nt[i].profile = t[i].m.id;
        nt[i].cap = r;
    }
    e = hearth_group_create(hearth_service_store(svc), gname, interval_s, count, gc, nt, n, id,
                            token, series, em);
    if (e)
        goto out_free;
    for (i = 0; i < n; i++) {
        t[i].stored = false; /* the group's now */
        if (!e)
            e = hearth_captures_add(caps, series[i], t[i].series_name,
                                    i ? HEARTH_CLIENT_GROUP : client, &t[i].row, em);
        else
            hearth_captures_unreserve(caps, i ? HEARTH_CLIENT_GROUP : client);
    }
    reserved = 0;
out_free:
    for (i = 0; i < reserved; i++)
        hearth_captures_unreserve(caps, i ? HEARTH_CLIENT_GROUP : client);
    for (i = 0; t && i < n; i++) {
        if (t[i].stored) {
            struct hearth_errmsg ignore = {{0}};
            hearth_store_delete(hearth_service_store(svc), t[i].m.id, t[i].ptoken, &ignore);
        }
        hearth_meta_release(&t[i].m);
        free(t[i].full);
    }
    free(t);
    free(nt);
    free(series);
    return e;
}

enum hearth_err hearth_service_group_stop(struct hearth_service *svc, const char *id,
                                          struct hearth_errmsg *em)
{
    struct hearth_group g;
    enum hearth_err e;
    size_t i;

    e = hearth_group_get(hearth_service_store(svc), id, &g, em);
    if (e)
        return e;
    for (i = 0; i < g.ntargets && !e; i++) {
        struct hearth_errmsg why = {{0}};
        enum hearth_err e2 =
            hearth_captures_cancel(hearth_service_captures(svc), g.targets[i].series, &why);
        if (e2 && e2 != HEARTH_E_NOT_FOUND) /* not running (done, or stopped): nothing to do */
            e = hearth_errmsg_set(em, e2, "target \"%s\": %s", g.targets[i].name, why.msg);
    }
    hearth_group_release(&g);
    return e;
}

enum hearth_err hearth_service_group_delete(struct hearth_service *svc, const char *id,
                                            const char *token, bool with_profiles,
                                            struct hearth_errmsg *em)
{
    struct hearth_store *st = hearth_service_store(svc);
    struct hearth_group g;
    enum hearth_err e;
    size_t i;

    e = hearth_group_check_token(st, id, token, em);
    if (!e)
        e = hearth_group_get(st, id, &g, em);
    if (e)
        return e;
    for (i = 0; i < g.ntargets && !e; i++) {
        struct hearth_errmsg why = {{0}};
        enum hearth_err e2;
        if (hearth_service_captures(svc))
            hearth_captures_cancel(hearth_service_captures(svc), g.targets[i].series, &why);
        /* the series has the group's token; one deleted on its own already is gone */
        e2 = hearth_series_delete(st, g.targets[i].series, token, with_profiles, NULL, &why);
        if (e2 && e2 != HEARTH_E_NOT_FOUND)
            e = hearth_errmsg_set(em, e2, "target \"%s\": %s", g.targets[i].name, why.msg);
    }
    if (!e)
        e = hearth_group_delete_rows(st, id, em);
    hearth_group_release(&g);
    return e;
}

/* Whether the log has a track labelled label. */
static bool has_label(const struct hearth_gctrace *t, const char *label)
{
    size_t i;

    for (i = 0; i < t->ntracks; i++)
        if (!strcmp(t->tracks[i].label, label))
            return true;
    return false;
}

enum hearth_err hearth_service_group_gctrace(struct hearth_service *svc, const char *id,
                                             const char *gctrace, const char *const *tracks,
                                             size_t ntracks, struct hearth_errmsg *em)
{
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_store *st = hearth_service_store(svc);
    struct hearth_group g;
    struct hearth_meta gm;
    struct hearth_gctrace *log = NULL;
    unsigned char *bytes = NULL;
    const char **use = NULL;
    size_t n = 0, i;
    enum hearth_err e;

    memset(&gm, 0, sizeof(gm));
    e = hearth_group_get(st, id, &g, em);
    if (e)
        return e;
    if (tracks && ntracks != g.ntargets) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "\"tracks\" names one track label (or null) per target: %zu here",
                              g.ntargets);
        goto out_free;
    }
    use = calloc(g.ntargets ? g.ntargets : 1, sizeof(*use));
    if (!use) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    if (*gctrace) {
        e = hearth_store_get_gctrace(st, gctrace, &gm, em);
        if (e == HEARTH_E_NOT_FOUND)
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no such gctrace: %.40s", gctrace);
        if (!e)
            e = hearth_store_read_blob(st, gm.blob, cfg->max_upload_mb << 20, &bytes, &n, em);
        if (!e)
            e = hearth_gctrace_parse((const char *)bytes, n, HEARTH_GCTRACE_MAX_LINES, &log, em);
        if (e)
            goto out_free;
        for (i = 0; i < g.ntargets; i++) {
            const char *want = tracks ? tracks[i] : g.targets[i].name;
            if (want && *want && has_label(log, want))
                use[i] = want;
            else if (tracks && want && *want) {
                e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                      "the gctrace has no track labelled \"%.64s\" (lines "
                                      "\"[%.64s] gc 1 @...\")",
                                      want, want);
                goto out_free;
            }
        }
    }
    /* each matched target's series gets the log, at its own process start */
    for (i = 0; i < g.ntargets; i++) {
        int64_t start = -1;
        struct hearth_errmsg why = {{0}};
        if (use[i] && hearth_service_gctrace_start_track(svc, g.targets[i].series, gctrace, use[i],
                                                         &start, &why) != HEARTH_OK)
            start = -1;
        e = hearth_series_set_gctrace(st, g.targets[i].series, use[i] ? gctrace : "", start, &why);
        if (e == HEARTH_E_NOT_FOUND) {
            e = HEARTH_OK; /* that target's series was deleted on its own */
        } else if (e) {
            hearth_errmsg_set(em, e, "target \"%s\": %s", g.targets[i].name, why.msg);
            goto out_free;
        }
    }
    e = hearth_group_set_gctrace(st, id, gctrace, -1, use, g.ntargets, em);
out_free:
    free((void *)use);
    hearth_gctrace_free(log);
    free(bytes);
    hearth_meta_release(&gm);
    hearth_group_release(&g);
    return e;
}
