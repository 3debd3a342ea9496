/*
 * test_blobs.c - blob storage (blobs.h) through its interface, on one
 * backend: `test_blobs files` (a temporary data directory) or `test_blobs
 * s3` against the S3 server in HEARTH_TEST_S3_ENDPOINT with the credentials
 * in HEARTH_TEST_S3_ACCESS_KEY_ID / HEARTH_TEST_S3_SECRET_ACCESS_KEY
 * (tests/setup/ceph.sh's radosgw, which verifies SigV4 signatures; run
 * through tests/setup/with_s3.sh). Each run uses its own prefix.
 *
 * Both: put-if-absent (created once), get, bounded get, get of a missing
 * blob, open_fd, delete (twice), empty blobs, malformed names, threads.
 * `files` also runs the S3 backend against a fake server of its own: 503
 * SlowDown and 500 are retried with pauses, then HEARTH_E_UNAVAILABLE.
 * S3 only: a wrong secret is refused by the server (the signature is
 * checked), an unknown key too, a body that does not match its name is
 * refused (x-amz-content-sha256 is checked), a dead endpoint answers
 * HEARTH_E_UNAVAILABLE quickly, bad URLs and missing credentials are
 * start-up errors, and a second open of an existing bucket works.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hearth/blobs.h"
#include "hearth/ids.h"
#include "tmpdir.h"

static bool on_s3;
static char url[256];
static const char *endpoint;

struct fx {
    char *dir;
    struct hearth_blobs *b;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void creds(const char *key, const char *secret)
{
    setenv("HEARTH_S3_ACCESS_KEY_ID", key, 1);
    setenv("HEARTH_S3_SECRET_ACCESS_KEY", secret, 1);
}

static void good_creds(void)
{
    creds(getenv("HEARTH_TEST_S3_ACCESS_KEY_ID"), getenv("HEARTH_TEST_S3_SECRET_ACCESS_KEY"));
}

static enum hearth_err open_with(const char *dir, const char *u, const char *ep,
                                 struct hearth_blobs **b, struct hearth_errmsg *em)
{
    struct hearth_blobs_opts o = {dir, u, ep, NULL};

    return hearth_blobs_open(&o, b, em);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em = {{0}};
    char tmp[4200];

    if (!f)
        return -1;
    f->dir = tmpdir_make("blobs");
    if (!f->dir)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s/tmp", f->dir);
    mkdir(tmp, 0700);
    if (on_s3)
        good_creds();
    if (open_with(f->dir, on_s3 ? url : NULL, endpoint, &f->b, &em) != HEARTH_OK) {
        fprintf(stderr, "setup: %s\n", em.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_blobs_close(f->b);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* Bytes that differ per test and run: a fresh name every time. */
static void content(char *buf, size_t n, const char *what)
{
    static unsigned seq;
    size_t i, l = (size_t)snprintf(buf, n, "%s %ld %u %ld ", what, (long)getpid(), seq++,
                                   (long)time(NULL));

    for (i = l < n ? l : n; i < n; i++)
        buf[i] = (char)('a' + (i * 7) % 26);
}

static void put_get_delete(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    char data[5000], hash[HEARTH_SHA256_HEX + 1];
    unsigned char *back = NULL;
    size_t n = 0;
    bool created = false;
    double t0, t_put, t_get, t_del;

    content(data, sizeof(data), "put_get_delete");
    hearth_sha256_hex(data, sizeof(data), hash);
    assert_int_equal(hearth_blobs_get(f->b, hash, 1 << 20, &back, &n, &em), HEARTH_E_IO);
    assert_string_equal(em.msg, "stored bytes missing for this profile");
    /* missing is missing even under a tiny cap (an S3 error answer is not the blob) */
    assert_int_equal(hearth_blobs_get(f->b, hash, 1, &back, &n, &em), HEARTH_E_IO);
    assert_null(back);
    t0 = now_s();
    assert_int_equal(
        hearth_blobs_put(f->b, hash, (const unsigned char *)data, sizeof(data), &created, &em),
        HEARTH_OK);
    t_put = now_s() - t0;
    assert_true(created);
    /* put-if-absent: the second put finds the name and writes nothing */
    assert_int_equal(
        hearth_blobs_put(f->b, hash, (const unsigned char *)data, sizeof(data), &created, &em),
        HEARTH_OK);
    assert_false(created);
    t0 = now_s();
    assert_int_equal(hearth_blobs_get(f->b, hash, sizeof(data), &back, &n, &em), HEARTH_OK);
    t_get = now_s() - t0;
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(back, data, sizeof(data));
    free(back);
    back = NULL;
    /* bounded: one byte over the cap is refused, nothing returned */
    assert_int_equal(hearth_blobs_get(f->b, hash, sizeof(data) - 1, &back, &n, &em),
                     HEARTH_E_TOO_LARGE);
    assert_null(back);
    assert_int_equal(n, 0);
    t0 = now_s();
    assert_int_equal(hearth_blobs_delete(f->b, hash, &em), HEARTH_OK);
    t_del = now_s() - t0;
    assert_int_equal(hearth_blobs_get(f->b, hash, 1 << 20, &back, &n, &em), HEARTH_E_IO);
    assert_int_equal(hearth_blobs_delete(f->b, hash, &em), HEARTH_OK); /* missing: fine */
    /* gone for put-if-absent too: the next put writes it again */
    assert_int_equal(
        hearth_blobs_put(f->b, hash, (const unsigned char *)data, sizeof(data), &created, &em),
        HEARTH_OK);
    assert_true(created);
    printf("# %s: put %.1f ms, get %.1f ms, delete %.1f ms (5000 bytes)\n", hearth_blobs_kind(f->b),
           t_put * 1e3, t_get * 1e3, t_del * 1e3);
}

static void open_fd_streams(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    static char data[300000];
    char hash[HEARTH_SHA256_HEX + 1], *back = malloc(sizeof(data) + 1);
    size_t size = 0, off = 0;
    bool created;
    int fd = -1;
    ssize_t r;

    assert_non_null(back);
    content(data, sizeof(data), "open_fd");
    hearth_sha256_hex(data, sizeof(data), hash);
    assert_int_equal(
        hearth_blobs_put(f->b, hash, (const unsigned char *)data, sizeof(data), &created, &em),
        HEARTH_OK);
    assert_int_equal(hearth_blobs_open_fd(f->b, hash, sizeof(data) - 1, &fd, &size, &em),
                     HEARTH_E_TOO_LARGE);
    assert_int_equal(fd, -1);
    assert_int_equal(hearth_blobs_open_fd(f->b, hash, sizeof(data), &fd, &size, &em), HEARTH_OK);
    assert_true(fd >= 0);
    assert_int_equal(size, sizeof(data));
    for (r = 1; r > 0 && off <= sizeof(data); off += (size_t)r)
        r = read(fd, back + off, sizeof(data) + 1 - off);
    assert_int_equal(r, 0);
    assert_int_equal(off, sizeof(data));
    assert_memory_equal(back, data, sizeof(data));
    close(fd);
    free(back);
    data[0] = 'X'; /* a missing blob */
    hearth_sha256_hex(data, sizeof(data), hash);
    assert_int_equal(hearth_blobs_open_fd(f->b, hash, sizeof(data), &fd, &size, &em), HEARTH_E_IO);
    assert_int_equal(fd, -1);
}

static void empty_and_malformed(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    char hash[HEARTH_SHA256_HEX + 1];
    unsigned char *back = NULL;
    size_t n = 7;
    bool created;

    hearth_sha256_hex("", 0, hash);
    assert_int_equal(hearth_blobs_put(f->b, hash, (const unsigned char *)"", 0, &created, &em),
                     HEARTH_OK);
    assert_int_equal(hearth_blobs_get(f->b, hash, 10, &back, &n, &em), HEARTH_OK);
    assert_non_null(back);
    assert_int_equal(n, 0);
    free(back);
    assert_int_equal(
        hearth_blobs_put(f->b, "../../etc/passwd", (const unsigned char *)"x", 1, &created, &em),
        HEARTH_E_BAD_REQUEST);
    hash[10] = 'A';
    assert_int_equal(hearth_blobs_get(f->b, hash, 10, &back, &n, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_blobs_delete(f->b, "ab", &em), HEARTH_E_BAD_REQUEST);
}

struct worker {
    struct hearth_blobs *b;
    int id, fails;
};

static void *work(void *p)
{
    struct worker *w = p;
    struct hearth_errmsg em = {{0}};
    char data[2000], hash[HEARTH_SHA256_HEX + 1];
    unsigned char *back;
    size_t n;
    bool created;
    int i;

    for (i = 0; i < 10; i++) {
        snprintf(data, sizeof(data), "worker %d item %d pid %ld", w->id, i, (long)getpid());
        memset(data + strlen(data), 'z', sizeof(data) - strlen(data));
        hearth_sha256_hex(data, sizeof(data), hash);
        back = NULL;
        if (hearth_blobs_put(w->b, hash, (const unsigned char *)data, sizeof(data), &created,
                             &em) != HEARTH_OK ||
            hearth_blobs_get(w->b, hash, sizeof(data), &back, &n, &em) != HEARTH_OK ||
            n != sizeof(data) || memcmp(back, data, n) != 0 ||
            hearth_blobs_delete(w->b, hash, &em) != HEARTH_OK) {
            fprintf(stderr, "worker %d: %s\n", w->id, em.msg);
            w->fails++;
        }
        free(back);
    }
    return NULL;
}

/* Eight threads at once: each its own handle (S3), every answer right. */
static void threads(void **state)
{
    struct fx *f = *state;
    pthread_t t[8];
    struct worker w[8];
    int i;

    for (i = 0; i < 8; i++) {
        w[i] = (struct worker){f->b, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].fails, 0);
    }
}

/* S3: the server checks the signature, the key and the payload hash. */
static void s3_refusals(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    struct hearth_blobs *b = NULL;
    char data[100], hash[HEARTH_SHA256_HEX + 1];
    bool created;

    creds(getenv("HEARTH_TEST_S3_ACCESS_KEY_ID"), "not-the-secret");
    assert_int_equal(open_with(f->dir, url, endpoint, &b, &em), HEARTH_E_UNAVAILABLE);
    assert_null(b);
    printf("# wrong secret: %s\n", em.msg);
    assert_non_null(strstr(em.msg, "SignatureDoesNotMatch"));
    assert_non_null(strstr(em.msg, "check the S3 credentials"));
    assert_null(strstr(em.msg, "not-the-secret"));
    creds("NOSUCHKEY", "whatever");
    assert_int_equal(open_with(f->dir, url, endpoint, &b, &em), HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "InvalidAccessKeyId"));
    good_creds();
    /* the name is the SHA-256 the server checks the body against */
    content(data, sizeof(data), "mismatch");
    hearth_sha256_hex("other bytes", 11, hash);
    assert_int_equal(
        hearth_blobs_put(f->b, hash, (const unsigned char *)data, sizeof(data), &created, &em),
        HEARTH_E_IO);
    assert_false(created);
    printf("# body not matching its name: %s\n", em.msg);
    assert_non_null(strstr(em.msg, "XAmzContentSHA256Mismatch"));
}

/* S3: a dead endpoint is HEARTH_E_UNAVAILABLE after the bounded retries, not a hang. */
static void s3_dead_endpoint(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    struct hearth_blobs *b = NULL;
    double t0 = now_s(), took;

    assert_int_equal(open_with(f->dir, url, "http://127.0.0.1:9", &b, &em), HEARTH_E_UNAVAILABLE);
    took = now_s() - t0;
    printf("# dead endpoint: %.2f s: %s\n", took, em.msg);
    assert_null(b);
    assert_non_null(strstr(em.msg, "does not answer"));
    assert_true(took < 5.0);
    assert_true(hearth_blobs_retries() >= 3);
}

static void s3_settings(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    struct hearth_blobs *b = NULL;
    static const char *const bad[] = {"s3://",
                                      "s3://ab",
                                      "s3://Upper",
                                      "s3://b_x/p",
                                      "s3://bucket/a//b",
                                      "s3://bucket/../x",
                                      "s3://bucket/a b",
                                      "s3://bucket/x?y",
                                      "gs://bucket",
                                      NULL};
    size_t i;

    for (i = 0; bad[i]; i++) {
        assert_int_equal(open_with(f->dir, bad[i], endpoint, &b, &em), HEARTH_E_BAD_REQUEST);
        assert_null(b);
    }
    assert_int_equal(open_with(f->dir, url, "ftp://x", &b, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(open_with(f->dir, url, NULL, &b, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "--s3-endpoint"));
    unsetenv("HEARTH_S3_ACCESS_KEY_ID");
    unsetenv("HEARTH_S3_SECRET_ACCESS_KEY");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(open_with(f->dir, url, endpoint, &b, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "HEARTH_S3_ACCESS_KEY_ID"));
    /* the AWS_* names are the fallback; the bucket exists now: opening again is fine */
    setenv("AWS_ACCESS_KEY_ID", getenv("HEARTH_TEST_S3_ACCESS_KEY_ID"), 1);
    setenv("AWS_SECRET_ACCESS_KEY", getenv("HEARTH_TEST_S3_SECRET_ACCESS_KEY"), 1);
    assert_int_equal(open_with(f->dir, url, endpoint, &b, &em), HEARTH_OK);
    assert_string_equal(hearth_blobs_kind(b), "s3");
    assert_null(hearth_blobs_local_dir(b));
    assert_int_equal(hearth_blobs_ready(b, &em), HEARTH_OK);
    hearth_blobs_close(b);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

/*
 * A fake S3 server for the retry paths: it answers each request (one per
 * connection) with the next status of its script, its body an S3 error
 * document with the given code. It checks nothing else.
 */
struct fake {
    int lfd, port, n, served;
    const int *status;
    const char *const *code;
    pthread_t t;
};

static void *fake_run(void *p)
{
    struct fake *f = p;
    char buf[65536], resp[512], body[256];

    while (f->served < f->n) {
        size_t got = 0, need = 0;
        char *end, *cl;
        int c = accept(f->lfd, NULL, NULL);
        if (c < 0)
            break;
        for (;;) { /* the head, then Content-Length bytes of body */
            ssize_t r = read(c, buf + got, sizeof(buf) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            buf[got] = 0;
            end = strstr(buf, "\r\n\r\n");
            if (!end)
                continue;
            cl = strcasestr(buf, "content-length:");
            need = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0);
            if (got >= need)
                break;
        }
        snprintf(body, sizeof(body), "<Error><Code>%s</Code></Error>", f->code[f->served]);
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 f->status[f->served], strlen(body), body);
        if (write(c, resp, strlen(resp)) < 0)
            perror("fake write");
        f->served++;
        close(c);
    }
    return NULL;
}

static void fake_start(struct fake *f, const int *status, const char *const *code, int n)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);

    *f = (struct fake){.n = n, .status = status, .code = code};
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(f->lfd, 16), 0);
    assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->t, NULL, fake_run, f), 0);
}

static void fake_stop(struct fake *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    pthread_join(f->t, NULL);
    close(f->lfd);
}

/* 5xx and throttling are tried again with pauses; then HEARTH_E_UNAVAILABLE naming the answer. */
static void s3_retries(void **state)
{
    static const int st[] = {200, 503, 503, 200, 503, 503, 503, 503, 500, 404};
    static const char *const code[] = {"",         "SlowDown", "SlowDown", "",         "SlowDown",
                                       "SlowDown", "SlowDown", "SlowDown", "Internal", "NoSuchKey"};
    struct hearth_errmsg em = {{0}};
    struct hearth_blobs *b = NULL;
    char ep[64], dir[] = "/tmp/hearth-blobs-fake-XXXXXX", hash[HEARTH_SHA256_HEX + 1], sub[80];
    unsigned char *back = NULL;
    size_t n;
    uint64_t r0;
    bool created = false;
    struct fake f;
    double t0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    mkdir(sub, 0700);
    fake_start(&f, st, code, 10);
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", f.port);
    creds("FAKEKEY", "FAKESECRET");
    assert_int_equal(open_with(dir, "s3://fake-bucket/p", ep, &b, &em), HEARTH_OK); /* 200 */
    hearth_sha256_hex("x", 1, hash);
    r0 = hearth_blobs_retries();
    t0 = now_s();
    /* 503, 503, 200: stored on the third try, after 100 + 200 ms of pauses */
    assert_int_equal(hearth_blobs_put(b, hash, (const unsigned char *)"x", 1, &created, &em),
                     HEARTH_OK);
    assert_true(created);
    assert_int_equal(hearth_blobs_retries() - r0, 2);
    assert_true(now_s() - t0 >= 0.3);
    /* four times 503 SlowDown: given up, 503 for the client */
    assert_int_equal(hearth_blobs_put(b, hash, (const unsigned char *)"x", 1, &created, &em),
                     HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "HTTP 503 SlowDown, 4 tries"));
    /* 500 then 404 NoSuchKey: missing, after one retry */
    assert_int_equal(hearth_blobs_get(b, hash, 10, &back, &n, &em), HEARTH_E_IO);
    assert_string_equal(em.msg, "stored bytes missing for this profile");
    assert_int_equal(hearth_blobs_retries() - r0, 2 + 3 + 1);
    hearth_blobs_close(b);
    fake_stop(&f);
    assert_int_equal(f.served, 10);
    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    rmdir(sub);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest both[] = {
        cmocka_unit_test_setup_teardown(put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(open_fd_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_and_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(threads, setup, teardown),
    };
    const struct CMUnitTest s3[] = {
        cmocka_unit_test_setup_teardown(s3_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(s3_dead_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(s3_settings, setup, teardown),
    };
    const struct CMUnitTest fake[] = {cmocka_unit_test(s3_retries)};
    int rc;

    if (argc != 2 || (strcmp(argv[1], "files") && strcmp(argv[1], "s3"))) {
        fprintf(stderr, "usage: test_blobs files|s3\n");
        return 2;
    }
    on_s3 = !strcmp(argv[1], "s3");
    if (on_s3) {
        endpoint = getenv("HEARTH_TEST_S3_ENDPOINT");
        if (!endpoint || !getenv("HEARTH_TEST_S3_ACCESS_KEY_ID") ||
            !getenv("HEARTH_TEST_S3_SECRET_ACCESS_KEY")) {
            fprintf(stderr, "test_blobs s3: no S3 server (run it through "
                            "tests/setup/with_s3.sh)\n");
            return getenv("CI") && !strcmp(getenv("CI"), "true") ? 1 : 77;
        }
        snprintf(url, sizeof(url), "s3://hearth-unit/run-%ld-%ld", (long)time(NULL),
                 (long)getpid());
    }
    rc = cmocka_run_group_tests_name(on_s3 ? "blobs on s3" : "blobs on files", both, NULL, NULL);
    if (!on_s3)
        rc |= cmocka_run_group_tests_name("s3 against a fake server", fake, NULL, NULL);
    if (on_s3)
        rc |= cmocka_run_group_tests_name("s3 only", s3, NULL, NULL);
    return rc;
}
