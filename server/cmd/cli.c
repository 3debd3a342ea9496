/* cli.c - `hearth REPORT [flags] SOURCE` (pprof's -REPORT spelling too); see include/hearth/cli.h.
 */
#include "hearth/cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "hearth/buf.h"
#include "hearth/labels.h"
#include "hearth/tags.h"
#include "hearth/fetch.h"
#include "hearth/limits.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/reports.h"
#include "hearth/render.h"
#include "hearth/stacks.h"
#include "hearth/views.h"

#include "hearth/banned.h"

/* Which stacks a report needs. */
enum {
    R_TAGS = 1,     /* stacks with tag sets (graphs' label boxes) */
    R_ARG = 2,      /* the report flag takes a value: -peek=RE */
    R_NOSTACK = 4,  /* renders the profile itself; no stacks are built */
    R_REPORT = 8,   /* one of reports.h: it says which stacks it needs */
    R_SAMPLES = 16, /* stacks that mark every kept sample (labels.h: -tags) */
};

struct cli_ctx {
    const char *arg;                /* the report flag's value (-peek=RE) or NULL */
    const struct hearth_profile *p; /* the profile after -base/-diff_base */
    const struct hearth_stacks *s;  /* NULL for R_NOSTACK reports */
    const struct hearth_query *q;
    const struct hearth_limits *lim;
    const char *name; /* the report's name */
    bool json;
};

typedef enum hearth_err (*cli_render_fn)(const struct cli_ctx *c, struct hearth_buf *out,
                                         struct hearth_errmsg *em);

static enum hearth_err r_top(const struct cli_ctx *c, struct hearth_buf *out,
                             struct hearth_errmsg *em)
{
    return hearth_top_render(c->s, c->q, c->json, out, em);
}

static enum hearth_err r_flame(const struct cli_ctx *c, struct hearth_buf *out,
                               struct hearth_errmsg *em)
{
    return hearth_flame_render(c->s, c->q, out, em);
}

static enum hearth_err r_graph(const struct cli_ctx *c, struct hearth_buf *out,
                               struct hearth_errmsg *em)
{
    return hearth_callgraph_render(c->s, c->q, false, out, em);
}

static enum hearth_err r_dot(const struct cli_ctx *c, struct hearth_buf *out,
                             struct hearth_errmsg *em)
{
    return hearth_callgraph_render(c->s, c->q, true, out, em);
}

static enum hearth_err r_tags(const struct cli_ctx *c, struct hearth_buf *out,
                              struct hearth_errmsg *em)
{
    return hearth_tags_render(c->s, c->q, c->json, out, em);
}

/* The call graph's DOT drawn as an image by Graphviz (pprof's -svg, -png, -pdf, -gif). */
static enum hearth_err r_image(const struct cli_ctx *c, struct hearth_buf *out,
                               struct hearth_errmsg *em)
{
    enum hearth_image fmt = HEARTH_IMAGE_SVG;
    struct hearth_buf dot;
    enum hearth_err e;

    if (!hearth_image_parse(c->name, &fmt))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no image format %s", c->name);
    if (c->q->nodecount == 0 || c->q->nodecount > (long)c->lim->max_render_nodes)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "an image draws at most %zu nodes (limit max_render_nodes); "
                                 "give -nodecount=1..%zu",
                                 c->lim->max_render_nodes, c->lim->max_render_nodes);
    hearth_buf_init(&dot, c->lim->max_output);
    e = hearth_callgraph_render(c->s, c->q, true, &dot, em);
    if (!e)
        e = hearth_render_image(dot.ptr, dot.len, fmt, (int64_t)c->lim->max_render_wait_ms, out,
                                em);
    hearth_buf_release(&dot);
    return e;
}

static enum hearth_err r_report(const struct cli_ctx *c, struct hearth_buf *out,
                                struct hearth_errmsg *em)
{
    enum hearth_report r;

    if (!hearth_report_by_name(c->name, &r))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no report %s", c->name);
    return hearth_report_render(r, c->p, c->s, c->q, c->arg, out, em);
}

/*
 * Every report: its subcommand, which is also its pprof flag (`hearth top
 * FILE`, `hearth -top FILE`), what it needs, its renderer and its --help line.
 * Adding a report is one row here.
 */
static const struct cli_report {
    const char *name;
    unsigned flags;
    cli_render_fn render;
    const char *help;
} reports[] = {
    {"top", 0, r_top, "pprof -top text (or --json rows)"},
    {"text", 0, r_top, "the same as top"},
    {"flame", 0, r_flame, "flame graph JSON (call tree, pre-order arrays)"},
    {"graph", R_TAGS, r_graph, "call graph JSON"},
    {"dot", R_TAGS, r_dot, "call graph in Graphviz DOT (also graph -dot)"},
    {"traces", R_REPORT, r_report, "every sample's stack, with its labels"},
    {"tree", R_REPORT, r_report, "each node with its callers and callees"},
    {"peek", R_REPORT | R_ARG, r_report, "-peek=RE: the tree of the nodes matching RE"},
    {"raw", R_REPORT, r_report, "the decoded profile as text"},
    {"callgrind", R_REPORT, r_report, "callgrind format (KCachegrind, callgrind_annotate)"},
    {"kcachegrind", R_REPORT, r_report, "the same as callgrind"},
    {"proto", R_REPORT, r_report, "the profile after filters and -base, gzipped profile.proto"},
    {"topproto", R_REPORT, r_report, "top as a profile.proto (cum and flat per node)"},
    {"comments", R_REPORT, r_report, "the profile's comments"},
    {"svg", R_TAGS, r_image, "call graph as SVG, drawn by Graphviz's library (no dot binary)"},
    {"png", R_TAGS, r_image, "call graph as PNG"},
    {"pdf", R_TAGS, r_image, "call graph as PDF"},
    {"gif", R_TAGS, r_image, "call graph as GIF"},
    {"tags", R_SAMPLES, r_tags, "pprof -tags: label values and their weights (or --json)"},
    {NULL, 0, NULL, NULL},
};

static const struct cli_report *find_report(const char *name)
{
    const struct cli_report *r;

    for (r = reports; r->name; r++)
        if (!strcmp(r->name, name))
            return r;
    return NULL;
}

void hearth_cli_usage(FILE *f)
{
    const struct cli_report *r;

    fputs("usage: hearth REPORT [flags] SOURCE, or pprof's spelling: hearth -REPORT [flags] "
          "SOURCE\n\nReports (each is also a flag: -top, -traces, -peek=RE ...):\n",
          f);
    for (r = reports; r->name; r++)
        fprintf(f, "  %-18s %s\n", r->name, r->help);
    fputs("\n"
          "SOURCE is a pprof profile (profile.proto, gzip-compressed or raw): a file, or a\n"
          "URL such as http://host:6060/debug/pprof/heap (fetched as pprof does: any\n"
          "address, no redirects). Flags use\n"
          "pprof's names and meanings, written -flag=value, -flag value or --flag=value:\n"
          "\n"
          "  -output=FILE        write the report to FILE instead of standard output\n"
          "  -seconds=N          for a URL source: fetch with ?seconds=N (profile length)\n"
          "  -timeout=N          for a URL source: give up after N seconds (default: 1.5 x\n"
          "                      -seconds, else 60)\n"
          "  -sample_index=I     sample type by index or name (default: the profile's\n"
          "                      default_sample_type, else the last type); also\n"
          "                      -inuse_space -inuse_objects -alloc_space -alloc_objects\n"
          "                      -total_delay -contentions\n"
          "  -unit=U             report unit: minimum (default), auto, or a unit (B, MB, ms...)\n"
          "  -nodecount=N        max nodes (top: all, graph: 80)\n"
          "  -nodefraction=F     drop nodes with |cum| below F of the total (0.005)\n"
          "  -edgefraction=F     drop edges below F of the total (0.001)\n"
          "  -functions -filefunctions -files -lines -addresses, or -granularity=G\n"
          "  -noinlines          attribute inlined frames to their caller\n"
          "  -focus=RE -ignore=RE -hide=RE -show=RE -show_from=RE\n"
          "                      RE2-syntax regexes on function names, file names and\n"
          "                      binary names (see pprof's documentation)\n"
          "  -tagfocus=[KEY=]V -tagignore=[KEY=]V\n"
          "                      label filters: comma-separated regexes or a numeric\n"
          "                      range such as 1kb:, :10ms, 1mb:2mb\n"
          "  -tagshow=RE -taghide=RE  keep only / drop the label keys matching RE\n"
          "  -tagroot=KEYS -tagleaf=KEYS  label values as pseudo frames at the root / leaf\n"
          "  -prune_from=RE      drop the frames beneath the first matching one\n"
          "  -divide_by=F        show values divided by F\n"
          "  -mean               average over the first sample value (count); -mean_delay\n"
          "  -drop_negative      leave out nodes with negative values\n"
          "  -relative_percentages  percentages of the filtered total\n"
          "  -trim=false         no nodecount, nodefraction or edgefraction trimming\n"
          "  -trim_path=PATHS    ':'-separated prefixes cut from source paths\n"
          "  -call_tree          (graph) nodes form a call tree\n"
          "  -compact_labels     (top) headers without the profile lines\n"
          "  -flat               (top) sort by flat (the default)\n"
          "  -base=FILE          subtract FILE (percentages of the difference)\n"
          "  -diff_base=FILE     compare against FILE (percentages of FILE's total)\n"
          "  -normalize          scale the profile to the base's totals first\n"
          "  -cum                (top) sort by cum instead of flat\n"
          "  --json              (top) rows as JSON\n"
          "  -min_fraction=F     (flame) fold subtrees below F of the total into their parent\n"
          "\n"
          "Exit status: 0 on success, 1 when an input is rejected (one line on stderr),\n"
          "2 on a usage error.\n\n"
          "Limits on input, settable as -NAME=N (defaults shown):\n",
          f);
    {
        const struct hearth_limit_row *l;
        for (l = hearth_limit_table(); l->name; l++)
            fprintf(f, "  -%-18s %zu: %s\n", l->name, l->value, l->reason);
    }
}

static bool bool_flag(const char *n)
{
    static const char *const names[] = {"functions", "filefunctions", "files",
                                        "lines",     "addresses",     "noinlines",
                                        "normalize", "cum",           "flat",
                                        "json",      "raw_json",      "drop_negative",
                                        "mean",      "mean_delay",    "relative_percentages",
                                        "trim",      "call_tree",     "compact_labels",
                                        NULL};
    int i;

    for (i = 0; names[i]; i++)
        if (!strcmp(n, names[i]))
            return true;
    return false;
}

static const char *const legacy_si[][2] = {
    {"inuse_space", "inuse_space"}, {"inuse_objects", "inuse_objects"},
    {"alloc_space", "alloc_space"}, {"alloc_objects", "alloc_objects"},
    {"total_delay", "delay"},       {"contentions", "contentions"},
};

/* -max_samples=N and friends: any row of the limits table. Returns true if name is a limit. */
static bool set_limit(struct hearth_limits *lim, const char *name, const char *val, int *rc)
{
    const struct hearth_limit_row *r;
    char *end;
    unsigned long long v;

    for (r = hearth_limit_table(); r->name; r++) {
        if (strcmp(r->name, name) != 0)
            continue;
        v = val ? strtoull(val, &end, 10) : 0;
        if (!val || !*val || *end || v == 0) {
            fprintf(stderr, "hearth: -%s needs a positive integer\n", name);
            *rc = 2;
        } else {
            *(size_t *)((char *)lim + r->offset) = (size_t)v;
        }
        return true;
    }
    return false;
}

static int fail(const char *msg)
{
    fprintf(stderr, "hearth: %s\n", msg);
    return 1;
}

/* Choose report r; a second, different report is pprof's usage error. */
static int pick_report(const struct cli_report **cur, const struct cli_report *r)
{
    if (*cur && *cur != r) {
        /* graph -dot: the call graph as DOT */
        if (!strcmp((*cur)->name, "graph") && !strcmp(r->name, "dot")) {
            *cur = r;
            return 0;
        }
        if (!strcmp((*cur)->name, "dot") && !strcmp(r->name, "graph"))
            return 0;
        fprintf(stderr, "hearth: must set at most one output format (%s, %s)\n", (*cur)->name,
                r->name);
        return 2;
    }
    *cur = r;
    return 0;
}

/* Where profiles come from: -seconds and -timeout for URL sources, as pprof's. */
struct source_opts {
    long seconds; /* > 0: set ?seconds=N on the URL */
    long timeout; /* > 0: the whole fetch deadline */
};

/*
 * A source is a URL when it says http:// or https://, or (as pprof reads
 * "host:port/path") when no such file exists and it looks like host:port.
 */
static bool is_url(const char *s)
{
    const char *c;

    if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8))
        return true;
    if (access(s, F_OK) == 0)
        return false;
    c = strchr(s, ':');
    if (!c || c == s || c[1] < '0' || c[1] > '9')
        return false;
    for (c++; *c >= '0' && *c <= '9'; c++)
        ;
    return *c == '\0' || *c == '/';
}

/*
 * The URL pprof would fetch: http:// added when missing, and with -seconds
 * every seconds= of the query replaced by seconds=N. malloc'ed.
 */
static char *source_url(const char *src, long seconds)
{
    struct hearth_buf b;
    const char *q, *hash, *p;

    hearth_buf_init(&b, HEARTH_LIMIT_FETCH_URL + 64);
    if (strncmp(src, "http://", 7) != 0 && strncmp(src, "https://", 8) != 0)
        hearth_buf_addstr(&b, "http://");
    q = strchr(src, '?');
    hash = strchr(src, '#');
    if (hash && q && hash < q)
        q = NULL;
    if (seconds <= 0) {
        hearth_buf_addstr(&b, src);
    } else {
        bool any = false;
        hearth_buf_add(&b, src, (size_t)((q ? q : hash ? hash : src + strlen(src)) - src));
        for (p = q ? q + 1 : NULL; p && *p && p != hash;) {
            const char *end = p;
            while (*end && *end != '&' && end != hash)
                end++;
            if (!(end - p >= 7 && !strncmp(p, "seconds", 7) && (p[7] == '=' || p + 7 == end)) &&
                end > p) {
                hearth_buf_addch(&b, any ? '&' : '?');
                hearth_buf_add(&b, p, (size_t)(end - p));
                any = true;
            }
            p = *end == '&' ? end + 1 : end;
        }
        hearth_buf_printf(&b, "%cseconds=%ld", any ? '&' : '?', seconds);
    }
    if (b.fail) {
        hearth_buf_release(&b);
        return NULL;
    }
    return hearth_buf_detach(&b, NULL);
}

/* Load a profile from a file or, as pprof does, from an http(s) URL. */
static int load_source(const char *src, const struct source_opts *so,
                       const struct hearth_limits *lim, struct hearth_profile **out)
{
    struct hearth_errmsg em = {{0}}, detail = {{0}};
    struct hearth_fetch_opts fo = {0};
    struct hearth_fetcher *f = NULL;
    unsigned char *body = NULL;
    size_t len = 0;
    char *url = NULL;
    enum hearth_err e;
    int rc = 1;

    if (!is_url(src)) {
        e = hearth_profile_load(src, lim, out, &em);
        if (e)
            fprintf(stderr, "hearth: %s: %s\n", src, em.msg);
        return e ? 1 : 0;
    }
    url = source_url(src, so->seconds);
    if (!url) {
        fprintf(stderr, "hearth: %s: URL too long\n", src);
        return 1;
    }
    fo.allow = "";
    fo.max_bytes = lim->max_input;
    fo.max_seconds = 86400;
    fo.open = true;
    /* pprof: -timeout, else 1.5 x -seconds, else 60 s */
    fo.timeout_s = so->timeout > 0   ? so->timeout
                   : so->seconds > 0 ? so->seconds + so->seconds / 2
                                     : 60;
    if (fo.timeout_s > 86400)
        fo.timeout_s = 86400;
    e = hearth_fetch_global_init();
    if (!e)
        e = hearth_fetcher_new(&fo, &f, &em);
    if (!e)
        e = hearth_fetch(f, url, &body, &len, &em, &detail);
    if (e) {
        fprintf(stderr, "hearth: %s: %s\n", url, detail.msg[0] ? detail.msg : em.msg);
        goto out_free;
    }
    e = hearth_profile_decode(body, len, lim, out, &em);
    if (e) {
        fprintf(stderr, "hearth: %s: %s\n", url, em.msg);
        goto out_free;
    }
    rc = 0;
out_free:
    free(body);
    hearth_fetcher_free(f);
    free(url);
    return rc;
}

/* -seconds=N / -timeout=N: whole seconds, 1..86400. */
static bool parse_secs(const char *name, const char *val, long *out)
{
    char *end;
    long v = val ? strtol(val, &end, 10) : 0;

    if (!val || !*val || *end || v < 0 || v > 86400) {
        fprintf(stderr, "hearth: -%s needs whole seconds from 0 to 86400\n", name);
        return false;
    }
    *out = v;
    return true;
}

/* Where the report goes: stdout or -output=PATH (created at the first write). */
struct out_sink {
    const char *path;
    FILE *f;
    bool failed;
};

static enum hearth_err sink_write(void *ctx, const char *p, size_t n)
{
    struct out_sink *o = ctx;

    if (!o->f && !o->failed) {
        o->f = o->path ? fopen(o->path, "wb") : stdout;
        if (!o->f) {
            fprintf(stderr, "hearth: cannot create %s\n", o->path);
            o->failed = true;
        }
    }
    if (!o->failed && n && fwrite(p, 1, n, o->f) != n) {
        fprintf(stderr, "hearth: writing %s failed\n", o->path ? o->path : "the output");
        o->failed = true;
    }
    return o->failed ? HEARTH_E_IO : HEARTH_OK;
}

/* The rest of the report, then close; 0 or 1 (with a message on stderr). */
static int write_out(const struct hearth_buf *out, struct out_sink *o)
{
    if (sink_write(o, out->ptr, out->len))
        return 1;
    if (o->path ? fclose(o->f) != 0 : fflush(o->f) != 0) {
        o->f = NULL;
        fprintf(stderr, "hearth: writing %s failed\n", o->path ? o->path : "the output");
        return 1;
    }
    o->f = NULL;
    return 0;
}

int hearth_cli_run(int argc, char **argv)
{
    const char *file = NULL, *base = NULL, *output = NULL;
    const struct cli_report *rep = NULL;
    struct cli_ctx ctx = {0};
    struct source_opts so = {0, 0};
    struct hearth_query q, rq;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_profile *p = NULL, *bp = NULL, *m = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_buf out;
    struct out_sink sink = {NULL, NULL, false};
    enum hearth_err e;
    int i = 0, rc = 1;

    /*
     * A fixed mmap threshold (glibc raises it after each free of a big block):
     * the decoder's big temporary arrays are then mapped and given back when
     * freed, and grown by mremap, which keeps the CLI's peak memory near the
     * model's size (-12% on a 1M-sample profile).
     */
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    hearth_query_init(&q);
    hearth_buf_init(&out, lim.max_output);
    /* argv[0] may name the report; otherwise it is the profile or a flag */
    if (argc > 0 && argv[0][0] != '-') {
        rep = find_report(argv[0]);
        i = rep ? 1 : 0;
    }
    for (; i < argc; i++) {
        char name[64];
        const char *a = argv[i], *val = NULL, *eq;
        const struct cli_report *r;
        size_t nl, k;

        if (a[0] != '-' || a[1] == '\0') {
            if (file && !rep && file == argv[0]) {
                fprintf(stderr, "hearth: unknown command \"%s\" (see hearth --help)\n", file);
                rc = 2;
                goto out_free;
            }
            if (file) {
                fprintf(stderr, "hearth: more than one profile given (%s, %s)\n", file, a);
                rc = 2;
                goto out_free;
            }
            file = a;
            continue;
        }
        a += a[1] == '-' ? 2 : 1;
        eq = strchr(a, '=');
        nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl == 0 || nl >= sizeof(name)) {
            fprintf(stderr, "hearth: bad flag %s\n", argv[i]);
            rc = 2;
            goto out_free;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        if (!strcmp(name, "help") || !strcmp(name, "h")) {
            hearth_cli_usage(stdout);
            rc = 0;
            goto out_free;
        }
        r = find_report(name);
        if (eq)
            val = eq + 1;
        else if ((r && !(r->flags & R_ARG)) || (!r && bool_flag(name))) {
            /* a flag without a value */
        } else {
            for (k = 0; k < sizeof(legacy_si) / sizeof(legacy_si[0]); k++)
                if (!strcmp(name, legacy_si[k][0]))
                    break;
            if (k < sizeof(legacy_si) / sizeof(legacy_si[0])) {
                if (!q.sample_index)
                    q.sample_index = legacy_si[k][1];
                continue;
            }
            if (i + 1 >= argc) {
                fprintf(stderr, "hearth: flag -%s needs a value\n", name);
                rc = 2;
                goto out_free;
            }
            val = argv[++i];
        }
        if (r) {
            rc = pick_report(&rep, r);
            if (rc)
                goto out_free;
            rc = 1;
            if (r->flags & R_ARG)
                ctx.arg = val;
        } else if (!strcmp(name, "json") || !strcmp(name, "raw_json")) {
            ctx.json = true;
        } else if (!strcmp(name, "output") || !strcmp(name, "o")) {
            output = val;
        } else if (!strcmp(name, "seconds") || !strcmp(name, "timeout")) {
            if (!parse_secs(name, val, name[0] == 's' ? &so.seconds : &so.timeout)) {
                rc = 2;
                goto out_free;
            }
        } else if (!strcmp(name, "symbolize")) {
            /* accepted for pprof habits: names are never re-symbolised */
        } else if (!strcmp(name, "base") || !strcmp(name, "diff_base")) {
            if (base) {
                fprintf(stderr, "hearth: -base and -diff_base flags cannot both be specified\n");
                rc = 2;
                goto out_free;
            }
            base = val;
            q.diff = name[0] == 'b' ? HEARTH_DIFF_BASE : HEARTH_DIFF_DIFF_BASE;
        } else if (set_limit(&lim, name, val, &rc)) {
            if (rc == 2)
                goto out_free;
        } else if (hearth_query_set(&q, name, val, &em)) {
            fprintf(stderr, "hearth: %s\n", em.msg);
            rc = 2;
            goto out_free;
        }
    }
    if (!rep) {
        if (argc > 0 && argv[0][0] != '-' && access(argv[0], F_OK) != 0)
            fprintf(stderr, "hearth: unknown command \"%s\" (see hearth --help)\n", argv[0]);
        else
            fprintf(stderr, "hearth: no report given: name one, as -top or top (see hearth "
                            "--help)\n");
        rc = 2;
        goto out_free;
    }
    if ((rep->flags & R_ARG) && (!ctx.arg || !*ctx.arg)) {
        fprintf(stderr, "hearth: %s needs -%s=REGEXP\n", rep->name, rep->name);
        rc = 2;
        goto out_free;
    }
    if (!file) {
        fprintf(stderr, "hearth: %s needs a profile file (see hearth --help)\n", rep->name);
        rc = 2;
        goto out_free;
    }
    if (q.normalize && !base) {
        fprintf(stderr, "hearth: -normalize requires -base or -diff_base\n");
        rc = 2;
        goto out_free;
    }
    if (load_source(file, &so, &lim, &p))
        goto out_free;
    if (base) {
        if (load_source(base, &so, &lim, &bp))
            goto out_free;
        e = hearth_merge_diff(p, bp, q.diff, q.normalize, &lim, &m, &em);
        if (e) {
            rc = fail(em.msg);
            goto out_free;
        }
    }
    if (rep->flags & R_REPORT) {
        enum hearth_report r;
        unsigned flags = 0;
        if (hearth_report_by_name(rep->name, &r) && hearth_report_stacks(r, &q, &rq, &flags)) {
            e = hearth_stacks_build_ex(m ? m : p, &rq, flags, &lim, &s, &em);
            if (e) {
                rc = fail(em.msg);
                goto out_free;
            }
        }
    } else if (!(rep->flags & R_NOSTACK)) {
        e = hearth_stacks_build_ex(m ? m : p, &q,
                                   (rep->flags & R_TAGS)      ? HEARTH_STACKS_TAGS
                                   : (rep->flags & R_SAMPLES) ? HEARTH_STACKS_SAMPLES
                                                              : 0,
                                   &lim, &s, &em);
        if (e) {
            rc = fail(em.msg);
            goto out_free;
        }
    }
    ctx.p = m ? m : p;
    ctx.s = s;
    ctx.q = &q;
    ctx.lim = &lim;
    ctx.name = rep->name;
    sink.path = output;
    /* long reports stream to the output as they are rendered */
    hearth_buf_set_spill(&out, sink_write, &sink);
    e = rep->render(&ctx, &out, &em);
    if (e) {
        if (!sink.failed)
            rc = fail(em.msg);
        goto out_free;
    }
    rc = write_out(&out, &sink);
out_free:
    if (sink.f && sink.path)
        fclose(sink.f);
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    hearth_profile_free(m);
    hearth_profile_free(bp);
    hearth_profile_free(p);
    return rc;
}
