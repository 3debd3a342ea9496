/*
 * intern.h - string interning and an id map, the two hash tables of the core.
 *
 * struct hearth_intern stores each distinct byte string once (copied into the
 * caller's arena) and gives it a dense uint32 index in order of first
 * insertion; equal strings get equal indices, so comparing names becomes
 * comparing integers. struct hearth_u64map maps arbitrary 64-bit ids
 * (pprof's location/function/mapping ids) to dense uint32 indices.
 * Both own their tables (free with _release); neither is thread-safe.
 */
#ifndef HEARTH_INTERN_H
#define HEARTH_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/arena.h"

struct hearth_str {
    const char *ptr; /* not necessarily NUL-terminated; interned ones are */
    size_t len;
};

#define HEARTH_NONE UINT32_MAX

struct hearth_intern {
    struct hearth_arena *arena; /* where string bytes are copied; borrowed */
    struct hearth_str *strs;    /* dense index -> string */
    uint32_t *hashes;           /* dense index -> hash */
    uint32_t n, cap;            /* strings stored, capacity of strs */
    uint32_t *slots;            /* open addressing: dense index + 1, 0 = empty */
    uint32_t nslots;            /* power of two */
    size_t max;                 /* cap on n */
};

void hearth_intern_init(struct hearth_intern *t, struct hearth_arena *arena, size_t max);
void hearth_intern_release(struct hearth_intern *t);
/* Index of s (inserting a copy if new), or HEARTH_NONE on failure/cap. */
uint32_t hearth_intern_add(struct hearth_intern *t, const char *s, size_t len);
/* Index of s if present, else HEARTH_NONE. */
uint32_t hearth_intern_find(const struct hearth_intern *t, const char *s, size_t len);
/*
 * Hand the dense string array to the caller (free with free()); the table
 * is released.
 */
struct hearth_str *hearth_intern_detach(struct hearth_intern *t, uint32_t *n);

struct hearth_u64map {
    uint64_t *keys;
    uint32_t *vals; /* HEARTH_NONE marks an empty slot */
    size_t nslots;  /* power of two */
    size_t n;
    uint32_t *direct; /* optional dense table for keys < ndirect (hearth_u64map_densify) */
    size_t ndirect;
};

/*
 * When the keys are small (pprof ids are usually 1..N), build a direct
 * table so that lookups become one array access. Optional; lookups work
 * either way. Call after all insertions.
 */
void hearth_u64map_densify(struct hearth_u64map *m);

bool hearth_u64map_init(struct hearth_u64map *m, size_t expected);
void hearth_u64map_release(struct hearth_u64map *m);
/*
 * Insert key -> val. Returns 1 if inserted, 0 if the key was already present
 * (the old value is kept and stored in *old if non-NULL), -1 on no memory.
 */
int hearth_u64map_put(struct hearth_u64map *m, uint64_t key, uint32_t val, uint32_t *old);
/* Value for key or HEARTH_NONE. */
uint32_t hearth_u64map_get(const struct hearth_u64map *m, uint64_t key);

/* 64-bit mixing and byte hashing shared by the hash tables of the core. */
static inline uint64_t hearth_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}
uint64_t hearth_hash_bytes(const void *p, size_t n, uint64_t seed);

/*
 * struct hearth_seqmap interns sequences of uint32 (stacks, composite keys):
 * each distinct sequence gets a dense index in insertion order and is stored
 * once in `pool` (seq i is pool[off[i] .. off[i+1])). Owns its memory.
 */
struct hearth_seqmap_slot {
    uint64_t hash;      /* the sequence's full hash: a rehash never reads the pool */
    uint32_t idx1, len; /* idx1 = index + 1, 0 = empty */
    size_t off;
};

struct hearth_seqmap {
    uint32_t *pool;
    size_t npool, poolcap;
    size_t *off; /* n + 1 entries */
    size_t n, cap;
    struct hearth_seqmap_slot *slots;
    size_t nslots;
};

void hearth_seqmap_init(struct hearth_seqmap *m);
void hearth_seqmap_release(struct hearth_seqmap *m);
/* Index of seq (added if new; *added says which), or HEARTH_NONE on no memory. */
uint32_t hearth_seqmap_add(struct hearth_seqmap *m, const uint32_t *seq, size_t n, bool *added);
/*
 * Sizes the table for about n sequences of `words` uint32 in all before the
 * first add, so that it never regrows on the way there (a hint: false on no
 * memory, and the map stays usable). Pass what the caller knows; the map
 * still grows past it.
 */
bool hearth_seqmap_reserve(struct hearth_seqmap *m, size_t n, size_t words);
/*
 * Frees the lookup table once no more sequences will be added: the pool
 * (pool, off, n) stays readable; hearth_seqmap_add() must not be called
 * again before hearth_seqmap_release().
 */
void hearth_seqmap_drop_index(struct hearth_seqmap *m);

#endif /* HEARTH_INTERN_H */
