/* query.c - view options by pprof name; see include/hearth/query.h. */
#include "hearth/query.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

void hearth_query_init(struct hearth_query *q)
{
    memset(q, 0, sizeof(*q));
    q->nodecount = -1;
    q->nodefraction = -1;
    q->edgefraction = -1;
}

static const char *const gran_names[] = {"functions", "filefunctions", "files", "lines",
                                         "addresses"};

const char *hearth_gran_name(enum hearth_gran g)
{
    return (unsigned)g < 5 ? gran_names[g] : "functions";
}

enum kind {
    K_STR,       /* const char * */
    K_BOOL,      /* bool */
    K_NOT_BOOL,  /* bool, set to the negation (-flat, -trim) */
    K_GRAN_BOOL, /* -functions ... -addresses */
    K_GRAN,      /* -granularity=G */
    K_COUNT,     /* -nodecount */
    K_FRAC,      /* a fraction in [0, 1] */
    K_DIVISOR,   /* -divide_by: a finite non-zero number */
    K_MEAN_DELAY /* -mean_delay: -mean -sample_index=delay */
};

struct row {
    struct hearth_query_opt o;
    enum kind kind;
    size_t off;
};

#define OFF(f) offsetof(struct hearth_query, f)

/* The one option table (CLI flag, URL parameter, kind, field). */
static const struct row rows[] = {
    {{"sample_index", "si", false}, K_STR, OFF(sample_index)},
    {{"granularity", "g", false}, K_GRAN, OFF(gran)},
    {{"functions", NULL, true}, K_GRAN_BOOL, 0},
    {{"filefunctions", NULL, true}, K_GRAN_BOOL, 1},
    {{"files", NULL, true}, K_GRAN_BOOL, 2},
    {{"lines", NULL, true}, K_GRAN_BOOL, 3},
    {{"addresses", NULL, true}, K_GRAN_BOOL, 4},
    {{"focus", "f", false}, K_STR, OFF(focus)},
    {{"ignore", "i", false}, K_STR, OFF(ignore)},
    {{"hide", "h", false}, K_STR, OFF(hide)},
    {{"show", "s", false}, K_STR, OFF(show)},
    {{"show_from", "sf", false}, K_STR, OFF(show_from)},
    {{"prune_from", "prunefrom", false}, K_STR, OFF(prune_from)},
    {{"tagfocus", "tf", false}, K_STR, OFF(tagfocus)},
    {{"tagignore", "ti", false}, K_STR, OFF(tagignore)},
    {{"tagshow", "ts", false}, K_STR, OFF(tagshow)},
    {{"taghide", "th", false}, K_STR, OFF(taghide)},
    {{"tagroot", "tagroot", false}, K_STR, OFF(tagroot)},
    {{"tagleaf", "tagleaf", false}, K_STR, OFF(tagleaf)},
    {{"nodecount", "n", false}, K_COUNT, OFF(nodecount)},
    {{"nodefraction", "nf", false}, K_FRAC, OFF(nodefraction)},
    {{"edgefraction", "ef", false}, K_FRAC, OFF(edgefraction)},
    {{"min_fraction", "mf", false}, K_FRAC, OFF(min_fraction)},
    {{"unit", "unit", false}, K_STR, OFF(unit)},
    {{"noinlines", "noinlines", true}, K_BOOL, OFF(noinlines)},
    {{"normalize", "norm", true}, K_BOOL, OFF(normalize)},
    {{"cum", "cum", true}, K_BOOL, OFF(cum_sort)},
    {{"flat", "flat", true}, K_NOT_BOOL, OFF(cum_sort)},
    {{"divide_by", "divide_by", false}, K_DIVISOR, OFF(divide_by)},
    {{"drop_negative", "dropneg", true}, K_BOOL, OFF(drop_negative)},
    {{"mean", "mean", true}, K_BOOL, OFF(mean)},
    {{"mean_delay", NULL, true}, K_MEAN_DELAY, 0},
    {{"relative_percentages", "rel", true}, K_BOOL, OFF(relative)},
    {{"trim", "trim", true}, K_NOT_BOOL, OFF(no_trim)},
    {{"trim_path", "trim_path", false}, K_STR, OFF(trim_path)},
    {{"call_tree", "calltree", true}, K_BOOL, OFF(call_tree)},
    {{"compact_labels", "compact", true}, K_BOOL, OFF(compact_labels)},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct hearth_query_opt *hearth_query_opt(size_t i)
{
    return i < NROWS ? &rows[i].o : NULL;
}

static int parse_bool(const char *v)
{
    if (!v || !*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "t") ||
        !strcmp(v, "yes") || !strcmp(v, "on"))
        return 1;
    if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "f") || !strcmp(v, "no") ||
        !strcmp(v, "off"))
        return 0;
    return -1;
}

static const struct row *find(const char *name)
{
    size_t i;

    for (i = 0; i < NROWS; i++)
        if (!strcmp(name, rows[i].o.name) || (rows[i].o.url && !strcmp(name, rows[i].o.url)))
            return &rows[i];
    return NULL;
}

enum hearth_err hearth_query_set(struct hearth_query *q, const char *name, const char *value,
                                 struct hearth_errmsg *em)
{
    const struct row *r = find(name);
    char *base = (char *)q, *end;
    int b;

    if (!r)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "unknown option -%.64s", name);
    name = r->o.name;
    switch (r->kind) {
    case K_STR:
        if (!value)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "-%s needs a value", name);
        *(const char **)(base + r->off) = value;
        return HEARTH_OK;
    case K_BOOL:
    case K_NOT_BOOL:
    case K_GRAN_BOOL:
    case K_MEAN_DELAY:
        b = parse_bool(value);
        if (b < 0)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "-%s takes true or false", name);
        if (r->kind == K_BOOL)
            *(bool *)(base + r->off) = b;
        else if (r->kind == K_NOT_BOOL)
            *(bool *)(base + r->off) = !b;
        else if (r->kind == K_GRAN_BOOL && b)
            q->gran = (enum hearth_gran)r->off;
        else if (r->kind == K_MEAN_DELAY && b) {
            q->mean = true;
            if (!q->sample_index)
                q->sample_index = "delay";
        }
        return HEARTH_OK;
    case K_GRAN:
        for (b = 0; b < 5; b++)
            if (value && !strcmp(value, gran_names[b])) {
                q->gran = (enum hearth_gran)b;
                return HEARTH_OK;
            }
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "granularity must be one of functions, filefunctions, files, "
                                 "lines, addresses");
    case K_COUNT: {
        long v;
        errno = 0;
        v = value ? strtol(value, &end, 10) : 0;
        if (!value || !*value || *end || errno || v < 0 || v > 100000000)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "-nodecount must be a non-negative integer");
        q->nodecount = v;
        return HEARTH_OK;
    }
    case K_FRAC:
    case K_DIVISOR: {
        double v;
        errno = 0;
        v = value ? strtod(value, &end) : 0;
        if (r->kind == K_DIVISOR) {
            if (!value || !*value || *end || errno || !isfinite(v) || v == 0)
                return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                         "-divide_by must be a non-zero number");
        } else if (!value || !*value || *end || errno || !isfinite(v) || v < 0 || v > 1) {
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "-%s must be a number between 0 and 1", name);
        }
        *(double *)(base + r->off) = v;
        return HEARTH_OK;
    }
    }
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "unknown option -%.64s", name);
}
