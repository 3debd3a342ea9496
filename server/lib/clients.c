/*
 * clients.c - per-address counters with caps (contract in
 * include/hearth/clients.h): a chained hash table under one lock.
 */
#include "hearth/clients.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 256
#define ADDR_MAX 64 /* civetweb's remote_addr is 48 bytes */

struct entry {
    char addr[ADDR_MAX];
    size_t n[HEARTH_CLIENT_NKINDS];
    struct entry *next;
};

struct hearth_clients {
    pthread_mutex_t lock;
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

    if (t)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

static struct entry **find(struct hearth_clients *t, const char *addr)
{
    struct entry **pp = &t->bucket[hash(addr)];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

bool hearth_clients_take(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind,
                         size_t max)
{
    struct entry **pp, *e;
    bool ok = false;

    pthread_mutex_lock(&t->lock);
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
    pthread_mutex_destroy(&t->lock);
    free(t);
}
