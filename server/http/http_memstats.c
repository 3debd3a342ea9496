/*
 * http_memstats.c - the runtime memory recorded with a profile:
 *   GET  /api/profiles/<id>/memstats   the recorded MemStats, their breakdown
 *                                      and sentence (404 when none was recorded)
 *   POST /api/profiles/<id>/memstats   (the profile's delete token) attach a
 *                                      ?debug=1 heap file or a /debug/vars JSON
 * Parsing and answers here; the work in memstats_svc.c.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hearth/memstats_svc.h"
#include "http_int.h"

#include "hearth/banned.h"

int hx_profile_memstats(struct mg_connection *c, struct hearth_server *srv, const char *id,
                        const char *method)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    const char *ctype = mg_get_header(c, "Content-Type");
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    unsigned char *body = NULL;
    const unsigned char *file;
    size_t len = 0, flen;
    char tok[256] = "", fname[256];
    enum hearth_err e;
    int rc;

    if (!get && strcmp(method, "POST") != 0)
        return hx_send_405(c, "GET, HEAD, POST");
    hearth_buf_init(&out, srv->cfg->lim.max_output);
    if (get) {
        e = hearth_msvc_get(srv->svc, id, &out, &em);
        goto out_answer;
    }
    if (!hx_bearer(c, tok, sizeof(tok))) {
        e = hearth_errmsg_set(&em, HEARTH_E_FORBIDDEN,
                              "send the profile's delete token as 'Authorization: Bearer <token>'");
        goto out_answer;
    }
    e = hx_read_upload_body(c, srv->cfg->max_upload_mb << 20, &body, &len, &em);
    if (e)
        goto out_answer;
    file = body;
    flen = len;
    if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)) {
        e = hx_multipart_file(ctype, body, len, &file, &flen, fname, sizeof(fname), &em);
        if (e)
            goto out_answer;
    }
    if (!flen) {
        e = hearth_errmsg_set(&em, HEARTH_E_BAD_REQUEST,
                              "the body is empty: send a Go heap profile fetched with ?debug=1");
        goto out_answer;
    }
    e = hearth_msvc_attach(srv->svc, id, tok, file, flen, &out, &em);
out_answer:
    rc = e ? hx_send_error(c, e, em.msg) : hx_send_json(c, 200, &out);
    free(body);
    hearth_buf_release(&out);
    return rc;
}
