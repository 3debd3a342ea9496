/*
 * reaper.c - shut down sockets whose deadline passed (contract in
 * include/hearth/reaper.h). The socket is found by walking /proc/self/fd
 * and matching peer address, peer port and local port; that walk only
 * happens when a deadline fires, which is rare, so watching costs a list
 * insert and nothing else.
 */
#define _GNU_SOURCE
#include "hearth/reaper.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hearth/banned.h"

#define TICK_MS     100   /* how late a deadline may be noticed */
#define SWEEP_TICKS 10    /* connection-cap sweeps: every second */
#define SWEEP_MAX   65536 /* connections looked at in one sweep */

struct hearth_reaper {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct hearth_watch *head;
    pthread_t tid;
    int stop;
    int cap_port; /* the server's port, for the connection cap */
    size_t cap;   /* connections per client address; 0 = no cap */
    unsigned long capped;
};

int64_t hearth_reaper_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct conn {
    uint32_t addr; /* peer IPv4 address, network order */
    int port;      /* peer port */
    int fd;
};

/* Our TCP connections to local port lport, at most max of them, into c; how many. */
static size_t list_conns(int lport, struct conn *c, size_t max)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    size_t n = 0;

    if (!d)
        return 0;
    while (n < max) {
        struct sockaddr_in pa, la;
        socklen_t pl = sizeof(pa), ll = sizeof(la);
        int fd;
        de = readdir(d);
        if (!de)
            break;
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        fd = (int)strtol(de->d_name, NULL, 10);
        if (fd == dirfd(d))
            continue;
        if (getsockname(fd, (struct sockaddr *)&la, &ll) != 0 || la.sin_family != AF_INET ||
            ntohs(la.sin_port) != lport)
            continue;
        if (getpeername(fd, (struct sockaddr *)&pa, &pl) != 0 || pa.sin_family != AF_INET)
            continue; /* the listening socket has no peer */
        c[n].addr = pa.sin_addr.s_addr;
        c[n].port = ntohs(pa.sin_port);
        c[n].fd = fd;
        n++;
    }
    closedir(d);
    return n;
}

/* The fd of our TCP socket from peer:pport to local port lport, or -1. */
static int find_socket(const char *peer, int pport, int lport)
{
    struct conn *c = malloc(SWEEP_MAX * sizeof(*c));
    struct in_addr want;
    size_t n, i;
    int found = -1;

    if (!c || inet_pton(AF_INET, peer, &want) != 1)
        goto out_free;
    n = list_conns(lport, c, SWEEP_MAX);
    for (i = 0; i < n && found < 0; i++)
        if (c[i].addr == want.s_addr && c[i].port == pport)
            found = c[i].fd;
out_free:
    free(c);
    return found;
}

static int conn_cmp(const void *a, const void *b)
{
    const struct conn *x = a, *y = b;

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->fd > y->fd) - (x->fd < y->fd);
}

/*
 * Shut down the connections to port beyond cap per peer address (keeping
 * the lowest fds, the longest open in practice); returns how many.
 */
static unsigned long sweep(int port, size_t cap)
{
    struct conn *c = malloc(SWEEP_MAX * sizeof(*c));
    size_t n, i, run = 0;
    unsigned long shut = 0;

    if (!c)
        return 0;
    n = list_conns(port, c, SWEEP_MAX);
    qsort(c, n, sizeof(*c), conn_cmp);
    for (i = 0; i < n; i++) {
        run = i > 0 && c[i].addr == c[i - 1].addr ? run + 1 : 1;
        if (run > cap && shutdown(c[i].fd, SHUT_RDWR) == 0)
            shut++;
    }
    free(c);
    return shut;
}

static void *run(void *arg)
{
    struct hearth_reaper *r = arg;
    unsigned ticks = 0;

    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec ts;
        struct hearth_watch *w;
        int64_t now = hearth_reaper_now_ms();
        for (w = r->head; w; w = w->next) {
            int fd;
            if (w->fired || now < w->deadline_ms)
                continue;
            /* still registered under the lock: the connection is the watched one */
            fd = find_socket(w->peer, w->peer_port, w->local_port);
            if (fd >= 0)
                shutdown(fd, w->how);
            w->fired = true;
        }
        if (r->cap && ++ticks % SWEEP_TICKS == 0) {
            int port = r->cap_port;
            size_t cap = r->cap;
            unsigned long shut;
            pthread_mutex_unlock(&r->lock);
            shut = sweep(port, cap);
            pthread_mutex_lock(&r->lock);
            r->capped += shut;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->wake, &r->lock, &ts);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct hearth_reaper *hearth_reaper_new(void)
{
    struct hearth_reaper *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    if (pthread_create(&r->tid, NULL, run, r) != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void hearth_reaper_watch(struct hearth_reaper *r, struct hearth_watch *w, const char *peer,
                         int peer_port, int local_port, int64_t deadline_ms, int how)
{
    snprintf(w->peer, sizeof(w->peer), "%s", peer);
    w->peer_port = peer_port;
    w->local_port = local_port;
    w->deadline_ms = deadline_ms;
    w->fired = false;
    w->how = how;
    pthread_mutex_lock(&r->lock);
    w->next = r->head;
    r->head = w;
    pthread_mutex_unlock(&r->lock);
}

bool hearth_reaper_unwatch(struct hearth_reaper *r, struct hearth_watch *w)
{
    struct hearth_watch **pp;
    bool fired;

    pthread_mutex_lock(&r->lock);
    for (pp = &r->head; *pp && *pp != w; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = w->next;
    fired = w->fired;
    pthread_mutex_unlock(&r->lock);
    return fired;
}

void hearth_reaper_cap_connections(struct hearth_reaper *r, int local_port, size_t cap)
{
    pthread_mutex_lock(&r->lock);
    r->cap_port = local_port;
    r->cap = cap;
    pthread_mutex_unlock(&r->lock);
}

unsigned long hearth_reaper_capped(struct hearth_reaper *r)
{
    unsigned long n;

    pthread_mutex_lock(&r->lock);
    n = r->capped;
    pthread_mutex_unlock(&r->lock);
    return n;
}

void hearth_reaper_free(struct hearth_reaper *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->tid, NULL);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
