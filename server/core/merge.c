/*
 * merge.c - combine a profile with a base for -base / -diff_base.
 *
 * Follows pprof (pprof-semantics.md 8, 10.5, 11): optional -normalize
 * (source scaled to the base's per-column sums), the base negated, both
 * converted to the finest unit of each column and of the period type, then
 * merged into one entity space (functions, mappings, locations interned by
 * pprof's keys) so that equal stacks of both sides share location indices.
 * Samples are kept apart (s_side marks the base ones) instead of summed:
 * every view is linear in sample values, and the one non-linear number (the
 * -base total over merged samples) is computed by stacks.c from the keys.
 */
#include "hearth/merge.h"
#include "hearth/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/units.h"

#include "hearth/banned.h"

static struct hearth_str S(const struct hearth_profile *p, uint32_t i) {
    return hearth_pstr(p, i);
}

static bool
str_eq(const struct hearth_profile *a, uint32_t x, const struct hearth_profile *b, uint32_t y)
{
    struct hearth_str s = S(a, x), t = S(b, y);

    return s.len == t.len && !memcmp(s.ptr, t.ptr, s.len);
}

/* The type name with one trailing 's' removed (pprof's compatibleValueTypes). */
static bool types_similar(struct hearth_str a, struct hearth_str b)
{
    if (a.len && a.ptr[a.len - 1] == 's')
        a.len--;
    if (b.len && b.ptr[b.len - 1] == 's')
        b.len--;
    return a.len == b.len && !memcmp(a.ptr, b.ptr, a.len);
}

static bool vt_compatible(const struct hearth_profile *a, uint32_t at, uint32_t au,
                          const struct hearth_profile *b, uint32_t bt, uint32_t bu)
{
    struct hearth_str ua = S(a, au), ub = S(b, bu);
    int fa = hearth_unit_family(ua.ptr, NULL), fb = hearth_unit_family(ub.ptr, NULL);

    if (!types_similar(S(a, at), S(b, bt)))
        return false;
    return str_eq(a, au, b, bu) || (fa && fa == fb);
}

/* Scale(1, from, to) as a ratio. */
static double ratio(const char *from, const char *to)
{
    const char *u;

    return hearth_unit_scale(1, from, to, &u);
}

struct mctx {
    struct hearth_profile *m; /* result */
    struct hearth_intern strs;
    struct hearth_seqmap fkeys, mkeys, lkeys;
    size_t fcap, mcap, lcap, lncap, scap, fcap_s, lcap_lab;
    size_t nfr, nlab;
    const struct hearth_limits *lim;
};

static uint32_t istr(struct mctx *c, const struct hearth_profile *p, uint32_t i)
{
    struct hearth_str s = S(p, i);

    return hearth_intern_add(&c->strs, s.ptr, s.len);
}

#define GROWV(arr, capv, need)                                                                     \
    do {                                                                                           \
        if ((need) > (capv)) {                                                                     \
            size_t nc_ = (capv) ? (capv)*2 : 256;                                                  \
            void *np_;                                                                             \
            while (nc_ < (need))                                                                   \
                nc_ *= 2;                                                                          \
            np_ = realloc((arr), nc_ * sizeof(*(arr)));                                            \
            if (!np_)                                                                              \
                return HEARTH_NONE;                                                                \
            (arr) = np_;                                                                           \
            (capv) = nc_;                                                                          \
        }                                                                                          \
    } while (0)

static uint32_t map_function(struct mctx *c, const struct hearth_profile *p, uint32_t f)
{
    struct hearth_profile *m = c->m;
    uint32_t key[5], id;
    bool added;
    size_t cap;

    key[0] = istr(c, p, p->fn_name[f]);
    key[1] = istr(c, p, p->fn_sysname[f]);
    key[2] = istr(c, p, p->fn_file[f]);
    key[3] = (uint32_t)((uint64_t)p->fn_start_line[f] >> 32);
    key[4] = (uint32_t)p->fn_start_line[f];
    if (key[0] == HEARTH_NONE || key[1] == HEARTH_NONE || key[2] == HEARTH_NONE)
        return HEARTH_NONE;
    id = hearth_seqmap_add(&c->fkeys, key, 5, &added);
    if (id == HEARTH_NONE || !added)
        return id;
    cap = c->fcap;
    GROWV(m->fn_name, cap, (size_t)id + 1);
    cap = c->fcap;
    GROWV(m->fn_sysname, cap, (size_t)id + 1);
    cap = c->fcap;
    GROWV(m->fn_file, cap, (size_t)id + 1);
    cap = c->fcap;
    GROWV(m->fn_start_line, cap, (size_t)id + 1);
    c->fcap = cap;
    m->fn_name[id] = key[0];
    m->fn_sysname[id] = key[1];
    m->fn_file[id] = key[2];
    m->fn_start_line[id] = p->fn_start_line[f];
    m->nfunc = id + 1;
    return id;
}

/* Returns merged mapping index; *shift gets the address delta to apply. */
static uint32_t map_mapping(struct mctx *c, const struct hearth_profile *p, uint32_t mi,
                            int64_t *shift)
{
    struct hearth_profile *m = c->m;
    uint64_t size = p->map_limit[mi] - p->map_start[mi];
    uint32_t key[5], id;
    bool added;
    size_t cap;

    size = (size + 0xfff) & ~(uint64_t)0xfff;
    key[0] = (uint32_t)(size >> 32);
    key[1] = (uint32_t)size;
    key[2] = (uint32_t)(p->map_offset[mi] >> 32);
    key[3] = (uint32_t)p->map_offset[mi];
    key[4] = S(p, p->map_build_id[mi]).len ? istr(c, p, p->map_build_id[mi])
                                           : istr(c, p, p->map_file[mi]);
    if (key[4] == HEARTH_NONE)
        return HEARTH_NONE;
    id = hearth_seqmap_add(&c->mkeys, key, 5, &added);
    if (id == HEARTH_NONE)
        return id;
    if (added) {
        cap = c->mcap;
        GROWV(m->map_start, cap, (size_t)id + 1);
        cap = c->mcap;
        GROWV(m->map_limit, cap, (size_t)id + 1);
        cap = c->mcap;
        GROWV(m->map_offset, cap, (size_t)id + 1);
        cap = c->mcap;
        GROWV(m->map_file, cap, (size_t)id + 1);
        cap = c->mcap;
        GROWV(m->map_build_id, cap, (size_t)id + 1);
        cap = c->mcap;
        GROWV(m->map_flags, cap, (size_t)id + 1);
        c->mcap = cap;
        m->map_start[id] = p->map_start[mi];
        m->map_limit[id] = p->map_limit[mi];
        m->map_offset[id] = p->map_offset[mi];
        m->map_file[id] = istr(c, p, p->map_file[mi]);
        m->map_build_id[id] = istr(c, p, p->map_build_id[mi]);
        m->map_flags[id] = p->map_flags[mi];
        m->nmap = id + 1;
    }
    *shift = (int64_t)(m->map_start[id] - p->map_start[mi]);
    return id;
}

static uint32_t map_location(struct mctx *c, const struct hearth_profile *p, uint32_t l,
                             uint32_t *fnmap, uint32_t *mapmap, int64_t *mapshift)
{
    struct hearth_profile *m = c->m;
    uint32_t a = p->loc_line_off[l], b = p->loc_line_off[l + 1], k, id, mi = HEARTH_NONE;
    uint32_t keybuf[64], *key = keybuf;
    size_t n = 6 + (size_t)(b - a) * 3, cap;
    uint64_t addr = p->loc_addr[l], rel;
    bool added;

    if (p->loc_map[l] != HEARTH_NONE) {
        mi = mapmap[p->loc_map[l]];
        addr = (uint64_t)((int64_t)addr + mapshift[p->loc_map[l]]);
    }
    rel = mi != HEARTH_NONE ? addr - m->map_start[mi] : addr;
    if (n > 64) {
        key = malloc(n * sizeof(*key));
        if (!key)
            return HEARTH_NONE;
    }
    key[0] = (uint32_t)(rel >> 32);
    key[1] = (uint32_t)rel;
    key[2] = mi;
    key[3] = p->loc_folded[l];
    key[4] = b - a;
    key[5] = 0;
    for (k = a; k < b; k++) {
        uint64_t ln = (uint64_t)p->line_no[k];
        key[6 + (k - a) * 3] = fnmap[p->line_fn[k]];
        key[7 + (k - a) * 3] = (uint32_t)(ln >> 32);
        key[8 + (k - a) * 3] = (uint32_t)ln;
    }
    id = hearth_seqmap_add(&c->lkeys, key, n, &added);
    if (key != keybuf)
        free(key);
    if (id == HEARTH_NONE || !added)
        return id;
    cap = c->lcap;
    GROWV(m->loc_map, cap, (size_t)id + 2);
    cap = c->lcap;
    GROWV(m->loc_addr, cap, (size_t)id + 2);
    cap = c->lcap;
    GROWV(m->loc_folded, cap, (size_t)id + 2);
    cap = c->lcap;
    GROWV(m->loc_line_off, cap, (size_t)id + 2);
    c->lcap = cap;
    cap = c->lncap;
    GROWV(m->line_fn, cap, (size_t)m->nlines + (b - a) + 1);
    cap = c->lncap;
    GROWV(m->line_no, cap, (size_t)m->nlines + (b - a) + 1);
    c->lncap = cap;
    m->loc_map[id] = mi;
    m->loc_addr[id] = addr;
    m->loc_folded[id] = p->loc_folded[l];
    m->loc_line_off[id] = m->nlines;
    for (k = a; k < b; k++) {
        m->line_fn[m->nlines] = fnmap[p->line_fn[k]];
        m->line_no[m->nlines] = p->line_no[k];
        m->nlines++;
    }
    m->loc_line_off[id + 1] = m->nlines;
    m->nloc = id + 1;
    return id;
}

/* Appends the samples of p (values already transformed in vals). */
static enum hearth_err add_samples(struct mctx *c, const struct hearth_profile *p,
                                   const int64_t *vals, uint8_t side, bool base_label)
{
    struct hearth_profile *m = c->m;
    uint32_t *fnmap = malloc((p->nfunc + 1) * sizeof(*fnmap));
    uint32_t *mapmap = malloc((p->nmap + 1) * sizeof(*mapmap));
    uint32_t *locmap = malloc((p->nloc + 1) * sizeof(*locmap));
    int64_t *mapshift = malloc((p->nmap + 1) * sizeof(*mapshift));
    uint32_t base_key = 0, base_val = 0, i, nt = p->ntypes;
    enum hearth_err e = HEARTH_E_NOMEM;
    size_t s;

    if (!fnmap || !mapmap || !locmap || !mapshift)
        goto out_free;
    memset(locmap, 0xff, (p->nloc + 1) * sizeof(*locmap));
    if (base_label) {
        base_key = hearth_intern_add(&c->strs, "pprof::base", 11);
        base_val = hearth_intern_add(&c->strs, "true", 4);
        if (base_key == HEARTH_NONE || base_val == HEARTH_NONE)
            goto out_free;
    }
    for (i = 0; i < p->nfunc; i++) {
        fnmap[i] = map_function(c, p, i);
        if (fnmap[i] == HEARTH_NONE)
            goto out_free;
    }
    for (i = 0; i < p->nmap; i++) {
        mapmap[i] = map_mapping(c, p, i, &mapshift[i]);
        if (mapmap[i] == HEARTH_NONE)
            goto out_free;
    }
    for (s = 0; s < p->nsamples; s++) {
        uint32_t a = p->s_loc_off[s], b = p->s_loc_off[s + 1], la = p->s_lab_off[s],
                 lb = p->s_lab_off[s + 1], k, nl;
        bool zero = true;
        for (k = 0; k < nt; k++)
            if (vals[s * nt + k] != 0)
                zero = false;
        if (zero)
            continue;
        if (m->nsamples + 2 > c->scap) {
            size_t nc = c->scap ? c->scap * 2 : 1024;
            void *x = realloc(m->s_loc_off, nc * sizeof(*m->s_loc_off));
            if (!x)
                goto out_free;
            m->s_loc_off = x;
            x = realloc(m->s_lab_off, nc * sizeof(*m->s_lab_off));
            if (!x)
                goto out_free;
            m->s_lab_off = x;
            x = realloc(m->s_val, nc * nt * sizeof(*m->s_val));
            if (!x)
                goto out_free;
            m->s_val = x;
            x = realloc(m->s_side, nc);
            if (!x)
                goto out_free;
            m->s_side = x;
            c->scap = nc;
        }
        if (c->nfr + (b - a) + 1 > c->fcap_s) {
            size_t nc = c->fcap_s ? c->fcap_s * 2 : 4096;
            void *x;
            while (nc < c->nfr + (b - a) + 1)
                nc *= 2;
            x = realloc(m->s_locs, nc * sizeof(*m->s_locs));
            if (!x)
                goto out_free;
            m->s_locs = x;
            c->fcap_s = nc;
        }
        nl = (lb - la) + (base_label ? 1 : 0);
        if (c->nlab + nl + 1 > c->lcap_lab) {
            size_t nc = c->lcap_lab ? c->lcap_lab * 2 : 1024;
            void *x;
            while (nc < c->nlab + nl + 1)
                nc *= 2;
            x = realloc(m->lab_key, nc * 4);
            if (!x)
                goto out_free;
            m->lab_key = x;
            x = realloc(m->lab_str, nc * 4);
            if (!x)
                goto out_free;
            m->lab_str = x;
            x = realloc(m->lab_unit, nc * 4);
            if (!x)
                goto out_free;
            m->lab_unit = x;
            x = realloc(m->lab_num, nc * 8);
            if (!x)
                goto out_free;
            m->lab_num = x;
            c->lcap_lab = nc;
        }
        m->s_loc_off[m->nsamples] = (uint32_t)c->nfr;
        for (k = a; k < b; k++) {
            uint32_t l = p->s_locs[k];
            if (locmap[l] == HEARTH_NONE) {
                locmap[l] = map_location(c, p, l, fnmap, mapmap, mapshift);
                if (locmap[l] == HEARTH_NONE)
                    goto out_free;
            }
            m->s_locs[c->nfr++] = locmap[l];
        }
        m->s_lab_off[m->nsamples] = (uint32_t)c->nlab;
        for (k = la; k < lb; k++) {
            m->lab_key[c->nlab] = istr(c, p, p->lab_key[k]);
            m->lab_str[c->nlab] = istr(c, p, p->lab_str[k]);
            m->lab_unit[c->nlab] = istr(c, p, p->lab_unit[k]);
            m->lab_num[c->nlab] = p->lab_num[k];
            if (m->lab_key[c->nlab] == HEARTH_NONE || m->lab_str[c->nlab] == HEARTH_NONE ||
                m->lab_unit[c->nlab] == HEARTH_NONE)
                goto out_free;
            c->nlab++;
        }
        if (base_label) {
            m->lab_key[c->nlab] = base_key;
            m->lab_str[c->nlab] = base_val;
            m->lab_unit[c->nlab] = 0;
            m->lab_num[c->nlab] = 0;
            c->nlab++;
        }
        memcpy(m->s_val + m->nsamples * nt, vals + s * nt, nt * sizeof(int64_t));
        m->s_side[m->nsamples] = side;
        m->nsamples++;
        m->s_loc_off[m->nsamples] = (uint32_t)c->nfr;
        m->s_lab_off[m->nsamples] = (uint32_t)c->nlab;
    }
    e = HEARTH_OK;
out_free:
    free(fnmap);
    free(mapmap);
    free(locmap);
    free(mapshift);
    return e;
}

static int64_t round_scale(int64_t v, double r)
{
    return r == 1 ? v : hearth_go_int64(round((double)v * r));
}

static void vt_text(const struct hearth_profile *p, uint32_t t, uint32_t u, char *out, size_t n)
{
    struct hearth_str a = S(p, t), b = S(p, u);

    snprintf(out, n, "{%.*s %.*s}", (int)(a.len > 60 ? 60 : a.len), a.ptr,
             (int)(b.len > 60 ? 60 : b.len), b.ptr);
}

enum hearth_err hearth_merge_diff(const struct hearth_profile *src,
                                  const struct hearth_profile *base, enum hearth_diff_mode mode,
                                  bool normalize, const struct hearth_limits *lim,
                                  struct hearth_profile **out, struct hearth_errmsg *em)
{
    struct mctx c;
    struct hearth_profile *m = NULL;
    int64_t *sv = NULL, *bv = NULL;
    double *rs = NULL, *rb = NULL;
    uint32_t nt = src->ntypes, i, tgt_unit_idx;
    enum hearth_err e = HEARTH_OK;
    char t1[160], t2[160];
    size_t s;
    const struct hearth_profile *unit_src;

    (void)lim;
    *out = NULL;
    memset(&c, 0, sizeof(c));
    /* period types: compatible (units of one family may differ) */
    if (!vt_compatible(src, src->period_type, src->period_unit, base, base->period_type,
                       base->period_unit)) {
        vt_text(src, src->period_type, src->period_unit, t1, sizeof(t1));
        vt_text(base, base->period_type, base->period_unit, t2, sizeof(t2));
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                 "period type: incompatible types: %s %s", t1, t2);
    }
    if (src->ntypes != base->ntypes)
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                 "inconsistent samples type count: %u != %u", src->ntypes,
                                 base->ntypes);
    for (i = 0; i < nt; i++)
        if (!vt_compatible(src, src->type_name[i], src->type_unit[i], base, base->type_name[i],
                           base->type_unit[i])) {
            vt_text(src, src->type_name[i], src->type_unit[i], t1, sizeof(t1));
            vt_text(base, base->type_name[i], base->type_unit[i], t2, sizeof(t2));
            return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                     "sample types: incompatible types: %s %s", t1, t2);
        }
    /* after unit normalisation the type names must be equal exactly */
    for (i = 0; i < nt; i++)
        if (!str_eq(src, src->type_name[i], base, base->type_name[i]))
            return hearth_errmsg_set(
                em, HEARTH_E_INCOMPATIBLE, "incompatible sample types: %.64s vs %.64s",
                S(src, src->type_name[i]).ptr, S(base, base->type_name[i]).ptr);
    if (!str_eq(src, src->period_type, base, base->period_type))
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE, "incompatible period types");
    if (normalize) {
        /* pprof checks exact compatibility (units included) before normalising */
        for (i = 0; i < nt; i++)
            if (!str_eq(src, src->type_unit[i], base, base->type_unit[i]))
                return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                         "incompatible sample types for -normalize");
        if (!str_eq(src, src->period_unit, base, base->period_unit))
            return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                     "incompatible period types for -normalize");
    }

    sv = malloc((src->nsamples * nt + 1) * sizeof(*sv));
    bv = malloc((base->nsamples * nt + 1) * sizeof(*bv));
    rs = calloc(nt + 1, sizeof(*rs));
    rb = calloc(nt + 1, sizeof(*rb));
    m = calloc(1, sizeof(*m));
    if (!sv || !bv || !rs || !rb || !m)
        goto out_nomem;
    memcpy(sv, src->s_val, src->nsamples * nt * sizeof(*sv));
    memcpy(bv, base->s_val, base->nsamples * nt * sizeof(*bv));
    if (normalize) {
        for (i = 0; i < nt; i++) {
            int64_t bs = 0, ss = 0;
            double r;
            for (s = 0; s < base->nsamples; s++)
                bs = hearth_add64(bs, base->s_val[s * nt + i]);
            for (s = 0; s < src->nsamples; s++)
                ss = hearth_add64(ss, src->s_val[s * nt + i]);
            r = ss == 0 ? 0.0 : (double)bs / (double)ss;
            for (s = 0; s < src->nsamples; s++)
                sv[s * nt + i] = round_scale(sv[s * nt + i], r);
        }
    }
    for (s = 0; s < base->nsamples * nt; s++)
        bv[s] = round_scale(bv[s], -1);
    /* unit normalisation: the finest unit of each column wins */
    for (i = 0; i < nt; i++) {
        const char *us = S(src, src->type_unit[i]).ptr, *ub = S(base, base->type_unit[i]).ptr;
        const char *tgt = us;
        if (ratio(ub, us) > 1)
            tgt = ub;
        rs[i] = ratio(us, tgt);
        rb[i] = ratio(ub, tgt);
        for (s = 0; s < src->nsamples; s++)
            sv[s * nt + i] = round_scale(sv[s * nt + i], rs[i]);
        for (s = 0; s < base->nsamples; s++)
            bv[s * nt + i] = round_scale(bv[s * nt + i], rb[i]);
    }

    hearth_arena_init(&m->arena, 256 * 1024, 0);
    hearth_intern_init(&c.strs, &m->arena, 0);
    hearth_seqmap_init(&c.fkeys);
    hearth_seqmap_init(&c.mkeys);
    hearth_seqmap_init(&c.lkeys);
    c.m = m;
    if (hearth_intern_add(&c.strs, "", 0) != 0)
        goto out_nomem;
    /* header: from the source, with pprof's combination rules */
    m->ntypes = nt;
    m->type_name = malloc((nt + 1) * sizeof(uint32_t));
    m->type_unit = malloc((nt + 1) * sizeof(uint32_t));
    if (!m->type_name || !m->type_unit)
        goto out_nomem;
    for (i = 0; i < nt; i++) {
        const char *us = S(src, src->type_unit[i]).ptr, *ub = S(base, base->type_unit[i]).ptr;
        unit_src = ratio(ub, us) > 1 ? base : src;
        tgt_unit_idx = unit_src == base ? base->type_unit[i] : src->type_unit[i];
        m->type_name[i] = istr(&c, src, src->type_name[i]);
        m->type_unit[i] = istr(&c, unit_src, tgt_unit_idx);
    }
    {
        const char *ps = S(src, src->period_unit).ptr, *pb = S(base, base->period_unit).ptr;
        const struct hearth_profile *pu = ratio(pb, ps) > 1 ? base : src;
        const char *tgt = S(pu, pu->period_unit).ptr;
        const char *u;
        int64_t p1 = hearth_go_int64(hearth_unit_scale(src->period, ps, tgt, &u));
        int64_t p2 = hearth_go_int64(hearth_unit_scale(base->period, pb, tgt, &u));
        m->period_type = istr(&c, src, src->period_type);
        m->period_unit = istr(&c, pu, pu->period_unit);
        m->period = p1 > p2 ? p1 : p2;
    }
    m->duration_nanos = hearth_add64(src->duration_nanos, base->duration_nanos);
    m->time_nanos = src->time_nanos;
    if (m->time_nanos == 0 || base->time_nanos < m->time_nanos)
        m->time_nanos = base->time_nanos;
    m->default_type = istr(&c, src, src->default_type);
    if (m->default_type == 0)
        m->default_type = istr(&c, base, base->default_type);
    m->drop_frames = istr(&c, src, src->drop_frames);
    m->keep_frames = istr(&c, src, src->keep_frames);
    m->doc_url = istr(&c, src, src->doc_url);
    m->comments = malloc((src->ncomments + base->ncomments + 1) * sizeof(uint32_t));
    if (!m->comments)
        goto out_nomem;
    for (i = 0; i < src->ncomments + base->ncomments; i++) {
        const struct hearth_profile *p = i < src->ncomments ? src : base;
        uint32_t ci = istr(&c, p, p->comments[i < src->ncomments ? i : i - src->ncomments]), k;
        for (k = 0; k < m->ncomments && m->comments[k] != ci; k++)
            ;
        if (k == m->ncomments)
            m->comments[m->ncomments++] = ci;
    }
    m->loc_line_off = malloc(sizeof(uint32_t));
    m->s_loc_off = malloc(sizeof(uint32_t));
    m->s_lab_off = malloc(sizeof(uint32_t));
    if (!m->loc_line_off || !m->s_loc_off || !m->s_lab_off)
        goto out_nomem;
    m->loc_line_off[0] = m->s_loc_off[0] = m->s_lab_off[0] = 0;
    c.lcap = c.scap = 0;
    free(m->loc_line_off);
    free(m->s_loc_off);
    free(m->s_lab_off);
    m->loc_line_off = m->s_loc_off = m->s_lab_off = NULL;
    e = add_samples(&c, src, sv, 0, false);
    if (e)
        goto out_fail;
    e = add_samples(&c, base, bv, 1, mode == HEARTH_DIFF_DIFF_BASE);
    if (e)
        goto out_fail;
    if (!m->s_loc_off) {
        m->s_loc_off = calloc(1, sizeof(uint32_t));
        m->s_lab_off = calloc(1, sizeof(uint32_t));
        m->s_val = calloc(1, sizeof(int64_t));
        m->s_side = calloc(1, 1);
    }
    if (!m->loc_line_off) {
        m->loc_line_off = calloc(1, sizeof(uint32_t));
        m->loc_map = calloc(1, sizeof(uint32_t));
    }
    if (!m->s_loc_off || !m->s_lab_off || !m->s_val || !m->s_side || !m->loc_line_off)
        goto out_nomem;
    if (m->nmap == 0) {
        m->fake_mapping = true;
        m->map_start = calloc(1, 8);
        m->map_limit = calloc(1, 8);
        m->map_offset = calloc(1, 8);
        m->map_file = calloc(1, 4);
        m->map_build_id = calloc(1, 4);
        m->map_flags = calloc(1, 1);
        if (!m->map_start || !m->map_limit || !m->map_offset || !m->map_file || !m->map_build_id ||
            !m->map_flags)
            goto out_nomem;
        m->nmap = 1;
    } else {
        m->fake_mapping = src->fake_mapping;
    }
    m->str = hearth_intern_detach(&c.strs, &m->nstr);
    m->bytes = m->arena.used + src->bytes + base->bytes;
    *out = m;
    m = NULL;
    goto out_fail;

out_nomem:
    e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory merging profiles");
out_fail:
    if (e == HEARTH_E_NOMEM && em && !em->msg[0])
        hearth_errmsg_set(em, e, "out of memory merging profiles");
    hearth_intern_release(&c.strs);
    hearth_seqmap_release(&c.fkeys);
    hearth_seqmap_release(&c.mkeys);
    hearth_seqmap_release(&c.lkeys);
    hearth_profile_free(m);
    free(sv);
    free(bv);
    free(rs);
    free(rb);
    return e;
}
