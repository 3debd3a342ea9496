/*
 * hints.h - what a series' runtime memory, profiles and gctrace say about
 * memory a heap profile does not show; each hint with the figures that made
 * it fire and a page to read. The rules and their thresholds (README,
 * "Memory the heap profile does not show"):
 *
 *   idle_heap       at some snapshot, idle heap not returned to the OS
 *                   (HeapIdle - HeapReleased) >= HEARTH_HINT_IDLE_MIN and
 *                   >= HeapInuse (the runtime keeps more idle heap than it uses)
 *   outside_runtime at some snapshot the peak RSS (MaxRSS, printed by ?debug=1)
 *                   exceeds Sys by >= HEARTH_HINT_OUTSIDE_MIN and by >= half of Sys
 *                   (memory allocated outside the Go runtime: cgo, race shadow)
 *   goroutine_leak  over >= HEARTH_HINT_MIN_SNAPS snapshots the goroutine count
 *                   (runtime.NumGoroutine, else a goroutine profile's total)
 *                   never falls and rises by >= HEARTH_HINT_GOROUTINES_MIN and
 *                   by >= 50 %; without counts, StackSys never falls and rises
 *                   by >= HEARTH_HINT_STACK_MIN bytes and by >= 50 %
 *   race            a snapshot's profile has a race detector frame
 *                   (runtime.race*, __tsan_*)
 *   goal_rising     a gctrace track of >= HEARTH_HINT_GC_MIN GCs whose median
 *                   heap goal rises strictly from quarter to quarter, the last's
 *                   >= 2x the first's
 *   gc_cpu_garbage  a gctrace track of >= HEARTH_HINT_GC_MIN GCs whose final
 *                   GC CPU share is >= 10 % while the median GC finds >= 50 %
 *                   of the heap garbage
 *
 * Pure: no I/O, thread-safe.
 */
#ifndef HEARTH_HINTS_H
#define HEARTH_HINTS_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/memstats.h"

struct hearth_jsonw;
struct hearth_gctrace;
struct hearth_profile;

#define HEARTH_HINT_IDLE_MIN       ((uint64_t)64 << 20)
#define HEARTH_HINT_OUTSIDE_MIN    ((uint64_t)32 << 20)
#define HEARTH_HINT_MIN_SNAPS      3
#define HEARTH_HINT_GOROUTINES_MIN 100
#define HEARTH_HINT_STACK_MIN      ((uint64_t)1 << 20)
#define HEARTH_HINT_GC_MIN         8
#define HEARTH_HINT_GC_CPU_PCT     10.0
#define HEARTH_HINT_GARBAGE        0.5

/* What the hints know of one snapshot of a series (all borrowed). */
struct hearth_hint_snap {
    const char *profile_id;
    const struct hearth_memstats *ms; /* NULL: none recorded */
    const char *race_frame;           /* a race detector frame of its profile, NULL: none */
    int64_t goroutines; /* from a goroutine profile when ms has no count; -1: unknown */
};

/* Write the hints as a JSON array value: [{"rule","title","text","evidence":{..},"link"}]. */
void hearth_hints_json(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n,
                       const struct hearth_gctrace *g);

/* Whether a function name is the race detector's (runtime.race*, __tsan_*). */
int hearth_hints_is_race_frame(const char *name, size_t len);

/* The first race detector frame among p's functions (at most 200 bytes), or an empty string. */
void hearth_hints_race_frame(const struct hearth_profile *p, char *out, size_t cap);

#endif /* HEARTH_HINTS_H */
