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

    /* pprof's report options (pprof-semantics.md 5, 9, 10; Go 1.19 names) */
    double divide_by;       /* 0 = unset (1): displayed values are v * (1/divide_by) */
    bool drop_negative;     /* drop nodes whose flat (or cum when flat is 0) is negative */
    bool mean;              /* values are averaged over the first sample value (count) */
    bool relative;          /* -relative_percentages: the total after the filters */
    bool no_trim;           /* -trim=false: no nodecount, nodefraction, edgefraction */
    bool call_tree;         /* -call_tree: a graph view's nodes form a tree */
    bool compact_labels;    /* -compact_labels: text headers without the profile lines */
    const char *prune_from; /* regex: frames beneath the matched one are dropped */
    const char *trim_path;  /* ':'-separated prefixes cut from source file paths */
    const char *tagshow;    /* regex on label keys: only matching keys are kept */
    const char *taghide;    /* regex on label keys: matching keys are removed */
    const char *tagroot;    /* comma-separated label keys: pseudo frames at the root */
    const char *tagleaf;    /* comma-separated label keys: pseudo frames at the leaf */
};

/*
 * The option table: every option's CLI flag name (pprof's) and its URL
 * parameter name (the web UI's, NULL when the option has none). The HTTP
 * layer reads the URL names from here, so the CLI and the API share one
 * list. Iterate with i = 0, 1, ... until NULL.
 */
struct hearth_query_opt {
    const char *name; /* CLI flag: "focus" */
    const char *url;  /* URL parameter: "f" (NULL: not a URL parameter) */
    bool is_bool;     /* takes no value on the command line */
};
const struct hearth_query_opt *hearth_query_opt(size_t i);

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
