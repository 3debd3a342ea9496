/* saved_views.c - saved view rows in the metadata database; see include/hearth/saved_views.h. */
#define _GNU_SOURCE
#include "hearth/saved_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "hearth/store.h"
#include "store_int.h"

#include "hearth/banned.h"

#define db_err hearth__store_db_err

void hearth_saved_view_release(struct hearth_saved_view *v)
{
    free(v->name);
    free(v->params_json);
    v->name = v->params_json = NULL;
}

/* Rows of saved_views, or -1 when the database cannot say. Lock held. */
static int64_t count_views(struct hearth_store *st)
{
    struct hearth_db_stmt *q = NULL;
    int64_t n = -1;

    if (hearth_db_prepare(st->db, "SELECT count(*) FROM saved_views", &q) == 0 &&
        hearth_db_step(q) == HEARTH_DB_ROW)
        n = hearth_db_column_int64(q, 0);
    hearth_db_finalize(q);
    return n;
}

/* Is the name taken? 1 yes, 0 no, -1 the lookup failed. Lock held. */
static int name_taken(struct hearth_store *st, const char *name)
{
    struct hearth_db_stmt *q = NULL;
    int r = -1, rc;

    if (hearth_db_prepare(st->db, "SELECT 1 FROM saved_views WHERE name = ?1", &q) == 0) {
        hearth_db_bind_text(q, 1, name);
        rc = hearth_db_step(q);
        r = rc == HEARTH_DB_ROW ? 1 : rc == HEARTH_DB_DONE ? 0 : -1;
    }
    hearth_db_finalize(q);
    return r;
}

enum hearth_err hearth_saved_view_create(struct hearth_store *st, const char *name,
                                         const char *params_json, int max_views,
                                         char id_out[HEARTH_ID_LEN + 1],
                                         char token_out[HEARTH_TOKEN_LEN + 1], int64_t *created,
                                         struct hearth_errmsg *em)
{
    char hash[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;
    int64_t n;
    int tries, rc, taken;

    e = hearth_token_new(token_out);
    if (e)
        return hearth_errmsg_set(em, e, "no random numbers available");
    hearth_sha256_hex(token_out, strlen(token_out), hash);
    *created = hearth_now_ms();
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = db_err(st, em, "cannot save the view");
        goto out_unlock;
    }
    taken = name_taken(st, name);
    n = count_views(st);
    if (taken < 0 || n < 0) {
        e = db_err(st, em, "cannot save the view");
        goto out_rollback;
    }
    if (taken) {
        e = hearth_errmsg_set(em, HEARTH_E_CONFLICT,
                              "a saved view has this name already: choose another, or delete "
                              "that one first");
        goto out_rollback;
    }
    if (n >= max_views) {
        e = hearth_errmsg_set(em, HEARTH_E_CONFLICT,
                              "the server keeps at most %d saved views: delete one first",
                              max_views);
        goto out_rollback;
    }
    if (hearth_db_prepare(st->db,
                          "INSERT INTO saved_views (id, name, params, created, delete_hash) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                          &q) < 0) {
        e = db_err(st, em, "cannot save the view");
        goto out_rollback;
    }
    for (tries = 0; tries < 3; tries++) {
        e = hearth_id_new(id_out);
        if (e) {
            hearth_errmsg_set(em, e, "no random numbers available");
            goto out_rollback;
        }
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, id_out);
        hearth_db_bind_text(q, 2, name);
        hearth_db_bind_text(q, 3, params_json);
        hearth_db_bind_int64(q, 4, *created);
        hearth_db_bind_text(q, 5, hash);
        rc = hearth_db_step(q);
        if (rc == HEARTH_DB_DONE && hearth_db_changes(st->db) == 1)
            break;
        if (rc != HEARTH_DB_DONE) {
            e = db_err(st, em, "cannot save the view");
            goto out_rollback;
        }
    }
    if (tries == 3) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "could not allocate an id");
        goto out_rollback;
    }
    if (hearth_db_commit(st->db) == 0)
        goto out_unlock;
    e = db_err(st, em, "cannot save the view");
out_rollback:
    hearth_db_rollback(st->db);
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_saved_view_get(struct hearth_store *st, const char *id,
                                      struct hearth_saved_view *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *s;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such saved view");
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, "SELECT id, name, params, created FROM saved_views WHERE id = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot read the saved view");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such saved view")
                                 : db_err(st, em, "cannot read the saved view");
        goto out_unlock;
    }
    s = hearth_db_column_text(q, 0);
    snprintf(out->id, sizeof(out->id), "%s", s ? s : "");
    s = hearth_db_column_text(q, 1);
    out->name = strdup(s ? s : "");
    s = hearth_db_column_text(q, 2);
    out->params_json = strdup(s ? s : "{}");
    out->created = hearth_db_column_int64(q, 3);
    if (!out->name || !out->params_json) {
        hearth_saved_view_release(out);
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_saved_view_list(struct hearth_store *st, int limit, struct hearth_buf *out,
                                       struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    struct hearth_jsonw w;
    int rc;

    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db,
                          "SELECT id, name, params, created FROM saved_views "
                          "ORDER BY name, id LIMIT ?1",
                          &q) < 0) {
        pthread_mutex_unlock(&st->lock);
        return db_err(st, em, "cannot read the saved views");
    }
    hearth_db_bind_int64(q, 1, limit);
    hearth_jsonw_init(&w, out);
    hearth_jsonw_arr_open(&w);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        const char *params = hearth_db_column_text(q, 2);
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "id");
        hearth_jsonw_cstr(&w, hearth_db_column_text(q, 0));
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_cstr(&w, hearth_db_column_text(q, 1));
        hearth_jsonw_key(&w, "params");
        /* written by the service with jsonw after validation: a JSON object */
        hearth_buf_addstr(out, params && *params == '{' ? params : "{}");
        w.need_comma[w.depth] = true;
        hearth_jsonw_key(&w, "created");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 3));
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (rc != HEARTH_DB_DONE)
        return db_err(st, em, "cannot read the saved views");
    return out->fail ? hearth_errmsg_set(em, out->fail, "list too large") : HEARTH_OK;
}

enum hearth_err hearth_saved_view_delete(struct hearth_store *st, const char *id, const char *token,
                                         struct hearth_errmsg *em)
{
    char want[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *stored;
    int rc;

    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such saved view");
    hearth_sha256_hex(token ? token : "", token ? strlen(token) : 0, want);
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_prepare(st->db, "SELECT delete_hash FROM saved_views WHERE id = ?1", &q) < 0) {
        e = db_err(st, em, "cannot read the saved view");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such saved view")
                                 : db_err(st, em, "cannot read the saved view");
        goto out_unlock;
    }
    stored = hearth_db_column_text(q, 0);
    if (!token || !*token || !stored || !hearth_secret_eq(stored, want)) {
        e = hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                              "the delete token is missing or wrong for this saved view");
        goto out_unlock;
    }
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_prepare(st->db, "DELETE FROM saved_views WHERE id = ?1", &q) < 0) {
        e = db_err(st, em, "cannot delete the saved view");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot delete the saved view");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}
