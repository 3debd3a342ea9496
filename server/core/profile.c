/* profile.c - helpers over the decoded model; see include/hearth/profile.h. */
#include "hearth/profile.h"

#include <stdlib.h>
#include <string.h>

#include "hearth/arena.h"
#include "hearth/buf.h"

#include "hearth/banned.h"

static int cmp_label_tuple(const void *a, const void *b)
{
    return memcmp(a, b, 4 * sizeof(uint32_t));
}

size_t hearth__sample_key(const struct hearth_profile *p, const uint32_t *locs, size_t nloc,
                          size_t la, size_t lb, uint32_t **key, size_t *cap)
{
    size_t n = nloc + 1 + (lb - la) * 4, j;
    uint32_t *k;

    if (n > *cap) {
        uint32_t *nk = realloc(*key, n * 2 * sizeof(*nk));
        if (!nk)
            return 0;
        *key = nk;
        *cap = n * 2;
    }
    k = *key;
    memcpy(k, locs, nloc * sizeof(*locs));
    k[nloc] = HEARTH_NONE; /* separator: no location has this index */
    for (j = la; j < lb; j++) {
        uint32_t *q = k + nloc + 1 + (j - la) * 4;
        uint64_t num = (uint64_t)p->lab_num[j];
        q[0] = p->lab_key[j];
        q[1] = p->lab_str[j] ? p->lab_str[j] : p->lab_unit[j] | 0x80000000u;
        q[2] = (uint32_t)(num >> 32);
        q[3] = (uint32_t)num;
    }
    if (lb - la > 1)
        qsort(k + nloc + 1, lb - la, 4 * sizeof(uint32_t), cmp_label_tuple);
    return n;
}

static bool name_is(const struct hearth_profile *p, uint32_t i, const char *s, size_t n)
{
    struct hearth_str x = hearth_pstr(p, i);

    return x.len == n && memcmp(x.ptr, s, n) == 0;
}

enum hearth_err hearth_profile_sample_index(const struct hearth_profile *p, const char *spec,
                                            uint32_t *idx, struct hearth_errmsg *em)
{
    uint32_t i;
    size_t n;
    const char *s;
    struct hearth_buf names;

    if (p->ntypes == 0)
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "profile has no sample types");
    if (!spec || !*spec) {
        if (p->default_type != 0)
            for (i = 0; i < p->ntypes; i++)
                if (p->type_name[i] == p->default_type) {
                    *idx = i;
                    return HEARTH_OK;
                }
        *idx = p->ntypes - 1;
        return HEARTH_OK;
    }
    /* A decimal number is an index. */
    for (s = spec; *s >= '0' && *s <= '9'; s++)
        ;
    if (*s == '\0') {
        unsigned long long v = 0;
        for (s = spec; *s; s++) {
            v = v * 10 + (unsigned)(*s - '0');
            if (v > UINT32_MAX)
                break;
        }
        if (*s == '\0' && v < p->ntypes) {
            *idx = (uint32_t)v;
            return HEARTH_OK;
        }
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND,
                                 "sample_index %s is outside the range [0..%u]", spec,
                                 p->ntypes - 1);
    }
    n = strlen(spec);
    for (i = 0; i < p->ntypes; i++) {
        if (name_is(p, p->type_name[i], spec, n) ||
            (n > 6 && memcmp(spec, "inuse_", 6) == 0 &&
             name_is(p, p->type_name[i], spec + 6, n - 6))) {
            *idx = i;
            return HEARTH_OK;
        }
    }
    hearth_buf_init(&names, 4096);
    for (i = 0; i < p->ntypes; i++) {
        struct hearth_str t = hearth_pstr(p, p->type_name[i]);
        hearth_buf_printf(&names, "%s%.*s", i ? " " : "", (int)(t.len > 64 ? 64 : t.len), t.ptr);
    }
    hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "sample_index \"%.64s\" must be one of: %s", spec,
                      names.ptr ? names.ptr : "");
    hearth_buf_release(&names);
    return HEARTH_E_NOT_FOUND;
}

size_t hearth_profile_footprint(const struct hearth_profile *p)
{
    /* every array hearth_profile_free() frees */
    const void *arrays[] = {
        p->str,       p->type_name,  p->type_unit,    p->comments,      p->map_start,
        p->map_limit, p->map_offset, p->map_file,     p->map_build_id,  p->map_flags,
        p->fn_name,   p->fn_sysname, p->fn_file,      p->fn_start_line, p->loc_map,
        p->loc_addr,  p->loc_folded, p->loc_line_off, p->line_fn,       p->line_no,
        p->s_loc_off, p->s_locs,     p->s_val,        p->s_lab_off,     p->lab_key,
        p->lab_str,   p->lab_unit,   p->lab_num,      p->s_side,
    };
    size_t i, n = hearth_mem_size(p) + hearth_arena_footprint(&p->arena);

    for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        n += hearth_mem_size(arrays[i]);
    return n;
}

/* *arr keeps n elements of sz bytes (at least one byte); a failed shrink leaves it as it was. */
static void shrink(void *arrp, size_t n, size_t sz)
{
    void **arr = arrp;
    void *np;

    if (!*arr || hearth_mem_size(*arr) <= n * sz + 64)
        return;
    np = realloc(*arr, n ? n * sz : 1);
    if (np)
        *arr = np;
}

void hearth_profile_trim(struct hearth_profile *p)
{
    size_t n = p->nsamples, nlocs, nlabs;

    if (!p->s_loc_off)
        return;
    nlocs = p->s_loc_off[n];
    nlabs = p->s_lab_off ? p->s_lab_off[n] : 0;
    shrink(&p->s_loc_off, n + 1, sizeof(*p->s_loc_off));
    shrink(&p->s_lab_off, n + 1, sizeof(*p->s_lab_off));
    shrink(&p->s_val, n * p->ntypes + 1, sizeof(*p->s_val));
    shrink(&p->s_locs, nlocs, sizeof(*p->s_locs));
    shrink(&p->lab_key, nlabs, sizeof(*p->lab_key));
    shrink(&p->lab_str, nlabs, sizeof(*p->lab_str));
    shrink(&p->lab_unit, nlabs, sizeof(*p->lab_unit));
    shrink(&p->lab_num, nlabs, sizeof(*p->lab_num));
}
