/* memstats_store.c - a profile's runtime memory statistics; see include/hearth/memstats_store.h. */
#define _GNU_SOURCE
#include "hearth/memstats_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/db.h"
#include "store_int.h"

#include "hearth/banned.h"

void hearth_ms_row_release(struct hearth_ms_row *r)
{
    free(r->format);
    free(r->source);
    free(r->error);
    free(r->stats);
    r->format = r->source = r->error = r->stats = NULL;
}

enum hearth_err hearth_ms_put(struct hearth_store *st, const char *profile, const char *format,
                              const char *source, int64_t taken, const char *error,
                              const char *stats, int64_t profile_inuse, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;
    int rc;

    if (!hearth_id_valid(profile, strlen(profile)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    /* only for a stored profile: a row never outlives it (deletes take both) */
    if (hearth_db_prepare(st->db,
                          "INSERT INTO memstats (profile, format, source, taken, error, stats, "
                          "profile_inuse) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM profiles WHERE "
                          "id = ?1 ON CONFLICT (profile) DO UPDATE SET format = excluded.format, "
                          "source = excluded.source, taken = excluded.taken, error = "
                          "excluded.error, stats = excluded.stats, profile_inuse = "
                          "excluded.profile_inuse",
                          &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot record the memory statistics");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, profile);
    hearth_db_bind_text(q, 2, format ? format : "");
    hearth_db_bind_text(q, 3, source ? source : "");
    hearth_db_bind_int64(q, 4, taken);
    hearth_db_bind_text(q, 5, error ? error : "");
    hearth_db_bind_text(q, 6, stats ? stats : "");
    if (profile_inuse >= 0)
        hearth_db_bind_int64(q, 7, profile_inuse);
    else
        hearth_db_bind_null(q, 7);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_DONE)
        e = hearth__store_db_err(st, em, "cannot record the memory statistics");
    else if (hearth_db_changes(st->db) == 0)
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

static char *dup_col(struct hearth_db_stmt *q, int i)
{
    const char *s = hearth_db_column_text(q, i);

    return strdup(s ? s : "");
}

enum hearth_err hearth_ms_get(struct hearth_store *st, const char *profile,
                              struct hearth_ms_row *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!hearth_id_valid(profile, strlen(profile)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db,
                          "SELECT format, source, taken, error, stats, profile_inuse FROM "
                          "memstats WHERE profile = ?1",
                          &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot read the memory statistics");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, profile);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE
                ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND,
                                    "no runtime memory statistics were recorded with this profile")
                : hearth__store_db_err(st, em, "cannot read the memory statistics");
        goto out_unlock;
    }
    snprintf(out->profile, sizeof(out->profile), "%s", profile);
    out->format = dup_col(q, 0);
    out->source = dup_col(q, 1);
    out->taken = hearth_db_column_int64(q, 2);
    out->error = dup_col(q, 3);
    out->stats = dup_col(q, 4);
    out->has_inuse = !hearth_db_column_null(q, 5);
    out->profile_inuse = out->has_inuse ? hearth_db_column_int64(q, 5) : -1;
    if (!out->format || !out->source || !out->error || !out->stats) {
        hearth_ms_row_release(out);
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_ms_check_token(struct hearth_store *st, const char *profile,
                                      const char *token, struct hearth_errmsg *em)
{
    char want[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *stored;
    int rc;

    if (!hearth_id_valid(profile, strlen(profile)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    hearth_sha256_hex(token ? token : "", token ? strlen(token) : 0, want);
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, "SELECT delete_hash FROM profiles WHERE id = ?1", &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot read the profile");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, profile);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile")
                                 : hearth__store_db_err(st, em, "cannot read the profile");
        goto out_unlock;
    }
    stored = hearth_db_column_text(q, 0);
    if (!token || !*token || !stored || !hearth_secret_eq(stored, want))
        e = hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                              "the profile's delete token is missing or wrong");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}
