/*
 * groups.h - capture groups: several targets (processes) captured together.
 *
 * A capture group is a set of captures (series.h), one per target, created
 * in one transaction with the same schedule: the same interval, count and
 * start time, so step k of every target is due at the same moment (the
 * scheduler, capture.h, runs each target's capture as its own job; one
 * target's failing step is recorded in its own capture and never delays the
 * others). Every series of a group, and every snapshot its capture takes,
 * has the group's delete token: the group's token stops or deletes any
 * target, and the series' own routes (DELETE /api/series/<id>, ...) accept
 * it too.
 *
 * Tables (hearth.db, schema version 5):
 *   capture_groups(id, name, created, delete_hash, interval_s, count, gc, gctrace,
 *                  gctrace_start_ms)
 *   capture_group_targets(grp, pos, name, series, track)   the order is pos
 * track is the label of the gctrace track matched to the target ("" none):
 * one stderr of several processes, each line prefixed "[name] " (gctrace.h).
 *
 * Strings in the structs are owned by them (hearth_group_release()). All
 * functions are thread-safe.
 */
#ifndef HEARTH_GROUPS_H
#define HEARTH_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/limits.h"
#include "hearth/series.h"
#include "hearth/store.h"

/* One target of a new group: its first snapshot is already stored (profile). */
struct hearth_group_new_target {
    const char *name; /* the target's name (unique in the group) */
    const char *series_name;
    const char *url;     /* as fetched (the series' source) */
    const char *profile; /* id of the first snapshot */
    const struct hearth_capture_row *cap;
};

struct hearth_group_target {
    char name[HEARTH_LIMIT_TARGET_NAME + 1];
    char series[HEARTH_ID_LEN + 1];
    char track[HEARTH_LIMIT_TARGET_NAME + 1]; /* "" when no gctrace track is matched */
};

struct hearth_group {
    char id[HEARTH_ID_LEN + 1];
    char *name;
    int64_t created;
    int interval_s, count;
    bool gc;
    char gctrace[HEARTH_ID_LEN + 1]; /* "" when none attached */
    bool has_start;
    int64_t gctrace_start_ms;
    size_t ntargets;
    struct hearth_group_target *targets;
};

void hearth_group_release(struct hearth_group *g);

/*
 * Create the group and one capture series per target (state running, with
 * the lease in each cap row), in one transaction. The profiles' delete
 * tokens become the group's. Fills id_out, the token (shown once, stored
 * hashed) and series_out[i] (the series of target i).
 */
enum hearth_err hearth_group_create(struct hearth_store *st, const char *name, int interval_s,
                                    int count, bool gc, const struct hearth_group_new_target *t,
                                    size_t n, char id_out[HEARTH_ID_LEN + 1],
                                    char token_out[HEARTH_TOKEN_LEN + 1],
                                    char (*series_out)[HEARTH_ID_LEN + 1],
                                    struct hearth_errmsg *em);

/* Read one group; HEARTH_E_NOT_FOUND if unknown. */
enum hearth_err hearth_group_get(struct hearth_store *st, const char *id, struct hearth_group *out,
                                 struct hearth_errmsg *em);

/*
 * The newest groups first, a JSON array appended to out:
 * [{"id","name","created","interval_s","count","targets","state"}].
 */
enum hearth_err hearth_group_list(struct hearth_store *st, int limit, struct hearth_buf *out,
                                  struct hearth_errmsg *em);

/*
 * The group a series belongs to (a target's series): its id, name, the
 * target's name, the group's gctrace and the track of it matched to the target.
 */
struct hearth_group_ref {
    char id[HEARTH_ID_LEN + 1];
    char name[512]; /* a group's name is at most 500 bytes (POST /api/capture-groups) */
    char target[HEARTH_LIMIT_TARGET_NAME + 1];
    char track[HEARTH_LIMIT_TARGET_NAME + 1]; /* "" when none is matched */
    char gctrace[HEARTH_ID_LEN + 1];          /* the group's shared log, "" when none */
};

/* Fill out with the group of series; HEARTH_E_NOT_FOUND when it is in none. */
enum hearth_err hearth_group_of_series(struct hearth_store *st, const char *series,
                                       struct hearth_group_ref *out, struct hearth_errmsg *em);

/* Whether id is a group (false on any error). */
bool hearth_group_exists(struct hearth_store *st, const char *id);

/* HEARTH_OK if token is the group's delete token, else FORBIDDEN / NOT_FOUND. */
enum hearth_err hearth_group_check_token(struct hearth_store *st, const char *id, const char *token,
                                         struct hearth_errmsg *em);

/*
 * Attach a stored gctrace to the group (gctrace "": detach, tracks cleared)
 * with the track label of each target (tracks[i] for target i, "" none;
 * NULL: all ""). start_ms < 0: unknown.
 */
enum hearth_err hearth_group_set_gctrace(struct hearth_store *st, const char *id,
                                         const char *gctrace, int64_t start_ms,
                                         const char *const *tracks, size_t n,
                                         struct hearth_errmsg *em);

/* Delete the group's own rows (its series are deleted one by one before, series.h). */
enum hearth_err hearth_group_delete_rows(struct hearth_store *st, const char *id,
                                         struct hearth_errmsg *em);

#endif /* HEARTH_GROUPS_H */
