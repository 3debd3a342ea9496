/*
 * capture.h - the background scheduler that fills capture series.
 *
 * A few worker threads (CAPTURE_WORKERS in capture.c) run every capture:
 * at each due time one of them calls the snapshot function (fetch + store,
 * supplied by the HTTP layer so the fetch rules and decode slots are the
 * server's own), then records the step in the store (series.h) in one
 * transaction. A capture's snapshots never overlap; a slow target holds one
 * worker, so other captures keep their schedule. Attempt k of a capture is
 * due at started + k * interval; a failed attempt is counted, not retried,
 * so a capture always ends after `count` attempts.
 *
 * Limits: at most max_running captures run (or are being started) at once,
 * and at most max_per_client of them were started by one client (the HTTP
 * layer passes the remote address). A new capture first takes a
 * reservation (hearth_captures_reserve), which hearth_captures_add turns
 * into the running capture, or hearth_captures_unreserve gives back.
 *
 * After a restart, hearth_captures_start() finds the captures stored as
 * running and resumes them (restarts + 1, next attempt at once if it was
 * missed; their client is unknown, so they count against max_running
 * only); if the server can no longer fetch, they are marked interrupted
 * with the reason. Stopping the server only ends the threads: running
 * captures stay "running" in the store and resume at the next start.
 *
 * Several servers on one PostgreSQL database (replicas): each capture has a
 * lease in its row (series.h), held by the server that started it and
 * renewed every lease_s / 3 s and before each step; a lease left to expire
 * (its server died) is claimed by another server, which resumes the capture
 * as after a restart. Stopping works from any server: the owner sees the
 * stored "stopped" state at its next step. With SQLite (one server) every
 * running capture is this server's at start, as before.
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

/* Room for a client's address (an IPv6 text address and its NUL). */
#define HEARTH_CLIENT_LEN 64

/*
 * Start the scheduler and resume stored captures. can_fetch false (fetching
 * disabled by configuration) marks them interrupted instead. owner names
 * this server in the leases (the same after a restart, so it takes its own
 * captures back at once; NULL: a random name).
 */
enum hearth_err hearth_captures_start(struct hearth_store *st, hearth_snapshot_fn fn, void *ctx,
                                      bool can_fetch, int max_running, int max_per_client,
                                      int lease_s, const char *owner, struct hearth_captures **out,
                                      struct hearth_errmsg *em);

/* This server's name in the captures' leases, and their length (for a new capture's row). */
const char *hearth_captures_owner(const struct hearth_captures *c);
int hearth_captures_lease_s(const struct hearth_captures *c);

/* Ends the threads (waits for snapshots in progress). NULL is allowed. */
void hearth_captures_stop(struct hearth_captures *c);

/*
 * Reserve a place for a new capture of client. HEARTH_E_BUSY when
 * max_running captures run or are being started, HEARTH_E_TOO_MANY when
 * this client has max_per_client; *retry_s is then the number of seconds
 * until the first capture that would free a place ends (1..3600).
 */
enum hearth_err hearth_captures_reserve(struct hearth_captures *c, const char *client, int *retry_s,
                                        struct hearth_errmsg *em);
void hearth_captures_unreserve(struct hearth_captures *c, const char *client);

/*
 * A capture group of n targets (groups.h) takes one reservation of its
 * client (hearth_captures_reserve: the per-client limit counts the group
 * once, as one request of one schedule) and n - 1 of these: counted by
 * max_running only, under the client name HEARTH_CLIENT_GROUP (give them
 * back, or add their captures, under that name).
 */
#define HEARTH_CLIENT_GROUP "(group)"
enum hearth_err hearth_captures_reserve_more(struct hearth_captures *c, int *retry_s,
                                             struct hearth_errmsg *em);

/*
 * Schedule a new capture whose series (named name, with the capture row in
 * state running) was just created, in place of client's reservation.
 */
enum hearth_err hearth_captures_add(struct hearth_captures *c, const char *series, const char *name,
                                    const char *client, const struct hearth_capture_row *row,
                                    struct hearth_errmsg *em);

/* Stop a running capture (state "stopped"); HEARTH_E_NOT_FOUND if not running. */
enum hearth_err hearth_captures_cancel(struct hearth_captures *c, const char *series,
                                       struct hearth_errmsg *em);

#endif /* HEARTH_CAPTURE_H */
