/*
 * limits.h - every limit Hearth enforces on input, in one table.
 *
 * The defaults and the reason for each live in server/lib/limits.c
 * (hearth_limit_table); callers copy hearth_limits_default() and may tighten
 * or loosen single fields (the CLI exposes them as -NAME=N; the server's
 * --max-upload-mb and --max-decompressed-mb default to max_input and
 * max_decompressed). The limits of the HTTP API below are fixed at build
 * time; hearth_limit_fixed_table() gives their reasons. `hearth limits`
 * prints both tables (the README's Limits section is that output).
 */
#ifndef HEARTH_LIMITS_H
#define HEARTH_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* Fixed limits of the HTTP API and its parsers (reasons: hearth_limit_fixed_table). */
#define HEARTH_LIMIT_SERIES_ITEMS       1000                /* snapshots in one series */
#define HEARTH_LIMIT_SERIES_BODY        ((size_t)256 << 10) /* a series/capture JSON body */
#define HEARTH_LIMIT_JSON_BODY          ((size_t)64 << 10)  /* other JSON bodies (/api/fetch) */
#define HEARTH_LIMIT_CAPTURE_INTERVAL   86400               /* seconds between snapshots */
#define HEARTH_LIMIT_CAPTURE_TARGETS    8                   /* targets of one capture group */
#define HEARTH_LIMIT_TARGET_NAME        64                  /* bytes of a capture target's name */
#define HEARTH_LIMIT_CAPTURE_COUNT_THIN 100000              /* attempts of a thinned capture */
#define HEARTH_LIMIT_THIN_KEEP_S        2592000             /* thinning: window kept whole, s */
#define HEARTH_LIMIT_THIN_EVERY_S       86400               /* thinning: one snapshot per ..., s */
#define HEARTH_LIMIT_ARCHIVE_ENTRIES    10000               /* entries read from one archive */
#define HEARTH_LIMIT_ARCHIVE_TOTAL      ((size_t)1 << 30)   /* bytes unpacked from one archive */
#define HEARTH_LIMIT_ARCHIVE_RATIO      100                 /* unpacked / packed bytes of one */
#define HEARTH_LIMIT_ARCHIVE_RATIO_FREE ((size_t)1 << 20)   /* unpacked bytes free of the ratio */
#define HEARTH_LIMIT_GROWTH_ROWS        5000                /* growth rows in one answer */
#define HEARTH_LIMIT_GROWTH_KEY         ((size_t)16 << 10)  /* bytes of one growth row's name */
#define HEARTH_LIMIT_VIEW_PARAM         4096                /* bytes of one decoded query value */
#define HEARTH_LIMIT_GCTRACE_LINES      2000000             /* lines of a gctrace log parsed */
#define HEARTH_LIMIT_GCTRACE_TRACKS     4096                /* processes in one gctrace log */
#define HEARTH_LIMIT_FETCH_URL          4096                /* bytes of a URL to fetch */
#define HEARTH_LIMIT_FETCH_ENTRIES      1024                /* entries of --fetch-allow */
#define HEARTH_LIMIT_MERGE_PROFILES     64                  /* profiles merged into one view */
#define HEARTH_LIMIT_CONFIG_LINE        8192                /* bytes of a --config file line */
#define HEARTH_LIMIT_LEGACY_LINE        65536               /* bytes of a legacy text line, + 1 */
#define HEARTH_LIMIT_LEGACY_ATTRS       64                  /* attr=value lines of a memory map */
#define HEARTH_LIMIT_SAVED_VIEWS        500                 /* saved views on one server */
#define HEARTH_LIMIT_SAVED_NAME         100                 /* bytes of a saved view's name */
#define HEARTH_LIMIT_SAVED_PARAMS       4096               /* bytes of a saved view's params JSON */
#define HEARTH_LIMIT_TOP_PAGE           10000              /* rows in one page of top (limit=) */
#define HEARTH_LIMIT_MEMSTATS_TAIL      ((size_t)64 << 10) /* bytes searched for MemStats text */
#define HEARTH_LIMIT_MEMSTATS_LINES     256                /* lines of a MemStats text block */
#define HEARTH_LIMIT_MEMSTATS_JSON      ((size_t)1 << 20)  /* bytes of a /debug/vars JSON */
#define HEARTH_LIMIT_S3_CONNECT_MS      2000               /* S3: connecting to the server */
#define HEARTH_LIMIT_S3_TIMEOUT_MS      120000             /* S3: one whole request */
#define HEARTH_LIMIT_S3_TRIES           4                  /* S3: tries of one request */
#define HEARTH_LIMIT_S3_BACKOFF_MS      100                /* S3: first pause between tries */

struct hearth_limits {
    size_t max_input;        /* bytes of the file as given (compressed) */
    size_t max_decompressed; /* bytes after gunzip */
    size_t max_model;        /* bytes of the decoded model's arena */
    size_t max_samples;      /* Sample messages */
    size_t max_depth;        /* locations in one sample */
    size_t max_frames;       /* location references over all samples */
    size_t max_locations;    /* Location messages */
    size_t max_functions;    /* Function messages */
    size_t max_mappings;     /* Mapping messages */
    size_t max_strings;      /* string_table entries */
    size_t max_lines;        /* Line entries over all locations */
    size_t max_labels;       /* Label entries over all samples */
    size_t max_sample_types; /* sample_type entries */
    size_t max_message;      /* bytes of one sub-message unpacked by protobuf-c */
    size_t max_regex;        /* bytes of one filter regex */
    size_t max_regex_depth;  /* nested groups in one filter regex */
    size_t max_regex_mem;    /* bytes of one compiled regex (RE2 program + DFA cache) */
    size_t max_output;       /* bytes of one rendered view (JSON, DOT, text) */
    size_t max_json_depth;   /* nesting levels of a JSON request body */
    size_t request_stack;    /* stack bytes of the threads that run requests */
    /* Budgets of one view computation (0 = no limit); see limits.c for the why. */
    size_t max_view_frames;  /* frames over the distinct stacks of one view */
    size_t max_view_nodes;   /* call-tree nodes of one flame graph, after trimming */
    size_t max_growth_cells; /* growth rows x snapshots held at once */
    size_t max_view_ms;      /* wall-clock milliseconds of one view computation */
    /* Call graph images (render.h): Graphviz lays them out under one lock. */
    size_t max_render_nodes;   /* nodes of one image (its -nodecount; pprof's default is 80) */
    size_t max_render_wait_ms; /* wait for the renderer before answering busy */
};

/* One row of the limits table, for documentation and --help. */
struct hearth_limit_row {
    const char *name;
    size_t offset; /* offsetof(struct hearth_limits, field) */
    size_t value;
    const char *reason;
};

/* The defaults, by value. */
struct hearth_limits hearth_limits_default(void);

/* The table itself (static storage), terminated by a row with name == NULL. */
const struct hearth_limit_row *hearth_limit_table(void);
/* The fixed limits (HEARTH_LIMIT_*), same form; offset is unused (0). */
const struct hearth_limit_row *hearth_limit_fixed_table(void);

#endif /* HEARTH_LIMITS_H */
