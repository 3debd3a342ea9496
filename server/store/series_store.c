/* series_store.c - series and capture rows in the metadata database; see include/hearth/series.h.
 */
#define _GNU_SOURCE
#include "hearth/series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "store_int.h"

#include "hearth/banned.h"

#define db_err hearth__store_db_err

/* A series' snapshots with the time each profile says it was taken (or 0). */
#define ITEMS_SQL(time_nanos)                                                                      \
    "SELECT p.id, p.blob, p.name, p.source_url, p.info, p.created, p.size, " time_nanos            \
    " FROM series_items i JOIN profiles p ON p.id = i.profile WHERE i.series = ?1 ORDER BY i.pos"
#define SQ_TIME_NANOS "coalesce(json_extract(p.info, '$.time_nanos'), 0)"
#define PG_TIME_NANOS "coalesce((p.info::jsonb ->> 'time_nanos')::numeric, 0)::bigint"

static char *dup_col(struct hearth_db_stmt *q, int i)
{
    const char *s = hearth_db_column_text(q, i);
    return strdup(s ? s : "");
}

void hearth_capture_row_release(struct hearth_capture_row *r)
{
    free(r->url);
    free(r->last_error);
    r->url = r->last_error = NULL;
}

void hearth_series_release(struct hearth_series *s)
{
    size_t i;

    free(s->name);
    free(s->source_url);
    free(s->ordering);
    for (i = 0; i < s->nitems; i++)
        hearth_meta_release(&s->items[i]);
    free(s->items);
    free(s->time_ns);
    free(s->at_ms);
    free(s->thinned);
    hearth_capture_row_release(&s->cap);
    memset(s, 0, sizeof(*s));
}

void hearth_capture_row_json(struct hearth_jsonw *w, const struct hearth_capture_row *r)
{
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "state");
    hearth_jsonw_cstr(w, r->state);
    hearth_jsonw_key(w, "url");
    hearth_jsonw_cstr(w, r->url ? r->url : "");
    hearth_jsonw_key(w, "interval_s");
    hearth_jsonw_int(w, r->interval_s);
    hearth_jsonw_key(w, "count");
    hearth_jsonw_int(w, r->count);
    hearth_jsonw_key(w, "gc");
    hearth_jsonw_bool(w, r->gc);
    hearth_jsonw_key(w, "taken");
    hearth_jsonw_int(w, r->taken);
    hearth_jsonw_key(w, "failed");
    hearth_jsonw_int(w, r->failed);
    hearth_jsonw_key(w, "restarts");
    hearth_jsonw_int(w, r->restarts);
    hearth_jsonw_key(w, "last_error");
    hearth_jsonw_cstr(w, r->last_error ? r->last_error : "");
    hearth_jsonw_key(w, "next_at");
    if (r->next_at > 0 && !strcmp(r->state, HEARTH_CAP_RUNNING))
        hearth_jsonw_int(w, r->next_at);
    else
        hearth_jsonw_null(w);
    hearth_jsonw_key(w, "started");
    hearth_jsonw_int(w, r->started);
    hearth_jsonw_key(w, "updated");
    hearth_jsonw_int(w, r->updated);
    hearth_jsonw_obj_close(w);
}

/* Columns of the captures table in this order, from column `at` of q. */
#define CAPTURE_COLS                                                                               \
    "c.url, c.interval_s, c.count, c.gc, c.state, c.taken, c.failed, c.restarts, "                 \
    "c.last_error, c.next_at, c.started, c.updated"

static bool capture_from_row(struct hearth_db_stmt *q, int at, struct hearth_capture_row *r)
{
    const char *state = hearth_db_column_text(q, at + 4);

    memset(r, 0, sizeof(*r));
    r->url = dup_col(q, at);
    r->interval_s = hearth_db_column_int(q, at + 1);
    r->count = hearth_db_column_int(q, at + 2);
    r->gc = hearth_db_column_int(q, at + 3) != 0;
    snprintf(r->state, sizeof(r->state), "%s", state ? state : "");
    r->taken = hearth_db_column_int(q, at + 5);
    r->failed = hearth_db_column_int(q, at + 6);
    r->restarts = hearth_db_column_int(q, at + 7);
    r->last_error = dup_col(q, at + 8);
    r->next_at = hearth_db_column_int64(q, at + 9);
    r->started = hearth_db_column_int64(q, at + 10);
    r->updated = hearth_db_column_int64(q, at + 11);
    return r->url && r->last_error;
}

static const char *now_ms_sql(struct hearth_store *st);

/* Insert the capture row (insert) or store its progress. */
static enum hearth_err put_capture(struct hearth_store *st, const char *series,
                                   const struct hearth_capture_row *c, bool insert,
                                   const char *owner, struct hearth_errmsg *em)
{
    /* a state other than running (stopped from another server) is kept */
    static const char *const upd =
        "UPDATE captures SET state = CASE WHEN state = 'running' THEN ?2 ELSE state END, "
        "taken = ?3, failed = ?4, restarts = ?5, last_error = ?6, "
        "next_at = CASE WHEN state = 'running' THEN CAST(?7 AS BIGINT) ELSE 0 END, updated = ?8 "
        "WHERE series = ?1 AND (?9 = '' OR lease_owner = ?9)";
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    char ins[512];

    snprintf(
        ins, sizeof(ins),
        "INSERT INTO captures (series, state, taken, failed, restarts, last_error, next_at, "
        "updated, url, interval_s, count, gc, started, lease_owner, lease_until) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, %s + ?15 * 1000)",
        now_ms_sql(st));
    if (hearth_db_prepare(st->db, insert ? ins : upd, &q) < 0)
        return db_err(st, em, "cannot store the capture");
    hearth_db_bind_text(q, 1, series);
    hearth_db_bind_text(q, 2, c->state);
    hearth_db_bind_int64(q, 3, c->taken);
    hearth_db_bind_int64(q, 4, c->failed);
    hearth_db_bind_int64(q, 5, c->restarts);
    hearth_db_bind_text(q, 6, c->last_error ? c->last_error : "");
    hearth_db_bind_int64(q, 7, c->next_at);
    hearth_db_bind_int64(q, 8, c->updated);
    if (!insert)
        hearth_db_bind_text(q, 9, owner ? owner : "");
    if (insert) {
        hearth_db_bind_text(q, 9, c->url ? c->url : "");
        hearth_db_bind_int64(q, 10, c->interval_s);
        hearth_db_bind_int64(q, 11, c->count);
        hearth_db_bind_int64(q, 12, c->gc);
        hearth_db_bind_int64(q, 13, c->started);
        hearth_db_bind_text(q, 14, c->lease_owner ? c->lease_owner : "");
        hearth_db_bind_int64(q, 15, c->lease_s);
    }
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot store the capture");
    else if (!insert && hearth_db_changes(st->db) != 1)
        e = hearth_errmsg_set(em, HEARTH_E_CONFLICT,
                              "this capture is run by another server now (its lease expired)");
    hearth_db_finalize(q);
    return e;
}

/* Run one statement binding two texts (?1, ?2); failures say `what`. */
static enum hearth_err run2(struct hearth_store *st, const char *sql, const char *a, const char *b,
                            const char *what, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;

    if (hearth_db_prepare(st->db, sql, &q) < 0)
        return db_err(st, em, what);
    hearth_db_bind_text(q, 1, a);
    hearth_db_bind_text(q, 2, b);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, what);
    hearth_db_finalize(q);
    return e;
}

/* A capture's step k (k >= 2; the first is stored with the series): a second writer of the same
 * step is refused by the unique index series_items_step. */
static enum hearth_err append_step(struct hearth_store *st, const char *series, const char *profile,
                                   int step, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;

    if (hearth_db_prepare(st->db,
                          "INSERT INTO series_items (series, pos, profile, step) VALUES (?1, "
                          "(SELECT coalesce(max(pos) + 1, 0) FROM series_items WHERE series = ?1), "
                          "?2, ?3)",
                          &q) < 0)
        return db_err(st, em, "cannot add to the series");
    hearth_db_bind_text(q, 1, series);
    hearth_db_bind_text(q, 2, profile);
    hearth_db_bind_int64(q, 3, step);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot add to the series");
    hearth_db_finalize(q);
    return e;
}

static enum hearth_err append_item(struct hearth_store *st, const char *series, const char *profile,
                                   struct hearth_errmsg *em)
{
    return run2(st,
                "INSERT INTO series_items (series, pos, profile) VALUES (?1, "
                "(SELECT coalesce(max(pos) + 1, 0) FROM series_items WHERE series = ?1), ?2)",
                series, profile, "cannot add to the series", em);
}

/* A capture's snapshot: its delete token becomes the series' own (the random one was never shown).
 */
static enum hearth_err adopt_profile(struct hearth_store *st, const char *series,
                                     const char *profile, struct hearth_errmsg *em)
{
    return run2(st,
                "UPDATE profiles SET delete_hash = (SELECT delete_hash FROM series WHERE id = ?1) "
                "WHERE id = ?2",
                series, profile, "cannot add to the series", em);
}

/* Whether table has a row with this id (table is one of ours, never input). */
static bool row_exists(struct hearth_store *st, const char *table, const char *id)
{
    struct hearth_db_stmt *q = NULL;
    char sql[64];
    bool found = false;

    if (!hearth_id_valid(id, strlen(id)))
        return false;
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = ?1", table);
    if (hearth_db_prepare(st->db, sql, &q) == 0) {
        hearth_db_bind_text(q, 1, id);
        found = hearth_db_step(q) == HEARTH_DB_ROW;
    }
    hearth_db_finalize(q);
    return found;
}

static enum hearth_err begin(struct hearth_store *st, struct hearth_errmsg *em)
{
    if (hearth_db_begin(st->db) < 0)
        return db_err(st, em, "database transaction");
    return HEARTH_OK;
}

static enum hearth_err commit(struct hearth_store *st, struct hearth_errmsg *em)
{
    if (hearth_db_commit(st->db) < 0)
        return db_err(st, em, "database transaction");
    return HEARTH_OK;
}

enum hearth_err hearth__series_insert(struct hearth_store *st, const char *name,
                                      const char *source_url, const char *ordering,
                                      const char *const *profile_ids, size_t n, const char *gctrace,
                                      const struct hearth_capture_row *cap, const char *hash,
                                      char id_out[HEARTH_ID_LEN + 1], struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t i;
    int tries, rc;

    for (i = 0; i < n; i++)
        if (!row_exists(st, "profiles", profile_ids[i])) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no such profile: %.40s",
                                  profile_ids[i]);
            goto out;
        }
    if (gctrace && *gctrace && !row_exists(st, "gctraces", gctrace)) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no such gctrace: %.40s", gctrace);
        goto out;
    }
    if (hearth_db_prepare(
            st->db,
            "INSERT INTO series (id, name, source_url, created, delete_hash, "
            "ordering, gctrace) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            &q) < 0) {
        e = db_err(st, em, "cannot store the series");
        goto out;
    }
    for (tries = 0; tries < 3; tries++) {
        e = hearth_id_new(id_out);
        if (e) {
            hearth_errmsg_set(em, e, "no random numbers available");
            goto out;
        }
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, id_out);
        hearth_db_bind_text(q, 2, name);
        hearth_db_bind_text(q, 3, source_url ? source_url : "");
        hearth_db_bind_int64(q, 4, hearth_now_ms());
        hearth_db_bind_text(q, 5, hash);
        hearth_db_bind_text(q, 6, ordering);
        hearth_db_bind_text(q, 7, gctrace ? gctrace : "");
        rc = hearth_db_step(q);
        if (rc == HEARTH_DB_DONE && hearth_db_changes(st->db) == 1)
            break;
        if (rc != HEARTH_DB_DONE) {
            e = db_err(st, em, "cannot store the series");
            goto out;
        }
    }
    if (tries == 3) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "could not allocate an id");
        goto out;
    }
    for (i = 0; i < n; i++) {
        e = append_item(st, id_out, profile_ids[i], em);
        if (e)
            goto out;
        if (cap) {
            e = adopt_profile(st, id_out, profile_ids[i], em);
            if (e)
                goto out;
        }
    }
    if (cap)
        e = put_capture(st, id_out, cap, true, NULL, em);
out:
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_series_create(struct hearth_store *st, const char *name,
                                     const char *source_url, const char *ordering,
                                     const char *const *profile_ids, size_t n, const char *gctrace,
                                     const struct hearth_capture_row *cap,
                                     char id_out[HEARTH_ID_LEN + 1],
                                     char token_out[HEARTH_TOKEN_LEN + 1], struct hearth_errmsg *em)
{
    char hash[HEARTH_SHA256_HEX + 1];
    enum hearth_err e;

    e = hearth_token_new(token_out);
    if (e)
        return hearth_errmsg_set(em, e, "no random numbers available");
    hearth_sha256_hex(token_out, strlen(token_out), hash);
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    e = begin(st, em);
    if (e)
        goto out_unlock;
    e = hearth__series_insert(st, name, source_url, ordering, profile_ids, n, gctrace, cap, hash,
                              id_out, em);
    if (!e)
        e = commit(st, em);
    if (e)
        hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_series_get(struct hearth_store *st, const char *id,
                                  struct hearth_series *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    size_t cap = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series");
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db,
                          "SELECT s.id, s.name, s.source_url, s.ordering, s.created, s.gctrace, "
                          "s.gctrace_start_ms, c.series IS NOT NULL, " CAPTURE_COLS
                          " FROM series s LEFT JOIN captures c ON c.series = s.id "
                          "WHERE s.id = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot read the series");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = rc == HEARTH_DB_DONE ? hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series")
                                 : db_err(st, em, "cannot read the series");
        goto out_unlock;
    }
    snprintf(out->id, sizeof(out->id), "%s", hearth_db_column_text(q, 0));
    out->name = dup_col(q, 1);
    out->source_url = dup_col(q, 2);
    out->ordering = dup_col(q, 3);
    out->created = hearth_db_column_int64(q, 4);
    snprintf(out->gctrace, sizeof(out->gctrace), "%s",
             hearth_db_column_text(q, 5) ? hearth_db_column_text(q, 5) : "");
    out->has_start = !hearth_db_column_null(q, 6);
    out->gctrace_start_ms = hearth_db_column_int64(q, 6);
    out->has_capture = hearth_db_column_int(q, 7) != 0;
    if (out->has_capture && !capture_from_row(q, 8, &out->cap))
        goto out_nomem;
    if (!out->name || !out->source_url || !out->ordering)
        goto out_nomem;
    hearth_db_finalize(q);
    q = NULL;
    /* the profile's own time (JSON access is the one dialect difference here) */
    if (hearth_db_prepare(st->db,
                          hearth_db_kind(st->db) == HEARTH_DB_POSTGRES ? ITEMS_SQL(PG_TIME_NANOS)
                                                                       : ITEMS_SQL(SQ_TIME_NANOS),
                          &q) < 0) {
        e = db_err(st, em, "cannot read the series");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        struct hearth_meta *m;
        int64_t ns;
        if (out->nitems == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct hearth_meta *ni = realloc(out->items, nc * sizeof(*ni));
            int64_t *nt, *na;
            if (ni)
                out->items = ni;
            nt = realloc(out->time_ns, nc * sizeof(*nt));
            if (nt)
                out->time_ns = nt;
            na = realloc(out->at_ms, nc * sizeof(*na));
            if (na)
                out->at_ms = na;
            if (!ni || !nt || !na)
                goto out_nomem;
            cap = nc;
        }
        ns = hearth_db_column_int64(q, 7);
        out->time_ns[out->nitems] = ns > 0 ? ns : 0;
        out->at_ms[out->nitems] = ns > 0 ? ns / 1000000 : hearth_db_column_int64(q, 5);
        m = &out->items[out->nitems++];
        memset(m, 0, sizeof(*m));
        snprintf(m->id, sizeof(m->id), "%s", hearth_db_column_text(q, 0));
        snprintf(m->blob, sizeof(m->blob), "%s", hearth_db_column_text(q, 1));
        m->name = dup_col(q, 2);
        m->source_url = dup_col(q, 3);
        m->info_json = dup_col(q, 4);
        m->created = hearth_db_column_int64(q, 5);
        m->size = hearth_db_column_int64(q, 6);
        if (!m->name || !m->source_url || !m->info_json)
            goto out_nomem;
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot read the series");
    if (!e) {
        hearth_db_finalize(q);
        q = NULL;
        e = hearth__thin_read(st, out, em);
    }
    goto out_unlock;
out_nomem:
    e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (e)
        hearth_series_release(out);
    return e;
}

enum hearth_err hearth_series_list(struct hearth_store *st, int limit, bool captures_only,
                                   struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    struct hearth_jsonw w;
    int rc;

    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(
            st->db,
            "SELECT s.id, s.name, s.source_url, s.created, "
            "(SELECT count(*) FROM series_items i JOIN profiles p ON p.id = "
            "i.profile WHERE i.series = s.id), s.gctrace, c.series IS NOT NULL, " CAPTURE_COLS
            " FROM series s LEFT JOIN captures c ON c.series = s.id "
            "WHERE ?2 = 0 OR c.series IS NOT NULL "
            "ORDER BY s.created DESC, s.id DESC LIMIT ?1",
            &q) < 0) {
        pthread_mutex_unlock(&st->lock);
        return db_err(st, em, "cannot read the series list");
    }
    hearth_db_bind_int64(q, 1, limit);
    hearth_db_bind_int64(q, 2, captures_only);
    hearth_jsonw_init(&w, out);
    hearth_jsonw_arr_open(&w);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        const char *gct = hearth_db_column_text(q, 5);
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "id");
        hearth_jsonw_cstr(&w, hearth_db_column_text(q, 0));
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_cstr(&w, hearth_db_column_text(q, 1));
        hearth_jsonw_key(&w, "source_url");
        hearth_jsonw_cstr(&w, hearth_db_column_text(q, 2));
        hearth_jsonw_key(&w, "created");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 3));
        hearth_jsonw_key(&w, "count");
        hearth_jsonw_int(&w, hearth_db_column_int64(q, 4));
        hearth_jsonw_key(&w, "gctrace");
        if (gct && *gct)
            hearth_jsonw_cstr(&w, gct);
        else
            hearth_jsonw_null(&w);
        hearth_jsonw_key(&w, "capture");
        if (hearth_db_column_int(q, 6)) {
            struct hearth_capture_row r;
            if (capture_from_row(q, 7, &r))
                hearth_capture_row_json(&w, &r);
            else
                hearth_jsonw_null(&w);
            hearth_capture_row_release(&r);
        } else {
            hearth_jsonw_null(&w);
        }
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (rc != HEARTH_DB_DONE)
        return db_err(st, em, "cannot read the series list");
    return out->fail ? hearth_errmsg_set(em, out->fail, "list too large") : HEARTH_OK;
}

enum hearth_err hearth_series_of_profile(struct hearth_store *st, const char *id,
                                         struct hearth_jsonw *w, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc;

    hearth_jsonw_arr_open(w);
    if (!hearth_id_valid(id, strlen(id)))
        goto out_close;
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(
            st->db,
            "SELECT s.id, s.name, (SELECT count(*) FROM series_items j JOIN profiles p ON p.id = "
            "j.profile WHERE j.series = s.id), s.delete_hash = (SELECT delete_hash FROM profiles "
            "WHERE id = ?1) FROM series s WHERE s.id IN (SELECT series FROM series_items WHERE "
            "profile = ?1) ORDER BY s.created DESC, s.id DESC LIMIT 20",
            &q) < 0) {
        e = db_err(st, em, "cannot read the profile's series");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "id");
        hearth_jsonw_cstr(w, hearth_db_column_text(q, 0));
        hearth_jsonw_key(w, "name");
        hearth_jsonw_cstr(w, hearth_db_column_text(q, 1));
        hearth_jsonw_key(w, "count");
        hearth_jsonw_int(w, hearth_db_column_int64(q, 2));
        hearth_jsonw_key(w, "shares_token");
        hearth_jsonw_bool(w, hearth_db_column_int(q, 3) != 0);
        hearth_jsonw_obj_close(w);
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot read the profile's series");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
out_close:
    hearth_jsonw_arr_close(w);
    return e;
}

bool hearth_series_exists(struct hearth_store *st, const char *id)
{
    bool found;

    pthread_mutex_lock(&st->lock);
    found = row_exists(st, "series", id);
    pthread_mutex_unlock(&st->lock);
    return found;
}

/* Caller holds the lock. */
static enum hearth_err check_token(struct hearth_store *st, const char *id, const char *token,
                                   struct hearth_errmsg *em)
{
    char want[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *stored;

    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series");
    hearth_sha256_hex(token ? token : "", token ? strlen(token) : 0, want);
    if (hearth_db_prepare(st->db, "SELECT delete_hash FROM series WHERE id = ?1", &q) < 0)
        return db_err(st, em, "cannot read the series");
    hearth_db_bind_text(q, 1, id);
    if (hearth_db_step(q) != HEARTH_DB_ROW) {
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series");
    } else {
        stored = hearth_db_column_text(q, 0);
        if (!token || !*token || !stored || !hearth_secret_eq(stored, want))
            e = hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                  "the delete token is missing or wrong for this series");
    }
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_series_check_token(struct hearth_store *st, const char *id,
                                          const char *token, struct hearth_errmsg *em)
{
    enum hearth_err e;

    pthread_mutex_lock(&st->lock);
    e = check_token(st, id, token, em);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_series_set_gctrace(struct hearth_store *st, const char *id,
                                          const char *gctrace, int64_t start_ms,
                                          struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (*gctrace && !row_exists(st, "gctraces", gctrace)) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "no such gctrace: %.40s", gctrace);
        goto out_unlock;
    }
    if (hearth_db_prepare(st->db,
                          "UPDATE series SET gctrace = ?2, gctrace_start_ms = ?3 WHERE id = ?1",
                          &q) < 0) {
        e = db_err(st, em, "cannot update the series");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, id);
    hearth_db_bind_text(q, 2, gctrace);
    if (start_ms >= 0)
        hearth_db_bind_int64(q, 3, start_ms);
    else
        hearth_db_bind_null(q, 3);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot update the series");
    else if (hearth_db_changes(st->db) == 0)
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such series");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

/* One delete attempt in a transaction; the blobs of deleted profiles go to blobs/nblobs. */
static enum hearth_err delete_series_rows(struct hearth_store *st, const char *id,
                                          bool with_profiles, char ***blobs, size_t *nblobs,
                                          struct hearth_errmsg *em)
{
    static const char *const del[] = {
        "DELETE FROM profiles WHERE id IN (SELECT profile FROM series_items WHERE series = ?1) "
        "AND delete_hash = (SELECT delete_hash FROM series WHERE id = ?1) RETURNING blob",
        /* the memory statistics of the profiles just deleted (memstats_store.h) */
        "DELETE FROM memstats WHERE profile IN (SELECT profile FROM series_items WHERE series = "
        "?1) AND profile NOT IN (SELECT id FROM profiles)",
        "DELETE FROM series_items WHERE series = ?1", "DELETE FROM captures WHERE series = ?1",
        "DELETE FROM series_thin WHERE series = ?1", "DELETE FROM series_thinned WHERE series = ?1",
        "DELETE FROM series WHERE id = ?1"};
    enum hearth_err e;
    size_t i, cap = 0;

    e = begin(st, em);
    if (e)
        return e;
    for (i = with_profiles ? 0 : 1; i < sizeof(del) / sizeof(del[0]); i++) {
        struct hearth_db_stmt *q = NULL;
        int rc = hearth_db_prepare(st->db, del[i], &q);
        if (rc == 0) {
            hearth_db_bind_text(q, 1, id);
            rc = hearth_db_step(q);
        }
        for (; rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
            const char *b = hearth_db_column_text(q, 0);
            char *copy = b ? strdup(b) : NULL;
            if (*nblobs == cap) {
                size_t nc = cap ? cap * 2 : 16;
                char **nb = realloc(*blobs, nc * sizeof(*nb));
                if (!nb) {
                    free(copy);
                    continue; /* the blob stays until the next start's sweep */
                }
                *blobs = nb;
                cap = nc;
            }
            if (copy)
                (*blobs)[(*nblobs)++] = copy;
        }
        if (rc != HEARTH_DB_DONE)
            e = db_err(st, em, "cannot delete the series");
        hearth_db_finalize(q);
        if (e) {
            hearth_db_rollback(st->db);
            return e;
        }
    }
    e = commit(st, em);
    if (e)
        hearth_db_rollback(st->db);
    return e;
}

enum hearth_err hearth_series_delete(struct hearth_store *st, const char *id, const char *token,
                                     bool with_profiles, int *profiles_deleted,
                                     struct hearth_errmsg *em)
{
    enum hearth_err e;
    char **blobs = NULL;
    size_t nblobs = 0, i;

    if (profiles_deleted)
        *profiles_deleted = 0;
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    e = check_token(st, id, token, em);
    if (e)
        goto out_unlock;
    e = delete_series_rows(st, id, with_profiles, &blobs, &nblobs, em);
    if (e == HEARTH_E_NO_SPACE && hearth__store_release_reserve(st)) {
        for (i = 0; i < nblobs; i++)
            free(blobs[i]);
        nblobs = 0;
        e = delete_series_rows(st, id, with_profiles, &blobs, &nblobs, em);
    }
    if (e)
        goto out_unlock;
    if (with_profiles)
        hearth__store_count_forget(st);
    for (i = 0; i < nblobs; i++)
        hearth__store_unlink_unused(st, blobs[i]);
    if (profiles_deleted)
        *profiles_deleted = (int)nblobs;
out_unlock:
    for (i = 0; i < nblobs; i++)
        free(blobs[i]);
    free(blobs);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_capture_record(struct hearth_store *st, const char *series,
                                      const char *profile_id, int step, const char *owner,
                                      const struct hearth_capture_row *cap,
                                      struct hearth_errmsg *em)
{
    enum hearth_err e;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    e = begin(st, em);
    if (e)
        goto out_unlock;
    /* the lease first: a server that lost it adds nothing */
    e = put_capture(st, series, cap, false, owner, em);
    if (e)
        goto out_rollback;
    if (profile_id) {
        e = step > 0 ? append_step(st, series, profile_id, step, em)
                     : append_item(st, series, profile_id, em);
        if (e)
            goto out_rollback;
        e = adopt_profile(st, series, profile_id, em);
        if (e)
            goto out_rollback;
    }
    if (e)
        goto out_rollback;
    e = commit(st, em);
    if (!e)
        goto out_unlock;
out_rollback:
    hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth__store_list_ids(struct hearth_store *st, const char *sql, const char *arg,
                                       char (**ids)[HEARTH_ID_LEN + 1], size_t *n, const char *what,
                                       struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    char(*out)[HEARTH_ID_LEN + 1] = NULL;
    size_t cap = 0;
    enum hearth_err e = HEARTH_OK;
    int rc;

    *ids = NULL;
    *n = 0;
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, sql, &q) < 0) {
        e = db_err(st, em, what);
        goto out_unlock;
    }
    if (arg)
        hearth_db_bind_text(q, 1, arg);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            void *no = realloc(out, nc * sizeof(*out));
            if (!no) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out_unlock;
            }
            out = no;
            cap = nc;
        }
        snprintf(out[(*n)++], HEARTH_ID_LEN + 1, "%s", hearth_db_column_text(q, 0));
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, what);
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    if (e) {
        free(out);
        *n = 0;
        return e;
    }
    *ids = out;
    return HEARTH_OK;
}

enum hearth_err hearth_capture_running(struct hearth_store *st, char (**ids)[HEARTH_ID_LEN + 1],
                                       size_t *n, struct hearth_errmsg *em)
{
    return hearth__store_list_ids(st, "SELECT series FROM captures WHERE state = ?1",
                                  HEARTH_CAP_RUNNING, ids, n, "cannot read the captures", em);
}

enum hearth_err hearth_series_counts(struct hearth_store *st, int64_t *series,
                                     int64_t captures[HEARTH_CAP_NSTATES], struct hearth_errmsg *em)
{
    static const char *const states[HEARTH_CAP_NSTATES] = {
        HEARTH_CAP_RUNNING, HEARTH_CAP_DONE, HEARTH_CAP_STOPPED, HEARTH_CAP_INTERRUPTED,
        HEARTH_CAP_FAILED};
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int rc, i;

    *series = 0;
    for (i = 0; i < HEARTH_CAP_NSTATES; i++)
        captures[i] = 0;
    pthread_mutex_lock(&st->lock);
    rc = hearth_db_prepare(st->db, "SELECT count(*) FROM series", &q);
    if (rc == 0)
        rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW) {
        e = db_err(st, em, "cannot count the series");
        goto out_unlock;
    }
    *series = hearth_db_column_int64(q, 0);
    hearth_db_finalize(q);
    q = NULL;
    rc = hearth_db_prepare(st->db, "SELECT state, count(*) FROM captures GROUP BY state", &q);
    if (rc == 0)
        rc = hearth_db_step(q);
    for (; rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        const char *state = hearth_db_column_text(q, 0);
        for (i = 0; state && i < HEARTH_CAP_NSTATES; i++)
            if (!strcmp(state, states[i]))
                captures[i] = hearth_db_column_int64(q, 1);
    }
    if (rc != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot count the captures");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

/* The database's clock in Unix ms: lease expiry never depends on a server's own clock. */
static const char *now_ms_sql(struct hearth_store *st)
{
    return hearth_db_kind(st->db) == HEARTH_DB_POSTGRES
               ? "(extract(epoch from now()) * 1000)::bigint"
               : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

bool hearth_capture_shared(struct hearth_store *st)
{
    return hearth_db_kind(st->db) == HEARTH_DB_POSTGRES;
}

enum hearth_err hearth_capture_claim(struct hearth_store *st, const char *owner, int lease_s,
                                     bool all, int limit, char (**ids)[HEARTH_ID_LEN + 1],
                                     size_t *n, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    char(*out)[HEARTH_ID_LEN + 1] = NULL;
    char sql[512];
    bool pg = hearth_db_kind(st->db) == HEARTH_DB_POSTGRES;
    enum hearth_err e = HEARTH_OK;
    size_t i;
    int rc;

    *ids = NULL;
    *n = 0;
    if (limit <= 0)
        return HEARTH_OK;
    out = calloc((size_t)limit, sizeof(*out));
    if (!out)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    pthread_mutex_lock(&st->lock);
    e = begin(st, em);
    if (e)
        goto out_unlock;
    /* another server's row being claimed is skipped, not waited for */
    snprintf(sql, sizeof(sql),
             "SELECT series FROM captures WHERE state = 'running'%s%s%s ORDER BY next_at, series "
             "LIMIT ?1%s",
             all ? "" : " AND (lease_owner = ?2 OR lease_until < ", all ? "" : now_ms_sql(st),
             all ? "" : ")", pg ? " FOR UPDATE SKIP LOCKED" : "");
    if (hearth_db_prepare(st->db, sql, &q) < 0) {
        e = db_err(st, em, "cannot claim the captures");
        goto out_rollback;
    }
    hearth_db_bind_int64(q, 1, limit);
    if (!all)
        hearth_db_bind_text(q, 2, owner);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW && *n < (size_t)limit; rc = hearth_db_step(q))
        snprintf(out[(*n)++], HEARTH_ID_LEN + 1, "%s", hearth_db_column_text(q, 0));
    if (rc != HEARTH_DB_DONE && rc != HEARTH_DB_ROW) {
        e = db_err(st, em, "cannot claim the captures");
        goto out_rollback;
    }
    hearth_db_finalize(q);
    q = NULL;
    snprintf(sql, sizeof(sql),
             "UPDATE captures SET lease_owner = ?1, lease_until = %s + ?2 * 1000 "
             "WHERE series = ?3",
             now_ms_sql(st));
    for (i = 0; i < *n; i++) {
        if (hearth_db_prepare(st->db, sql, &q) < 0) {
            e = db_err(st, em, "cannot claim the captures");
            goto out_rollback;
        }
        hearth_db_bind_text(q, 1, owner);
        hearth_db_bind_int64(q, 2, lease_s);
        hearth_db_bind_text(q, 3, out[i]);
        if (hearth_db_step(q) != HEARTH_DB_DONE) {
            e = db_err(st, em, "cannot claim the captures");
            goto out_rollback;
        }
        hearth_db_finalize(q);
        q = NULL;
    }
    e = commit(st, em);
    if (!e)
        goto out_unlock;
out_rollback:
    hearth_db_finalize(q);
    q = NULL;
    hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    if (e) {
        free(out);
        *n = 0;
        return e;
    }
    *ids = out;
    return HEARTH_OK;
}

enum hearth_err hearth_capture_renew(struct hearth_store *st, const char *series, const char *owner,
                                     int lease_s, bool *mine, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    char sql[256];

    *mine = true; /* a database that does not answer takes nothing away */
    snprintf(sql, sizeof(sql),
             "UPDATE captures SET lease_owner = ?2, lease_until = %s + ?3 * 1000 "
             "WHERE series = ?1 AND lease_owner IN (?2, '') AND state = 'running'",
             now_ms_sql(st));
    pthread_mutex_lock(&st->lock);
    if (hearth_db_prepare(st->db, sql, &q) < 0) {
        e = db_err(st, em, "cannot renew the capture's lease");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, series);
    hearth_db_bind_text(q, 2, owner);
    hearth_db_bind_int64(q, 3, lease_s);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot renew the capture's lease");
    else
        *mine = hearth_db_changes(st->db) == 1;
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_capture_stop(struct hearth_store *st, const char *series, int64_t now_ms,
                                    struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;

    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_prepare(st->db,
                          "UPDATE captures SET state = 'stopped', next_at = 0, updated = ?2 "
                          "WHERE series = ?1 AND state = 'running'",
                          &q) < 0) {
        e = db_err(st, em, "cannot stop the capture");
        goto out_unlock;
    }
    hearth_db_bind_text(q, 1, series);
    hearth_db_bind_int64(q, 2, now_ms);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        e = db_err(st, em, "cannot stop the capture");
    else if (hearth_db_changes(st->db) != 1)
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "this capture is not running");
out_unlock:
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_capture_release(struct hearth_store *st, const char *series,
                                       const char *owner, struct hearth_errmsg *em)
{
    enum hearth_err e;

    pthread_mutex_lock(&st->lock);
    e = run2(st,
             "UPDATE captures SET lease_owner = '', lease_until = 0 "
             "WHERE series = ?1 AND lease_owner = ?2",
             series, owner, "cannot give the capture's lease back", em);
    pthread_mutex_unlock(&st->lock);
    return e;
}
