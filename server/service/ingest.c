/*
 * ingest.c - the one way in for profiles: upload, fetch and a capture's
 * snapshot all end here (decode, validate, store, keep the decoded profile,
 * record a Go heap's runtime memory); see include/hearth/ingest.h.
 */
#define _GNU_SOURCE
#include "hearth/ingest.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/fetch.h"
#include "hearth/log.h"
#include "hearth/memstats.h"
#include "hearth/memstats_svc.h"
#include "hearth/metrics.h"
#include "hearth/service_ctx.h"

#include "hearth/banned.h"

/*
 * Decode, validate, store: the common end of upload, fetch and capture.
 * Fills m (release it) and the delete token.
 */
static enum hearth_err ingest(struct hearth_service *svc, const unsigned char *bytes, size_t n,
                              const char *name, const char *source, struct hearth_meta *m,
                              char token[HEARTH_TOKEN_LEN + 1], int64_t *inuse,
                              struct hearth_errmsg *em);

enum hearth_err hearth_service_ingest(struct hearth_service *svc, const unsigned char *bytes,
                                      size_t n, const char *name, const char *source,
                                      struct hearth_meta *m, char token[HEARTH_TOKEN_LEN + 1],
                                      struct hearth_errmsg *em)
{
    int64_t inuse;

    return ingest(svc, bytes, n, name, source, m, token, &inuse, em);
}

/* *inuse: the profile's inuse_space total (-1: none), for its runtime memory (memstats_svc.h). */
static enum hearth_err ingest(struct hearth_service *svc, const unsigned char *bytes, size_t n,
                              const char *name, const char *source, struct hearth_meta *m,
                              char token[HEARTH_TOKEN_LEN + 1], int64_t *inuse,
                              struct hearth_errmsg *em)
{
    struct hearth_profile *p = NULL;
    const struct hearth_config *cfg = hearth_service_config(svc);
    struct hearth_buf info;
    enum hearth_err e;
    bool big;

    memset(m, 0, sizeof(*m));
    if (!hearth_service_decode_slot(svc))
        return hearth_errmsg_set(em, HEARTH_E_BUSY, "the server is busy decoding; retry shortly");
    e = hearth_profile_decode(bytes, n, &cfg->lim, &p, em);
    hearth_service_decode_done(svc);
    if (e) {
        if (e == HEARTH_E_TOO_LARGE || n > HEARTH_TRIM_BYTES / 16)
            malloc_trim(0); /* a refused bomb's gunzip buffer */
        return e;
    }
    hearth_buf_init(&info, 1 << 20);
    hearth_service_profile_facts(p, &info);
    e = hearth_store_put(hearth_service_store(svc), bytes, n, name, source,
                         info.ptr ? info.ptr : "{}", m, token, em);
    hearth_buf_release(&info);
    if (e) {
        hearth_profile_free(p);
        return e;
    }
    /* a ?debug=1 heap file ends with the runtime's MemStats: keep them with the profile */
    *inuse = hearth_msvc_inuse_total(p);
    hearth_msvc_record_debug1(svc, m->id, bytes, n, *source ? source : "upload", *inuse);
    /* keep the decoded profile: the first view need not decode again */
    big = p->bytes > HEARTH_TRIM_BYTES;
    hearth_service_keep_profile(svc, m->blob, p);
    if (big)
        malloc_trim(0); /* the decoder's scratch, and a profile the cache did not keep */
    return HEARTH_OK;
}

enum hearth_err hearth_service_fetch_ingest(struct hearth_service *svc, const char *url,
                                            const char *name, bool scheduled, struct hearth_meta *m,
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em)
{
    struct hearth_errmsg detail = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    char cleaned[512];
    int64_t inuse = -1;
    enum hearth_err e;

    memset(m, 0, sizeof(*m));
    if (!hearth_service_fetcher(svc))
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "fetching is disabled on this server (set --fetch-allow)");
    if (!scheduled && !hearth_service_fetch_slot(svc)) {
        hearth_metrics_fetch(scheduled, HEARTH_E_BUSY);
        return hearth_errmsg_set(
            em, HEARTH_E_BUSY, "no fetch slot is free (other fetches are running); retry shortly");
    }
    e = hearth_fetch(hearth_service_fetcher(svc), url, &body, &len, em, &detail);
    if (!scheduled)
        hearth_service_fetch_done(svc);
    if (e) {
        if (strcmp(detail.msg, em->msg) != 0)
            hearth_log(HEARTH_LOG_WARN, "fetch_error", "fetch %.300s: %s", url, detail.msg);
        e = e == HEARTH_E_IO ? HEARTH_E_UPSTREAM : e; /* the other server failed, not us */
        hearth_metrics_fetch(scheduled, e);
        return e;
    }
    hearth_clean_name(name, cleaned, sizeof(cleaned));
    e = ingest(svc, body, len, cleaned, url, m, token, &inuse, em);
    /* a Go heap snapshot: the same process's runtime memory, now (never fails the snapshot) */
    if (!e && inuse >= 0 && !hearth_memstats_in_debug1(body, len))
        hearth_msvc_fetch_record(svc, hearth_service_fetcher(svc), url, m->id, inuse);
    free(body);
    hearth_metrics_fetch(scheduled, e);
    return e;
}
