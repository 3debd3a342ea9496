/*
 * thin_store.c - a series' thinning policy and the record of what it
 * removed, in the metadata database; see include/hearth/series.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/series.h"
#include "store_int.h"

#include "hearth/banned.h"

#define db_err hearth__store_db_err

/* pg_try_advisory_xact_lock key of the thinning passes ("hearth" + 4). */
#define THIN_LOCK_KEY 0x6865617274680004LL

static const char *col(struct hearth_db_stmt *q, int i)
{
    const char *s = hearth_db_column_text(q, i);

    return s ? s : "";
}

enum hearth_err hearth__thin_read(struct hearth_store *st, struct hearth_series *s,
                                  struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t cap = 0;
    int rc;

    if (hearth_db_prepare(st->db, "SELECT keep_s, every_s FROM series_thin WHERE series = ?1", &q) <
        0)
        return db_err(st, em, "cannot read the series");
    hearth_db_bind_text(q, 1, s->id);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW) {
        s->thin_on = true;
        s->thin_keep_s = hearth_db_column_int(q, 0);
        s->thin_every_s = hearth_db_column_int(q, 1);
    } else if (rc != HEARTH_DB_DONE) {
        e = db_err(st, em, "cannot read the series");
    }
    hearth_db_finalize(q);
    q = NULL;
    if (e)
        return e;
    if (hearth_db_prepare(st->db,
                          "SELECT keep_s, every_s, removed, from_ms, to_ms, window_ms, last_run_ms "
                          "FROM series_thinned WHERE series = ?1 ORDER BY pos",
                          &q) < 0)
        return db_err(st, em, "cannot read the series");
    hearth_db_bind_text(q, 1, s->id);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        struct hearth_thin_record *r;
        if (s->nthinned == cap) {
            size_t nc = cap ? cap * 2 : 4;
            struct hearth_thin_record *nr = realloc(s->thinned, nc * sizeof(*nr));
            if (!nr) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out;
            }
            s->thinned = nr;
            cap = nc;
        }
        r = &s->thinned[s->nthinned++];
        r->keep_s = hearth_db_column_int(q, 0);
        r->every_s = hearth_db_column_int(q, 1);
        r->removed = hearth_db_column_int64(q, 2);
        r->from_ms = hearth_db_column_int64(q, 3);
        r->to_ms = hearth_db_column_int64(q, 4);
        r->window_ms = hearth_db_column_int64(q, 5);
        r->last_run_ms = hearth_db_column_int64(q, 6);
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot read the series");
out:
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_series_thin_set(struct hearth_store *st, const char *id, bool on, int keep_s,
                                       int every_s, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    rc = hearth_db_prepare(st->db, "SELECT 1 FROM series WHERE id = ?1", &q);
    if (rc == 0) {
        hearth_db_bind_text(q, 1, id);
        rc = hearth_db_step(q);
    }
    hearth_db_finalize(q);
    q = NULL;
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series")
                                 : db_err(st, em, "cannot set the series' thinning");
        goto out_unlock;
    }
    /* a new policy starts its scan afresh (the peak is found again) */
    if (hearth_db_prepare(st->db,
                          on ? "INSERT INTO series_thin (series, keep_s, every_s, since) VALUES "
                               "(?1, ?2, ?3, ?4) ON CONFLICT (series) DO UPDATE SET keep_s = "
                               "excluded.keep_s, every_s = excluded.every_s, since = "
                               "excluded.since, peak = '', peak_total = 0, scanned = ''"
                             : "DELETE FROM series_thin WHERE series = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot set the series' thinning");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    if (on) {
        hearth_db_bind_int64(q, 2, keep_s);
        hearth_db_bind_int64(q, 3, every_s);
        hearth_db_bind_int64(q, 4, hearth_now_ms());
    }
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot set the series' thinning");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_series_thin_list(struct hearth_store *st, char (**ids)[HEARTH_ID_LEN + 1],
                                        size_t *n, struct hearth_errmsg *em)
{
    return hearth__store_list_ids(st, "SELECT series FROM series_thin ORDER BY series", NULL, ids,
                                  n, "cannot read the thinned series", em);
}

enum hearth_err hearth_series_thin_get(struct hearth_store *st, const char *id,
                                       struct hearth_thin_state *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db,
                          "SELECT keep_s, every_s, peak, peak_total, scanned FROM series_thin "
                          "WHERE series = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot read the series' thinning");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW) {
        out->keep_s = hearth_db_column_int(q, 0);
        out->every_s = hearth_db_column_int(q, 1);
        snprintf(out->peak, sizeof(out->peak), "%s", col(q, 2));
        out->peak_total = hearth_db_column_int64(q, 3);
        snprintf(out->scanned, sizeof(out->scanned), "%s", col(q, 4));
    } else {
        e = rc == HEARTH_DB_DONE
                ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "the series is not thinned")
                : db_err(st, em, "cannot read the series' thinning");
    }
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

/* Add n removed snapshots (times lo..hi) to the series' record of this policy. Lock held, in
 * the transaction. */
static int record(struct hearth_store *st, const char *id, const struct hearth_thin_state *s,
                  int64_t n, int64_t lo, int64_t hi, int64_t window_ms)
{
    struct hearth_db_stmt *q = NULL;
    int64_t pos = -1;
    int rc, r = -1;
    bool same = false;

    if (hearth_db_prepare(st->db,
                          "SELECT pos, keep_s, every_s FROM series_thinned WHERE series = ?1 "
                          "ORDER BY pos DESC LIMIT 1",
                          &q) < 0)
        return -1;
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW) {
        pos = hearth_db_column_int64(q, 0);
        same = hearth_db_column_int(q, 1) == s->keep_s && hearth_db_column_int(q, 2) == s->every_s;
    }
    hearth_db_finalize(q);
    q = NULL;
    if (rc != HEARTH_DB_ROW && rc != HEARTH_DB_DONE)
        return -1;
    if (hearth_db_prepare(
            st->db,
            same
                ? "UPDATE series_thinned SET removed = removed + ?3, from_ms = CASE WHEN from_ms < "
                  "?4 THEN from_ms ELSE ?4 END, to_ms = CASE WHEN to_ms > ?5 THEN to_ms ELSE ?5 "
                  "END, window_ms = ?6, last_run_ms = ?7 WHERE series = ?1 AND pos = ?2"
                : "INSERT INTO series_thinned (series, pos, removed, from_ms, to_ms, window_ms, "
                  "last_run_ms, keep_s, every_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &q) < 0)
        return -1;
    hearth_db_bind_text(q, 1, id);
    hearth_db_bind_int64(q, 2, same ? pos : pos + 1);
    hearth_db_bind_int64(q, 3, n);
    hearth_db_bind_int64(q, 4, lo);
    hearth_db_bind_int64(q, 5, hi);
    hearth_db_bind_int64(q, 6, window_ms);
    hearth_db_bind_int64(q, 7, hearth_now_ms());
    if (!same) {
        hearth_db_bind_int64(q, 8, s->keep_s);
        hearth_db_bind_int64(q, 9, s->every_s);
    }
    if (hearth_db_step(q) == HEARTH_DB_DONE)
        r = 0;
    hearth_db_finalize(q);
    return r;
}

enum hearth_err hearth_series_thin_apply(struct hearth_store *st, const char *id,
                                         const struct hearth_thin_state *state,
                                         const char *const *drop, const int64_t *drop_ms, size_t n,
                                         int64_t window_ms, int *removed, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *qi = NULL, *qp = NULL, *qs = NULL, *qm = NULL;
    enum hearth_err e = HEARTH_OK;
    char(*blobs)[HEARTH_SHA256_HEX + 1] = NULL;
    size_t nb = 0, i;
    int64_t lo = INT64_MAX, hi = INT64_MIN, profiles = 0;
    int got, rc;

    *removed = 0;
    blobs = calloc(n ? n : 1, sizeof(*blobs));
    if (!blobs)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = db_err(st, em, "cannot thin the series");
        goto out_unlock;
    }
    got = hearth_db_try_xact_lock(st->db, THIN_LOCK_KEY);
    if (got <= 0) {
        if (got < 0)
            e = db_err(st, em, "cannot thin the series");
        goto out_rollback; /* 0: another server thins now */
    }
    if (hearth_db_prepare(st->db, "DELETE FROM series_items WHERE series = ?1 AND profile = ?2",
                          &qi) < 0 ||
        hearth_db_prepare(st->db,
                          "DELETE FROM profiles WHERE id = ?2 AND delete_hash = (SELECT "
                          "delete_hash FROM series WHERE id = ?1) AND NOT EXISTS (SELECT 1 FROM "
                          "series_items WHERE profile = ?2) RETURNING blob",
                          &qp) < 0 ||
        /* a deleted snapshot's runtime memory statistics go with it (memstats_store.h) */
        hearth_db_prepare(st->db, "DELETE FROM memstats WHERE profile = ?1", &qm) < 0)
        goto out_dberr;
    for (i = 0; i < n; i++) {
        hearth_db_reset(qi);
        hearth_db_bind_text(qi, 1, id);
        hearth_db_bind_text(qi, 2, drop[i]);
        if (hearth_db_step(qi) != HEARTH_DB_DONE)
            goto out_dberr;
        if (hearth_db_changes(st->db) < 1)
            continue; /* gone already (deleted, or another pass) */
        (*removed)++;
        if (drop_ms[i] < lo)
            lo = drop_ms[i];
        if (drop_ms[i] > hi)
            hi = drop_ms[i];
        hearth_db_reset(qp);
        hearth_db_bind_text(qp, 1, id);
        hearth_db_bind_text(qp, 2, drop[i]);
        rc = hearth_db_step(qp);
        if (rc == HEARTH_DB_ROW) {
            snprintf(blobs[nb++], HEARTH_SHA256_HEX + 1, "%s", col(qp, 0));
            profiles++;
            rc = hearth_db_step(qp);
            if (rc != HEARTH_DB_DONE)
                goto out_dberr;
            hearth_db_reset(qm);
            hearth_db_bind_text(qm, 1, drop[i]);
            rc = hearth_db_step(qm);
        }
        if (rc != HEARTH_DB_DONE)
            goto out_dberr;
    }
    if (*removed > 0 && record(st, id, state, *removed, lo, hi, window_ms) < 0)
        goto out_dberr;
    if (hearth_db_prepare(st->db,
                          "UPDATE series_thin SET peak = ?2, peak_total = ?3, scanned = ?4 "
                          "WHERE series = ?1",
                          &qs) < 0)
        goto out_dberr;
    hearth_db_bind_text(qs, 1, id);
    hearth_db_bind_text(qs, 2, state->peak);
    hearth_db_bind_int64(qs, 3, state->peak_total);
    hearth_db_bind_text(qs, 4, state->scanned);
    if (hearth_db_step(qs) != HEARTH_DB_DONE)
        goto out_dberr;
    hearth_db_finalize(qi);
    hearth_db_finalize(qp);
    hearth_db_finalize(qm);
    hearth_db_finalize(qs);
    qi = qp = qs = qm = NULL;
    if (hearth_db_commit(st->db) < 0)
        goto out_dberr;
    hearth__store_count_add(st, -profiles);
    for (i = 0; i < nb; i++)
        hearth__store_unlink_unused(st, blobs[i]);
    goto out_unlock;
out_dberr:
    e = db_err(st, em, "cannot thin the series");
out_rollback:
    *removed = 0;
    hearth_db_finalize(qi);
    hearth_db_finalize(qp);
    hearth_db_finalize(qm);
    hearth_db_finalize(qs);
    hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    free(blobs);
    return e;
}

enum hearth_err hearth_series_adopt_all(struct hearth_store *st, const char *id,
                                        struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_prepare(st->db,
                          "UPDATE profiles SET delete_hash = (SELECT delete_hash FROM series "
                          "WHERE id = ?1) WHERE id IN (SELECT profile FROM series_items WHERE "
                          "series = ?1)",
                          &q) < 0) {
        e = db_err(st, em, "cannot store the series");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot store the series");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}
