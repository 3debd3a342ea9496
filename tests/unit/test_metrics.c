/*
 * test_metrics.c - server/lib/metrics.c: request cells by method, route and
 * status; cumulative histogram buckets whose +Inf equals the count; label
 * values escaped; counts exact when many threads add at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "hearth/buf.h"
#include "hearth/metrics.h"

static char *render(void)
{
    struct hearth_buf b;
    size_t n;

    hearth_buf_init(&b, 1 << 22);
    hearth_metrics_write(&b);
    assert_int_equal(b.fail, 0);
    return hearth_buf_detach(&b, &n);
}

static void has(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing line: %s", line);
}

static void test_requests(void **state)
{
    char *t;

    (void)state;
    hearth_metrics_request("GET", "/a/{id}", 200, 0.0004, 0, 10);
    hearth_metrics_request("GET", "/a/{id}", 200, 0.02, 0, 5);
    hearth_metrics_request("GET", "/a/{id}", 404, 20, 0, 1);
    hearth_metrics_request("POST", "/a/\"x\\", 201, 0.3, 7, 2);
    t = render();
    has(t, "hearth_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"200\"} 2\n");
    has(t, "hearth_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"404\"} 1\n");
    has(t, "hearth_http_requests_total{method=\"POST\",route=\"/a/\\\"x\\\\\",status=\"201\"} 1\n");
    has(t, "hearth_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a/{id}\","
           "le=\"0.001\"} 1\n");
    has(t, "hearth_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a/{id}\","
           "le=\"0.025\"} 2\n");
    has(t, "hearth_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a/{id}\","
           "le=\"10\"} 2\n");
    has(t, "hearth_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a/{id}\","
           "le=\"+Inf\"} 3\n");
    has(t, "hearth_http_request_duration_seconds_count{method=\"GET\",route=\"/a/{id}\"} 3\n");
    has(t, "hearth_http_response_bytes_total{method=\"GET\",route=\"/a/{id}\"} 16\n");
    has(t, "hearth_http_request_bytes_total{method=\"POST\",route=\"/a/\\\"x\\\\\"} 7\n");
    free(t);
}

static void test_others(void **state)
{
    char *t;

    (void)state;
    hearth_metrics_slot_wait(HEARTH_SLOT_VIEW);
    hearth_metrics_slot_busy(HEARTH_SLOT_DECODE);
    hearth_metrics_slot_busy(HEARTH_SLOT_DECODE);
    hearth_metrics_fetch(true, HEARTH_E_UPSTREAM);
    hearth_metrics_fetch(false, HEARTH_OK);
    hearth_metrics_store(HEARTH_STORE_PUT, 0.003);
    hearth_metrics_retention(4);
    t = render();
    has(t, "hearth_slot_waits_total{slot=\"view\"} 1\n");
    has(t, "hearth_slot_busy_total{slot=\"decode\"} 2\n");
    has(t, "hearth_fetches_total{kind=\"capture\",outcome=\"upstream_failed\"} 1\n");
    has(t, "hearth_fetches_total{kind=\"request\",outcome=\"ok\"} 1\n");
    has(t, "hearth_store_duration_seconds_bucket{op=\"put\",le=\"0.005\"} 1\n");
    has(t, "hearth_store_duration_seconds_count{op=\"put\"} 1\n");
    has(t, "hearth_retention_deleted_total 4\n");
    has(t, "# TYPE hearth_store_duration_seconds histogram\n");
    free(t);
}

#define THREADS 8
#define EACH    20000

static void *adder(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < EACH; i++)
        hearth_metrics_request("GET", i % 2 ? "/odd" : "/even", 200, 0.001, 1, 2);
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[THREADS];
    char *text, want[200];
    int i;

    (void)state;
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, adder, NULL), 0);
    for (i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    text = render();
    snprintf(want, sizeof(want),
             "hearth_http_requests_total{method=\"GET\",route=\"/odd\",status=\"200\"} %d\n",
             THREADS * EACH / 2);
    has(text, want);
    snprintf(want, sizeof(want),
             "hearth_http_response_bytes_total{method=\"GET\",route=\"/even\"} %d\n",
             THREADS * EACH);
    has(text, want);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_others),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
