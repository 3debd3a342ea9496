/*
 * capture.h - the background scheduler that fills capture series.
 *
 * One thread runs every capture: at each due time it calls the snapshot
 * function (fetch + store, supplied by the HTTP layer so the fetch rules
 * and decode slots are the server's own), then records the step in the
 * store (series.h) in one transaction. Attempt k of a capture is due at
 * started + k * interval; a failed attempt is counted, not retried, so a
 * capture always ends after `count` attempts.
 *
 * After a restart, hearth_captures_start() finds the captures stored as
 * running and resumes them (restarts + 1, next attempt at once if it was
 * missed); if the server can no longer fetch, they are marked interrupted
 * with the reason. Stopping the server only ends the thread: running
 * captures stay "running" in the store and resume at the next start.
 */
#ifndef HEARTH_CAPTURE_H
#define HEARTH_CAPTURE_H

#include <stdbool.h>

#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/series.h"
#include "hearth/store.h"

struct hearth_captures;

/*
 * Take one snapshot: fetch url, store it as a profile named name, write its
 * id. Called on the scheduler thread, never with a lock held.
 */
typedef enum hearth_err (*hearth_snapshot_fn)(void *ctx, const char *url, const char *name,
                                              char profile_id[HEARTH_ID_LEN + 1],
                                              struct hearth_errmsg *em);

/*
 * Start the scheduler and resume stored captures. can_fetch false (fetching
 * disabled by configuration) marks them interrupted instead.
 */
enum hearth_err hearth_captures_start(struct hearth_store *st, hearth_snapshot_fn fn, void *ctx,
                                      bool can_fetch, int max_running, struct hearth_captures **out,
                                      struct hearth_errmsg *em);

/* Ends the thread (waits for a snapshot in progress). NULL is allowed. */
void hearth_captures_stop(struct hearth_captures *c);

/*
 * Schedule a new capture whose series (named name, with the capture row in
 * state running) was just created. HEARTH_E_BUSY if max_running run already.
 */
enum hearth_err hearth_captures_add(struct hearth_captures *c, const char *series, const char *name,
                                    const struct hearth_capture_row *row, struct hearth_errmsg *em);

/* True if another capture may start now (below max_running). */
bool hearth_captures_room(struct hearth_captures *c);

/* Stop a running capture (state "stopped"); HEARTH_E_NOT_FOUND if not running. */
enum hearth_err hearth_captures_cancel(struct hearth_captures *c, const char *series,
                                       struct hearth_errmsg *em);

#endif /* HEARTH_CAPTURE_H */
