/*
 * clients.c - per-address counters with caps (contract in
 * include/hearth/clients.h): a chained hash table under one lock.
 */
#define _POSIX_C_SOURCE 200809L
#include "hearth/clients.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/banned.h"

#define NBUCKETS 256
#define ADDR_MAX 64 /* civetweb's remote_addr is 48 bytes */

struct entry {
    char addr[ADDR_MAX];
    size_t n[HEARTH_CLIENT_NKINDS];
    struct entry *next;
};

struct hearth_clients {
    pthread_mutex_t lock;
    pthread_cond_t freed; /* something was given back */
    struct entry *bucket[NBUCKETS];
    size_t nentries;
};

static unsigned hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h % NBUCKETS;
}

struct hearth_clients *hearth_clients_new(void)
{
    struct hearth_clients *t = calloc(1, sizeof(*t));

    if (t) {
        pthread_mutex_init(&t->lock, NULL);
        pthread_cond_init(&t->freed, NULL);
    }
    return t;
}

static struct entry **find(struct hearth_clients *t, const char *addr)
{
    struct entry **pp = &t->bucket[hash(addr)];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

/* With t->lock held: count one more kind for addr unless past max. */
static bool take_locked(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind,
                        size_t max)
{
    struct entry **pp, *e;
    bool ok = false;

    pp = find(t, addr);
    e = *pp;
    if (!e) {
        e = calloc(1, sizeof(*e));
        if (!e) {
            ok = max == 0;
            goto out_unlock;
        }
        snprintf(e->addr, sizeof(e->addr), "%s", addr);
        *pp = e;
        t->nentries++;
    }
    if (max && e->n[kind] >= max)
        goto out_unlock;
    e->n[kind]++;
    ok = true;
out_unlock:
    if (e && !ok) {
        size_t k, sum = 0;
        for (k = 0; k < HEARTH_CLIENT_NKINDS; k++)
            sum += e->n[k];
        if (!sum) {
            *pp = e->next;
            free(e);
            t->nentries--;
        }
    }
    return ok;
}

bool hearth_clients_take(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind,
                         size_t max)
{
    bool ok;

    pthread_mutex_lock(&t->lock);
    ok = take_locked(t, addr, kind, max);
    pthread_mutex_unlock(&t->lock);
    return ok;
}

bool hearth_clients_take_wait(struct hearth_clients *t, const char *addr,
                              enum hearth_client_kind kind, size_t max, size_t wait_ms)
{
    struct timespec until;
    bool ok;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(wait_ms / 1000);
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    for (;;) {
        ok = take_locked(t, addr, kind, max);
        if (ok || pthread_cond_timedwait(&t->freed, &t->lock, &until) != 0)
            break;
    }
    if (!ok)
        ok = take_locked(t, addr, kind, max); /* one last look after the deadline */
    pthread_mutex_unlock(&t->lock);
    return ok;
}

void hearth_clients_put(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind)
{
    struct entry **pp, *e;
    size_t k, sum = 0;

    pthread_mutex_lock(&t->lock);
    pp = find(t, addr);
    e = *pp;
    if (!e || !e->n[kind])
        goto out_unlock;
    e->n[kind]--;
    pthread_cond_broadcast(&t->freed);
    for (k = 0; k < HEARTH_CLIENT_NKINDS; k++)
        sum += e->n[k];
    if (!sum) {
        *pp = e->next;
        free(e);
        t->nentries--;
    }
out_unlock:
    pthread_mutex_unlock(&t->lock);
}

size_t hearth_clients_count(struct hearth_clients *t)
{
    size_t n;

    pthread_mutex_lock(&t->lock);
    n = t->nentries;
    pthread_mutex_unlock(&t->lock);
    return n;
}

void hearth_clients_free(struct hearth_clients *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < NBUCKETS; i++) {
        struct entry *e = t->bucket[i];
        while (e) {
            struct entry *next = e->next;
            free(e);
            e = next;
        }
    }
    pthread_cond_destroy(&t->freed);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
