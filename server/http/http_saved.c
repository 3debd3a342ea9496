/*
 * http_saved.c - the saved views API (named view parameters, applicable to
 * any profile: the profile page's "Views" menu):
 *
 *   GET    /api/views          every saved view, by name (--list rules, like series)
 *   POST   /api/views          {"name","params":{key: string}} -> 201 with the delete token
 *                              (the upload token when the server has one)
 *   GET    /api/views/<id>     one saved view
 *   DELETE /api/views/<id>     (delete token)
 *
 * A page opens a saved view on a profile with /p/<profile>?saved=<id>: the
 * UI reads the view and puts its parameters in the URL. Thin: validation in
 * saved_svc.c, storage in saved_views.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/jsonw.h"
#include "hearth/limits.h"
#include "hearth/saved_views.h"
#include "hearth/service.h"
#include "http_int.h"

#include "hearth/banned.h"

/* The view and, once, its delete token: {"id","name","params","created","delete_token"}. */
static int send_view(struct mg_connection *c, struct hearth_server *srv, const char *id, int status,
                     const char *token)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_saved_view v;
    struct hearth_buf out;
    struct hearth_jsonw w;
    enum hearth_err e;
    int rc;

    e = hearth_service_saved_get(srv->svc, id, &v, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    hearth_buf_init(&out, 1 << 20);
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    if (token) {
        hearth_jsonw_key(&w, "delete_token");
        hearth_jsonw_cstr(&w, token);
    }
    hearth_jsonw_key(&w, "id");
    hearth_jsonw_cstr(&w, v.id);
    hearth_jsonw_key(&w, "name");
    hearth_jsonw_cstr(&w, v.name);
    hearth_jsonw_key(&w, "params");
    hearth_buf_addstr(&out, *v.params_json == '{' ? v.params_json : "{}"); /* ours: valid JSON */
    w.need_comma[w.depth] = true;
    hearth_jsonw_key(&w, "created");
    hearth_jsonw_int(&w, v.created);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(&out, '\n');
    rc = hx_send_json(c, status, &out);
    hearth_buf_release(&out);
    hearth_saved_view_release(&v);
    return rc;
}

static int h_create(struct mg_connection *c, struct hearth_server *srv)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_saved_param *params = NULL;
    char id[HEARTH_ID_LEN + 1], token[HEARTH_TOKEN_LEN + 1];
    json_t *root = NULL, *name, *obj, *val;
    const char *key;
    enum hearth_err e;
    size_t n = 0;
    int rc;

    if (!hx_upload_allowed(srv, c))
        return hx_send_error(c, HEARTH_E_UNAUTHORIZED,
                             "saving a view needs the server's upload token");
    e = hx_read_json(c, HEARTH_LIMIT_JSON_BODY, &root, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    name = json_object_get(root, "name");
    obj = json_object_get(root, "params");
    if (!json_is_string(name) || (obj && !json_is_object(obj))) {
        rc = hx_send_error(c, HEARTH_E_BAD_REQUEST,
                           "send {\"name\": \"...\", \"params\": {\"f\": \"...\", ...}}");
        goto out_free;
    }
    if (json_object_size(obj) > 64) {
        rc = hx_send_error(c, HEARTH_E_BAD_REQUEST, "too many parameters");
        goto out_free;
    }
    params = calloc(json_object_size(obj) + 1, sizeof(*params));
    if (!params) {
        rc = hx_send_error(c, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    json_object_foreach(obj, key, val)
    {
        if (!json_is_string(val)) {
            rc = hx_send_error(c, HEARTH_E_BAD_REQUEST,
                               "every parameter's value is a string, as in a URL");
            goto out_free;
        }
        params[n].key = key;
        params[n++].value = json_string_value(val);
    }
    e = hearth_service_saved_create(srv->svc, json_string_value(name), params, n, id, token, &em);
    rc = e ? hx_send_error(c, e, em.msg) : send_view(c, srv, id, 201, token);
out_free:
    free(params);
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
    hearth_buf_addstr(&out, "{\"views\":");
    e = hearth_service_saved_list(srv->svc, HEARTH_LIMIT_SAVED_VIEWS, &out, &em);
    hearth_buf_addstr(&out, "}\n");
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, 200, &out);
    hearth_buf_release(&out);
    return rc;
}

static int h_delete(struct mg_connection *c, struct hearth_server *srv, const char *id)
{
    struct hearth_errmsg em = {{0}};
    char tok[256] = "";
    enum hearth_err e;

    if (!hx_bearer(c, tok, sizeof(tok)))
        return hx_send_error(c, HEARTH_E_FORBIDDEN,
                             "send the saved view's delete token as 'Authorization: Bearer "
                             "<token>'");
    e = hearth_service_saved_delete(srv->svc, id, tok, &em);
    if (e)
        return hx_send_error(c, e, em.msg);
    return hx_send_resp(c, 204, NULL, NULL, 0, NULL, 0, false);
}

int hx_saved_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                   const char *path, const char **tmpl)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    int rc;

    if (!strcmp(path, "/api/views")) {
        *tmpl = "/api/views";
        if (!strcmp(method, "POST"))
            return h_create(c, srv);
        if (!get)
            return hx_send_405(c, "GET, HEAD, POST");
        if (!hx_list_allowed(srv, c, &rc))
            return rc;
        return h_list(c, srv);
    }
    if (strncmp(path, "/api/views/", 11) != 0) {
        *tmpl = "/api/other";
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such API route");
    }
    path += 11;
    *tmpl = "/api/views/{id}";
    if (!hearth_id_valid(path, strlen(path))) {
        if (strchr(path, '/'))
            *tmpl = "/api/other";
        return hx_send_error(c, HEARTH_E_NOT_FOUND, "no such saved view");
    }
    if (!strcmp(method, "DELETE"))
        return h_delete(c, srv, path);
    if (!get)
        return hx_send_405(c, "GET, HEAD, DELETE");
    return send_view(c, srv, path, 200, NULL);
}
