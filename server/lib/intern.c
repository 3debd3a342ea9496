/* intern.c - string interning; see include/hearth/intern.h. */
#include "hearth/intern.h"

#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

/*
 * A fast multiply-xorshift hash over 8-byte words with a strong final mix;
 * keys come from uploaded files, so tables also cap their probe work by
 * their load factor, not by trusting the hash.
 */
uint64_t hearth_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i);
        h = (h ^ w ^ 0xabcdefULL) * 0x94d049bb133111ebULL;
    }
    return hearth_mix64(h);
}

void hearth_intern_init(struct hearth_intern *t, struct hearth_arena *arena, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->arena = arena;
    t->max = max ? max : UINT32_MAX - 1;
}

void hearth_intern_release(struct hearth_intern *t)
{
    free(t->strs);
    free(t->hashes);
    free(t->slots);
    t->strs = NULL;
    t->hashes = NULL;
    t->slots = NULL;
    t->n = t->cap = t->nslots = 0;
}

static bool rehash(struct hearth_intern *t, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots)), i;

    if (!slots)
        return false;
    for (i = 0; i < t->n; i++) {
        uint32_t j = t->hashes[i] & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return true;
}

static uint32_t lookup(const struct hearth_intern *t, const char *s, size_t len, uint32_t h,
                       uint32_t *slot)
{
    uint32_t j;

    if (!t->nslots) {
        *slot = 0;
        return HEARTH_NONE;
    }
    for (j = h & (t->nslots - 1); t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        uint32_t i = t->slots[j] - 1;
        if (t->hashes[i] == h && t->strs[i].len == len && memcmp(t->strs[i].ptr, s, len) == 0)
            return i;
    }
    *slot = j;
    return HEARTH_NONE;
}

uint32_t hearth_intern_find(const struct hearth_intern *t, const char *s, size_t len)
{
    uint32_t slot;

    return lookup(t, s, len, (uint32_t)hearth_hash_bytes(s, len, 1), &slot);
}

uint32_t hearth_intern_add(struct hearth_intern *t, const char *s, size_t len)
{
    uint32_t h = (uint32_t)hearth_hash_bytes(s, len, 1), slot, i;
    char *copy;

    i = lookup(t, s, len, h, &slot);
    if (i != HEARTH_NONE)
        return i;
    if (t->n >= t->max)
        return HEARTH_NONE;
    if ((uint64_t)(t->n + 1) * 4 >= (uint64_t)t->nslots * 3) {
        if (t->nslots >= 0x80000000u || !rehash(t, t->nslots ? t->nslots * 2 : 1024))
            return HEARTH_NONE;
        lookup(t, s, len, h, &slot);
    }
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 1024;
        struct hearth_str *ns = realloc(t->strs, (size_t)nc * sizeof(*ns));
        uint32_t *nh;
        if (!ns)
            return HEARTH_NONE;
        t->strs = ns;
        nh = realloc(t->hashes, (size_t)nc * sizeof(*nh));
        if (!nh)
            return HEARTH_NONE;
        t->hashes = nh;
        t->cap = nc;
    }
    copy = hearth_arena_strndup(t->arena, s, len);
    if (!copy)
        return HEARTH_NONE;
    i = t->n++;
    t->strs[i].ptr = copy;
    t->strs[i].len = len;
    t->hashes[i] = h;
    t->slots[slot] = i + 1;
    return i;
}

struct hearth_str *hearth_intern_detach(struct hearth_intern *t, uint32_t *n)
{
    struct hearth_str *s = t->strs;

    *n = t->n;
    t->strs = NULL;
    hearth_intern_release(t);
    if (!s)
        s = calloc(1, sizeof(*s));
    return s;
}
