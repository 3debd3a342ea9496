/*
 * blobs_s3.c - blobs on an S3-compatible server through libcurl (see
 * include/hearth/blobs.h). libcurl signs every request (CURLOPT_AWS_SIGV4);
 * this file adds what Debian 12's libcurl (7.88) leaves out: the
 * x-amz-content-sha256 header on every request (a PUT's blob name is the
 * SHA-256 of its body; bodiless requests send the empty string's), and no
 * request carries a query string (7.88 would sign its parameters unsorted).
 */
#define _GNU_SOURCE
#include "blobs_s3.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hearth/ids.h"
#include "hearth/limits.h"
#include "hearth/log.h"
#include "hearth/metrics.h"

#include "hearth/banned.h"

#define S3_ERRBODY      2048 /* bytes of an error answer kept to find its <Code> */
#define S3_BASE_MAX     384  /* endpoint (256, checked at open) + / + bucket (63) */
#define S3_URL_MAX      1100 /* base + / + prefix (512 + /) + object name */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One thread's handle: its kept-alive connections serve that thread's requests. */
struct s3_thread {
    CURL *h;
    struct hearth__s3 *s;
};

struct hearth__s3 {
    char base[S3_BASE_MAX]; /* ENDPOINT/BUCKET */
    char prefix[600];       /* "" or "PREFIX/" */
    char sigv4[64];         /* aws:amz:REGION:s3 */
    char region[40];
    char *key, *secret;
    pthread_key_t tkey;
    bool have_tkey;
    bool curl_init;       /* curl_global_init() done (undone at close) */
    pthread_mutex_t lock; /* threads[] */
    struct s3_thread **threads;
    size_t nthreads, capthreads;
};

static uint64_t retries;

uint64_t hearth__s3_retries(void)
{
    return __atomic_load_n(&retries, __ATOMIC_RELAXED);
}

/* A thread ended: its handle goes (pthread key destructor). */
static void thread_gone(void *p)
{
    struct s3_thread *t = p;
    struct hearth__s3 *s = t->s;
    size_t i;

    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->nthreads; i++)
        if (s->threads[i] == t) {
            s->threads[i] = s->threads[--s->nthreads];
            break;
        }
    pthread_mutex_unlock(&s->lock);
    curl_easy_cleanup(t->h);
    free(t);
}

/* The calling thread's handle, made on first use; NULL when out of memory. */
static CURL *thread_handle(struct hearth__s3 *s)
{
    struct s3_thread *t = pthread_getspecific(s->tkey);

    if (t)
        return t->h;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->s = s;
    t->h = curl_easy_init();
    pthread_mutex_lock(&s->lock);
    if (t->h && s->nthreads == s->capthreads) {
        size_t cap = s->capthreads ? s->capthreads * 2 : 16;
        struct s3_thread **n = realloc(s->threads, cap * sizeof(*n));
        if (n) {
            s->threads = n;
            s->capthreads = cap;
        }
    }
    if (t->h && s->nthreads < s->capthreads && pthread_setspecific(s->tkey, t) == 0) {
        s->threads[s->nthreads++] = t;
        pthread_mutex_unlock(&s->lock);
        return t->h;
    }
    pthread_mutex_unlock(&s->lock);
    if (t->h)
        curl_easy_cleanup(t->h);
    free(t);
    return NULL;
}

/* What one request received: the body (into memory or a file) or an error answer. */
struct xfer {
    CURL *h;
    int fd;             /* >= 0: the body goes here */
    bool keep;          /* keep a 2xx body (GET) */
    unsigned char *buf; /* fd < 0: the body */
    size_t n, cap, max;
    bool too_large, write_failed;
    char err[S3_ERRBODY + 1];
    size_t errn;
};

static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t len = sz * nm, off = 0;
    long code = 0;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
        size_t room = S3_ERRBODY - x->errn;
        memcpy(x->err + x->errn, p, len < room ? len : room);
        x->errn += len < room ? len : room;
        x->err[x->errn] = 0;
        return len;
    }
    if (!x->keep)
        return len;
    if (len > x->max - x->n) {
        x->too_large = true;
        return 0;
    }
    if (x->fd >= 0) {
        while (off < len) {
            ssize_t w = write(x->fd, p + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                x->write_failed = true;
                return 0;
            }
            off += (size_t)w;
        }
    } else {
        if (x->n + len + 1 > x->cap) {
            size_t cap = x->cap ? x->cap : 64 << 10;
            unsigned char *nb;
            while (cap < x->n + len + 1)
                cap *= 2;
            if (cap > x->max + 1)
                cap = x->max + 1;
            nb = realloc(x->buf, cap);
            if (!nb) {
                x->write_failed = true;
                return 0;
            }
            x->buf = nb;
            x->cap = cap;
        }
        memcpy(x->buf + x->n, p, len);
    }
    x->n += len;
    return len;
}

/* The <Code> of an S3 error answer ("" if none), into code. */
static void err_code(const struct xfer *x, char *code, size_t cap)
{
    const char *a = strstr(x->err, "<Code>"), *b = a ? strstr(a, "</Code>") : NULL;
    size_t i, n;

    *code = 0;
    if (!a || !b)
        return;
    a += 6;
    n = (size_t)(b - a) < cap - 1 ? (size_t)(b - a) : cap - 1;
    for (i = 0; i < n; i++)
        code[i] = (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z') ||
                          (a[i] >= '0' && a[i] <= '9')
                      ? a[i]
                      : '?';
    code[n] = 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/*
 * One S3 request with its retries: connection failures, timeouts, 5xx and
 * 429 (SlowDown) are tried again after a growing pause; after the last try
 * HEARTH_E_UNAVAILABLE. Otherwise HEARTH_OK with the HTTP status in *status
 * (x holds the body or the error answer).
 */
static enum hearth_err request(struct hearth__s3 *s, const char *method, const char *url,
                               const char *payload_sha, const unsigned char *body, size_t n,
                               const char *const *extra, struct xfer *x, long *status,
                               struct hearth_errmsg *em)
{
    CURL *h = thread_handle(s);
    struct curl_slist *hdrs = NULL, *t;
    char sha_hdr[96], why[160] = "";
    enum hearth_err e = HEARTH_OK;
    CURLcode rc = CURLE_OK;
    int try;

    *status = 0;
    if (!h)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    snprintf(sha_hdr, sizeof(sha_hdr), "x-amz-content-sha256: %s", payload_sha);
    t = curl_slist_append(hdrs, sha_hdr);
    hdrs = t ? t : hdrs;
    while (t && extra && *extra) {
        t = curl_slist_append(hdrs, *extra++);
        hdrs = t ? t : hdrs;
    }
    if (!t) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out;
    }
    x->h = h;
    for (try = 0; try < HEARTH_LIMIT_S3_TRIES; try++) {
        if (try > 0) {
            __atomic_add_fetch(&retries, 1, __ATOMIC_RELAXED);
            hearth_metrics_store_retry();
            sleep_ms((long)HEARTH_LIMIT_S3_BACKOFF_MS << (try - 1));
        }
        x->n = x->errn = 0;
        x->err[0] = 0;
        x->too_large = x->write_failed = false;
        if (x->fd >= 0 && (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) != 0)) {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot reset a temporary file: %s",
                                  strerror(errno));
            goto out;
        }
        curl_easy_reset(h); /* keeps the connections */
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)HEARTH_LIMIT_S3_CONNECT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)HEARTH_LIMIT_S3_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, s->key);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
        if (!strcmp(method, "PUT")) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, n ? (const char *)body : "");
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        } else if (!strcmp(method, "DELETE")) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
        } /* a GET's size cap is on_data's: an error answer's body does not count */
        rc = curl_easy_perform(h);
        if (x->too_large) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "stored profile larger than the limit");
            goto out;
        }
        if (x->write_failed) {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot keep the stored bytes (%s)",
                                  x->fd >= 0 ? "temporary file" : "out of memory");
            goto out;
        }
        if (rc != CURLE_OK) {
            snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
            continue;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        if (*status >= 500 || *status == 429) {
            char code[64];
            err_code(x, code, sizeof(code));
            snprintf(why, sizeof(why), "HTTP %ld%s%s", *status, *code ? " " : "", code);
            continue;
        }
        goto out;
    }
    e = hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                          "the blob storage (S3) does not answer (%s, %d tries): try again later",
                          why, HEARTH_LIMIT_S3_TRIES);
out:
    if (h)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return e;
}

/* An answer that is none of the expected ones, as an error ("what: why"). */
static enum hearth_err unexpected(const struct xfer *x, long status, const char *what,
                                  struct hearth_errmsg *em)
{
    char code[64];

    err_code(x, code, sizeof(code));
    if (status == 403 || status == 401)
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "%s: the blob storage (S3) refused the request (HTTP %ld %s): "
                                 "check the S3 credentials, region and clock",
                                 what, status, *code ? code : "AccessDenied");
    if (!strcmp(code, "NoSuchBucket"))
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "%s: the blob storage's bucket is missing (S3 NoSuchBucket)",
                                 what);
    return hearth_errmsg_set(em, HEARTH_E_IO, "%s: the blob storage (S3) answered HTTP %ld %s",
                             what, status, *code ? code : "");
}

static void object_url(const struct hearth__s3 *s, const char *hash, char *url, size_t cap)
{
    snprintf(url, cap, "%s/%s%s", s->base, s->prefix, hash);
}

enum hearth_err hearth__s3_put(struct hearth__s3 *s, const char *hash, const unsigned char *bytes,
                               size_t n, bool *created, struct hearth_errmsg *em)
{
    static const char *const hdrs[] = {"If-None-Match: *", "Content-Type: application/octet-stream",
                                       NULL};
    char url[S3_URL_MAX];
    struct xfer *x = calloc(1, sizeof(*x));
    enum hearth_err e;
    long status;

    if (!x)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    x->fd = -1;
    object_url(s, hash, url, sizeof(url));
    e = request(s, "PUT", url, hash, bytes, n, hdrs, x, &status, em);
    if (e)
        goto out;
    if (status >= 200 && status <= 299)
        *created = true;
    else if (status != 412) /* 412: If-None-Match found the same name: the bytes are there */
        e = unexpected(x, status, "cannot store the profile's bytes", em);
out:
    free(x);
    return e;
}

enum hearth_err hearth__s3_get(struct hearth__s3 *s, const char *hash, size_t max, int fd,
                               unsigned char **bytes, size_t *n, struct hearth_errmsg *em)
{
    char url[S3_URL_MAX];
    struct xfer *x = calloc(1, sizeof(*x));
    enum hearth_err e;
    long status;

    *bytes = NULL;
    *n = 0;
    if (!x)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    x->fd = fd;
    x->keep = true;
    x->max = max;
    object_url(s, hash, url, sizeof(url));
    e = request(s, "GET", url, S3_EMPTY_SHA256, NULL, 0, NULL, x, &status, em);
    if (e)
        goto out;
    if (status == 404 && !strstr(x->err, "NoSuchBucket")) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "stored bytes missing for this profile");
        goto out;
    }
    if (status != 200) {
        e = unexpected(x, status, "cannot read the profile's bytes", em);
        goto out;
    }
    if (fd < 0 && !x->buf) {
        x->buf = malloc(1); /* an empty blob */
        if (!x->buf) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out;
        }
    }
    *n = x->n;
    *bytes = x->buf;
    x->buf = NULL;
out:
    free(x->buf);
    free(x);
    return e;
}

enum hearth_err hearth__s3_delete(struct hearth__s3 *s, const char *hash, struct hearth_errmsg *em)
{
    char url[S3_URL_MAX];
    struct xfer *x = calloc(1, sizeof(*x));
    enum hearth_err e;
    long status;

    if (!x)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    x->fd = -1;
    object_url(s, hash, url, sizeof(url));
    e = request(s, "DELETE", url, S3_EMPTY_SHA256, NULL, 0, NULL, x, &status, em);
    if (!e && status != 204 && status != 200 && status != 404)
        e = unexpected(x, status, "cannot remove the profile's bytes", em);
    free(x);
    return e;
}

enum hearth_err hearth__s3_ready(struct hearth__s3 *s, struct hearth_errmsg *em)
{
    char url[S3_URL_MAX];
    struct xfer *x = calloc(1, sizeof(*x));
    struct hearth_errmsg m = {{0}};
    enum hearth_err e;
    long status;

    if (!x)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    x->fd = -1;
    /* a name no blob has: "not found" proves the server, the bucket and the credentials */
    object_url(s, ".hearth-ready", url, sizeof(url));
    e = request(s, "GET", url, S3_EMPTY_SHA256, NULL, 0, NULL, x, &status, &m);
    if (!e && !(status == 404 && strstr(x->err, "NoSuchKey")) && status != 200)
        e = unexpected(x, status, "cannot use the bucket", &m);
    if (e)
        e = hearth_errmsg_set(em, e == HEARTH_E_NOMEM ? e : HEARTH_E_UNAVAILABLE, "%s", m.msg);
    free(x);
    return e;
}

/* PUT the bucket; one that exists and is ours is fine (and so is one we may only use). */
static enum hearth_err make_bucket(struct hearth__s3 *s, struct hearth_errmsg *em)
{
    char body[256] = "", sha[HEARTH_SHA256_HEX + 1], code[64];
    struct xfer *x = calloc(1, sizeof(*x));
    struct hearth_errmsg m = {{0}};
    enum hearth_err e;
    long status;

    if (!x)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    x->fd = -1;
    if (strcmp(s->region, "us-east-1") != 0)
        snprintf(body, sizeof(body),
                 "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                 "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>",
                 s->region);
    hearth_sha256_hex(body, strlen(body), sha);
    e = request(s, "PUT", s->base, sha, (const unsigned char *)body, strlen(body), NULL, x, &status,
                em);
    if (e)
        goto out;
    err_code(x, code, sizeof(code));
    if (status == 200 || (status == 409 && !strcmp(code, "BucketAlreadyOwnedByYou")))
        goto out;
    /* not allowed to create it (or someone's): usable if a read is answered */
    e = hearth__s3_ready(s, &m);
    if (e)
        hearth_errmsg_set(em, e, "%s (creating it answered HTTP %ld %s)", m.msg, status, code);
out:
    free(x);
    return e;
}

static bool in_set(const char *p, const char *set)
{
    for (; *p; p++)
        if (!strchr(set, *p))
            return false;
    return true;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"

/* Parse s3://BUCKET[/PREFIX] and the endpoint; every character is URL-safe (no encoding). */
static enum hearth_err parse(struct hearth__s3 *s, const struct hearth__s3_opts *o,
                             struct hearth_errmsg *em)
{
    const char *url = o->url + 5, *slash = strchr(url, '/');
    const char *ep = o->s3_endpoint ? o->s3_endpoint : "";
    size_t bl = slash ? (size_t)(slash - url) : strlen(url), pl, el = strlen(ep);
    char bucket[64];
    const char *region = o->s3_region && *o->s3_region ? o->s3_region : "us-east-1";

    if (bl < 3 || bl > 63)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--blobs s3://BUCKET: a bucket name has 3 to 63 characters");
    snprintf(bucket, sizeof(bucket), "%.*s", (int)bl, url);
    if (!in_set(bucket, LOWER DIGIT ".-"))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--blobs s3://BUCKET: a bucket name has lower-case letters, "
                                 "digits, '.' and '-' only");
    snprintf(s->prefix, sizeof(s->prefix), "%s", slash ? slash + 1 : "");
    pl = strlen(s->prefix);
    while (pl && s->prefix[pl - 1] == '/')
        s->prefix[--pl] = 0;
    if (pl > 512 || !in_set(s->prefix, LOWER DIGIT "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-/") ||
        strstr(s->prefix, "//") || s->prefix[0] == '/' || !strcmp(s->prefix, ".") ||
        !strncmp(s->prefix, "./", 2) || !strncmp(s->prefix, "../", 3) || strstr(s->prefix, "/./") ||
        strstr(s->prefix, "/../") || !strcmp(s->prefix, "..") ||
        (pl >= 2 && !strcmp(s->prefix + pl - 2, "/.")) ||
        (pl >= 3 && !strcmp(s->prefix + pl - 3, "/..")))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--blobs s3://BUCKET/PREFIX: the prefix has up to 512 letters, "
                                 "digits, '.', '_', '-' and '/' (no empty, '.' or '..' parts)");
    if (pl)
        s->prefix[pl++] = '/'; /* room: the prefix buffer is larger than 513 */
    s->prefix[pl] = 0;
    while (el && ep[el - 1] == '/')
        el--;
    if ((strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) || el > 256 ||
        strpbrk(ep, "?# \t\r\n") || el < 9)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--blobs s3://... needs --s3-endpoint http(s)://HOST[:PORT] "
                                 "(up to 256 characters, no query)");
    if (strlen(region) > 32 || !in_set(region, LOWER DIGIT "-"))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--s3-region: lower-case letters, digits and '-' (up to 32)");
    snprintf(s->base, sizeof(s->base), "%.*s/%s", (int)el, ep, bucket);
    snprintf(s->region, sizeof(s->region), "%s", region);
    snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", region);
    return HEARTH_OK;
}

enum hearth_err hearth__s3_open(const struct hearth__s3_opts *o, struct hearth__s3 **out,
                                struct hearth_errmsg *em)
{
    struct hearth__s3 *s = calloc(1, sizeof(*s));
    const char *key = getenv("HEARTH_S3_ACCESS_KEY_ID"),
               *secret = getenv("HEARTH_S3_SECRET_ACCESS_KEY");
    enum hearth_err e;

    *out = NULL;
    if (!s)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    if (!key || !*key || !secret || !*secret) {
        key = getenv("AWS_ACCESS_KEY_ID");
        secret = getenv("AWS_SECRET_ACCESS_KEY");
    }
    e = parse(s, o, em);
    if (e)
        goto out_fail;
    if (!key || !*key || !secret || !*secret) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--blobs s3://... needs credentials: HEARTH_S3_ACCESS_KEY_ID and "
                              "HEARTH_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY)");
        goto out_fail;
    }
    s->key = strdup(key);
    s->secret = strdup(secret);
    if (!s->key || !s->secret || pthread_key_create(&s->tkey, thread_gone) != 0) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    s->have_tkey = true;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "cannot initialise libcurl");
        goto out_fail;
    }
    s->curl_init = true;
    e = make_bucket(s, em);
    if (e)
        goto out_fail;
    hearth_log(HEARTH_LOG_INFO, "store", "blobs on S3: %s/%s* (region %s)", s->base, s->prefix,
               s->region);
    *out = s;
    return HEARTH_OK;
out_fail:
    hearth__s3_close(s);
    return e;
}

void hearth__s3_close(struct hearth__s3 *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->nthreads; i++) {
        curl_easy_cleanup(s->threads[i]->h);
        free(s->threads[i]);
    }
    if (s->have_tkey) {
        pthread_setspecific(s->tkey, NULL);
        pthread_key_delete(s->tkey);
    }
    free(s->threads);
    pthread_mutex_destroy(&s->lock);
    if (s->secret)
        memset(s->secret, 0, strlen(s->secret));
    free(s->key);
    free(s->secret);
    if (s->curl_init)
        curl_global_cleanup();
    free(s);
}
