/* seqmap.c - interning of uint32 sequences; see include/hearth/intern.h. */
#include "hearth/intern.h"

#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

void hearth_seqmap_init(struct hearth_seqmap *m)
{
    memset(m, 0, sizeof(*m));
}

void hearth_seqmap_release(struct hearth_seqmap *m)
{
    free(m->pool);
    free(m->off);
    free(m->slots);
    hearth_seqmap_init(m);
}

void hearth_seqmap_drop_index(struct hearth_seqmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = 0;
}

/*
 * A slot caches what a probe needs (the hash, index + 1, the sequence's
 * place in the pool) so that a lookup touches the slot and the pool only;
 * idx1 == 0 marks an empty slot.
 */
static void fill(struct hearth_seqmap_slot *sl, uint64_t h, size_t i, size_t off, size_t len)
{
    sl->hash = h;
    sl->idx1 = (uint32_t)(i + 1);
    sl->off = off;
    sl->len = (uint32_t)len;
}

/*
 * Moves the slots into a table of nslots (a power of two). The old table is
 * read in order, and a slot's new home is its old one or that plus the old
 * size, so the writes go forward too: no random access into either table.
 */
static bool rehash(struct hearth_seqmap *m, size_t nslots)
{
    struct hearth_seqmap_slot *slots = calloc(nslots, sizeof(*slots));
    size_t i;

    if (!slots)
        return false;
    for (i = 0; i < m->nslots; i++) {
        const struct hearth_seqmap_slot *o = &m->slots[i];
        size_t j;
        if (!o->idx1)
            continue;
        j = o->hash & (nslots - 1);
        while (slots[j].idx1)
            j = (j + 1) & (nslots - 1);
        slots[j] = *o;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return true;
}

/* Room for index n (off[n + 1]). */
static bool grow_index(struct hearth_seqmap *m, size_t want)
{
    size_t nc = m->cap ? m->cap : 1024, *no;

    while (nc <= want)
        nc *= 2;
    if (nc == m->cap)
        return true;
    no = realloc(m->off, (nc + 1) * sizeof(*no));
    if (!no)
        return false;
    if (!m->off)
        no[0] = 0;
    m->off = no;
    m->cap = nc;
    return true;
}

static bool grow_pool(struct hearth_seqmap *m, size_t want)
{
    size_t nc = m->poolcap ? m->poolcap : 4096;
    uint32_t *np;

    while (nc < want)
        nc *= 2;
    if (nc == m->poolcap)
        return true;
    np = realloc(m->pool, nc * sizeof(*np));
    if (!np)
        return false;
    m->pool = np;
    m->poolcap = nc;
    return true;
}

bool hearth_seqmap_reserve(struct hearth_seqmap *m, size_t n, size_t words)
{
    size_t ns = 1024;

    if (n > UINT32_MAX - 2 || words > SIZE_MAX / 8)
        return false;
    while ((n + 1) * 4 >= ns * 3)
        ns *= 2;
    if (ns > m->nslots && !rehash(m, ns))
        return false;
    return grow_index(m, n + 1) && grow_pool(m, words);
}

uint32_t hearth_seqmap_add(struct hearth_seqmap *m, const uint32_t *seq, size_t n, bool *added)
{
    uint64_t h = hearth_hash_bytes(seq, n * sizeof(*seq), 7);
    size_t j;

    if (added)
        *added = false;
    if ((m->n + 1) * 4 >= m->nslots * 3) {
        if (m->n >= UINT32_MAX - 2 || !rehash(m, m->nslots ? m->nslots * 2 : 1024))
            return HEARTH_NONE;
    }
    if (n >= UINT32_MAX)
        return HEARTH_NONE;
    for (j = h & (m->nslots - 1); m->slots[j].idx1; j = (j + 1) & (m->nslots - 1)) {
        const struct hearth_seqmap_slot *sl = &m->slots[j];
        if (sl->hash == h && sl->len == n && !memcmp(m->pool + sl->off, seq, n * sizeof(*seq)))
            return sl->idx1 - 1;
    }
    if (m->n + 1 >= m->cap && !grow_index(m, m->n + 1))
        return HEARTH_NONE;
    if (m->npool + n > m->poolcap && !grow_pool(m, m->npool + n))
        return HEARTH_NONE;
    if (n)
        memcpy(m->pool + m->npool, seq, n * sizeof(*seq));
    m->npool += n;
    m->off[m->n + 1] = m->npool;
    fill(&m->slots[j], h, m->n, m->npool - n, n);
    if (added)
        *added = true;
    return (uint32_t)m->n++;
}
