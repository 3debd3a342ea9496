/*
 * cache.h - a thread-safe LRU of shared, reference-counted values bounded by
 * a byte budget.
 *
 * The server keeps two: decoded profiles (keyed by content hash) and
 * rendered view responses (keyed by content hash + view + options). A value
 * handed out by _get or _put carries a reference; the caller gives it back
 * with hearth_cache_release(). Eviction only unlinks an entry: its value is
 * freed when the last reference goes, so readers never see it disappear.
 * Values must be immutable while shared. The bytes held never pass the
 * budget: a value larger than the whole budget is handed out by _put but
 * not kept (freed when its last reference goes). The bytes counted are
 * what the entries really hold: the size each value was put with (the
 * caller measures it with hearth_mem_size, arena.h) plus the cache's own
 * node and key copy of each entry.
 */
#ifndef HEARTH_CACHE_H
#define HEARTH_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct hearth_cache;
struct hearth_cache_ref;

typedef void (*hearth_cache_free_fn)(void *value);

struct hearth_cache *hearth_cache_new(size_t budget_bytes);
/* Frees every entry; all references must have been released. */
void hearth_cache_free(struct hearth_cache *c);

/* The value for key (with a reference in *ref), or NULL. */
void *hearth_cache_get(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref);
/*
 * The same, for a second look after waiting for a slot (another request
 * may have made the value meanwhile): not counted as a hit or a miss.
 */
void *hearth_cache_recheck(struct hearth_cache *c, const char *key, struct hearth_cache_ref **ref);

/*
 * Insert value, which holds `bytes` of memory (taking ownership: it is
 * freed with free_fn when evicted and unreferenced, or at once if the key is
 * already present, in which case the existing value is returned instead). Returns the cached value
 * with a reference in *ref, or NULL on no memory (value freed).
 */
void *hearth_cache_put(struct hearth_cache *c, const char *key, void *value, size_t bytes,
                       hearth_cache_free_fn free_fn, struct hearth_cache_ref **ref);

void hearth_cache_release(struct hearth_cache *c, struct hearth_cache_ref *ref);

/* The bytes the referenced entry counts for: its value's plus its node's and key's. */
size_t hearth_cache_entry_bytes(struct hearth_cache *c, const struct hearth_cache_ref *ref);
/* The budget it was made with. */
size_t hearth_cache_budget(const struct hearth_cache *c);

/* Entries and bytes held (for /healthz and /metrics); bytes <= the budget, always. */
void hearth_cache_stats(struct hearth_cache *c, size_t *entries, size_t *bytes);
/* Lookups that found their key (hits) or not (misses), and entries evicted for the budget. */
void hearth_cache_counters(struct hearth_cache *c, uint64_t *hits, uint64_t *misses,
                           uint64_t *evictions);

#endif /* HEARTH_CACHE_H */
