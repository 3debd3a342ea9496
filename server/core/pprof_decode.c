/*
 * pprof_decode.c - profile.proto bytes -> struct hearth_profile.
 *
 * The only includer of profile.pb-c.h. Unpacking a whole Profile with
 * protobuf-c costs about 5x the decompressed size, so instead a thin walker
 * reads the top-level fields itself and hands each sub-message (Sample,
 * Location, Function, Mapping, ValueType) to protobuf-c one at a time,
 * unpacking into a small arena that is reset after every message.
 *
 * One pass over the top level reads the bytes as they are inflated (a
 * second thread inflates into a small ring of chunks, so the whole
 * decompressed profile is never held). Samples usually come first in Go's
 * output, before the ids and strings they refer to, so each Sample is kept
 * as a compact record: its bytes without the values, deduplicated, with the
 * values of equal records summed (the adds wrap, so the order of the sums
 * does not matter). After the last byte, the records are resolved in order
 * of first appearance, which is the order pprof's own merge keeps.
 * Validation follows pprof (docs: pprof-semantics.md 1.3-1.4).
 */
#include "hearth/profile.h"
#include "hearth/num.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hearth/gz.h"
#include "hearth/legacy.h"
#include "profile.pb-c.h"

#include "hearth/banned.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

struct rd {
    const unsigned char *p, *end;
};

static bool rd_varint(struct rd *r, uint64_t *v)
{
    uint64_t x = 0;
    int shift;

    if (r->p < r->end && *r->p < 0x80) { /* most keys, lengths and small ids */
        *v = *r->p++;
        return true;
    }
    for (shift = 0; shift < 70; shift += 7) {
        unsigned char b;
        if (r->p >= r->end)
            return false;
        b = *r->p++;
        if (shift == 63 && b > 1)
            return false;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* Reads a field header; for LEN fields also the payload bounds. */
static bool rd_field(struct rd *r, uint32_t *num, int *wt, uint64_t *val, struct rd *sub)
{
    uint64_t key, n;

    if (!rd_varint(r, &key))
        return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return false;
    switch (*wt) {
    case WT_VARINT:
        return rd_varint(r, val);
    case WT_I64:
        if (r->end - r->p < 8)
            return false;
        memcpy(val, r->p, 8);
        r->p += 8;
        return true;
    case WT_I32: {
        uint32_t v32;
        if (r->end - r->p < 4)
            return false;
        memcpy(&v32, r->p, 4);
        r->p += 4;
        *val = v32;
        return true;
    }
    case WT_LEN:
        if (!rd_varint(r, &n) || n > (uint64_t)(r->end - r->p))
            return false;
        sub->p = r->p;
        sub->end = r->p + n;
        r->p += n;
        return true;
    default: /* groups and invalid wire types: Go's decoder refuses them */
        return false;
    }
}

/*
 * The decoder's input: the bytes of the profile in chunks, from memory or
 * from the inflater. A field that straddles two chunks is copied into tmp;
 * the payload a read returns is valid until the next read.
 */
struct stream {
    const unsigned char *p, *end; /* unread part of the current chunk */
    bool (*next)(void *ctx, const unsigned char **p, size_t *n); /* false at the end */
    void *ctx;
    bool eof, nomem;
    size_t total;
    unsigned char *tmp;
    size_t tmpcap;
};

static bool st_fill(struct stream *st)
{
    while (st->p == st->end) {
        const unsigned char *p;
        size_t n;
        if (st->eof)
            return false;
        if (!st->next(st->ctx, &p, &n)) {
            st->eof = true;
            return false;
        }
        st->p = p;
        st->end = p + n;
        st->total += n;
    }
    return true;
}

/* Reads everything left (so that an error of the source shows). */
static void st_drain(struct stream *st)
{
    while (st_fill(st))
        st->p = st->end;
}

static bool st_varint(struct stream *st, uint64_t *v)
{
    uint64_t x = 0;
    int shift;

    if (st->end - st->p >= 10) {
        struct rd r = {st->p, st->end};
        bool ok = rd_varint(&r, v);
        st->p = r.p;
        return ok;
    }
    for (shift = 0; shift < 70; shift += 7) {
        unsigned char b;
        if (!st_fill(st))
            return false;
        b = *st->p++;
        if (shift == 63 && b > 1)
            return false;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* The next n bytes in one piece (copied only when they straddle chunks). */
static bool st_take(struct stream *st, uint64_t n, struct rd *sub)
{
    size_t have = 0;

    if ((uint64_t)(st->end - st->p) >= n) {
        sub->p = st->p;
        sub->end = st->p + n;
        st->p += n;
        return true;
    }
    while (have < n) {
        size_t take;
        if (!st_fill(st))
            return false;
        take = (size_t)(st->end - st->p);
        if (take > n - have)
            take = (size_t)(n - have);
        if (have + take > st->tmpcap) {
            size_t nc = st->tmpcap ? st->tmpcap : 4096;
            unsigned char *nt;
            while (nc < have + take)
                nc *= 2;
            nt = realloc(st->tmp, nc);
            if (!nt) {
                st->nomem = true;
                return false;
            }
            st->tmp = nt;
            st->tmpcap = nc;
        }
        memcpy(st->tmp + have, st->p, take);
        have += take;
        st->p += take;
    }
    sub->p = st->tmp;
    sub->end = st->tmp + have;
    return true;
}

/* rd_field() on the stream. */
static bool st_field(struct stream *st, uint32_t *num, int *wt, uint64_t *val, struct rd *sub)
{
    uint64_t key, n;

    if (!st_varint(st, &key))
        return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return false;
    switch (*wt) {
    case WT_VARINT:
        return st_varint(st, val);
    case WT_I64:
        if (!st_take(st, 8, sub))
            return false;
        memcpy(val, sub->p, 8);
        return true;
    case WT_I32: {
        uint32_t v32;
        if (!st_take(st, 4, sub))
            return false;
        memcpy(&v32, sub->p, 4);
        *val = v32;
        return true;
    }
    case WT_LEN:
        return st_varint(st, &n) && st_take(st, n, sub);
    default: /* groups and invalid wire types: Go's decoder refuses them */
        return false;
    }
}

static bool mem_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct rd *m = ctx;

    if (m->p == m->end)
        return false;
    *p = m->p;
    *n = (size_t)(m->end - m->p);
    m->p = m->end;
    return true;
}

struct raw_label {
    int64_t key, str, num, num_unit;
};

/*
 * One Sample, decoded by hand: samples are the bulk of every profile and
 * this path is 3x faster than protobuf-c's table-driven unpack. It accepts
 * exactly what the generated unpacker accepts for this message: packed or
 * unpacked repeated scalars in any mix, unknown fields skipped, groups and
 * wrong wire types refused.
 */
struct raw_sample {
    uint64_t *loc;
    int64_t *val;
    struct raw_label *lab;
    size_t nloc, nval, nlab, loccap, valcap, labcap;
};

/*
 * The records, one after the other in one buffer: {number of values, number
 * of bytes}, the values (int64), then the bytes, padded to 8; a lookup reads
 * one slot and one record, and the values are summed where they are kept.
 * Slots hold the hash's upper half and the index + 1 (0 = empty); the index
 * of a slot comes from the same half.
 */
struct rec {
    uint32_t nval, nb;
};

#define REC_BATCH 16

struct recs {
    unsigned char *buf;
    size_t used, size;
    size_t *at; /* record index -> offset in buf */
    size_t n, cap;
    uint64_t *slots;
    size_t nslots;
    /*
     * Records waiting to be added, REC_BATCH at most: their slots (and then
     * the records found there) are fetched ahead while the batch is read,
     * so the lookups of a batch wait on memory together, not one by one.
     */
    unsigned char *bb; /* the waiting records' bytes */
    int64_t *bv;       /* and values */
    size_t bbused, bbcap, bvused, bvcap, nwait;
    struct {
        uint64_t h;
        size_t boff, voff;
        uint32_t nb, nval;
    } wait[REC_BATCH];
};

static inline struct rec *rec_at(const struct recs *r, size_t i)
{
    return (struct rec *)(void *)(r->buf + r->at[i]);
}

static void recs_release(struct recs *r)
{
    free(r->buf);
    free(r->at);
    free(r->slots);
    free(r->bb);
    free(r->bv);
    memset(r, 0, sizeof(*r));
}

static void recs_drop_index(struct recs *r)
{
    free(r->slots);
    r->slots = NULL;
    r->nslots = 0;
}

static inline int64_t *rec_vals(struct rec *x)
{
    return (int64_t *)(void *)(x + 1);
}

static inline const unsigned char *rec_bytes(const struct rec *x)
{
    return (const unsigned char *)(x + 1) + (size_t)x->nval * 8;
}

static bool recs_rehash(struct recs *r, size_t nslots)
{
    uint64_t *ns = calloc(nslots, sizeof(*ns));
    size_t i;

    if (!ns)
        return false;
    for (i = 0; i < r->nslots; i++) {
        uint64_t sl = r->slots[i];
        size_t j;
        if (!sl)
            continue;
        for (j = (size_t)(sl >> 32) & (nslots - 1); ns[j]; j = (j + 1) & (nslots - 1))
            ;
        ns[j] = sl;
    }
    free(r->slots);
    r->slots = ns;
    r->nslots = nslots;
    return true;
}

/* Room for a new record of sz bytes (a multiple of 8) at r->used; false on no memory. */
static bool recs_room(struct recs *r, size_t sz)
{
    size_t nc = r->size ? r->size : (size_t)1 << 16;
    unsigned char *nb;

    if (r->size - r->used >= sz)
        return true;
    while (nc - r->used < sz) {
        if (nc > SIZE_MAX / 2)
            return false;
        nc *= 2;
    }
    nb = realloc(r->buf, nc);
    if (!nb)
        return false;
    r->buf = nb;
    r->size = nc;
    return true;
}

/*
 * Sums vals into the record of bytes[0..nb) with nval values, which is
 * added if new. Returns false on no memory.
 */
static bool recs_add(struct recs *r, const unsigned char *bytes, uint32_t nb, const int64_t *vals,
                     uint32_t nval, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j, k, sz;
    struct rec *x;

    if ((r->n + 1) * 2 > r->nslots) {
        if (r->n >= UINT32_MAX - 2 || !recs_rehash(r, r->nslots ? r->nslots * 2 : 4096))
            return false;
    }
    for (j = tag & (r->nslots - 1); r->slots[j]; j = (j + 1) & (r->nslots - 1)) {
        uint64_t sl = r->slots[j];
        int64_t *sum;
        if ((uint32_t)(sl >> 32) != tag)
            continue;
        x = rec_at(r, (uint32_t)sl - 1);
        if (x->nb != nb || x->nval != nval || memcmp(rec_bytes(x), bytes, nb) != 0)
            continue;
        sum = rec_vals(x);
        for (k = 0; k < nval; k++)
            sum[k] = hearth_add64(sum[k], vals[k]);
        return true;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 1024;
        size_t *na = realloc(r->at, nc * sizeof(*na));
        if (!na)
            return false;
        r->at = na;
        r->cap = nc;
    }
    sz = sizeof(struct rec) + (size_t)nval * 8 + (((size_t)nb + 7) & ~(size_t)7);
    if (!recs_room(r, sz))
        return false;
    x = (struct rec *)(void *)(r->buf + r->used);
    x->nval = nval;
    x->nb = nb;
    if (nval)
        memcpy(rec_vals(x), vals, (size_t)nval * 8);
    if (nb)
        memcpy((unsigned char *)rec_bytes(x), bytes, nb);
    r->at[r->n] = r->used;
    r->used += sz;
    r->slots[j] = (uint64_t)tag << 32 | (uint32_t)(r->n + 1);
    r->n++;
    return true;
}

/* Adds the waiting records, in order. */
static bool recs_flush(struct recs *r)
{
    size_t i;
    bool ok = true;

    if (r->nslots) {
        for (i = 0; i < r->nwait; i++) {
            uint32_t tag = (uint32_t)(r->wait[i].h >> 32);
            uint64_t sl = r->slots[tag & (r->nslots - 1)];
            if (sl && (uint32_t)(sl >> 32) == tag)
                __builtin_prefetch(r->buf + r->at[(uint32_t)sl - 1]);
        }
    }
    for (i = 0; i < r->nwait && ok; i++)
        ok = recs_add(r, r->bb + r->wait[i].boff, r->wait[i].nb, r->bv + r->wait[i].voff,
                      r->wait[i].nval, r->wait[i].h);
    r->nwait = r->bbused = r->bvused = 0;
    return ok;
}

struct dec {
    const struct hearth_limits *lim;
    struct hearth_errmsg *em;
    struct hearth_profile *p;
    struct hearth_arena scratch;
    ProtobufCAllocator pb;

    /* String table: raw index -> interned index. */
    size_t nraw, rawcap;
    uint32_t *remap;
    struct hearth_intern in;

    /* Raw string indices recorded before the string table is known. */
    int64_t *pend;
    size_t npend, pendcap;

    /* Pass-1 records still holding pprof ids. */
    uint64_t *loc_map_id, *line_fn_id;
    struct hearth_u64map fn_ids, loc_ids, map_ids;
    uint32_t *loc_canon;     /* location index -> first location with pprof's merge key */
    uint32_t *shash, *sidx1; /* samples by merge key (sample_key()) */
    size_t nsslots;
    uint32_t *key2;
    size_t key2cap;
    struct raw_sample rs;
    /*
     * Sample records read before the ids are known (struct rec, below): a
     * record is a Sample's bytes without its values, with the summed values
     * of every Sample of the same bytes beside them.
     */
    struct recs recs;
    bool bad_sample; /* a malformed Sample came after the records kept */
    uint32_t *key;
    size_t keycap;
    size_t nsample_msgs;
    bool seen_time;
    bool dup_seen;
    uint64_t dup_id;
    const char *dup_what;
};

#define CORRUPT(d, ...) hearth_errmsg_set((d)->em, HEARTH_E_CORRUPT, __VA_ARGS__)

/* Grow *arr (elements of size sz) so that index n fits; cap elements max. */
static bool vgrow(void *arrp, size_t *cap, size_t n, size_t sz)
{
    void **arr = arrp;
    size_t nc;
    void *np;

    if (n < *cap)
        return true;
    nc = *cap ? *cap * 2 : 64;
    while (nc <= n)
        nc *= 2;
    if (nc > SIZE_MAX / sz)
        return false;
    np = realloc(*arr, nc * sz);
    if (!np)
        return false;
    *arr = np;
    *cap = nc;
    return true;
}

/*
 * Remember a string index to validate and remap once the table is complete;
 * returns the slot, which the caller stores in place of the string.
 */
static enum hearth_err pend_str(struct dec *d, int64_t idx, uint32_t *slot)
{
    if (!vgrow(&d->pend, &d->pendcap, d->npend, sizeof(*d->pend)))
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    d->pend[d->npend] = idx;
    *slot = (uint32_t)d->npend++;
    return HEARTH_OK;
}

static enum hearth_err unpack_error(struct dec *d, const char *what)
{
    if (d->scratch.exhausted)
        return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE,
                                 "parsing profile: a %s message is larger than the limit", what);
    return CORRUPT(d, "parsing profile: malformed %s message", what);
}

struct tmp_arrays {
    size_t typecap, typecap2, comcap, mapcap, fncap, loccap, linecap;
};

static enum hearth_err add_value_type(struct dec *d, struct rd *sub, uint32_t *name, uint32_t *unit)
{
    Perftools__Profiles__ValueType *vt;
    enum hearth_err e;

    hearth_arena_reset(&d->scratch);
    vt = perftools__profiles__value_type__unpack(&d->pb, (size_t)(sub->end - sub->p), sub->p);
    if (!vt)
        return unpack_error(d, "ValueType");
    e = pend_str(d, vt->type, name);
    if (!e)
        e = pend_str(d, vt->unit, unit);
    return e;
}

static enum hearth_err check_id(struct dec *d, struct hearth_u64map *m, uint64_t id, uint32_t idx,
                                const char *what)
{
    int r;

    if (id == 0)
        return CORRUPT(d, "malformed profile: found %s with reserved id=0", what);
    r = hearth_u64map_put(m, id, idx, NULL);
    if (r < 0)
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    if (r == 0 && !d->dup_seen) {
        /* Reported after samples, as pprof checks samples first. */
        d->dup_seen = true;
        d->dup_id = id;
        d->dup_what = what;
    }
    return HEARTH_OK;
}

static bool push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v);

/*
 * Keeps one Sample as a record: its values (field 2) are read now and
 * summed into the record of the same other bytes; the rest (locations,
 * labels, unknown fields) is checked and decoded in pass 2, once per
 * record. A Sample whose fields cannot be split, or whose values are
 * malformed, ends the records: pass 2 reports it after the ones before it.
 */
static enum hearth_err keep_sample(struct dec *d, struct rd m)
{
    struct raw_sample *rs = &d->rs;
    size_t len = (size_t)(m.end - m.p), nb = 0;
    unsigned char *bytes;
    uint32_t num;
    int wt;
    uint64_t v;
    struct rd f;

    if (d->bad_sample)
        return HEARTH_OK;
    if (len > UINT32_MAX)
        return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE,
                                 "parsing profile: a Sample message is larger than the limit");
    if (!vgrow(&d->recs.bb, &d->recs.bbcap, d->recs.bbused + len, 1))
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    bytes = d->recs.bb + d->recs.bbused;
    rs->nval = 0;
    while (m.p < m.end) {
        const unsigned char *start = m.p;
        if (!rd_field(&m, &num, &wt, &v, &f))
            goto out_bad;
        if (num != 2) {
            memcpy(bytes + nb, start, (size_t)(m.p - start));
            nb += (size_t)(m.p - start);
            continue;
        }
        if (wt == WT_VARINT) {
            if (!push_u64((uint64_t **)&rs->val, &rs->nval, &rs->valcap, v))
                goto out_nomem;
        } else if (wt == WT_LEN) {
            while (f.p < f.end) {
                if (!rd_varint(&f, &v))
                    goto out_bad;
                if (!push_u64((uint64_t **)&rs->val, &rs->nval, &rs->valcap, v))
                    goto out_nomem;
            }
        } else {
            goto out_bad;
        }
    }
    if (rs->nval > UINT32_MAX)
        goto out_bad;
    {
        struct recs *r = &d->recs;
        size_t w = r->nwait;
        if (!vgrow(&r->bv, &r->bvcap, r->bvused + rs->nval, sizeof(*r->bv)))
            goto out_nomem;
        if (rs->nval)
            memcpy(r->bv + r->bvused, rs->val, rs->nval * sizeof(*r->bv));
        r->wait[w].h = hearth_hash_bytes(bytes, nb, 7 + (uint64_t)rs->nval);
        if (r->nslots)
            __builtin_prefetch(&r->slots[(uint32_t)(r->wait[w].h >> 32) & (r->nslots - 1)]);
        r->wait[w].boff = r->bbused;
        r->wait[w].voff = r->bvused;
        r->wait[w].nb = (uint32_t)nb;
        r->wait[w].nval = (uint32_t)rs->nval;
        r->bbused += nb;
        r->bvused += rs->nval;
        if (++r->nwait == REC_BATCH && !recs_flush(r))
            goto out_nomem;
    }
    return HEARTH_OK;
out_bad:
    d->bad_sample = true;
    return HEARTH_OK;
out_nomem:
    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
}

static enum hearth_err pass1(struct dec *d, struct stream *st)
{
    struct hearth_profile *p = d->p;
    struct tmp_arrays cap = {0};
    struct rd sub = {NULL, NULL};
    enum hearth_err e = HEARTH_OK;
    uint32_t num;
    int wt;
    uint64_t v;

    while (st_fill(st)) {
        if (!st_field(st, &num, &wt, &v, &sub)) {
            if (st->nomem)
                return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
            return CORRUPT(d, "parsing profile: malformed protobuf (bad field header or length)");
        }
        switch (num) {
        case 1: /* sample_type */
            if (wt != WT_LEN)
                goto out_wiretype;
            if (p->ntypes >= d->lim->max_sample_types)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many sample types");
            if (!vgrow(&p->type_name, &cap.typecap, p->ntypes, sizeof(uint32_t)) ||
                !vgrow(&p->type_unit, &cap.typecap2, p->ntypes, sizeof(uint32_t))) {
                return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
            }
            e = add_value_type(d, &sub, &p->type_name[p->ntypes], &p->type_unit[p->ntypes]);
            if (e)
                return e;
            p->ntypes++;
            break;
        case 2: /* sample: kept as a record, resolved in pass 2 */
            if (wt != WT_LEN)
                goto out_wiretype;
            if (++d->nsample_msgs > d->lim->max_samples)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE,
                                         "too many samples (limit max_samples = %zu)",
                                         d->lim->max_samples);
            e = keep_sample(d, sub);
            if (e)
                return e;
            break;
        case 3: { /* mapping */
            Perftools__Profiles__Mapping *m;
            uint32_t i = p->nmap;
            size_t c0 = cap.mapcap;
            if (wt != WT_LEN)
                goto out_wiretype;
            if (i >= d->lim->max_mappings)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many mappings");
            hearth_arena_reset(&d->scratch);
            m = perftools__profiles__mapping__unpack(&d->pb, (size_t)(sub.end - sub.p), sub.p);
            if (!m)
                return unpack_error(d, "Mapping");
            if (i >= c0) {
                size_t nc = c0 ? c0 * 2 : 16;
                void *a = realloc(p->map_start, nc * 8), *b2, *c, *f, *g, *h;
                if (a)
                    p->map_start = a;
                b2 = realloc(p->map_limit, nc * 8);
                if (b2)
                    p->map_limit = b2;
                c = realloc(p->map_offset, nc * 8);
                if (c)
                    p->map_offset = c;
                f = realloc(p->map_file, nc * 4);
                if (f)
                    p->map_file = f;
                g = realloc(p->map_build_id, nc * 4);
                if (g)
                    p->map_build_id = g;
                h = realloc(p->map_flags, nc);
                if (h)
                    p->map_flags = h;
                if (!a || !b2 || !c || !f || !g || !h)
                    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                cap.mapcap = nc;
            }
            p->map_start[i] = m->memory_start;
            p->map_limit[i] = m->memory_limit;
            p->map_offset[i] = m->file_offset;
            p->map_flags[i] = (uint8_t)((m->has_functions ? HEARTH_MAP_HAS_FUNCTIONS : 0) |
                                        (m->has_filenames ? HEARTH_MAP_HAS_FILENAMES : 0) |
                                        (m->has_line_numbers ? HEARTH_MAP_HAS_LINE_NUMBERS : 0) |
                                        (m->has_inline_frames ? HEARTH_MAP_HAS_INLINE_FRAMES : 0));
            e = pend_str(d, m->filename, &p->map_file[i]);
            if (e)
                return e;
            e = pend_str(d, m->build_id, &p->map_build_id[i]);
            if (e)
                return e;
            e = check_id(d, &d->map_ids, m->id, i, "mapping");
            if (e)
                return e;
            p->nmap++;
            break;
        }
        case 4: { /* location */
            Perftools__Profiles__Location *l;
            uint32_t i = p->nloc;
            size_t k, c0 = cap.loccap;
            if (wt != WT_LEN)
                goto out_wiretype;
            if (i >= d->lim->max_locations)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many locations");
            hearth_arena_reset(&d->scratch);
            l = perftools__profiles__location__unpack(&d->pb, (size_t)(sub.end - sub.p), sub.p);
            if (!l)
                return unpack_error(d, "Location");
            if (i + 1 >= c0) {
                size_t nc = c0 ? c0 * 2 : 256;
                void *a = realloc(d->loc_map_id, nc * 8), *b2, *c, *f;
                if (a)
                    d->loc_map_id = a;
                b2 = realloc(p->loc_addr, nc * 8);
                if (b2)
                    p->loc_addr = b2;
                c = realloc(p->loc_folded, nc);
                if (c)
                    p->loc_folded = c;
                f = realloc(p->loc_line_off, nc * 4);
                if (f)
                    p->loc_line_off = f;
                if (!a || !b2 || !c || !f)
                    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                cap.loccap = nc;
            }
            if (l->n_line > d->lim->max_lines - p->nlines)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many lines");
            d->loc_map_id[i] = l->mapping_id;
            p->loc_addr[i] = l->address;
            p->loc_folded[i] = l->is_folded ? 1 : 0;
            p->loc_line_off[i] = p->nlines;
            for (k = 0; k < l->n_line; k++) {
                size_t c1 = cap.linecap;
                if (p->nlines >= c1) {
                    size_t nc = c1 ? c1 * 2 : 256;
                    void *a = realloc(d->line_fn_id, nc * 8), *b2;
                    if (a)
                        d->line_fn_id = a;
                    b2 = realloc(p->line_no, nc * 8);
                    if (b2)
                        p->line_no = b2;
                    if (!a || !b2)
                        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                    cap.linecap = nc;
                }
                d->line_fn_id[p->nlines] = l->line[k]->function_id;
                p->line_no[p->nlines] = l->line[k]->line;
                p->nlines++;
            }
            e = check_id(d, &d->loc_ids, l->id, i, "location");
            if (e)
                return e;
            p->nloc++;
            break;
        }
        case 5: { /* function */
            Perftools__Profiles__Function *f;
            uint32_t i = p->nfunc;
            size_t c0 = cap.fncap;
            if (wt != WT_LEN)
                goto out_wiretype;
            if (i >= d->lim->max_functions)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many functions");
            hearth_arena_reset(&d->scratch);
            f = perftools__profiles__function__unpack(&d->pb, (size_t)(sub.end - sub.p), sub.p);
            if (!f)
                return unpack_error(d, "Function");
            if (i >= c0) {
                size_t nc = c0 ? c0 * 2 : 256;
                void *a = realloc(p->fn_name, nc * 4), *b2, *c, *g;
                if (a)
                    p->fn_name = a;
                b2 = realloc(p->fn_sysname, nc * 4);
                if (b2)
                    p->fn_sysname = b2;
                c = realloc(p->fn_file, nc * 4);
                if (c)
                    p->fn_file = c;
                g = realloc(p->fn_start_line, nc * 8);
                if (g)
                    p->fn_start_line = g;
                if (!a || !b2 || !c || !g)
                    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                cap.fncap = nc;
            }
            p->fn_start_line[i] = f->start_line;
            e = pend_str(d, f->name, &p->fn_name[i]);
            if (e)
                return e;
            e = pend_str(d, f->system_name, &p->fn_sysname[i]);
            if (e)
                return e;
            e = pend_str(d, f->filename, &p->fn_file[i]);
            if (e)
                return e;
            e = check_id(d, &d->fn_ids, f->id, i, "function");
            if (e)
                return e;
            p->nfunc++;
            break;
        }
        case 6: /* string_table */
            if (wt != WT_LEN)
                goto out_wiretype;
            if (d->nraw >= d->lim->max_strings)
                return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many strings");
            if (!vgrow(&d->remap, &d->rawcap, d->nraw, sizeof(*d->remap)))
                return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
            if (d->nraw == 0 && sub.end != sub.p)
                return CORRUPT(d, "malformed profile: string table entry 0 is not empty");
            d->remap[d->nraw] =
                hearth_intern_add(&d->in, (const char *)sub.p, (size_t)(sub.end - sub.p));
            if (d->remap[d->nraw] == HEARTH_NONE)
                return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory interning strings");
            d->nraw++;
            break;
        case 7:
        case 8:
        case 9:
        case 10:
        case 12:
        case 14:
        case 15: {
            uint32_t *slot = NULL;
            if (wt != WT_VARINT)
                goto out_wiretype;
            switch (num) {
            case 7:
                slot = &p->drop_frames;
                break;
            case 8:
                slot = &p->keep_frames;
                break;
            case 14:
                slot = &p->default_type;
                break;
            case 15:
                slot = &p->doc_url;
                break;
            case 9:
                if (d->seen_time && p->time_nanos != 0)
                    return CORRUPT(d, "parsing profile: concatenated profiles detected");
                d->seen_time = true;
                p->time_nanos = (int64_t)v;
                break;
            case 10:
                p->duration_nanos = (int64_t)v;
                break;
            case 12:
                p->period = (int64_t)v;
                break;
            }
            if (slot) {
                e = pend_str(d, (int64_t)v, slot);
                if (e)
                    return e;
            }
            break;
        }
        case 11: /* period_type: the last one wins */
            if (wt != WT_LEN)
                goto out_wiretype;
            e = add_value_type(d, &sub, &p->period_type, &p->period_unit);
            if (e)
                return e;
            break;
        case 13: { /* comment: packed or not */
            struct rd pk = sub;
            if (wt != WT_VARINT && wt != WT_LEN)
                goto out_wiretype;
            for (;;) {
                if (wt == WT_LEN) {
                    if (pk.p >= pk.end)
                        break;
                    if (!rd_varint(&pk, &v))
                        return CORRUPT(d, "parsing profile: malformed packed comment");
                }
                if (!vgrow(&p->comments, &cap.comcap, p->ncomments, sizeof(uint32_t)))
                    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                e = pend_str(d, (int64_t)v, &p->comments[p->ncomments]);
                if (e)
                    return e;
                p->ncomments++;
                if (wt == WT_VARINT)
                    break;
            }
            break;
        }
        default:
            break; /* unknown field: skipped, whatever its (valid) wire type */
        }
    }
    if (!recs_flush(&d->recs))
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    return HEARTH_OK;

out_wiretype:
    return CORRUPT(d, "parsing profile: field %u has the wrong wire type %d", num, wt);
}

/* Map a raw string index to the interned one, or fail on out-of-range. */
static bool str_ok(struct dec *d, int64_t raw, uint32_t *out)
{
    if (raw < 0 || (uint64_t)raw >= d->nraw)
        return false;
    *out = d->remap[raw];
    return true;
}

static enum hearth_err resolve_strings(struct dec *d)
{
    struct hearth_profile *p = d->p;
    size_t i;
    uint32_t *fields[] = {&p->period_type, &p->period_unit, &p->default_type,
                          &p->drop_frames, &p->keep_frames, &p->doc_url};

    if (d->nraw == 0)
        return CORRUPT(d, "malformed profile: no string table");
        /* Pending slots: every uint32 field recorded by pend_str holds a slot number. */
#define FIX(x)                                                                                     \
    do {                                                                                           \
        uint32_t s_ = (x);                                                                         \
        if (!str_ok(d, d->pend[s_], &(x)))                                                         \
            return CORRUPT(d, "malformed profile: string index %lld out of range",                 \
                           (long long)d->pend[s_]);                                                \
    } while (0)
    for (i = 0; i < p->ntypes; i++) {
        FIX(p->type_name[i]);
        FIX(p->type_unit[i]);
    }
    for (i = 0; i < p->nmap; i++) {
        FIX(p->map_file[i]);
        FIX(p->map_build_id[i]);
    }
    for (i = 0; i < p->nfunc; i++) {
        FIX(p->fn_name[i]);
        FIX(p->fn_sysname[i]);
        FIX(p->fn_file[i]);
    }
    for (i = 0; i < p->ncomments; i++)
        FIX(p->comments[i]);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        /* Header fields never set hold 0, which is not a pend slot: mark via sentinel. */
        FIX(*fields[i]);
    }
#undef FIX
    return HEARTH_OK;
}

static enum hearth_err resolve_locations(struct dec *d)
{
    struct hearth_profile *p = d->p;
    size_t i;

    p->loc_map = malloc((p->nloc + 1) * sizeof(*p->loc_map));
    p->line_fn = malloc((p->nlines + 1) * sizeof(*p->line_fn));
    if (!p->loc_map || !p->line_fn)
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    if (!p->loc_line_off) {
        p->loc_line_off = malloc(sizeof(*p->loc_line_off));
        if (!p->loc_line_off)
            return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    }
    p->loc_line_off[p->nloc] = p->nlines;
    for (i = 0; i < p->nloc; i++)
        p->loc_map[i] =
            d->loc_map_id[i] ? hearth_u64map_get(&d->map_ids, d->loc_map_id[i]) : HEARTH_NONE;
    for (i = 0; i < p->nloc; i++) {
        uint32_t k;
        for (k = p->loc_line_off[i]; k < p->loc_line_off[i + 1]; k++) {
            uint64_t fid = d->line_fn_id[k];
            p->line_fn[k] = fid ? hearth_u64map_get(&d->fn_ids, fid) : HEARTH_NONE;
            if (p->line_fn[k] == HEARTH_NONE)
                return CORRUPT(d, "malformed profile: location %zu has a line with nil function",
                               i + 1);
        }
    }
    return HEARTH_OK;
}

/* Append v to key k (two uint32 halves). */
static size_t key64(uint32_t *k, size_t n, uint64_t v)
{
    k[n] = (uint32_t)v;
    k[n + 1] = (uint32_t)(v >> 32);
    return n + 2;
}

/*
 * pprof merges every profile it reads with itself (profile.Merge), which folds
 * equal functions (start line, name, system name, file), equal mappings (size
 * rounded up to 4 KiB, file offset, build id or else file) and equal locations
 * (address relative to the mapping, mapping, folded bit, lines) into one.
 * Functions and mappings are rewritten to the first of their kind (a
 * location's address moves with its mapping's start); d->loc_canon maps each
 * location to the first equal one, and pass 2 stores that in the samples.
 */
static enum hearth_err canonicalize(struct dec *d)
{
    struct hearth_profile *p = d->p;
    struct hearth_seqmap fm, mm, lm;
    uint32_t *frep = NULL, *mrep = NULL, *key = NULL, *first = NULL;
    size_t i, keycap, maxlines = 0, most = p->nloc;
    enum hearth_err e = HEARTH_OK;
    bool added;

    hearth_seqmap_init(&fm);
    hearth_seqmap_init(&mm);
    hearth_seqmap_init(&lm);
    for (i = 0; i < p->nloc; i++)
        if (p->loc_line_off[i + 1] - p->loc_line_off[i] > maxlines)
            maxlines = p->loc_line_off[i + 1] - p->loc_line_off[i];
    keycap = 8 + 3 * maxlines;
    /* the counts bound the classes: no table regrows on the way */
    if (!hearth_seqmap_reserve(&fm, p->nfunc, (size_t)p->nfunc * 5) ||
        !hearth_seqmap_reserve(&mm, p->nmap, (size_t)p->nmap * 5) ||
        !hearth_seqmap_reserve(&lm, p->nloc, (size_t)p->nloc * 4 + (size_t)p->nlines * 3))
        goto out_nomem;
    frep = malloc((p->nfunc + 1) * sizeof(*frep));
    mrep = malloc((p->nmap + 1) * sizeof(*mrep));
    d->loc_canon = malloc((p->nloc + 1) * sizeof(*d->loc_canon));
    key = malloc(keycap * sizeof(*key));
    if (p->nfunc > most)
        most = p->nfunc;
    if (p->nmap > most)
        most = p->nmap;
    first = malloc((most + 1) * sizeof(*first)); /* class -> its first member */
    if (!frep || !mrep || !d->loc_canon || !key || !first)
        goto out_nomem;
    for (i = 0; i < p->nfunc; i++) {
        size_t n = key64(key, 0, (uint64_t)p->fn_start_line[i]);
        uint32_t c;
        key[n++] = p->fn_name[i];
        key[n++] = p->fn_sysname[i];
        key[n++] = p->fn_file[i];
        c = hearth_seqmap_add(&fm, key, n, &added);
        if (c == HEARTH_NONE)
            goto out_nomem;
        if (added)
            first[c] = (uint32_t)i;
        frep[i] = first[c];
    }
    for (i = 0; i < p->nmap; i++) {
        uint64_t size = p->map_limit[i] - p->map_start[i];
        size_t n;
        uint32_t c;
        size = size + 0x1000 - 1;
        size -= size % 0x1000;
        n = key64(key, 0, size);
        n = key64(key, n, p->map_offset[i]);
        key[n++] = p->map_build_id[i] ? p->map_build_id[i] : p->map_file[i];
        c = hearth_seqmap_add(&mm, key, n, &added);
        if (c == HEARTH_NONE)
            goto out_nomem;
        if (added)
            first[c] = (uint32_t)i;
        mrep[i] = first[c];
    }
    for (i = 0; i < p->nlines; i++)
        if (p->line_fn[i] != HEARTH_NONE)
            p->line_fn[i] = frep[p->line_fn[i]];
    for (i = 0; i < p->nloc; i++) {
        uint32_t m = p->loc_map[i], c, x;
        uint64_t rel = p->loc_addr[i];
        size_t n;
        if (m != HEARTH_NONE && mrep[m] != m) {
            p->loc_addr[i] += p->map_start[mrep[m]] - p->map_start[m];
            m = p->loc_map[i] = mrep[m];
        }
        if (m != HEARTH_NONE)
            rel = p->loc_addr[i] - p->map_start[m];
        n = key64(key, 0, rel);
        key[n++] = m;
        key[n++] = p->loc_folded[i];
        for (x = p->loc_line_off[i]; x < p->loc_line_off[i + 1]; x++) {
            key[n++] = p->line_fn[x];
            n = key64(key, n, (uint64_t)p->line_no[x]);
        }
        c = hearth_seqmap_add(&lm, key, n, &added);
        if (c == HEARTH_NONE)
            goto out_nomem;
        if (added)
            first[c] = (uint32_t)i;
        d->loc_canon[i] = first[c];
    }
    goto out_free;
out_nomem:
    e = hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
out_free:
    free(frep);
    free(mrep);
    free(key);
    free(first);
    hearth_seqmap_release(&fm);
    hearth_seqmap_release(&mm);
    hearth_seqmap_release(&lm);
    return e;
}

/*
 * Index of the first kept sample with the merge key of sample s (s itself,
 * added, if none). The table holds sample indices only: a probe that hits
 * the same hash rebuilds the other sample's key from the model, so the keys
 * are never stored twice.
 */
static enum hearth_err sample_key(struct dec *d, uint32_t s, uint32_t *id, bool *added)
{
    const struct hearth_profile *p = d->p;
    size_t n;
    size_t mask = d->nsslots - 1, j;
    uint64_t h;

    n = hearth__sample_key(p, p->s_locs + p->s_loc_off[s], p->s_loc_off[s + 1] - p->s_loc_off[s],
                           p->s_lab_off[s], p->s_lab_off[s + 1], &d->key, &d->keycap);
    if (!n)
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    h = hearth_hash_bytes(d->key, n * sizeof(*d->key), 7);
    for (j = h & mask; d->sidx1[j]; j = (j + 1) & mask) {
        uint32_t c = d->sidx1[j] - 1;
        size_t m;
        if (d->shash[j] != (uint32_t)(h >> 32))
            continue;
        m = hearth__sample_key(p, p->s_locs + p->s_loc_off[c],
                               p->s_loc_off[c + 1] - p->s_loc_off[c], p->s_lab_off[c],
                               p->s_lab_off[c + 1], &d->key2, &d->key2cap);
        if (!m)
            return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
        if (m == n && !memcmp(d->key, d->key2, n * sizeof(*d->key))) {
            *id = c;
            *added = false;
            return HEARTH_OK;
        }
    }
    d->shash[j] = (uint32_t)(h >> 32);
    d->sidx1[j] = s + 1;
    *id = s;
    *added = true;
    return HEARTH_OK;
}

/* After merging, samples whose values are all zero disappear (as in pprof). */
static void drop_zero_samples(struct hearth_profile *p, size_t *nlocs, size_t *nlabs)
{
    size_t r, w = 0, lw = 0, bw = 0, k;

    for (r = 0; r < p->nsamples; r++) {
        uint32_t a = p->s_loc_off[r], b = p->s_loc_off[r + 1];
        uint32_t la = p->s_lab_off[r], lb = p->s_lab_off[r + 1];
        bool zero = true;
        for (k = 0; k < p->ntypes; k++)
            if (p->s_val[r * p->ntypes + k] != 0)
                zero = false;
        if (zero)
            continue;
        if (w != r) {
            memmove(p->s_val + w * p->ntypes, p->s_val + r * p->ntypes,
                    p->ntypes * sizeof(*p->s_val));
            if (b > a)
                memmove(p->s_locs + lw, p->s_locs + a, (b - a) * sizeof(*p->s_locs));
            if (lb > la) {
                memmove(p->lab_key + bw, p->lab_key + la, (lb - la) * sizeof(uint32_t));
                memmove(p->lab_str + bw, p->lab_str + la, (lb - la) * sizeof(uint32_t));
                memmove(p->lab_unit + bw, p->lab_unit + la, (lb - la) * sizeof(uint32_t));
                memmove(p->lab_num + bw, p->lab_num + la, (lb - la) * sizeof(int64_t));
            }
        }
        p->s_loc_off[w] = (uint32_t)lw;
        p->s_lab_off[w] = (uint32_t)bw;
        lw += b - a;
        bw += lb - la;
        w++;
    }
    p->nsamples = w;
    p->s_loc_off[w] = (uint32_t)lw;
    p->s_lab_off[w] = (uint32_t)bw;
    *nlocs = lw;
    *nlabs = bw;
}

static bool push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        uint64_t *na = realloc(*a, nc * sizeof(*na));
        if (!na)
            return false;
        *a = na;
        *cap = nc;
    }
    (*a)[(*n)++] = v;
    return true;
}

/* Returns 0 ok, 1 malformed, 2 no memory. */
static int decode_sample(struct rd r, struct raw_sample *rs)
{
    uint32_t num;
    int wt;
    uint64_t v;
    struct rd sub;

    rs->nloc = rs->nval = rs->nlab = 0;
    while (r.p < r.end) {
        if (!rd_field(&r, &num, &wt, &v, &sub))
            return 1;
        if (num == 1 || num == 2) {
            uint64_t **arr = num == 1 ? &rs->loc : (uint64_t **)&rs->val;
            size_t *n = num == 1 ? &rs->nloc : &rs->nval;
            size_t *cap = num == 1 ? &rs->loccap : &rs->valcap;
            if (wt == WT_VARINT) {
                if (!push_u64(arr, n, cap, v))
                    return 2;
            } else if (wt == WT_LEN) {
                while (sub.p < sub.end) {
                    if (!rd_varint(&sub, &v))
                        return 1;
                    if (!push_u64(arr, n, cap, v))
                        return 2;
                }
            } else {
                return 1;
            }
        } else if (num == 3) {
            struct raw_label lb = {0, 0, 0, 0};
            struct rd lr = sub, ls;
            if (wt != WT_LEN)
                return 1;
            while (lr.p < lr.end) {
                if (!rd_field(&lr, &num, &wt, &v, &ls))
                    return 1;
                if (num >= 1 && num <= 4) {
                    if (wt != WT_VARINT)
                        return 1;
                    if (num == 1)
                        lb.key = (int64_t)v;
                    else if (num == 2)
                        lb.str = (int64_t)v;
                    else if (num == 3)
                        lb.num = (int64_t)v;
                    else
                        lb.num_unit = (int64_t)v;
                }
            }
            if (rs->nlab == rs->labcap) {
                size_t nc = rs->labcap ? rs->labcap * 2 : 16;
                struct raw_label *na = realloc(rs->lab, nc * sizeof(*na));
                if (!na)
                    return 2;
                rs->lab = na;
                rs->labcap = nc;
            }
            rs->lab[rs->nlab++] = lb;
        }
    }
    return 0;
}

struct samp_cap {
    size_t locs, vals, labs, n;
};

static enum hearth_err pass2(struct dec *d)
{
    struct hearth_profile *p = d->p;
    struct samp_cap cap = {0};
    size_t nlocs = 0, nlabs = 0, s = 0, u, nrec = d->recs.n;

    p->s_loc_off = malloc((nrec + 1) * sizeof(*p->s_loc_off));
    p->s_lab_off = malloc((nrec + 1) * sizeof(*p->s_lab_off));
    if (p->ntypes && nrec > SIZE_MAX / 8 / p->ntypes)
        return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many samples");
    p->s_val = malloc((nrec * p->ntypes + 1) * sizeof(*p->s_val));
    for (d->nsslots = 16; d->nsslots < 2 * nrec; d->nsslots *= 2)
        ;
    d->shash = malloc(d->nsslots * sizeof(*d->shash));
    d->sidx1 = calloc(d->nsslots, sizeof(*d->sidx1));
    if (!p->s_loc_off || !p->s_lab_off || !p->s_val || !d->shash || !d->sidx1)
        return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    if (d->nsample_msgs && p->ntypes == 0)
        return CORRUPT(d, "malformed profile: samples without sample types");
    {
        /*
         * A location id takes a byte at least, so the records' bytes bound
         * the frames: one allocation, of which only the used part is ever
         * touched (no growth by copies and page faults on the way).
         */
        size_t bound = 0;
        for (u = 0; u < nrec; u++)
            bound += rec_at(&d->recs, u)->nb;
        if (bound > d->lim->max_frames)
            bound = d->lim->max_frames;
        if (!vgrow(&p->s_locs, &cap.locs, bound, sizeof(uint32_t)))
            return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
    }

    for (u = 0; u < nrec; u++) {
        struct raw_sample *sm = &d->rs;
        struct rec *rk = rec_at(&d->recs, u);
        const unsigned char *rb = rec_bytes(rk);
        const int64_t *vals = rec_vals(rk);
        size_t nval = rk->nval, k;
        struct rd rr = {rb, rb + rk->nb};

        {
            int r2 = decode_sample(rr, &d->rs);
            if (r2 == 2)
                return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
            if (r2)
                return CORRUPT(d, "parsing profile: malformed Sample message");
        }
        if (nval != p->ntypes)
            return CORRUPT(d, "malformed profile: mismatch: sample has %zu values vs. %u types",
                           nval, p->ntypes);
        if (sm->nloc > d->lim->max_depth)
            return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE,
                                     "a sample has %zu frames (limit max_depth = %zu)", sm->nloc,
                                     d->lim->max_depth);
        if (sm->nloc > d->lim->max_frames - nlocs)
            return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many frames in all samples");
        if (sm->nlab > d->lim->max_labels - nlabs)
            return hearth_errmsg_set(d->em, HEARTH_E_TOO_LARGE, "too many labels");
        if (!vgrow(&p->s_locs, &cap.locs, nlocs + sm->nloc, sizeof(uint32_t)))
            return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
        p->s_loc_off[s] = (uint32_t)nlocs;
        for (k = 0; k < sm->nloc; k++) {
            uint32_t li = hearth_u64map_get(&d->loc_ids, sm->loc[k]);
            if (li == HEARTH_NONE || sm->loc[k] == 0)
                return CORRUPT(d, "malformed profile: sample has nil location (id %llu)",
                               (unsigned long long)sm->loc[k]);
            p->s_locs[nlocs++] = d->loc_canon[li];
        }
        p->s_lab_off[s] = (uint32_t)nlabs;
        for (k = 0; k < sm->nlab; k++) {
            const struct raw_label *lb = &sm->lab[k];
            uint32_t key, str, unit;
            if (!str_ok(d, lb->key, &key) || !str_ok(d, lb->str, &str) ||
                !str_ok(d, lb->num_unit, &unit))
                return CORRUPT(d, "malformed profile: label string index out of range");
            if (lb->str == 0 && lb->num == 0 && lb->num_unit == 0)
                continue; /* key-only labels vanish, as in pprof */
            if (nlabs >= cap.labs) {
                size_t nc = cap.labs ? cap.labs * 2 : 256;
                void *a = realloc(p->lab_key, nc * 4), *b2, *c, *e2;
                if (a)
                    p->lab_key = a;
                b2 = realloc(p->lab_str, nc * 4);
                if (b2)
                    p->lab_str = b2;
                c = realloc(p->lab_unit, nc * 4);
                if (c)
                    p->lab_unit = c;
                e2 = realloc(p->lab_num, nc * 8);
                if (e2)
                    p->lab_num = e2;
                if (!a || !b2 || !c || !e2)
                    return hearth_errmsg_set(d->em, HEARTH_E_NOMEM, "out of memory");
                cap.labs = nc;
            }
            p->lab_key[nlabs] = key;
            p->lab_str[nlabs] = lb->str ? str : 0;
            p->lab_unit[nlabs] = lb->str ? 0 : unit;
            p->lab_num[nlabs] = lb->str ? 0 : lb->num;
            nlabs++;
        }
        /* pprof merges samples with identical locations and labels */
        {
            uint32_t id;
            bool added;
            enum hearth_err me;
            p->s_loc_off[s + 1] = (uint32_t)nlocs;
            p->s_lab_off[s + 1] = (uint32_t)nlabs;
            me = sample_key(d, (uint32_t)s, &id, &added);
            if (me)
                return me;
            if (!added) {
                for (k = 0; k < p->ntypes; k++)
                    p->s_val[(size_t)id * p->ntypes + k] =
                        hearth_add64(p->s_val[(size_t)id * p->ntypes + k], vals[k]);
                nlocs = p->s_loc_off[s];
                nlabs = p->s_lab_off[s];
                continue;
            }
        }
        memcpy(p->s_val + s * p->ntypes, vals, p->ntypes * sizeof(int64_t));
        s++;
    }
    if (d->bad_sample)
        return CORRUPT(d, "parsing profile: malformed Sample message");
    p->nsamples = s;
    p->nsample_msgs = d->nsample_msgs;
    p->s_loc_off[s] = (uint32_t)nlocs;
    p->s_lab_off[s] = (uint32_t)nlabs;
    drop_zero_samples(p, &nlocs, &nlabs);
    p->bytes += nlocs * 4 + nlabs * 20 + s * (8 + 8 * p->ntypes);
    return HEARTH_OK;
}

static enum hearth_err decode_proto_mem(const unsigned char *buf, size_t len,
                                        const struct hearth_limits *lim, struct hearth_profile *p,
                                        struct hearth_errmsg *em);

static bool looks_like_text(const unsigned char *b, size_t n)
{
    size_t i, lim = n < 512 ? n : 512;

    for (i = 0; i < lim; i++) {
        unsigned char c = b[i];
        if (c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f)
            return false;
    }
    return n > 0;
}

/* A hint for inputs that are no profile at all (pprof only says "unrecognized"). */
static void html_hint(struct hearth_errmsg *em, const unsigned char *b, size_t n)
{
    size_t sp = 0;

    if (looks_like_text(b, n))
        hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                          "parsing profile: unrecognized profile format (this text is neither "
                          "profile.proto nor a legacy profile that pprof reads)");

    while (sp < n && sp < 64 && (b[sp] == ' ' || b[sp] == '\n' || b[sp] == '\r' || b[sp] == '\t'))
        sp++;
    if (sp < n && b[sp] == '<')
        hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                          "this is an HTML or XML page, not a profile (for Go, fetch a profile "
                          "endpoint such as /debug/pprof/heap)");
}

/*
 * pprof reads a legacy format when the bytes are not profile.proto (but not
 * after "concatenated profiles"). Returns HEARTH_OK with *p replaced by the
 * converted profile, or an error (the proto one if no legacy reader knows
 * the input).
 */
static enum hearth_err try_legacy(const unsigned char *buf, size_t len,
                                  const struct hearth_limits *lim, enum hearth_err proto_err,
                                  struct hearth_profile **pp, struct hearth_errmsg *em)
{
    struct hearth_errmsg lem;
    unsigned char *pb = NULL;
    size_t pblen = 0;
    const char *fmt = NULL;
    bool rec = false;
    enum hearth_err e;
    struct hearth_profile *p;

    if (strstr(em->msg, "concatenated profiles"))
        return proto_err;
    e = hearth_legacy_convert(buf, len, lim, &rec, &pb, &pblen, &fmt, &lem);
    if (e == HEARTH_E_TOO_LARGE && strstr(lem.msg, "bufio.Scanner") && !looks_like_text(buf, len))
        return proto_err; /* binary with no newline: the protobuf's reason says more */
    if (e) {
        memcpy(em, &lem, sizeof(lem));
        return e;
    }
    if (!rec) {
        if (proto_err == HEARTH_E_CORRUPT)
            html_hint(em, buf, len);
        return proto_err;
    }
    hearth_profile_free(*pp);
    *pp = NULL;
    p = calloc(1, sizeof(*p));
    if (!p) {
        free(pb);
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
    hearth_arena_init(&p->arena, 256 * 1024, lim->max_model);
    e = decode_proto_mem(pb, pblen, lim, p, em);
    free(pb);
    if (e) {
        hearth_profile_free(p);
        return e;
    }
    p->converted_from = fmt;
    *pp = p;
    return HEARTH_OK;
}

static void decoder_release(struct dec *d)
{
    hearth_arena_release(&d->scratch);
    free(d->remap);
    recs_release(&d->recs);
    free(d->pend);
    free(d->loc_map_id);
    free(d->line_fn_id);
    hearth_intern_release(&d->in);
    free(d->loc_canon);
    hearth_u64map_release(&d->fn_ids);
    hearth_u64map_release(&d->loc_ids);
    hearth_u64map_release(&d->map_ids);
    free(d->shash);
    free(d->sidx1);
    free(d->key2);
    free(d->key);
    free(d->rs.loc);
    free(d->rs.val);
    free(d->rs.lab);
}

static enum hearth_err add_fake_mapping(struct hearth_profile *p)
{
    size_t i;

    p->map_start = calloc(1, 8);
    p->map_limit = calloc(1, 8);
    p->map_offset = calloc(1, 8);
    p->map_file = calloc(1, 4);
    p->map_build_id = calloc(1, 4);
    p->map_flags = calloc(1, 1);
    if (!p->map_start || !p->map_limit || !p->map_offset || !p->map_file || !p->map_build_id ||
        !p->map_flags)
        return HEARTH_E_NOMEM;
    p->nmap = 1;
    p->fake_mapping = true;
    for (i = 0; i < p->nloc; i++)
        p->loc_map[i] = 0;
    return HEARTH_OK;
}

static enum hearth_err decode_proto(struct stream *st, const struct hearth_limits *lim,
                                    struct hearth_profile *p, struct hearth_errmsg *em)
{
    struct dec d;
    enum hearth_err e;
    uint32_t zero_slot;

    memset(&d, 0, sizeof(d));
    d.lim = lim;
    d.em = em;
    d.p = p;
    hearth_arena_init(&d.scratch, 64 * 1024, lim->max_message);
    hearth_arena_pb_allocator(&d.scratch, &d.pb);
    hearth_intern_init(&d.in, &p->arena, lim->max_strings);
    if (!hearth_u64map_init(&d.fn_ids, 1024) || !hearth_u64map_init(&d.loc_ids, 1024) ||
        !hearth_u64map_init(&d.map_ids, 16)) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_release;
    }
    /* Header string fields start as a pending slot holding index 0. */
    e = pend_str(&d, 0, &zero_slot);
    if (e)
        goto out_release;
    p->period_type = p->period_unit = p->default_type = zero_slot;
    p->drop_frames = p->keep_frames = p->doc_url = zero_slot;

    e = pass1(&d, st);
    if (e)
        goto out_release;
    recs_drop_index(&d.recs);
    e = resolve_strings(&d);
    if (e)
        goto out_release;
    e = resolve_locations(&d);
    if (e)
        goto out_release;
    e = canonicalize(&d);
    if (e)
        goto out_release;
    hearth_u64map_densify(&d.loc_ids);
    e = pass2(&d);
    if (e)
        goto out_release;
    if (d.dup_seen) {
        e = CORRUPT(&d, "malformed profile: multiple %ss with same id: %llu", d.dup_what,
                    (unsigned long long)d.dup_id);
        goto out_release;
    }
    if (p->ntypes == 0) {
        e = CORRUPT(&d, "profile has no sample types");
        goto out_release;
    }
    if (p->bytes + p->arena.used > lim->max_model) {
        e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                              "decoded profile needs more than %zu bytes (limit max_model)",
                              lim->max_model);
        goto out_release;
    }
    p->str = hearth_intern_detach(&d.in, &p->nstr);
    if (p->nmap == 0) {
        e = add_fake_mapping(p);
        if (e) {
            hearth_errmsg_set(em, e, "out of memory");
            goto out_release;
        }
    }
    p->bytes += p->arena.used + (size_t)p->nstr * 16 + (size_t)p->nloc * 25 +
                (size_t)p->nlines * 12 + (size_t)p->nfunc * 20;
out_release:
    decoder_release(&d);
    return e;
}

static enum hearth_err decode_proto_mem(const unsigned char *buf, size_t len,
                                        const struct hearth_limits *lim, struct hearth_profile *p,
                                        struct hearth_errmsg *em)
{
    struct rd m = {buf, buf + len};
    struct stream st = {0};
    enum hearth_err e;

    st.next = mem_next;
    st.ctx = &m;
    e = decode_proto(&st, lim, p, em);
    free(st.tmp);
    return e;
}

/*
 * The inflater as a stream source. Past GZ_THREAD_MIN compressed bytes a
 * second thread inflates ahead into a ring of GZ_SLOTS chunks, so inflating
 * and decoding run on two cores and at most the ring is held; smaller
 * inputs inflate one chunk at a time in the caller's thread. The
 * consumer holds one chunk (the one it reads) until its next call.
 */
#define GZ_CHUNK      ((size_t)256 << 10)
#define GZ_SLOTS      8
#define GZ_THREAD_MIN ((size_t)256 << 10)

struct gzsrc {
    struct hearth_gunz g;
    unsigned char *buf[GZ_SLOTS];
    size_t len[GZ_SLOTS];
    size_t head, count; /* next slot to read; slots filled (the held one too) */
    bool held, done, stop, threaded;
    enum hearth_err err; /* the inflater's, once done */
    struct hearth_errmsg em;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
};

static void *gz_producer(void *arg)
{
    struct gzsrc *s = arg;
    size_t tail = 0, n = 0;
    enum hearth_err e;
    unsigned char *b;

    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->count == GZ_SLOTS && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        b = s->buf[tail % GZ_SLOTS];
        pthread_mutex_unlock(&s->mu);
        e = hearth_gunz_read(&s->g, b, GZ_CHUNK, &n, &s->em);
        pthread_mutex_lock(&s->mu);
        if (e || n == 0) {
            s->err = e;
            s->done = true;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            break;
        }
        s->len[tail % GZ_SLOTS] = n;
        tail++;
        s->count++;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* The chunks are freed as soon as the last one is read (the decoder's peak comes after). */
static void gz_free_ring(struct gzsrc *s)
{
    size_t i;

    for (i = 0; i < GZ_SLOTS; i++) {
        free(s->buf[i]);
        s->buf[i] = NULL;
    }
}

static bool gz_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct gzsrc *s = ctx;
    bool ok = false;

    if (!s->threaded) {
        enum hearth_err e;
        if (s->done)
            return false;
        e = hearth_gunz_read(&s->g, s->buf[0], GZ_CHUNK, n, &s->em);
        if (e || *n == 0) {
            s->err = e;
            s->done = true;
            gz_free_ring(s);
            return false;
        }
        *p = s->buf[0];
        return true;
    }
    pthread_mutex_lock(&s->mu);
    if (s->held) {
        s->head++;
        s->count--;
        s->held = false;
        pthread_cond_broadcast(&s->cv);
    }
    while (s->count == 0 && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->count > 0) {
        *p = s->buf[s->head % GZ_SLOTS];
        *n = s->len[s->head % GZ_SLOTS];
        s->held = true;
        ok = true;
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok)
        gz_free_ring(s); /* the producer is done with them too */
    return ok;
}

static void gz_close(struct gzsrc *s)
{
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        s->threaded = false;
    }
    gz_free_ring(s);
    hearth_gunz_close(&s->g);
}

/*
 * in[0..len) is the input, or its first piece when refill is set (total is
 * then the whole input's size, which picks the threaded mode).
 */
static enum hearth_err gz_open(struct gzsrc *s, const unsigned char *in, size_t len, size_t total,
                               int (*refill)(void *, const unsigned char **, size_t *),
                               void *refill_ctx, size_t max_out, struct hearth_errmsg *em)
{
    size_t i, nslots = total >= GZ_THREAD_MIN ? GZ_SLOTS : 1;
    enum hearth_err e;

    memset(s, 0, sizeof(*s));
    e = hearth_gunz_open(&s->g, in, len, max_out, em);
    if (e)
        return e;
    s->g.refill = refill;
    s->g.refill_ctx = refill_ctx;
    for (i = 0; i < nslots; i++) {
        s->buf[i] = malloc(GZ_CHUNK);
        if (!s->buf[i]) {
            gz_close(s);
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        }
    }
    if (nslots == 1)
        return HEARTH_OK;
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return HEARTH_OK; /* inflate in this thread instead */
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        return HEARTH_OK;
    }
    s->threaded = true;
    if (pthread_create(&s->th, NULL, gz_producer, s) != 0) {
        s->threaded = false;
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    return HEARTH_OK;
}

bool hearth_pstr_eq(const struct hearth_profile *p, uint32_t i, const char *s)
{
    struct hearth_str x = hearth_pstr(p, i);
    size_t n = strlen(s);

    return x.len == n && memcmp(x.ptr, s, n) == 0;
}

void hearth_profile_free(struct hearth_profile *p)
{
    if (!p)
        return;
    free(p->str);
    free(p->type_name);
    free(p->type_unit);
    free(p->comments);
    free(p->map_start);
    free(p->map_limit);
    free(p->map_offset);
    free(p->map_file);
    free(p->map_build_id);
    free(p->map_flags);
    free(p->fn_name);
    free(p->fn_sysname);
    free(p->fn_file);
    free(p->fn_start_line);
    free(p->loc_map);
    free(p->loc_addr);
    free(p->loc_folded);
    free(p->loc_line_off);
    free(p->line_fn);
    free(p->line_no);
    free(p->s_loc_off);
    free(p->s_locs);
    free(p->s_val);
    free(p->s_lab_off);
    free(p->lab_key);
    free(p->lab_str);
    free(p->lab_unit);
    free(p->lab_num);
    free(p->s_side);
    hearth_arena_release(&p->arena);
    free(p);
}

/*
 * Decodes what the opened source inflates. *gz_failed says the error is the
 * inflater's (those come first, as when the whole input was inflated before
 * decoding).
 */
static enum hearth_err decode_gz(struct gzsrc *gs, const struct hearth_limits *lim,
                                 struct hearth_profile **out, bool *gz_failed,
                                 struct hearth_errmsg *em)
{
    struct stream st = {0};
    struct hearth_profile *p = calloc(1, sizeof(*p));
    enum hearth_err e;

    *out = NULL;
    *gz_failed = false;
    st.next = gz_next;
    st.ctx = gs;
    if (!p) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    } else {
        hearth_arena_init(&p->arena, 256 * 1024, lim->max_model);
        e = decode_proto(&st, lim, p, em);
    }
    st_drain(&st);
    if (gs->err) {
        e = gs->err;
        memcpy(em, &gs->em, sizeof(*em));
        *gz_failed = true;
    } else if (st.total == 0) {
        e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "parsing profile: empty input file");
        *gz_failed = true; /* as an empty gunzip: no legacy reader either */
    }
    free(st.tmp);
    if (e) {
        hearth_profile_free(p);
        return e;
    }
    *out = p;
    return HEARTH_OK;
}

enum hearth_err hearth_profile_decode(const unsigned char *data, size_t len,
                                      const struct hearth_limits *lim, struct hearth_profile **out,
                                      struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    unsigned char *raw = NULL;
    size_t rawlen = len;
    struct hearth_profile *p = NULL;
    struct gzsrc gs;
    struct rd m = {data, data + len};
    struct stream st = {0};
    enum hearth_err e;

    *out = NULL;
    if (!lim)
        lim = &dl;
    if (len == 0)
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "parsing profile: empty input file");
    if (len > lim->max_input)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "profile is %zu bytes, more than the limit of %zu", len,
                                 lim->max_input);
    if (hearth_gz_is_gzip(data, len)) {
        bool gz_failed;
        struct hearth_errmsg gem;
        e = gz_open(&gs, data, len, len, NULL, NULL, lim->max_decompressed, em);
        if (e)
            return e;
        e = decode_gz(&gs, lim, &p, &gz_failed, em);
        gz_close(&gs);
        if ((e != HEARTH_E_CORRUPT && e != HEARTH_E_TOO_LARGE) || gz_failed)
            goto out_done;
        /* The legacy readers take the whole inflated input. */
        if (hearth_gunzip(data, len, lim->max_decompressed, &raw, &rawlen, &gem) == HEARTH_OK)
            e = try_legacy(raw, rawlen, lim, e, &p, em);
        goto out_done;
    }
    if (len > lim->max_decompressed)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "profile is larger than the limit");
    st.next = mem_next;
    st.ctx = &m;
    p = calloc(1, sizeof(*p));
    if (!p) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_done;
    }
    hearth_arena_init(&p->arena, 256 * 1024, lim->max_model);
    e = decode_proto(&st, lim, p, em);
    if (e == HEARTH_E_CORRUPT || e == HEARTH_E_TOO_LARGE)
        e = try_legacy(data, len, lim, e, &p, em);
out_done:
    free(st.tmp);
    if (e) {
        hearth_profile_free(p);
        p = NULL;
    }
    *out = p;
    free(raw);
    return e;
}

/* A gzipped file read in pieces by the inflater. */
#define FILE_PIECE ((size_t)1 << 20)

struct filesrc {
    FILE *f;
    unsigned char *buf;
    size_t total, max;
};

static int file_refill(void *ctx, const unsigned char **in, size_t *len)
{
    struct filesrc *fs = ctx;
    size_t n = fread(fs->buf, 1, FILE_PIECE, fs->f);

    if (n == 0)
        return ferror(fs->f) ? -1 : 0;
    fs->total += n;
    if (fs->total > fs->max)
        return -1; /* grew past the limit while read: the whole-file path words it */
    *in = fs->buf;
    *len = n;
    return 1;
}

/*
 * A regular gzipped file is inflated and decoded as it is read, so neither
 * the file nor the inflated profile is ever held whole. Returns false when
 * this does not apply or the decode fails: the caller then reads the whole
 * file and decodes it the usual way, which also words every error.
 */
static bool load_gz_file(FILE *f, const struct hearth_limits *lim, struct hearth_profile **out)
{
    struct filesrc fs = {f, NULL, 0, lim->max_input};
    struct gzsrc gs;
    struct hearth_errmsg em;
    struct stat sb;
    size_t n;
    bool gz_failed, ok = false;

    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 2 ||
        (uint64_t)sb.st_size > lim->max_input)
        return false;
    fs.buf = malloc(FILE_PIECE);
    if (!fs.buf)
        return false;
    n = fread(fs.buf, 1, FILE_PIECE, f);
    fs.total = n;
    if (hearth_gz_is_gzip(fs.buf, n) && gz_open(&gs, fs.buf, n, (size_t)sb.st_size, file_refill,
                                                &fs, lim->max_decompressed, &em) == HEARTH_OK) {
        ok = decode_gz(&gs, lim, out, &gz_failed, &em) == HEARTH_OK;
        gz_close(&gs);
    }
    free(fs.buf);
    if (!ok)
        rewind(f);
    return ok;
}

enum hearth_err hearth_profile_load(const char *path, const struct hearth_limits *lim,
                                    struct hearth_profile **out, struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    FILE *f;
    unsigned char *buf = NULL, *nb;
    size_t len = 0, cap = 0, n;
    enum hearth_err e;

    *out = NULL;
    if (!lim)
        lim = &dl;
    f = fopen(path, "rb");
    if (!f)
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "%s: %s", path, strerror(errno));
    if (load_gz_file(f, lim, out)) {
        e = HEARTH_OK;
        goto out_close;
    }
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            if (cap > lim->max_input + 1)
                cap = lim->max_input + 1;
            if (len == cap) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "%s: larger than %zu bytes", path,
                                      lim->max_input);
                goto out_close;
            }
            nb = realloc(buf, cap);
            if (!nb) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out_close;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                e = hearth_errmsg_set(em, HEARTH_E_IO, "%s: read error", path);
                goto out_close;
            }
            break;
        }
    }
    e = hearth_profile_decode(buf, len, lim, out, em);
out_close:
    fclose(f);
    free(buf);
    return e;
}
