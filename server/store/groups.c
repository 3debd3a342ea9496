/* groups.c - capture groups in the metadata database; see include/hearth/groups.h. */
#define _GNU_SOURCE
#include "hearth/groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "store_int.h"

#include "hearth/banned.h"

#define db_err hearth__store_db_err

void hearth_group_release(struct hearth_group *g)
{
    free(g->name);
    free(g->targets);
    memset(g, 0, sizeof(*g));
}

static const char *col(struct hearth_db_stmt *q, int i)
{
    const char *s = hearth_db_column_text(q, i);
    return s ? s : "";
}

/* Insert the group row under a new id. Lock and transaction held. */
static enum hearth_err insert_group(struct hearth_store *st, const char *name, int interval_s,
                                    int count, bool gc, const char *hash,
                                    char id_out[HEARTH_ID_LEN + 1], struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int tries, rc;

    if (hearth_db_prepare(st->db,
                          "INSERT INTO capture_groups (id, name, created, delete_hash, interval_s, "
                          "count, gc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                          &q) < 0)
        return db_err(st, em, "cannot store the capture group");
    for (tries = 0; tries < 3; tries++) {
        e = hearth_id_new(id_out);
        if (e) {
            hearth_errmsg_set(em, e, "no random numbers available");
            goto out;
        }
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, id_out);
        hearth_db_bind_text(q, 2, name);
        hearth_db_bind_int64(q, 3, hearth_now_ms());
        hearth_db_bind_text(q, 4, hash);
        hearth_db_bind_int64(q, 5, interval_s);
        hearth_db_bind_int64(q, 6, count);
        hearth_db_bind_int64(q, 7, gc);
        rc = hearth_db_step(q);
        if (rc == HEARTH_DB_DONE && hearth_db_changes(st->db) == 1)
            goto out;
        if (rc != HEARTH_DB_DONE) {
            e = db_err(st, em, "cannot store the capture group");
            goto out;
        }
    }
    e = hearth_errmsg_set(em, HEARTH_E_IO, "could not allocate an id");
out:
    hearth_db_finalize(q);
    return e;
}

static enum hearth_err insert_target(struct hearth_store *st, const char *grp, size_t pos,
                                     const char *name, const char *series, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;

    if (hearth_db_prepare(st->db,
                          "INSERT INTO capture_group_targets (grp, pos, name, series) "
                          "VALUES (?1, ?2, ?3, ?4)",
                          &q) < 0)
        return db_err(st, em, "cannot store the capture group");
    hearth_db_bind_text(q, 1, grp);
    hearth_db_bind_int64(q, 2, (int64_t)pos);
    hearth_db_bind_text(q, 3, name);
    hearth_db_bind_text(q, 4, series);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot store the capture group");
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_group_create(struct hearth_store *st, const char *name, int interval_s,
                                    int count, bool gc, const struct hearth_group_new_target *t,
                                    size_t n, char id_out[HEARTH_ID_LEN + 1],
                                    char token_out[HEARTH_TOKEN_LEN + 1],
                                    char (*series_out)[HEARTH_ID_LEN + 1], struct hearth_errmsg *em)
{
    char hash[HEARTH_SHA256_HEX + 1];
    enum hearth_err e;
    size_t i;

    e = hearth_token_new(token_out);
    if (e)
        return hearth_errmsg_set(em, e, "no random numbers available");
    hearth_sha256_hex(token_out, strlen(token_out), hash);
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = db_err(st, em, "database transaction");
        goto out_unlock;
    }
    e = insert_group(st, name, interval_s, count, gc, hash, id_out, em);
    for (i = 0; i < n && !e; i++) {
        const char *first = t[i].profile;
        e = hearth__series_insert(st, t[i].series_name, t[i].url, "capture", &first, 1, NULL,
                                  t[i].cap, hash, series_out[i], em);
        if (!e)
            e = insert_target(st, id_out, i, t[i].name, series_out[i], em);
    }
    if (!e && hearth_db_commit(st->db) < 0)
        e = db_err(st, em, "database transaction");
    if (e)
        hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_group_get(struct hearth_store *st, const char *id, struct hearth_group *out,
                                 struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t cap = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such capture group");
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db,
                          "SELECT id, name, created, interval_s, count, gc, gctrace, "
                          "gctrace_start_ms IS NOT NULL, coalesce(gctrace_start_ms, 0) "
                          "FROM capture_groups WHERE id = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot read the capture group");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE
                ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such capture group")
                : db_err(st, em, "cannot read the capture group");
        goto out_unlock;
    }
    snprintf(out->id, sizeof(out->id), "%s", col(q, 0));
    out->name = strdup(col(q, 1));
    out->created = hearth_db_column_int64(q, 2);
    out->interval_s = hearth_db_column_int(q, 3);
    out->count = hearth_db_column_int(q, 4);
    out->gc = hearth_db_column_int(q, 5) != 0;
    snprintf(out->gctrace, sizeof(out->gctrace), "%s", col(q, 6));
    out->has_start = hearth_db_column_int(q, 7) != 0;
    out->gctrace_start_ms = hearth_db_column_int64(q, 8);
    hearth_db_finalize(q);
    q = NULL;
    if (!out->name) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_unlock;
    }
    if (hearth_db_prepare(st->db,
                          "SELECT name, series, track FROM capture_group_targets WHERE grp = ?1 "
                          "ORDER BY pos",
                          &q) < 0) {
        e = db_err(st, em, "cannot read the capture group");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        struct hearth_group_target *tg;
        if (out->ntargets == cap) {
            size_t nc = cap ? cap * 2 : 8;
            struct hearth_group_target *nt = realloc(out->targets, nc * sizeof(*nt));
            if (!nt) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out_unlock;
            }
            out->targets = nt;
            cap = nc;
        }
        tg = &out->targets[out->ntargets++];
        snprintf(tg->name, sizeof(tg->name), "%s", col(q, 0));
        snprintf(tg->series, sizeof(tg->series), "%s", col(q, 1));
        snprintf(tg->track, sizeof(tg->track), "%s", col(q, 2));
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot read the capture group");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (e)
        hearth_group_release(out);
    return e;
}

enum hearth_err hearth_group_list(struct hearth_store *st, int limit, struct hearth_buf *out,
                                  struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    struct hearth_jsonw w;
    int rc;

    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(
            st->db,
            "SELECT g.id, g.name, g.created, g.interval_s, g.count, "
            "(SELECT count(*) FROM capture_group_targets t WHERE t.grp = g.id), "
            "(SELECT count(*) FROM capture_group_targets t JOIN captures c ON "
            "c.series = t.series WHERE t.grp = g.id AND c.state = '" HEARTH_CAP_RUNNING
            "'), (SELECT count(*) FROM capture_group_targets t JOIN captures c ON "
            "c.series = t.series WHERE t.grp = g.id AND c.state = '" HEARTH_CAP_STOPPED
            "') FROM capture_groups g ORDER BY g.created DESC, g.id DESC LIMIT ?1",
            &q) < 0) {
        pthread_mutex_unlock(&st->lock);
        return db_err(st, em, "cannot read the capture groups");
    }
    hearth_db_bind_int64(q, 1, limit);
    hearth_jsonw_init(&w, out);
    hearth_jsonw_arr_open(&w);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "id");
        hearth_jsonw_cstr(&w, col(q, 0));
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_cstr(&w, col(q, 1));
        hearth_jsonw_key(&w, "created");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 2));
        hearth_jsonw_key(&w, "interval_s");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 3));
        hearth_jsonw_key(&w, "count");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 4));
        hearth_jsonw_key(&w, "targets");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 5));
        /* as the group's answer says it: running while any target runs, else stopped if
         * one was stopped, else done */
        hearth_jsonw_key(&w, "state");
        hearth_jsonw_cstr(&w, hearth_db_column_int64(q, 6) > 0   ? HEARTH_CAP_RUNNING
                              : hearth_db_column_int64(q, 7) > 0 ? HEARTH_CAP_STOPPED
                                                                 : HEARTH_CAP_DONE);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (rc != HEARTH_DB_DONE)
        return db_err(st, em, "cannot read the capture groups");
    return out->fail ? hearth_errmsg_set(em, out->fail, "list too large") : HEARTH_OK;
}

enum hearth_err hearth_group_of_series(struct hearth_store *st, const char *series,
                                       struct hearth_group_ref *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!hearth_id_valid(series, strlen(series)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "not in a capture group");
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(
            st->db,
            "SELECT g.id, g.name, t.name, t.track, g.gctrace FROM capture_group_targets t JOIN "
            "capture_groups g ON g.id = t.grp WHERE t.series = ?1 ORDER BY g.id "
            "LIMIT 1",
            &q) < 0) {
        e = db_err(st, em, "cannot read the series' capture group");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, series);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE
                ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "not in a capture group")
                : db_err(st, em, "cannot read the series' capture group");
        goto out_unlock;
    }
    snprintf(out->id, sizeof(out->id), "%s", col(q, 0));
    snprintf(out->name, sizeof(out->name), "%s", col(q, 1));
    snprintf(out->target, sizeof(out->target), "%s", col(q, 2));
    snprintf(out->track, sizeof(out->track), "%s", col(q, 3));
    snprintf(out->gctrace, sizeof(out->gctrace), "%s", col(q, 4));
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

bool hearth_group_exists(struct hearth_store *st, const char *id)
{
    struct hearth_db_stmt *q = NULL;
    bool found = false;

    if (!hearth_id_valid(id, strlen(id)))
        return false;
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, "SELECT 1 FROM capture_groups WHERE id = ?1", &q) == 0) {
        hearth_db_bind_text(q, 1, id);
        found = hearth_db_step(q) == HEARTH_DB_ROW;
    }
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return found;
}

enum hearth_err hearth_group_check_token(struct hearth_store *st, const char *id, const char *token,
                                         struct hearth_errmsg *em)
{
    char want[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *stored;
    int rc;

    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such capture group");
    hearth_sha256_hex(token ? token : "", token ? strlen(token) : 0, want);
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, "SELECT delete_hash FROM capture_groups WHERE id = ?1", &q) < 0) {
        e = db_err(st, em, "cannot read the capture group");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE
                ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such capture group")
                : db_err(st, em, "cannot read the capture group");
        goto out_unlock;
    }
    stored = hearth_db_column_text(q, 0);
    if (!token || !*token || !stored || !hearth_secret_eq(stored, want))
        e = hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                              "the delete token is missing or wrong for this capture group");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_group_set_gctrace(struct hearth_store *st, const char *id,
                                         const char *gctrace, int64_t start_ms,
                                         const char *const *tracks, size_t n,
                                         struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;
    size_t i;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = db_err(st, em, "database transaction");
        goto out_unlock;
    }
    if (*gctrace) {
        if (hearth_db_prepare(st->db, "SELECT 1 FROM gctraces WHERE id = ?1", &q) < 0) {
            e = db_err(st, em, "cannot update the capture group");
            goto out_rollback;
        }
        hearth_db_bind_text(q, 1, gctrace);
        if (hearth_db_step(q) != HEARTH_DB_ROW) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no such gctrace: %.40s", gctrace);
            goto out_rollback;
        }
        hearth_db_finalize(q);
        q = NULL;
    }
    if (hearth_db_prepare(st->db,
                          "UPDATE capture_groups SET gctrace = ?2, gctrace_start_ms = ?3 "
                          "WHERE id = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot update the capture group");
        goto out_rollback;
    }
    hearth_db_bind_text(q, 1, id);
    hearth_db_bind_text(q, 2, gctrace);
    if (start_ms >= 0)
        hearth_db_bind_int64(q, 3, start_ms);
    else
        hearth_db_bind_null(q, 3);
    if (hearth_db_step(q) != HEARTH_DB_DONE) {
        e = db_err(st, em, "cannot update the capture group");
        goto out_rollback;
    }
    if (hearth_db_changes(st->db) == 0) {
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such capture group");
        goto out_rollback;
    }
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_prepare(st->db,
                          "UPDATE capture_group_targets SET track = ?3 WHERE grp = ?1 AND pos = ?2",
                          &q) < 0) {
        e = db_err(st, em, "cannot update the capture group");
        goto out_rollback;
    }
    for (i = 0; i < n; i++) {
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, id);
        hearth_db_bind_int64(q, 2, (int64_t)i);
        hearth_db_bind_text(q, 3, *gctrace && tracks && tracks[i] ? tracks[i] : "");
        if (hearth_db_step(q) != HEARTH_DB_DONE) {
            e = db_err(st, em, "cannot update the capture group");
            goto out_rollback;
        }
    }
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_commit(st->db) < 0) {
        e = db_err(st, em, "database transaction");
        goto out_rollback;
    }
    goto out_unlock;
out_rollback:
    hearth_db_finalize(q);
    q = NULL;
    hearth_db_rollback(st->db);
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_group_delete_rows(struct hearth_store *st, const char *id,
                                         struct hearth_errmsg *em)
{
    static const char *const del[] = {"DELETE FROM capture_group_targets WHERE grp = ?1",
                                      "DELETE FROM capture_groups WHERE id = ?1"};
    enum hearth_err e;
    size_t i;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = db_err(st, em, "database transaction");
        goto out_unlock;
    }
    for (i = 0; i < sizeof(del) / sizeof(del[0]) && !e; i++) {
        struct hearth_db_stmt *q = NULL;
        if (hearth_db_prepare(st->db, del[i], &q) < 0) {
            e = db_err(st, em, "cannot delete the capture group");
            break;
        }
        hearth_db_bind_text(q, 1, id);
        if (hearth_db_step(q) != HEARTH_DB_DONE)
            e = db_err(st, em, "cannot delete the capture group");
        hearth_db_finalize(q);
    }
    if (!e && hearth_db_commit(st->db) < 0)
        e = db_err(st, em, "database transaction");
    if (e)
        hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}
