/*
 * memstats.h - the Go runtime's own memory statistics (runtime.MemStats),
 * read from the two places a Go process publishes them:
 *
 *   - the end of /debug/pprof/heap?debug=1 (runtime/pprof writeHeapInternal):
 *       # runtime.MemStats
 *       # Alloc = 1234
 *       ...
 *       # Stack = <StackInuse> / <StackSys>
 *       # MSpan = <MSpanInuse> / <MSpanSys>
 *       # MCache = <MCacheInuse> / <MCacheSys>
 *       ...
 *       # GCCPUFraction = 0.0012
 *       # DebugGC = false
 *   - expvar's /debug/vars JSON: {"memstats": {"Alloc": 1234, ...}, ...}
 *     (plus an optional top-level integer "goroutines" or "NumGoroutine").
 *
 * A pure parser: no I/O, no globals, thread-safe. Strict and bounded: the
 * text block is looked for only in the last HEARTH_LIMIT_MEMSTATS_TAIL bytes
 * of the input (it is the end of a debug=1 file, whatever the size of the
 * profile above it), with at most HEARTH_LIMIT_MEMSTATS_LINES lines; the
 * JSON form is refused above HEARTH_LIMIT_MEMSTATS_JSON bytes. Unknown lines
 * and keys are skipped; a known field with a malformed or overflowing value,
 * a field given twice, a missing key field, or values that break the
 * runtime's identities is HEARTH_E_CORRUPT (HEARTH_E_TOO_LARGE for the
 * size caps) with one line saying which. This path never reads the profile
 * part of a debug=1 file (legacy.c does, as before).
 *
 * Key fields (all required): Sys, HeapSys, HeapIdle, HeapInuse,
 * HeapReleased, StackSys, MSpanSys, MCacheSys, BuckHashSys, GCSys, OtherSys.
 * Identities checked (they hold exactly in Go's ReadMemStats, mstats.go):
 *   Sys     = HeapSys + StackSys + MSpanSys + MCacheSys + BuckHashSys + GCSys + OtherSys
 *   HeapSys = HeapInuse + HeapIdle,  HeapReleased <= HeapIdle
 */
#ifndef HEARTH_MEMSTATS_H
#define HEARTH_MEMSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"

struct hearth_jsonw;

/* The integer fields, named as Go names them (hearth_memstats_field_name). */
enum hearth_ms_field {
    HEARTH_MS_ALLOC,
    HEARTH_MS_TOTAL_ALLOC,
    HEARTH_MS_SYS,
    HEARTH_MS_LOOKUPS,
    HEARTH_MS_MALLOCS,
    HEARTH_MS_FREES,
    HEARTH_MS_HEAP_ALLOC,
    HEARTH_MS_HEAP_SYS,
    HEARTH_MS_HEAP_IDLE,
    HEARTH_MS_HEAP_INUSE,
    HEARTH_MS_HEAP_RELEASED,
    HEARTH_MS_HEAP_OBJECTS,
    HEARTH_MS_STACK_INUSE,
    HEARTH_MS_STACK_SYS,
    HEARTH_MS_MSPAN_INUSE,
    HEARTH_MS_MSPAN_SYS,
    HEARTH_MS_MCACHE_INUSE,
    HEARTH_MS_MCACHE_SYS,
    HEARTH_MS_BUCKHASH_SYS,
    HEARTH_MS_GC_SYS,
    HEARTH_MS_OTHER_SYS,
    HEARTH_MS_NEXT_GC,
    HEARTH_MS_LAST_GC,
    HEARTH_MS_PAUSE_TOTAL_NS,
    HEARTH_MS_NUM_GC,
    HEARTH_MS_NUM_FORCED_GC,
    HEARTH_MS_MAX_RSS, /* debug=1 only (getrusage), not a MemStats field */
    HEARTH_MS_NFIELDS
};

struct hearth_memstats {
    uint64_t v[HEARTH_MS_NFIELDS];
    uint64_t have; /* bit i: field i was given */
    double gc_cpu_fraction;
    bool has_gc_cpu_fraction;
    bool debug_gc;
    int64_t goroutines; /* runtime.NumGoroutine() when the source gave it, else -1 */
    const char *format; /* static: "debug1" or "expvar" */
};

/* "Alloc", "HeapSys", ... (static storage); NULL out of range. */
const char *hearth_memstats_field_name(int f);

/* Whether bytes look like a debug=1 heap file ("heap profile:" first) with a MemStats block. */
bool hearth_memstats_in_debug1(const void *buf, size_t n);

/*
 * Parse either form (JSON when the first non-blank byte is '{', else the
 * text block at the end). On failure *out is zeroed and em says why.
 */
enum hearth_err hearth_memstats_parse(const void *buf, size_t n, struct hearth_memstats *out,
                                      struct hearth_errmsg *em);

/*
 * The stored form: expvar's shape, {"memstats":{<every given field>},
 * "goroutines":N}, which hearth_memstats_parse reads back to the same values.
 */
void hearth_memstats_json(struct hearth_jsonw *w, const struct hearth_memstats *m);
/* Only the inner object: {"Alloc":..,...,"GCCPUFraction":..,"DebugGC":..}. */
void hearth_memstats_fields_json(struct hearth_jsonw *w, const struct hearth_memstats *m);

/*
 * Where the bytes of Sys are, in parts that sum to Sys exactly:
 *   explained = min(profile inuse_space total, HeapInuse)
 *   beyond    = HeapInuse - explained
 *   idle      = HeapIdle - HeapReleased   (idle heap not returned to the OS)
 *   released  = HeapReleased              (returned; counted in Sys as address space)
 *   stacks    = StackSys
 *   runtime   = MSpanSys + MCacheSys + GCSys + BuckHashSys
 *   other     = OtherSys
 * profile_inuse < 0: unknown (explained 0, all of HeapInuse is "beyond").
 */
struct hearth_memstats_parts {
    uint64_t sys, explained, beyond, idle, released, stacks, runtime, other;
    int64_t profile_inuse; /* as given */
};

void hearth_memstats_breakdown(const struct hearth_memstats *m, int64_t profile_inuse,
                               struct hearth_memstats_parts *out);

/* "the heap profile accounts for 12.3 % of the 45.6 MB the Go runtime holds" (MB = 2^20). */
void hearth_memstats_sentence(const struct hearth_memstats_parts *p, char *out, size_t cap);

/* The parts as JSON keys of the object being written (sys, explained, ..., sentence). */
void hearth_memstats_parts_json(struct hearth_jsonw *w, const struct hearth_memstats_parts *p);

#endif /* HEARTH_MEMSTATS_H */
