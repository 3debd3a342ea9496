/* metrics.c - counters and histograms in Prometheus text format; see include/hearth/metrics.h. */
#define _POSIX_C_SOURCE 200809L
#include "hearth/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "hearth/banned.h"

/* Upper bounds of the latency buckets, in seconds (+Inf is implicit). */
static const double bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

struct histogram {
    _Atomic uint64_t le[NBOUNDS]; /* observations <= bounds[i] (not cumulative) */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
};

static void observe(struct histogram *h, double secs)
{
    size_t i;

    for (i = 0; i < NBOUNDS && secs > bounds[i]; i++)
        ;
    if (i < NBOUNDS)
        atomic_fetch_add(&h->le[i], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_ns, (uint64_t)(secs > 0 ? secs * 1e9 : 0));
}

/*
 * Labelled cells, appended once and never changed: readers scan [0, n)
 * without the lock (n is published after the cell's labels are written).
 */
#define MAX_CELLS 512 /* (method, route, status) triples; routes are a fixed set */

struct status_cell {
    char method[8], route[64];
    int status;
    _Atomic uint64_t n;
};

struct route_cell {
    char method[8], route[64];
    _Atomic uint64_t bytes_in, bytes_out;
    struct histogram h;
};

static struct status_cell status_cells[MAX_CELLS];
static struct route_cell route_cells[MAX_CELLS];
static _Atomic size_t nstatus, nroute;
static _Atomic uint64_t dropped; /* requests past MAX_CELLS label sets */
static pthread_mutex_t cells_lock = PTHREAD_MUTEX_INITIALIZER;

static _Atomic uint64_t slot_waits[4], slot_busy[4];
static _Atomic uint64_t fetches[2][HEARTH_E_UNAVAILABLE + 1];
static struct histogram store_h[3];
static _Atomic uint64_t retention_deleted;
static _Atomic uint64_t derived_events[3];
static const char *const derived_name[3] = {"read", "kept", "damaged"};
static _Atomic uint64_t store_retries;

static const char *const slot_name[] = {"decode", "view", "upload", "fetch"};
static const char *const store_op_name[] = {"put", "read", "delete"};

static bool key_eq(const char *m1, const char *r1, const char *m2, const char *r2)
{
    return !strncmp(m1, m2, 7) && !strncmp(r1, r2, 63);
}

static struct status_cell *status_cell(const char *method, const char *route, int status)
{
    size_t n = atomic_load_explicit(&nstatus, memory_order_acquire), i;
    struct status_cell *c = NULL;

    for (i = 0; i < n; i++)
        if (status_cells[i].status == status &&
            key_eq(status_cells[i].method, status_cells[i].route, method, route))
            return &status_cells[i];
    pthread_mutex_lock(&cells_lock);
    n = atomic_load_explicit(&nstatus, memory_order_acquire);
    for (i = 0; i < n && !c; i++)
        if (status_cells[i].status == status &&
            key_eq(status_cells[i].method, status_cells[i].route, method, route))
            c = &status_cells[i];
    if (!c && n < MAX_CELLS) {
        c = &status_cells[n];
        snprintf(c->method, sizeof(c->method), "%s", method);
        snprintf(c->route, sizeof(c->route), "%s", route);
        c->status = status;
        atomic_store_explicit(&nstatus, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&cells_lock);
    return c;
}

static struct route_cell *route_cell(const char *method, const char *route)
{
    size_t n = atomic_load_explicit(&nroute, memory_order_acquire), i;
    struct route_cell *c = NULL;

    for (i = 0; i < n; i++)
        if (key_eq(route_cells[i].method, route_cells[i].route, method, route))
            return &route_cells[i];
    pthread_mutex_lock(&cells_lock);
    n = atomic_load_explicit(&nroute, memory_order_acquire);
    for (i = 0; i < n && !c; i++)
        if (key_eq(route_cells[i].method, route_cells[i].route, method, route))
            c = &route_cells[i];
    if (!c && n < MAX_CELLS) {
        c = &route_cells[n];
        snprintf(c->method, sizeof(c->method), "%s", method);
        snprintf(c->route, sizeof(c->route), "%s", route);
        atomic_store_explicit(&nroute, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&cells_lock);
    return c;
}

void hearth_metrics_request(const char *method, const char *route, int status, double secs,
                            uint64_t bytes_in, uint64_t bytes_out)
{
    struct status_cell *s = status_cell(method, route, status);
    struct route_cell *r = route_cell(method, route);

    if (!s || !r) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    atomic_fetch_add(&s->n, 1);
    atomic_fetch_add(&r->bytes_in, bytes_in);
    atomic_fetch_add(&r->bytes_out, bytes_out);
    observe(&r->h, secs);
}

void hearth_metrics_slot_wait(enum hearth_slot s)
{
    atomic_fetch_add(&slot_waits[s], 1);
}

void hearth_metrics_slot_busy(enum hearth_slot s)
{
    atomic_fetch_add(&slot_busy[s], 1);
}

void hearth_metrics_fetch(bool scheduled, enum hearth_err e)
{
    if ((unsigned)e <= HEARTH_E_UNAVAILABLE)
        atomic_fetch_add(&fetches[scheduled][e], 1);
}

void hearth_metrics_store(enum hearth_store_op op, double secs)
{
    observe(&store_h[op], secs);
}

void hearth_metrics_store_retry(void)
{
    atomic_fetch_add(&store_retries, 1);
}

void hearth_metrics_derived(enum hearth_derived_event ev)
{
    atomic_fetch_add(&derived_events[ev], 1);
}

void hearth_metrics_retention(int n)
{
    if (n > 0)
        atomic_fetch_add(&retention_deleted, (uint64_t)n);
}

/* ---- text format ---- */

static void family(struct hearth_buf *b, const char *name, const char *type, const char *help)
{
    hearth_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct hearth_buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            hearth_buf_addch(b, '\\');
        if (*v == '\n') {
            hearth_buf_addstr(b, "\\n");
            continue;
        }
        hearth_buf_addch(b, *v);
    }
}

static void method_route(struct hearth_buf *b, const char *method, const char *route)
{
    hearth_buf_addstr(b, "method=\"");
    label_value(b, method);
    hearth_buf_addstr(b, "\",route=\"");
    label_value(b, route);
    hearth_buf_addch(b, '"');
}

static void write_histogram(struct hearth_buf *b, const char *name, const char *labels,
                            struct histogram *h)
{
    uint64_t cum = 0, count = atomic_load(&h->count);
    size_t i;

    for (i = 0; i < NBOUNDS; i++) {
        cum += atomic_load(&h->le[i]);
        hearth_buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, *labels ? "," : "",
                          bounds[i], (unsigned long long)cum);
    }
    if (count < cum)
        count = cum; /* an observation between the two loads */
    hearth_buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, *labels ? "," : "",
                      (unsigned long long)count);
    hearth_buf_printf(b, "%s_sum{%s} %.9f\n%s_count{%s} %llu\n", name, labels,
                      (double)atomic_load(&h->sum_ns) / 1e9, name, labels,
                      (unsigned long long)count);
}

void hearth_metrics_gauge(struct hearth_buf *b, const char *name, const char *help,
                          const char *labels, double v)
{
    if (help)
        family(b, name, "gauge", help);
    if (*labels)
        hearth_buf_printf(b, "%s{%s} %.17g\n", name, labels, v);
    else
        hearth_buf_printf(b, "%s %.17g\n", name, v);
}

void hearth_metrics_write(struct hearth_buf *b)
{
    size_t n, i, k;
    char labels[256];

    family(b, "hearth_http_requests_total", "counter",
           "Requests answered, by method, route template and status.");
    n = atomic_load_explicit(&nstatus, memory_order_acquire);
    for (i = 0; i < n; i++) {
        hearth_buf_addstr(b, "hearth_http_requests_total{");
        method_route(b, status_cells[i].method, status_cells[i].route);
        hearth_buf_printf(b, ",status=\"%d\"} %llu\n", status_cells[i].status,
                          (unsigned long long)atomic_load(&status_cells[i].n));
    }
    family(b, "hearth_http_requests_unlabelled_total", "counter",
           "Requests past the table of label sets (counted here only).");
    hearth_buf_printf(b, "hearth_http_requests_unlabelled_total %llu\n",
                      (unsigned long long)atomic_load(&dropped));
    n = atomic_load_explicit(&nroute, memory_order_acquire);
    family(b, "hearth_http_request_duration_seconds", "histogram",
           "Time from a request's arrival to its last byte written, by method and route.");
    for (i = 0; i < n; i++) {
        struct hearth_buf lb;
        hearth_buf_init(&lb, sizeof(labels));
        method_route(&lb, route_cells[i].method, route_cells[i].route);
        snprintf(labels, sizeof(labels), "%s", lb.ptr ? lb.ptr : "");
        hearth_buf_release(&lb);
        write_histogram(b, "hearth_http_request_duration_seconds", labels, &route_cells[i].h);
    }
    family(b, "hearth_http_request_bytes_total", "counter",
           "Request body bytes read, by method and route.");
    for (i = 0; i < n; i++) {
        hearth_buf_addstr(b, "hearth_http_request_bytes_total{");
        method_route(b, route_cells[i].method, route_cells[i].route);
        hearth_buf_printf(b, "} %llu\n", (unsigned long long)atomic_load(&route_cells[i].bytes_in));
    }
    family(b, "hearth_http_response_bytes_total", "counter",
           "Response body bytes written, by method and route.");
    for (i = 0; i < n; i++) {
        hearth_buf_addstr(b, "hearth_http_response_bytes_total{");
        method_route(b, route_cells[i].method, route_cells[i].route);
        hearth_buf_printf(b, "} %llu\n",
                          (unsigned long long)atomic_load(&route_cells[i].bytes_out));
    }
    family(b, "hearth_slot_waits_total", "counter",
           "Requests that found every slot of a kind taken and waited (--decode-wait-ms).");
    for (i = 0; i < 4; i++)
        hearth_buf_printf(b, "hearth_slot_waits_total{slot=\"%s\"} %llu\n", slot_name[i],
                          (unsigned long long)atomic_load(&slot_waits[i]));
    family(b, "hearth_slot_busy_total", "counter",
           "Requests refused with 503 because no slot of a kind came free.");
    for (i = 0; i < 4; i++)
        hearth_buf_printf(b, "hearth_slot_busy_total{slot=\"%s\"} %llu\n", slot_name[i],
                          (unsigned long long)atomic_load(&slot_busy[i]));
    family(b, "hearth_fetches_total", "counter",
           "Outbound profile fetches by kind (request or capture) and outcome (ok or the error "
           "code).");
    for (k = 0; k < 2; k++)
        for (i = 0; i <= HEARTH_E_UNAVAILABLE; i++) {
            uint64_t v = atomic_load(&fetches[k][i]);
            if (v || i == HEARTH_OK)
                hearth_buf_printf(b, "hearth_fetches_total{kind=\"%s\",outcome=\"%s\"} %llu\n",
                                  k ? "capture" : "request",
                                  i == HEARTH_OK ? "ok" : hearth_err_name((enum hearth_err)i),
                                  (unsigned long long)v);
        }
    family(b, "hearth_store_duration_seconds", "histogram",
           "Time of store operations (put: blob and row made durable; read: a blob read; "
           "delete).");
    for (i = 0; i < 3; i++) {
        snprintf(labels, sizeof(labels), "op=\"%s\"", store_op_name[i]);
        write_histogram(b, "hearth_store_duration_seconds", labels, &store_h[i]);
    }
    family(b, "hearth_store_retries_total", "counter",
           "Requests to the blob storage's server (--blobs s3://) tried again after a failure, "
           "a timeout or throttling.");
    hearth_buf_printf(b, "hearth_store_retries_total %llu\n",
                      (unsigned long long)atomic_load(&store_retries));
    family(b, "hearth_retention_deleted_total", "counter",
           "Profiles deleted by the retention sweep (--retention-days).");
    hearth_buf_printf(b, "hearth_retention_deleted_total %llu\n",
                      (unsigned long long)atomic_load(&retention_deleted));
    family(b, "hearth_derived_answers_total", "counter",
           "Rendered answers of landing views kept in the store (--derived-mb): read back instead "
           "of computed, kept after a computation, or found damaged (then computed again).");
    for (i = 0; i < 3; i++)
        hearth_buf_printf(b, "hearth_derived_answers_total{event=\"%s\"} %llu\n", derived_name[i],
                          (unsigned long long)atomic_load(&derived_events[i]));
}
