/* cache.c - refcounted LRU bounded by bytes; see include/hearth/cache.h. */
#define _POSIX_C_SOURCE 200809L
#include "hearth/cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/arena.h"
#include "hearth/intern.h"

#include "hearth/banned.h"

struct hearth_cache_ref {
    struct hearth_cache_ref *prev, *next; /* LRU list, most recent first */
    struct hearth_cache_ref *hnext;       /* hash chain */
    char *key;
    uint64_t hash;
    void *value;
    size_t bytes; /* the value's, plus this node's and its key's (hearth_mem_size) */
    hearth_cache_free_fn free_fn;
    size_t refs;
    bool linked; /* still in the table */
};

struct hearth_cache {
    pthread_mutex_t lock;
    struct hearth_cache_ref **buckets;
    size_t nbuckets, n, bytes, budget;
    struct hearth_cache_ref *head, *tail;
    uint64_t hits, misses, evictions; /* under lock */
};

struct hearth_cache *hearth_cache_new(size_t budget_bytes)
{
    struct hearth_cache *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->nbuckets = 1024;
    c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->budget = budget_bytes;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void destroy(struct hearth_cache_ref *e)
{
    if (e->free_fn)
        e->free_fn(e->value);
    free(e->key);
    free(e);
}

/* Unlink from table and list (lock held); frees it if unreferenced. */
static void unlink_entry(struct hearth_cache *c, struct hearth_cache_ref *e)
{
    struct hearth_cache_ref **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->linked = false;
    c->n--;
    c->bytes -= e->bytes;
    if (e->refs == 0)
        destroy(e);
}

void hearth_cache_free(struct hearth_cache *c)
{
    if (!c)
        return;
    while (c->head)
        unlink_entry(c, c->head);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void touch(struct hearth_cache *c, struct hearth_cache_ref *e)
{
    if (c->head == e)
        return;
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = NULL;
    e->next = c->head;
    c->head->prev = e;
    c->head = e;
}

static struct hearth_cache_ref *find(struct hearth_cache *c, const char *key, uint64_t h)
{
    struct hearth_cache_ref *e;

    for (e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && !strcmp(e->key, key))
            return e;
    return NULL;
}

static void *lookup(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref,
                    bool count);

void *hearth_cache_get(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref)
{
    return lookup(c, key, ref, true);
}

void *hearth_cache_recheck(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref)
{
    return lookup(c, key, ref, false);
}

static void *lookup(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref,
                    bool count)
{
    uint64_t h = hearth_hash_bytes(key, strlen(key), 3);
    struct hearth_cache_ref *e;
    void *v = NULL;

    *ref = NULL;
    pthread_mutex_lock(&c->lock);
    e = find(c, key, h);
    if (e) {
        e->refs++;
        touch(c, e);
        *ref = e;
        v = e->value;
        c->hits += count;
    } else {
        c->misses += count;
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

void *hearth_cache_put(struct hearth_cache *c, const char *key, void *value, size_t bytes,
                       hearth_cache_free_fn free_fn, struct hearth_cache_ref **ref)
{
    uint64_t h = hearth_hash_bytes(key, strlen(key), 3);
    struct hearth_cache_ref *e, *old;

    *ref = NULL;
    e = calloc(1, sizeof(*e));
    if (e)
        e->key = strdup(key);
    if (!e || !e->key) {
        free(e);
        if (free_fn)
            free_fn(value);
        return NULL;
    }
    e->hash = h;
    e->value = value;
    /* what the entry really holds: its value, and the cache's own node and key copy */
    e->bytes = bytes + hearth_mem_size(e) + hearth_mem_size(e->key);
    e->free_fn = free_fn;
    e->refs = 1;
    pthread_mutex_lock(&c->lock);
    old = find(c, key, h);
    if (old) {
        old->refs++;
        touch(c, old);
        pthread_mutex_unlock(&c->lock);
        destroy(e);
        *ref = old;
        return old->value;
    }
    e->hnext = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
    e->linked = true;
    c->n++;
    c->bytes += e->bytes;
    /*
     * evict least recently used entries; an entry larger than the whole
     * budget is not kept either (the caller's reference keeps it alive until
     * released), so the budget holds
     */
    while (c->bytes > c->budget && c->tail) {
        unlink_entry(c, c->tail);
        c->evictions++;
    }
    pthread_mutex_unlock(&c->lock);
    *ref = e;
    return value;
}

void hearth_cache_release(struct hearth_cache *c, struct hearth_cache_ref *e)
{
    bool gone;

    if (!e)
        return;
    pthread_mutex_lock(&c->lock);
    gone = --e->refs == 0 && !e->linked;
    pthread_mutex_unlock(&c->lock);
    if (gone)
        destroy(e);
}

size_t hearth_cache_entry_bytes(struct hearth_cache *c, const struct hearth_cache_ref *ref)
{
    size_t n;

    pthread_mutex_lock(&c->lock);
    n = ref->bytes;
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t hearth_cache_budget(const struct hearth_cache *c)
{
    return c->budget;
}

void hearth_cache_stats(struct hearth_cache *c, size_t *entries, size_t *bytes)
{
    pthread_mutex_lock(&c->lock);
    *entries = c->n;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}

void hearth_cache_counters(struct hearth_cache *c, uint64_t *hits, uint64_t *misses,
                           uint64_t *evictions)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    *evictions = c->evictions;
    pthread_mutex_unlock(&c->lock);
}
