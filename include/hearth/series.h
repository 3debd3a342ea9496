/*
 * series.h - snapshot series and their captures, stored beside the profiles.
 *
 * A series is an ordered list of stored profiles (normally of one kind from
 * one source) with its own id and delete token. A capture is a series that
 * the server fills itself by fetching a URL on a schedule (capture.h); its
 * progress lives in the same database so a restart can resume it.
 *
 * Tables (in hearth.db, created by hearth_store_open()):
 *   series(id, name, source_url, created, delete_hash, ordering, gctrace, gctrace_start_ms)
 *   series_items(series, pos, profile)        the order is pos
 *   captures(series, url, interval_s, count, gc, state, taken, failed, restarts,
 *            last_error, next_at, started, updated)
 *
 * Deleting a profile (by its token or by retention) takes it out of every
 * series that holds it; the series keeps its other snapshots (and stays,
 * empty, if that was its last one, until its own token deletes it). Strings in the structs below
 * are owned by them: release with hearth_series_release(). All functions are thread-safe.
 */
#ifndef HEARTH_SERIES_H
#define HEARTH_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/store.h"

/* States of a capture (stored as text). */
#define HEARTH_CAP_RUNNING     "running"
#define HEARTH_CAP_DONE        "done"        /* every scheduled snapshot was attempted */
#define HEARTH_CAP_STOPPED     "stopped"     /* stopped by a user */
#define HEARTH_CAP_INTERRUPTED "interrupted" /* the server restarted and could not resume */
#define HEARTH_CAP_FAILED      "failed"      /* done, but no snapshot succeeded */

struct hearth_capture_row {
    char *url; /* as fetched (with ?gc=1 added when asked) */
    int interval_s, count;
    bool gc;
    char state[16];
    int taken, failed, restarts;
    char *last_error; /* "" when none */
    int64_t next_at;  /* Unix ms of the next attempt; 0 when not running */
    int64_t started, updated;
    /* when the row is inserted (hearth_series_create): the lease of the server that runs it
     * (capture.h), not owned by the row; NULL and 0 elsewhere */
    const char *lease_owner;
    int lease_s;
};

/* What one thinning policy removed from a series (times in Unix ms). */
struct hearth_thin_record {
    int keep_s, every_s;
    int64_t removed;        /* snapshots taken out */
    int64_t from_ms, to_ms; /* the times of the oldest and newest of them */
    int64_t window_ms;      /* the window start at the last pass: kept whole after it */
    int64_t last_run_ms;    /* when that pass ran */
};

struct hearth_series {
    char id[HEARTH_ID_LEN + 1];
    char *name, *source_url, *ordering;
    int64_t created;
    char gctrace[HEARTH_ID_LEN + 1]; /* "" when none attached */
    bool has_start;                  /* gctrace_start_ms is known */
    int64_t gctrace_start_ms;        /* wall time of the gctrace's "@0s" */
    size_t nitems;
    struct hearth_meta *items; /* the profiles, in order */
    int64_t *time_ns;          /* per item: the profile's own time_nanos, 0 if none */
    int64_t *at_ms; /* per item: when it was taken (time_ns, else when stored), Unix ms */
    bool has_capture;
    struct hearth_capture_row cap;
    /* thinning (hearth_series_thin_set): the policy, and what it removed so far */
    bool thin_on;
    int thin_keep_s, thin_every_s;
    size_t nthinned;
    struct hearth_thin_record *thinned; /* one per policy that removed snapshots, oldest first */
};

void hearth_series_release(struct hearth_series *s);
void hearth_capture_row_release(struct hearth_capture_row *r);

/* The capture's fields as a JSON object value (state, url, interval_s, ...). */
struct hearth_jsonw;
void hearth_capture_row_json(struct hearth_jsonw *w, const struct hearth_capture_row *r);

/*
 * Create a series of the given profiles (ids, in this order; all must
 * exist: HEARTH_E_BAD_REQUEST names the first that does not). With cap
 * non-NULL the series is a capture in that state. Fills id_out and the
 * delete token (shown once, stored hashed).
 */
enum hearth_err hearth_series_create(struct hearth_store *st, const char *name,
                                     const char *source_url, const char *ordering,
                                     const char *const *profile_ids, size_t n, const char *gctrace,
                                     const struct hearth_capture_row *cap,
                                     char id_out[HEARTH_ID_LEN + 1],
                                     char token_out[HEARTH_TOKEN_LEN + 1],
                                     struct hearth_errmsg *em);

/* Read one series with its items (and capture); HEARTH_E_NOT_FOUND if unknown. */
enum hearth_err hearth_series_get(struct hearth_store *st, const char *id,
                                  struct hearth_series *out, struct hearth_errmsg *em);

/* The newest series first (only captures if asked), as a JSON array appended to out. */
enum hearth_err hearth_series_list(struct hearth_store *st, int limit, bool captures_only,
                                   struct hearth_buf *out, struct hearth_errmsg *em);

/*
 * The series that hold profile id, newest first (at most 20), as a JSON
 * array value written to w: [{"id", "name", "count", "shares_token"}], where
 * count is the series' snapshots now (this one included) and shares_token
 * says the series' delete token deletes this profile too (a capture's
 * snapshot). Deleting the profile takes it out of them (hearth_store_delete).
 */
enum hearth_err hearth_series_of_profile(struct hearth_store *st, const char *id,
                                         struct hearth_jsonw *w, struct hearth_errmsg *em);

/* Whether a series with this id exists (false on any error). */
bool hearth_series_exists(struct hearth_store *st, const char *id);

/* HEARTH_OK if token is the series' delete token, else FORBIDDEN / NOT_FOUND. */
enum hearth_err hearth_series_check_token(struct hearth_store *st, const char *id,
                                          const char *token, struct hearth_errmsg *em);

/* Attach a stored gctrace (or detach with gctrace ""); start_ms < 0: unknown. */
enum hearth_err hearth_series_set_gctrace(struct hearth_store *st, const char *id,
                                          const char *gctrace, int64_t start_ms,
                                          struct hearth_errmsg *em);

/*
 * Delete the series if the token matches. Its profiles stay, unless
 * with_profiles: then the profiles the series' token may delete (the
 * snapshots its capture took, see hearth_capture_record()) go too, with
 * their blobs when no other row uses them; *profiles_deleted (may be NULL)
 * says how many. Profiles uploaded with their own tokens always stay.
 */
enum hearth_err hearth_series_delete(struct hearth_store *st, const char *id, const char *token,
                                     bool with_profiles, int *profiles_deleted,
                                     struct hearth_errmsg *em);

/*
 * One capture step, atomically: append profile_id (if not NULL) at the end
 * of the series and store the capture's new progress. The snapshot's delete
 * token becomes the series' token (its own was never shown to anyone), so
 * the series' token deletes it: DELETE /api/profiles/<id> with that token,
 * or the whole series with_profiles. hearth_series_create() with cap does
 * the same for the capture's first snapshot.
 */
enum hearth_err hearth_capture_record(struct hearth_store *st, const char *series,
                                      const char *profile_id, int step, const char *owner,
                                      const struct hearth_capture_row *cap,
                                      struct hearth_errmsg *em);

/*
 * Replicas: with PostgreSQL metadata several servers run one set of
 * captures. Each capture row holds a lease (lease_owner, lease_until in
 * the database's clock, Unix ms); only its owner takes snapshots, renewing
 * the lease before each step and every lease_s / 3 seconds, and another
 * server claims the capture once the lease has expired (the owner died).
 * In hearth_capture_record() above, step (>= 2; 0: none) is the attempt's
 * number, unique per series (index series_items_step: a second writer of a
 * step is refused), and owner (NULL: no check) must still hold the lease,
 * else HEARTH_E_CONFLICT and nothing is stored; a state other than running
 * set meanwhile by hearth_capture_stop() is kept.
 *
 * hearth_capture_shared: the metadata may be shared by several servers.
 * hearth_capture_claim: take the lease of at most limit running captures
 *   whose lease expired or is owner's own (all: every running one, for a single server
 *   starting), rows locked by another claimer are skipped; *ids malloc'd.
 * hearth_capture_renew: extend owner's lease (or take a lease nobody holds);
 *   *mine false when the lease is lost or the capture no longer runs (then
 *   drop it).
 * hearth_capture_release: give owner's lease back (a clean stop): any server
 *   claims the capture at once.
 * hearth_capture_stop: set a running capture "stopped" from any server
 *   (HEARTH_E_NOT_FOUND if not running); its owner notices at its next step.
 */
bool hearth_capture_shared(struct hearth_store *st);
enum hearth_err hearth_capture_claim(struct hearth_store *st, const char *owner, int lease_s,
                                     bool all, int limit, char (**ids)[HEARTH_ID_LEN + 1],
                                     size_t *n, struct hearth_errmsg *em);
enum hearth_err hearth_capture_renew(struct hearth_store *st, const char *series, const char *owner,
                                     int lease_s, bool *mine, struct hearth_errmsg *em);
enum hearth_err hearth_capture_release(struct hearth_store *st, const char *series,
                                       const char *owner, struct hearth_errmsg *em);
enum hearth_err hearth_capture_stop(struct hearth_store *st, const char *series, int64_t now_ms,
                                    struct hearth_errmsg *em);

/* The ids of captures stored as running (for resuming after a restart). */
enum hearth_err hearth_capture_running(struct hearth_store *st, char (**ids)[HEARTH_ID_LEN + 1],
                                       size_t *n, struct hearth_errmsg *em);

/*
 * Thinning of old snapshots (thin.h has the rule). A series' policy:
 * hearth_series_thin_set() with on (keep_s, every_s) or off (the records of
 * what was removed stay). hearth_series_thin_list(): the ids of the series
 * with a policy (*ids malloc'd). hearth_series_thin_get(): the policy and
 * the pass's memory (the peak snapshot and its total, the last snapshot
 * whose total was read; "" when none); HEARTH_E_NOT_FOUND without a policy.
 *
 * hearth_series_thin_apply(): one pass's result, in one transaction under
 * an advisory lock (one server at a time; *removed 0 when another holds
 * it): takes the profiles drop[0..n) (with their times) out of the series,
 * deletes those the series' token owns and no other series holds (their
 * blobs go when unused, as any delete's), adds what was removed to the
 * series' record of this policy, and stores the peak and scan position.
 */
struct hearth_thin_state {
    int keep_s, every_s;
    char peak[HEARTH_ID_LEN + 1];
    int64_t peak_total;
    char scanned[HEARTH_ID_LEN + 1];
};
enum hearth_err hearth_series_thin_set(struct hearth_store *st, const char *id, bool on, int keep_s,
                                       int every_s, struct hearth_errmsg *em);
enum hearth_err hearth_series_thin_list(struct hearth_store *st, char (**ids)[HEARTH_ID_LEN + 1],
                                        size_t *n, struct hearth_errmsg *em);
enum hearth_err hearth_series_thin_get(struct hearth_store *st, const char *id,
                                       struct hearth_thin_state *out, struct hearth_errmsg *em);
enum hearth_err hearth_series_thin_apply(struct hearth_store *st, const char *id,
                                         const struct hearth_thin_state *state,
                                         const char *const *drop, const int64_t *drop_ms, size_t n,
                                         int64_t window_ms, int *removed, struct hearth_errmsg *em);
/*
 * Give the series' delete token to its profiles (an archive's snapshots, made for
 * the series and never shown with a token of their own).
 */
enum hearth_err hearth_series_adopt_all(struct hearth_store *st, const char *id,
                                        struct hearth_errmsg *em);

/* The capture states above, in that order (hearth_series_counts()). */
#define HEARTH_CAP_NSTATES 5
/* Series stored, and captures in each state (running, done, stopped, interrupted, failed). */
enum hearth_err hearth_series_counts(struct hearth_store *st, int64_t *series,
                                     int64_t captures[HEARTH_CAP_NSTATES],
                                     struct hearth_errmsg *em);

#endif /* HEARTH_SERIES_H */
