/* u64map.c - open-addressing uint64 -> uint32 map; see include/hearth/intern.h. */
#include "hearth/intern.h"

#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

bool hearth_u64map_init(struct hearth_u64map *m, size_t expected)
{
    size_t n = 16;

    while (n < expected * 2 && n < ((size_t)1 << 40))
        n *= 2;
    m->keys = malloc(n * sizeof(*m->keys));
    m->vals = malloc(n * sizeof(*m->vals));
    m->nslots = n;
    m->n = 0;
    m->direct = NULL;
    m->ndirect = 0;
    if (!m->keys || !m->vals) {
        hearth_u64map_release(m);
        return false;
    }
    memset(m->vals, 0xff, n * sizeof(*m->vals));
    return true;
}

void hearth_u64map_release(struct hearth_u64map *m)
{
    free(m->direct);
    m->direct = NULL;
    m->ndirect = 0;
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->nslots = m->n = 0;
}

static bool grow(struct hearth_u64map *m)
{
    struct hearth_u64map nm;
    size_t i;

    if (!hearth_u64map_init(&nm, m->nslots))
        return false;
    nm.direct = m->direct;
    nm.ndirect = m->ndirect;
    m->direct = NULL;
    for (i = 0; i < m->nslots; i++)
        if (m->vals[i] != HEARTH_NONE)
            hearth_u64map_put(&nm, m->keys[i], m->vals[i], NULL);
    hearth_u64map_release(m);
    *m = nm;
    return true;
}

int hearth_u64map_put(struct hearth_u64map *m, uint64_t key, uint32_t val, uint32_t *old)
{
    size_t j;

    if ((m->n + 1) * 4 >= m->nslots * 3 && !grow(m))
        return -1;
    for (j = hearth_mix64(key) & (m->nslots - 1); m->vals[j] != HEARTH_NONE;
         j = (j + 1) & (m->nslots - 1)) {
        if (m->keys[j] == key) {
            if (old)
                *old = m->vals[j];
            return 0;
        }
    }
    m->keys[j] = key;
    m->vals[j] = val;
    m->n++;
    return 1;
}

void hearth_u64map_densify(struct hearth_u64map *m)
{
    uint64_t maxk = 0;
    size_t i;

    for (i = 0; i < m->nslots; i++)
        if (m->vals[i] != HEARTH_NONE && m->keys[i] > maxk)
            maxk = m->keys[i];
    if (m->n == 0 || maxk > 4 * (uint64_t)m->n + 1024)
        return;
    free(m->direct);
    m->direct = malloc((size_t)(maxk + 1) * sizeof(*m->direct));
    if (!m->direct)
        return;
    memset(m->direct, 0xff, (size_t)(maxk + 1) * sizeof(*m->direct));
    for (i = 0; i < m->nslots; i++)
        if (m->vals[i] != HEARTH_NONE)
            m->direct[m->keys[i]] = m->vals[i];
    m->ndirect = (size_t)maxk + 1;
}

uint32_t hearth_u64map_get(const struct hearth_u64map *m, uint64_t key)
{
    size_t j;

    if (key < m->ndirect)
        return m->direct[key];
    if (m->direct)
        return HEARTH_NONE;
    if (!m->nslots)
        return HEARTH_NONE;
    for (j = hearth_mix64(key) & (m->nslots - 1); m->vals[j] != HEARTH_NONE;
         j = (j + 1) & (m->nslots - 1))
        if (m->keys[j] == key)
            return m->vals[j];
    return HEARTH_NONE;
}
