/*
 * test_fetch.c - fetching by URL: the allow-list (parsing; IPv4/IPv6 CIDRs,
 * names, special addresses, our own address), URL checks (schemes,
 * credentials, odd IPv4 spellings, ?seconds=), and real fetches against a
 * small HTTP server in a thread on 127.0.0.1 (200, 404, 302, slow drip,
 * bodies over the cap, a delayed CPU-profile-like answer).
 *
 * White-box: this file includes server/service/fetch.c to reach the static
 * matcher (check_addr, allow_parse) directly; it therefore links
 * hearth_core and libcurl, not the library that holds fetch.c.
 *
 * Every refused fetch also checks the server's hit counter: a refusal must
 * happen before any connection is made.
 */
#include "../../server/service/fetch.c"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <time.h>

#include <cmocka.h>

/* ---- helpers -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct hearth_fetcher *new_fetcher(const char *allow, size_t max_bytes, long timeout_s,
                                          long max_seconds, const char *self)
{
    struct hearth_fetch_opts o = {allow, max_bytes, timeout_s, max_seconds, self, false};
    struct hearth_fetcher *f = NULL;
    struct hearth_errmsg em = {{0}};
    enum hearth_err e = hearth_fetcher_new(&o, &f, &em);

    if (e)
        print_error("hearth_fetcher_new(%s): %s\n", allow ? allow : "(null)", em.msg);
    assert_int_equal(e, HEARTH_OK);
    assert_non_null(f);
    return f;
}

/* hearth_fetcher_new's error for an allow-list (the message in em). */
static enum hearth_err new_err(const char *allow, const char *self, struct hearth_errmsg *em)
{
    struct hearth_fetch_opts o = {allow, 1000, 5, 30, self, false};
    struct hearth_fetcher *f = NULL;
    enum hearth_err e = hearth_fetcher_new(&o, &f, em);

    hearth_fetcher_free(f);
    return e;
}

/* The verdict for connecting to ip:port. */
static enum fetch_verdict verdict(const struct hearth_fetcher *f, bool named, bool localhost,
                                  const char *ip, unsigned port)
{
    struct sockaddr_storage ss;
    struct fetch_net a;
    unsigned p = 0;
    const char *kind;

    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
    }
    assert_true(sockaddr_to_net((struct sockaddr *)&ss, &a, &p));
    assert_int_equal(p, port);
    return check_addr(f, named, localhost, &a, p, &kind);
}

/* ---- a canned HTTP server on 127.0.0.1 ------------------------------------- */

#define BIG_BODY 100000

struct canned {
    int lfd;
    unsigned port;
    pthread_t th;
    pthread_mutex_t mu;
    unsigned hits;
    char last_req[2048]; /* the request head of the last connection */
};

static struct canned srv;

static void send_all(int fd, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Send n bytes of 'x' (stops quietly when the client hangs up). */
static void send_x(int fd, size_t n)
{
    char chunk[4096];

    memset(chunk, 'x', sizeof(chunk));
    while (n > 0) {
        size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
        ssize_t w = send(fd, chunk, k, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        n -= (size_t)w;
    }
}

static void answer(int fd, const char *path)
{
    char head[256];

    if (!strcmp(path, "/ok")) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nPROFILE-BYTES");
    } else if (!strcmp(path, "/empty")) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    } else if (!strcmp(path, "/404")) {
        send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 15\r\n\r\nSECRET-404-BODY");
    } else if (!strcmp(path, "/500")) {
        send_str(fd, "HTTP/1.1 500 Oops\r\nContent-Length: 10\r\n\r\nSECRET-500");
    } else if (!strcmp(path, "/302")) {
        send_str(fd, "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/"
                     "\r\nContent-Length: 15\r\n\r\nSECRET-REDIRECT");
    } else if (!strcmp(path, "/slow")) {
        /* one byte every 100 ms: 100 s for the whole body */
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for (int i = 0; i < 1000; i++) {
            if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
                break;
            sleep_ms(100);
        }
    } else if (!strcmp(path, "/big")) {
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_BODY);
        send_str(fd, head);
        send_x(fd, BIG_BODY);
    } else if (!strcmp(path, "/big-nolength")) {
        send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        send_x(fd, BIG_BODY);
    } else if (!strcmp(path, "/exact") || !strcmp(path, "/exact-plus-one")) {
        size_t n = !strcmp(path, "/exact") ? 1000 : 1001;

        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        send_str(fd, head);
        send_x(fd, n);
    } else if (!strcmp(path, "/sleep")) {
        /* like a CPU profile: the answer comes after the requested seconds */
        sleep_ms(1500);
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ncpu");
    } else {
        send_str(fd, "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n");
    }
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        struct timeval tv = {2, 0};
        char req[2048], path[256];
        size_t n = 0;
        int fd = accept(srv.lfd, NULL, NULL);

        if (fd < 0)
            break; /* the listening socket was shut down */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (n < sizeof(req) - 1) {
            ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);

            if (r <= 0)
                break;
            n += (size_t)r;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = '\0';
        pthread_mutex_lock(&srv.mu);
        srv.hits++;
        snprintf(srv.last_req, sizeof(srv.last_req), "%s", req);
        pthread_mutex_unlock(&srv.mu);
        /* "GET /path?query HTTP/1.1" */
        path[0] = '\0';
        if (!strncmp(req, "GET ", 4)) {
            size_t k = strcspn(req + 4, " ?");

            if (k < sizeof(path)) {
                memcpy(path, req + 4, k);
                path[k] = '\0';
            }
        }
        answer(fd, path);
        close(fd);
    }
    return NULL;
}

static unsigned hits(void)
{
    unsigned h;

    pthread_mutex_lock(&srv.mu);
    h = srv.hits;
    pthread_mutex_unlock(&srv.mu);
    return h;
}

static int srv_start(void **state)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int one = 1;

    (void)state;
    if (hearth_fetch_global_init())
        return -1;
    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.mu, NULL);
    srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv.lfd < 0)
        return -1;
    setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(srv.lfd, 16) ||
        getsockname(srv.lfd, (struct sockaddr *)&a, &al))
        return -1;
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.th, NULL, serve, NULL) ? -1 : 0;
}

static int srv_stop(void **state)
{
    (void)state;
    shutdown(srv.lfd, SHUT_RDWR);
    pthread_join(srv.th, NULL);
    close(srv.lfd);
    pthread_mutex_destroy(&srv.mu);
    hearth_fetch_global_cleanup();
    return 0;
}

/* Fetch path from the canned server through f; checks the error class and
 * that the message holds `want` (and never a secret body). */
static enum hearth_err get(struct hearth_fetcher *f, const char *host, const char *path,
                           unsigned char **body, size_t *len, struct hearth_errmsg *em)
{
    char url[512];
    enum hearth_err e;

    struct hearth_errmsg client = {{0}};

    snprintf(url, sizeof(url), "http://%s:%u%s", host, srv.port, path);
    em->msg[0] = '\0';
    /* em gets the cause (the log's words); the client's words are checked here */
    e = hearth_fetch(f, url, body, len, &client, em);
    assert_null(strstr(em->msg, "SECRET"));
    assert_null(strstr(client.msg, "SECRET"));
    if (e)
        assert_true(!strcmp(client.msg, em->msg) ||
                    (e == HEARTH_E_IO && strstr(client.msg, "did not answer with a profile")));
    return e;
}

static void expect(struct hearth_fetcher *f, const char *url, enum hearth_err want,
                   const char *want_msg)
{
    struct hearth_errmsg em = {{0}};
    unsigned char *body = (unsigned char *)"junk";
    size_t len = 42;
    struct hearth_errmsg client = {{0}};
    enum hearth_err e = hearth_fetch(f, url, &body, &len, &client, &em);

    if (e != want || (want_msg && !strstr(em.msg, want_msg)))
        print_error("%s: got %s \"%s\", want %s \"%s\"\n", url, hearth_err_name(e), em.msg,
                    hearth_err_name(want), want_msg ? want_msg : "");
    assert_int_equal(e, want);
    if (want_msg)
        assert_non_null(strstr(em.msg, want_msg));
    if (e) {
        assert_null(body);
        assert_int_equal(len, 0);
    }
    free(body);
}

/* ---- allow-list parsing ------------------------------------------------------ */

static void test_allow_parse(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher(" 10.0.0.0/8, 127.0.0.1 ,::1/128,Example.COM.,[fd00::1], 10.1.2.3/8,,"
                    "prof-1.internal",
                    1000, 5, 30, NULL);
    assert_int_equal(f->n_nets, 5);
    assert_int_equal(f->n_names, 2);
    assert_string_equal(f->names[0], "example.com");
    assert_string_equal(f->names[1], "prof-1.internal");
    /* host bits are masked: 10.1.2.3/8 is 10.0.0.0/8 */
    assert_int_equal(f->nets[4].addr[1], 0);
    assert_int_equal(f->nets[4].prefix, 8);
    assert_int_equal(f->nets[3].family, AF_INET6);
    assert_int_equal(f->nets[3].prefix, 128);
    hearth_fetcher_free(f);
}

static void test_allow_parse_errors(void **state)
{
    static const char *bad[] = {
        "10.0.0.0/33",
        "10.0.0.0/",
        "/8",
        "::1/129",
        "10.0.0.0/-1",
        "10.0.0.0/8x",
        "host:80",
        "127.0.0.1:80",
        "2130706433",
        "127.1",
        "0x7f.0.0.1",
        "017.0.0.1",
        "exa mple",
        "a..b",
        "*.example.com",
        ".",
        "[::1",
        "http://example.com",
        "10.0.0.0/8, bad host",
    };
    struct hearth_errmsg em = {{0}};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        em.msg[0] = '\0';
        if (new_err(bad[i], NULL, &em) != HEARTH_E_BAD_REQUEST)
            print_error("allow '%s' was accepted\n", bad[i]);
        assert_int_equal(new_err(bad[i], NULL, &em), HEARTH_E_BAD_REQUEST);
        assert_non_null(strstr(em.msg, "--fetch-allow"));
    }
    assert_int_equal(new_err("127.0.0.1:80", NULL, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "port"));
    assert_int_equal(new_err("2130706433", NULL, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "unusual IPv4"));
}

static void test_bad_opts(void **state)
{
    struct hearth_fetcher *f = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_fetch_opts o = {"127.0.0.1", 0, 5, 30, NULL, false};

    (void)state;
    assert_int_equal(hearth_fetcher_new(&o, &f, &em), HEARTH_E_BAD_REQUEST);
    o.max_bytes = 1000;
    o.timeout_s = 0;
    assert_int_equal(hearth_fetcher_new(&o, &f, &em), HEARTH_E_BAD_REQUEST);
    o.timeout_s = 5;
    o.max_seconds = -1;
    assert_int_equal(hearth_fetcher_new(&o, &f, &em), HEARTH_E_BAD_REQUEST);
    assert_null(f);
    assert_int_equal(new_err("127.0.0.1", "bogus", &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(new_err("127.0.0.1", "127.0.0.1:99999", &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(new_err("127.0.0.1", "::1", &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(new_err("127.0.0.1", "127.0.0.1:8443s", &em), HEARTH_OK);
    assert_int_equal(new_err("127.0.0.1", "[::1]:8080", &em), HEARTH_OK);
    assert_int_equal(new_err("127.0.0.1", "8080", &em), HEARTH_OK);
    assert_int_equal(new_err("127.0.0.1", "localhost:8080", &em), HEARTH_OK);
}

static void test_disabled(void **state)
{
    static const char *empty[] = {NULL, "", " ", " , ,"};

    (void)state;
    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
        struct hearth_fetcher *f = new_fetcher(empty[i], 1000, 5, 30, NULL);

        expect(f, "http://127.0.0.1/", HEARTH_E_FORBIDDEN,
               "fetching is disabled: set --fetch-allow");
        hearth_fetcher_free(f);
    }
}

/* ---- matching -------------------------------------------------------------------- */

static void test_match_v4(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("10.0.0.0/8,172.16.0.0/12,192.0.2.7", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "10.1.2.3", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "10.255.255.255", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "11.0.0.1", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "172.31.255.255", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "172.32.0.0", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "172.15.255.255", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "192.0.2.7", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "192.0.2.8", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "169.254.169.254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 80), FV_SPECIAL);
    /* IPv4-mapped IPv6 is judged as IPv4 */
    assert_int_equal(verdict(f, false, false, "::ffff:10.1.2.3", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "::ffff:169.254.169.254", 80), FV_SPECIAL);
    hearth_fetcher_free(f);
}

static void test_match_v6(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("2001:db8::/32, ::1/128, fd12:3456::/32", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "2001:db8::1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "2001:db8:ffff::1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "2001:db9::1", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "::1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "::2", 80), FV_NOT_LISTED);
    assert_int_equal(verdict(f, false, false, "fd12:3456::9", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "fe80::1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "fd00:ec2::254", 80), FV_SPECIAL);
    /* v4 entries never match v6 addresses and the other way round */
    assert_int_equal(verdict(f, false, false, "10.0.0.1", 80), FV_NOT_LISTED);
    hearth_fetcher_free(f);
    /* an IPv4-mapped CIDR keeps its IPv4 meaning */
    f = new_fetcher("::ffff:10.0.0.0/104", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "10.9.9.9", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "11.9.9.9", 80), FV_NOT_LISTED);
    hearth_fetcher_free(f);
}

/* Broad CIDRs do not open special addresses; entries inside the block do. */
static void test_match_special(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("0.0.0.0/0, ::/0", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "93.184.216.34", 443), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "2606:2800:220:1::1", 443), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "fd00:ec2::253", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "169.254.169.254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "169.254.1.1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "0.0.0.0", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "224.0.0.1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "255.255.255.255", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "::1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "::", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "fe80::1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "febf::1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "fec0::1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "fd00:ec2::254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "ff02::1", 80), FV_SPECIAL);
    hearth_fetcher_free(f);

    f = new_fetcher("169.254.169.254", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "169.254.169.254", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "169.254.169.253", 80), FV_SPECIAL);
    hearth_fetcher_free(f);

    f = new_fetcher("169.254.0.0/16, fe80::/10, 127.0.0.0/8", 1000, 5, 30, NULL);
    assert_int_equal(verdict(f, false, false, "169.254.1.1", 80), FV_ALLOW);
    /* 169.254.0.0/16 is inside link-local but not inside the metadata /32 */
    assert_int_equal(verdict(f, false, false, "169.254.169.254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, false, false, "fe80::1234", 80), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "127.5.5.5", 80), FV_ALLOW);
    hearth_fetcher_free(f);
}

static void test_match_names(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("prof.example.com, localhost", 1000, 5, 30, NULL);
    assert_true(name_listed(f, "prof.example.com"));
    assert_false(name_listed(f, "example.com"));
    assert_false(name_listed(f, "evil-prof.example.com"));
    /* a listed name may resolve to any ordinary address ... */
    assert_int_equal(verdict(f, true, false, "93.184.216.34", 80), FV_ALLOW);
    assert_int_equal(verdict(f, true, false, "10.0.0.5", 80), FV_ALLOW);
    assert_int_equal(verdict(f, true, false, "2001:db8::5", 80), FV_ALLOW);
    /* ... but not to metadata, link-local or (unless "localhost") loopback */
    assert_int_equal(verdict(f, true, false, "169.254.169.254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "169.254.10.10", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "fe80::1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "fd00:ec2::254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "::ffff:169.254.169.254", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "127.0.0.1", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, false, "0.0.0.0", 80), FV_SPECIAL);
    assert_int_equal(verdict(f, true, true, "127.0.0.1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, true, true, "::1", 80), FV_ALLOW);
    assert_int_equal(verdict(f, true, true, "169.254.169.254", 80), FV_SPECIAL);
    /* a name that is not listed gets nothing */
    assert_int_equal(verdict(f, false, false, "93.184.216.34", 80), FV_NOT_LISTED);
    hearth_fetcher_free(f);
}

static void test_match_self(void **state)
{
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("127.0.0.1, 10.0.0.0/8", 1000, 5, 30, "127.0.0.1:8080");
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 8080), FV_SELF);
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 8081), FV_ALLOW);
    assert_int_equal(verdict(f, false, false, "10.0.0.1", 8080), FV_ALLOW);
    assert_int_equal(verdict(f, true, true, "127.0.0.1", 8080), FV_SELF);
    hearth_fetcher_free(f);

    /* a wildcard listen address: every local address on our port is us */
    f = new_fetcher("127.0.0.0/8, ::1, 10.0.0.0/8", 1000, 5, 30, "0.0.0.0:8080");
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 8080), FV_SELF);
    assert_int_equal(verdict(f, false, false, "127.0.0.2", 8080), FV_SELF);
    assert_int_equal(verdict(f, false, false, "::1", 8080), FV_SELF);
    assert_int_equal(verdict(f, false, false, "127.0.0.2", 8081), FV_ALLOW);
    /* 10.99.99.99 is not an address of this machine */
    assert_int_equal(verdict(f, false, false, "10.99.99.99", 8080), FV_ALLOW);
    hearth_fetcher_free(f);

    f = new_fetcher("::/0, 127.0.0.1", 1000, 5, 30, "[::1]:9000");
    assert_int_equal(verdict(f, true, true, "::1", 9000), FV_SELF);
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 9000), FV_ALLOW);
    hearth_fetcher_free(f);

    /* port 0: not bound yet, nothing to protect */
    f = new_fetcher("127.0.0.1", 1000, 5, 30, "127.0.0.1:0");
    assert_int_equal(verdict(f, false, false, "127.0.0.1", 0), FV_ALLOW);
    hearth_fetcher_free(f);
}

/* ---- URL checks (no connection is made) ----------------------------------------- */

static void test_url_checks(void **state)
{
    struct hearth_fetcher *f;
    unsigned before = hits();
    char url[256];

    (void)state;
    f = new_fetcher("127.0.0.1, localhost", 1000, 1, 3, NULL);
    expect(f, "file:///etc/passwd", HEARTH_E_BAD_REQUEST, "only http and https");
    expect(f, "FILE:///etc/passwd", HEARTH_E_BAD_REQUEST, "only http and https");
    snprintf(url, sizeof(url), "gopher://127.0.0.1:%u/_GET%%20/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "only http and https");
    snprintf(url, sizeof(url), "ftp://127.0.0.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "only http and https");
    snprintf(url, sizeof(url), "dict://127.0.0.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "only http and https");
    expect(f, "javascript:alert(1)", HEARTH_E_BAD_REQUEST, NULL);
    expect(f, "", HEARTH_E_BAD_REQUEST, "malformed URL");
    expect(f, "not a url", HEARTH_E_BAD_REQUEST, "malformed URL");
    expect(f, "127.0.0.1/ok", HEARTH_E_BAD_REQUEST, "malformed URL");
    expect(f, "http://", HEARTH_E_BAD_REQUEST, "malformed URL");
    expect(f, "http://a b/", HEARTH_E_BAD_REQUEST, "malformed URL");
    snprintf(url, sizeof(url), "http://user:pw@127.0.0.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "credentials");
    snprintf(url, sizeof(url), "http://user@127.0.0.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "credentials");
    /* IPv4 spellings curl would rewrite to 127.0.0.1 (or to 15.0.0.1) */
    snprintf(url, sizeof(url), "http://2130706433:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    snprintf(url, sizeof(url), "http://0x7f.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    snprintf(url, sizeof(url), "http://0x7F000001:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    snprintf(url, sizeof(url), "http://127.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    snprintf(url, sizeof(url), "http://0177.0.0.1:%u/ok", srv.port);
    expect(f, url, HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    expect(f, "http://017.0.0.1/", HEARTH_E_BAD_REQUEST, "unusual IPv4 spelling");
    {
        char longurl[FETCH_MAX_URL + 64];

        memset(longurl, 'a', sizeof(longurl));
        memcpy(longurl, "http://127.0.0.1/", 17);
        longurl[sizeof(longurl) - 1] = '\0';
        expect(f, longurl, HEARTH_E_BAD_REQUEST, "longer than");
    }
    assert_int_equal(hits(), before);
    hearth_fetcher_free(f);
}

static void test_seconds(void **state)
{
    struct hearth_fetcher *f;
    unsigned before = hits();
    long s = -1;
    struct hearth_errmsg em = {{0}};

    (void)state;
    f = new_fetcher("127.0.0.1", 1000, 1, 3, NULL);
    assert_int_equal(query_seconds(f, "seconds=3", &s, &em), HEARTH_OK);
    assert_int_equal(s, 3);
    assert_int_equal(query_seconds(f, "debug=0&seconds=2&x=y", &s, &em), HEARTH_OK);
    assert_int_equal(s, 2);
    assert_int_equal(query_seconds(f, "gc=1", &s, &em), HEARTH_OK);
    assert_int_equal(s, 0);
    assert_int_equal(query_seconds(f, "seconds=%2B2", &s, &em), HEARTH_OK); /* "+2" */
    assert_int_equal(s, 2);
    assert_int_equal(query_seconds(f, "myseconds=99", &s, &em), HEARTH_OK);
    assert_int_equal(s, 0);
    /* too large, in every spelling Go's url.ParseQuery would read */
    assert_int_equal(query_seconds(f, "seconds=4", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "seconds=4"));
    assert_int_equal(query_seconds(f, "second%73=99", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=1&seconds=99", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=99999999999999999999", &s, &em),
                     HEARTH_E_BAD_REQUEST);
    /* not a positive number: Go would silently use 30 s */
    assert_int_equal(query_seconds(f, "seconds=0", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=abc", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=-1", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=%zz", &s, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(query_seconds(f, "seconds=1%", &s, &em), HEARTH_E_BAD_REQUEST);

    expect(f, "http://127.0.0.1:1/debug/pprof/profile?seconds=60", HEARTH_E_BAD_REQUEST,
           "--max-fetch-seconds");
    assert_int_equal(hits(), before);
    hearth_fetcher_free(f);
}

/* ---- real fetches ------------------------------------------------------------------- */

static void test_fetch_ok(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;

    (void)state;
    f = new_fetcher("127.0.0.1", 1000, 2, 3, NULL);
    assert_int_equal(get(f, "127.0.0.1", "/ok", &body, &len, &em), HEARTH_OK);
    assert_int_equal(len, 13);
    assert_memory_equal(body, "PROFILE-BYTES", 13);
    free(body);
    /* what we sent: our User-Agent, no Accept-Encoding, no client headers */
    pthread_mutex_lock(&srv.mu);
    assert_non_null(strstr(srv.last_req, "GET /ok HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.last_req, "User-Agent: hearth/0.1\r\n"));
    assert_null(strstr(srv.last_req, "Accept-Encoding"));
    pthread_mutex_unlock(&srv.mu);

    assert_int_equal(get(f, "127.0.0.1", "/empty", &body, &len, &em), HEARTH_OK);
    assert_non_null(body);
    assert_int_equal(len, 0);
    free(body);
    /* exactly max_bytes is fine, one more is not (write-callback path) */
    assert_int_equal(get(f, "127.0.0.1", "/exact", &body, &len, &em), HEARTH_OK);
    assert_int_equal(len, 1000);
    free(body);
    assert_int_equal(get(f, "127.0.0.1", "/exact-plus-one", &body, &len, &em), HEARTH_E_TOO_LARGE);
    assert_null(body);
    assert_int_equal(len, 0);
    assert_non_null(strstr(em.msg, "larger than 1000 bytes"));
    hearth_fetcher_free(f);
}

static void test_fetch_errors(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    double t0;

    (void)state;
    f = new_fetcher("127.0.0.1", 1000, 1, 3, NULL);
    assert_int_equal(get(f, "127.0.0.1", "/404", &body, &len, &em), HEARTH_E_IO);
    assert_string_equal(em.msg, "the server answered HTTP 404");
    assert_int_equal(get(f, "127.0.0.1", "/500", &body, &len, &em), HEARTH_E_IO);
    assert_string_equal(em.msg, "the server answered HTTP 500");
    assert_int_equal(get(f, "127.0.0.1", "/302", &body, &len, &em), HEARTH_E_IO);
    assert_non_null(strstr(em.msg, "HTTP 302"));
    assert_non_null(strstr(em.msg, "redirects are not followed"));
    assert_null(strstr(em.msg, "169.254"));
    /* with and without a Content-Length */
    assert_int_equal(get(f, "127.0.0.1", "/big", &body, &len, &em), HEARTH_E_TOO_LARGE);
    assert_int_equal(get(f, "127.0.0.1", "/big-nolength", &body, &len, &em), HEARTH_E_TOO_LARGE);
    assert_null(body);

    /* a drip that outlasts the 1 s deadline */
    t0 = now_s();
    assert_int_equal(get(f, "127.0.0.1", "/slow", &body, &len, &em), HEARTH_E_IO);
    assert_string_equal(em.msg, "timed out after 1 s");
    assert_true(now_s() - t0 < 3.0);
    assert_null(body);
    hearth_fetcher_free(f);
}

/* The requested seconds are added to the deadline: 1 s + 2 s covers a 1.5 s wait. */
static void test_fetch_seconds_deadline(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;

    (void)state;
    f = new_fetcher("127.0.0.1", 1000, 1, 3, NULL);
    assert_int_equal(get(f, "127.0.0.1", "/sleep?seconds=2", &body, &len, &em), HEARTH_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(body, "cpu", 3);
    free(body);
    hearth_fetcher_free(f);
}

static void test_fetch_refused(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    unsigned before = hits();
    char self[64];

    (void)state;
    /* the same URL, not in the list */
    f = new_fetcher("10.0.0.0/8", 1000, 1, 3, NULL);
    assert_int_equal(get(f, "127.0.0.1", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    assert_non_null(strstr(em.msg, "address 127.0.0.1"));
    assert_non_null(strstr(em.msg, "not in --fetch-allow"));
    /* a name resolving to 127.0.0.1 is judged by its address */
    assert_int_equal(get(f, "localhost", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    assert_non_null(strstr(em.msg, "127.0.0.1"));
    hearth_fetcher_free(f);

    /* cloud metadata, refused before any packet is sent */
    f = new_fetcher("127.0.0.1", 1000, 1, 3, NULL);
    expect(f, "http://169.254.169.254/latest/meta-data/", HEARTH_E_FORBIDDEN,
           "address 169.254.169.254");
    expect(f, "http://[::ffff:169.254.169.254]/latest/meta-data/", HEARTH_E_FORBIDDEN,
           "address 169.254.169.254");
    expect(f, "http://[fd00:ec2::254]/latest/meta-data/", HEARTH_E_FORBIDDEN,
           "address fd00:ec2::254");
    expect(f, "http://[fe80::1%25lo]/", HEARTH_E_FORBIDDEN, "not in --fetch-allow");
    expect(f, "http://0.0.0.0/", HEARTH_E_FORBIDDEN, "not in --fetch-allow");
    hearth_fetcher_free(f);
    f = new_fetcher("0.0.0.0/0", 1000, 1, 3, NULL);
    expect(f, "http://169.254.169.254/latest/meta-data/", HEARTH_E_FORBIDDEN,
           "169.254.169.254 (cloud metadata)");
    assert_int_equal(get(f, "127.0.0.1", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    assert_non_null(strstr(em.msg, "loopback"));
    hearth_fetcher_free(f);

    /* ourselves */
    snprintf(self, sizeof(self), "127.0.0.1:%u", srv.port);
    f = new_fetcher("127.0.0.1", 1000, 1, 3, self);
    assert_int_equal(get(f, "127.0.0.1", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    assert_non_null(strstr(em.msg, "this server"));
    hearth_fetcher_free(f);
    snprintf(self, sizeof(self), "0.0.0.0:%u", srv.port);
    f = new_fetcher("localhost", 1000, 1, 3, self);
    assert_int_equal(get(f, "localhost", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    assert_non_null(strstr(em.msg, "this server"));
    hearth_fetcher_free(f);

    assert_int_equal(hits(), before);
    assert_null(body);
}

/* A name listed by name works when it resolves to an allowed address. */
static void test_fetch_by_name(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;

    (void)state;
    f = new_fetcher("LocalHost.", 1000, 2, 3, NULL);
    assert_int_equal(get(f, "localhost", "/ok", &body, &len, &em), HEARTH_OK);
    assert_int_equal(len, 13);
    free(body);
    /* names compare case-insensitively (and "LocalHost." was stored as "localhost") */
    assert_int_equal(get(f, "LOCALHOST", "/ok", &body, &len, &em), HEARTH_OK);
    free(body);
    /* listed by name does not cover its address written as an IP */
    assert_int_equal(get(f, "127.0.0.1", "/ok", &body, &len, &em), HEARTH_E_FORBIDDEN);
    hearth_fetcher_free(f);
}

static void test_fetch_net_errors(void **state)
{
    struct hearth_fetcher *f;
    struct hearth_errmsg em = {{0}}, c1 = {{0}}, c2 = {{0}};
    unsigned char *body = NULL;
    size_t len = 0;
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    char url[128];
    int fd;

    (void)state;
    /* a port nobody listens on: bind, note the port, close */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    f = new_fetcher("127.0.0.1, nonexistent.invalid", 1000, 1, 3, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(a.sin_port));
    assert_int_equal(hearth_fetch(f, url, &body, &len, &c1, &em), HEARTH_E_IO);
    assert_non_null(strstr(em.msg, "connection refused"));
    assert_int_equal(hearth_fetch(f, "http://nonexistent.invalid/", &body, &len, &c2, &em),
                     HEARTH_E_IO);
    /* NXDOMAIN normally; a resolver that does not answer hits the deadline */
    if (!strstr(em.msg, "cannot resolve host nonexistent.invalid"))
        assert_non_null(strstr(em.msg, "timed out"));
    /* the client is told the same words for both: no port or name probing */
    assert_string_equal(c1.msg, c2.msg);
    assert_non_null(strstr(c1.msg, "did not answer with a profile"));
    assert_null(strstr(c1.msg, "refused"));
    assert_null(body);
    hearth_fetcher_free(f);
}

/* Several threads share one fetcher (fetch.h promises thread safety). */
struct par {
    struct hearth_fetcher *f;
    int ok;
};

static void *par_fetch(void *arg)
{
    struct par *p = arg;

    for (int i = 0; i < 5; i++) {
        struct hearth_errmsg em;
        unsigned char *body = NULL;
        size_t len = 0;
        char url[128];

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/ok", srv.port);
        if (hearth_fetch(p->f, url, &body, &len, &em, NULL) == HEARTH_OK && len == 13)
            p->ok++;
        free(body);
    }
    return NULL;
}

static void test_fetch_threads(void **state)
{
    struct par p[4];
    pthread_t th[4];
    struct hearth_fetcher *f;

    (void)state;
    f = new_fetcher("127.0.0.1", 1000, 2, 3, NULL);
    for (int i = 0; i < 4; i++) {
        p[i].f = f;
        p[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, par_fetch, &p[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(p[i].ok, 5);
    }
    hearth_fetcher_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_parse),      cmocka_unit_test(test_allow_parse_errors),
        cmocka_unit_test(test_bad_opts),         cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_match_v4),         cmocka_unit_test(test_match_v6),
        cmocka_unit_test(test_match_special),    cmocka_unit_test(test_match_names),
        cmocka_unit_test(test_match_self),       cmocka_unit_test(test_url_checks),
        cmocka_unit_test(test_seconds),          cmocka_unit_test(test_fetch_ok),
        cmocka_unit_test(test_fetch_errors),     cmocka_unit_test(test_fetch_seconds_deadline),
        cmocka_unit_test(test_fetch_refused),    cmocka_unit_test(test_fetch_by_name),
        cmocka_unit_test(test_fetch_net_errors), cmocka_unit_test(test_fetch_threads),
    };

    return cmocka_run_group_tests(tests, srv_start, srv_stop);
}
