/* labels.c - -tagroot/-tagleaf pseudo frames; see labels.h. */
#define _GNU_SOURCE /* qsort_r */
#include "hearth/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/intern.h"
#include "hearth/jsonw.h"
#include "hearth/num.h"
#include "hearth/units.h"

#include "hearth/banned.h"

static struct hearth_str S(const struct hearth_profile *p, uint32_t i) {
    return hearth_pstr(p, i);
}

static bool
str_is(struct hearth_str a, const char *b, size_t bl)
{
    return a.len == bl && !memcmp(a.ptr, b, bl);
}

/* A copy of n bytes with room for extra more (never NULL for n + extra = 0). */
static void *dup_grow(const void *src, size_t n, size_t extra)
{
    void *d = malloc(n + extra + 1);

    if (d && n)
        memcpy(d, src, n);
    return d;
}

/* Comma-separated keys without the empty ones, as pointers into a copy. */
struct keys {
    char *buf;
    const char **k;
    uint32_t n;
};

static bool split_keys(const char *spec, struct keys *ks)
{
    size_t len = spec ? strlen(spec) : 0, i;
    char *p;

    memset(ks, 0, sizeof(*ks));
    ks->buf = malloc(len + 1);
    ks->k = malloc((len / 2 + 2) * sizeof(*ks->k));
    if (!ks->buf || !ks->k)
        return false;
    if (len)
        memcpy(ks->buf, spec, len);
    ks->buf[len] = '\0';
    p = ks->buf;
    for (i = 0; i <= len; i++) {
        if (ks->buf[i] != ',' && ks->buf[i] != '\0')
            continue;
        ks->buf[i] = '\0';
        if (*p)
            ks->k[ks->n++] = p;
        p = ks->buf + i + 1;
    }
    return true;
}

static void keys_free(struct keys *ks)
{
    free(ks->buf);
    free(ks->k);
}

/*
 * The pseudo frame name of key k in sample smp: its string values, then
 * its numeric values formatted as pprof's formatLabelValues does, joined
 * by ",". Returns false when b failed.
 */
static bool label_values(const struct hearth_profile *p, size_t smp, const char *k,
                         const char *unit, struct hearth_buf *b)
{
    uint32_t a = p->s_lab_off[smp], e = p->s_lab_off[smp + 1], i;
    size_t kl = strlen(k);
    bool any = false, units = false;

    hearth_buf_reset(b);
    for (i = a; i < e; i++) {
        struct hearth_str v;
        if (p->lab_str[i] == 0 || !str_is(S(p, p->lab_key[i]), k, kl))
            continue;
        v = S(p, p->lab_str[i]);
        if (any)
            hearth_buf_addch(b, ',');
        hearth_buf_add(b, v.ptr, v.len);
        any = true;
    }
    for (i = a; i < e; i++)
        if (p->lab_str[i] == 0 && p->lab_unit[i] != 0 && str_is(S(p, p->lab_key[i]), k, kl))
            units = true;
    for (i = a; i < e; i++) {
        char lab[128];
        if (p->lab_str[i] != 0 || !str_is(S(p, p->lab_key[i]), k, kl))
            continue;
        /* a key with units formats each value from its own unit (maybe none) */
        hearth_unit_label(lab, sizeof(lab), p->lab_num[i], units ? S(p, p->lab_unit[i]).ptr : "",
                          units ? unit : "");
        if (any)
            hearth_buf_addch(b, ',');
        hearth_buf_addstr(b, lab);
        any = true;
    }
    return !b->fail;
}

/* Appends sample smp's locations to frames at w; returns the new end. */
static size_t copy_locs(const struct hearth_profile *p, size_t smp, uint32_t *frames, size_t w)
{
    size_t n = p->s_loc_off[smp + 1] - p->s_loc_off[smp];

    if (n)
        memcpy(frames + w, p->s_locs + p->s_loc_off[smp], n * sizeof(*frames));
    return w + n;
}

enum hearth_err hearth_label_frames(const struct hearth_profile *p, const char *rootkeys,
                                    const char *leafkeys, const char *unit,
                                    struct hearth_profile **out, uint32_t *nroot, uint32_t *nleaf,
                                    struct hearth_errmsg *em)
{
    struct hearth_profile *np = NULL;
    struct keys rk = {NULL, NULL, 0}, lk = {NULL, NULL, 0};
    struct hearth_intern strs;
    struct hearth_u64map locmap;
    struct hearth_buf b;
    uint32_t *pname = NULL, *pkey = NULL, npseudo = 0, pcap = 0, i, *frames = NULL;
    size_t smp, nlabs = p->s_lab_off[p->nsamples], nlocs = p->s_loc_off[p->nsamples], w = 0;
    enum hearth_err e = HEARTH_E_NOMEM;
    bool map_ok;

    *out = NULL;
    memset(&strs, 0, sizeof(strs));
    hearth_buf_init(&b, (size_t)1 << 24);
    map_ok = hearth_u64map_init(&locmap, 64);
    if (!split_keys(rootkeys, &rk) || !split_keys(leafkeys, &lk) || !map_ok)
        goto out_free;
    *nroot = rk.n;
    *nleaf = lk.n;
    np = calloc(1, sizeof(*np));
    if (!np)
        goto out_free;
    *np = *p;
    np->s_loc_off = NULL;
    hearth_arena_init(&np->arena, 64 * 1024, 0);
    hearth_intern_init(&strs, &np->arena, 0);
    /* the strings keep their indices; the new ones follow */
    for (i = 0; i < p->nstr; i++)
        if (hearth_intern_add(&strs, p->str[i].ptr, p->str[i].len) != i) {
            e = HEARTH_E_CORRUPT;
            goto out_free;
        }
    frames = malloc((nlocs + p->nsamples * (size_t)(rk.n + lk.n) + 1) * sizeof(*frames));
    np->s_loc_off = malloc((p->nsamples + 1) * sizeof(*np->s_loc_off));
    if (!frames || !np->s_loc_off)
        goto out_free;
    for (smp = 0; smp < p->nsamples; smp++) {
        uint32_t k;
        np->s_loc_off[smp] = (uint32_t)w;
        for (k = 0; k < lk.n + rk.n; k++) {
            /* leaf keys last to first, the sample's locations, root keys last to first */
            const char *key = k < lk.n ? lk.k[lk.n - 1 - k] : rk.k[rk.n - 1 - (k - lk.n)];
            uint32_t nm, ky, loc, old;
            int r;
            if (k == lk.n)
                w = copy_locs(p, smp, frames, w);
            if (!label_values(p, smp, key, unit, &b))
                goto out_free;
            nm = hearth_intern_add(&strs, b.ptr ? b.ptr : "", b.len);
            ky = hearth_intern_add(&strs, key, strlen(key));
            if (nm == HEARTH_NONE || ky == HEARTH_NONE)
                goto out_free;
            loc = p->nloc + npseudo;
            r = hearth_u64map_put(&locmap, (uint64_t)nm << 32 | ky, loc, &old);
            if (r < 0)
                goto out_free;
            if (r == 0) {
                loc = old;
            } else {
                if (npseudo == pcap) {
                    uint32_t nc = pcap ? pcap * 2 : 64, *a = realloc(pname, nc * sizeof(*a)), *c;
                    if (!a)
                        goto out_free;
                    pname = a;
                    c = realloc(pkey, nc * sizeof(*c));
                    if (!c)
                        goto out_free;
                    pkey = c;
                    pcap = nc;
                }
                pname[npseudo] = nm;
                pkey[npseudo] = ky;
                npseudo++;
            }
            frames[w++] = loc;
        }
        if (rk.n == 0)
            w = copy_locs(p, smp, frames, w);
    }
    np->s_loc_off[p->nsamples] = (uint32_t)w;
    /* copies of everything else, so that hearth_profile_free() works on np */
    np->str = hearth_intern_detach(&strs, &np->nstr);
    if (!np->str)
        goto out_free;
    np->s_locs = frames;
    frames = NULL;
    np->type_name = dup_grow(p->type_name, p->ntypes * sizeof(uint32_t), 0);
    np->type_unit = dup_grow(p->type_unit, p->ntypes * sizeof(uint32_t), 0);
    np->comments = dup_grow(p->comments, p->ncomments * sizeof(uint32_t), 0);
    np->map_start = dup_grow(p->map_start, p->nmap * sizeof(uint64_t), 0);
    np->map_limit = dup_grow(p->map_limit, p->nmap * sizeof(uint64_t), 0);
    np->map_offset = dup_grow(p->map_offset, p->nmap * sizeof(uint64_t), 0);
    np->map_file = dup_grow(p->map_file, p->nmap * sizeof(uint32_t), 0);
    np->map_build_id = dup_grow(p->map_build_id, p->nmap * sizeof(uint32_t), 0);
    np->map_flags = dup_grow(p->map_flags, p->nmap, 0);
    np->fn_name = dup_grow(p->fn_name, p->nfunc * 4, npseudo * 4);
    np->fn_sysname = dup_grow(p->fn_sysname, p->nfunc * 4, npseudo * 4);
    np->fn_file = dup_grow(p->fn_file, p->nfunc * 4, npseudo * 4);
    np->fn_start_line = dup_grow(p->fn_start_line, p->nfunc * 8, npseudo * 8);
    np->loc_map = dup_grow(p->loc_map, p->nloc * 4, npseudo * 4);
    np->loc_addr = dup_grow(p->loc_addr, p->nloc * 8, npseudo * 8);
    np->loc_folded = dup_grow(p->loc_folded, p->nloc, npseudo);
    np->loc_line_off = dup_grow(p->loc_line_off, (p->nloc + 1) * 4, npseudo * 4);
    np->line_fn = dup_grow(p->line_fn, p->nlines * 4, npseudo * 4);
    np->line_no = dup_grow(p->line_no, p->nlines * 8, npseudo * 8);
    np->s_val = dup_grow(p->s_val, p->nsamples * p->ntypes * 8, 0);
    np->s_lab_off = dup_grow(p->s_lab_off, (p->nsamples + 1) * 4, 0);
    np->lab_key = dup_grow(p->lab_key, nlabs * 4, 0);
    np->lab_str = dup_grow(p->lab_str, nlabs * 4, 0);
    np->lab_unit = dup_grow(p->lab_unit, nlabs * 4, 0);
    np->lab_num = dup_grow(p->lab_num, nlabs * 8, 0);
    np->s_side = p->s_side ? dup_grow(p->s_side, p->nsamples, 0) : NULL;
    if (!np->str || !np->type_name || !np->type_unit || !np->comments || !np->map_start ||
        !np->map_limit || !np->map_offset || !np->map_file || !np->map_build_id || !np->map_flags ||
        !np->fn_name || !np->fn_sysname || !np->fn_file || !np->fn_start_line || !np->loc_map ||
        !np->loc_addr || !np->loc_folded || !np->loc_line_off || !np->line_fn || !np->line_no ||
        !np->s_val || !np->s_lab_off || !np->lab_key || !np->lab_str || !np->lab_unit ||
        !np->lab_num || (p->s_side && !np->s_side))
        goto out_free;
    for (i = 0; i < npseudo; i++) {
        uint32_t f = p->nfunc + i, l = p->nloc + i, ln = p->nlines + i;
        np->fn_name[f] = pname[i];
        np->fn_sysname[f] = 0;
        np->fn_file[f] = pkey[i];
        np->fn_start_line[f] = 0;
        np->loc_map[l] = HEARTH_NONE;
        np->loc_addr[l] = 0;
        np->loc_folded[l] = 0;
        np->loc_line_off[l + 1] = ln + 1;
        np->line_fn[ln] = f;
        np->line_no[ln] = 0;
    }
    np->nfunc += npseudo;
    np->nloc += npseudo;
    np->nlines += npseudo;
    np->bytes = p->bytes + w * 4;
    *out = np;
    np = NULL;
    e = HEARTH_OK;
out_free:
    if (np && !np->str) {
        /* the arrays np shares with p must not be freed: only what was made here */
        free(np->s_loc_off);
        hearth_arena_release(&np->arena);
        free(np);
        np = NULL;
    }
    hearth_profile_free(np);
    hearth_intern_release(&strs);
    hearth_u64map_release(&locmap);
    hearth_buf_release(&b);
    keys_free(&rk);
    keys_free(&lk);
    free(frames);
    free(pname);
    free(pkey);
    if (e == HEARTH_E_CORRUPT)
        return hearth_errmsg_set(em, e, "tagroot: the profile's strings are not unique");
    if (e)
        return hearth_errmsg_set(em, e, "out of memory adding label frames");
    return HEARTH_OK;
}
