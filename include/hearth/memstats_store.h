/*
 * memstats_store.h - the runtime memory statistics recorded with a stored
 * profile (table memstats, schema version 4), one row per profile:
 *
 *   memstats(profile, format, source, taken, error, stats, profile_inuse)
 *
 * format is "debug1" or "expvar" (hearth_memstats.format) or "" when
 * recording failed; error says why ("" on success: then stats holds the
 * values as hearth_memstats_json() wrote them). source is where they came
 * from (a URL, or "upload"); taken is when (Unix ms); profile_inuse is the
 * profile's inuse_space total (NULL: none). A row goes with its profile
 * (hearth_store_delete, expiry, a series deleted with its profiles).
 * Strings of a row are owned by it (hearth_ms_row_release). Thread-safe.
 */
#ifndef HEARTH_MEMSTATS_STORE_H
#define HEARTH_MEMSTATS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/store.h"

struct hearth_ms_row {
    char profile[HEARTH_ID_LEN + 1];
    char *format, *source, *error, *stats;
    int64_t taken;
    bool has_inuse;
    int64_t profile_inuse;
};

void hearth_ms_row_release(struct hearth_ms_row *r);

/*
 * Record (or replace) the row of profile, which must exist
 * (HEARTH_E_NOT_FOUND). profile_inuse < 0: none.
 */
enum hearth_err hearth_ms_put(struct hearth_store *st, const char *profile, const char *format,
                              const char *source, int64_t taken, const char *error,
                              const char *stats, int64_t profile_inuse, struct hearth_errmsg *em);

/* The row of profile; HEARTH_E_NOT_FOUND when none was recorded. */
enum hearth_err hearth_ms_get(struct hearth_store *st, const char *profile,
                              struct hearth_ms_row *out, struct hearth_errmsg *em);

/* HEARTH_OK if token is the profile's delete token, else FORBIDDEN / NOT_FOUND. */
enum hearth_err hearth_ms_check_token(struct hearth_store *st, const char *profile,
                                      const char *token, struct hearth_errmsg *em);

#endif /* HEARTH_MEMSTATS_STORE_H */
