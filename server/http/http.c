/*
 * http.c - the handlers of profiles, their views and gctrace logs (router.c
 * routes to them; series and captures are in http_series.c). A handler
 * parses its request, calls the service (service.h) and answers through
 * respond.c. Only server/http includes civetweb.h.
 *
 * Every response is built in memory and sent with a Content-Length and our
 * security headers (civetweb adds its `additional_header` only to replies it
 * builds itself). State-changing requests must come from our own origin.
 */
#define _GNU_SOURCE
#include "hearth/http.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>
#include <jansson.h>
#include <zlib.h>

#include "hearth/buf.h"
#include "hearth/cache.h"
#include "hearth/clients.h"
#include "hearth/fetch.h"
#include "hearth/gctrace.h"
#include "hearth/gz.h"
#include "hearth/ids.h"
#include "hearth/jsonbody.h"
#include "hearth/jsonw.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/reaper.h"
#include "hearth/render.h"
#include "hearth/series.h"
#include "hearth/service.h"
#include "hearth/stacks.h"
#include "hearth/store.h"
#include "hearth/views.h"
#include "hearth/workpool.h"
#include "http_int.h"

#include "hearth/banned.h"

/* ---- handlers ---- */

/* 201 with the stored profile's metadata and its delete token. */
static int send_stored(struct mg_connection *c, struct hearth_server *srv,
                       const struct hearth_meta *m, const char *token)
{
    struct hearth_buf out;
    struct hearth_jsonw w;
    int rc;

    hearth_buf_init(&out, 1 << 20);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "delete_token");
    hearth_jsonw_cstr(&w, token);
    hearth_service_meta_json(&w, srv->svc, m);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = hx_send_json(c, 201, &out);
    hearth_buf_release(&out);
    return rc;
}

static int store_profile(struct mg_connection *c, struct hearth_server *srv,
                         const unsigned char *bytes, size_t n, const char *name)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_meta m;
    char token[HEARTH_TOKEN_LEN + 1];
    enum hearth_err e;
    int rc;

    e = hearth_service_ingest(srv->svc, bytes, n, name, "", &m, token, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    rc = send_stored(c, srv, &m, token);
    hearth_meta_release(&m);
    return rc;
}

/*
 * The common start of every upload: the upload token, an upload slot while
 * the body is read, the body itself (capped by --max-upload-mb) and the
 * optional ?name= (cleaned into name, which holds a default on entry).
 * Returns 0 with *body set, or the status already sent.
 */
int hx_read_upload(struct mg_connection *c, struct hearth_server *srv, unsigned char **body,
                   size_t *len, char *name, size_t namesz)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    char qname[512];
    enum hearth_err e;
    int r;

    *body = NULL;
    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED, "uploads need the server's upload token");
    r = hx_query_param(ri->query_string, "name", qname, sizeof(qname));
    if (r < 0)
        return hx_send_error(c, HEARTH_E_BAD_REQUEST, "name= is too long or not text");
    if (r > 0 && *qname)
        hearth_clean_name(qname, name, namesz);
    e = hx_read_upload_body(c, srv->cfg->max_upload_mb << 20, body, len, &em);
    return e ? hx_send_error(c, e, em.msg) : 0;
}

int hx_profiles_upload(struct mg_connection *c, struct hearth_server *srv)
{
    const char *ctype = mg_get_header(c, "Content-Type");
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    const unsigned char *file;
    size_t len = 0, flen;
    char name[512] = "", fname[256];
    enum hearth_err e;
    int rc;

    if (ctype && strncasecmp(ctype, "application/octet-stream", 24) != 0 &&
        strncasecmp(ctype, "multipart/form-data", 19) != 0 &&
        strncasecmp(ctype, "application/gzip", 16) != 0 &&
        strncasecmp(ctype, "application/x-gzip", 18) != 0 &&
        strncasecmp(ctype, "application/x-protobuf", 22) != 0 &&
        strncasecmp(ctype, "application/vnd.google.protobuf", 31) != 0)
        return hx_send_error(c, HEARTH_E_UNSUPPORTED,
                             "send the profile as application/octet-stream or multipart/form-data");
    rc = hx_read_upload(c, srv, &body, &len, name, sizeof(name));
    if (rc)
        return rc;
    file = body;
    flen = len;
    fname[0] = '\0';
    if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)) {
        e = hx_multipart_file(ctype, body, len, &file, &flen, fname, sizeof(fname), &em);
        if (e) {
            free(body);
            return hx_send_error(c, e, em.msg);
        }
    }
    if (flen == 0) {
        free(body);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST, "the body is empty: send a profile file");
    }
    if (!*name)
        hearth_clean_name(*fname ? fname : "profile", name, sizeof(name));
    rc = store_profile(c, srv, file, flen, name);
    free(body);
    return rc;
}

int hx_profiles_fetch(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    json_t *root = NULL;
    char url[2048], name[512], token[HEARTH_TOKEN_LEN + 1];
    struct hearth_meta m;
    enum hearth_err e;
    int rc;

    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED, "fetching needs the server's upload token");
    e = hx_read_json(c, HEARTH_LIMIT_JSON_BODY, &root, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    {
        json_t *ju, *jn;
        ju = json_object_get(root, "url");
        jn = root ? json_object_get(root, "name") : NULL;
        if (!json_is_string(ju) || json_string_length(ju) >= sizeof(url)) {
            json_decref(root);
            return hx_send_error(c, HEARTH_E_BAD_REQUEST,
                                 "send JSON {\"url\": \"http://host:port/debug/pprof/heap\"}");
        }
        snprintf(url, sizeof(url), "%s", json_string_value(ju));
        if (json_is_string(jn) && json_string_length(jn) > 0)
            snprintf(name, sizeof(name), "%.500s", json_string_value(jn));
        else
            snprintf(name, sizeof(name), "%.500s", url);
        json_decref(root);
    }
    e = hearth_service_fetch_ingest(srv->svc, url, name, false, &m, token, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    rc = send_stored(c, srv, &m, token);
    hearth_meta_release(&m);
    return rc;
}

int hx_profiles_list(struct mg_connection *c, struct hearth_server *srv)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    char v[128], last_id[HEARTH_ID_LEN + 1] = "", before_id[HEARTH_ID_LEN + 1] = "";
    int64_t before = INT64_MAX, last = 0;
    int limit = 50, more = 0, rc, r;
    enum hearth_err e;

    if (!hx_list_allowed(srv, c, &rc))
        return rc;
    r = hx_query_param(ri->query_string, "limit", v, sizeof(v));
    if (r != 0) {
        char *end;
        long l = r > 0 ? strtol(v, &end, 10) : 0;
        if (r < 0 || !*v || *end || l < 1 || l > 1000)
            return hx_send_error(c, HEARTH_E_BAD_REQUEST, "limit must be between 1 and 1000");
        limit = (int)l;
    }
    r = hx_query_param(ri->query_string, "cursor", v, sizeof(v));
    if (r != 0) {
        /* "<created ms>.<id>" exactly, as returned in "next" */
        char *dot = r > 0 ? strchr(v, '.') : NULL, *end = NULL;
        errno = 0;
        if (dot)
            before = strtoll(v, &end, 10);
        if (!dot || dot == v || end != dot || errno || before < 0 || v[0] == '-' || v[0] == '+' ||
            !hearth_id_valid(dot + 1, strlen(dot + 1)))
            return hx_send_error(c, HEARTH_E_BAD_REQUEST, "bad cursor");
        snprintf(before_id, sizeof(before_id), "%s", dot + 1);
    }
    hearth_buf_init(&out, 64 << 20);
    hearth_buf_addstr(&out, "{\"profiles\":");
    e = hearth_service_profile_list(srv->svc, before, before_id, limit, &out, &last, last_id, &more,
                                    &em);
    if (e) {
        hearth_buf_release(&out);
        return hx_send_error(c, e, em.msg);
    }
    if (more)
        hearth_buf_printf(&out, ",\"next\":\"%" PRId64 ".%s\"}\n", last, last_id);
    else
        hearth_buf_addstr(&out, ",\"next\":null}\n");
    rc = hx_send_json(c, 200, &out);
    hearth_buf_release(&out);
    return rc;
}

int hx_profile_meta(struct mg_connection *c, struct hearth_server *srv, const struct hearth_meta *m)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    struct hearth_jsonw w;
    enum hearth_err e;
    int rc;

    hearth_buf_init(&out, 1 << 20);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    hearth_service_meta_json(&w, srv->svc, m);
    /* the series it is a snapshot of (a delete takes it out of them) */
    hearth_jsonw_key(&w, "series");
    e = hearth_service_profile_series(srv->svc, m->id, &w, &em);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, 200, &out);
    hearth_buf_release(&out);
    return rc;
}

/* The stored bytes, streamed from the file through a small buffer. */
int hx_profile_raw(struct mg_connection *c, struct hearth_server *srv, const struct hearth_meta *m)
{
    struct hearth_errmsg em = {{0}};
    const struct mg_request_info *ri = mg_get_request_info(c);
    unsigned char chunk[64 * 1024];
    struct hearth_watch w;
    size_t n = 0, sent = 0;
    int fd = -1;
    char disp[128], etag[80];
    const char *inm = mg_get_header(c, "If-None-Match");
    enum hearth_err e;
    int rc;

    snprintf(etag, sizeof(etag), "\"%s\"", m->blob);
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s.pb.gz\"", m->id);
    {
        /* Vary: /p/<id> answers this or the page, by Accept (router.c) */
        const char *const h[][2] = {{"ETag", etag},
                                    {"Cache-Control", "private, max-age=31536000, immutable"},
                                    {"Vary", "Accept"},
                                    {"Content-Disposition", disp},
                                    {"X-Robots-Tag", "noindex"}};
        if (inm && !strcmp(inm, etag))
            return hx_send_resp(c, 304, NULL, NULL, 0, h, 3, false);
        e = hearth_service_profile_open_blob(srv->svc, m->blob, &fd, &n, &em);
        if (e)
            return hx_send_error(c, e, em.msg);
        rc = hx_send_resp(c, 200, "application/octet-stream", NULL, n, h, 5, true);
    }
    /* a client reading slower than 64 KiB/s after the grace time is cut off */
    hearth_reaper_watch(
        srv->reaper, &w, ri->remote_addr, ri->remote_port, srv->port,
        hearth_reaper_now_ms() + (int64_t)srv->cfg->body_timeout_ms + (int64_t)(n / 64), SHUT_RDWR);
    while (!hx_head_request() && sent < n) {
        ssize_t r = read(fd, chunk, n - sent < sizeof(chunk) ? n - sent : sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || mg_write(c, chunk, (size_t)r) <= 0)
            break; /* the length is sent: a short body tells the client it failed */
        sent += (size_t)r;
    }
    hx_note_sent(sent);
    hearth_reaper_unwatch(srv->reaper, &w);
    close(fd);
    return rc;
}

int hx_profile_delete(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    char tok[256] = "";
    enum hearth_err e;

    if (!hx_bearer(c, tok, sizeof(tok)))
        return hx_send_error(c, HEARTH_E_FORBIDDEN,
                             "send the delete token as 'Authorization: Bearer <token>'");
    e = hearth_service_profile_delete(srv->svc, id, tok, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    return hx_send_resp(c, 204, NULL, NULL, 0, NULL, 0, false);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Options shared by every view, by pprof's web UI names: the URL names of
 * the query option table (query.h), then "base", "merge", "fn" and "peek".
 */
#define NPARAMS 64

static size_t view_param_names(const char **names)
{
    const struct hearth_query_opt *o;
    size_t i, n = 0;

    for (i = 0; hearth_query_opt(i) && n < NPARAMS - 4; i++) {
        o = hearth_query_opt(i);
        if (o->url)
            names[n++] = o->url;
    }
    names[n++] = "base";
    names[n++] = "merge"; /* stored profiles merged into this one */
    names[n++] = "fn";    /* the sandwich's function */
    names[n++] = "peek";  /* the peek table's regex */
    return n;
}

static bool view_param_bool(const char *name)
{
    const struct hearth_query_opt *o;
    size_t i;

    for (i = 0; hearth_query_opt(i); i++) {
        o = hearth_query_opt(i);
        if (o->url && !strcmp(o->url, name))
            return o->is_bool;
    }
    return false;
}
#define PARAM_MAX HEARTH_LIMIT_VIEW_PARAM /* bytes of one decoded view parameter */

/* The decoded parameters of one view request, on the heap (worker stacks are small). */
struct view_params {
    char val[NPARAMS][PARAM_MAX]; /* borrowed by the query */
    char kv[NPARAMS][PARAM_MAX + 80];
    char *pairs[NPARAMS];
    struct hearth_view_merge merge; /* blobs point into mblob */
    char mblob[HEARTH_LIMIT_MERGE_PROFILES][HEARTH_SHA256_HEX + 1];
    char sort[16]; /* top's sort= */
};

/*
 * merge=ID,ID,...: the stored profiles to merge into the view's profile,
 * resolved to their blobs (at most HEARTH_LIMIT_MERGE_PROFILES - 1, each
 * once); kv gets "merge=<blob>,<blob>" for the cache key.
 */
static enum hearth_err parse_merge(struct hearth_server *srv, char *val, struct view_params *vp,
                                   char *kv, size_t kvlen, struct hearth_errmsg *em)
{
    char *id = val, *next;
    struct hearth_meta mm;
    enum hearth_err e;
    size_t used;

    used = (size_t)snprintf(kv, kvlen, "merge=");
    for (; id; id = next) {
        next = strchr(id, ',');
        if (next)
            *next++ = '\0';
        if (!*id)
            continue;
        if (vp->merge.n + 1 >= HEARTH_LIMIT_MERGE_PROFILES)
            return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "merge= names more than %d profiles",
                                     HEARTH_LIMIT_MERGE_PROFILES - 1);
        memset(&mm, 0, sizeof(mm));
        e = hearth_service_profile_get(srv->svc, id, &mm, em);
        if (e) {
            if (e == HEARTH_E_NOT_FOUND)
                hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "merge=: no such profile %.40s", id);
            return e == HEARTH_E_NOT_FOUND ? HEARTH_E_BAD_REQUEST : e;
        }
        snprintf(vp->mblob[vp->merge.n], sizeof(vp->mblob[0]), "%s", mm.blob);
        hearth_meta_release(&mm);
        /* the same profile twice counts twice, as `go tool pprof a a` does */
        vp->merge.blob[vp->merge.n] = vp->mblob[vp->merge.n];
        used += (size_t)snprintf(kv + used, used < kvlen ? kvlen - used : 0, "%s%s",
                                 vp->merge.n ? "," : "", vp->mblob[vp->merge.n]);
        vp->merge.n++;
    }
    if (used >= kvlen)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "merge= is too long");
    return HEARTH_OK;
}

/*
 * The top endpoint's page parameters: limit= (1..HEARTH_LIMIT_TOP_PAGE),
 * offset= (a row number), sort= (the UI's sort values). *paged when any is
 * given; sort is copied to sortbuf.
 */
static enum hearth_err top_paging(const char *qs, struct hearth_top_paging *pg, char *sortbuf,
                                  size_t sortsz, bool *paged, struct hearth_errmsg *em)
{
    char v[32];
    char *end;
    int r;

    *paged = false;
    sortbuf[0] = '\0';
    pg->sort = sortbuf;
    r = hx_query_param(qs, "limit", v, sizeof(v));
    if (r != 0) {
        long l = 0;
        errno = 0;
        if (r > 0 && *v >= '0' && *v <= '9')
            l = strtol(v, &end, 10);
        if (r < 0 || !*v || *v < '0' || *v > '9' || *end || errno || l < 1 ||
            l > HEARTH_LIMIT_TOP_PAGE)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "limit must be a whole number from 1 to %d",
                                     HEARTH_LIMIT_TOP_PAGE);
        pg->limit = (size_t)l;
        *paged = true;
    }
    r = hx_query_param(qs, "offset", v, sizeof(v));
    if (r != 0) {
        long long o = -1;
        errno = 0;
        if (r > 0 && *v >= '0' && *v <= '9')
            o = strtoll(v, &end, 10);
        if (r < 0 || o < 0 || *end || errno || o > 1000000000LL)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "offset must be a whole number from 0 to 1000000000");
        pg->offset = (size_t)o;
        *paged = true;
    }
    r = hx_query_param(qs, "sort", sortbuf, sortsz);
    if (r != 0) {
        if (r < 0 || !hearth_top_sort_valid(sortbuf))
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "sort must be one of flat, flatp, sum, cum, cump, name, "
                                     "base, new, ret, optionally after '-'");
        *paged = true;
    }
    return HEARTH_OK;
}

int hx_profile_view(struct mg_connection *c, struct hearth_server *srv, const struct hearth_meta *m,
                    enum hearth_view_kind v)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    struct hearth_query q;
    struct hearth_meta bm;
    bool have_base = false, have_mf = false, paged = false;
    struct hearth_top_paging pg = {0, 0, NULL};
    struct view_params *vp = calloc(1, sizeof(*vp));
    size_t np = 0, i, nnames;
    const char *names[NPARAMS];
    struct hearth_buf key;
    char etag[48], etag_gz[48], hex[HEARTH_SHA256_HEX + 1];
    const char *inm = mg_get_header(c, "If-None-Match");
    struct hearth_cache_ref *vref = NULL;
    const struct hearth_view_resp *resp;
    enum hearth_err e = HEARTH_OK;
    int rc;
    static const char *const vname[] = {"top",    "flame", "graph", "dot",    "sandwich",
                                        "peek",   "tags",  "proto", "traces", "callgrind",
                                        "layout", "svg",   "png",   "pdf",    "gif"};
    /* Content-Type of each kind before the images (enum hearth_view_kind order) */
    static const char *const ctypes[] = {
        "application/json",          "application/json",
        "application/json",          "text/vnd.graphviz; charset=utf-8",
        "application/json",          "application/json",
        "application/json",          "application/octet-stream",
        "text/plain; charset=utf-8", "text/plain; charset=utf-8",
        "application/json"};
    /* downloads are attachments: file name prefix and suffix around the id */
    static const char *const fpre[] = {
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, "", "", "callgrind.out.", NULL};
    static const char *const fsuf[] = {NULL, NULL,     NULL,          NULL, NULL, NULL,
                                       NULL, ".pb.gz", ".traces.txt", "",   NULL};
    char disp[160] = "";
    const char *ctype = v < HEARTH_VIEW_SVG ? ctypes[v] : "application/octet-stream";

    hearth_query_init(&q);
    hearth_buf_init(&key, 1 << 16);
    memset(&bm, 0, sizeof(bm));
    if (!vp) {
        e = hearth_errmsg_set(&em, HEARTH_E_NOMEM, "out of memory");
        goto out_error;
    }
    nnames = view_param_names(names);
    for (i = 0; i < nnames; i++) {
        const char *name = names[i];
        char *val = vp->val[i];
        int r = hx_query_param(ri->query_string, name, val, PARAM_MAX);
        if (r == 0)
            continue;
        /* fn= belongs to the sandwich only, peek= to the peek table only */
        if ((!strcmp(name, "fn") && v != HEARTH_VIEW_SANDWICH) ||
            (!strcmp(name, "peek") && v != HEARTH_VIEW_PEEK))
            continue;
        if (r < 0) {
            e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST,
                                  "parameter %s is longer than %d bytes or not text", name,
                                  PARAM_MAX - 1);
            goto out_error;
        }
        if (!strcmp(name, "merge")) {
            if (!*val)
                continue;
            e = parse_merge(srv, val, vp, vp->kv[i], sizeof(vp->kv[i]), &em);
            if (e)
                goto out_error;
        } else if (!strcmp(name, "base")) {
            if (!*val)
                continue;
            e = hearth_service_profile_get(srv->svc, val, &bm, &em);
            if (e) {
                if (e == HEARTH_E_NOT_FOUND)
                    hearth_errmsg_set(&em, e, "no such base profile");
                goto out_error;
            }
            have_base = true;
            q.diff = HEARTH_DIFF_DIFF_BASE;
            snprintf(vp->kv[i], sizeof(vp->kv[i]), "base=%s", bm.blob);
        } else if (!strcmp(name, "fn") || !strcmp(name, "peek")) {
            if (!*val) {
                e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "parameter %s is empty", name);
                goto out_error;
            }
            if (name[0] == 'f')
                q.pivot = val;
            else
                q.peek = val;
            snprintf(vp->kv[i], sizeof(vp->kv[i]), "%s=%s", name, val);
        } else {
            if (!strcmp(name, "mf"))
                have_mf = true;
            if (*val || view_param_bool(name)) {
                e = hearth_query_set(&q, name, val, &em);
                if (e)
                    goto out_error;
            }
            snprintf(vp->kv[i], sizeof(vp->kv[i]), "%s=%s", name, val);
        }
        vp->pairs[np++] = vp->kv[i];
    }
    if ((v == HEARTH_VIEW_SANDWICH && !q.pivot) || (v == HEARTH_VIEW_PEEK && !q.peek)) {
        e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "parameter %s is required",
                              v == HEARTH_VIEW_PEEK ? "peek" : "fn");
        goto out_error;
    }
    /* canonical key: content hash(es), view, sorted options */
    if (np > 1)
        qsort(vp->pairs, np, sizeof(vp->pairs[0]), cmp_str);
    hearth_buf_printf(&key, "v1|%s|%s", vname[v], m->blob);
    for (i = 0; i < np; i++)
        hearth_buf_printf(&key, "|%s", vp->pairs[i]);
    if (key.fail) {
        e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "query too long");
        goto out_error;
    }
    if (v == HEARTH_VIEW_TOP) {
        e = top_paging(ri->query_string, &pg, vp->sort, sizeof(vp->sort), &paged, &em);
        if (e)
            goto out_error;
    }
    if (paged) {
        /* the page's ETag covers the page; the cache key stays the whole answer's */
        size_t klen = key.len;
        hearth_buf_printf(&key, "|page=%zu,%zu,%s", pg.offset, pg.limit, vp->sort);
        hearth_sha256_hex(key.ptr, key.len, hex);
        key.len = klen;
        key.ptr[klen] = '\0';
    } else
        hearth_sha256_hex(key.ptr, key.len, hex);
    /* the gzip and identity bodies differ, so their strong ETags do too */
    snprintf(etag, sizeof(etag), "\"%.32s\"", hex);
    snprintf(etag_gz, sizeof(etag_gz), "\"%.32s-gz\"", hex);
    {
        /* PNG, PDF and GIF are compressed already: never sent gzipped */
        const char *mine = hx_accepts_gzip(c) && v < HEARTH_VIEW_PNG && !paged ? etag_gz : etag;
        const char *const h304[][2] = {{"ETag", mine}, {"Cache-Control", "no-cache"}};
        if (inm && !strcmp(inm, mine)) {
            rc = hx_send_resp(c, 304, NULL, NULL, 0, h304, 2, false);
            goto out_free;
        }
    }
    if (paged) {
        struct hearth_buf page;
        hearth_buf_init(&page, hearth_service_config(srv->svc)->lim.max_output);
        e = hearth_service_top_page(srv->svc, key.ptr, m->blob, &vp->merge,
                                    have_base ? bm.blob : NULL, &q, &pg, &page, &em);
        if (!e) {
            const char *const h[][2] = {{"ETag", etag}, {"Cache-Control", "no-cache"}};
            rc = hx_send_resp(c, 200, ctype, page.ptr, page.len, h, 2,
                              !strcmp(ri->request_method, "HEAD"));
        }
        hearth_buf_release(&page);
        if (e)
            goto out_error;
        goto out_free;
    }
    e = hearth_service_view_merged(srv->svc, v, key.ptr, m->blob, &vp->merge,
                                   have_base ? bm.blob : NULL, &q, have_mf, &resp, &vref, &em);
    if (e)
        goto out_error;
    if (v < HEARTH_VIEW_SVG && fpre[v])
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s%s%s\"", fpre[v], m->id, fsuf[v]);
    if (v >= HEARTH_VIEW_SVG) {
        enum hearth_image f = (enum hearth_image)(v - HEARTH_VIEW_SVG);
        ctype = hearth_image_mime(f);
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s-callgraph.%s\"", m->id,
                 hearth_image_name(f));
    }
    {
        bool gz = resp->gz && hx_accepts_gzip(c);
        const char *const h[][2] = {{"ETag", gz ? etag_gz : etag},
                                    {"Cache-Control", "no-cache"},
                                    {"Vary", "Accept-Encoding"},
                                    {"Content-Encoding", gz ? "gzip" : NULL},
                                    {"Content-Disposition", *disp ? disp : NULL}};
        rc = hx_send_resp(c, 200, ctype, gz ? (const void *)resp->gz : resp->json,
                          gz ? resp->gzlen : resp->len, h, 5, !strcmp(ri->request_method, "HEAD"));
    }
    goto out_free;

out_error:
    rc = hx_send_error(c, e, em.msg);
out_free:
    hearth_service_view_release(srv->svc, vref);
    hearth_meta_release(&bm);
    hearth_buf_release(&key);
    free(vp);
    return rc;
}

/* ---- GODEBUG=gctrace=1 logs ---- */

int hx_gctrace_upload(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf info, out;
    struct hearth_jsonw w;
    struct hearth_meta m;
    unsigned char *body = NULL;
    size_t len = 0;
    char token[HEARTH_TOKEN_LEN + 1], name[512] = "gctrace";
    enum hearth_err e;
    int rc;

    rc = hx_read_upload(c, srv, &body, &len, name, sizeof(name));
    if (rc)
        return rc;
    hearth_buf_init(&info, 1 << 16);
    e = hearth_service_gctrace_ingest(srv->svc, body, len, name, &info, &m, token, &em);
    free(body);
    if (e) {
        hearth_buf_release(&info);
        return hx_send_error(c, e, em.msg);
    }
    hearth_buf_init(&out, 1 << 16);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "delete_token");
    hearth_jsonw_cstr(&w, token);
    hearth_meta_json_fields(&w, &m);
    hearth_jsonw_key(&w, "info");
    hearth_buf_addstr(&out, info.ptr);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = hx_send_json(c, 201, &out);
    hearth_buf_release(&out);
    hearth_buf_release(&info);
    hearth_meta_release(&m);
    return rc;
}

int hx_gctrace_get(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    struct hearth_meta m;
    struct hearth_cache_ref *ref = NULL;
    const struct hearth_view_resp *resp;
    enum hearth_err e;
    int rc;

    e = hearth_service_gctrace_get(srv->svc, id, &m, &em);
    if (e)
        return hx_send_error(c, e, "no such gctrace");
    e = hearth_service_gctrace_view(srv->svc, &m, &resp, &ref, &em);
    if (e)
        goto out_error;
    {
        bool gz = resp->gz && hx_accepts_gzip(c);
        const char *const h[][2] = {{"Cache-Control", "no-cache"},
                                    {"Vary", "Accept-Encoding"},
                                    {"Content-Encoding", gz ? "gzip" : NULL}};
        rc = hx_send_resp(c, 200, "application/json", gz ? (const void *)resp->gz : resp->json,
                          gz ? resp->gzlen : resp->len, h, 3, !strcmp(ri->request_method, "HEAD"));
    }
    goto out_free;
out_error:
    rc = hx_send_error(c, e, em.msg);
out_free:
    hearth_service_view_release(srv->svc, ref);
    hearth_meta_release(&m);
    return rc;
}
