/* arena.c - capped bump allocator; see include/hearth/arena.h. */
#include "hearth/arena.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "hearth/banned.h"

struct hearth_arena_chunk {
    struct hearth_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t pos;
    _Alignas(16) unsigned char data[];
};

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

void hearth_arena_init(struct hearth_arena *a, size_t chunk_size, size_t cap)
{
    a->head = NULL;
    a->cap = cap;
    a->used = 0;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->exhausted = false;
}

void hearth_arena_release(struct hearth_arena *a)
{
    struct hearth_arena_chunk *c = a->head, *next;

    while (c) {
        next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
    a->exhausted = false;
}

void hearth_arena_reset(struct hearth_arena *a)
{
    struct hearth_arena_chunk *c = a->head, *first = NULL;

    /* The oldest chunk is last in the list; keep it, free the others. */
    while (c) {
        struct hearth_arena_chunk *next = c->next;
        if (!next) {
            first = c;
            break;
        }
        a->used -= sizeof(*c) + c->size;
        free(c);
        c = next;
    }
    a->head = first;
    if (first)
        first->pos = 0;
    a->exhausted = false;
}

void *hearth_arena_alloc(struct hearth_arena *a, size_t n)
{
    struct hearth_arena_chunk *c = a->head;
    size_t need = ALIGN16(n ? n : 1), size;

    if (need < n)
        goto out_fail;
    if (c && c->size - c->pos >= need) {
        void *p = c->data + c->pos;
        c->pos += need;
        return p;
    }
    size = need > a->chunk_size / 2 ? need : a->chunk_size;
    if (size > SIZE_MAX - sizeof(*c))
        goto out_fail;
    if (a->cap && (a->used + sizeof(*c) + size > a->cap || a->used + sizeof(*c) + size < a->used))
        goto out_fail;
    c = malloc(sizeof(*c) + size);
    if (!c)
        goto out_fail;
    c->size = size;
    c->pos = need;
    a->used += sizeof(*c) + size;
    if (size == need && a->head) {
        /* A big one-off block: keep the current chunk on top for small ones. */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c->data;

out_fail:
    a->exhausted = true;
    return NULL;
}

void *hearth_arena_calloc(struct hearth_arena *a, size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size) {
        a->exhausted = true;
        return NULL;
    }
    p = hearth_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *hearth_arena_strndup(struct hearth_arena *a, const char *s, size_t len)
{
    char *p = len == SIZE_MAX ? NULL : hearth_arena_alloc(a, len + 1);

    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void *pb_alloc(void *data, size_t size)
{
    return hearth_arena_alloc(data, size);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

void hearth_arena_pb_allocator(struct hearth_arena *a, void *out)
{
    ProtobufCAllocator *al = out;

    al->alloc = pb_alloc;
    al->free = pb_free;
    al->allocator_data = a;
}

size_t hearth_mem_size(const void *p)
{
    return p ? malloc_usable_size((void *)p) + sizeof(size_t) : 0;
}

size_t hearth_arena_footprint(const struct hearth_arena *a)
{
    const struct hearth_arena_chunk *c;
    size_t n = 0;

    for (c = a->head; c; c = c->next)
        n += hearth_mem_size(c);
    return n;
}
