/*
 * http_int.h - what the files of the HTTP layer share: router.c (start/stop,
 * routing) calls the handlers of http.c (profiles, gctraces) and
 * http_series.c (series, captures), which answer through respond.c (request
 * and response helpers). Calls go one way only: no file calls back a file
 * before it in that list. Private to the server; nothing here is a public
 * contract. Handlers answer with the hx_send_* helpers, which add the
 * security headers and JSON errors.
 */
#ifndef HEARTH_HTTP_INT_H
#define HEARTH_HTTP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/cache.h"
#include "hearth/config.h"
#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/profile.h"
#include "hearth/service.h"
#include "hearth/store.h"

struct asset;
struct hearth_service;
struct hearth_clients;
struct hearth_reaper;
struct hearth_workpool;
struct hearth_jsonw;

struct hearth_server {
    const struct hearth_config *cfg;
    struct mg_context *ctx;
    struct hearth_service *svc; /* caches, slots, ingest, fetch, jobs */
    struct asset *assets;
    size_t nassets;
    int port;
    time_t started;
    struct hearth_workpool *pool;   /* every request runs on one of its large-stack threads */
    struct hearth_clients *clients; /* per-address requests and uploads in progress */
    struct hearth_reaper *reaper;   /* body and download deadlines */
    char **hosts;                   /* accepted Host names (NULL-terminated); NULL = any */
    char tls_error[320];            /* why --tls-cert/--tls-key failed to load ("" = no error) */
};

/*
 * respond.c: request and response helpers. A request's state (HEAD, "100
 * Continue" sent) is per thread: hx_request_begin() resets it before routing.
 */
void hx_request_begin(struct mg_connection *c);
/* Is the request being answered a HEAD (headers only)? */
bool hx_head_request(void);
/* Body bytes written outside hx_send_resp (a streamed download). */
void hx_note_sent(size_t n);
/* Body bytes read and written since hx_request_begin() on this thread. */
void hx_request_bytes(uint64_t *in, uint64_t *out);
/* Responses (each adds the security headers; errors are JSON). */
int hx_send_resp(struct mg_connection *c, int status, const char *ctype, const void *body,
                 size_t len, const char *const (*extra)[2], size_t nextra, bool head);
int hx_send_error(struct mg_connection *c, enum hearth_err e, const char *msg);
/* The same with Retry-After: retry_s on a 503 or 429 (hx_send_error says 2). */
int hx_send_error_retry(struct mg_connection *c, enum hearth_err e, const char *msg, int retry_s);
/* 405 method_not_allowed with the Allow header. */
int hx_send_405(struct mg_connection *c, const char *allow);
int hx_send_json(struct mg_connection *c, int status, struct hearth_buf *b);
bool hx_accepts_gzip(const struct mg_connection *c);
/*
 * CORS (--cors-origins): is origin one of the comma-separated list? Once
 * hx_cors_allow(origin) is called (origin must outlive the request), every
 * response of this request allows that origin.
 */
bool hx_cors_listed(const char *list, const char *origin);
void hx_cors_allow(const char *origin);

/* Requests. query_param: 1 found (decoded into out), 0 absent, -1 too long or not text. */
int hx_query_param(const char *qs, const char *key, char *out, size_t outsz);
bool hx_bearer(struct mg_connection *c, char *out, size_t outsz);
bool hx_upload_allowed(struct hearth_server *srv, struct mg_connection *c);
/* May this request list ids (--list)? If not, the answer has been sent: return it. */
bool hx_list_allowed(struct hearth_server *srv, struct mg_connection *c, int *rc);
/*
 * Read the request body (at most max bytes, within --body-timeout-ms and
 * the client's share of uploads) into *out, which the caller frees.
 */
enum hearth_err hx_read_body(struct mg_connection *c, size_t max, unsigned char **out, size_t *len,
                             struct hearth_errmsg *em);
/* The same for a profile or gctrace upload: also holds one of the service's upload slots. */
enum hearth_err hx_read_upload_body(struct mg_connection *c, size_t max, unsigned char **out,
                                    size_t *len, struct hearth_errmsg *em);
/* A JSON object body of at most max bytes, depth-checked; the caller json_decref()s *out. */
enum hearth_err hx_read_json(struct mg_connection *c, size_t max, json_t **out,
                             struct hearth_errmsg *em);
/* Is the request from our own origin (Sec-Fetch-Site, then Origin against Host)? */
bool hx_same_origin(struct mg_connection *c);
/* Make civetweb close the connection after this answer (the request's framing is bad). */
void hx_force_close(struct mg_connection *c);
/* The file part of a multipart/form-data body (pointers into body; fname: its filename). */
enum hearth_err hx_multipart_file(const char *ctype, const unsigned char *body, size_t len,
                                  const unsigned char **file, size_t *flen, char *fname,
                                  size_t fnamesz, struct hearth_errmsg *em);

/* http.c: the profile and gctrace handlers (path and method checked by the router). */
/* The start of every upload (http.c): token, slot, body, ?name=; 0 or the status sent. */
int hx_read_upload(struct mg_connection *c, struct hearth_server *srv, unsigned char **body,
                   size_t *len, char *name, size_t namesz);
int hx_profiles_upload(struct mg_connection *c, struct hearth_server *srv);
int hx_profiles_fetch(struct mg_connection *c, struct hearth_server *srv);
int hx_profiles_list(struct mg_connection *c, struct hearth_server *srv);
int hx_profile_meta(struct mg_connection *c, struct hearth_server *srv,
                    const struct hearth_meta *m);
int hx_profile_raw(struct mg_connection *c, struct hearth_server *srv, const struct hearth_meta *m);
int hx_profile_delete(struct mg_connection *c, struct hearth_server *srv, const char *id);
int hx_profile_view(struct mg_connection *c, struct hearth_server *srv, const struct hearth_meta *m,
                    enum hearth_view_kind v);
int hx_gctrace_upload(struct mg_connection *c, struct hearth_server *srv);
/* http_memstats.c: GET/POST /api/profiles/<id>/memstats. */
int hx_profile_memstats(struct mg_connection *c, struct hearth_server *srv, const char *id,
                        const char *method);
int hx_gctrace_get(struct mg_connection *c, struct hearth_server *srv, const char *id);

/* http_series.c: a series' fields (as GET /api/series/<id>, its "group" key included) into
 * an open object. */
struct hearth_series;
void hx_write_series(struct hearth_jsonw *w, struct hearth_server *srv,
                     const struct hearth_series *s);
/* http_groups.c: /api/capture-groups[/<id>[/stop|/gctrace]]; path without "/api/". */
int hx_groups_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                    const char *path);
/* http_series.c: /api/series..., /api/captures... ; path is after "/api/". */
int hx_series_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                    const char *path);

/* http_saved.c: /api/views... (saved views); *tmpl gets the route's template. */
int hx_saved_route(struct mg_connection *c, struct hearth_server *srv, const char *method,
                   const char *path, const char **tmpl);

#endif /* HEARTH_HTTP_INT_H */
