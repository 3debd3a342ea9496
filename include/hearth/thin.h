/*
 * thin.h - which snapshots of a long series to keep (pure; no I/O).
 *
 * A thinned series keeps, of its snapshots in series order with their
 * times t[i] (Unix ms):
 *   - the first and the last;
 *   - the peak: the first snapshot with the largest total of the default
 *     sample type (inuse_space for heap), among those whose total is known;
 *   - every snapshot at or after the window start, newest time - keep_ms
 *     (the window follows the newest snapshot, not the clock, so a finished
 *     or uploaded series thins the same way whenever it is looked at);
 *   - before the window, one per every_ms: time is cut into buckets of
 *     every_ms counted from the first snapshot's time, and the first
 *     snapshot (in series order) of each bucket stays.
 * Every other snapshot is dropped. The plan is stable: applying it again,
 * or after more snapshots were appended, drops nothing that an earlier
 * plan kept except a former peak or last that is no longer one.
 *
 * Thread-safe; writes only the caller's arrays.
 */
#ifndef HEARTH_THIN_H
#define HEARTH_THIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hearth_thin_policy {
    int64_t keep_ms;  /* >= 0 */
    int64_t every_ms; /* >= 1 */
};

/*
 * Fill drop[0..n) and return how many are dropped. total[i] is the
 * snapshot's total, known[i] whether it is known (NULL: all known; total
 * NULL: no peak). *window_ms (may be NULL) gets the window start.
 */
size_t hearth_thin_plan(const int64_t *t_ms, const int64_t *total, const bool *known, size_t n,
                        const struct hearth_thin_policy *p, bool *drop, int64_t *window_ms);

#endif /* HEARTH_THIN_H */
