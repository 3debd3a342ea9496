/*
 * reports.c - pprof's -traces, -tree/-peek, -callgrind, -raw, -comments,
 * -proto and -topproto; see include/hearth/reports.h.
 *
 * The text reports follow Go 1.19 pprof's report package line by line
 * (pprof-oracle.md); the two profile reports write profile.proto with the
 * field order and encodings of pprof's own encoder, gzip-compressed.
 */
#include "hearth/reports.h"
#include "hearth/num.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/graph.h"
#include "hearth/gz.h"
#include "hearth/regex.h"
#include "hearth/units.h"

#include "hearth/banned.h"

static const struct {
    const char *name;
    enum hearth_report r;
} report_names[] = {
    {"traces", HEARTH_REPORT_TRACES},
    {"tree", HEARTH_REPORT_TREE},
    {"peek", HEARTH_REPORT_PEEK},
    {"callgrind", HEARTH_REPORT_CALLGRIND},
    {"kcachegrind", HEARTH_REPORT_CALLGRIND},
    {"raw", HEARTH_REPORT_RAW},
    {"comments", HEARTH_REPORT_COMMENTS},
    {"proto", HEARTH_REPORT_PROTO},
    {"topproto", HEARTH_REPORT_TOPPROTO},
};

bool hearth_report_by_name(const char *name, enum hearth_report *r)
{
    size_t i;

    for (i = 0; i < sizeof(report_names) / sizeof(report_names[0]); i++)
        if (!strcmp(report_names[i].name, name)) {
            *r = report_names[i].r;
            return true;
        }
    return false;
}

bool hearth_report_stacks(enum hearth_report r, const struct hearth_query *user,
                          struct hearth_query *q, unsigned *flags)
{
    *q = *user;
    *flags = 0;
    switch (r) {
    case HEARTH_REPORT_COMMENTS:
        return false;
    case HEARTH_REPORT_TRACES:
        *flags = HEARTH_STACKS_TRACES;
        break;
    case HEARTH_REPORT_RAW:
    case HEARTH_REPORT_PROTO:
        /* pprof writes the profile itself: its file names are not trimmed or cleaned */
        *flags = HEARTH_STACKS_TRACES | HEARTH_STACKS_OBJNAMES | HEARTH_STACKS_RAWFILES;
        q->gran = HEARTH_GRAN_ADDRESSES;
        q->noinlines = false;
        break;
    case HEARTH_REPORT_CALLGRIND:
        *flags = HEARTH_STACKS_OBJNAMES;
        q->gran = HEARTH_GRAN_ADDRESSES;
        q->noinlines = false;
        break;
    default:
        break;
    }
    return true;
}

static enum hearth_err nomem(struct hearth_errmsg *em)
{
    return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
}

static void add_str(struct hearth_buf *b, struct hearth_str s)
{
    hearth_buf_add(b, s.ptr, s.len);
}

static void value_label(char *o, size_t n, const struct hearth_stacks *s, const char *unit,
                        int64_t v)
{
    hearth_unit_label(o, n, v, s->unit, unit);
}

/* ---- traces ---- */

/* The unit pprof gives numeric label key k: its first non-empty unit, else a default. */
static const char *num_unit(const struct hearth_profile *p, uint32_t *cache, uint32_t k)
{
    struct hearth_str key;
    size_t i, n;

    if (cache[k] == HEARTH_NONE) {
        cache[k] = 0;
        n = p->s_lab_off[p->nsamples];
        for (i = 0; i < n; i++)
            if (p->lab_key[i] == k && p->lab_str[i] == 0 && p->lab_unit[i] != 0) {
                cache[k] = p->lab_unit[i];
                break;
            }
    }
    if (cache[k])
        return hearth_pstr(p, cache[k]).ptr;
    key = hearth_pstr(p, k);
    if (!strcmp(key.ptr, "alignment") || !strcmp(key.ptr, "request"))
        return "bytes";
    return key.ptr;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One sample's labels as pprof's -traces prints them: one line per key,
 * "%10s:  v1 v2", string keys sorted, then numeric keys sorted.
 */
static enum hearth_err trace_labels(const struct hearth_profile *p, uint32_t *ucache, size_t smp,
                                    struct hearth_buf *out)
{
    uint32_t a = p->s_lab_off[smp], b = p->s_lab_off[smp + 1], i, j, nl = 0;
    char **lines = NULL;
    enum hearth_err e = HEARTH_OK;
    int pass;

    if (a == b)
        return HEARTH_OK;
    lines = calloc(b - a, sizeof(*lines));
    if (!lines)
        return HEARTH_E_NOMEM;
    for (pass = 0; pass < 2 && !e; pass++) {
        uint32_t first = nl;
        for (i = a; i < b; i++) {
            bool str = p->lab_str[i] != 0, seen = false;
            struct hearth_buf lb;
            if (str != (pass == 0))
                continue;
            for (j = a; j < i && !seen; j++)
                seen = p->lab_key[j] == p->lab_key[i] && (p->lab_str[j] != 0) == str;
            if (seen)
                continue;
            hearth_buf_init(&lb, (size_t)1 << 30);
            hearth_buf_printf(&lb, "%10s:  ", hearth_pstr(p, p->lab_key[i]).ptr);
            for (j = i; j < b; j++) {
                if (p->lab_key[j] != p->lab_key[i] || (p->lab_str[j] != 0) != str)
                    continue;
                if (j != i)
                    hearth_buf_addch(&lb, ' ');
                if (str) {
                    add_str(&lb, hearth_pstr(p, p->lab_str[j]));
                } else {
                    char v[128];
                    hearth_unit_label(v, sizeof(v), p->lab_num[j],
                                      num_unit(p, ucache, p->lab_key[j]), "auto");
                    hearth_buf_addstr(&lb, v);
                }
            }
            hearth_buf_addch(&lb, '\n');
            if (lb.fail) {
                e = lb.fail;
                hearth_buf_release(&lb);
                break;
            }
            lines[nl++] = hearth_buf_detach(&lb, NULL);
        }
        qsort(lines + first, nl - first, sizeof(*lines), cmp_cstr);
    }
    for (i = 0; i < nl; i++) {
        if (!e)
            hearth_buf_addstr(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    return e;
}

static enum hearth_err traces(const struct hearth_profile *p, const struct hearth_stacks *s,
                              const struct hearth_query *q, struct hearth_buf *out,
                              struct hearth_errmsg *em)
{
    static const char sep[] =
        "-----------+-------------------------------------------------------\n";
    const char *unit = q->unit && *q->unit ? q->unit : "minimum";
    uint32_t *ucache = malloc(((size_t)p->nstr + 1) * sizeof(*ucache));
    size_t i, before = out->len;
    enum hearth_err e = HEARTH_OK;

    if (!ucache)
        return nomem(em);
    memset(ucache, 0xff, ((size_t)p->nstr + 1) * sizeof(*ucache));
    hearth_graph_profile_labels(s, unit, out);
    if (out->len == before)
        hearth_buf_addch(out, '\n');
    for (i = 0; i < s->ntraces && !e && !out->fail; i++) {
        uint32_t st = s->tr_stack[i];
        size_t a = s->off[st], b = s->off[st + 1], k;
        char v[128];
        if (a == b)
            continue;
        hearth_buf_addstr(out, sep);
        e = trace_labels(p, ucache, s->tr_sample[i], out);
        value_label(v, sizeof(v), s, unit, s->tr_val[i * p->ntypes + s->sidx]);
        for (k = b; k-- > a;) {
            uint32_t f = s->frames[k];
            if (k == b - 1)
                hearth_buf_printf(out, "%10s   ", v);
            else
                hearth_buf_add(out, "             ", 13); /* "%10s   " of "" */
            add_str(out, s->pname[f >> 1]);
            if (f & 1)
                hearth_buf_add(out, " (inline)\n", 10);
            else
                hearth_buf_addch(out, '\n');
        }
        hearth_buf_spill(out);
        if ((i & 4095) == 4095 && hearth_stacks_late(s)) {
            free(ucache);
            return hearth_stacks_over_time(s, em);
        }
    }
    hearth_buf_addstr(out, sep);
    free(ucache);
    if (e)
        return hearth_errmsg_set(em, e, "out of memory");
    return HEARTH_OK;
}

/* ---- tree and peek ---- */

static enum hearth_err tree(const struct hearth_stacks *s, const struct hearth_query *q,
                            const char *peek, struct hearth_buf *out, struct hearth_errmsg *em)
{
    static const char sep[] =
        "----------------------------------------------------------+-------------\n";
    static const char legend[] =
        "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n";
    struct hearth_graph_opts o = {
        .nodecount = q->nodecount < 0 ? 80 : q->nodecount,
        .nodefraction = q->nodefraction < 0 ? 0.005 : q->nodefraction,
        .edgefraction = q->edgefraction < 0 ? 0.001 : q->edgefraction,
        .visual = false,
        .cum_sort = q->cum_sort,
        .from_dropped = true,
    };
    struct hearth_regex *rx = NULL;
    struct hearth_graph *g = NULL;
    uint32_t *in_off = NULL, *out_off = NULL, *in_e = NULL, *out_e = NULL, i, matched = 0;
    const char *unit;
    int64_t flat_sum = 0;
    enum hearth_err e;
    size_t k;

    if (peek) {
        /* pprof's peek never trims */
        o.nodecount = 0;
        o.nodefraction = 0;
        o.edgefraction = 0;
        e = hearth_regex_compile(peek, &s->lim, "parsing argument regexp", &rx, em);
        if (e)
            return e;
    }
    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        goto out_free;
    in_off = calloc((size_t)g->nnodes + 2, sizeof(*in_off));
    out_off = calloc((size_t)g->nnodes + 2, sizeof(*out_off));
    in_e = malloc((g->nedges + 1) * sizeof(*in_e));
    out_e = malloc((g->nedges + 1) * sizeof(*out_e));
    if (!in_off || !out_off || !in_e || !out_e) {
        e = nomem(em);
        goto out_free;
    }
    /*
     * per node, its edges in the graph's edge order (pprof's edge sort); an
     * edge from or to a node pprof dropped (flat and cum 0, as in a diff) is
     * listed too, as pprof keeps it in the other node's edge map
     */
    for (k = 0; k < g->nedges; k++) {
        if (!g->edges[k].hidden_dst)
            in_off[g->edges[k].dst + 2]++;
        if (!g->edges[k].hidden_src)
            out_off[g->edges[k].src + 2]++;
    }
    for (i = 2; i < g->nnodes + 2; i++) {
        in_off[i] += in_off[i - 1];
        out_off[i] += out_off[i - 1];
    }
    for (k = 0; k < g->nedges; k++) {
        if (!g->edges[k].hidden_dst)
            in_e[in_off[g->edges[k].dst + 1]++] = (uint32_t)k;
        if (!g->edges[k].hidden_src)
            out_e[out_off[g->edges[k].src + 1]++] = (uint32_t)k;
    }
    unit = hearth_graph_output_unit(g, q->unit);
    hearth_graph_labels(g, unit, o.nodefraction, -1, out);
    hearth_buf_addstr(out, sep);
    hearth_buf_addstr(out, legend);
    for (i = 0; i < g->nnodes && !out->fail; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        char f[128], c[128], fp[64], sp[64], cp[64];
        uint32_t x;
        if (rx) {
            int m = hearth_regex_match(rx, nm->ptr, nm->len);
            if (m < 0) {
                e = nomem(em);
                goto out_free;
            }
            if (!m)
                continue;
        }
        matched++;
        hearth_buf_addstr(out, sep);
        for (x = in_off[i]; x < in_off[i + 1]; x++) {
            const struct hearth_gedge *ed = &g->edges[in_e[x]];
            char w[128], pc[64];
            value_label(w, sizeof(w), s, unit, ed->weight);
            hearth_percentage(pc, sizeof(pc), ed->weight, g->cum[i]);
            hearth_buf_printf(out, "%50s %s |   ", w, pc);
            add_str(out, s->pname[ed->hidden_src ? ed->src : g->node[ed->src]]);
            hearth_buf_addstr(out, ed->inline_ ? " (inline)\n" : "\n");
        }
        flat_sum = hearth_add64(flat_sum, g->flat[i]);
        value_label(f, sizeof(f), s, unit, g->flat[i]);
        value_label(c, sizeof(c), s, unit, g->cum[i]);
        hearth_percentage(fp, sizeof(fp), g->flat[i], s->total);
        hearth_percentage(sp, sizeof(sp), flat_sum, s->total);
        hearth_percentage(cp, sizeof(cp), g->cum[i], s->total);
        hearth_buf_printf(out, "%10s %s %s %10s %s                | ", f, fp, sp, c, cp);
        add_str(out, *nm);
        hearth_buf_addch(out, '\n');
        for (x = out_off[i]; x < out_off[i + 1]; x++) {
            const struct hearth_gedge *ed = &g->edges[out_e[x]];
            char w[128], pc[64];
            value_label(w, sizeof(w), s, unit, ed->weight);
            hearth_percentage(pc, sizeof(pc), ed->weight, g->cum[i]);
            hearth_buf_printf(out, "%50s %s |   ", w, pc);
            add_str(out, s->pname[ed->hidden_dst ? ed->dst : g->node[ed->dst]]);
            hearth_buf_addstr(out, ed->inline_ ? " (inline)\n" : "\n");
        }
    }
    if (g->nnodes > 0)
        hearth_buf_addstr(out, sep);
    if (rx && matched == 0)
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no matches found for regexp: %s", peek);
out_free:
    free(in_off);
    free(out_off);
    free(in_e);
    free(out_e);
    hearth_graph_free(g);
    hearth_regex_free(rx);
    return e;
}

/* ---- callgrind ---- */

struct names {
    struct hearth_u64map ids; /* string key -> callgrind number */
    uint32_t n;
};

/* pprof's callgrind name compression: "(N) name" the first time, "(N)" after. */
static void cg_name(struct hearth_buf *out, struct hearth_intern *keys, struct names *nm,
                    struct hearth_str name)
{
    uint32_t k, id;

    if (name.len == 0)
        return;
    k = hearth_intern_add(keys, name.ptr, name.len);
    id = hearth_u64map_get(&nm->ids, k);
    if (id != HEARTH_NONE) {
        hearth_buf_printf(out, "(%u)", id);
        return;
    }
    id = ++nm->n;
    if (hearth_u64map_put(&nm->ids, k, id, NULL) < 0)
        out->fail = HEARTH_E_NOMEM;
    hearth_buf_printf(out, "(%u) ", id);
    add_str(out, name);
}

/* pprof's callgrind subposition: "*", a shorter "+N"/"-N", or the address in hex. */
static void cg_addr(struct hearth_buf *out, const struct hearth_nodeinfo *prev, uint64_t cur)
{
    char abs[32], rel[32];

    if (cur)
        snprintf(abs, sizeof(abs), "%#" PRIx64, cur);
    else
        snprintf(abs, sizeof(abs), "0x0");
    if (!prev) {
        hearth_buf_addstr(out, abs);
        return;
    }
    if (prev->addr == cur) {
        hearth_buf_addch(out, '*');
        return;
    }
    snprintf(rel, sizeof(rel), "%+" PRId64, (int64_t)(cur - prev->addr));
    hearth_buf_addstr(out, strlen(rel) < strlen(abs) ? rel : abs);
}

/* selectOutputUnit for callgrind: the minimum value's unit, never scaled up. */
static const char *cg_unit(const struct hearth_graph *g, const char *requested)
{
    const struct hearth_stacks *s = g->s;
    int64_t minv = 0;
    const char *u;
    uint32_t i;

    if (requested && *requested && strcmp(requested, "minimum") != 0)
        return requested;
    if (g->nnodes == 0)
        return "minimum";
    for (i = 0; i < g->nnodes; i++) {
        int64_t v = hearth_abs64(g->flat[i]);
        if (v == 0)
            v = hearth_abs64(g->cum[i]);
        if (v > 0 && (minv == 0 || v < minv))
            minv = v;
    }
    if (minv == 0)
        minv = s->total;
    hearth_unit_scale(minv, s->unit, "minimum", &u);
    return *u ? u : s->unit;
}

static int64_t scaled(const struct hearth_stacks *s, int64_t v, const char *unit)
{
    const char *u;
    return hearth_go_int64(hearth_unit_scale(v, s->unit, unit, &u));
}

static enum hearth_err callgrind(const struct hearth_stacks *s, const struct hearth_query *q,
                                 struct hearth_buf *out, struct hearth_errmsg *em)
{
    const struct hearth_profile *p = s->p;
    struct hearth_graph_opts o = {.cum_sort = q->cum_sort};
    struct hearth_graph *g = NULL;
    struct hearth_arena ar;
    struct hearth_intern keys;
    struct names obs = {0}, fls = {0}, fns = {0};
    uint32_t *out_off = NULL, *out_e = NULL, *fidx = NULL, *fcount = NULL, *fpos = NULL, i;
    char **dname = NULL;
    const struct hearth_nodeinfo *prev = NULL;
    const char *unit;
    enum hearth_err e;
    size_t k;

    hearth_arena_init(&ar, 64 * 1024, 0);
    hearth_intern_init(&keys, &ar, 0);
    if (!hearth_u64map_init(&obs.ids, 16) || !hearth_u64map_init(&fls.ids, 16) ||
        !hearth_u64map_init(&fns.ids, 64)) {
        e = nomem(em);
        goto out_free;
    }
    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        goto out_free;
    out_off = calloc((size_t)g->nnodes + 2, sizeof(*out_off));
    out_e = malloc((g->nedges + 1) * sizeof(*out_e));
    fidx = calloc((size_t)g->nnodes + 1, sizeof(*fidx));
    fcount = calloc((size_t)g->nnodes + 1, sizeof(*fcount));
    fpos = calloc((size_t)g->nnodes + 1, sizeof(*fpos));
    dname = calloc((size_t)g->nnodes + 1, sizeof(*dname));
    if (!out_off || !out_e || !fidx || !fcount || !fpos || !dname) {
        e = nomem(em);
        goto out_free;
    }
    /* an edge to a node pprof dropped (flat and cum 0, as in a diff) is a call too */
    for (k = 0; k < g->nedges; k++)
        out_off[g->edges[k].src + 2]++;
    for (i = 2; i < g->nnodes + 2; i++)
        out_off[i] += out_off[i - 1];
    for (k = 0; k < g->nedges; k++)
        out_e[out_off[g->edges[k].src + 1]++] = (uint32_t)k;
    /*
     * Disambiguated names: nodes of one (file, name) that belong to
     * different functions (object file, start line) get " [k/n]".
     */
    {
        struct hearth_seqmap nf, fn;
        uint32_t *fnum = NULL;
        size_t cap = 0;
        hearth_seqmap_init(&nf);
        hearth_seqmap_init(&fn);
        for (i = 0; i < g->nnodes && !e; i++) {
            const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
            uint32_t key[5] = {ni->file, ni->name, 0, 0, 0}, a, b;
            bool added;
            a = hearth_seqmap_add(&nf, key, 2, NULL);
            key[2] = ni->objfile;
            memcpy(&key[3], &ni->start_line, 8);
            b = hearth_seqmap_add(&fn, key, 5, &added);
            if (a == HEARTH_NONE || b == HEARTH_NONE) {
                e = nomem(em);
                break;
            }
            if (b >= cap) {
                size_t nc = cap ? cap * 2 : 256;
                uint32_t *nn = realloc(fnum, nc * sizeof(*nn));
                if (!nn) {
                    e = nomem(em);
                    break;
                }
                fnum = nn;
                cap = nc;
            }
            if (added)
                fnum[b] = fcount[a]++;
            fidx[i] = a;
            fpos[i] = fnum[b];
        }
        for (i = 0; i < g->nnodes && !e; i++) {
            const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
            struct hearth_str n = hearth_pstr(p, ni->name);
            char *d;
            if (fcount[fidx[i]] <= 1)
                continue;
            d = malloc(n.len + 32);
            if (!d) {
                e = nomem(em);
                break;
            }
            memcpy(d, n.ptr, n.len);
            snprintf(d + n.len, 32, " [%u/%u]", fpos[i] + 1, fcount[fidx[i]]);
            dname[i] = d;
        }
        free(fnum);
        hearth_seqmap_release(&nf);
        hearth_seqmap_release(&fn);
        if (e)
            goto out_free;
    }
    unit = cg_unit(g, q->unit);
    hearth_buf_printf(out, "positions: instr line\nevents: %s(%s)\n", s->type, unit);
    for (i = 0; i < g->nnodes && !out->fail; i++) {
        const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
        uint32_t x;
        if (!prev || ni->objfile != prev->objfile || ni->file != prev->file ||
            ni->name != prev->name) {
            hearth_buf_addstr(out, "\nob=");
            cg_name(out, &keys, &obs, hearth_pstr(p, ni->objfile));
            hearth_buf_addstr(out, "\nfl=");
            cg_name(out, &keys, &fls, s->strs.strs[ni->file]);
            hearth_buf_addstr(out, "\nfn=");
            cg_name(out, &keys, &fns, hearth_pstr(p, ni->name));
            hearth_buf_addch(out, '\n');
        }
        cg_addr(out, prev, ni->addr);
        hearth_buf_printf(out, " %" PRId64 " %" PRId64 "\n", ni->lineno,
                          scaled(s, g->flat[i], unit));
        for (x = out_off[i]; x < out_off[i + 1]; x++) {
            const struct hearth_gedge *ed = &g->edges[out_e[x]];
            const struct hearth_nodeinfo *ci = &s->ni[ed->hidden_dst ? ed->dst : g->node[ed->dst]];
            struct hearth_str cn = hearth_pstr(p, ci->name);
            if (ed->hidden_dst) {
                /* pprof names callees from its graph's nodes: a dropped one has no name */
                cn.ptr = "";
                cn.len = 0;
            } else if (dname[ed->dst]) {
                cn.ptr = dname[ed->dst];
                cn.len = strlen(dname[ed->dst]);
            }
            hearth_buf_addstr(out, "cfl=");
            cg_name(out, &keys, &fls, s->strs.strs[ci->file]);
            hearth_buf_addstr(out, "\ncfn=");
            cg_name(out, &keys, &fns, cn);
            hearth_buf_addstr(out, "\ncalls=0 ");
            cg_addr(out, prev, ci->addr);
            hearth_buf_printf(out, " %" PRId64 "\n* * %" PRId64 "\n", ci->lineno,
                              scaled(s, ed->weight, unit));
        }
        prev = ni;
    }
out_free:
    if (dname)
        for (i = 0; g && i < g->nnodes; i++)
            free(dname[i]);
    free(dname);
    free(fidx);
    free(fcount);
    free(fpos);
    free(out_off);
    free(out_e);
    hearth_graph_free(g);
    hearth_u64map_release(&obs.ids);
    hearth_u64map_release(&fls.ids);
    hearth_u64map_release(&fns.ids);
    hearth_intern_release(&keys);
    hearth_arena_release(&ar);
    return e;
}

/* ---- raw ---- */

/* Go's time.Duration.String(). */
static void go_duration(char *o, size_t n, int64_t d)
{
    char buf[40];
    size_t w = sizeof(buf);
    uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
    bool neg = d < 0;

    if (u < 1000000000ULL) {
        int prec;
        w--;
        buf[w] = 's';
        w--;
        if (u == 0) {
            snprintf(o, n, "0s");
            return;
        } else if (u < 1000ULL) {
            prec = 0;
            buf[w] = 'n';
        } else if (u < 1000000ULL) {
            prec = 3;
            /* U+00B5 'µ' */
            w--;
            memcpy(&buf[w], "\xc2\xb5", 2);
        } else {
            prec = 6;
            buf[w] = 'm';
        }
        {
            /* fmtFrac then fmtInt */
            bool printed = false;
            int i;
            for (i = 0; i < prec; i++) {
                unsigned digit = (unsigned)(u % 10);
                printed = printed || digit != 0;
                if (printed) {
                    w--;
                    buf[w] = (char)(digit + '0');
                }
                u /= 10;
            }
            if (printed) {
                w--;
                buf[w] = '.';
            }
            if (u == 0) {
                w--;
                buf[w] = '0';
            }
            while (u > 0) {
                w--;
                buf[w] = (char)(u % 10 + '0');
                u /= 10;
            }
        }
    } else {
        bool printed = false;
        int i;
        w--;
        buf[w] = 's';
        for (i = 0; i < 9; i++) {
            unsigned digit = (unsigned)(u % 10);
            printed = printed || digit != 0;
            if (printed) {
                w--;
                buf[w] = (char)(digit + '0');
            }
            u /= 10;
        }
        if (printed) {
            w--;
            buf[w] = '.';
        }
        /* u is now whole seconds */
        {
            uint64_t secs = u % 60, v;
            u /= 60;
            v = secs;
            if (v == 0) {
                w--;
                buf[w] = '0';
            }
            while (v > 0) {
                w--;
                buf[w] = (char)(v % 10 + '0');
                v /= 10;
            }
            if (u > 0) {
                uint64_t mins = u % 60;
                w--;
                buf[w] = 'm';
                v = mins;
                if (v == 0) {
                    w--;
                    buf[w] = '0';
                }
                while (v > 0) {
                    w--;
                    buf[w] = (char)(v % 10 + '0');
                    v /= 10;
                }
                u /= 60;
                if (u > 0) {
                    w--;
                    buf[w] = 'h';
                    while (u > 0) {
                        w--;
                        buf[w] = (char)(u % 10 + '0');
                        u /= 10;
                    }
                }
            }
        }
    }
    if (neg) {
        w--;
        buf[w] = '-';
    }
    snprintf(o, n, "%.*s", (int)(sizeof(buf) - w), buf + w);
}

/* Go's %.4v: the first four runes. */
static void first_runes(struct hearth_buf *out, const char *s, int n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (u[i] && n > 0) {
        i++;
        while (u[i] && (u[i] & 0xc0) == 0x80)
            i++;
        n--;
    }
    hearth_buf_add(out, s, i);
}

/* time.Unix(0, ns).String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
static void go_time(struct hearth_buf *out, int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    time_t t;
    struct tm tm;

    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    t = (time_t)sec;
    if (!gmtime_r(&t, &tm))
        return;
    hearth_buf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac) {
        char f[16];
        int n = snprintf(f, sizeof(f), "%09" PRId64, frac);
        while (n > 0 && f[n - 1] == '0')
            n--;
        hearth_buf_printf(out, ".%.*s", n, f);
    }
    hearth_buf_addstr(out, " +0000 UTC");
}

struct kv {
    const char *key;
    char *text;
};

static int cmp_text(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->text, ((const struct kv *)b)->text);
}

/* labelsToString / numLabelsToString of one sample: "k:[v1 v2] ..." sorted. */
static enum hearth_err raw_labels(const struct hearth_profile *p, size_t smp, bool str,
                                  struct hearth_buf *out)
{
    uint32_t a = p->s_lab_off[smp], b = p->s_lab_off[smp + 1], i, j, nl = 0;
    struct kv *lines;
    enum hearth_err e = HEARTH_OK;

    lines = calloc(b - a + 1, sizeof(*lines));
    if (!lines)
        return HEARTH_E_NOMEM;
    for (i = a; i < b; i++) {
        struct hearth_buf lb;
        bool seen = false, any_unit = false;
        if ((p->lab_str[i] != 0) != str)
            continue;
        for (j = a; j < i && !seen; j++)
            seen = p->lab_key[j] == p->lab_key[i] && (p->lab_str[j] != 0) == str;
        if (seen)
            continue;
        for (j = i; j < b && !str; j++)
            if (p->lab_key[j] == p->lab_key[i] && p->lab_str[j] == 0 && p->lab_unit[j])
                any_unit = true;
        hearth_buf_init(&lb, (size_t)1 << 30);
        add_str(&lb, hearth_pstr(p, p->lab_key[i]));
        hearth_buf_addstr(&lb, ":[");
        for (j = i; j < b; j++) {
            if (p->lab_key[j] != p->lab_key[i] || (p->lab_str[j] != 0) != str)
                continue;
            if (j != i)
                hearth_buf_addch(&lb, ' ');
            if (str) {
                add_str(&lb, hearth_pstr(p, p->lab_str[j]));
            } else {
                hearth_buf_printf(&lb, "%" PRId64, p->lab_num[j]);
                if (any_unit) {
                    hearth_buf_addch(&lb, ' ');
                    add_str(&lb, hearth_pstr(p, p->lab_unit[j]));
                }
            }
        }
        hearth_buf_addch(&lb, ']');
        if (lb.fail) {
            e = lb.fail;
            hearth_buf_release(&lb);
            break;
        }
        lines[nl++].text = hearth_buf_detach(&lb, NULL);
    }
    if (!e && nl) {
        qsort(lines, nl, sizeof(*lines), cmp_text);
        hearth_buf_addstr(out, "\n                ");
        for (i = 0; i < nl; i++) {
            if (i)
                hearth_buf_addch(out, ' ');
            hearth_buf_addstr(out, lines[i].text);
        }
    }
    for (i = 0; i < nl; i++)
        free(lines[i].text);
    free(lines);
    return e;
}

/*
 * pprof merges even a single profile when it reads it, which numbers
 * mappings (the main one first), locations and functions afresh in the
 * order the samples first use them. ids[] get those numbers (0 = unused);
 * order[] lists the used ones by number.
 */
struct renum {
    uint32_t *loc, *fn, *map;
    uint32_t *loc_order, *map_order;
    uint32_t nloc, nfn, nmap;
};

static void renum_release(struct renum *r)
{
    free(r->loc);
    free(r->fn);
    free(r->map);
    free(r->loc_order);
    free(r->map_order);
}

static bool renumber(const struct hearth_profile *p, const struct hearth_stacks *full,
                     struct renum *r)
{
    size_t k;

    memset(r, 0, sizeof(*r));
    r->loc = calloc((size_t)p->nloc + 1, sizeof(*r->loc));
    r->fn = calloc((size_t)p->nfunc + 1, sizeof(*r->fn));
    r->map = calloc((size_t)p->nmap + 1, sizeof(*r->map));
    r->loc_order = malloc(((size_t)p->nloc + 1) * sizeof(*r->loc_order));
    r->map_order = malloc(((size_t)p->nmap + 1) * sizeof(*r->map_order));
    if (!r->loc || !r->fn || !r->map || !r->loc_order || !r->map_order)
        return false;
    if (p->nmap > 0) {
        r->map[0] = ++r->nmap;
        r->map_order[0] = 0;
    }
    for (k = 0; k < full->ntraces; k++) {
        size_t smp = full->tr_sample[k];
        uint32_t i;
        for (i = p->s_loc_off[smp]; i < p->s_loc_off[smp + 1]; i++) {
            uint32_t l = p->s_locs[i], m = p->loc_map[l], x;
            if (r->loc[l])
                continue;
            if (m != HEARTH_NONE && !r->map[m]) {
                r->map_order[r->nmap] = m;
                r->map[m] = ++r->nmap;
            }
            r->loc_order[r->nloc] = l;
            r->loc[l] = ++r->nloc;
            for (x = p->loc_line_off[l]; x < p->loc_line_off[l + 1]; x++) {
                uint32_t f = p->line_fn[x];
                if (f != HEARTH_NONE && !r->fn[f])
                    r->fn[f] = ++r->nfn;
            }
        }
    }
    return true;
}

static void raw_hex(struct hearth_buf *out, uint64_t v, const char *after)
{
    if (v)
        hearth_buf_printf(out, "%#" PRIx64 "%s", v, after);
    else
        hearth_buf_printf(out, "0x0%s", after);
}

static void raw_header(const struct hearth_profile *p, struct hearth_buf *out)
{
    uint32_t i, t;
    size_t start;

    for (i = 0; i < p->ncomments; i++) {
        hearth_buf_addstr(out, "Comment: ");
        add_str(out, hearth_pstr(p, p->comments[i]));
        hearth_buf_addch(out, '\n');
    }
    /* pprof's decoders and legacy parsers always set a period type (maybe empty) */
    hearth_buf_addstr(out, "PeriodType: ");
    add_str(out, hearth_pstr(p, p->period_type));
    hearth_buf_addch(out, ' ');
    add_str(out, hearth_pstr(p, p->period_unit));
    hearth_buf_addch(out, '\n');
    hearth_buf_printf(out, "Period: %" PRId64 "\n", p->period);
    if (p->time_nanos) {
        hearth_buf_addstr(out, "Time: ");
        go_time(out, p->time_nanos);
        hearth_buf_addch(out, '\n');
    }
    if (p->duration_nanos) {
        char d[64];
        go_duration(d, sizeof(d), p->duration_nanos);
        hearth_buf_addstr(out, "Duration: ");
        first_runes(out, d, 4);
        hearth_buf_addch(out, '\n');
    }
    hearth_buf_addstr(out, "Samples:\n");
    start = out->len;
    for (t = 0; t < p->ntypes; t++) {
        add_str(out, hearth_pstr(p, p->type_name[t]));
        hearth_buf_addch(out, '/');
        add_str(out, hearth_pstr(p, p->type_unit[t]));
        if (p->type_name[t] == p->default_type)
            hearth_buf_addstr(out, "[dflt]");
        hearth_buf_addch(out, ' ');
    }
    /* strings.TrimSpace of the joined header */
    while (out->len > start && !out->fail && out->ptr[out->len - 1] == ' ')
        out->len--;
    hearth_buf_addch(out, '\n');
}

static enum hearth_err raw(const struct hearth_profile *p, const struct hearth_stacks *s,
                           const struct hearth_query *q, struct hearth_buf *out,
                           struct hearth_errmsg *em)
{
    struct hearth_stacks *all = NULL;
    const struct hearth_stacks *full = s;
    struct renum r;
    uint32_t i, t;
    size_t k;
    enum hearth_err e = HEARTH_OK;

    memset(&r, 0, sizeof(r));
    if ((q->hide && *q->hide) || (q->show && *q->show) || (q->show_from && *q->show_from))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "-raw shows the profile's locations unchanged, so it does not "
                                 "take -hide, -show or -show_from (use -proto)");
    if ((q->focus && *q->focus) || (q->ignore && *q->ignore) || (q->tagfocus && *q->tagfocus) ||
        (q->tagignore && *q->tagignore)) {
        /* numbers come from every sample, before the filters */
        struct hearth_query q0;
        hearth_query_init(&q0);
        q0.sample_index = q->sample_index;
        e = hearth_stacks_build_ex(p, &q0, HEARTH_STACKS_TRACES, &s->lim, &all, em);
        if (e)
            return e;
        full = all;
    }
    if (!renumber(p, full, &r)) {
        e = nomem(em);
        goto out_free;
    }
    raw_header(p, out);
    for (k = 0; k < s->ntraces && !e && !out->fail; k++) {
        size_t smp = s->tr_sample[k];
        uint32_t a = p->s_loc_off[smp] + s->tr_first[k], b = p->s_loc_off[smp + 1];
        for (t = 0; t < p->ntypes; t++)
            hearth_buf_printf(out, " %10" PRId64, s->tr_val[k * p->ntypes + t]);
        hearth_buf_addstr(out, ": ");
        for (i = a; i < b; i++)
            hearth_buf_printf(out, "%u ", r.loc[p->s_locs[i]]);
        e = raw_labels(p, smp, true, out);
        if (!e)
            e = raw_labels(p, smp, false, out);
        hearth_buf_addch(out, '\n');
        hearth_buf_spill(out);
        if ((k & 4095) == 4095 && hearth_stacks_late(s)) {
            e = hearth_stacks_over_time(s, em);
            goto out_free;
        }
    }
    if (e) {
        e = nomem(em);
        goto out_free;
    }
    hearth_buf_addstr(out, "Locations\n");
    for (k = 0; k < r.nloc && !out->fail; k++) {
        uint32_t l = r.loc_order[k], x, a = p->loc_line_off[l], b = p->loc_line_off[l + 1];
        char head[96];
        int n = snprintf(head, sizeof(head), "%6u: ", r.loc[l]);
        if (s->loc_skip)
            a += s->loc_skip[l];
        if (p->loc_addr[l])
            n += snprintf(head + n, sizeof(head) - (size_t)n, "%#" PRIx64 " ", p->loc_addr[l]);
        else
            n += snprintf(head + n, sizeof(head) - (size_t)n, "0x0 ");
        if (p->loc_map[l] != HEARTH_NONE)
            n += snprintf(head + n, sizeof(head) - (size_t)n, "M=%u ", r.map[p->loc_map[l]]);
        if (p->loc_folded[l])
            snprintf(head + n, sizeof(head) - (size_t)n, "[F] ");
        if (a == b) {
            hearth_buf_addstr(out, head);
            hearth_buf_addch(out, '\n');
        }
        for (x = a; x < b; x++) {
            uint32_t f = p->line_fn[x];
            hearth_buf_addstr(out, x == a ? head : "             ");
            if (f == HEARTH_NONE) {
                hearth_buf_addstr(out, "??\n");
                continue;
            }
            add_str(out, hearth_pstr(p, p->fn_name[f]));
            hearth_buf_addch(out, ' ');
            add_str(out, hearth_pstr(p, p->fn_file[f]));
            hearth_buf_printf(out, ":%" PRId64 " s=%" PRId64, p->line_no[x], p->fn_start_line[f]);
            if (p->fn_name[f] != p->fn_sysname[f]) {
                hearth_buf_addch(out, '(');
                add_str(out, hearth_pstr(p, p->fn_sysname[f]));
                hearth_buf_addch(out, ')');
            }
            hearth_buf_addch(out, '\n');
        }
    }
    hearth_buf_addstr(out, "Mappings\n");
    for (k = 0; k < r.nmap && !out->fail; k++) {
        uint32_t m = r.map_order[k];
        uint8_t fl = p->map_flags[m];
        hearth_buf_printf(out, "%u: ", r.map[m]);
        raw_hex(out, p->map_start[m], "/");
        raw_hex(out, p->map_limit[m], "/");
        raw_hex(out, p->map_offset[m], " ");
        add_str(out, hearth_pstr(p, p->map_file[m]));
        hearth_buf_addch(out, ' ');
        add_str(out, hearth_pstr(p, p->map_build_id[m]));
        hearth_buf_printf(out, " %s%s%s%s\n", fl & HEARTH_MAP_HAS_FUNCTIONS ? "[FN]" : "",
                          fl & HEARTH_MAP_HAS_FILENAMES ? "[FL]" : "",
                          fl & HEARTH_MAP_HAS_LINE_NUMBERS ? "[LN]" : "",
                          fl & HEARTH_MAP_HAS_INLINE_FRAMES ? "[IN]" : "");
    }
out_free:
    renum_release(&r);
    hearth_stacks_free(all);
    return e;
}

/* ---- profile.proto writer (pprof's encoder: field order, packing, string order) ---- */

static void pb_varint(struct hearth_buf *b, uint64_t v)
{
    unsigned char t[10];
    int n = 0;

    while (v >= 0x80) {
        t[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (unsigned char)v;
    hearth_buf_add(b, t, (size_t)n);
}

static void pb_u64(struct hearth_buf *b, int tag, uint64_t v)
{
    pb_varint(b, (uint64_t)tag << 3);
    pb_varint(b, v);
}

static void pb_opt(struct hearth_buf *b, int tag, uint64_t v)
{
    if (v)
        pb_u64(b, tag, v);
}

static void pb_bytes(struct hearth_buf *b, int tag, const void *p, size_t n)
{
    pb_varint(b, (uint64_t)tag << 3 | 2);
    pb_varint(b, n);
    hearth_buf_add(b, p, n);
}

/* Go's encodeUint64s/encodeInt64s: packed when more than two values. */
static void pb_rep(struct hearth_buf *b, struct hearth_buf *tmp, int tag, const uint64_t *v,
                   size_t n)
{
    size_t i;

    if (n > 2) {
        hearth_buf_reset(tmp);
        for (i = 0; i < n; i++)
            pb_varint(tmp, v[i]);
        pb_bytes(b, tag, tmp->ptr, tmp->len);
        return;
    }
    for (i = 0; i < n; i++)
        pb_u64(b, tag, v[i]);
}

/* Output string table in first-use order, as pprof's preEncode builds it. */
struct pstrings {
    struct hearth_arena ar;
    struct hearth_intern in;
    uint32_t *of_p; /* profile string -> output index + 1 (0: not yet), or NULL */
    uint32_t np;
};

static uint64_t ps_add(struct pstrings *ps, struct hearth_str s, bool *fail)
{
    uint32_t i = hearth_intern_add(&ps->in, s.ptr, s.len);
    if (i == HEARTH_NONE) {
        *fail = true;
        return 0;
    }
    return i;
}

/* ps_add of the profile's string i, remembered: labels repeat on every sample */
static uint64_t ps_addp(struct pstrings *ps, const struct hearth_profile *p, uint32_t i, bool *fail)
{
    uint64_t o;

    if (ps->of_p && i < ps->np && ps->of_p[i])
        return ps->of_p[i] - 1;
    o = ps_add(ps, hearth_pstr(p, i), fail);
    if (ps->of_p && i < ps->np && !*fail)
        ps->of_p[i] = (uint32_t)o + 1;
    return o;
}

static struct hearth_str cs(const char *s)
{
    struct hearth_str r = {s, strlen(s)};
    return r;
}

struct pheader {
    struct hearth_str type[2], unit[2]; /* topproto's two sample types */
};

/* Fields 6.. of the profile: strings, frames, time, period, comments, default type. */
static void pb_tail(struct hearth_buf *b, struct pstrings *ps, const struct hearth_profile *p,
                    bool with_frames, bool *fail)
{
    uint64_t drop = 0, keep = 0, pt, pu, *cm, dflt;
    uint32_t i;

    if (with_frames) {
        drop = ps_add(ps, hearth_pstr(p, p->drop_frames), fail);
        keep = ps_add(ps, hearth_pstr(p, p->keep_frames), fail);
    } else {
        ps_add(ps, cs(""), fail);
        ps_add(ps, cs(""), fail);
    }
    pt = ps_add(ps, hearth_pstr(p, p->period_type), fail);
    pu = ps_add(ps, hearth_pstr(p, p->period_unit), fail);
    cm = calloc((size_t)p->ncomments + 1, sizeof(*cm));
    if (!cm) {
        *fail = true;
        return;
    }
    for (i = 0; with_frames && i < p->ncomments; i++)
        cm[i] = ps_add(ps, hearth_pstr(p, p->comments[i]), fail);
    dflt = ps_add(ps, with_frames ? hearth_pstr(p, p->default_type) : cs(""), fail);
    for (i = 0; i < ps->in.n; i++)
        pb_bytes(b, 6, ps->in.strs[i].ptr, ps->in.strs[i].len);
    pb_opt(b, 7, drop);
    pb_opt(b, 8, keep);
    pb_opt(b, 9, (uint64_t)p->time_nanos);
    pb_opt(b, 10, (uint64_t)p->duration_nanos);
    if (pt || pu) {
        struct hearth_buf m;
        hearth_buf_init(&m, (size_t)1 << 20);
        pb_opt(&m, 1, pt);
        pb_opt(&m, 2, pu);
        pb_bytes(b, 11, m.ptr, m.len);
        hearth_buf_release(&m);
    }
    pb_opt(b, 12, (uint64_t)p->period);
    {
        struct hearth_buf tmp;
        hearth_buf_init(&tmp, (size_t)1 << 30);
        pb_rep(b, &tmp, 13, cm, with_frames ? p->ncomments : 0);
        hearth_buf_release(&tmp);
    }
    pb_u64(b, 14, dflt);
    free(cm);
}

static enum hearth_err gzip_out(struct hearth_buf *pb, struct hearth_buf *out,
                                struct hearth_errmsg *em)
{
    unsigned char *z = NULL;
    size_t zn = 0;

    if (pb->fail)
        return hearth_errmsg_set(em, pb->fail, "output larger than the limit");
    /* gzip's fastest level past 1 MiB (as for large JSON answers): on 1M samples
       it halves the time -proto spends compressing for a 9% larger file */
    if (!hearth_gzip(pb->ptr ? pb->ptr : "", pb->len, pb->len > (1 << 20) ? 1 : 6, &z, &zn))
        return nomem(em);
    hearth_buf_add(out, z, zn);
    free(z);
    return HEARTH_OK;
}

static enum hearth_err topproto(const struct hearth_stacks *s, const struct hearth_query *q,
                                struct hearth_buf *out, struct hearth_errmsg *em)
{
    const struct hearth_profile *p = s->p;
    struct hearth_graph_opts o = {
        .nodecount = q->nodecount < 0 ? 0 : q->nodecount,
        .nodefraction = q->nodefraction < 0 ? 0.005 : q->nodefraction,
        .edgefraction = q->edgefraction < 0 ? 0.001 : q->edgefraction,
        .visual = false,
        .cum_sort = q->cum_sort,
    };
    struct hearth_graph *g = NULL;
    struct pstrings ps;
    struct hearth_buf pb, m, tmp;
    struct hearth_seqmap fmap;
    uint32_t *fn_of = NULL, nf = 0, i;
    const char *unit;
    bool fail = false;
    enum hearth_err e;
    uint64_t tc, tu, fc, fu;

    hearth_arena_init(&ps.ar, 64 * 1024, 0);
    hearth_intern_init(&ps.in, &ps.ar, 0);
    ps.of_p = NULL;
    ps.np = 0;
    hearth_seqmap_init(&fmap);
    hearth_buf_init(&pb, s->lim.max_output ? s->lim.max_output : (size_t)1 << 30);
    hearth_buf_init(&m, (size_t)1 << 30);
    hearth_buf_init(&tmp, (size_t)1 << 30);
    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        goto out_free;
    /* an empty graph keeps the option's value, "minimum", as pprof's does */
    unit = hearth_graph_output_unit(g, q->unit);
    ps_add(&ps, cs(""), &fail);
    tc = ps_add(&ps, cs("cum"), &fail);
    tu = ps_add(&ps, cs(unit), &fail);
    fc = ps_add(&ps, cs("flat"), &fail);
    fu = ps_add(&ps, cs(unit), &fail);
    /* sample types */
    hearth_buf_reset(&m);
    pb_opt(&m, 1, tc);
    pb_opt(&m, 2, tu);
    pb_bytes(&pb, 1, m.ptr, m.len);
    hearth_buf_reset(&m);
    pb_opt(&m, 1, fc);
    pb_opt(&m, 2, fu);
    pb_bytes(&pb, 1, m.ptr, m.len);
    /* samples: one per node, location i + 1 */
    for (i = 0; i < g->nnodes; i++) {
        uint64_t v[2] = {(uint64_t)scaled(s, g->cum[i], unit),
                         (uint64_t)scaled(s, g->flat[i], unit)};
        uint64_t loc = i + 1;
        hearth_buf_reset(&m);
        pb_rep(&m, &tmp, 1, &loc, 1);
        pb_rep(&m, &tmp, 2, v, 2);
        pb_bytes(&pb, 2, m.ptr, m.len);
    }
    /* functions keyed as pprof's functionMap: name, file, start line */
    fn_of = malloc(((size_t)g->nnodes + 1) * sizeof(*fn_of));
    if (!fn_of) {
        e = nomem(em);
        goto out_free;
    }
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
        uint32_t key[4] = {ni->name, ni->file, 0, 0};
        bool added;
        memcpy(&key[2], &ni->start_line, 8);
        fn_of[i] = hearth_seqmap_add(&fmap, key, 4, &added);
        if (fn_of[i] == HEARTH_NONE) {
            e = nomem(em);
            goto out_free;
        }
        if (added)
            nf++;
    }
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
        struct hearth_buf ln;
        hearth_buf_reset(&m);
        pb_opt(&m, 1, i + 1);
        pb_opt(&m, 3, ni->addr);
        hearth_buf_init(&ln, (size_t)1 << 20);
        pb_opt(&ln, 1, fn_of[i] + 1);
        pb_opt(&ln, 2, (uint64_t)ni->lineno);
        pb_bytes(&m, 4, ln.ptr ? ln.ptr : "", ln.len);
        hearth_buf_release(&ln);
        pb_bytes(&pb, 4, m.ptr, m.len);
    }
    {
        uint32_t next = 0;
        for (i = 0; i < g->nnodes; i++) {
            const struct hearth_nodeinfo *ni = &s->ni[g->node[i]];
            if (fn_of[i] != next)
                continue; /* emitted already */
            next++;
            hearth_buf_reset(&m);
            pb_opt(&m, 1, fn_of[i] + 1);
            pb_opt(&m, 2, ps_add(&ps, hearth_pstr(p, ni->name), &fail));
            pb_opt(&m, 3, ps_add(&ps, cs(""), &fail));
            pb_opt(&m, 4, ps_add(&ps, s->strs.strs[ni->file], &fail));
            pb_opt(&m, 5, (uint64_t)ni->start_line);
            pb_bytes(&pb, 5, m.ptr, m.len);
        }
    }
    (void)nf;
    pb_tail(&pb, &ps, p, false, &fail);
    if (fail) {
        e = nomem(em);
        goto out_free;
    }
    e = gzip_out(&pb, out, em);
out_free:
    free(fn_of);
    hearth_graph_free(g);
    hearth_seqmap_release(&fmap);
    hearth_intern_release(&ps.in);
    hearth_arena_release(&ps.ar);
    hearth_buf_release(&pb);
    hearth_buf_release(&m);
    hearth_buf_release(&tmp);
    return e;
}

/*
 * -proto: the kept samples with all their values and labels, over
 * locations rebuilt from their address-granularity frames (one location
 * per distinct run of an outer frame and the frames inlined into it),
 * functions (name, file, start line) and the profile's mappings.
 */
static enum hearth_err proto(const struct hearth_profile *p, const struct hearth_stacks *s,
                             struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct pstrings ps;
    struct hearth_buf pb, m, tmp, ln;
    struct hearth_seqmap locs, fns;
    struct hearth_u64map mapof; /* objfile string -> mapping index */
    uint32_t *seq = NULL, *loc1 = NULL, i;
    uint64_t *ids = NULL, *vals = NULL;
    size_t seqcap = 0, idcap = 0, k, nt = p->ntypes;
    bool fail = false;
    enum hearth_err e = HEARTH_OK;

    hearth_arena_init(&ps.ar, 64 * 1024, 0);
    hearth_intern_init(&ps.in, &ps.ar, 0);
    ps.np = p->nstr;
    ps.of_p = calloc((size_t)p->nstr + 1, sizeof(*ps.of_p));
    /* location of a one-frame run, by frame: id + 1 (0: not yet) */
    loc1 = calloc((size_t)s->nnodes + 1, sizeof(*loc1));
    hearth_seqmap_init(&locs);
    hearth_seqmap_init(&fns);
    hearth_buf_init(&pb, s->lim.max_output ? s->lim.max_output : (size_t)1 << 30);
    hearth_buf_init(&m, (size_t)1 << 30);
    hearth_buf_init(&tmp, (size_t)1 << 30);
    hearth_buf_init(&ln, (size_t)1 << 30);
    if (!ps.of_p || !loc1 || !hearth_u64map_init(&mapof, 16)) {
        e = nomem(em);
        goto out_free;
    }
    for (i = p->nmap; i-- > 0;)
        if (hearth_u64map_put(&mapof, p->map_file[i], i, NULL) < 0) {
            e = nomem(em);
            goto out_free;
        }
    vals = malloc((nt + 1) * sizeof(*vals));
    if (!vals) {
        e = nomem(em);
        goto out_free;
    }
    ps_add(&ps, cs(""), &fail);
    for (i = 0; i < p->ntypes; i++) {
        hearth_buf_reset(&m);
        pb_opt(&m, 1, ps_add(&ps, hearth_pstr(p, p->type_name[i]), &fail));
        pb_opt(&m, 2, ps_add(&ps, hearth_pstr(p, p->type_unit[i]), &fail));
        pb_bytes(&pb, 1, m.ptr ? m.ptr : "", m.len);
    }
    /* locations of every stack: frames leaf first, grouped by their outer frame */
    for (k = 0; k < s->ntraces && !out->fail && !pb.fail; k++) {
        size_t smp = s->tr_sample[k], a = s->off[s->tr_stack[k]], b = s->off[s->tr_stack[k] + 1], x,
               nid = 0;
        uint32_t la = p->s_lab_off[smp], lb = p->s_lab_off[smp + 1], j;
        int pass;
        if (a == b)
            continue; /* pprof drops a sample whose frames were all hidden */
        if (b - a > idcap) {
            uint64_t *ni = realloc(ids, (b - a) * 2 * sizeof(*ni));
            if (!ni) {
                e = nomem(em);
                goto out_free;
            }
            ids = ni;
            idcap = (b - a) * 2;
        }
        /* from the leaf: a location ends at a frame that is not inlined */
        x = b;
        while (x > a) {
            size_t end = x, start = x - 1, n = 0, y;
            uint32_t id;
            while (start > a && (s->frames[start] & 1))
                start--;
            if (end - start == 1 && loc1[s->frames[start] >> 1]) {
                ids[nid++] = loc1[s->frames[start] >> 1];
                x = start;
                continue;
            }
            /* location key: its frames innermost first */
            if (end - start + 1 > seqcap) {
                uint32_t *ns = realloc(seq, (end - start + 1) * 2 * sizeof(*ns));
                if (!ns) {
                    e = nomem(em);
                    goto out_free;
                }
                seq = ns;
                seqcap = (end - start + 1) * 2;
            }
            for (y = end; y-- > start;)
                seq[n++] = s->frames[y] >> 1;
            id = hearth_seqmap_add(&locs, seq, n, NULL);
            if (id == HEARTH_NONE) {
                e = nomem(em);
                goto out_free;
            }
            ids[nid++] = id + 1;
            if (end - start == 1)
                loc1[s->frames[start] >> 1] = id + 1;
            x = start;
        }
        hearth_buf_reset(&m);
        pb_rep(&m, &tmp, 1, ids, nid);
        for (j = 0; j < nt; j++)
            vals[j] = (uint64_t)s->tr_val[k * nt + j];
        pb_rep(&m, &tmp, 2, vals, nt);
        /* labels: string ones then numeric ones, each by key in sorted order */
        for (pass = 0; pass < 2; pass++) {
            const char *last = NULL;
            for (;;) {
                const char *best = NULL;
                uint32_t bk = 0;
                for (j = la; j < lb; j++) {
                    const char *kk = hearth_pstr(p, p->lab_key[j]).ptr;
                    if ((p->lab_str[j] != 0) != (pass == 0))
                        continue;
                    if (last && strcmp(kk, last) <= 0)
                        continue;
                    if (!best || strcmp(kk, best) < 0) {
                        best = kk;
                        bk = p->lab_key[j];
                    }
                }
                if (!best)
                    break;
                for (j = la; j < lb; j++) {
                    if (p->lab_key[j] != bk || (p->lab_str[j] != 0) != (pass == 0))
                        continue;
                    hearth_buf_reset(&ln);
                    pb_opt(&ln, 1, ps_addp(&ps, p, bk, &fail));
                    if (pass == 0) {
                        pb_opt(&ln, 2, ps_addp(&ps, p, p->lab_str[j], &fail));
                    } else {
                        pb_opt(&ln, 3, (uint64_t)p->lab_num[j]);
                        if (p->lab_unit[j])
                            pb_opt(&ln, 4, ps_addp(&ps, p, p->lab_unit[j], &fail));
                    }
                    pb_bytes(&m, 3, ln.ptr ? ln.ptr : "", ln.len);
                }
                last = best;
            }
        }
        pb_bytes(&pb, 2, m.ptr ? m.ptr : "", m.len);
        if ((k & 4095) == 4095 && hearth_stacks_late(s)) {
            e = hearth_stacks_over_time(s, em);
            goto out_free;
        }
    }
    /* mappings as they were */
    for (i = 0; i < p->nmap && !p->fake_mapping; i++) {
        uint8_t fl = p->map_flags[i];
        hearth_buf_reset(&m);
        pb_opt(&m, 1, i + 1);
        pb_opt(&m, 2, p->map_start[i]);
        pb_opt(&m, 3, p->map_limit[i]);
        pb_opt(&m, 4, p->map_offset[i]);
        pb_opt(&m, 5, ps_add(&ps, hearth_pstr(p, p->map_file[i]), &fail));
        pb_opt(&m, 6, ps_add(&ps, hearth_pstr(p, p->map_build_id[i]), &fail));
        pb_opt(&m, 7, (fl & HEARTH_MAP_HAS_FUNCTIONS) != 0);
        pb_opt(&m, 8, (fl & HEARTH_MAP_HAS_FILENAMES) != 0);
        pb_opt(&m, 9, (fl & HEARTH_MAP_HAS_LINE_NUMBERS) != 0);
        pb_opt(&m, 10, (fl & HEARTH_MAP_HAS_INLINE_FRAMES) != 0);
        pb_bytes(&pb, 3, m.ptr ? m.ptr : "", m.len);
    }
    /* locations, then the functions they name */
    for (i = 0; i < locs.n && !pb.fail; i++) {
        size_t a = locs.off[i], b = locs.off[i + 1], y;
        const struct hearth_nodeinfo *outer = &s->ni[locs.pool[b - 1]];
        uint32_t mi = HEARTH_NONE;
        hearth_buf_reset(&m);
        pb_opt(&m, 1, i + 1);
        if (outer->objfile && !p->fake_mapping)
            mi = hearth_u64map_get(&mapof, outer->objfile);
        if (mi != HEARTH_NONE)
            pb_opt(&m, 2, mi + 1);
        pb_opt(&m, 3, outer->addr);
        for (y = a; y < b; y++) {
            const struct hearth_nodeinfo *ni = &s->ni[locs.pool[y]];
            uint32_t key[4] = {ni->name, ni->file, 0, 0}, f;
            if (!ni->has_line)
                continue; /* an unsymbolized location has no lines */
            memcpy(&key[2], &ni->start_line, 8);
            f = hearth_seqmap_add(&fns, key, 4, NULL);
            if (f == HEARTH_NONE) {
                e = nomem(em);
                goto out_free;
            }
            hearth_buf_reset(&ln);
            pb_opt(&ln, 1, f + 1);
            pb_opt(&ln, 2, (uint64_t)ni->lineno);
            pb_bytes(&m, 4, ln.ptr ? ln.ptr : "", ln.len);
        }
        pb_bytes(&pb, 4, m.ptr ? m.ptr : "", m.len);
    }
    for (i = 0; i < fns.n; i++) {
        const uint32_t *key = fns.pool + fns.off[i];
        int64_t sl;
        memcpy(&sl, &key[2], 8);
        hearth_buf_reset(&m);
        pb_opt(&m, 1, i + 1);
        pb_opt(&m, 2, ps_addp(&ps, p, key[0], &fail));
        pb_opt(&m, 3, ps_addp(&ps, p, key[0], &fail));
        pb_opt(&m, 4, ps_add(&ps, s->strs.strs[key[1]], &fail));
        pb_opt(&m, 5, (uint64_t)sl);
        pb_bytes(&pb, 5, m.ptr ? m.ptr : "", m.len);
    }
    pb_tail(&pb, &ps, p, true, &fail);
    if (fail) {
        e = nomem(em);
        goto out_free;
    }
    e = gzip_out(&pb, out, em);
out_free:
    free(seq);
    free(loc1);
    free(ps.of_p);
    free(ids);
    free(vals);
    hearth_u64map_release(&mapof);
    hearth_seqmap_release(&locs);
    hearth_seqmap_release(&fns);
    hearth_intern_release(&ps.in);
    hearth_arena_release(&ps.ar);
    hearth_buf_release(&pb);
    hearth_buf_release(&m);
    hearth_buf_release(&tmp);
    hearth_buf_release(&ln);
    return e;
}

static enum hearth_err comments(const struct hearth_profile *p, struct hearth_buf *out)
{
    uint32_t i;

    for (i = 0; i < p->ncomments; i++) {
        add_str(out, hearth_pstr(p, p->comments[i]));
        hearth_buf_addch(out, '\n');
    }
    return HEARTH_OK;
}

enum hearth_err hearth_report_render(enum hearth_report r, const struct hearth_profile *p,
                                     const struct hearth_stacks *s, const struct hearth_query *q,
                                     const char *arg, struct hearth_buf *out,
                                     struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;

    switch (r) {
    case HEARTH_REPORT_TRACES:
        e = traces(p, s, q, out, em);
        break;
    case HEARTH_REPORT_TREE:
        e = tree(s, q, NULL, out, em);
        break;
    case HEARTH_REPORT_PEEK:
        if (!arg || !*arg)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "peek needs a regexp");
        e = tree(s, q, arg, out, em);
        break;
    case HEARTH_REPORT_CALLGRIND:
        e = callgrind(s, q, out, em);
        break;
    case HEARTH_REPORT_RAW:
        e = raw(p, s, q, out, em);
        break;
    case HEARTH_REPORT_COMMENTS:
        e = comments(p, out);
        break;
    case HEARTH_REPORT_PROTO:
        e = proto(p, s, out, em);
        break;
    case HEARTH_REPORT_TOPPROTO:
        e = topproto(s, q, out, em);
        break;
    }
    if (!e && out->fail)
        return hearth_errmsg_set(em, out->fail, "output larger than the limit");
    return e;
}
