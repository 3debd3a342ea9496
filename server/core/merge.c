/*
 * merge.c - combine a profile with a base for -base / -diff_base, or
 * several profiles into one (pprof's several sources).
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

/*
 * Whether b can be merged with a (pprof's compatibility rules for -base and
 * for several sources); exact units too when normalising.
 */
static enum hearth_err check_pair(const struct hearth_profile *a, const struct hearth_profile *b,
                                  bool normalize, struct hearth_errmsg *em)
{
    uint32_t nt = a->ntypes, i;
    char t1[160], t2[160];

    /* period types: compatible (units of one family may differ) */
    if (!vt_compatible(a, a->period_type, a->period_unit, b, b->period_type, b->period_unit)) {
        vt_text(a, a->period_type, a->period_unit, t1, sizeof(t1));
        vt_text(b, b->period_type, b->period_unit, t2, sizeof(t2));
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                 "period type: incompatible types: %s %s", t1, t2);
    }
    if (a->ntypes != b->ntypes)
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                 "inconsistent samples type count: %u != %u", a->ntypes, b->ntypes);
    for (i = 0; i < nt; i++)
        if (!vt_compatible(a, a->type_name[i], a->type_unit[i], b, b->type_name[i],
                           b->type_unit[i])) {
            vt_text(a, a->type_name[i], a->type_unit[i], t1, sizeof(t1));
            vt_text(b, b->type_name[i], b->type_unit[i], t2, sizeof(t2));
            return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                     "sample types: incompatible types: %s %s", t1, t2);
        }
    /* after unit normalisation the type names must be equal exactly */
    for (i = 0; i < nt; i++)
        if (!str_eq(a, a->type_name[i], b, b->type_name[i]))
            return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                     "incompatible sample types: %.64s vs %.64s",
                                     S(a, a->type_name[i]).ptr, S(b, b->type_name[i]).ptr);
    if (!str_eq(a, a->period_type, b, b->period_type))
        return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE, "incompatible period types");
    if (normalize) {
        /* pprof checks exact compatibility (units included) before normalising */
        for (i = 0; i < nt; i++)
            if (!str_eq(a, a->type_unit[i], b, b->type_unit[i]))
                return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                         "incompatible sample types for -normalize");
        if (!str_eq(a, a->period_unit, b, b->period_unit))
            return hearth_errmsg_set(em, HEARTH_E_INCOMPATIBLE,
                                     "incompatible period types for -normalize");
    }
    return HEARTH_OK;
}

/* One input of merge_build: a profile, its (already scaled) values, its side. */
struct min {
    const struct hearth_profile *p;
    int64_t *vals; /* nsamples * ntypes, owned by the caller, rescaled in place */
    uint8_t side;  /* 1: a base's samples */
    bool base_label;
};

/* The index of the input whose unit (string u of each input) is the one all convert to. */
static size_t unit_pick(const struct min *in, size_t n,
                        uint32_t (*unit_of)(const struct min *, uint32_t), uint32_t col)
{
    size_t k, best = 0;

    /* pprof's CommonValueType: the finest unit (1 of it is less than 1 of the others) */
    for (k = 1; k < n; k++)
        if (ratio(S(in[k].p, unit_of(&in[k], col)).ptr,
                  S(in[best].p, unit_of(&in[best], col)).ptr) < 1)
            best = k;
    return best;
}

static uint32_t type_unit_of(const struct min *x, uint32_t col)
{
    return x->p->type_unit[col];
}

static uint32_t period_unit_of(const struct min *x, uint32_t col)
{
    (void)col;
    return x->p->period_unit;
}

/*
 * Merge n checked inputs into one profile: units converted per column (and
 * for the period) as pprof's ScaleProfiles does, the header combined as
 * pprof's Merge does (first input's names, summed durations, earliest time,
 * largest period, comments once each), samples appended in input order.
 */
static enum hearth_err merge_build(struct min *in, size_t n, const struct hearth_limits *lim,
                                   struct hearth_profile **out, struct hearth_errmsg *em)
{
    const struct hearth_profile *p0 = in[0].p;
    struct mctx c;
    struct hearth_profile *m = NULL;
    uint32_t nt = p0->ntypes, i, ncom = 0;
    enum hearth_err e = HEARTH_OK;
    size_t s, k, bytes = 0;

    (void)lim;
    *out = NULL;
    memset(&c, 0, sizeof(c));
    /* unit normalisation: one unit per column for all inputs */
    for (i = 0; i < nt; i++) {
        size_t w = unit_pick(in, n, type_unit_of, i);
        const char *tgt = S(in[w].p, in[w].p->type_unit[i]).ptr;
        for (k = 0; k < n; k++) {
            double r = ratio(S(in[k].p, in[k].p->type_unit[i]).ptr, tgt);
            for (s = 0; s < in[k].p->nsamples; s++)
                in[k].vals[s * nt + i] = round_scale(in[k].vals[s * nt + i], r);
        }
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        goto out_nomem;
    hearth_arena_init(&m->arena, 256 * 1024, 0);
    hearth_intern_init(&c.strs, &m->arena, 0);
    hearth_seqmap_init(&c.fkeys);
    hearth_seqmap_init(&c.mkeys);
    hearth_seqmap_init(&c.lkeys);
    c.m = m;
    if (hearth_intern_add(&c.strs, "", 0) != 0)
        goto out_nomem;
    m->ntypes = nt;
    m->type_name = malloc((nt + 1) * sizeof(uint32_t));
    m->type_unit = malloc((nt + 1) * sizeof(uint32_t));
    if (!m->type_name || !m->type_unit)
        goto out_nomem;
    for (i = 0; i < nt; i++) {
        size_t w = unit_pick(in, n, type_unit_of, i);
        m->type_name[i] = istr(&c, p0, p0->type_name[i]);
        m->type_unit[i] = istr(&c, in[w].p, in[w].p->type_unit[i]);
    }
    {
        size_t w = unit_pick(in, n, period_unit_of, 0);
        const char *tgt = S(in[w].p, in[w].p->period_unit).ptr, *u;
        m->period_type = istr(&c, p0, p0->period_type);
        m->period_unit = istr(&c, in[w].p, in[w].p->period_unit);
        for (k = 0; k < n; k++) {
            int64_t pk = hearth_go_int64(
                hearth_unit_scale(in[k].p->period, S(in[k].p, in[k].p->period_unit).ptr, tgt, &u));
            if (k == 0 || pk > m->period)
                m->period = pk;
        }
    }
    m->time_nanos = p0->time_nanos;
    for (k = 0; k < n; k++) {
        const struct hearth_profile *p = in[k].p;
        if (k > 0) {
            m->duration_nanos = hearth_add64(m->duration_nanos, p->duration_nanos);
            if (m->time_nanos == 0 || p->time_nanos < m->time_nanos)
                m->time_nanos = p->time_nanos;
        } else {
            m->duration_nanos = p->duration_nanos;
        }
        if (m->default_type == 0)
            m->default_type = istr(&c, p, p->default_type);
        ncom += p->ncomments;
        bytes += p->bytes;
    }
    m->drop_frames = istr(&c, p0, p0->drop_frames);
    m->keep_frames = istr(&c, p0, p0->keep_frames);
    m->doc_url = istr(&c, p0, p0->doc_url);
    m->comments = malloc((ncom + 1) * sizeof(uint32_t));
    if (!m->comments)
        goto out_nomem;
    for (k = 0; k < n; k++) {
        const struct hearth_profile *p = in[k].p;
        for (i = 0; i < p->ncomments; i++) {
            uint32_t ci = istr(&c, p, p->comments[i]), j;
            for (j = 0; j < m->ncomments && m->comments[j] != ci; j++)
                ;
            if (j == m->ncomments)
                m->comments[m->ncomments++] = ci;
        }
    }
    for (k = 0; k < n; k++) {
        e = add_samples(&c, in[k].p, in[k].vals, in[k].side, in[k].base_label);
        if (e)
            goto out_fail;
    }
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
    for (k = 0; k < n && !in[k].side; k++)
        ;
    if (k == n) {
        /* no base: a plain profile, as decoded ones are (views treat s_side as a diff) */
        free(m->s_side);
        m->s_side = NULL;
    }
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
        m->fake_mapping = p0->fake_mapping;
    }
    m->str = hearth_intern_detach(&c.strs, &m->nstr);
    m->bytes = m->arena.used + bytes;
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
    return e;
}

static int64_t *copy_vals(const struct hearth_profile *p)
{
    int64_t *v = malloc((p->nsamples * p->ntypes + 1) * sizeof(*v));

    if (v)
        memcpy(v, p->s_val, p->nsamples * p->ntypes * sizeof(*v));
    return v;
}

enum hearth_err hearth_merge_diff(const struct hearth_profile *src,
                                  const struct hearth_profile *base, enum hearth_diff_mode mode,
                                  bool normalize, const struct hearth_limits *lim,
                                  struct hearth_profile **out, struct hearth_errmsg *em)
{
    struct min in[2];
    uint32_t nt = src->ntypes, i;
    enum hearth_err e;
    size_t s;

    *out = NULL;
    e = check_pair(src, base, normalize, em);
    if (e)
        return e;
    memset(in, 0, sizeof(in));
    in[0].p = src;
    in[1].p = base;
    in[1].side = 1;
    in[1].base_label = mode == HEARTH_DIFF_DIFF_BASE;
    in[0].vals = copy_vals(src);
    in[1].vals = copy_vals(base);
    if (!in[0].vals || !in[1].vals) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory merging profiles");
        goto out_free;
    }
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
                in[0].vals[s * nt + i] = round_scale(in[0].vals[s * nt + i], r);
        }
    }
    for (s = 0; s < base->nsamples * nt; s++)
        in[1].vals[s] = round_scale(in[1].vals[s], -1);
    e = merge_build(in, 2, lim, out, em);
out_free:
    free(in[0].vals);
    free(in[1].vals);
    return e;
}

enum hearth_err hearth_merge_many(const struct hearth_profile *const *ps, size_t n,
                                  const struct hearth_limits *lim, struct hearth_profile **out,
                                  struct hearth_errmsg *em)
{
    struct min *in = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t k, samples = 0;

    *out = NULL;
    if (n == 0)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no profiles to merge");
    if (n > HEARTH_LIMIT_MERGE_PROFILES)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "%zu profiles to merge; at most %d", n,
                                 HEARTH_LIMIT_MERGE_PROFILES);
    for (k = 0; k < n; k++) {
        if (k > 0) {
            e = check_pair(ps[0], ps[k], false, em);
            if (e)
                return e;
        }
        samples += ps[k]->nsamples;
    }
    if (samples > lim->max_samples)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "the merged profile would hold %zu samples; at most %zu "
                                 "(max_samples)",
                                 samples, lim->max_samples);
    in = calloc(n, sizeof(*in));
    if (!in)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory merging profiles");
    for (k = 0; k < n; k++) {
        in[k].p = ps[k];
        in[k].vals = copy_vals(ps[k]);
        if (!in[k].vals) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory merging profiles");
            goto out_free;
        }
    }
    e = merge_build(in, n, lim, out, em);
out_free:
    for (k = 0; k < n; k++)
        free(in[k].vals);
    free(in);
    return e;
}
