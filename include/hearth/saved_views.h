/*
 * saved_views.h - saved views: a named set of view parameters (filters,
 * sample type, granularity, the page's view, ...) kept by the server and
 * applicable to any profile, like the configurations of pprof's web UI.
 *
 * The store keeps what it is given: the service (saved_svc.c) validates the
 * parameters with the views' own option parser before anything is stored,
 * and hands over their canonical JSON object. The store only enforces what
 * needs the database: a unique name and the number of saved views.
 *
 * Table (in hearth.db, created by hearth_store_open(), also in a database
 * made by an earlier version, which simply had no such table):
 *   saved_views(id, name UNIQUE, params, created, delete_hash)
 *
 * A saved view has a delete token like a profile (shown once at creation,
 * stored hashed). Strings in struct hearth_saved_view are owned by it
 * (hearth_saved_view_release()). All functions are thread-safe. A future
 * backend implements these same functions.
 */
#ifndef HEARTH_SAVED_VIEWS_H
#define HEARTH_SAVED_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_store;

struct hearth_saved_view {
    char id[HEARTH_ID_LEN + 1];
    char *name;
    char *params_json; /* a JSON object of strings, as the service wrote it */
    int64_t created;   /* Unix milliseconds */
};

void hearth_saved_view_release(struct hearth_saved_view *v);

/*
 * Store a saved view. HEARTH_E_CONFLICT when the name is taken or when
 * max_views are stored already (nothing is stored then). Fills id_out,
 * the delete token and *created.
 */
enum hearth_err hearth_saved_view_create(struct hearth_store *st, const char *name,
                                         const char *params_json, int max_views,
                                         char id_out[HEARTH_ID_LEN + 1],
                                         char token_out[HEARTH_TOKEN_LEN + 1], int64_t *created,
                                         struct hearth_errmsg *em);

/* One saved view; HEARTH_E_NOT_FOUND for an unknown (or malformed) id. */
enum hearth_err hearth_saved_view_get(struct hearth_store *st, const char *id,
                                      struct hearth_saved_view *out, struct hearth_errmsg *em);

/*
 * At most limit saved views, by name, as a JSON array appended to out:
 * objects {"id","name","params","created"}.
 */
enum hearth_err hearth_saved_view_list(struct hearth_store *st, int limit, struct hearth_buf *out,
                                       struct hearth_errmsg *em);

/* Delete if token matches: HEARTH_E_FORBIDDEN otherwise, NOT_FOUND if unknown. */
enum hearth_err hearth_saved_view_delete(struct hearth_store *st, const char *id, const char *token,
                                         struct hearth_errmsg *em);

#endif /* HEARTH_SAVED_VIEWS_H */
