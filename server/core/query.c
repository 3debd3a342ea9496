/* query.c - view options by pprof name; see include/hearth/query.h. */
#include "hearth/query.h"

#include <errno.h>
#include <math.h>
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

static bool is(const char *name, const char *a, const char *b)
{
    return !strcmp(name, a) || (b && !strcmp(name, b));
}

enum hearth_err hearth_query_set(struct hearth_query *q, const char *name, const char *value,
                                 struct hearth_errmsg *em)
{
    const char **strp = NULL;
    int gi, b;

    for (gi = 0; gi < 5; gi++) {
        if (!strcmp(name, gran_names[gi])) {
            b = parse_bool(value);
            if (b < 0)
                goto out_bool;
            if (b)
                q->gran = (enum hearth_gran)gi;
            return HEARTH_OK;
        }
    }
    if (is(name, "granularity", "g")) {
        for (gi = 0; gi < 5; gi++)
            if (value && !strcmp(value, gran_names[gi])) {
                q->gran = (enum hearth_gran)gi;
                return HEARTH_OK;
            }
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "granularity must be one of functions, filefunctions, files, "
                                 "lines, addresses");
    }
    if (is(name, "sample_index", "si"))
        strp = &q->sample_index;
    else if (is(name, "focus", "f"))
        strp = &q->focus;
    else if (is(name, "ignore", "i"))
        strp = &q->ignore;
    else if (is(name, "hide", "h"))
        strp = &q->hide;
    else if (is(name, "show", "s"))
        strp = &q->show;
    else if (is(name, "show_from", "sf"))
        strp = &q->show_from;
    else if (is(name, "tagfocus", "tf"))
        strp = &q->tagfocus;
    else if (is(name, "tagignore", "ti"))
        strp = &q->tagignore;
    else if (is(name, "unit", NULL))
        strp = &q->unit;
    if (strp) {
        if (!value)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "-%s needs a value", name);
        *strp = value;
        return HEARTH_OK;
    }
    if (is(name, "nodecount", "n")) {
        char *end;
        long v;
        errno = 0;
        v = value ? strtol(value, &end, 10) : 0;
        if (!value || !*value || *end || errno || v < 0 || v > 100000000)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "-nodecount must be a non-negative integer");
        q->nodecount = v;
        return HEARTH_OK;
    }
    if (is(name, "nodefraction", "nf") || is(name, "edgefraction", "ef") ||
        is(name, "min_fraction", "mf")) {
        char *end;
        double v;
        errno = 0;
        v = value ? strtod(value, &end) : 0;
        if (!value || !*value || *end || errno || !isfinite(v) || v < 0 || v > 1)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "-%s must be a number between 0 and 1", name);
        if (name[0] == 'n')
            q->nodefraction = v;
        else if (name[0] == 'e')
            q->edgefraction = v;
        else
            q->min_fraction = v;
        return HEARTH_OK;
    }
    if (is(name, "noinlines", NULL) || is(name, "normalize", "norm") || is(name, "cum", NULL) ||
        is(name, "flat", NULL)) {
        b = parse_bool(value);
        if (b < 0)
            goto out_bool;
        if (!strcmp(name, "noinlines"))
            q->noinlines = b;
        else if (!strcmp(name, "cum"))
            q->cum_sort = b;
        else if (!strcmp(name, "flat"))
            q->cum_sort = !b;
        else
            q->normalize = b;
        return HEARTH_OK;
    }
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "unknown option -%.64s", name);

out_bool:
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "-%s takes true or false", name);
}
