/*
 * gctrace.h - parsing the stderr of Go programs run with GODEBUG=gctrace=1.
 *
 * A pure parser: no I/O, no globals, no locale (numbers are parsed by hand
 * or from a copied token in the "C" locale). It reads every line of the form
 * printed by Go 1.5 and later,
 *
 *   gc 5 @0.115s 2%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms cpu,
 *   4->4->2 MB, 5 MB goal[, 0 MB stacks, 0 MB globals], 4 P[ (forced)]
 *
 * (one line in the log; Go 1.5/1.6 printed five clock and CPU phases, which
 * are folded into three: first, the sum of the middle ones, last). Every other
 * line, including a malformed or overflowing "gc" line, is counted as skipped.
 *
 * Tracks: a log may hold the GCs of several processes (restarts, or several
 * processes sharing one stderr). A GC line may join a track (one of the
 * HEARTH_GCTRACE_ACTIVE most recently used) whose last GC number is smaller
 * than the line's, by at most HEARTH_GCTRACE_MAX_GAP + 1, and whose last time
 * is not after the line's. Among those, a track whose last GC number is
 * exactly one less wins, then the largest last GC number, then the last goal
 * closest to the line's heap before, then the latest last time. With no such
 * track a new track starts. "interleaved" is set when a line joins an
 * existing track other than the one the previous GC line went to (a plain
 * restart is not interleaving).
 *
 * Labels: a GC line may start with "[label] " (label: 1 to
 * HEARTH_GCTRACE_LABEL letters, digits, '.', '_', '-', ':', as a process
 * name or a pid that a wrapper writes before each line of a shared stderr).
 * A labelled line only joins a track of the same label (an unlabelled one
 * only an unlabelled track), by the rules above; so the tracks of such a log
 * are the processes by name, each restart a new track of the same label.
 *
 * Invariants of a parsed struct hearth_gctrace: ntracks >= 0; each track has
 * n >= 1 GCs in log order with strictly increasing gc numbers and
 * non-decreasing t; lines == GC lines + skipped. The struct is immutable after
 * parsing and may be read from several threads.
 */
#ifndef HEARTH_GCTRACE_H
#define HEARTH_GCTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/limits.h"

struct hearth_buf;

/* Tracks considered when placing a GC line (least recently used drop out). */
#define HEARTH_GCTRACE_ACTIVE 32
/*
 * GC numbers a track may skip (lines lost or mangled by concurrent writers);
 * a larger jump is another process.
 */
#define HEARTH_GCTRACE_MAX_GAP 16
/* Hard cap on the number of tracks; more is HEARTH_E_TOO_LARGE. */
#define HEARTH_GCTRACE_MAX_TRACKS HEARTH_LIMIT_GCTRACE_TRACKS

/* One GC, one line of the log. Times in ms, sizes in MB as Go prints them. */
struct hearth_gctrace_gc {
    uint64_t gc;          /* GC number, "gc N" */
    double t;             /* seconds since process start, "@Ts" */
    double cpu_pct;       /* GC CPU share since start, "P%" */
    double clock_sweep;   /* wall clock: sweep termination (STW) */
    double clock_mark;    /* wall clock: concurrent mark and scan */
    double clock_term;    /* wall clock: mark termination (STW) */
    double cpu_sweep;     /* CPU: sweep termination */
    double cpu_assist;    /* CPU: mark assist */
    double cpu_bg;        /* CPU: background mark */
    double cpu_idle;      /* CPU: idle mark */
    double cpu_term;      /* CPU: mark termination */
    uint64_t heap_before; /* "X->" */
    uint64_t heap_after;  /* "->Y->" */
    uint64_t heap_live;   /* "->Z MB" */
    uint64_t goal;        /* "N MB goal" */
    uint64_t stacks;      /* "N MB stacks" when has_stacks */
    uint64_t globals;     /* "N MB globals" when has_globals */
    uint64_t procs;       /* "N P" */
    bool has_stacks;
    bool has_globals;
    bool forced; /* " (forced)" */
};

/* Bytes of a line's "[label] " prefix (without the brackets). */
#define HEARTH_GCTRACE_LABEL 64

/* The GCs of one process, in log order. */
struct hearth_gctrace_track {
    char label[HEARTH_GCTRACE_LABEL + 1]; /* "" for unlabelled lines */
    size_t n;
    size_t cap;
    struct hearth_gctrace_gc *gcs;
};

struct hearth_gctrace {
    size_t lines;   /* lines read (a final line without '\n' counts) */
    size_t skipped; /* lines that were not GC lines */
    size_t ntracks;
    struct hearth_gctrace_track *tracks;
    bool interleaved; /* lines of different tracks alternate in the log */
};

/*
 * Parse len bytes of text (not NUL-terminated; any bytes allowed) into a new
 * struct hearth_gctrace in *out, which the caller frees with
 * hearth_gctrace_free(). text is only read. max_lines caps the number of
 * lines (0: no cap); more lines, or more than HEARTH_GCTRACE_MAX_TRACKS
 * tracks, fail with HEARTH_E_TOO_LARGE. A text without a single GC line is
 * not an error (zero tracks). On failure *out is NULL and em says why.
 * Thread-safe (no shared state).
 */
enum hearth_err hearth_gctrace_parse(const char *text, size_t len, size_t max_lines,
                                     struct hearth_gctrace **out, struct hearth_errmsg *em);

/* Free t and everything it holds; NULL is allowed. */
void hearth_gctrace_free(struct hearth_gctrace *t);

/*
 * Append t as JSON to out (the caller owns out and its cap):
 * {"lines":N,"skipped":K,"tracks":[{"label":"name"|null,"gcs":N,"gc":[..],"t":[..],"cpu_pct":[..],
 *  "heap_before":[..],"heap_after":[..],"heap_live":[..],"goal":[..],
 *  "stacks":[..]|null,"globals":[..]|null,"procs":[..],"forced":[0|1..],
 *  "stw_ms":[..],"summary":{"gcs","peak_heap_mb","avg_cpu_pct",
 *  "garbage_share":[..]}}],"interleaved":bool}
 * "stacks"/"globals" are null when no GC of the track printed them, and hold
 * null for single GCs that did not. stw_ms is sweep termination plus mark
 * termination wall clock. garbage_share is (before-live)/before per GC,
 * clamped to [0,1] (0 when before is 0). peak_heap_mb is the largest heap
 * before or after a GC. avg_cpu_pct is the mean of the printed P% values.
 * Fails with out's sticky error (HEARTH_E_NOMEM/HEARTH_E_TOO_LARGE) when
 * the output does not fit. t is only read; thread-safe.
 */
enum hearth_err hearth_gctrace_json(const struct hearth_gctrace *t, struct hearth_buf *out,
                                    struct hearth_errmsg *em);

#endif /* HEARTH_GCTRACE_H */
