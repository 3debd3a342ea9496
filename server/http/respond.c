/*
 * respond.c - the HTTP layer's request and response helpers (http_int.h):
 * security headers, JSON errors, 405 answers, gzip, query parameters,
 * origin and token checks, request bodies and multipart uploads. Handlers
 * (http.c, http_series.c) call these; these call no handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <civetweb.h>
#include <jansson.h>
#include <zlib.h>

#include "hearth/buf.h"
#include "hearth/clients.h"
#include "hearth/form.h"
#include "hearth/jsonbody.h"
#include "hearth/jsonw.h"
#include "hearth/reaper.h"
#include "http_int.h"

#include "hearth/banned.h"

static const char *const security_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
     "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
     "form-action 'self'; frame-ancestors 'none'"},
};

/* ---- small helpers ---- */

/* True if Accept-Encoding lists gzip (or *) with a non-zero q. */
bool hx_accepts_gzip(const struct mg_connection *c)
{
    const char *ae = mg_get_header(c, "Accept-Encoding"), *p;

    for (p = ae; p && *p;) {
        size_t n;
        const char *end = strchr(p, ','), *semi;
        while (*p == ' ')
            p++;
        n = end ? (size_t)(end - p) : strlen(p);
        semi = memchr(p, ';', n);
        if ((semi ? (size_t)(semi - p) : n) >= 1 &&
            (!strncasecmp(p, "gzip", 4) || !strncmp(p, "*", 1))) {
            size_t tl = semi ? (size_t)(semi - p) : n;
            while (tl && p[tl - 1] == ' ')
                tl--;
            if ((tl == 4 && !strncasecmp(p, "gzip", 4)) || (tl == 1 && *p == '*')) {
                const char *q = semi ? strstr(semi, "q=") : NULL;
                if (!q || q >= p + n || strtod(q + 2, NULL) > 0)
                    return true;
                return false;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

/*
 * Set once this request has answered "100 Continue": civetweb's header API
 * then refuses to start a response, so the final one is written raw (and
 * the connection closed after it).
 */
static _Thread_local bool sent_continue;
/* A HEAD request: every response sends its headers (with the length) but no body. */
static _Thread_local bool head_request;
/* The request's Origin when --cors-origins lists it: every response allows it. */
static _Thread_local const char *cors_origin;

/* What a listed origin's pages may read besides the simple headers. */
#define CORS_EXPOSE "ETag, Retry-After, Content-Disposition, Location"
/* Body bytes read and written for this request (metrics and the access log). */
static _Thread_local uint64_t bytes_in, bytes_out;

static void send_raw_headers(struct mg_connection *c, int status, const char *ctype, size_t len,
                             const char *const (*extra)[2], size_t nextra)
{
    size_t i;

    mg_printf(c, "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: %zu\r\n", status,
              mg_get_response_code_text(c, status), len);
    if (ctype)
        mg_printf(c, "Content-Type: %s\r\n", ctype);
    for (i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
        mg_printf(c, "%s: %s\r\n", security_headers[i][0], security_headers[i][1]);
    for (i = 0; i < nextra; i++)
        if (extra[i][0] && extra[i][1])
            mg_printf(c, "%s: %s\r\n", extra[i][0], extra[i][1]);
    if (cors_origin)
        mg_printf(c,
                  "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n"
                  "Access-Control-Expose-Headers: " CORS_EXPOSE "\r\n",
                  cors_origin);
    mg_printf(c, "\r\n");
}

bool hx_cors_listed(const char *list, const char *origin)
{
    size_t n = origin ? strlen(origin) : 0;
    const char *p = list;

    if (!n)
        return false;
    while (*p) {
        size_t len;
        p += strspn(p, ", ");
        len = strcspn(p, ", ");
        if (len == n && !strncasecmp(p, origin, n))
            return true;
        p += len;
    }
    return false;
}

void hx_cors_allow(const char *origin)
{
    cors_origin = origin;
}

void hx_request_begin(struct mg_connection *c)
{
    sent_continue = false;
    cors_origin = NULL;
    bytes_in = bytes_out = 0;
    head_request = !strcmp(mg_get_request_info(c)->request_method, "HEAD");
}

bool hx_head_request(void)
{
    return head_request;
}

void hx_note_sent(size_t n)
{
    bytes_out += n;
}

void hx_request_bytes(uint64_t *in, uint64_t *out)
{
    *in = bytes_in;
    *out = bytes_out;
}

/* Send a complete response. extra: NULL or "Name: value" pairs in an array of [n][2]. */
int hx_send_resp(struct mg_connection *c, int status, const char *ctype, const void *body,
                 size_t len, const char *const (*extra)[2], size_t nextra, bool head_only)
{
    char clen[32];
    size_t i;

    head_only = head_only || head_request;
    if (len && !head_only)
        bytes_out += len;
    if (sent_continue) {
        send_raw_headers(c, status, ctype, len, extra, nextra);
        if (len && !head_only)
            mg_write(c, body, len);
        return status;
    }
    mg_response_header_start(c, status);
    if (ctype)
        mg_response_header_add(c, "Content-Type", ctype, -1);
    snprintf(clen, sizeof(clen), "%zu", len);
    mg_response_header_add(c, "Content-Length", clen, -1);
    for (i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
        mg_response_header_add(c, security_headers[i][0], security_headers[i][1], -1);
    for (i = 0; i < nextra; i++)
        if (extra[i][0] && extra[i][1])
            mg_response_header_add(c, extra[i][0], extra[i][1], -1);
    if (cors_origin) {
        mg_response_header_add(c, "Access-Control-Allow-Origin", cors_origin, -1);
        mg_response_header_add(c, "Vary", "Origin", -1);
        mg_response_header_add(c, "Access-Control-Expose-Headers", CORS_EXPOSE, -1);
    }
    mg_response_header_send(c);
    if (len && !head_only)
        mg_write(c, body, len);
    return status;
}

/* {"error":{"code","message"}} with status and the extra headers. */
static int send_error_json(struct mg_connection *c, int status, const char *code, const char *msg,
                           const char *const (*extra)[2], size_t nextra)
{
    struct hearth_buf b;
    int rc;

    hearth_buf_init(&b, 8192);
    hearth_buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    hearth_json_escape(&b, msg, strlen(msg) > 1000 ? 1000 : strlen(msg));
    hearth_buf_addstr(&b, "}}\n");
    rc = hx_send_resp(c, status, "application/json", b.ptr, b.len, extra, nextra, false);
    hearth_buf_release(&b);
    return rc;
}

int hx_send_error(struct mg_connection *c, enum hearth_err e, const char *msg)
{
    return hx_send_error_retry(c, e, msg, 2);
}

int hx_send_error_retry(struct mg_connection *c, enum hearth_err e, const char *msg, int retry_s)
{
    int status = hearth_err_http_status(e);
    char secs[16];
    const char *const retry[][2] = {{"Retry-After", secs}, {"Cache-Control", "no-store"}};

    snprintf(secs, sizeof(secs), "%d", retry_s > 0 ? retry_s : 1);
    return send_error_json(c, status, hearth_err_name(e), msg,
                           status == 503 || status == 429 ? retry : retry + 1, 1);
}

int hx_send_405(struct mg_connection *c, const char *allow)
{
    const char *const h[][2] = {{"Allow", allow}, {"Cache-Control", "no-store"}};

    return send_error_json(c, 405, "method_not_allowed", "method not allowed here", h, 2);
}

int hx_send_json(struct mg_connection *c, int status, struct hearth_buf *b)
{
    const char *const h[][2] = {{"Cache-Control", "no-store"}};

    if (b->fail)
        return hx_send_error(c, b->fail, "response too large");
    return hx_send_resp(c, status, "application/json", b->ptr, b->len, h, 1, false);
}

/* Query parameter `key`, percent-decoded (hearth_form_param: 1 found, 0 absent, -1 unusable). */
int hx_query_param(const char *qs, const char *key, char *out, size_t outsz)
{
    return hearth_form_param(qs, key, out, outsz);
}

/* State-changing requests must come from our own origin (or no browser at all). */
bool hx_same_origin(struct mg_connection *c)
{
    const char *origin = mg_get_header(c, "Origin"), *site = mg_get_header(c, "Sec-Fetch-Site");
    const char *host = mg_get_header(c, "Host");

    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return false;
    if (!origin)
        return true;
    if (!host)
        return false;
    if (!strncmp(origin, "http://", 7))
        origin += 7;
    else if (!strncmp(origin, "https://", 8))
        origin += 8;
    else
        return false;
    return !strcasecmp(origin, host);
}

bool hx_bearer(struct mg_connection *c, char *out, size_t outsz)
{
    const char *a = mg_get_header(c, "Authorization");

    if (!a || strncasecmp(a, "Bearer ", 7) != 0)
        return false;
    a += 7;
    while (*a == ' ')
        a++;
    if (strlen(a) >= outsz)
        return false;
    snprintf(out, outsz, "%s", a);
    return true;
}

bool hx_upload_allowed(struct hearth_server *srv, struct mg_connection *c)
{
    char tok[256];

    if (!*srv->cfg->upload_token)
        return true;
    return hx_bearer(c, tok, sizeof(tok)) && hearth_secret_eq(tok, srv->cfg->upload_token);
}

bool hx_list_allowed(struct hearth_server *srv, struct mg_connection *c, int *rc)
{
    char tok[256];

    if (!strcmp(srv->cfg->list, "public"))
        return true;
    if (!strcmp(srv->cfg->list, "off")) {
        *rc = hx_send_error(c, HEARTH_E_FORBIDDEN,
                            "listing is turned off on this server (--list=off); open a profile "
                            "by its link");
        return false;
    }
    if (hx_bearer(c, tok, sizeof(tok)) && hearth_secret_eq(tok, srv->cfg->upload_token))
        return true;
    *rc = hx_send_error(c, HEARTH_E_UNAUTHORIZED,
                        "listing needs the server's upload token (--list=token)");
    return false;
}

static enum hearth_err read_body(struct mg_connection *c, size_t max, unsigned char **out,
                                 size_t *len, struct hearth_errmsg *em);

/*
 * A body within the client's share of bodies (waiting --decode-wait-ms for
 * one of its own, so a client queues behind itself and never holds a
 * server-wide slot meanwhile), then, for an upload, one of the service's
 * upload slots, then the read under the body deadline.
 */
static enum hearth_err read_body_capped(struct mg_connection *c, size_t max, bool upload,
                                        unsigned char **out, size_t *len, struct hearth_errmsg *em)
{
    struct hearth_server *srv = mg_get_user_data(mg_get_context(c));
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct hearth_watch w;
    enum hearth_err e;

    *out = NULL;
    *len = 0;
    if (!hearth_clients_take_wait(srv->clients, ri->remote_addr, HEARTH_CLIENT_UPLOADS,
                                  srv->cfg->max_client_uploads, srv->cfg->decode_wait_ms))
        return hearth_errmsg_set(em, HEARTH_E_TOO_MANY,
                                 "this client is already sending %zu request bodies; wait for "
                                 "them to finish (--max-client-uploads)",
                                 srv->cfg->max_client_uploads);
    if (upload && !hearth_service_upload_slot(srv->svc)) {
        e = hearth_errmsg_set(em, HEARTH_E_BUSY, "too many uploads at once; retry shortly");
        goto out_client;
    }
    hearth_reaper_watch(srv->reaper, &w, ri->remote_addr, ri->remote_port, srv->port,
                        hearth_reaper_now_ms() + (int64_t)srv->cfg->body_timeout_ms, SHUT_RD);
    e = read_body(c, max, out, len, em);
    if (hearth_reaper_unwatch(srv->reaper, &w)) {
        free(*out);
        *out = NULL;
        *len = 0;
        e = hearth_errmsg_set(em, HEARTH_E_TIMEOUT,
                              "the request body took longer than %zu ms (--body-timeout-ms)",
                              srv->cfg->body_timeout_ms);
        hx_force_close(c);
    }
    if (upload)
        hearth_service_upload_done(srv->svc);
out_client:
    hearth_clients_put(srv->clients, ri->remote_addr, HEARTH_CLIENT_UPLOADS);
    return e;
}

enum hearth_err hx_read_body(struct mg_connection *c, size_t max, unsigned char **out, size_t *len,
                             struct hearth_errmsg *em)
{
    return read_body_capped(c, max, false, out, len, em);
}

enum hearth_err hx_read_upload_body(struct mg_connection *c, size_t max, unsigned char **out,
                                    size_t *len, struct hearth_errmsg *em)
{
    return read_body_capped(c, max, true, out, len, em);
}

enum hearth_err hx_read_json(struct mg_connection *c, size_t max, json_t **out,
                             struct hearth_errmsg *em)
{
    struct hearth_server *srv = mg_get_user_data(mg_get_context(c));
    unsigned char *body = NULL;
    size_t len = 0;
    enum hearth_err e;

    *out = NULL;
    e = hx_read_body(c, max, &body, &len, em);
    if (e)
        return e;
    e = hearth_jsonbody_parse(body, len, srv->cfg->lim.max_json_depth, out, em);
    free(body);
    return e;
}

/*
 * Read the request body into a malloc'ed buffer of at most max bytes (the
 * reaper cuts it off at the body deadline: see hx_read_body).
 */
static enum hearth_err read_body(struct mg_connection *c, size_t max, unsigned char **out,
                                 size_t *len, struct hearth_errmsg *em)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    size_t cap = 65536, n = 0;
    unsigned char *buf, *nb;

    *out = NULL;
    *len = 0;
    if (ri->content_length > 0 && (uint64_t)ri->content_length > max)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "the body is %lld bytes; the limit is %zu (--max-upload-mb)",
                                 (long long)ri->content_length, max);
    if (ri->content_length > 0)
        cap = (size_t)ri->content_length + 1;
    {
        /* curl waits a second for "100 Continue" before sending a large body */
        const char *expect = mg_get_header(c, "Expect");
        if (expect && !strcasecmp(expect, "100-continue")) {
            mg_printf(c, "HTTP/1.1 100 Continue\r\n\r\n");
            sent_continue = true;
        }
    }
    buf = malloc(cap);
    if (!buf)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    for (;;) {
        int r;
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                         "the body is larger than %zu bytes (--max-upload-mb)",
                                         max);
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            }
            buf = nb;
        }
        r = mg_read(c, buf + n, cap - n);
        if (r == 0)
            break;
        if (r < 0) {
            free(buf);
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "the request body was cut off");
        }
        n += (size_t)r;
        bytes_in += (uint64_t)r;
    }
    if (n > max) {
        free(buf);
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "the body is larger than %zu bytes (--max-upload-mb)", max);
    }
    *out = buf;
    *len = n;
    return HEARTH_OK;
}

/* The first file part of a multipart/form-data body (hearth_form_multipart_file). */
enum hearth_err hx_multipart_file(const char *ctype, const unsigned char *body, size_t len,
                                  const unsigned char **file, size_t *flen, char *fname,
                                  size_t fnsz, struct hearth_errmsg *em)
{
    return hearth_form_multipart_file(ctype, body, len, file, flen, fname, fnsz, em);
}

/*
 * Make civetweb close the connection after this answer, so that no bytes
 * of a badly framed body run as a second request. civetweb 1.15 keeps a
 * connection alive unless the request's own Connection header says
 * otherwise, and offers no call for it; the request's header table is
 * civetweb's writable per-connection state behind a const view, so the
 * request is made to read "Connection: close": an existing Connection
 * header, or else its last header (the request is answered with an error).
 */
void hx_force_close(struct mg_connection *c)
{
    struct mg_request_info *ri = (struct mg_request_info *)mg_get_request_info(c);
    int i, victim = -1;

    for (i = 0; i < ri->num_headers; i++) {
        const char *name = ri->http_headers[i].name;
        if (!strcasecmp(name, "Connection")) {
            victim = i;
            break;
        }
        victim = i; /* else the last header: the request is being refused anyway */
    }
    if (victim < 0)
        return;
    ri->http_headers[victim].name = "Connection";
    ri->http_headers[victim].value = "close";
}
