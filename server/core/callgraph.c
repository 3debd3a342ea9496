/*
 * callgraph.c - the call graph view (JSON, Graphviz DOT); see views.h.
 *
 * Trimming is pprof's graph trimming (nodecount 80, nodefraction 0.005,
 * edgefraction 0.001, entropy order, tag boxes counted); the DOT text is
 * byte for byte what Go 1.19's `pprof -dot` prints: its graph name, legend,
 * multi-line labels with its name shortening, font sizes, colours, edge
 * weights and tag boxes (label and numeric-label nodelets).
 */
#include "hearth/views.h"
#include "hearth/num.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/graph.h"
#include "hearth/jsonw.h"
#include "hearth/units.h"
#include "views_int.h"

#include "hearth/banned.h"

static const char *const inline_label[] = {"", "(inline)", "(partial-inline)"};

/* pprof's escapeForDot: backslash and quote escaped, newline as "\l"; other bytes as they are. */
static void dot_escape(struct hearth_buf *b, const char *s, size_t n)
{
    size_t i, run = 0;

    for (i = 0; i < n; i++) {
        const char *rep = s[i] == '\\'   ? "\\\\"
                          : s[i] == '"'  ? "\\\""
                          : s[i] == '\n' ? "\\l"
                                         : NULL;
        if (!rep)
            continue;
        hearth_buf_add(b, s + run, i - run);
        hearth_buf_add(b, rep, 2);
        run = i + 1;
    }
    hearth_buf_add(b, s + run, n - run);
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/*
 * pprof's module-version rule: the first "/vN" (N = 2..9 or two or more
 * digits without a leading 0) followed by '.' or '/' loses "/vN", when the
 * name holds no newline.
 */
static size_t drop_version(const char *s, size_t n, char *out)
{
    size_t i, j;

    if (memchr(s, '\n', n))
        goto out_same;
    for (i = 0; i + 2 < n; i++) {
        if (s[i] != '/' || s[i + 1] != 'v')
            continue;
        for (j = i + 2; j < n && s[j] >= '0' && s[j] <= '9'; j++)
            ;
        if (j == i + 2 || j >= n || (s[j] != '.' && s[j] != '/'))
            continue;
        if (j - (i + 2) == 1 ? s[i + 2] < '2' : s[i + 2] == '0')
            continue;
        memcpy(out, s, i);
        memcpy(out + i, s + j, n - j);
        return i + n - j;
    }
out_same:
    memcpy(out, s, n);
    return n;
}

/* Go names: leading "seg/" path parts ([\w.-]+ each) dropped, up to a newline. */
static bool short_go(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t p = 0, best = 0, q;
    bool found = false;

    for (;;) {
        for (q = p; q < n && (is_word(s[q]) || s[q] == '-' || s[q] == '.'); q++)
            ;
        if (q == p || q >= n || s[q] != '/')
            break;
        p = q + 1;
        if (p < n && s[p] != '\n') {
            best = p;
            found = true;
        }
    }
    if (!found)
        return false;
    *a = best;
    for (q = best; q < n && s[q] != '\n'; q++)
        ;
    *b = q;
    return true;
}

/* Java names: lower-case package parts dropped, "Class.method" kept when a '(' or the end follows.
 */
static bool short_java(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t p = 0, q, c;

    for (;;) {
        if (p >= n || !is_lower(s[p]))
            break;
        for (q = p + 1; q < n && is_word(s[q]); q++)
            ;
        if (q >= n || s[q] != '.')
            break;
        p = q + 1;
    }
    if (p >= n || !is_upper(s[p]))
        return false;
    c = p;
    for (q = p + 1; q < n && (is_word(s[q]) || s[q] == '$'); q++)
        ;
    if (q >= n || s[q] != '.')
        return false;
    q++;
    if (n - q >= 6 && !memcmp(s + q, "<init>", 6)) {
        q += 6;
    } else {
        if (q >= n || !is_lower(s[q]))
            return false;
        for (q++; q < n && (is_word(s[q]) || s[q] == '$'); q++)
            ;
    }
    if (q < n && s[q] != '(')
        return false;
    *a = c;
    *b = q;
    return true;
}

/* C++ names: "ns::" parts dropped before "Class::method" (an upper-case class), templates kept. */
static bool short_cpp(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t ends[64], nends = 0, p = 0, q;

    for (;;) {
        if (p >= n || !(is_word(s[p]) && !(s[p] >= '0' && s[p] <= '9')))
            break;
        for (q = p + 1; q < n && is_word(s[q]); q++)
            ;
        if (q + 1 >= n || s[q] != ':' || s[q + 1] != ':')
            break;
        p = q + 2;
        if (nends < 64)
            ends[nends++] = p;
    }
    while (nends-- > 0) {
        size_t g = ends[nends], lt;
        q = g;
        while (q < n && s[q] == '_')
            q++;
        if (q >= n || !is_upper(s[q]))
            continue;
        for (q++; q < n && is_word(s[q]); q++)
            ;
        if (q + 1 >= n || s[q] != ':' || s[q + 1] != ':')
            continue;
        q += 2;
        if (q < n && s[q] == '~')
            q++;
        if (q >= n || !(is_word(s[q]) && !(s[q] >= '0' && s[q] <= '9')))
            continue;
        for (q++; q < n && is_word(s[q]); q++)
            ;
        if (q < n && s[q] == '<') {
            size_t e = q, k;
            for (k = q + 1; k < n && s[k] != '\n'; k++)
                if (s[k] == '>')
                    e = k + 1;
            lt = e;
            q = lt;
        }
        *a = g;
        *b = q;
        return true;
    }
    return false;
}

/* pprof's ShortenFunctionName; the result goes to out (at least n bytes). */
static size_t shorten_name(const char *s, size_t n, char *out)
{
    static const char anon[] = "(anonymous namespace)::";
    size_t m, a, b;

    if (n >= sizeof(anon) - 1 && !memcmp(s, anon, sizeof(anon) - 1)) {
        s += sizeof(anon) - 1;
        n -= sizeof(anon) - 1;
    }
    m = drop_version(s, n, out);
    if (short_go(out, m, &a, &b) || short_java(out, m, &a, &b) || short_cpp(out, m, &a, &b)) {
        memmove(out, out + a, b - a);
        return b - a;
    }
    return m;
}

/* filepath.Base of a non-empty path. */
static void base_name(const char *s, size_t n, const char **out, size_t *outn)
{
    size_t e = n, b;

    while (e > 0 && s[e - 1] == '/')
        e--;
    if (e == 0) {
        *out = n ? "/" : ".";
        *outn = 1;
        return;
    }
    for (b = e; b > 0 && s[b - 1] != '/'; b--)
        ;
    *out = s + b;
    *outn = e - b;
}

/* pprof's multi-line node label: short name split at "::" and '.', then file or binary. */
static void node_label(struct hearth_buf *out, const struct hearth_stacks *s, uint32_t id)
{
    const struct hearth_nodeinfo *ni = &s->ni[id];
    struct hearth_str name = ni->name ? hearth_pstr(s->p, ni->name) : (struct hearth_str){"", 0};
    struct hearth_str file = ni->file ? s->strs.strs[ni->file] : (struct hearth_str){"", 0};
    struct hearth_buf t;
    char *sh;
    size_t shn, i;

    if (ni->addr)
        hearth_buf_printf(out, "%016" PRIx64 "\\n", ni->addr);
    hearth_buf_init(&t, (size_t)1 << 26);
    sh = malloc(name.len + 1);
    if (!sh) {
        out->fail = HEARTH_E_NOMEM;
        return;
    }
    shn = name.len ? shorten_name(name.ptr, name.len, sh) : 0;
    dot_escape(&t, sh, shn);
    free(sh);
    for (i = 0; i < t.len; i++) {
        if (t.ptr[i] == ':' && i + 1 < t.len && t.ptr[i + 1] == ':') {
            hearth_buf_addstr(out, "\\n");
            i++;
        } else if (t.ptr[i] == '[' && t.len - i >= 5 && !memcmp(t.ptr + i, "[...]", 5)) {
            hearth_buf_addstr(out, "[\xe2\x80\xa6]");
            i += 4;
        } else if (t.ptr[i] == '.') {
            hearth_buf_addstr(out, "\\n");
        } else {
            hearth_buf_addch(out, t.ptr[i]);
        }
    }
    if (t.fail)
        out->fail = t.fail;
    if (t.len)
        hearth_buf_addstr(out, "\\n");
    hearth_buf_release(&t);
    if (ni->lineno != 0 || file.len) {
        const char *fb = "";
        size_t fbn = 0;
        if (file.len)
            base_name(file.ptr, file.len, &fb, &fbn);
        hearth_buf_add(out, fb, fbn);
        if (ni->lineno != 0)
            hearth_buf_printf(out, ":%" PRId64, ni->lineno);
        hearth_buf_addstr(out, "\\n");
    } else if (shn == 0) {
        struct hearth_str obj =
            ni->objfile ? hearth_pstr(s->p, ni->objfile) : (struct hearth_str){"", 0};
        if (obj.len) {
            const char *ob;
            size_t obn;
            base_name(obj.ptr, obj.len, &ob, &obn);
            hearth_buf_addch(out, '[');
            hearth_buf_add(out, ob, obn);
            hearth_buf_addstr(out, "]\\n");
        } else {
            hearth_buf_addstr(out, "<unknown>\\n");
        }
    }
}

/* Go's uint8(x) of a colour channel (NaN gives 0 on amd64). */
static unsigned chan(double x)
{
    if (isnan(x))
        return 0;
    return (unsigned)(uint8_t)(int64_t)x;
}

/* pprof's dotColor: red for positive, green for negative, grey near 0 (NaN kept as Go does). */
static void dot_color(double score, bool bg, char out[8])
{
    double sat = bg ? 0.1 : 1.0, val = bg ? 0.93 : 0.7, r, g, b;

    if (!isnan(score)) {
        if (score > 1)
            score = 1;
        if (score < -1)
            score = -1;
    }
    if (fabs(score) < 0.2)
        sat *= fabs(score) / 0.2;
    if (score > 0)
        score = pow(score, 0.3);
    if (score < 0)
        score = -pow(-score, 0.3);
    if (score < 0) {
        g = val;
        r = val * (1 + sat * score);
    } else {
        r = val;
        g = val * (1 - sat * score);
    }
    b = val * (1 - sat);
    snprintf(out, 8, "#%02x%02x%02x", chan(r * 255.0), chan(g * 255.0), chan(b * 255.0));
}

/* Go's float64(v) / float64(abs(total)), with its infinities and NaN for total 0. */
static double frac(int64_t v, int64_t total)
{
    int64_t t = hearth_abs64(total);

    if (t != 0)
        return (double)v / (double)t;
    if (v == 0)
        return NAN;
    return v > 0 ? INFINITY : -INFINITY;
}

/* The graph's name: the main binary's base name, as pprof's title. */
static void dot_title(const struct hearth_stacks *s, const char **t, size_t *tn)
{
    const struct hearth_profile *p = s->p;
    struct hearth_str f = {"", 0};

    if (p->nmap > 0 && !p->fake_mapping)
        f = hearth_pstr(p, p->map_file[0]);
    *t = NULL;
    *tn = 0;
    if (f.len)
        base_name(f.ptr, f.len, t, tn);
}

struct tagview {
    const char *name; /* label text (borrowed or in names) */
    size_t len;
    int64_t value, flat, cum;
};

/* pprof's tag order: |cum| (unless flat), |flat|, then name. */
static int tag_cmp(const struct tagview *x, const struct tagview *y, bool flat)
{
    size_t n;
    int r;

    if (!flat && x->cum != y->cum && hearth_abs64(x->cum) != hearth_abs64(y->cum))
        return hearth_abs64(x->cum) > hearth_abs64(y->cum) ? -1 : 1;
    if (x->flat != y->flat && hearth_abs64(x->flat) != hearth_abs64(y->flat))
        return hearth_abs64(x->flat) > hearth_abs64(y->flat) ? -1 : 1;
    n = x->len < y->len ? x->len : y->len;
    r = memcmp(x->name, y->name, n);
    if (r)
        return r;
    return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

static void tag_sort(struct tagview *t, size_t n, bool flat)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        struct tagview v = t[i];
        for (j = i; j > 0 && tag_cmp(&v, &t[j - 1], flat) < 0; j--)
            t[j] = t[j - 1];
        t[j] = v;
    }
}

#define MAX_NODELETS 4

/* pprof's numeric tag boxes under `src`: at most 4, the rest grouped into value ranges. */
static void numeric_nodelets(struct hearth_buf *out, const struct hearth_stacks *s,
                             const char *unit, struct tagview *t, size_t n, bool flat,
                             const char *src)
{
    struct tagview grp[MAX_NODELETS];
    char names[MAX_NODELETS][160];
    size_t i, j, ng = n;

    tag_sort(t, n, flat);
    if (n > MAX_NODELETS) {
        int64_t mn[MAX_NODELETS], mx[MAX_NODELETS];
        size_t cnt[MAX_NODELETS];
        for (j = 0; j < MAX_NODELETS; j++) {
            grp[j] = t[j];
            mn[j] = mx[j] = t[j].value;
            cnt[j] = 1;
        }
        for (i = MAX_NODELETS; i < n; i++) {
            size_t g = 0;
            double d = fabs((double)t[i].value - (double)t[0].value);
            for (j = 1; j < MAX_NODELETS; j++) {
                double nd = fabs((double)t[i].value - (double)t[j].value);
                if (nd < d) {
                    g = j;
                    d = nd;
                }
            }
            grp[g].flat += t[i].flat;
            grp[g].cum += t[i].cum;
            if (t[i].value < mn[g])
                mn[g] = t[i].value;
            if (t[i].value > mx[g])
                mx[g] = t[i].value;
            cnt[g]++;
        }
        for (j = 0; j < MAX_NODELETS; j++) {
            char a[64], b[64];
            hearth_unit_label(a, sizeof(a), mn[j], s->tag_num_unit, "auto");
            if (cnt[j] > 1) {
                hearth_unit_label(b, sizeof(b), mx[j], s->tag_num_unit, "auto");
                snprintf(names[j], sizeof(names[j]), "%s..%s", a, b);
            } else {
                snprintf(names[j], sizeof(names[j]), "%s", a);
            }
            grp[j].name = names[j];
            grp[j].len = strlen(names[j]);
        }
        tag_sort(grp, MAX_NODELETS, flat);
        t = grp;
        ng = MAX_NODELETS;
    }
    for (j = 0; j < ng; j++) {
        char wv[128];
        int64_t w = t[j].cum;
        const char *attr = " style=\"dotted\"";
        if (flat || t[j].flat == t[j].cum) {
            w = t[j].flat;
            attr = "";
        }
        if (w == 0)
            continue;
        hearth_unit_label(wv, sizeof(wv), w, s->unit, unit);
        hearth_buf_printf(out, "N%s_%zu [label = \"", src, j);
        hearth_buf_add(out, t[j].name, t[j].len);
        hearth_buf_printf(out, "\" id=\"N%s_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n", src, j,
                          wv);
        hearth_buf_printf(out,
                          "%s -> N%s_%zu [label=\" %s\" weight=100 tooltip=\"%s\" "
                          "labeltooltip=\"%s\"%s]\n",
                          src, src, j, wv, wv, wv, attr);
    }
}

static struct tagview tag_view(const struct hearth_stacks *s, const struct hearth_gtag *g)
{
    struct tagview v;
    struct hearth_str nm = g->num == HEARTH_NONE ? s->tag_label[g->label] : s->tag_num[g->num];

    v.name = nm.ptr;
    v.len = nm.len;
    v.value = g->num == HEARTH_NONE ? 0 : s->tag_num_val[g->num];
    v.flat = g->flat;
    v.cum = g->cum;
    return v;
}

/* pprof's tag boxes of node i (id i + 1); true if any was drawn. */
static bool nodelets(struct hearth_buf *out, const struct hearth_graph *g, uint32_t i,
                     const char *unit, struct tagview *scratch)
{
    const struct hearth_stacks *s = g->s;
    uint32_t a = g->tag_off[i], b = g->tag_off[i + 1], k;
    bool flat = g->has_out[i];
    size_t before = out->len, nl = 0, j;
    struct tagview *lt = scratch;
    uint32_t lid[MAX_NODELETS + 1];

    for (k = a; k < b; k++)
        if (g->tags[k].num == HEARTH_NONE)
            lt[nl++] = tag_view(s, &g->tags[k]);
    tag_sort(lt, nl, flat);
    if (nl > MAX_NODELETS)
        nl = MAX_NODELETS;
    for (j = 0; j < nl; j++) {
        char wv[128], src[32];
        int64_t w = flat ? lt[j].flat : lt[j].cum;
        size_t nn = 0;
        struct tagview *nt = scratch + nl;
        if (w == 0)
            continue;
        hearth_unit_label(wv, sizeof(wv), w, s->unit, unit);
        hearth_buf_printf(out, "N%u_%zu [label = \"", i + 1, j);
        hearth_buf_add(out, lt[j].name, lt[j].len);
        hearth_buf_printf(out, "\" id=\"N%u_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n", i + 1,
                          j, wv);
        hearth_buf_printf(out,
                          "N%u -> N%u_%zu [label=\" %s\" weight=100 tooltip=\"%s\" "
                          "labeltooltip=\"%s\"]\n",
                          i + 1, i + 1, j, wv, wv, wv);
        /* the numeric tags under this label group */
        lid[0] = HEARTH_NONE;
        for (k = a; k < b; k++) {
            const struct hearth_gtag *t = &g->tags[k];
            struct hearth_str ls = s->tag_label[t->label];
            if (t->num == HEARTH_NONE || ls.len != lt[j].len ||
                memcmp(ls.ptr, lt[j].name, ls.len) != 0)
                continue;
            nt[nn++] = tag_view(s, t);
        }
        if (nn) {
            snprintf(src, sizeof(src), "N%u_%zu", i + 1, j);
            numeric_nodelets(out, s, unit, nt, nn, flat, src);
        }
    }
    {
        size_t nn = 0;
        char src[32];
        for (k = a; k < b; k++)
            if (g->tags[k].num != HEARTH_NONE && g->tags[k].label == 0)
                scratch[nn++] = tag_view(s, &g->tags[k]);
        if (nn) {
            snprintf(src, sizeof(src), "N%u", i + 1);
            numeric_nodelets(out, s, unit, scratch, nn, flat, src);
        }
    }
    (void)lid;
    return out->len != before;
}

static const char dot_help[] = "See https://git.io/JfYMW for how to read the graph";

static void write_dot(const struct hearth_graph *g, const char *unit, struct hearth_buf *labels,
                      struct hearth_buf *out)
{
    const struct hearth_stacks *s = g->s;
    int64_t maxflat = 0, total = s->total;
    uint32_t i, maxtags = 0;
    size_t k;
    const char *l, *nl, *title;
    size_t titlen;
    uint8_t *has_nodelets = NULL;
    struct tagview *scratch = NULL;

    for (i = 0; i < g->nnodes; i++) {
        int64_t f = hearth_abs64(g->flat[i]);
        if (f > maxflat)
            maxflat = f;
        if (g->tag_off && g->tag_off[i + 1] - g->tag_off[i] > maxtags)
            maxtags = g->tag_off[i + 1] - g->tag_off[i];
    }
    has_nodelets = calloc((size_t)g->nnodes + 1, 1);
    scratch = malloc(((size_t)maxtags * 2 + 1) * sizeof(*scratch));
    if (!has_nodelets || !scratch) {
        out->fail = HEARTH_E_NOMEM;
        goto out_free;
    }
    dot_title(s, &title, &titlen);
    hearth_buf_addstr(out, "digraph \"");
    if (title)
        hearth_buf_add(out, title, titlen);
    else
        hearth_buf_addstr(out, "unnamed");
    hearth_buf_addstr(out, "\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n");
    l = labels->ptr ? labels->ptr : "";
    nl = strchr(l, '\n');
    hearth_buf_addstr(out, "subgraph cluster_L { \"");
    dot_escape(out, l, nl ? (size_t)(nl - l) : strlen(l));
    hearth_buf_addstr(out, "\" [shape=box fontsize=16 label=\"");
    for (;; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            break;
        dot_escape(out, l, (size_t)(nl - l));
        hearth_buf_addstr(out, "\\l");
    }
    hearth_buf_addstr(out, "\\l");
    hearth_buf_addstr(out, dot_help);
    hearth_buf_addstr(out, "\\l\"");
    if (title) {
        hearth_buf_addstr(out, " tooltip=\"");
        hearth_buf_add(out, title, titlen);
        hearth_buf_addch(out, '"');
    }
    hearth_buf_addstr(out, "] }\n");
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        char fv[128], cv[128], fp[64], cp[64], fill[8], col[8];
        const char *cval = fv;
        int fs = 8;
        hearth_unit_label(fv, sizeof(fv), g->flat[i], s->unit, unit);
        hearth_percentage(fp, sizeof(fp), g->flat[i], total);
        if (g->flat[i] != 0 && maxflat > 0)
            fs = 8 + (int)ceil(16 * sqrt(fabs((double)g->flat[i]) / (double)maxflat));
        hearth_buf_printf(out, "N%u [label=\"", i + 1);
        node_label(out, s, g->node[i]);
        if (g->flat[i] != 0) {
            const char *t = fp;
            while (*t == ' ')
                t++;
            hearth_buf_printf(out, "%s (%s)", fv, t);
        } else {
            hearth_buf_addch(out, '0');
        }
        if (g->cum[i] != g->flat[i]) {
            const char *t = cp;
            hearth_unit_label(cv, sizeof(cv), g->cum[i], s->unit, unit);
            hearth_percentage(cp, sizeof(cp), g->cum[i], total);
            while (*t == ' ')
                t++;
            hearth_buf_printf(out, "%sof %s (%s)", g->flat[i] != 0 ? "\\n" : " ", cv, t);
            cval = cv;
        }
        dot_color(frac(g->cum[i], total), false, col);
        dot_color(frac(g->cum[i], total), true, fill);
        hearth_buf_printf(out, "\" id=\"node%u\" fontsize=%d shape=box tooltip=\"", i + 1, fs);
        dot_escape(out, nm->ptr, nm->len);
        hearth_buf_printf(out, " (%s)\" color=\"%s\" fillcolor=\"%s\"]\n", cval, col, fill);
        if (g->tag_off)
            has_nodelets[i] = nodelets(out, g, i, unit, scratch);
    }
    for (k = 0; k < g->nedges; k++) {
        const struct hearth_gedge *e = &g->edges[k];
        const struct hearth_str *a = &s->pname[g->node[e->src]],
                                *b = &s->pname[e->hidden_dst ? e->dst : g->node[e->dst]];
        char wv[128];
        const char *arrow = e->residual ? " ... " : " -> ";
        hearth_unit_label(wv, sizeof(wv), e->weight, s->unit, unit);
        hearth_buf_printf(out, "N%u -> N%u [label=\" %s%s\"", e->src + 1,
                          e->hidden_dst ? 0 : e->dst + 1, wv, e->inline_ ? "\\n (inline)" : "");
        if (total != 0) {
            char col[8];
            /* Go's int64 arithmetic: the products wrap, the quotient truncates */
            int64_t w100 = hearth_abs64((int64_t)((uint64_t)e->weight * 100u) / total);
            int64_t w5 = hearth_abs64((int64_t)((uint64_t)e->weight * 5u) / total);
            if (total == -1) {
                w100 = hearth_abs64((int64_t)(0 - (uint64_t)e->weight * 100u));
                w5 = hearth_abs64((int64_t)(0 - (uint64_t)e->weight * 5u));
            }
            if (1 + (w100 < 100 ? w100 : 100) > 1)
                hearth_buf_printf(out, " weight=%lld", (long long)(1 + (w100 < 100 ? w100 : 100)));
            if (1 + (w5 < 5 ? w5 : 5) > 1)
                hearth_buf_printf(out, " penwidth=%lld", (long long)(1 + (w5 < 5 ? w5 : 5)));
            dot_color(frac(e->weight, total), false, col);
            hearth_buf_printf(out, " color=\"%s\"", col);
        }
        hearth_buf_addstr(out, " tooltip=\"");
        dot_escape(out, a->ptr, a->len);
        hearth_buf_addstr(out, arrow);
        dot_escape(out, b->ptr, b->len);
        hearth_buf_printf(out, " (%s)\" labeltooltip=\"", wv);
        dot_escape(out, a->ptr, a->len);
        hearth_buf_addstr(out, arrow);
        dot_escape(out, b->ptr, b->len);
        hearth_buf_printf(out, " (%s)\"%s%s]\n", wv, e->residual ? " style=\"dotted\"" : "",
                          has_nodelets[e->src] ? " minlen=2" : "");
    }
    hearth_buf_addstr(out, "}\n");
out_free:
    free(has_nodelets);
    free(scratch);
}

static void write_json(const struct hearth_graph *g, const char *unit, struct hearth_buf *labels,
                       struct hearth_buf *out)
{
    const struct hearth_stacks *s = g->s;
    struct hearth_jsonw w;
    const char *l, *nl;
    uint32_t i;
    size_t k;

    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth__sample_json(&w, s);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_cstr(&w, unit);
    hearth_jsonw_key(&w, "labels");
    hearth_jsonw_arr_open(&w);
    for (l = labels->ptr ? labels->ptr : "";; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            break;
        hearth_jsonw_str(&w, l, (size_t)(nl - l));
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "nodes");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "id");
        hearth_jsonw_int(&w, i + 1);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_str(&w, nm->ptr, nm->len);
        hearth_jsonw_key(&w, "flat");
        hearth_jsonw_int(&w, g->flat[i]);
        hearth_jsonw_key(&w, "cum");
        hearth_jsonw_int(&w, g->cum[i]);
        hearth_jsonw_key(&w, "inline");
        hearth_jsonw_cstr(&w, inline_label[g->inl[i]]);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "edges");
    hearth_jsonw_arr_open(&w);
    for (k = 0; k < g->nedges; k++) {
        const struct hearth_gedge *e = &g->edges[k];
        if (e->hidden_dst)
            continue; /* drawn by pprof as "N0": no node to point to */
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "src");
        hearth_jsonw_int(&w, e->src + 1);
        hearth_jsonw_key(&w, "dst");
        hearth_jsonw_int(&w, e->dst + 1);
        hearth_jsonw_key(&w, "weight");
        hearth_jsonw_int(&w, e->weight);
        hearth_jsonw_key(&w, "residual");
        hearth_jsonw_bool(&w, e->residual);
        hearth_jsonw_key(&w, "inline");
        hearth_jsonw_bool(&w, e->inline_);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
}

enum hearth_err hearth_callgraph_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                        bool dot, struct hearth_buf *out, struct hearth_errmsg *em)
{
    return hearth_callgraph_render_both(s, q, dot ? NULL : out, dot ? out : NULL, em);
}

enum hearth_err hearth_callgraph_render_both(const struct hearth_stacks *s,
                                             const struct hearth_query *q, struct hearth_buf *json,
                                             struct hearth_buf *dot, struct hearth_errmsg *em)
{
    struct hearth_graph_opts o = {
        .nodecount = q->nodecount < 0 ? 80 : q->nodecount,
        .nodefraction = q->nodefraction < 0 ? 0.005 : q->nodefraction,
        .edgefraction = q->edgefraction < 0 ? 0.001 : q->edgefraction,
        .visual = true,
    };
    struct hearth_graph *g;
    struct hearth_buf labels;
    enum hearth_err e;
    const char *unit;

    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        return e;
    unit = hearth_graph_output_unit(g, q->unit);
    hearth_buf_init(&labels, 1 << 20);
    hearth_graph_labels(g, unit, o.nodefraction, o.edgefraction, &labels);
    if (dot)
        write_dot(g, unit, &labels, dot);
    if (json)
        write_json(g, unit, &labels, json);
    hearth_buf_release(&labels);
    hearth_graph_free(g);
    if (dot && dot->fail)
        return hearth_errmsg_set(em, dot->fail, "output larger than the limit");
    if (json && json->fail)
        return hearth_errmsg_set(em, json->fail, "output larger than the limit");
    return HEARTH_OK;
}
