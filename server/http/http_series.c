/*
 * http_series.c - the series and capture API (the leak hunter's routes):
 *
 *   POST   /api/series                 {"name","profiles":[ids],"gctrace"} -> 201
 *   GET    /api/series                 newest first
 *   GET    /api/series/<id>            the series, its snapshots and capture
 *   DELETE /api/series/<id>            (delete token) the series, not its profiles;
 *                                      ?profiles=1 also the snapshots its capture took
 *   GET    /api/series/<id>/growth     growth ranking (growth.h), view options as /top
 *   PUT    /api/series/<id>/gctrace    (delete token) {"gctrace","start_ms"} attach a log
 *   PUT    /api/series/<id>/thinning   (delete token) {"thin": true | false |
 *                                      {"keep_s","every_s"}} thin old snapshots
 *   POST   /api/series/<id>/thin       (delete token) one thinning pass now
 *   POST   /api/series/archive         a .zip/.tar(.gz) of snapshots -> 201 (series + report)
 *   POST   /api/captures               {"url","interval_s","count","name","gc","thin"} -> 201
 *   GET    /api/captures               the series that are captures
 *   POST   /api/captures/<id>/stop     (delete token)
 *
 * Thin: parsing and answers here; storage in series_store.c, the schedule
 * in capture.c, the numbers in growth.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "hearth/capture.h"
#include "hearth/groups.h"
#include "hearth/growth.h"
#include "hearth/jsonw.h"
#include "hearth/memstats_svc.h"
#include "hearth/query.h"
#include "hearth/series.h"
#include "hearth/service.h"
#include "http_int.h"

#include "hearth/banned.h"

/* Limits of this API: the fixed rows of server/lib/limits.c. */
#define SERIES_MAX_ITEMS       HEARTH_LIMIT_SERIES_ITEMS
#define SERIES_BODY_MAX        HEARTH_LIMIT_SERIES_BODY
#define CAPTURE_MAX_INTERVAL_S HEARTH_LIMIT_CAPTURE_INTERVAL
#define GROWTH_DEFAULT_ROWS    100
#define GROWTH_MAX_ROWS        HEARTH_LIMIT_GROWTH_ROWS

/* ---- the series answer ---- */

/* "thinning": the policy (null: none) and what each policy removed, times also as seconds
 * from the first snapshot kept (t, as the snapshots' own). */
static void write_thinning(struct hearth_jsonw *w, const struct hearth_series *s, int64_t t0)
{
    int64_t removed = 0;
    size_t i;

    hearth_jsonw_key(w, "thinning");
    if (!s->thin_on && !s->nthinned) {
        hearth_jsonw_null(w);
        return;
    }
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "policy");
    if (s->thin_on) {
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "keep_s");
        hearth_jsonw_int(w, s->thin_keep_s);
        hearth_jsonw_key(w, "every_s");
        hearth_jsonw_int(w, s->thin_every_s);
        hearth_jsonw_obj_close(w);
    } else {
        hearth_jsonw_null(w);
    }
    for (i = 0; i < s->nthinned; i++)
        removed += s->thinned[i].removed;
    hearth_jsonw_key(w, "removed");
    hearth_jsonw_int(w, removed);
    hearth_jsonw_key(w, "ranges");
    hearth_jsonw_arr_open(w);
    for (i = 0; i < s->nthinned; i++) {
        const struct hearth_thin_record *r = &s->thinned[i];
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "keep_s");
        hearth_jsonw_int(w, r->keep_s);
        hearth_jsonw_key(w, "every_s");
        hearth_jsonw_int(w, r->every_s);
        hearth_jsonw_key(w, "removed");
        hearth_jsonw_int(w, r->removed);
        hearth_jsonw_key(w, "from_ms");
        hearth_jsonw_int(w, r->from_ms);
        hearth_jsonw_key(w, "to_ms");
        hearth_jsonw_int(w, r->to_ms);
        hearth_jsonw_key(w, "window_ms");
        hearth_jsonw_int(w, r->window_ms);
        hearth_jsonw_key(w, "last_run_ms");
        hearth_jsonw_int(w, r->last_run_ms);
        hearth_jsonw_key(w, "from_t");
        hearth_jsonw_double(w, (double)(r->from_ms - t0) / 1000.0);
        hearth_jsonw_key(w, "to_t");
        hearth_jsonw_double(w, (double)(r->to_ms - t0) / 1000.0);
        hearth_jsonw_key(w, "window_t");
        hearth_jsonw_double(w, (double)(r->window_ms - t0) / 1000.0);
        hearth_jsonw_obj_close(w);
    }
    hearth_jsonw_arr_close(w);
    hearth_jsonw_obj_close(w);
}

static void write_series(struct hearth_jsonw *w, struct hearth_server *srv,
                         const struct hearth_series *s)
{
    char url[512];
    int64_t t0 = s->nitems ? s->at_ms[0] : 0;
    size_t i;

    hearth_jsonw_key(w, "id");
    hearth_jsonw_cstr(w, s->id);
    hearth_jsonw_key(w, "name");
    hearth_jsonw_cstr(w, s->name);
    hearth_jsonw_key(w, "created");
    hearth_jsonw_int(w, s->created);
    hearth_jsonw_key(w, "source_url");
    hearth_jsonw_cstr(w, s->source_url);
    hearth_jsonw_key(w, "order");
    hearth_jsonw_cstr(w, s->ordering);
    snprintf(url, sizeof(url), "%s/s/%s", srv->cfg->base_path, s->id);
    hearth_jsonw_key(w, "url");
    hearth_jsonw_cstr(w, url);
    hearth_jsonw_key(w, "count");
    hearth_jsonw_int(w, (int64_t)s->nitems);
    hearth_jsonw_key(w, "gctrace");
    if (*s->gctrace)
        hearth_jsonw_cstr(w, s->gctrace);
    else
        hearth_jsonw_null(w);
    hearth_jsonw_key(w, "gctrace_offset_s");
    if (*s->gctrace && s->has_start && s->nitems)
        hearth_jsonw_double(w, (double)(t0 - s->gctrace_start_ms) / 1000.0);
    else
        hearth_jsonw_null(w);
    /* kind and sample types of the first snapshot */
    hearth_jsonw_key(w, "kind");
    {
        json_t *j = s->nitems ? json_loads(s->items[0].info_json, 0, NULL) : NULL;
        json_t *dt = json_object_get(j, "default_sample_type");
        char *types = json_dumps(json_object_get(j, "sample_types"), JSON_COMPACT);
        hearth_jsonw_cstr(w, json_is_string(dt) ? json_string_value(dt) : "");
        hearth_jsonw_key(w, "sample_types");
        if (types) {
            hearth_buf_addstr(w->b, types); /* written by us: valid JSON */
            w->need_comma[w->depth] = true;
        } else {
            hearth_jsonw_arr_open(w);
            hearth_jsonw_arr_close(w);
        }
        free(types);
        json_decref(j);
    }
    hearth_jsonw_key(w, "profiles");
    hearth_jsonw_arr_open(w);
    for (i = 0; i < s->nitems; i++) {
        const struct hearth_meta *m = &s->items[i];
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "id");
        hearth_jsonw_cstr(w, m->id);
        hearth_jsonw_key(w, "name");
        hearth_jsonw_cstr(w, m->name);
        hearth_jsonw_key(w, "created");
        hearth_jsonw_int(w, m->created);
        hearth_jsonw_key(w, "time_nanos");
        hearth_jsonw_int(w, s->time_ns[i]);
        hearth_jsonw_key(w, "t");
        hearth_jsonw_double(w, (double)(s->at_ms[i] - t0) / 1000.0);
        snprintf(url, sizeof(url), "%s/p/%s", srv->cfg->base_path, m->id);
        hearth_jsonw_key(w, "url");
        hearth_jsonw_cstr(w, url);
        hearth_jsonw_obj_close(w);
    }
    hearth_jsonw_arr_close(w);
    hearth_jsonw_key(w, "capture");
    if (s->has_capture)
        hearth_capture_row_json(w, &s->cap);
    else
        hearth_jsonw_null(w);
    write_thinning(w, s, t0);
    /* runtime memory per snapshot and the hints (memstats_svc.h) */
    hearth_msvc_series_json(srv->svc, s, w);
}

static int send_series_x(struct mg_connection *c, struct hearth_server *srv, const char *id,
                         int status, const char *token, const char *extra_key,
                         const struct hearth_buf *extra);

/* Answer with the series (re-read), plus the delete token when given. */
static int send_series(struct mg_connection *c, struct hearth_server *srv, const char *id,
                       int status, const char *token)
{
    return send_series_x(c, srv, id, status, token, NULL, NULL);
}

static void write_series_group(struct hearth_jsonw *w, struct hearth_server *srv,
                               const struct hearth_series *s)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_group_ref ref;
    char url[512];

    hearth_jsonw_key(w, "group");
    /* a series in no group, or one whose group cannot be read now: null (the series stands
     * on its own) */
    if (hearth_service_group_of_series(srv->svc, s->id, &ref, &em) != HEARTH_OK) {
        hearth_jsonw_null(w);
        return;
    }
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "id");
    hearth_jsonw_cstr(w, ref.id);
    hearth_jsonw_key(w, "name");
    hearth_jsonw_cstr(w, ref.name);
    hearth_jsonw_key(w, "target");
    hearth_jsonw_cstr(w, ref.target);
    /* its track of the group's shared gctrace, when that is the series' log */
    hearth_jsonw_key(w, "track");
    if (*ref.track && !strcmp(ref.gctrace, s->gctrace))
        hearth_jsonw_cstr(w, ref.track);
    else
        hearth_jsonw_null(w);
    snprintf(url, sizeof(url), "%s/c/%s", srv->cfg->base_path, ref.id);
    hearth_jsonw_key(w, "url");
    hearth_jsonw_cstr(w, url);
    hearth_jsonw_obj_close(w);
}

/* The same with one more key whose value is the JSON in extra (written by us). */
static int send_series_x(struct mg_connection *c, struct hearth_server *srv, const char *id,
                         int status, const char *token, const char *extra_key,
                         const struct hearth_buf *extra)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_series s;
    struct hearth_buf out;
    struct hearth_jsonw w;
    enum hearth_err e;
    int rc;

    e = hearth_service_series_get(srv->svc, id, &s, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    hearth_buf_init(&out, srv->cfg->lim.max_output);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    if (token) {
        hearth_jsonw_key(&w, "delete_token");
        hearth_jsonw_cstr(&w, token);
    }
    write_series(&w, srv, &s);
    write_series_group(&w, srv, &s);
    if (extra_key && extra && extra->ptr) {
        hearth_jsonw_key(&w, extra_key);
        hearth_buf_add(&out, extra->ptr, extra->len);
        w.need_comma[w.depth] = true;
    }
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = hx_send_json(c, status, &out);
    hearth_buf_release(&out);
    hearth_series_release(&s);
    return rc;
}

/* Read a small JSON body (the caller decrefs). */
static json_t *json_body(struct mg_connection *c, struct hearth_errmsg *em, enum hearth_err *e)
{
    json_t *root = NULL;

    *e = hx_read_json(c, SERIES_BODY_MAX, &root, em);
    return root;
}

static const char *jstr(json_t *o, const char *k, size_t max)
{
    json_t *v = json_object_get(o, k);

    return json_is_string(v) && json_string_length(v) <= max ? json_string_value(v) : NULL;
}

static int h_create(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *root, *arr;
    const char **ids = NULL;
    char id[HEARTH_ID_LEN + 1], token[HEARTH_TOKEN_LEN + 1];
    const char *nm, *gct;
    size_t n, i;
    int rc;

    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED, "series need the server's upload token");
    root = json_body(c, &em, &e);
    if (!root)
        return hx_send_error(c, e, em.msg);
    arr = json_object_get(root, "profiles");
    n = json_array_size(arr);
    if (!json_is_array(arr) || n < 1 || n > SERIES_MAX_ITEMS) {
        json_decref(root);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST,
                             "send {\"profiles\": [ids in any order]} with 1 to 1000 ids");
    }
    nm = jstr(root, "name", 500);
    gct = json_is_null(json_object_get(root, "gctrace")) ? NULL : jstr(root, "gctrace", 64);
    if (json_object_get(root, "gctrace") && !json_is_null(json_object_get(root, "gctrace")) &&
        !gct) {
        json_decref(root);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST, "gctrace must be a gctrace id");
    }
    ids = calloc(n, sizeof(*ids));
    if (!ids) {
        rc = hx_send_error(c, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    for (i = 0; i < n; i++)
        ids[i] = json_string_value(json_array_get(arr, i));
    e = hearth_service_series_create(srv->svc, nm, ids, n, gct, id, token, &em);
    rc = e ? hx_send_error(c, e, em.msg) : send_series(c, srv, id, 201, token);
out_free:
    free(ids);
    json_decref(root);
    return rc;
}

static int h_list(struct mg_connection *c, struct hearth_server *srv, bool captures_only)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    enum hearth_err e;
    int rc;

    hearth_buf_init(&out, srv->cfg->lim.max_output);
    hearth_buf_addstr(&out, captures_only ? "{\"captures\":" : "{\"series\":");
    e = hearth_service_series_list(srv->svc, 200, captures_only, &out, &em);
    hearth_buf_addstr(&out, "}\n");
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, 200, &out);
    hearth_buf_release(&out);
    return rc;
}

static bool token_ok(struct mg_connection *c, struct hearth_server *srv, const char *id, int *rc)
{
    struct hearth_errmsg em = {{0}};
    char tok[256] = "";
    enum hearth_err e;

    if (!hx_bearer(c, tok, sizeof(tok))) {
        *rc = hx_send_error(c, HEARTH_E_FORBIDDEN,
                            "send the series' delete token as 'Authorization: Bearer <token>'");
        return false;
    }
    e = hearth_service_series_check_token(srv->svc, id, tok, &em);
    if (e) {
        *rc = hx_send_error(c, e, em.msg);
        return false;
    }
    return true;
}

/*
 * DELETE /api/series/<id>[?profiles=1]: the series; with profiles=1 also the
 * snapshots its capture took (those its token may delete), with their blobs.
 */
static int h_delete(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    char tok[256] = "", v[8] = "";
    enum hearth_err e;
    int rc, r;
    bool with_profiles = false;

    r = hx_query_param(ri->query_string, "profiles", v, sizeof(v));
    if (r != 0) {
        if (r < 0 || (strcmp(v, "1") && strcmp(v, "0")))
            return hx_send_error(c, HEARTH_E_BAD_REQUEST, "profiles= is 0 or 1");
        with_profiles = !strcmp(v, "1");
    }
    if (!token_ok(c, srv, id, &rc))
        return rc;
    if (hearth_service_captures(srv->svc))
        hearth_captures_cancel(hearth_service_captures(srv->svc), id,
                               &em); /* not running: nothing to stop */
    hx_bearer(c, tok, sizeof(tok));
    e = hearth_service_series_delete(srv->svc, id, tok, with_profiles, NULL, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    return hx_send_resp(c, 204, NULL, NULL, 0, NULL, 0, false);
}

/* Options of the growth view: the report's filters plus by= and n=. */
static const char *const growth_params[] = {"si", "g",  "f",  "i",  "h",
                                            "s",  "sf", "tf", "ti", "noinlines"};
#define NGROWTH          (sizeof(growth_params) / sizeof(growth_params[0]))
#define GROWTH_PARAM_MAX HEARTH_LIMIT_VIEW_PARAM

static int h_growth(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    struct hearth_growth_opts o = {false, false, GROWTH_DEFAULT_ROWS};
    struct hearth_query q;
    char(*val)[GROWTH_PARAM_MAX] = NULL;
    char small[64];
    struct hearth_buf out;
    enum hearth_err e = HEARTH_OK;
    size_t i;
    int rc, r;

    hearth_query_init(&q);
    hearth_buf_init(&out, srv->cfg->lim.max_output);
    val = calloc(NGROWTH, sizeof(*val)); /* on the heap: worker stacks are small */
    if (!val) {
        e = hearth_errmsg_set(&em, HEARTH_E_NOMEM, "out of memory");
        goto out_error;
    }
    for (i = 0; i < NGROWTH; i++) {
        r = hx_query_param(ri->query_string, growth_params[i], val[i], GROWTH_PARAM_MAX);
        if (r < 0) {
            e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "parameter %s is too long",
                                  growth_params[i]);
            goto out_error;
        }
        if (r == 0 || (!*val[i] && strcmp(growth_params[i], "noinlines") != 0))
            continue;
        if (!strcmp(growth_params[i], "g") && !strcmp(val[i], "stacks")) {
            o.stacks = true;
            continue;
        }
        e = hearth_query_set(&q, growth_params[i], val[i], &em);
        if (e)
            goto out_error;
    }
    r = hx_query_param(ri->query_string, "by", small, sizeof(small));
    if (r != 0) {
        if (r < 0 || (strcmp(small, "flat") && strcmp(small, "cum"))) {
            e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "by= is flat or cum");
            goto out_error;
        }
        o.by_cum = !strcmp(small, "cum");
    }
    r = hx_query_param(ri->query_string, "n", small, sizeof(small));
    if (r != 0) {
        char *end;
        long v = r > 0 ? strtol(small, &end, 10) : -1;
        if (r < 0 || *end || v < 1 || v > GROWTH_MAX_ROWS) {
            e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST, "n= is a row count from 1 to %d",
                                  GROWTH_MAX_ROWS);
            goto out_error;
        }
        o.max_rows = (size_t)v;
    }
    e = hearth_service_growth(srv->svc, id, &q, &o, &out, &em);
    if (e)
        goto out_error;
    rc = hx_send_json(c, 200, &out);
    goto out_free;
out_error:
    rc = hx_send_error(c, e, em.msg);
out_free:
    free(val);
    hearth_buf_release(&out);
    return rc;
}

static int h_attach(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *root, *jstart;
    const char *gct;
    int64_t start = -1;
    int rc;

    if (!token_ok(c, srv, id, &rc))
        return rc;
    root = json_body(c, &em, &e);
    if (!root)
        return hx_send_error(c, e, em.msg);
    gct = json_is_null(json_object_get(root, "gctrace")) ? "" : jstr(root, "gctrace", 64);
    jstart = json_object_get(root, "start_ms");
    if (!gct || (jstart && !json_is_null(jstart) &&
                 (!json_is_integer(jstart) || json_integer_value(jstart) < 0))) {
        json_decref(root);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST,
                             "send {\"gctrace\": id or null, \"start_ms\": optional Unix ms of "
                             "the process start}");
    }
    if (json_is_integer(jstart))
        start = json_integer_value(jstart);
    if (*gct && start < 0) {
        e = hearth_service_gctrace_start(srv->svc, id, gct, &start, &em);
        if (e) {
            if (e == HEARTH_E_NOT_FOUND)
                e = HEARTH_E_BAD_REQUEST;
            rc = hx_send_error(c, e, em.msg);
            goto out_free;
        }
    }
    e = hearth_service_series_set_gctrace(srv->svc, id, gct, start, &em);
    if (e)
        rc = hx_send_error(c, e, em.msg);
    else
        rc = send_series(c, srv, id, 200, NULL);
out_free:
    json_decref(root);
    return rc;
}

/*
 * The "thin" field: true (the server's --thin-* defaults), false (none) or
 * {"keep_s": 0..HEARTH_LIMIT_THIN_KEEP_S, "every_s": 1..HEARTH_LIMIT_THIN_EVERY_S}
 * (either may be left out: the default). Absent: *on false. false on a bad value.
 */
static bool parse_thin(json_t *v, const struct hearth_config *cfg, bool *on, int *keep_s,
                       int *every_s)
{
    json_t *k, *e;

    *on = false;
    *keep_s = (int)cfg->thin_keep_s;
    *every_s = (int)cfg->thin_every_s;
    if (!v || json_is_false(v))
        return true;
    if (json_is_true(v)) {
        *on = true;
        return true;
    }
    if (!json_is_object(v))
        return false;
    k = json_object_get(v, "keep_s");
    e = json_object_get(v, "every_s");
    if ((k && (!json_is_integer(k) || json_integer_value(k) < 0 ||
               json_integer_value(k) > HEARTH_LIMIT_THIN_KEEP_S)) ||
        (e && (!json_is_integer(e) || json_integer_value(e) < 1 ||
               json_integer_value(e) > HEARTH_LIMIT_THIN_EVERY_S)) ||
        json_object_size(v) != (size_t)(!!k + !!e))
        return false;
    if (k)
        *keep_s = (int)json_integer_value(k);
    if (e)
        *every_s = (int)json_integer_value(e);
    *on = true;
    return true;
}

#define THIN_USAGE                                                                                 \
    "\"thin\" is true, false or {\"keep_s\": 0..2592000 (seconds kept whole before the newest "    \
    "snapshot), \"every_s\": 1..86400 (one snapshot kept per this many seconds before)}"

static int h_thinning(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *root;
    bool on;
    int keep_s, every_s, rc;

    if (!token_ok(c, srv, id, &rc))
        return rc;
    root = json_body(c, &em, &e);
    if (!root)
        return hx_send_error(c, e, em.msg);
    if (!json_object_get(root, "thin") ||
        !parse_thin(json_object_get(root, "thin"), srv->cfg, &on, &keep_s, &every_s)) {
        json_decref(root);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST, "send {" THIN_USAGE "}");
    }
    json_decref(root);
    e = hearth_service_series_thin_set(srv->svc, id, on, keep_s, every_s, &em);
    return e ? hx_send_error(c, e, em.msg) : send_series(c, srv, id, 200, NULL);
}

static int h_thin_now(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    int rc, removed = 0;

    if (!token_ok(c, srv, id, &rc))
        return rc;
    e = hearth_service_thin_series(srv->svc, id, &removed, &em);
    if (e == HEARTH_E_NOT_FOUND && hearth_service_series_exists(srv->svc, id))
        return hx_send_error(c, HEARTH_E_CONFLICT,
                             "the series has no thinning policy: PUT /api/series/ID/thinning "
                             "first");
    return e ? hx_send_error(c, e, em.msg) : send_series(c, srv, id, 200, NULL);
}

static int h_archive(struct mg_connection *c, struct hearth_server *srv)
{
    const char *ctype = mg_get_header(c, "Content-Type");
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    const unsigned char *file;
    size_t len = 0, flen;
    char name[512] = "", fname[256] = "", id[HEARTH_ID_LEN + 1], token[HEARTH_TOKEN_LEN + 1];
    struct hearth_buf report;
    enum hearth_err e;
    int rc;

    static const char *const types[] = {"application/octet-stream", "multipart/form-data",
                                        "application/zip",          "application/x-zip-compressed",
                                        "application/x-tar",        "application/gzip",
                                        "application/x-gzip",       "application/x-compressed-tar",
                                        "application/x-gtar"};
    size_t i;

    for (i = 0; ctype && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strncasecmp(ctype, types[i], strlen(types[i])))
            break;
    if (ctype && i == sizeof(types) / sizeof(types[0]))
        return hx_send_error(c, HEARTH_E_UNSUPPORTED,
                             "send the archive as application/octet-stream (or its own type: "
                             "application/zip, application/gzip, ...) or multipart/form-data");
    rc = hx_read_upload(c, srv, &body, &len, name, sizeof(name));
    if (rc)
        return rc;
    file = body;
    flen = len;
    if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)) {
        e = hx_multipart_file(ctype, body, len, &file, &flen, fname, sizeof(fname), &em);
        if (e) {
            free(body);
            return hx_send_error(c, e, em.msg);
        }
    }
    if (!flen) {
        free(body);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST,
                             "the body is empty: send a .zip, .tar, .tar.gz or .tgz of profiles");
    }
    hearth_buf_init(&report, srv->cfg->lim.max_output);
    e = hearth_service_series_archive(srv->svc, file, flen, *name ? name : NULL, id, token, &report,
                                      &em);
    free(body);
    rc =
        e ? hx_send_error(c, e, em.msg) : send_series_x(c, srv, id, 201, token, "archive", &report);
    hearth_buf_release(&report);
    return rc;
}

static int h_capture(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *root, *ji, *jc, *jg;
    const char *url, *nm;
    char id[HEARTH_ID_LEN + 1], token[HEARTH_TOKEN_LEN + 1];
    const char *client = mg_get_request_info(c)->remote_addr;
    int rc, retry_s = -1, keep_s = 0, every_s = 0;
    bool thin = false, thin_ok;

    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED, "captures need the server's upload token");
    if (!hearth_service_can_fetch(srv->svc) || !hearth_service_captures(srv->svc))
        return hx_send_error(c, HEARTH_E_FORBIDDEN,
                             "fetching is disabled on this server (set --fetch-allow)");
    root = json_body(c, &em, &e);
    if (!root)
        return hx_send_error(c, e, em.msg);
    url = jstr(root, "url", 2000);
    nm = jstr(root, "name", 500);
    ji = json_object_get(root, "interval_s");
    jc = json_object_get(root, "count");
    jg = json_object_get(root, "gc");
    thin_ok = parse_thin(json_object_get(root, "thin"), srv->cfg, &thin, &keep_s, &every_s);
    if (!url || !json_is_integer(ji) || json_integer_value(ji) < 1 ||
        json_integer_value(ji) > CAPTURE_MAX_INTERVAL_S || !json_is_integer(jc) ||
        json_integer_value(jc) < 2 ||
        json_integer_value(jc) > (thin ? HEARTH_LIMIT_CAPTURE_COUNT_THIN : SERIES_MAX_ITEMS) ||
        (jg && !json_is_boolean(jg)) || !thin_ok) {
        json_decref(root);
        return hx_send_error(c, HEARTH_E_BAD_REQUEST,
                             "send {\"url\": \"http://host:port/debug/pprof/heap\", "
                             "\"interval_s\": 1..86400, \"count\": 2..1000 (..100000 when "
                             "thinned), \"name\": optional, \"gc\": optional boolean, "
                             "\"thin\": optional, true or {\"keep_s\", \"every_s\"}}");
    }
    e = hearth_service_capture_start(srv->svc, url, nm, (int)json_integer_value(ji),
                                     (int)json_integer_value(jc), json_is_true(jg), client, id,
                                     token, &retry_s, &em);
    /* the policy before the first pass can see the series (a failure here stops nothing) */
    if (!e && thin)
        e = hearth_service_series_thin_set(srv->svc, id, true, keep_s, every_s, &em);
    if (e && retry_s >= 0)
        rc = hx_send_error_retry(c, e, em.msg, retry_s);
    else
        rc = e ? hx_send_error(c, e, em.msg) : send_series(c, srv, id, 201, token);
    json_decref(root);
    return rc;
}

static int h_stop(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    int rc;

    if (!token_ok(c, srv, id, &rc))
        return rc;
    e = hearth_captures_cancel(hearth_service_captures(srv->svc), id, &em);
    if (e)
        return hx_send_error(c, e == HEARTH_E_NOT_FOUND ? HEARTH_E_CONFLICT : e, em.msg);
    return send_series(c, srv, id, 200, NULL);
}

int hx_series_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                    const char *path)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    char id[HEARTH_ID_LEN + 1];
    const char *rest;
    size_t idl;

    if (!strcmp(path, "series"))
        return post  ? h_create(c, srv)
               : get ? h_list(c, srv, false)
                     : hx_send_405(c, "GET, HEAD, POST");
    if (!strcmp(path, "series/archive"))
        return post ? h_archive(c, srv) : hx_send_405(c, "POST");
    if (!strcmp(path, "captures"))
        return post  ? h_capture(c, srv)
               : get ? h_list(c, srv, true)
                     : hx_send_405(c, "GET, HEAD, POST");
    if (!strncmp(path, "series/", 7))
        path += 7;
    else if (!strncmp(path, "captures/", 9))
        path += 9;
    else
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such API route");
    idl = strcspn(path, "/");
    rest = path + idl;
    if (!hearth_id_valid(path, idl))
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such series");
    memcpy(id, path, idl);
    id[idl] = '\0';
    if (!strcmp(rest, "/stop"))
        return post ? h_stop(c, srv, id) : hx_send_405(c, "POST");
    if (!strcmp(rest, "/growth"))
        return get ? h_growth(c, srv, id) : hx_send_405(c, "GET, HEAD");
    if (!strcmp(rest, "/thinning"))
        return !strcmp(method, "PUT") ? h_thinning(c, srv, id) : hx_send_405(c, "PUT");
    if (!strcmp(rest, "/thin"))
        return post ? h_thin_now(c, srv, id) : hx_send_405(c, "POST");
    if (!strcmp(rest, "/gctrace"))
        return !strcmp(method, "PUT") ? h_attach(c, srv, id) : hx_send_405(c, "PUT");
    if (*rest)
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such API route");
    if (!strcmp(method, "DELETE"))
        return h_delete(c, srv, id);
    return get ? send_series(c, srv, id, 200, NULL) : hx_send_405(c, "GET, HEAD, DELETE");
}

void hx_write_series(struct hearth_jsonw *w, struct hearth_server *srv,
                     const struct hearth_series *s)
{
    write_series(w, srv, s);
}
