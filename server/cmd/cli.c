/* cli.c - `hearth top|flame|graph`; see include/hearth/cli.h. */
#include "hearth/cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/buf.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/render.h"
#include "hearth/stacks.h"
#include "hearth/views.h"

#include "hearth/banned.h"

void hearth_cli_usage(FILE *f)
{
    fputs("usage: hearth top   [flags] FILE   pprof -top text (or --json rows)\n"
          "       hearth flame [flags] FILE   flame graph JSON (call tree, pre-order arrays)\n"
          "       hearth graph [flags] FILE   call graph JSON (or -dot for Graphviz)\n"
          "       hearth svg|png|pdf|gif [flags] FILE\n"
          "                                   call graph image, drawn by Graphviz's library\n"
          "\n"
          "FILE is a pprof profile (profile.proto, gzip-compressed or raw). Flags use\n"
          "pprof's names and meanings, written -flag=value, -flag value or --flag=value:\n"
          "\n"
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
          "  -base=FILE          subtract FILE (percentages of the difference)\n"
          "  -diff_base=FILE     compare against FILE (percentages of FILE's total)\n"
          "  -normalize          scale the profile to the base's totals first\n"
          "  -cum                (top) sort by cum instead of flat\n"
          "  --json              (top) rows as JSON\n"
          "  -dot                (graph) Graphviz DOT instead of JSON\n"
          "  -min_fraction=F     (flame) fold subtrees below F of the total into their parent\n"
          "\n"
          "Exit status: 0 on success, 1 when an input is rejected (one line on stderr),\n"
          "2 on a usage error.\n\n"
          "Limits on input, settable as -NAME=N (defaults shown):\n",
          f);
    {
        const struct hearth_limit_row *r;
        for (r = hearth_limit_table(); r->name; r++)
            fprintf(f, "  -%-18s %zu: %s\n", r->name, r->value, r->reason);
    }
}

static bool bool_flag(const char *n)
{
    static const char *const names[] = {
        "functions", "filefunctions", "files", "lines", "addresses", "noinlines", "normalize",
        "cum",       "flat",          "json",  "dot",   "top",       "raw_json",  NULL};
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

/* The call graph's DOT drawn as an image by Graphviz (pprof's -svg, -png, -pdf, -gif). */
static enum hearth_err render_image(const struct hearth_stacks *s, const struct hearth_query *q,
                                    const struct hearth_limits *lim, enum hearth_image fmt,
                                    struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_buf dot;
    enum hearth_err e;

    hearth_buf_init(&dot, lim->max_output);
    e = hearth_callgraph_render(s, q, true, &dot, em);
    if (!e)
        e = hearth_render_image(dot.ptr, dot.len, fmt, (int64_t)lim->max_render_wait_ms, out, em);
    hearth_buf_release(&dot);
    return e;
}

static int fail(const char *msg)
{
    fprintf(stderr, "hearth: %s\n", msg);
    return 1;
}

int hearth_cli_run(int argc, char **argv)
{
    const char *cmd = argv[0], *file = NULL, *base = NULL;
    struct hearth_query q;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_profile *p = NULL, *bp = NULL, *m = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_buf out;
    bool json = false, dot = false;
    enum hearth_image fmt = HEARTH_IMAGE_SVG;
    bool image = hearth_image_parse(cmd, &fmt);
    enum hearth_err e;
    int i, rc = 1;

    hearth_query_init(&q);
    hearth_buf_init(&out, lim.max_output);
    for (i = 1; i < argc; i++) {
        char name[64];
        const char *a = argv[i], *val = NULL, *eq;
        size_t nl, k;

        if (a[0] != '-' || a[1] == '\0') {
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
        if (eq)
            val = eq + 1;
        else if (!bool_flag(name)) {
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
        if (!strcmp(name, "json") || !strcmp(name, "raw_json")) {
            json = true;
        } else if (!strcmp(name, "dot")) {
            dot = true;
        } else if (!strcmp(name, "top") || !strcmp(name, "symbolize")) {
            /* accepted for pprof habits: -top is the command, names are never re-symbolised */
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
    if (!file) {
        fprintf(stderr, "hearth: %s needs a profile file (see hearth --help)\n", cmd);
        rc = 2;
        goto out_free;
    }
    if (q.normalize && !base) {
        fprintf(stderr, "hearth: -normalize requires -base or -diff_base\n");
        rc = 2;
        goto out_free;
    }
    e = hearth_profile_load(file, &lim, &p, &em);
    if (e) {
        fprintf(stderr, "hearth: %s: %s\n", file, em.msg);
        goto out_free;
    }
    if (base) {
        e = hearth_profile_load(base, &lim, &bp, &em);
        if (e) {
            fprintf(stderr, "hearth: %s: %s\n", base, em.msg);
            goto out_free;
        }
        e = hearth_merge_diff(p, bp, q.diff, q.normalize, &lim, &m, &em);
        if (e) {
            rc = fail(em.msg);
            goto out_free;
        }
    }
    if (image && (q.nodecount == 0 || q.nodecount > (long)lim.max_render_nodes)) {
        fprintf(stderr,
                "hearth: an image draws at most %zu nodes (limit max_render_nodes); "
                "give -nodecount=1..%zu\n",
                lim.max_render_nodes, lim.max_render_nodes);
        goto out_free;
    }
    e = hearth_stacks_build(m ? m : p, &q, !strcmp(cmd, "graph") || image, &lim, &s, &em);
    if (e) {
        rc = fail(em.msg);
        goto out_free;
    }
    if (!strcmp(cmd, "top"))
        e = hearth_top_render(s, &q, json, &out, &em);
    else if (!strcmp(cmd, "graph"))
        e = hearth_callgraph_render(s, &q, dot, &out, &em);
    else if (image)
        e = render_image(s, &q, &lim, fmt, &out, &em);
    else
        e = hearth_flame_render(s, &q, &out, &em);
    if (e) {
        rc = fail(em.msg);
        goto out_free;
    }
    if (out.len && fwrite(out.ptr, 1, out.len, stdout) != out.len) {
        rc = fail("writing output failed");
        goto out_free;
    }
    rc = fflush(stdout) == 0 ? 0 : fail("writing output failed");
out_free:
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    hearth_profile_free(m);
    hearth_profile_free(bp);
    hearth_profile_free(p);
    return rc;
}
