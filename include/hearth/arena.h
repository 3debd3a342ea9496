/*
 * arena.h - a capped bump allocator.
 *
 * Memory is carved from chunks obtained with malloc; nothing is freed one by
 * one. hearth_arena_reset() keeps the first chunk and drops the rest, so a
 * loop that decodes one message at a time reuses the same memory.
 * hearth_arena_release() frees everything. The cap counts chunk bytes; an
 * allocation that would cross it fails (returns NULL) and sets `exhausted`.
 * Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef HEARTH_ARENA_H
#define HEARTH_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct hearth_arena_chunk;

struct hearth_arena {
    struct hearth_arena_chunk *head; /* current chunk (newest) */
    size_t cap;                      /* max bytes of all chunks, 0 = no cap */
    size_t used;                     /* bytes of all chunks */
    size_t chunk_size;               /* default chunk size */
    bool exhausted;                  /* an allocation failed on the cap */
};

/* Initialise an empty arena; allocates nothing. */
void hearth_arena_init(struct hearth_arena *a, size_t chunk_size, size_t cap);

/* Free every chunk; the arena is empty (and reusable) afterwards. */
void hearth_arena_release(struct hearth_arena *a);

/* Drop all allocations but keep the first chunk for reuse. */
void hearth_arena_reset(struct hearth_arena *a);

/* n bytes aligned to 16, or NULL when the cap is hit or malloc fails. */
void *hearth_arena_alloc(struct hearth_arena *a, size_t n);

/* Like alloc, zero-filled, with overflow-checked n * size. */
void *hearth_arena_calloc(struct hearth_arena *a, size_t n, size_t size);

/* Copy len bytes and add a NUL; NULL on failure. */
char *hearth_arena_strndup(struct hearth_arena *a, const char *s, size_t len);

/*
 * A ProtobufCAllocator (declared as void * here to keep protobuf-c out of the
 * header) whose alloc draws from the arena and whose free does nothing.
 * `out` must point to a ProtobufCAllocator; the arena must outlive its use.
 */
void hearth_arena_pb_allocator(struct hearth_arena *a, void *out);

/*
 * The bytes malloc really holds for p, a block from malloc/calloc/realloc
 * (its usable size, slack included, plus malloc's one-word header); 0 for
 * NULL. What the caches count their entries in.
 */
size_t hearth_mem_size(const void *p);

/* The bytes malloc holds for the arena's chunks (hearth_mem_size of each). */
size_t hearth_arena_footprint(const struct hearth_arena *a);

#endif /* HEARTH_ARENA_H */
