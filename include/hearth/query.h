/*
 * query.h - the options of one view, with pprof's names and defaults.
 *
 * A struct hearth_query is plain data: strings are borrowed from the caller
 * (argv, a parsed query string) and must outlive every use of the query.
 * hearth_query_set() takes one option by pprof's CLI flag name ("focus",
 * "sample_index", "nodecount", ...) or by the web UI's short name ("f",
 * "si", "n", ...), so the CLI and the HTTP layer share one parser.
 */
#ifndef HEARTH_QUERY_H
#define HEARTH_QUERY_H

#include <stdbool.h>

#include "hearth/err.h"

enum hearth_gran {
    HEARTH_GRAN_FUNCTIONS = 0, /* pprof's default */
    HEARTH_GRAN_FILEFUNCTIONS,
    HEARTH_GRAN_FILES,
    HEARTH_GRAN_LINES,
    HEARTH_GRAN_ADDRESSES,
};

enum hearth_diff_mode {
    HEARTH_DIFF_NONE = 0,
    HEARTH_DIFF_BASE,      /* -base: subtract, percentages of the difference */
    HEARTH_DIFF_DIFF_BASE, /* -diff_base: compare, percentages of the base */
};

struct hearth_query {
    const char *sample_index; /* NULL: pprof's default rule */
    enum hearth_gran gran;
    bool noinlines;
    const char *focus, *ignore, *hide, *show, *show_from; /* NULL or "" = unset */
    const char *tagfocus, *tagignore;
    long nodecount;      /* < 0: the report's default (top: all, graph: 80) */
    double nodefraction; /* < 0: default 0.005 */
    double edgefraction; /* < 0: default 0.001 */
    const char *unit;    /* NULL: "minimum" */
    double min_fraction; /* flame graph trim, 0 = none */
    bool normalize;      /* with a base: scale the source to the base's totals */
    enum hearth_diff_mode diff;
    bool cum_sort; /* top sorted by cum (-cum) instead of flat */
    /* Set directly by the HTTP layer (not by hearth_query_set): the sandwich's
     * function (name or regex) and the peek table's regex (sandwich.h). */
    const char *pivot, *peek;
};

void hearth_query_init(struct hearth_query *q);

/*
 * Set one option. `value` is borrowed. Boolean options accept NULL, "",
 * "1", "true", "0", "false". Unknown names give HEARTH_E_BAD_REQUEST.
 */
enum hearth_err hearth_query_set(struct hearth_query *q, const char *name, const char *value,
                                 struct hearth_errmsg *em);

/* The granularity's pprof name ("functions"). */
const char *hearth_gran_name(enum hearth_gran g);

#endif /* HEARTH_QUERY_H */
