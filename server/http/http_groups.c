/*
 * http_groups.c - the capture group API (several targets captured together,
 * groups.h):
 *
 *   POST   /api/capture-groups            {"name","interval_s","count","gc",
 *                                          "targets":[{"name","url"}]} -> 201
 *   GET    /api/capture-groups            newest first, each with its state
 *   GET    /api/capture-groups/<id>       the group and each target's series
 *   POST   /api/capture-groups/<id>/stop  (delete token) every target's capture
 *   PUT    /api/capture-groups/<id>/gctrace (delete token) {"gctrace","tracks"}
 *   DELETE /api/capture-groups/<id>       (delete token) the group and its series;
 *                                         ?profiles=1 also their snapshots
 *
 * Thin: parsing and answers here; the logic in groups_svc.c, storage in
 * groups.c. The rules of one target are those of POST /api/captures.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/groups.h"
#include "hearth/jsonw.h"
#include "hearth/limits.h"
#include "hearth/series.h"
#include "hearth/service.h"
#include "http_int.h"

#include "hearth/banned.h"

static const char *const usage =
    "send {\"targets\": [{\"name\": \"source\", \"url\": "
    "\"http://host:port/debug/pprof/heap\"}, ...], \"interval_s\": 1..86400, \"count\": "
    "2..1000, \"name\": optional, \"gc\": optional boolean}";

/* The group (re-read) with each target's series, plus the delete token when given. */
static int send_group(struct mg_connection *c, struct hearth_server *srv, const char *id,
                      int status, const char *token)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_group g;
    struct hearth_buf out;
    struct hearth_jsonw w;
    enum hearth_err e;
    char url[512];
    const char *state = HEARTH_CAP_DONE;
    size_t i;
    int rc;

    e = hearth_service_group_get(srv->svc, id, &g, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    hearth_buf_init(&out, srv->cfg->lim.max_output);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    if (token) {
        hearth_jsonw_key(&w, "delete_token");
        hearth_jsonw_cstr(&w, token);
    }
    hearth_jsonw_key(&w, "id");
    hearth_jsonw_cstr(&w, g.id);
    hearth_jsonw_key(&w, "name");
    hearth_jsonw_cstr(&w, g.name);
    hearth_jsonw_key(&w, "created");
    hearth_jsonw_int(&w, g.created);
    snprintf(url, sizeof(url), "%s/c/%s", srv->cfg->base_path, g.id);
    hearth_jsonw_key(&w, "url");
    hearth_jsonw_cstr(&w, url);
    hearth_jsonw_key(&w, "interval_s");
    hearth_jsonw_int(&w, g.interval_s);
    hearth_jsonw_key(&w, "count");
    hearth_jsonw_int(&w, g.count);
    hearth_jsonw_key(&w, "gc");
    hearth_jsonw_bool(&w, g.gc);
    hearth_jsonw_key(&w, "gctrace");
    if (*g.gctrace)
        hearth_jsonw_cstr(&w, g.gctrace);
    else
        hearth_jsonw_null(&w);
    hearth_jsonw_key(&w, "targets");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < g.ntargets; i++) {
        struct hearth_series s;
        struct hearth_errmsg em2 = {{0}};
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_cstr(&w, g.targets[i].name);
        hearth_jsonw_key(&w, "track");
        if (*g.targets[i].track)
            hearth_jsonw_cstr(&w, g.targets[i].track);
        else
            hearth_jsonw_null(&w);
        hearth_jsonw_key(&w, "series_id");
        hearth_jsonw_cstr(&w, g.targets[i].series);
        hearth_jsonw_key(&w, "series");
        e = hearth_service_series_get(srv->svc, g.targets[i].series, &s, &em2);
        if (e == HEARTH_E_NOT_FOUND) {
            hearth_jsonw_null(&w); /* deleted on its own */
            e = HEARTH_OK;
        } else if (e) {
            hearth_jsonw_obj_close(&w);
            em = em2;
            break;
        } else {
            hearth_jsonw_obj_open(&w);
            hx_write_series(&w, srv, &s);
            hearth_jsonw_obj_close(&w);
            if (s.has_capture && !strcmp(s.cap.state, HEARTH_CAP_RUNNING))
                state = HEARTH_CAP_RUNNING;
            else if (s.has_capture && strcmp(state, HEARTH_CAP_RUNNING) != 0 &&
                     !strcmp(s.cap.state, HEARTH_CAP_STOPPED))
                state = HEARTH_CAP_STOPPED;
            hearth_series_release(&s);
        }
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    /* running while any target runs; else stopped if any was stopped; else done */
    hearth_jsonw_key(&w, "state");
    hearth_jsonw_cstr(&w, state);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, status, &out);
    hearth_buf_release(&out);
    hearth_group_release(&g);
    return rc;
}

/* A target's name: 1..HEARTH_LIMIT_TARGET_NAME of letters, digits, '.', '_', '-'. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 1 || n > HEARTH_LIMIT_TARGET_NAME)
        return false;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static int h_create(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *root, *ji, *jc, *jg, *jt, *jn;
    const char *names[HEARTH_LIMIT_CAPTURE_TARGETS], *urls[HEARTH_LIMIT_CAPTURE_TARGETS];
    const char *nm = NULL;
    char id[HEARTH_ID_LEN + 1], token[HEARTH_TOKEN_LEN + 1];
    const char *client = mg_get_request_info(c)->remote_addr;
    size_t n, i, k;
    int rc, retry_s = -1;

    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED, "captures need the server's upload token");
    if (!hearth_service_can_fetch(srv->svc) || !hearth_service_captures(srv->svc))
        return hx_send_error(c, HEARTH_E_FORBIDDEN,
                             "fetching is disabled on this server (set --fetch-allow)");
    e = hx_read_json(c, HEARTH_LIMIT_SERIES_BODY, &root, &em);
    if (!root)
        return hx_send_error(c, e, em.msg);
    jt = json_object_get(root, "targets");
    ji = json_object_get(root, "interval_s");
    jc = json_object_get(root, "count");
    jg = json_object_get(root, "gc");
    jn = json_object_get(root, "name");
    if (jn && !json_is_null(jn)) {
        nm = json_is_string(jn) && json_string_length(jn) <= 500 ? json_string_value(jn) : NULL;
        if (!nm) {
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, "name is a string of at most 500 bytes");
            goto out_free;
        }
    }
    if (!json_is_array(jt) || !json_is_integer(ji) || json_integer_value(ji) < 1 ||
        json_integer_value(ji) > HEARTH_LIMIT_CAPTURE_INTERVAL || !json_is_integer(jc) ||
        json_integer_value(jc) < 2 || json_integer_value(jc) > HEARTH_LIMIT_SERIES_ITEMS ||
        (jg && !json_is_boolean(jg))) {
        rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, usage);
        goto out_free;
    }
    n = json_array_size(jt);
    if (n < 1 || n > HEARTH_LIMIT_CAPTURE_TARGETS) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "a capture group has 1 to %d targets (capture_targets), not %zu; start "
                 "several groups for more",
                 HEARTH_LIMIT_CAPTURE_TARGETS, n);
        rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, msg);
        goto out_free;
    }
    for (i = 0; i < n; i++) {
        json_t *o = json_array_get(jt, i), *jname = json_object_get(o, "name"),
               *jurl = json_object_get(o, "url");
        char msg[300];
        if (!json_is_object(o) || !json_is_string(jname) || !json_is_string(jurl) ||
            json_object_size(o) != 2) {
            snprintf(msg, sizeof(msg),
                     "targets[%zu]: send {\"name\": \"source\", \"url\": \"http://...\"} "
                     "(nothing else)",
                     i);
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, msg);
            goto out_free;
        }
        names[i] = json_string_value(jname);
        urls[i] = json_string_value(jurl);
        if (!name_ok(names[i]) || json_string_length(jname) != strlen(names[i])) {
            snprintf(msg, sizeof(msg),
                     "targets[%zu]: a name is 1 to %d letters, digits, '.', '_' or '-'", i,
                     HEARTH_LIMIT_TARGET_NAME);
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, msg);
            goto out_free;
        }
        for (k = 0; k < i; k++)
            if (!strcmp(names[k], names[i])) {
                snprintf(msg, sizeof(msg),
                         "targets[%zu]: the name \"%s\" is used twice; each target needs its own",
                         i, names[i]);
                rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, msg);
                goto out_free;
            }
        if (json_string_length(jurl) != strlen(urls[i]) ||
            json_string_length(jurl) > HEARTH_LIMIT_FETCH_URL) {
            snprintf(msg, sizeof(msg), "targets[%zu]: the URL is not a URL of at most %d bytes", i,
                     HEARTH_LIMIT_FETCH_URL);
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, msg);
            goto out_free;
        }
    }
    e = hearth_service_group_start(srv->svc, nm, names, urls, n, (int)json_integer_value(ji),
                                   (int)json_integer_value(jc), json_is_true(jg), client, id, token,
                                   &retry_s, &em);
    if (e && retry_s >= 0)
        rc = hx_send_error_retry(c, e, em.msg, retry_s);
    else
        rc = e ? hx_send_error(c, e, em.msg) : send_group(c, srv, id, 201, token);
out_free:
    json_decref(root);
    return rc;
}

static int h_list(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    enum hearth_err e;
    int rc;

    hearth_buf_init(&out, srv->cfg->lim.max_output);
    hearth_buf_addstr(&out, "{\"groups\":");
    e = hearth_service_group_list(srv->svc, 200, &out, &em);
    hearth_buf_addstr(&out, "}\n");
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, 200, &out);
    hearth_buf_release(&out);
    return rc;
}

/* The bearer token of the request if it is the group's (else the answer is sent). */
static bool token_ok(struct mg_connection *c, struct hearth_server *srv, const char *id, char *tok,
                     size_t toksz, int *rc)
{
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;

    if (!hx_bearer(c, tok, toksz)) {
        *rc = hx_send_error(c, HEARTH_E_FORBIDDEN,
                            "send the group's delete token as 'Authorization: Bearer <token>'");
        return false;
    }
    e = hearth_service_group_check_token(srv->svc, id, tok, &em);
    if (e) {
        *rc = hx_send_error(c, e, em.msg);
        return false;
    }
    return true;
}

static int h_stop(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    char tok[256] = "";
    enum hearth_err e;
    int rc;

    if (!token_ok(c, srv, id, tok, sizeof(tok), &rc))
        return rc;
    if (!hearth_service_captures(srv->svc))
        return hx_send_error(c, HEARTH_E_FORBIDDEN,
                             "fetching is disabled on this server (set --fetch-allow)");
    e = hearth_service_group_stop(srv->svc, id, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    return send_group(c, srv, id, 200, NULL);
}

static int h_delete(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_errmsg em = {{0}};
    char tok[256] = "", v[8] = "";
    enum hearth_err e;
    bool with_profiles = false;
    int rc, r;

    r = hx_query_param(ri->query_string, "profiles", v, sizeof(v));
    if (r != 0) {
        if (r < 0 || (strcmp(v, "1") && strcmp(v, "0")))
            return hx_send_error(c, HEARTH_E_BAD_REQUEST, "profiles= is 0 or 1");
        with_profiles = !strcmp(v, "1");
    }
    if (!token_ok(c, srv, id, tok, sizeof(tok), &rc))
        return rc;
    e = hearth_service_group_delete(srv->svc, id, tok, with_profiles, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    return hx_send_resp(c, 204, NULL, NULL, 0, NULL, 0, false);
}

static int h_gctrace(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    const char *tracks[HEARTH_LIMIT_CAPTURE_TARGETS];
    char tok[256] = "";
    json_t *root, *jt;
    const char *gct;
    enum hearth_err e;
    size_t n = 0, i;
    int rc;

    if (!token_ok(c, srv, id, tok, sizeof(tok), &rc))
        return rc;
    e = hx_read_json(c, HEARTH_LIMIT_SERIES_BODY, &root, &em);
    if (!root)
        return hx_send_error(c, e, em.msg);
    gct = json_is_null(json_object_get(root, "gctrace"))
              ? ""
              : (json_is_string(json_object_get(root, "gctrace")) &&
                         json_string_length(json_object_get(root, "gctrace")) <= 64
                     ? json_string_value(json_object_get(root, "gctrace"))
                     : NULL);
    jt = json_object_get(root, "tracks");
    if (!gct || (jt && !json_is_null(jt) &&
                 (!json_is_array(jt) || json_array_size(jt) > HEARTH_LIMIT_CAPTURE_TARGETS))) {
        rc = hx_send_error(c, HEARTH_E_BAD_REQUEST,
                           "send {\"gctrace\": id or null, \"tracks\": optional [one track label "
                           "or null per target]}");
        goto out_free;
    }
    n = json_is_array(jt) ? json_array_size(jt) : 0;
    for (i = 0; i < n; i++) {
        json_t *v = json_array_get(jt, i);
        if (json_is_null(v)) {
            tracks[i] = "";
        } else if (json_is_string(v) && json_string_length(v) <= HEARTH_LIMIT_TARGET_NAME &&
                   strlen(json_string_value(v)) == json_string_length(v)) {
            tracks[i] = json_string_value(v);
        } else {
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST,
                               "tracks[] are gctrace track labels (strings) or null");
            goto out_free;
        }
    }
    e = hearth_service_group_gctrace(srv->svc, id, gct, json_is_array(jt) ? tracks : NULL, n, &em);
    rc = e ? hx_send_error(c, e, em.msg) : send_group(c, srv, id, 200, NULL);
out_free:
    json_decref(root);
    return rc;
}

int hx_groups_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                    const char *path)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    char id[HEARTH_ID_LEN + 1];
    const char *rest;
    size_t idl;

    if (!strcmp(path, "capture-groups"))
        return post ? h_create(c, srv) : get ? h_list(c, srv) : hx_send_405(c, "GET, HEAD, POST");
    if (strncmp(path, "capture-groups/", 15) != 0)
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such API route");
    path += 15;
    idl = strcspn(path, "/");
    rest = path + idl;
    if (!hearth_id_valid(path, idl))
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such capture group");
    memcpy(id, path, idl);
    id[idl] = '\0';
    if (!strcmp(rest, "/stop"))
        return post ? h_stop(c, srv, id) : hx_send_405(c, "POST");
    if (!strcmp(rest, "/gctrace"))
        return !strcmp(method, "PUT") ? h_gctrace(c, srv, id) : hx_send_405(c, "PUT");
    if (*rest)
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such API route");
    if (!strcmp(method, "DELETE"))
        return h_delete(c, srv, id);
    return get ? send_group(c, srv, id, 200, NULL) : hx_send_405(c, "GET, HEAD, DELETE");
}
