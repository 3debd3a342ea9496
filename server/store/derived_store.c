/* derived_store.c - derived blobs (rendered answers kept across restarts); see derived_store.h. */
#define _GNU_SOURCE
#include "hearth/derived_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/blobs.h"
#include "hearth/db.h"
#include "hearth/ids.h"
#include "hearth/log.h"
#include "hearth/metrics.h"
#include "store_int.h"

#include "hearth/banned.h"

/* Derived rows dropped in one statement's pass (more wait for the next drop). */
#define DROP_BATCH 256

/*
 * The bytes of dblob are no longer named by any row: delete them (SQLite),
 * or mark them for the collector (PostgreSQL: another server may be writing
 * the same bytes). Lock held.
 */
static void forget_dblob(struct hearth_store *st, const char *dblob)
{
    struct hearth_db_stmt *q = NULL;
    int rc;

    if (hearth_db_prepare(st->db, "SELECT 1 FROM derived WHERE dblob = ?1 LIMIT 1", &q) < 0)
        return;
    hearth_db_bind_text(q, 1, dblob);
    rc = hearth_db_step(q);
    hearth_db_finalize(q);
    q = NULL;
    if (rc != HEARTH_DB_DONE)
        return; /* still named, or the lookup failed: the bytes stay */
    hearth__store_forget_blob(st, dblob);
}

/*
 * Drop the rows selected by sel (their dblob; ?1 = a1, ?2 = a2 when not
 * NULL, ?3 = a3 when >= 0) and their bytes (each row has its own: the bytes
 * hold their key). Lock held. Returns the rows dropped, -1 on error.
 */
static int drop_where(struct hearth_store *st, const char *sel, const char *a1, const char *a2,
                      int64_t a3)
{
    struct hearth_db_stmt *q = NULL, *del = NULL;
    char(*dblobs)[HEARTH_SHA256_HEX + 1] = NULL;
    int n = 0, i, rc, out = -1;

    dblobs = calloc(DROP_BATCH, sizeof(*dblobs));
    if (!dblobs || hearth_db_prepare(st->db, sel, &q) < 0)
        goto out_free;
    hearth_db_bind_text(q, 1, a1);
    if (a2)
        hearth_db_bind_text(q, 2, a2);
    if (a3 >= 0)
        hearth_db_bind_int64(q, 3, a3);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW && n < DROP_BATCH; rc = hearth_db_step(q)) {
        const char *d = hearth_db_column_text(q, 0);
        snprintf(dblobs[n], sizeof(dblobs[n]), "%s", d ? d : "");
        n++;
    }
    if (rc != HEARTH_DB_ROW && rc != HEARTH_DB_DONE)
        goto out_free;
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_prepare(st->db, "DELETE FROM derived WHERE dblob = ?1", &del) < 0)
        goto out_free;
    for (i = 0; i < n; i++) {
        hearth_db_reset(del);
        hearth_db_bind_text(del, 1, dblobs[i]);
        if (hearth_db_step(del) != HEARTH_DB_DONE)
            goto out_free;
        forget_dblob(st, dblobs[i]);
    }
    out = n;
out_free:
    hearth_db_finalize(q);
    hearth_db_finalize(del);
    free(dblobs);
    return out;
}

void hearth__derived_drop(struct hearth_store *st, const char *blob)
{
    int n;

    do
        n = drop_where(st, "SELECT dblob FROM derived WHERE blob = ?1 OR base = ?1", blob, NULL,
                       -1);
    while (n == DROP_BATCH);
    if (n < 0)
        hearth_log(HEARTH_LOG_WARN, "store", "derived answers of an unused blob stay (%s)",
                   hearth_db_errmsg());
}

enum hearth_err hearth_derived_get(struct hearth_store *st, const char *key, size_t max,
                                   unsigned char **bytes, size_t *n, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    char dblob[HEARTH_SHA256_HEX + 1] = "", sum[HEARTH_SHA256_HEX + 1];
    struct hearth_errmsg em2 = {{0}};
    enum hearth_err e;
    int rc;

    *bytes = NULL;
    *n = 0;
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, "SELECT dblob FROM derived WHERE key = ?1", &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot read a derived answer");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, key);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW)
        snprintf(dblob, sizeof(dblob), "%s", hearth_db_column_text(q, 0));
    hearth_db_finalize(q);
    q = NULL;
    if (rc != HEARTH_DB_ROW && rc != HEARTH_DB_DONE) {
        e = hearth__store_db_err(st, em, "cannot read a derived answer");
        goto out_unlock;
    }
    pthread_mutex_unlock(&st->lock);
    if (!dblob[0])
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no derived answer");
    /* the bytes are read without the lock (a drop meanwhile just makes them missing) */
    e = hearth_blobs_get(st->blobs, dblob, max, bytes, n, &em2);
    if (e == HEARTH_E_UNAVAILABLE) {
        *em = em2;
        return e;
    }
    if (!e) {
        hearth_sha256_hex(*bytes, *n, sum);
        if (!strcmp(sum, dblob))
            return HEARTH_OK;
        free(*bytes);
        *bytes = NULL;
        *n = 0;
    }
    /* missing, too large or damaged: never trusted, forgotten (computed again) */
    hearth_log(HEARTH_LOG_WARN, "store", "a derived answer was %s: it is computed again",
               e ? "unreadable" : "damaged");
    hearth_metrics_derived(HEARTH_DERIVED_DAMAGED);
    pthread_mutex_lock(&st->lock);
    /* damaged bytes go at once (a put of the same name would keep them: put-if-absent) */
    if (!e && hearth_blobs_delete(st->blobs, dblob, &em2) != HEARTH_OK)
        hearth_log(HEARTH_LOG_WARN, "store", "a damaged derived blob stays (%s)", em2.msg);
    if (hearth__store_writable(st, NULL) == HEARTH_OK)
        (void)drop_where(st, "SELECT dblob FROM derived WHERE dblob = ?1", dblob, NULL, -1);
    pthread_mutex_unlock(&st->lock);
    return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no derived answer");
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}

/* Whether a profile row uses blob (1), none (0), or the lookup failed (-1). Lock held. */
static int blob_used(struct hearth_store *st, const char *blob)
{
    struct hearth_db_stmt *q = NULL;
    int rc;

    if (hearth_db_prepare(st->db, "SELECT 1 FROM profiles WHERE blob = ?1 LIMIT 1", &q) < 0)
        return -1;
    hearth_db_bind_text(q, 1, blob);
    rc = hearth_db_step(q);
    hearth_db_finalize(q);
    return rc == HEARTH_DB_ROW ? 1 : rc == HEARTH_DB_DONE ? 0 : -1;
}

/* The derived bytes of blob (as profile), or -1. Lock held. */
static int64_t blob_bytes(struct hearth_store *st, const char *blob)
{
    struct hearth_db_stmt *q = NULL;
    int64_t v = -1;

    if (hearth_db_prepare(st->db, "SELECT coalesce(sum(bytes), 0) FROM derived WHERE blob = ?1",
                          &q) < 0)
        return -1;
    hearth_db_bind_text(q, 1, blob);
    if (hearth_db_step(q) == HEARTH_DB_ROW)
        v = hearth_db_column_int64(q, 0);
    hearth_db_finalize(q);
    return v;
}

enum hearth_err hearth_derived_put(struct hearth_store *st, const char *key, const char *prefix,
                                   const char *blob, const char *base, const unsigned char *bytes,
                                   size_t n, size_t cap, bool *kept, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    char dblob[HEARTH_SHA256_HEX + 1];
    enum hearth_err e;
    bool created = false;
    int64_t have;
    int rc;

    *kept = false;
    if (!base)
        base = "";
    if (n > cap)
        return HEARTH_OK;
    hearth_sha256_hex(bytes, n, dblob);
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    /* answers of an older format are never read again: they make room first */
    if (drop_where(st, "SELECT dblob FROM derived WHERE blob = ?1 AND substr(key, 1, ?3) <> ?2",
                   blob, prefix, (int64_t)strlen(prefix)) < 0)
        goto out_dberr;
    rc = blob_used(st, blob);
    if (rc == 1 && base[0])
        rc = blob_used(st, base);
    have = rc == 1 ? blob_bytes(st, blob) : 0;
    if (rc < 0 || have < 0)
        goto out_dberr;
    if (rc == 0 || (uint64_t)have + n > cap)
        goto out_unlock; /* deleted meanwhile, or no room: not kept */
    if (hearth_db_kind(st->db) == HEARTH_DB_POSTGRES) {
        /* take the bytes back from the collector before writing them (as a profile put does) */
        if (hearth_db_prepare(st->db, "DELETE FROM blob_gc WHERE blob = ?1", &q) < 0)
            goto out_dberr;
        hearth_db_bind_text(q, 1, dblob);
        rc = hearth_db_step(q);
        hearth_db_finalize(q);
        q = NULL;
        if (rc != HEARTH_DB_DONE)
            goto out_dberr;
    }
    e = hearth_blobs_put(st->blobs, dblob, bytes, n, &created, em);
    if (e)
        goto out_unlock;
    if (hearth_db_prepare(st->db,
                          "INSERT INTO derived (key, blob, base, dblob, bytes, created) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                          &q) < 0)
        goto out_dberr;
    hearth_db_bind_text(q, 1, key);
    hearth_db_bind_text(q, 2, blob);
    hearth_db_bind_text(q, 3, base);
    hearth_db_bind_text(q, 4, dblob);
    hearth_db_bind_int64(q, 5, (int64_t)n);
    hearth_db_bind_int64(q, 6, hearth_now_ms());
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_DONE)
        goto out_dberr;
    *kept = hearth_db_changes(st->db) == 1;
    goto out_unlock;
out_dberr:
    e = hearth__store_db_err(st, em, "cannot keep a derived answer");
out_unlock:
    hearth_db_finalize(q);
    if (created && !*kept)
        forget_dblob(st, dblob); /* no row names the bytes just written */
    pthread_mutex_unlock(&st->lock);
    return e;
}
