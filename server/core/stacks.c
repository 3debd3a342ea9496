/*
 * stacks.c - filters, granularity and stack aggregation; see stacks.h.
 *
 * The order of operations is pprof's (pprof-semantics.md 0.1 and 9.1):
 * total first, then focus/ignore/hide/show (one pass over locations, then
 * samples), show_from, tagfocus/tagignore, then aggregation to the
 * granularity. Location-level work (which lines survive, which node each
 * line becomes) is done once per location; the per-sample loop only walks
 * precomputed node lists.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "hearth/stacks.h"
#include "hearth/num.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/buf.h"
#include "hearth/labels.h"
#include "hearth/regex.h"
#include "hearth/units.h"

#include "hearth/banned.h"

enum {
    LOC_FOCUSED = 1,
    LOC_IGNORED = 2,
    LOC_HIDDEN = 4,
    LOC_SHOWFROM = 8,
    LOC_PRUNE = 16,         /* drop_frames: the whole location goes */
    LOC_PRUNE_BENEATH = 32, /* drop_frames: inlined part cut, location becomes a leaf */
    LOC_PRUNE_FROM = 64,    /* -prune_from matched: the location becomes the leaf */
};

struct tagfilter {
    bool numeric;
    char key[256];
    bool has_key;
    /* numeric: [lo, hi] in `unit`, with open ends */
    double lo, hi;
    bool has_lo, has_hi;
    char unit[64];
    /* regex list */
    struct hearth_regex *rx[16];
    int nrx;
};

/* Sampling noise model of the chosen sample type (stacks.h). */
enum noise_kind { NOISE_NONE = 0, NOISE_EXACT, NOISE_HEAP, NOISE_POISSON };

struct noise {
    enum noise_kind kind;
    uint32_t partner; /* heap: the other column of the objects/space pair */
    bool objects;     /* heap: the chosen column counts objects (else bytes) */
    double rate;      /* heap: the sampling rate R (the profile's period) */
    double scale;     /* poisson: variance per unit of |v| */
};

struct ctx {
    const struct hearth_profile *p;
    const struct hearth_query *q;
    const struct hearth_limits *lim;
    struct hearth_errmsg *em;
    struct hearth_stacks *s;
    struct hearth_regex *focus, *ignore, *hide, *show, *show_from;
    struct hearth_regex *drop, *keep; /* the profile's drop_frames / keep_frames */
    struct hearth_regex *prune_from, *tagshow, *taghide;
    uint32_t orig_nloc;      /* locations before -tagroot/-tagleaf pseudo ones */
    uint32_t nleafp, nrootp; /* pseudo frames per sample at the leaf and the root */
    /* totals after the filters (-relative_percentages), as compute_total's */
    int64_t rel_total, rel_div, rel_base_total, rel_base_div;
    bool rel_any_base;
    uint8_t *fn_drop;              /* per function: 0 unknown, 1 dropped, 2 kept */
    bool rx_failed;                /* a match failed (no memory): the view is an error */
    struct hearth_u64map key_unit; /* numeric label key -> its first non-empty unit */
    bool key_unit_ready;
    struct tagfilter tf, ti;
    bool has_tf, has_ti;
    /* per location */
    uint8_t *lflags;
    uint32_t *lnode_off; /* nodes of location l: lnode[lnode_off[l] .. [l+1]) innermost first */
    uint32_t *lnode;
    /* node identity table */
    struct hearth_seqmap nodemap;
    size_t nicap;
    const char *num_unit_bytes; /* unit of the numeric label "bytes" */
    /* samples as pprof's merge sees them (merge_samples) */
    bool merged;
    size_t nitems;
    uint32_t *mrep;
    int64_t *mval, *mbase;
    double *mvar; /* per merged item: summed variance of its samples (NULL = none) */
    const char *out_unit;
    struct noise nz;
    bool traces;   /* HEARTH_STACKS_TRACES: keep every sample's stack */
    bool objnames; /* HEARTH_STACKS_OBJNAMES: nodes keep their object file */
    bool rawfiles; /* HEARTH_STACKS_RAWFILES: file names as in the profile */
    size_t trcap;
};

static void tagfilter_release(struct tagfilter *t)
{
    int i;

    for (i = 0; i < t->nrx; i++)
        hearth_regex_free(t->rx[i]);
    t->nrx = 0;
}

static struct hearth_str S(const struct hearth_profile *p, uint32_t i) {
    return hearth_pstr(p, i);
}

/*
 * Whether re matches x. A failed match (out of memory) counts as no match
 * here but sets c->rx_failed, which turns the whole view into an error
 * before anything is returned: a view is never silently wrong.
 */
static bool
rx_match_str(struct ctx *c, const struct hearth_regex *re, struct hearth_str x)
{
    int r = hearth_regex_match(re, x.ptr, x.len);

    if (r < 0)
        c->rx_failed = true;
    return r == 1;
}

static enum hearth_err rx_failure(struct ctx *c)
{
    return hearth_errmsg_set(c->em, HEARTH_E_NOMEM,
                             "out of memory while matching a filter regexp; try again later");
}

/*
 * pprof's Location.matchesName: a line's function name or file, or the
 * mapping file. Lines before `first` were cut by drop_frames.
 */
static bool loc_matches(struct ctx *c, uint32_t l, uint32_t first, const struct hearth_regex *re)
{
    const struct hearth_profile *p = c->p;
    uint32_t k;

    for (k = first; k < p->loc_line_off[l + 1]; k++) {
        uint32_t f = p->line_fn[k];
        if (rx_match_str(c, re, S(p, p->fn_name[f])) || rx_match_str(c, re, S(p, p->fn_file[f])))
            return true;
    }
    return p->loc_map[l] != HEARTH_NONE && rx_match_str(c, re, S(p, p->map_file[p->loc_map[l]]));
}

static bool line_matches(struct ctx *c, uint32_t k, const struct hearth_regex *re)
{
    const struct hearth_profile *p = c->p;
    uint32_t f = p->line_fn[k];

    return rx_match_str(c, re, S(p, p->fn_name[f])) || rx_match_str(c, re, S(p, p->fn_file[f]));
}

static bool map_matches(struct ctx *c, uint32_t l, const struct hearth_regex *re)
{
    const struct hearth_profile *p = c->p;

    return p->loc_map[l] != HEARTH_NONE && rx_match_str(c, re, S(p, p->map_file[p->loc_map[l]]));
}

/* Go's filepath.Clean on a non-empty path, into out (at least len+2 bytes). */
static size_t clean_path(const char *in, size_t n, char *out)
{
    size_t r = 0, w = 0, dotdot = 0;
    bool rooted = n > 0 && in[0] == '/';

    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (in[r] == '/') {
            r++;
        } else if (in[r] == '.' && (r + 1 == n || in[r + 1] == '/')) {
            r++;
        } else if (in[r] == '.' && in[r + 1] == '.' && (r + 2 == n || in[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && in[r] != '/'; r++)
                out[w++] = in[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return w;
}

/* pprof's trimPath default prefixes, then Clean. Returns index in s->strs. */
/*
 * Whether f starts with the trim_path element [p, p+pl) plus a '/' when
 * the element lacks it; cuts the prefix off f if so.
 */
static bool trim_prefix(struct hearth_str *f, const char *p, size_t pl)
{
    bool slash = pl > 0 && p[pl - 1] == '/';

    if (f->len < pl + (slash ? 0 : 1) || memcmp(f->ptr, p, pl) != 0 ||
        (!slash && f->ptr[pl] != '/'))
        return false;
    pl += slash ? 0 : 1;
    f->ptr += pl;
    f->len -= pl;
    return true;
}

static uint32_t file_id(struct ctx *c, struct hearth_str f)
{
    static const char *const prefixes[] = {"/proc/self/cwd/./", "/proc/self/cwd/"};
    const char *tp = c->q->trim_path;
    char stackbuf[512], *buf = stackbuf;
    size_t i, n;
    uint32_t id;
    bool cut = false;

    if (f.len == 0)
        return 0;
    if (c->rawfiles)
        return hearth_intern_add(&c->s->strs, f.ptr, f.len);
    /* pprof's trimPath: the -trim_path elements (':'-separated), then the defaults */
    if (tp && *tp) {
        const char *el = tp;
        for (;;) {
            const char *colon = strchr(el, ':');
            size_t el_len = colon ? (size_t)(colon - el) : strlen(el);
            cut = trim_prefix(&f, el, el_len);
            if (cut || !colon)
                break;
            el = colon + 1;
        }
    }
    for (i = 0; i < 2 && !cut; i++)
        cut = trim_prefix(&f, prefixes[i], strlen(prefixes[i]));
    if (f.len + 3 > sizeof(stackbuf)) {
        buf = malloc(f.len + 3);
        if (!buf)
            return HEARTH_NONE;
    }
    n = f.len ? clean_path(f.ptr, f.len, buf) : 0;
    if (f.len == 0) {
        buf[0] = '.';
        n = 1;
    }
    id = hearth_intern_add(&c->s->strs, buf, n);
    if (buf != stackbuf)
        free(buf);
    return id;
}

/* The node of line k (or of an unsymbolised location when k == NONE). */
static uint32_t node_for(struct ctx *c, uint32_t l, uint32_t k)
{
    const struct hearth_profile *p = c->p;
    enum hearth_gran g = c->q->gran;
    struct hearth_nodeinfo ni;
    uint32_t key[10], id, objfile = 0;
    bool added;

    memset(&ni, 0, sizeof(ni));
    if (p->loc_map[l] != HEARTH_NONE)
        objfile = p->map_file[p->loc_map[l]];
    if (g == HEARTH_GRAN_ADDRESSES)
        ni.addr = p->loc_addr[l];
    if (k == HEARTH_NONE) {
        ni.objfile = objfile;
    } else {
        uint32_t f = p->line_fn[k];
        if (g != HEARTH_GRAN_FILES)
            ni.name = p->fn_name[f];
        if (g != HEARTH_GRAN_FUNCTIONS) {
            ni.file = file_id(c, S(p, p->fn_file[f]));
            if (ni.file == HEARTH_NONE)
                return HEARTH_NONE;
        }
        if (g == HEARTH_GRAN_LINES || g == HEARTH_GRAN_ADDRESSES)
            ni.lineno = p->line_no[k];
        /* pprof keys nameless frames by object file and start line too */
        if (ni.name == 0 || c->objnames) {
            ni.objfile = objfile;
            ni.start_line = p->fn_start_line[f];
        }
    }
    ni.has_line = c->rawfiles && k != HEARTH_NONE;
    key[0] = ni.name;
    key[1] = ni.file;
    key[2] = ni.objfile;
    memcpy(&key[3], &ni.start_line, 8);
    memcpy(&key[5], &ni.lineno, 8);
    memcpy(&key[7], &ni.addr, 8);
    key[9] = ni.has_line;
    id = hearth_seqmap_add(&c->nodemap, key, 10, &added);
    if (id == HEARTH_NONE)
        return HEARTH_NONE;
    if (added) {
        struct hearth_stacks *s = c->s;
        if (id >= c->nicap) {
            size_t nc = c->nicap ? c->nicap * 2 : 1024;
            struct hearth_nodeinfo *nn = realloc(s->ni, nc * sizeof(*nn));
            if (!nn)
                return HEARTH_NONE;
            s->ni = nn;
            c->nicap = nc;
        }
        s->ni[id] = ni;
        s->nnodes = id + 1;
    }
    return id;
}

/* Fills s->pname with pprof's printed node names. */
static enum hearth_err make_names(struct ctx *c)
{
    struct hearth_stacks *s = c->s;
    const struct hearth_profile *p = c->p;
    struct hearth_buf b;
    uint32_t i;

    s->pname = calloc(s->nnodes + 1, sizeof(*s->pname));
    if (!s->pname)
        return HEARTH_E_NOMEM;
    hearth_buf_init(&b, (size_t)1 << 30);
    for (i = 0; i < s->nnodes; i++) {
        const struct hearth_nodeinfo *ni = &s->ni[i];
        struct hearth_str name = S(p, ni->name), file = s->strs.strs[ni->file];
        char *copy;
        hearth_buf_reset(&b);
        if (ni->addr)
            hearth_buf_printf(&b, "%016" PRIx64, ni->addr);
        if (name.len) {
            if (b.len)
                hearth_buf_addch(&b, ' ');
            hearth_buf_add(&b, name.ptr, name.len);
        }
        if (b.len)
            hearth_buf_addch(&b, ' ');
        if (ni->lineno != 0) {
            hearth_buf_add(&b, file.ptr, file.len);
            hearth_buf_printf(&b, ":%" PRId64, ni->lineno);
        } else if (file.len) {
            hearth_buf_add(&b, file.ptr, file.len);
        } else if (name.len) {
            b.len--; /* nothing more: drop the separator */
            b.ptr[b.len] = '\0';
        } else if (ni->objfile) {
            struct hearth_str o = S(p, ni->objfile);
            const char *base = o.ptr + o.len;
            size_t bl = 0;
            /* filepath.Base: last element after trailing slashes are removed */
            while (o.len > 1 && o.ptr[o.len - 1] == '/')
                o.len--;
            base = o.ptr + o.len;
            while (base > o.ptr && base[-1] != '/') {
                base--;
                bl++;
            }
            if (bl == 0 && o.len) {
                base = "/";
                bl = 1;
            }
            hearth_buf_addch(&b, '[');
            hearth_buf_add(&b, base, bl);
            hearth_buf_addch(&b, ']');
        } else {
            hearth_buf_addstr(&b, "<unknown>");
        }
        if (b.fail) {
            hearth_buf_release(&b);
            return b.fail;
        }
        copy = hearth_arena_strndup(&s->arena, b.ptr ? b.ptr : "", b.len);
        if (!copy) {
            hearth_buf_release(&b);
            return HEARTH_E_NOMEM;
        }
        s->pname[i].ptr = copy;
        s->pname[i].len = b.len;
    }
    hearth_buf_release(&b);
    return HEARTH_OK;
}

/* ---- tag filters (tagfocus / tagignore) ---- */

/* Splits "12kb" into number and letters; returns false if not that shape. */
static bool parse_num_unit(const char *s, size_t n, long long *v, char *unit, size_t usz)
{
    size_t i = 0, d0;
    char num[32];

    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d0 || i >= sizeof(num))
        return false;
    memcpy(num, s, i);
    num[i] = '\0';
    *v = strtoll(num, NULL, 10);
    if (n - i >= usz)
        return false;
    memcpy(unit, s + i, n - i);
    unit[n - i] = '\0';
    for (d0 = 0; unit[d0]; d0++)
        if (!((unit[d0] >= 'a' && unit[d0] <= 'z') || (unit[d0] >= 'A' && unit[d0] <= 'Z')))
            return false;
    return true;
}

/* pprof's numeric range syntax: N[u], N[u]:, :N[u], N[u]:M[v]. */
static bool parse_range(struct tagfilter *t, const char *v)
{
    const char *colon = strchr(v, ':');
    long long a, b;
    char ua[64], ub[64];
    const char *u;

    if (!colon) {
        if (!parse_num_unit(v, strlen(v), &a, ua, sizeof(ua)))
            return false;
        t->lo = t->hi = hearth_unit_scale(a, ua, ua, &u);
        t->has_lo = t->has_hi = true;
    } else if (colon == v) {
        if (!parse_num_unit(v + 1, strlen(v + 1), &a, ua, sizeof(ua)))
            return false;
        t->hi = hearth_unit_scale(a, ua, ua, &u);
        t->has_hi = true;
    } else if (colon[1] == '\0') {
        if (!parse_num_unit(v, (size_t)(colon - v), &a, ua, sizeof(ua)))
            return false;
        t->lo = hearth_unit_scale(a, ua, ua, &u);
        t->has_lo = true;
    } else {
        const char *u2;
        if (!parse_num_unit(v, (size_t)(colon - v), &a, ua, sizeof(ua)) ||
            !parse_num_unit(colon + 1, strlen(colon + 1), &b, ub, sizeof(ub)))
            return false;
        t->lo = hearth_unit_scale(a, ua, ua, &u);
        t->hi = hearth_unit_scale(b, ub, ua, &u2);
        if (strcmp(u, u2) != 0)
            return false;
        t->has_lo = t->has_hi = true;
    }
    snprintf(t->unit, sizeof(t->unit), "%s", u);
    t->numeric = true;
    return true;
}

static enum hearth_err tagfilter_compile(struct ctx *c, struct tagfilter *t, const char *name,
                                         const char *value)
{
    const char *eq = strchr(value, '='), *v = value, *part;
    char buf[4096];
    enum hearth_err e;

    memset(t, 0, sizeof(*t));
    if (strlen(value) >= sizeof(buf))
        return hearth_errmsg_set(c->em, HEARTH_E_BAD_REQUEST, "%s: value too long", name);
    if (eq) {
        size_t kl = (size_t)(eq - value);
        if (kl >= sizeof(t->key))
            return hearth_errmsg_set(c->em, HEARTH_E_BAD_REQUEST, "%s: key too long", name);
        memcpy(t->key, value, kl);
        t->key[kl] = '\0';
        t->has_key = kl > 0;
        v = eq + 1;
    }
    if (parse_range(t, v))
        return HEARTH_OK;
    snprintf(buf, sizeof(buf), "%s", v);
    part = buf;
    for (;;) {
        char *comma = strchr(part, ',');
        if (comma)
            *comma = '\0';
        if (t->nrx >= 16)
            return hearth_errmsg_set(c->em, HEARTH_E_BAD_REQUEST, "%s: too many regexps", name);
        e = hearth_regex_compile(part, c->lim, name, &t->rx[t->nrx], c->em);
        if (e)
            return e;
        t->nrx++;
        if (!comma)
            break;
        part = comma + 1;
    }
    return HEARTH_OK;
}

/*
 * pprof's Profile.NumLabelUnits: each numeric label key's unit is the first
 * non-empty unit seen for it in the whole profile. One pass over all labels
 * fills c->key_unit, so that looking a key up is O(1) (scanning the labels
 * per lookup made numeric tag filters quadratic in the samples).
 */
static enum hearth_err key_units_prepare(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    size_t i, n = p->s_lab_off[p->nsamples];

    if (c->key_unit_ready)
        return HEARTH_OK;
    if (!hearth_u64map_init(&c->key_unit, 16))
        return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory");
    c->key_unit_ready = true;
    for (i = 0; i < n; i++)
        if (p->lab_str[i] == 0 && p->lab_unit[i] != 0 &&
            hearth_u64map_put(&c->key_unit, p->lab_key[i], p->lab_unit[i], NULL) < 0)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory");
    return HEARTH_OK;
}

/* The unit of numeric label key (key_units_prepare() first), else pprof's default. */
static const char *num_label_unit(struct ctx *c, uint32_t key)
{
    uint32_t u = hearth_u64map_get(&c->key_unit, key);
    struct hearth_str k;

    if (u != HEARTH_NONE)
        return S(c->p, u).ptr;
    k = S(c->p, key);
    if ((k.len == 9 && !memcmp(k.ptr, "alignment", 9)) ||
        (k.len == 7 && !memcmp(k.ptr, "request", 7)))
        return "bytes";
    return k.ptr;
}

static bool tagfilter_match(struct ctx *c, struct tagfilter *t, size_t smp)
{
    const struct hearth_profile *p = c->p;
    uint32_t a = p->s_lab_off[smp], b = p->s_lab_off[smp + 1], i;
    char kv[8192];
    int r;

    if (t->numeric) {
        for (i = a; i < b; i++) {
            struct hearth_str k;
            const char *u, *unit;
            double sv;
            if (p->lab_str[i] != 0)
                continue;
            k = S(p, p->lab_key[i]);
            if (t->has_key && (strlen(t->key) != k.len || memcmp(t->key, k.ptr, k.len)))
                continue;
            unit = num_label_unit(c, p->lab_key[i]);
            sv = hearth_unit_scale(p->lab_num[i], unit, t->unit, &u);
            if (strcmp(u, t->unit) != 0)
                continue;
            if ((!t->has_lo || sv >= t->lo) && (!t->has_hi || sv <= t->hi))
                return true;
        }
        return false;
    }
    if (t->has_key) {
        for (r = 0; r < t->nrx; r++)
            for (i = a; i < b; i++) {
                struct hearth_str k;
                if (p->lab_str[i] == 0)
                    continue;
                k = S(p, p->lab_key[i]);
                if (strlen(t->key) == k.len && !memcmp(t->key, k.ptr, k.len) &&
                    rx_match_str(c, t->rx[r], S(p, p->lab_str[i])))
                    return true;
            }
        return false;
    }
    for (r = 0; r < t->nrx; r++) {
        bool m = false;
        for (i = a; i < b && !m; i++) {
            struct hearth_str k, v;
            size_t n;
            if (p->lab_str[i] == 0)
                continue;
            k = S(p, p->lab_key[i]);
            v = S(p, p->lab_str[i]);
            if (k.len + v.len + 1 > sizeof(kv))
                continue;
            memcpy(kv, k.ptr, k.len);
            kv[k.len] = ':';
            memcpy(kv + k.len + 1, v.ptr, v.len);
            n = k.len + 1 + v.len;
            m = rx_match_str(c, t->rx[r], (struct hearth_str){kv, n});
        }
        if (!m)
            return false;
    }
    return true;
}

/* ---- total ---- */

static bool is_base_label(const struct hearth_profile *p, uint32_t i)
{
    return p->lab_str[i] != 0 && hearth_pstr_eq(p, p->lab_key[i], "pprof::base") &&
           hearth_pstr_eq(p, p->lab_str[i], "true");
}

static bool sample_is_base(const struct hearth_profile *p, size_t smp)
{
    uint32_t i;

    for (i = p->s_lab_off[smp]; i < p->s_lab_off[smp + 1]; i++)
        if (is_base_label(p, i))
            return true;
    return false;
}

/* ---- sums over stacks ---- */

enum hearth_err hearth_stacks_sum_rows(const struct hearth_stacks *s, const uint32_t *row,
                                       uint32_t nrows, int64_t *flat, int64_t *cum, double *vflat,
                                       double *vcum)
{
    size_t *stamp = NULL, st, f;
    const double *var = s->var;

    if (cum || vcum) {
        stamp = calloc((size_t)nrows + 1, sizeof(*stamp));
        if (!stamp)
            return HEARTH_E_NOMEM;
    }
    for (st = 0; st < s->nstacks; st++) {
        size_t a = s->off[st], b = s->off[st + 1];
        uint32_t r;
        if (a == b)
            continue;
        r = row[s->frames[b - 1] >> 1];
        if (r != HEARTH_NONE) {
            if (flat)
                flat[r] = hearth_add64(flat[r], s->w[st]);
            if (vflat && var)
                vflat[r] += var[st];
        }
        if (!stamp)
            continue;
        for (f = a; f < b; f++) {
            r = row[s->frames[f] >> 1];
            if (r == HEARTH_NONE || stamp[r] == st + 1)
                continue;
            stamp[r] = st + 1;
            if (cum)
                cum[r] = hearth_add64(cum[r], s->w[st]);
            if (vcum && var)
                vcum[r] += var[st];
        }
    }
    free(stamp);
    return HEARTH_OK;
}

/* ---- sampling noise ---- */

uint32_t hearth_stacks_type_partner(const struct hearth_profile *p, uint32_t t, const char *from,
                                    const char *to, bool prefix)
{
    size_t fl = strlen(from), tl = strlen(to), rest, i;
    struct hearth_str n;
    char want[256];

    if (t >= p->ntypes)
        return HEARTH_NONE;
    n = S(p, p->type_name[t]);
    if (n.len < fl || n.len - fl + tl >= sizeof(want))
        return HEARTH_NONE;
    rest = n.len - fl;
    if (prefix) {
        if (memcmp(n.ptr, from, fl) != 0)
            return HEARTH_NONE;
        memcpy(want, to, tl);
        memcpy(want + tl, n.ptr + fl, rest);
    } else {
        if (memcmp(n.ptr + rest, from, fl) != 0)
            return HEARTH_NONE;
        memcpy(want, n.ptr, rest);
        memcpy(want + rest, to, tl);
    }
    want[rest + tl] = '\0';
    for (i = 0; i < p->ntypes; i++)
        if (hearth_pstr_eq(p, p->type_name[i], want))
            return (uint32_t)i;
    return HEARTH_NONE;
}

/* Picks the noise model of the chosen sample type (stacks.h). */
static void noise_setup(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    struct hearth_stacks *s = c->s;
    struct noise *nz = &c->nz;

    memset(nz, 0, sizeof(*nz));
    s->noise = "none";
    if (hearth_pstr_eq(p, p->period_type, "goroutine")) {
        nz->kind = NOISE_EXACT;
        s->noise = "exact";
    } else if (hearth_pstr_eq(p, p->period_type, "space")) {
        uint32_t o = hearth_stacks_type_partner(p, s->sidx, "_space", "_objects", false);
        uint32_t b = hearth_stacks_type_partner(p, s->sidx, "_objects", "_space", false);
        if (o != HEARTH_NONE) {
            nz->partner = o;
        } else if (b != HEARTH_NONE) {
            nz->partner = b;
            nz->objects = true;
        } else {
            return;
        }
        nz->kind = NOISE_HEAP;
        nz->rate = (double)p->period;
        s->noise = "heap";
    } else if (hearth_pstr_eq(p, p->period_type, "cpu") ||
               hearth_pstr_eq(p, p->period_type, "wall")) {
        const char *su = S(p, p->type_unit[s->sidx]).ptr, *pu = S(p, p->period_unit).ptr;
        double fs = 0, fp = 0;
        if (!strcmp(su, "count") || hearth_pstr_eq(p, p->type_name[s->sidx], "samples"))
            nz->scale = 1;
        else if (p->period > 0 && !strcmp(su, pu))
            nz->scale = (double)p->period;
        else if (p->period > 0 && hearth_unit_family(su, &fs) == 2 &&
                 hearth_unit_family(pu, &fp) == 2 && fs > 0)
            nz->scale = (double)p->period * fp / fs; /* the period in the sample's unit */
        else
            return;
        nz->kind = NOISE_POISSON;
        s->noise = "poisson";
    }
}

/*
 * The sampling variance of sample si's value in the chosen column. Heap:
 * the sample stands for O objects of average size s = B/O, each kept with
 * probability p = 1 - exp(-s/R); the kept count is binomial, so the scaled
 * count O has variance O (1-p)/p and the bytes B = s O have s² times that.
 * Absolute values: a diff's base is negated but just as noisy.
 */
static double sample_var(const struct ctx *c, size_t si)
{
    const struct noise *nz = &c->nz;
    const int64_t *v = c->p->s_val + si * c->p->ntypes;
    double x = fabs((double)v[c->s->sidx]), o, b, sz, pr, q;

    if (nz->kind == NOISE_POISSON)
        return x * nz->scale;
    if (nz->kind != NOISE_HEAP)
        return 0;
    o = nz->objects ? x : fabs((double)v[nz->partner]);
    b = nz->objects ? fabs((double)v[nz->partner]) : x;
    if (o <= 0 || b <= 0 || nz->rate <= 1)
        return 0;
    sz = b / o;
    pr = -expm1(-sz / nz->rate);
    if (!(pr > 0))
        return 0;
    q = (1 - pr) / pr;
    return nz->objects ? o * q : b * sz * q;
}

/*
 * pprof merges samples with identical stacks and labels (summing every
 * value column) and drops the all-zero results before anything else. With
 * only non-negative values that changes no number, so it is done only when
 * the chosen column has negative values (diffs) or when the samples are
 * listed one by one (HEARTH_STACKS_TRACES): then c->mrep lists one
 * representative sample per key and c->mval its merged values.
 */
static enum hearth_err merge_samples(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    uint32_t nt = p->ntypes, t = c->s->sidx;
    struct hearth_seqmap keys;
    uint32_t *key = NULL, *kid = NULL;
    size_t keycap = 0, i, k;
    bool any_neg = false;
    enum hearth_err e = HEARTH_E_NOMEM;

    for (i = 0; i < p->nsamples && !any_neg; i++)
        any_neg = p->s_val[i * nt + t] < 0;
    if (!any_neg && !c->traces)
        return HEARTH_OK; /* traces list pprof's merged samples one by one */
    hearth_seqmap_init(&keys);
    kid = malloc((p->nsamples + 1) * sizeof(*kid));
    if (!kid)
        goto out_free;
    for (i = 0; i < p->nsamples; i++) {
        uint32_t a = p->s_loc_off[i], b = p->s_loc_off[i + 1];
        size_t n = hearth__sample_key(p, p->s_locs + a, b - a, p->s_lab_off[i], p->s_lab_off[i + 1],
                                      &key, &keycap);
        if (!n)
            goto out_free;
        kid[i] = hearth_seqmap_add(&keys, key, n, NULL);
        if (kid[i] == HEARTH_NONE)
            goto out_free;
    }
    c->nitems = keys.n;
    c->mrep = malloc((keys.n + 1) * sizeof(*c->mrep));
    c->mval = calloc(keys.n * nt + 1, sizeof(*c->mval));
    c->mbase = calloc(keys.n + 1, sizeof(*c->mbase));
    if (!c->mrep || !c->mval || !c->mbase)
        goto out_free;
    if (c->nz.kind == NOISE_HEAP || c->nz.kind == NOISE_POISSON) {
        c->mvar = calloc(keys.n + 1, sizeof(*c->mvar));
        if (!c->mvar)
            goto out_free;
    }
    memset(c->mrep, 0xff, (keys.n + 1) * sizeof(*c->mrep));
    for (i = 0; i < p->nsamples; i++) {
        uint32_t id = kid[i];
        if (c->mrep[id] == HEARTH_NONE)
            c->mrep[id] = (uint32_t)i;
        for (k = 0; k < nt; k++)
            c->mval[(size_t)id * nt + k] =
                hearth_add64(c->mval[(size_t)id * nt + k], p->s_val[i * nt + k]);
        if (p->s_side && p->s_side[i])
            c->mbase[id] = hearth_add64(c->mbase[id], p->s_val[i * nt + t]);
        /* variances add over the merged samples: a diff's base counts too */
        if (c->mvar)
            c->mvar[id] += sample_var(c, i);
    }
    c->merged = true;
    e = HEARTH_OK;
out_free:
    free(key);
    free(kid);
    hearth_seqmap_release(&keys);
    if (e)
        return hearth_errmsg_set(c->em, e, "out of memory merging samples");
    return HEARTH_OK;
}

/* The report total: sum of |value| (pprof-semantics.md 5.2). */
/* total / div when div is not 0 (pprof's -mean total), else total. */
static int64_t mean_total(int64_t total, int64_t div)
{
    if (div == 0 || (div == -1 && total == INT64_MIN))
        return total;
    return total / div;
}

static void compute_total(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    uint32_t t = c->s->sidx, nt = p->ntypes;
    int64_t base_total = 0, plain = 0, base_div = 0, div = 0;
    bool any_base = false;
    size_t i;

    for (i = 0; i < p->nsamples; i++) {
        int64_t v = p->s_val[i * nt + t];
        int64_t av = hearth_abs64(v);
        if (sample_is_base(p, i)) {
            any_base = true;
            base_total = hearth_add64(base_total, av);
            if (c->q->mean)
                base_div = hearth_add64(base_div, p->s_val[i * nt]);
        }
    }
    if (any_base && base_total > 0) {
        c->s->total = mean_total(base_total, base_div);
        return;
    }
    for (i = 0; i < c->nitems; i++) {
        int64_t v = c->merged ? c->mval[i * nt + t] : p->s_val[i * nt + t];
        plain = hearth_add64(plain, hearth_abs64(v));
        if (c->q->mean)
            div = hearth_add64(div, c->merged ? c->mval[i * nt] : p->s_val[i * nt]);
    }
    c->s->total = mean_total(plain, div);
}

/* ---- per-location preparation ---- */

/*
 * pprof's simplifyFunc for drop_frames: a leading '.' and the argument list
 * from the first '(' go, except the '(' of "(anonymous namespace)" and
 * "operator()".
 */
static size_t simplify_func(const char *s, size_t n, const char **out)
{
    static const char *const reserved[] = {"(anonymous namespace)", "operator()"};
    size_t i, k;

    if (n && s[0] == '.') {
        s++;
        n--;
    }
    *out = s;
    for (i = 0; i < n; i++) {
        bool res = false;
        for (k = 0; k < 2; k++) {
            size_t rl = strlen(reserved[k]);
            size_t at = reserved[k][0] == '(' ? i : (i >= 8 ? i - 8 : SIZE_MAX);
            if (at != SIZE_MAX && at + rl <= n && !memcmp(s + at, reserved[k], rl) &&
                at + (size_t)(strchr(reserved[k], '(') - reserved[k]) == i) {
                res = true;
                i = at + rl - 1;
                break;
            }
        }
        if (res)
            continue;
        if (s[i] == '(')
            return i;
    }
    return n;
}

/*
 * Whether function f's name matches drop_frames and not keep_frames, cached
 * per function. RE2 matches in linear time, so a hostile pattern in the
 * file costs no more than an ordinary one; a failed match sets c->rx_failed.
 */
static bool fn_dropped(struct ctx *c, uint32_t f)
{
    const struct hearth_profile *p = c->p;
    struct hearth_str name;

    if (c->fn_drop[f])
        return c->fn_drop[f] == 1;
    name = S(p, p->fn_name[f]);
    c->fn_drop[f] = 2;
    if (name.len == 0)
        return false;
    name.len = simplify_func(name.ptr, name.len, &name.ptr);
    if (rx_match_str(c, c->drop, name) && !(c->keep && rx_match_str(c, c->keep, name)))
        c->fn_drop[f] = 1;
    return c->fn_drop[f] == 1;
}

/* The innermost-first index of the line drop_frames cuts at, or -1. */
static int prune_line(struct ctx *c, uint32_t a, uint32_t b)
{
    int i;

    for (i = (int)(b - a) - 1; i >= 0; i--)
        if (fn_dropped(c, c->p->line_fn[a + (uint32_t)i]))
            return i;
    return -1;
}

static enum hearth_err prepare_locations(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    uint32_t l, *lines = NULL, n, k, cap = 0, nnodes = 0, ncap;

    c->lflags = calloc(p->nloc + 1, 1);
    if (c->traces) {
        c->s->loc_skip = calloc(p->nloc + 1, sizeof(*c->s->loc_skip));
        if (!c->s->loc_skip)
            goto out_nomem;
    }
    c->lnode_off = malloc((p->nloc + 1) * sizeof(*c->lnode_off));
    ncap = p->nlines + p->nloc + 16;
    c->lnode = malloc(ncap * sizeof(*c->lnode));
    if (!c->lflags || !c->lnode_off || !c->lnode)
        goto out_nomem;
    for (l = 0; l < p->nloc; l++) {
        uint32_t a = p->loc_line_off[l], b = p->loc_line_off[l + 1];
        bool hidden = false;

        if (c->drop && l < c->orig_nloc) {
            int i = prune_line(c, a, b);
            if (i >= 0) {
                c->lflags[l] |= LOC_PRUNE_BENEATH;
                if ((uint32_t)i == b - a - 1)
                    c->lflags[l] |= LOC_PRUNE;
                else
                    a += (uint32_t)i + 1; /* keep the callers of the matched frame */
                if (c->s->loc_skip && !(c->lflags[l] & LOC_PRUNE))
                    c->s->loc_skip[l] = (uint32_t)i + 1;
            }
        }

        if (c->ignore && loc_matches(c, l, a, c->ignore))
            c->lflags[l] |= LOC_IGNORED;
        else if (!c->focus || loc_matches(c, l, a, c->focus))
            c->lflags[l] |= LOC_FOCUSED;

        if (b - a + 1 > cap) {
            uint32_t *nl = realloc(lines, (b - a + 1) * 2 * sizeof(*nl));
            if (!nl)
                goto out_nomem;
            lines = nl;
            cap = (b - a + 1) * 2;
        }
        n = 0;
        for (k = a; k < b; k++)
            lines[n++] = k;
        if (c->hide && loc_matches(c, l, a, c->hide)) {
            uint32_t m = 0;
            if (!map_matches(c, l, c->hide))
                for (k = 0; k < n; k++)
                    if (!line_matches(c, lines[k], c->hide))
                        lines[m++] = lines[k];
            n = m;
            if (n == 0)
                hidden = true;
        }
        if (c->show) {
            if (!map_matches(c, l, c->show)) {
                uint32_t m = 0;
                for (k = 0; k < n; k++)
                    if (line_matches(c, lines[k], c->show))
                        lines[m++] = lines[k];
                n = m;
            }
            if (n == 0)
                hidden = true;
        }
        if (hidden)
            c->lflags[l] |= LOC_HIDDEN;
        if (c->show_from) {
            if (map_matches(c, l, c->show_from)) {
                c->lflags[l] |= LOC_SHOWFROM;
            } else {
                int i;
                for (i = (int)n - 1; i >= 0; i--)
                    if (line_matches(c, lines[i], c->show_from))
                        break;
                if (i >= 0) {
                    n = (uint32_t)i + 1;
                    c->lflags[l] |= LOC_SHOWFROM;
                }
            }
        }
        if (c->prune_from && !hidden) {
            /* pprof's PruneFrom: the innermost matching line becomes the first */
            for (k = 0; k < n; k++) {
                struct hearth_str fn = S(p, p->fn_name[p->line_fn[lines[k]]]);
                if (fn.len == 0)
                    continue;
                fn.len = simplify_func(fn.ptr, fn.len, &fn.ptr);
                if (rx_match_str(c, c->prune_from, fn))
                    break;
            }
            if (k < n) {
                memmove(lines, lines + k, (n - k) * sizeof(*lines));
                n -= k;
                c->lflags[l] |= LOC_PRUNE_FROM;
            }
        }
        if (c->q->noinlines && n > 1) {
            lines[0] = lines[n - 1];
            n = 1;
        }
        c->lnode_off[l] = nnodes;
        if (hidden)
            continue;
        if (nnodes + n + 1 > ncap) {
            uint32_t *nn;
            ncap = (nnodes + n + 1) * 2;
            nn = realloc(c->lnode, ncap * sizeof(*nn));
            if (!nn)
                goto out_nomem;
            c->lnode = nn;
        }
        if (n == 0 && a == b) {
            /* no lines at all: one node for the address/binary */
            uint32_t id = node_for(c, l, HEARTH_NONE);
            if (id == HEARTH_NONE)
                goto out_nomem;
            c->lnode[nnodes++] = id << 1;
            continue;
        }
        for (k = 0; k < n; k++) {
            uint32_t id = node_for(c, l, lines[k]);
            if (id == HEARTH_NONE || id >= 0x7fffffffu)
                goto out_nomem;
            c->lnode[nnodes++] = id << 1 | (k != n - 1 ? 1u : 0u);
        }
    }
    c->lnode_off[p->nloc] = nnodes;
    free(lines);
    if (c->rx_failed)
        return rx_failure(c);
    return HEARTH_OK;
out_nomem:
    free(lines);
    return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory");
}

/* ---- tag sets for the call graph's tag boxes ---- */

struct tagctx {
    struct hearth_seqmap sets;
    struct hearth_intern labels; /* joined label strings; 0 = "" */
    struct hearth_intern nums;   /* formatted bytes values */
    int64_t *numval;             /* first raw value of each formatted value */
    size_t numcap;
    uint32_t numseen; /* numval[0 .. numseen) are set */
};

static int cmp_str(const void *a, const void *b)
{
    const struct hearth_str *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->ptr, y->ptr, n);

    return r ? r : (x->len < y->len ? -1 : x->len > y->len);
}

static uint32_t sample_tagset(struct ctx *c, struct tagctx *tc, size_t smp, struct hearth_buf *b)
{
    const struct hearth_profile *p = c->p;
    uint32_t a = p->s_lab_off[smp], e = p->s_lab_off[smp + 1], i, key[64], nk = 1, n = 0;
    struct hearth_str parts[64];

    /* string labels "key:value", sorted, joined (pprof's joinLabels), without pprof::base */
    hearth_buf_reset(b);
    for (i = a; i < e && n < 64; i++) {
        if (p->lab_str[i] == 0 || is_base_label(p, i) ||
            (c->s->key_hidden && c->s->key_hidden[p->lab_key[i]]))
            continue;
        parts[n].ptr = (const char *)(uintptr_t)i; /* sorted below by text */
        parts[n].len = 0;
        n++;
    }
    if (n) {
        struct hearth_buf tmp;
        char *joined;
        size_t off = 0;
        hearth_buf_init(&tmp, (size_t)1 << 24);
        /* render each label then sort the rendered strings */
        {
            size_t *starts = malloc(n * sizeof(*starts));
            if (!starts)
                return HEARTH_NONE;
            for (i = 0; i < n; i++) {
                uint32_t li = (uint32_t)(uintptr_t)parts[i].ptr;
                struct hearth_str k = S(p, p->lab_key[li]), v = S(p, p->lab_str[li]);
                starts[i] = tmp.len;
                hearth_buf_add(&tmp, k.ptr, k.len);
                hearth_buf_addch(&tmp, ':');
                hearth_buf_add(&tmp, v.ptr, v.len);
            }
            if (tmp.fail) {
                free(starts);
                hearth_buf_release(&tmp);
                return HEARTH_NONE;
            }
            for (i = 0; i < n; i++) {
                size_t end = i + 1 < n ? starts[i + 1] : tmp.len;
                parts[i].ptr = tmp.ptr + starts[i];
                parts[i].len = end - starts[i];
            }
            free(starts);
        }
        qsort(parts, n, sizeof(parts[0]), cmp_str);
        for (i = 0; i < n; i++) {
            if (i)
                hearth_buf_add(b, "\\n", 2);
            hearth_buf_add(b, parts[i].ptr, parts[i].len);
        }
        joined = b->ptr;
        off = b->len;
        key[0] = hearth_intern_add(&tc->labels, joined ? joined : "", off);
        hearth_buf_release(&tmp);
    } else {
        key[0] = 0;
    }
    for (i = a; i < e && nk < 64; i++) {
        char lab[128];
        if (p->lab_str[i] != 0 || !hearth_pstr_eq(p, p->lab_key[i], "bytes") ||
            (c->s->key_hidden && c->s->key_hidden[p->lab_key[i]]))
            continue;
        hearth_unit_label(lab, sizeof(lab), p->lab_num[i], c->num_unit_bytes, c->out_unit);
        key[nk] = hearth_intern_add(&tc->nums, lab, strlen(lab));
        if (key[nk] == HEARTH_NONE)
            return HEARTH_NONE;
        if (key[nk] >= tc->numcap) {
            size_t nc = tc->numcap ? tc->numcap * 2 : 64;
            int64_t *nv = realloc(tc->numval, nc * sizeof(*nv));
            if (!nv)
                return HEARTH_NONE;
            tc->numval = nv;
            tc->numcap = nc;
        }
        if (key[nk] >= tc->numseen) {
            tc->numval[key[nk]] = p->lab_num[i];
            tc->numseen = key[nk] + 1;
        }
        nk++;
    }
    if (key[0] == 0 && nk == 1)
        return HEARTH_NONE;
    return hearth_seqmap_add(&tc->sets, key, nk, NULL);
}

static enum hearth_err export_tagsets(struct hearth_stacks *s, struct tagctx *tc)
{
    size_t i;

    s->ntagsets = (uint32_t)tc->sets.n;
    s->ts_label = malloc((tc->sets.n + 1) * sizeof(*s->ts_label));
    s->ts_off = malloc((tc->sets.n + 1) * sizeof(*s->ts_off));
    s->ts_num = malloc((tc->sets.npool + 1) * sizeof(*s->ts_num));
    if (!s->ts_label || !s->ts_off || !s->ts_num)
        return HEARTH_E_NOMEM;
    s->ts_off[0] = 0;
    for (i = 0; i < tc->sets.n; i++) {
        size_t a = tc->sets.off[i], b = tc->sets.off[i + 1], k;
        uint32_t o = s->ts_off[i];
        s->ts_label[i] = tc->sets.pool[a];
        for (k = a + 1; k < b; k++)
            s->ts_num[o++] = tc->sets.pool[k];
        s->ts_off[i + 1] = o;
    }
    s->tag_num_val = malloc((tc->nums.n + 1) * sizeof(*s->tag_num_val));
    if (!s->tag_num_val)
        return HEARTH_E_NOMEM;
    if (tc->nums.n)
        memcpy(s->tag_num_val, tc->numval, tc->nums.n * sizeof(*s->tag_num_val));
    s->tag_label = hearth_intern_detach(&tc->labels, &s->ntag_label);
    s->tag_num = hearth_intern_detach(&tc->nums, &s->ntag_num);
    if ((!s->tag_label && s->ntag_label) || (!s->tag_num && s->ntag_num))
        return HEARTH_E_NOMEM;
    return HEARTH_OK;
}

/* ---- the sample loop ---- */

/* Traces mode: remember kept sample si (values vals) and its stack id, in profile order. */
static enum hearth_err add_trace(struct ctx *c, const int64_t *vals, size_t si, uint32_t id,
                                 uint32_t first)
{
    struct hearth_stacks *s = c->s;
    uint32_t nt = c->p->ntypes;

    if (s->ntraces == c->trcap) {
        size_t nc = c->trcap ? c->trcap * 2 : 1024;
        size_t *ns = realloc(s->tr_sample, nc * sizeof(*ns));
        uint32_t *nst;
        int64_t *nv;
        if (!ns)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory building stacks");
        s->tr_sample = ns;
        nst = realloc(s->tr_stack, nc * sizeof(*nst));
        if (!nst)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory building stacks");
        s->tr_stack = nst;
        nv = realloc(s->tr_val, nc * nt * sizeof(*nv) + 1);
        if (!nv)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory building stacks");
        s->tr_val = nv;
        nst = realloc(s->tr_first, nc * sizeof(*nst));
        if (!nst)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory building stacks");
        s->tr_first = nst;
        c->trcap = nc;
    }
    s->tr_sample[s->ntraces] = si;
    s->tr_stack[s->ntraces] = id;
    s->tr_first[s->ntraces] = first;
    memcpy(s->tr_val + s->ntraces * nt, vals, nt * sizeof(*vals));
    s->ntraces++;
    return HEARTH_OK;
}

static enum hearth_err collect(struct ctx *c, bool want_tags)
{
    const struct hearth_profile *p = c->p;
    struct hearth_stacks *s = c->s;
    struct hearth_seqmap stacks;
    struct tagctx tc;
    struct hearth_buf lb;
    uint32_t *keep = NULL, *seq = NULL;
    size_t keepcap = 0, seqcap = 0, i, it, wcap = 0;
    enum hearth_err e = HEARTH_OK;
    uint32_t nt = p->ntypes;
    bool want_var = c->nz.kind == NOISE_HEAP || c->nz.kind == NOISE_POISSON;

    hearth_seqmap_init(&stacks);
    memset(&tc, 0, sizeof(tc));
    hearth_seqmap_init(&tc.sets);
    hearth_intern_init(&tc.labels, &s->arena, 0);
    hearth_intern_init(&tc.nums, &s->arena, 0);
    hearth_buf_init(&lb, (size_t)1 << 24);
    if (want_tags && (hearth_intern_add(&tc.labels, "", 0) != 0))
        goto out_nomem;

    for (it = 0; it < c->nitems; it++) {
        size_t si = c->merged ? c->mrep[it] : it;
        uint32_t a = p->s_loc_off[si], b = p->s_loc_off[si + 1], k, nkeep = 0, nsrc = 0, da,
                 tagset = HEARTH_NONE;
        int64_t w = c->merged ? c->mval[it * nt + s->sidx] : p->s_val[si * nt + s->sidx];
        int64_t wb = c->merged ? c->mbase[it] : (p->s_side && p->s_side[si] ? w : 0), dw = 0;
        bool focused = false, ignored = false, allzero = true;
        size_t nseq = 0, need;
        uint32_t id;
        bool added;

        if (b - a + 1 > keepcap) {
            uint32_t *nk = realloc(keep, (b - a + 1) * 2 * sizeof(*nk));
            if (!nk)
                goto out_nomem;
            keep = nk;
            keepcap = (b - a + 1) * 2;
        }
        /* the sample's locations, leaf first, less what drop_frames cuts */
        for (k = a; k < a + c->nleafp; k++)
            keep[nsrc++] = p->s_locs[k];
        da = a + c->nleafp;
        if (c->drop) {
            /* drop_frames: from the root, past the first user frame, cut at the first match
               (the -tagroot/-tagleaf pseudo frames came after it in pprof: left alone) */
            bool user = false;
            for (k = b - c->nrootp; k-- > da;) {
                uint8_t f = c->lflags[p->s_locs[k]];
                if (!(f & (LOC_PRUNE | LOC_PRUNE_BENEATH))) {
                    user = true;
                    continue;
                }
                if (!user)
                    continue;
                da = f & LOC_PRUNE ? k + 1 : k;
                break;
            }
        }
        for (k = da; k < b; k++)
            keep[nsrc++] = p->s_locs[k];
        /* focus/ignore over the sample's locations */
        for (k = 0; k < nsrc; k++) {
            uint8_t f = c->lflags[keep[k]];
            if (f & LOC_IGNORED) {
                ignored = true;
                break;
            }
            if (f & LOC_FOCUSED)
                focused = true;
        }
        if (ignored || !focused)
            continue;
        for (k = 0; k < nsrc; k++)
            if (!(c->lflags[keep[k]] & LOC_HIDDEN))
                keep[nkeep++] = keep[k];
        if (nkeep == 0)
            continue;
        if (c->show_from) {
            int j;
            for (j = (int)nkeep - 1; j >= 0; j--)
                if (c->lflags[keep[j]] & LOC_SHOWFROM)
                    break;
            if (j < 0)
                continue;
            nkeep = (uint32_t)j + 1;
        }
        if (c->has_tf && !tagfilter_match(c, &c->tf, si))
            continue;
        if (c->has_ti && tagfilter_match(c, &c->ti, si))
            continue;
        if (c->prune_from) {
            /* -prune_from: from the leaf, the first matching location becomes the leaf */
            for (k = 0; k < nkeep; k++)
                if (c->lflags[keep[k]] & LOC_PRUNE_FROM)
                    break;
            if (k > 0 && k < nkeep) {
                memmove(keep, keep + k, (nkeep - k) * sizeof(*keep));
                nkeep -= k;
            }
        }
        for (k = 0; k < nt && c->merged; k++)
            if (c->mval[it * nt + k] != 0)
                allzero = false;
        if (c->merged && allzero)
            continue; /* pprof's merge drops all-zero samples */
        if (c->q->mean)
            dw = c->merged ? c->mval[it * nt] : p->s_val[si * nt];
        /* the total after the filters (-relative_percentages) */
        c->rel_total = hearth_add64(c->rel_total, hearth_abs64(w));
        c->rel_div = hearth_add64(c->rel_div, dw);
        if (sample_is_base(p, si)) {
            c->rel_any_base = true;
            c->rel_base_total = hearth_add64(c->rel_base_total, hearth_abs64(w));
            c->rel_base_div = hearth_add64(c->rel_base_div, dw);
        }
        if (s->sample_kept) {
            bool zero = c->merged;
            for (k = 0; k < nt && !zero; k++)
                if (p->s_val[si * nt + k] != 0)
                    break;
            if (!c->merged && k == nt)
                zero = true; /* all-zero: pprof's merge dropped it */
            if (!zero || c->merged) {
                s->sample_kept[si] = 1;
                s->sample_w[si] = w;
            }
        }
        if (w == 0 && dw == 0 && !c->traces)
            continue;
        /* frames root first: locations last to first, lines last to first */
        need = 1;
        for (k = 0; k < nkeep; k++)
            need += c->lnode_off[keep[k] + 1] - c->lnode_off[keep[k]];
        if (need > seqcap) {
            uint32_t *ns = realloc(seq, need * 2 * sizeof(*ns));
            if (!ns)
                goto out_nomem;
            seq = ns;
            seqcap = need * 2;
        }
        for (k = nkeep; k-- > 0;) {
            uint32_t l = keep[k], x;
            for (x = c->lnode_off[l + 1]; x-- > c->lnode_off[l];)
                seq[nseq++] = c->lnode[x];
        }
        if (want_tags) {
            tagset = sample_tagset(c, &tc, si, &lb);
        }
        seq[nseq] = tagset;
        id = hearth_seqmap_add(&stacks, seq, nseq + 1, &added);
        if (id == HEARTH_NONE)
            goto out_nomem;
        if (added && c->lim->max_view_frames && stacks.npool - stacks.n > c->lim->max_view_frames) {
            e = hearth_errmsg_set(c->em, HEARTH_E_TOO_LARGE,
                                  "the view's distinct stacks hold more than %zu frames (limit "
                                  "max_view_frames); narrow it with a filter (f=, i=, s=, h=) "
                                  "or a coarser granularity (g=files)",
                                  c->lim->max_view_frames);
            goto out_budget;
        }
        if ((it & 4095) == 4095 && hearth_stacks_late(s)) {
            e = hearth_stacks_over_time(s, c->em);
            goto out_budget;
        }
        if (id >= wcap) {
            size_t nc = wcap ? wcap * 2 : 1024;
            int64_t *nw = realloc(s->w, nc * sizeof(*nw)), *nb;
            if (!nw)
                goto out_nomem;
            s->w = nw;
            nb = realloc(s->wbase, nc * sizeof(*nb));
            if (!nb)
                goto out_nomem;
            s->wbase = nb;
            if (want_var) {
                double *nv = realloc(s->var, nc * sizeof(*nv));
                if (!nv)
                    goto out_nomem;
                s->var = nv;
            }
            if (c->q->mean) {
                int64_t *nd = realloc(s->wdiv, nc * sizeof(*nd));
                if (!nd)
                    goto out_nomem;
                s->wdiv = nd;
            }
            wcap = nc;
        }
        if (added) {
            s->w[id] = s->wbase[id] = 0;
            if (want_var)
                s->var[id] = 0;
            if (s->wdiv)
                s->wdiv[id] = 0;
        }
        if (s->wdiv)
            s->wdiv[id] = hearth_add64(s->wdiv[id], dw);
        s->w[id] = hearth_add64(s->w[id], w);
        s->wbase[id] = hearth_add64(s->wbase[id], wb);
        if (want_var)
            s->var[id] += c->merged ? c->mvar[it] : sample_var(c, si);
        if (p->s_side)
            s->has_base = true;
        if (c->traces) {
            e = add_trace(c, c->merged ? c->mval + it * nt : p->s_val + si * nt, si, id,
                          da - p->s_loc_off[si]);
            if (e)
                goto out_release;
        }
    }
    if (c->rx_failed)
        goto out_nomem; /* a tag filter could not be evaluated */
    /*
     * export: strip the tag-set slot from every stored sequence, in place
     * (a stack moves down by one slot per stack before it), so the pool and
     * its offsets become the view's without a second copy of the frames.
     */
    hearth_seqmap_drop_index(&stacks);
    s->nstacks = stacks.n;
    s->tagset = malloc((stacks.n + 1) * sizeof(*s->tagset));
    if (!s->tagset)
        goto out_nomem;
    if (stacks.pool && stacks.off) {
        size_t o = 0;
        for (i = 0; i < stacks.n; i++) {
            size_t a = stacks.off[i], b = stacks.off[i + 1];
            s->tagset[i] = stacks.pool[b - 1];
            memmove(stacks.pool + o, stacks.pool + a, (b - a - 1) * sizeof(uint32_t));
            stacks.off[i] = o;
            o += b - a - 1;
        }
        stacks.off[stacks.n] = o;
        s->off = stacks.off;
        s->frames = stacks.pool;
        stacks.off = NULL;
        stacks.pool = NULL;
    } else {
        s->off = calloc(1, sizeof(*s->off));
        s->frames = malloc(sizeof(*s->frames));
        if (!s->off || !s->frames)
            goto out_nomem;
    }
    if (want_var && !s->var) {
        /* no stack survived: keep var non-NULL so views still say "estimated" */
        s->var = malloc(sizeof(*s->var));
        if (!s->var)
            goto out_nomem;
    }
    if (want_tags) {
        e = export_tagsets(s, &tc);
        s->tag_num_unit = c->num_unit_bytes;
    }
    goto out_release;

out_nomem:
    e = HEARTH_E_NOMEM;
out_release:
    free(keep);
    free(seq);
    hearth_buf_release(&lb);
    hearth_seqmap_release(&stacks);
    hearth_seqmap_release(&tc.sets);
    hearth_intern_release(&tc.labels);
    hearth_intern_release(&tc.nums);
    free(tc.numval);
    if (e && c->rx_failed)
        return rx_failure(c);
    if (e)
        return hearth_errmsg_set(c->em, e, "out of memory building stacks");
    return HEARTH_OK;
out_budget:
    free(keep);
    free(seq);
    hearth_buf_release(&lb);
    hearth_seqmap_release(&stacks);
    hearth_seqmap_release(&tc.sets);
    hearth_intern_release(&tc.labels);
    hearth_intern_release(&tc.nums);
    return e;
}

static void add_filter_label(struct hearth_stacks *s, const char *name, const char *v)
{
    struct hearth_buf b;
    size_t vl;

    if (!v || !*v || s->nfilters >= sizeof(s->filters) / sizeof(s->filters[0]))
        return;
    hearth_buf_init(&b, 1024);
    vl = strlen(v);
    /* pprof cuts "name=value" (not the value) after 80 bytes and adds "…" */
    hearth_buf_printf(&b, "%s=", name);
    if (b.len + vl > 80) {
        hearth_buf_add(&b, v, b.len < 80 ? 80 - b.len : 0);
        hearth_buf_addstr(&b, "\xe2\x80\xa6");
    } else {
        hearth_buf_add(&b, v, vl);
    }
    if (!b.fail)
        s->filters[s->nfilters++] = hearth_arena_strndup(&s->arena, b.ptr, b.len);
    hearth_buf_release(&b);
}

static enum hearth_err compile_filters(struct ctx *c)
{
    const struct hearth_query *q = c->q;
    struct {
        const char *v;
        const char *name;
        struct hearth_regex **re;
    } rx[] = {{q->focus, "focus", &c->focus},
              {q->ignore, "ignore", &c->ignore},
              {q->hide, "hide", &c->hide},
              {q->show, "show", &c->show},
              {q->show_from, "show_from", &c->show_from}};
    size_t i;
    enum hearth_err e;

    for (i = 0; i < sizeof(rx) / sizeof(rx[0]); i++) {
        if (!rx[i].v || !*rx[i].v)
            continue;
        e = hearth_regex_compile(rx[i].v, c->lim, rx[i].name, rx[i].re, c->em);
        if (e)
            return e;
        add_filter_label(c->s, rx[i].name, rx[i].v);
    }
    if (c->p->drop_frames) {
        struct hearth_str d = S(c->p, c->p->drop_frames), k = S(c->p, c->p->keep_frames);
        e = hearth_regex_compile_full(d.ptr, c->lim, "drop_frames", &c->drop, c->em);
        if (e)
            return e;
        if (k.len) {
            e = hearth_regex_compile_full(k.ptr, c->lim, "keep_frames", &c->keep, c->em);
            if (e)
                return e;
        }
        c->fn_drop = calloc(c->p->nfunc + 1, 1);
        if (!c->fn_drop)
            return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory");
    }
    if (q->tagfocus && *q->tagfocus) {
        e = tagfilter_compile(c, &c->tf, "tagfocus", q->tagfocus);
        if (e)
            return e;
        c->has_tf = true;
        add_filter_label(c->s, "tagfocus", q->tagfocus);
    }
    if (q->tagignore && *q->tagignore) {
        e = tagfilter_compile(c, &c->ti, "tagignore", q->tagignore);
        if (e)
            return e;
        c->has_ti = true;
        add_filter_label(c->s, "tagignore", q->tagignore);
    }
    if (q->tagshow && *q->tagshow) {
        e = hearth_regex_compile(q->tagshow, c->lim, "tagshow", &c->tagshow, c->em);
        if (e)
            return e;
        add_filter_label(c->s, "tagshow", q->tagshow);
    }
    if (q->taghide && *q->taghide) {
        e = hearth_regex_compile(q->taghide, c->lim, "taghide", &c->taghide, c->em);
        if (e)
            return e;
        add_filter_label(c->s, "taghide", q->taghide);
    }
    if (q->prune_from && *q->prune_from) {
        e = hearth_regex_compile(q->prune_from, c->lim, "prune_from", &c->prune_from, c->em);
        if (e)
            return e;
    }
    return HEARTH_OK;
}

/*
 * pprof's FilterTagsByName: a label key is removed when -tagshow is set and
 * does not match it, or -taghide matches it. Fills s->key_hidden per key.
 */
static enum hearth_err hide_keys(struct ctx *c)
{
    const struct hearth_profile *p = c->p;
    uint8_t *seen;
    size_t i, n = p->s_lab_off[p->nsamples];

    if (!c->tagshow && !c->taghide)
        return HEARTH_OK;
    c->s->key_hidden = calloc(p->nstr + 1, 1);
    seen = calloc(p->nstr + 1, 1);
    if (!c->s->key_hidden || !seen) {
        free(seen);
        return hearth_errmsg_set(c->em, HEARTH_E_NOMEM, "out of memory");
    }
    for (i = 0; i < n; i++) {
        uint32_t k = p->lab_key[i];
        bool show, hide;
        if (k >= p->nstr || seen[k])
            continue;
        seen[k] = 1;
        show = !c->tagshow || rx_match_str(c, c->tagshow, S(p, k));
        hide = c->taghide && rx_match_str(c, c->taghide, S(p, k));
        c->s->key_hidden[k] = !show || hide;
    }
    free(seen);
    if (c->rx_failed)
        return rx_failure(c);
    return HEARTH_OK;
}

void hearth_stacks_free(struct hearth_stacks *s)
{
    if (!s)
        return;
    free(s->ni);
    free(s->pname);
    hearth_intern_release(&s->strs);
    hearth_arena_release(&s->arena);
    free(s->off);
    free(s->frames);
    free(s->w);
    free(s->wbase);
    free(s->var);
    free(s->tagset);
    free(s->ts_label);
    free(s->ts_off);
    free(s->ts_num);
    free(s->wdiv);
    free(s->sample_kept);
    free(s->sample_w);
    free(s->key_hidden);
    hearth_profile_free(s->owned);
    free(s->tr_sample);
    free(s->tr_stack);
    free(s->tr_val);
    free(s->tr_first);
    free(s->loc_skip);
    free(s->tag_label);
    free(s->tag_num);
    free(s->tag_num_val);
    free(s);
}

int64_t hearth_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool hearth_stacks_late(const struct hearth_stacks *s)
{
    return s->deadline_ms && hearth_mono_ms() > s->deadline_ms;
}

enum hearth_err hearth_stacks_over_time(const struct hearth_stacks *s, struct hearth_errmsg *em)
{
    return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                             "the view needs more than %zu ms of work (limit max_view_ms); "
                             "narrow it with a filter (f=, i=, s=, h=) or a coarser "
                             "granularity (g=files)",
                             s->lim.max_view_ms);
}

/*
 * -call_tree: every frame's node becomes its position in the call tree
 * (the node under its parent position), as pprof's tree graph keys nodes
 * by parent. Names and identities are copied per position.
 */
static enum hearth_err treeify(struct hearth_stacks *s)
{
    struct hearth_seqmap pos;
    struct hearth_nodeinfo *ni = NULL;
    struct hearth_str *pname = NULL;
    uint32_t *orig = NULL;
    size_t st, f, cap = 0;
    enum hearth_err e = HEARTH_E_NOMEM;

    hearth_seqmap_init(&pos);
    for (st = 0; st < s->nstacks; st++) {
        uint32_t parent = HEARTH_NONE;
        for (f = s->off[st]; f < s->off[st + 1]; f++) {
            uint32_t key[2] = {parent, s->frames[f] >> 1}, id;
            bool added;
            id = hearth_seqmap_add(&pos, key, 2, &added);
            if (id == HEARTH_NONE || id >= 0x7fffffffu)
                goto out_free;
            if (added) {
                if (id >= cap) {
                    size_t nc = cap ? cap * 2 : 1024;
                    uint32_t *no = realloc(orig, nc * sizeof(*no));
                    if (!no)
                        goto out_free;
                    orig = no;
                    cap = nc;
                }
                orig[id] = key[1];
            }
            s->frames[f] = id << 1 | (s->frames[f] & 1);
            parent = id;
        }
    }
    ni = malloc((pos.n + 1) * sizeof(*ni));
    pname = calloc(pos.n + 1, sizeof(*pname));
    if (!ni || !pname)
        goto out_free;
    for (st = 0; st < pos.n; st++) {
        ni[st] = s->ni[orig[st]];
        pname[st] = s->pname[orig[st]];
    }
    free(s->ni);
    free(s->pname);
    s->ni = ni;
    s->pname = pname;
    ni = NULL;
    pname = NULL;
    s->nnodes = (uint32_t)pos.n;
    s->call_tree = true;
    e = HEARTH_OK;
out_free:
    free(ni);
    free(pname);
    free(orig);
    hearth_seqmap_release(&pos);
    return e;
}

enum hearth_err hearth_stacks_build_ex(const struct hearth_profile *p, const struct hearth_query *q,
                                       unsigned flags, const struct hearth_limits *lim,
                                       struct hearth_stacks **out, struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    struct ctx c;
    struct hearth_stacks *s;
    enum hearth_err e;
    bool want_tags = flags & HEARTH_STACKS_TAGS;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.p = p;
    c.q = q;
    c.lim = lim ? lim : &dl;
    c.em = em;
    c.traces = (flags & HEARTH_STACKS_TRACES) != 0;
    c.objnames = (flags & HEARTH_STACKS_OBJNAMES) != 0;
    c.rawfiles = (flags & HEARTH_STACKS_RAWFILES) != 0;
    c.out_unit = q->unit && *q->unit ? q->unit : "minimum";
    s = calloc(1, sizeof(*s));
    if (!s)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    c.s = s;
    s->p = p;
    s->lim = *c.lim;
    s->ratio = q->divide_by != 0 ? 1 / q->divide_by : 1;
    s->drop_negative = q->drop_negative;
    s->no_trim = q->no_trim;
    s->compact_labels = q->compact_labels;
    c.orig_nloc = p->nloc;
    if ((q->tagroot && *q->tagroot) || (q->tagleaf && *q->tagleaf)) {
        e = hearth_label_frames(p, q->tagroot, q->tagleaf, c.out_unit, &s->owned, &c.nrootp,
                                &c.nleafp, em);
        if (e) {
            free(s);
            return e;
        }
        p = c.p = s->p = s->owned;
    }
    if (s->lim.max_view_ms)
        s->deadline_ms = hearth_mono_ms() + (int64_t)s->lim.max_view_ms;
    hearth_arena_init(&s->arena, 64 * 1024, 0);
    hearth_intern_init(&s->strs, &s->arena, 0);
    hearth_seqmap_init(&c.nodemap);
    /* a node per function at the default granularity: sized once for that */
    if (!hearth_seqmap_reserve(&c.nodemap, p->nfunc + 1, ((size_t)p->nfunc + 1) * 10) ||
        hearth_intern_add(&s->strs, "", 0) != 0) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    e = hearth_profile_sample_index(p, q->sample_index, &s->sidx, em);
    if (e)
        goto out_fail;
    s->type = S(p, p->type_name[s->sidx]).ptr;
    s->unit = S(p, p->type_unit[s->sidx]).ptr;
    if (q->mean) {
        char *t = hearth_arena_alloc(&s->arena, strlen(s->type) + 6);
        if (!t) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_fail;
        }
        memcpy(t, "mean_", 5);
        memcpy(t + 5, s->type, strlen(s->type) + 1);
        s->type = t;
    }
    if (flags & HEARTH_STACKS_SAMPLES) {
        s->sample_kept = calloc(p->nsamples + 1, 1);
        s->sample_w = calloc(p->nsamples + 1, sizeof(*s->sample_w));
        if (!s->sample_kept || !s->sample_w) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_fail;
        }
    }
    noise_setup(&c);
    e = compile_filters(&c);
    if (e)
        goto out_fail;
    c.nitems = p->nsamples;
    e = merge_samples(&c);
    if (e)
        goto out_fail;
    compute_total(&c);
    e = prepare_locations(&c);
    if (e)
        goto out_fail;
    if (want_tags || (c.has_tf && c.tf.numeric) || (c.has_ti && c.ti.numeric)) {
        e = key_units_prepare(&c);
        if (e)
            goto out_fail;
    }
    if (want_tags) {
        size_t i;
        c.num_unit_bytes = "bytes";
        for (i = 0; i < p->nstr; i++)
            if (hearth_pstr_eq(p, (uint32_t)i, "bytes")) {
                c.num_unit_bytes = num_label_unit(&c, (uint32_t)i);
                break;
            }
    }
    e = hide_keys(&c);
    if (e)
        goto out_fail;
    e = collect(&c, want_tags);
    if (e)
        goto out_fail;
    if (q->relative) {
        /* pprof computes the total after the filters then */
        if (c.rel_any_base && c.rel_base_total > 0)
            s->total = mean_total(c.rel_base_total, c.rel_base_div);
        else
            s->total = mean_total(c.rel_total, c.rel_div);
    }
    e = make_names(&c);
    if (!e && want_tags && q->call_tree)
        e = treeify(s);
    if (e) {
        hearth_errmsg_set(em, e, "out of memory");
        goto out_fail;
    }
    *out = s;
    s = NULL;
out_fail:
    hearth_stacks_free(s);
    free(c.mrep);
    free(c.mval);
    free(c.mbase);
    free(c.mvar);
    free(c.lflags);
    free(c.lnode_off);
    free(c.lnode);
    hearth_seqmap_release(&c.nodemap);
    hearth_regex_free(c.focus);
    hearth_regex_free(c.ignore);
    hearth_regex_free(c.hide);
    hearth_regex_free(c.show);
    hearth_regex_free(c.show_from);
    hearth_regex_free(c.drop);
    hearth_regex_free(c.prune_from);
    hearth_regex_free(c.tagshow);
    hearth_regex_free(c.taghide);
    free(c.fn_drop);
    hearth_regex_free(c.keep);
    tagfilter_release(&c.tf);
    tagfilter_release(&c.ti);
    if (c.key_unit_ready)
        hearth_u64map_release(&c.key_unit);
    return e;
}

enum hearth_err hearth_stacks_check_query(const struct hearth_query *q,
                                          const struct hearth_limits *lim, struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    const char *const rx[][2] = {{q->focus, "focus"},         {q->ignore, "ignore"},
                                 {q->hide, "hide"},           {q->show, "show"},
                                 {q->show_from, "show_from"}, {q->tagshow, "tagshow"},
                                 {q->taghide, "taghide"},     {q->prune_from, "prune_from"}};
    struct hearth_regex *re = NULL;
    struct ctx c;
    enum hearth_err e = HEARTH_OK;
    size_t i;

    memset(&c, 0, sizeof(c));
    c.q = q;
    c.lim = lim ? lim : &dl;
    c.em = em;
    for (i = 0; i < sizeof(rx) / sizeof(rx[0]) && !e; i++) {
        if (!rx[i][0] || !*rx[i][0])
            continue;
        e = hearth_regex_compile(rx[i][0], c.lim, rx[i][1], &re, em);
        hearth_regex_free(re);
        re = NULL;
    }
    if (!e && q->tagfocus && *q->tagfocus)
        e = tagfilter_compile(&c, &c.tf, "tagfocus", q->tagfocus);
    if (!e && q->tagignore && *q->tagignore)
        e = tagfilter_compile(&c, &c.ti, "tagignore", q->tagignore);
    tagfilter_release(&c.tf);
    tagfilter_release(&c.ti);
    return e;
}

enum hearth_err hearth_stacks_build(const struct hearth_profile *p, const struct hearth_query *q,
                                    bool want_tags, const struct hearth_limits *lim,
                                    struct hearth_stacks **out, struct hearth_errmsg *em)
{
    return hearth_stacks_build_ex(p, q, want_tags ? HEARTH_STACKS_TAGS : 0, lim, out, em);
}
