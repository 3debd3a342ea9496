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
    free(m->hash);
    free(m->slots);
    hearth_seqmap_init(m);
}

void hearth_seqmap_drop_index(struct hearth_seqmap *m)
{
    free(m->hash);
    free(m->slots);
    m->hash = NULL;
    m->slots = NULL;
    m->nslots = 0;
}

/*
 * A slot caches what a probe needs (high hash bits, index + 1, the
 * sequence's place in the pool) so that a lookup touches the slot and the
 * pool only; idx1 == 0 marks an empty slot.
 */
static void fill(struct hearth_seqmap_slot *sl, uint64_t h, size_t i, size_t off, size_t len)
{
    sl->hash = (uint32_t)(h >> 32);
    sl->idx1 = (uint32_t)(i + 1);
    sl->off = off;
    sl->len = (uint32_t)len;
}

static bool rehash(struct hearth_seqmap *m, size_t nslots)
{
    struct hearth_seqmap_slot *slots = calloc(nslots, sizeof(*slots));
    size_t i;

    if (!slots)
        return false;
    for (i = 0; i < m->n; i++) {
        size_t j = m->hash[i] & (nslots - 1);
        while (slots[j].idx1)
            j = (j + 1) & (nslots - 1);
        fill(&slots[j], m->hash[i], i, m->off[i], m->off[i + 1] - m->off[i]);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return true;
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
        if (sl->hash == (uint32_t)(h >> 32) && sl->len == n &&
            !memcmp(m->pool + sl->off, seq, n * sizeof(*seq)))
            return sl->idx1 - 1;
    }
    if (m->n + 1 >= m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 1024;
        size_t *no = realloc(m->off, (nc + 1) * sizeof(*no));
        uint64_t *nh;
        if (!no)
            return HEARTH_NONE;
        m->off = no;
        nh = realloc(m->hash, nc * sizeof(*nh));
        if (!nh)
            return HEARTH_NONE;
        m->hash = nh;
        m->cap = nc;
        if (m->n == 0)
            m->off[0] = 0;
    }
    if (m->npool + n > m->poolcap) {
        size_t nc = m->poolcap ? m->poolcap * 2 : 4096;
        uint32_t *np;
        while (nc < m->npool + n)
            nc *= 2;
        np = realloc(m->pool, nc * sizeof(*np));
        if (!np)
            return HEARTH_NONE;
        m->pool = np;
        m->poolcap = nc;
    }
    if (n)
        memcpy(m->pool + m->npool, seq, n * sizeof(*seq));
    m->npool += n;
    m->hash[m->n] = h;
    m->off[m->n + 1] = m->npool;
    fill(&m->slots[j], h, m->n, m->npool - n, n);
    if (added)
        *added = true;
    return (uint32_t)m->n++;
}
