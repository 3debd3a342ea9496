/*
 * store_copy.c - every row and blob of one store into another (see
 * hearth/store_copy.h): keyset pages read from the source, rows inserted
 * as they are with ON CONFLICT DO NOTHING, blobs put before their rows.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/blobs.h"
#include "hearth/db.h"
#include "hearth/ids.h"
#include "hearth/store_copy.h"
#include "store_int.h"

#include "hearth/banned.h"

/* Rows read per page (one target transaction per page). */
#define PAGE_ROWS 64
#define MAX_COLS  16
#define SQL_MAX   1024

/*
 * One table: its columns ('t' text, 'i' integer; a NULL stays NULL), how
 * many lead columns form the key (text, then an integer for series_items),
 * and which column names a blob (-1: none).
 */
struct table_spec {
    const char *name;
    const char *cols;
    const char *types;
    int nkey;
    int blob_col;
};

static const struct table_spec tables[HEARTH_COPY_TABLES] = {
    {"profiles", "id, blob, name, source_url, info, created, size, delete_hash", "tttttiit", 1, 1},
    {"gctraces", "id, blob, name, source_url, info, created, size, delete_hash", "tttttiit", 1, 1},
    {"series", "id, name, source_url, created, delete_hash, ordering, gctrace, gctrace_start_ms",
     "tttittti", 1, -1},
    {"series_items", "series, pos, profile, step", "titi", 2, -1},
    {"captures",
     "series, url, interval_s, count, gc, state, taken, failed, restarts, last_error, next_at, "
     "started, updated",
     "ttiiitiiitiii", 1, -1},
    {"saved_views", "id, name, params, created, delete_hash", "tttit", 1, -1},
    {"series_thin", "series, keep_s, every_s, since, peak, peak_total, scanned", "tiiitit", 1, -1},
    {"series_thinned",
     "series, pos, keep_s, every_s, removed, from_ms, to_ms, window_ms, last_run_ms", "tiiiiiiii",
     2, -1},
    {"capture_groups",
     "id, name, created, delete_hash, interval_s, count, gc, gctrace, gctrace_start_ms",
     "ttitiiiti", 1, -1},
    {"capture_group_targets", "grp, pos, name, series, track", "tittt", 2, -1},
    {"memstats", "profile, format, source, taken, error, stats, profile_inuse", "tttitti", 1, -1},
};

/* The name of the key's first column (the text before the first comma). */
static void key_name(const struct table_spec *t, char *out, size_t cap)
{
    size_t n = strcspn(t->cols, ",");

    if (n >= cap)
        n = cap - 1;
    memcpy(out, t->cols, n);
    out[n] = '\0';
}

static enum hearth_err db_fail(struct hearth_store *st, struct hearth_errmsg *em, const char *what,
                               const char *table)
{
    return hearth_errmsg_set(
        em, hearth_db_fail() == HEARTH_DB_F_UNAVAILABLE ? HEARTH_E_UNAVAILABLE : HEARTH_E_IO,
        "%s %s on %s: %s", what, table, hearth_db_name(st->db), hearth_db_errmsg());
}

/* Put the source's blob hash into the target unless it is there. */
static enum hearth_err copy_blob(struct hearth_store *src, struct hearth_store *dst,
                                 const char *hash, struct hearth_copy_report *r,
                                 struct hearth_errmsg *em)
{
    unsigned char *bytes = NULL;
    size_t n = 0;
    bool created = false;
    enum hearth_err e;

    e = hearth_blobs_get(src->blobs, hash, src->blob_max, &bytes, &n, em);
    if (e != HEARTH_OK)
        goto out;
    e = hearth_blobs_put(dst->blobs, hash, bytes, n, &created, em);
    if (e != HEARTH_OK)
        goto out;
    if (created)
        r->blobs_copied++;
    else
        r->blobs_present++;
out:
    free(bytes);
    return e;
}

/* Whether the target has the row of key (1), not (0), or cannot say (-1). */
static int target_has(struct hearth_store *dst, const struct table_spec *t, const char *key)
{
    char kname[64], sql[SQL_MAX];
    struct hearth_db_stmt *q = NULL;
    int rc, have = -1;

    key_name(t, kname, sizeof(kname));
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ?1", t->name, kname);
    if (hearth_db_prepare(dst->db, sql, &q) < 0)
        goto out;
    hearth_db_bind_text(q, 1, key);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW)
        have = 1;
    else if (rc == HEARTH_DB_DONE)
        have = 0;
out:
    hearth_db_finalize(q);
    return have;
}

/*
 * Copy one source row (the current one of sel) into the target with ins.
 * *inserted: whether the target did not have it.
 */
static enum hearth_err copy_row(struct hearth_store *src, struct hearth_store *dst,
                                const struct table_spec *t, struct hearth_db_stmt *sel,
                                struct hearth_db_stmt *ins, struct hearth_copy_report *r,
                                bool *inserted, struct hearth_errmsg *em)
{
    int i, ncols = (int)strlen(t->types);
    enum hearth_err e = HEARTH_OK;

    *inserted = false;
    if (t->blob_col >= 0) {
        const char *key = hearth_db_column_text(sel, 0);
        int have = target_has(dst, t, key ? key : "");

        if (have < 0)
            return db_fail(dst, em, "cannot look up a row of", t->name);
        if (have)
            return HEARTH_OK; /* copied by an earlier run, with its blob */
        e = copy_blob(src, dst, hearth_db_column_text(sel, t->blob_col), r, em);
        if (e != HEARTH_OK) {
            char why[sizeof(em->msg)];

            snprintf(why, sizeof(why), "%s", em->msg);
            return hearth_errmsg_set(em, e, "%s %s: its blob: %s", t->name, key ? key : "", why);
        }
    }
    hearth_db_reset(ins);
    for (i = 0; i < ncols; i++) {
        if (hearth_db_column_null(sel, i))
            hearth_db_bind_null(ins, i + 1);
        else if (t->types[i] == 'i')
            hearth_db_bind_int64(ins, i + 1, hearth_db_column_int64(sel, i));
        else
            hearth_db_bind_text(ins, i + 1, hearth_db_column_text(sel, i));
    }
    if (hearth_db_step(ins) != HEARTH_DB_DONE)
        return db_fail(dst, em, "cannot insert into", t->name);
    *inserted = hearth_db_changes(dst->db) > 0;
    return HEARTH_OK;
}

static enum hearth_err copy_table(struct hearth_store *src, struct hearth_store *dst,
                                  const struct table_spec *t, struct hearth_copy_table *tr,
                                  int64_t *budget, struct hearth_copy_report *r,
                                  struct hearth_errmsg *em)
{
    char kname[64], sql[SQL_MAX], params[MAX_COLS * 5];
    char *last_key = strdup("");
    int64_t last_pos = -1;
    struct hearth_db_stmt *sel = NULL, *ins = NULL;
    enum hearth_err e = HEARTH_OK;
    int i, ncols = (int)strlen(t->types), rows, rc;
    size_t o = 0;
    bool more = true, in_tx = false, inserted;

    if (!last_key)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory copying %s", t->name);
    key_name(t, kname, sizeof(kname));
    if (t->nkey == 2)
        snprintf(sql, sizeof(sql),
                 "SELECT %s FROM %s WHERE %s > ?1 OR (%s = ?1 AND pos > ?2) ORDER BY %s, pos "
                 "LIMIT %d",
                 t->cols, t->name, kname, kname, kname, PAGE_ROWS);
    else
        snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s > ?1 ORDER BY %s LIMIT %d", t->cols,
                 t->name, kname, kname, PAGE_ROWS);
    if (hearth_db_prepare(src->db, sql, &sel) < 0) {
        e = db_fail(src, em, "cannot read", t->name);
        goto out;
    }
    for (i = 0; i < ncols; i++)
        o += (size_t)snprintf(params + o, sizeof(params) - o, "%s?%d", i ? ", " : "", i + 1);
    snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING", t->name,
             t->cols, params);
    if (hearth_db_prepare(dst->db, sql, &ins) < 0) {
        e = db_fail(dst, em, "cannot write", t->name);
        goto out;
    }
    while (more) {
        hearth_db_reset(sel);
        hearth_db_bind_text(sel, 1, last_key);
        if (t->nkey == 2)
            hearth_db_bind_int64(sel, 2, last_pos);
        if (hearth_db_begin(dst->db) < 0) {
            e = db_fail(dst, em, "cannot write", t->name);
            goto out;
        }
        in_tx = true;
        rows = 0;
        for (;;) {
            const char *k;
            char *nk;

            rc = hearth_db_step(sel);
            if (rc != HEARTH_DB_ROW)
                break;
            k = hearth_db_column_text(sel, 0);
            nk = strdup(k ? k : "");
            if (!nk) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory copying %s", t->name);
                goto out;
            }
            free(last_key);
            last_key = nk;
            if (t->nkey == 2)
                last_pos = hearth_db_column_int64(sel, 1);
            rows++;
            e = copy_row(src, dst, t, sel, ins, r, &inserted, em);
            if (e != HEARTH_OK)
                goto out;
            if (inserted) {
                tr->copied++;
                if (*budget > 0 && --*budget == 0)
                    break;
            }
        }
        if (rc == HEARTH_DB_ERROR) {
            e = db_fail(src, em, "cannot read", t->name);
            goto out;
        }
        in_tx = false;
        if (hearth_db_commit(dst->db) < 0) {
            e = db_fail(dst, em, "cannot commit", t->name);
            goto out;
        }
        if (*budget == 0) {
            e = HEARTH_E_UNAVAILABLE; /* the caller words it */
            goto out;
        }
        more = rows == PAGE_ROWS;
    }
out:
    if (in_tx)
        hearth_db_rollback(dst->db);
    hearth_db_finalize(sel);
    hearth_db_finalize(ins);
    free(last_key);
    return e;
}

enum hearth_err hearth_store_copy(struct hearth_store *src, struct hearth_store *dst,
                                  int64_t stop_after, struct hearth_copy_report *r,
                                  struct hearth_errmsg *em)
{
    int64_t budget = stop_after > 0 ? stop_after : -1, total = 0;
    enum hearth_err e = HEARTH_OK;
    int i;

    memset(r, 0, sizeof(*r));
    for (i = 0; i < HEARTH_COPY_TABLES; i++)
        r->tables[i].name = tables[i].name;
    pthread_mutex_lock(&dst->lock);
    e = hearth__store_writable(dst, em);
    for (i = 0; i < HEARTH_COPY_TABLES && e == HEARTH_OK; i++)
        e = copy_table(src, dst, &tables[i], &r->tables[i], &budget, r, em);
    hearth__store_count_forget(dst);
    pthread_mutex_unlock(&dst->lock);
    for (i = 0; i < HEARTH_COPY_TABLES; i++)
        total += r->tables[i].copied;
    if (e == HEARTH_E_UNAVAILABLE && budget == 0)
        e = hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE, "stopped after %" PRId64 " rows", total);
    return e;
}

static int64_t count_rows(struct hearth_store *st, const char *table)
{
    char sql[128];
    struct hearth_db_stmt *q = NULL;
    int64_t n = -1;

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    if (hearth_db_prepare(st->db, sql, &q) == 0 && hearth_db_step(q) == HEARTH_DB_ROW)
        n = hearth_db_column_int64(q, 0);
    hearth_db_finalize(q);
    return n;
}

/* Re-read each distinct blob of table's source rows from the target. */
static enum hearth_err verify_blobs(struct hearth_store *src, struct hearth_store *dst,
                                    const char *table, struct hearth_copy_report *r,
                                    struct hearth_errmsg *em)
{
    char sql[SQL_MAX], last[HEARTH_SHA256_HEX + 1] = "", got[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    unsigned char *bytes = NULL;
    size_t n;
    int rows, rc;

    snprintf(sql, sizeof(sql),
             "SELECT DISTINCT blob FROM %s WHERE blob > ?1 ORDER BY blob LIMIT %d", table,
             PAGE_ROWS);
    if (hearth_db_prepare(src->db, sql, &q) < 0)
        return db_fail(src, em, "cannot read", table);
    do {
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, last);
        rows = 0;
        for (;;) {
            const char *h;

            rc = hearth_db_step(q);
            if (rc != HEARTH_DB_ROW)
                break;
            h = hearth_db_column_text(q, 0);
            snprintf(last, sizeof(last), "%s", h ? h : "");
            rows++;
            e = hearth_blobs_get(dst->blobs, last, dst->blob_max, &bytes, &n, em);
            if (e != HEARTH_OK) {
                char why[sizeof(em->msg)];

                snprintf(why, sizeof(why), "%s", em->msg);
                e = hearth_errmsg_set(em, e, "blob %s of %s cannot be read from the target: %s",
                                      last, table, why);
                goto out;
            }
            hearth_sha256_hex(bytes, n, got);
            free(bytes);
            bytes = NULL;
            if (strcmp(got, last) != 0) {
                e = hearth_errmsg_set(em, HEARTH_E_IO,
                                      "blob %s of %s differs on the target (its SHA-256 is %s)",
                                      last, table, got);
                goto out;
            }
            r->blobs_verified++;
        }
        if (rc == HEARTH_DB_ERROR) {
            e = db_fail(src, em, "cannot read", table);
            goto out;
        }
    } while (rows == PAGE_ROWS);
out:
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_store_copy_verify(struct hearth_store *src, struct hearth_store *dst,
                                         struct hearth_copy_report *r, struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;
    int i;

    for (i = 0; i < HEARTH_COPY_TABLES; i++) {
        struct hearth_copy_table *t = &r->tables[i];

        t->name = tables[i].name;
        t->src = count_rows(src, t->name);
        t->dst = count_rows(dst, t->name);
        if (t->src < 0)
            return db_fail(src, em, "cannot count", t->name);
        if (t->dst < 0)
            return db_fail(dst, em, "cannot count", t->name);
        if (t->src != t->dst)
            return hearth_errmsg_set(
                em, HEARTH_E_IO, "%s: %" PRId64 " rows in the source, %" PRId64 " in the target",
                t->name, t->src, t->dst);
    }
    r->blobs_verified = 0;
    e = verify_blobs(src, dst, "profiles", r, em);
    if (e == HEARTH_OK)
        e = verify_blobs(src, dst, "gctraces", r, em);
    return e;
}
