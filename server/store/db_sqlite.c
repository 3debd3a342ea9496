/* db_sqlite.c - the SQLite driver of the metadata seam (include/hearth/db.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_int.h"

#include "hearth/banned.h"

struct sq_db {
    struct hearth_db base;
    sqlite3 *h;
};

struct sq_stmt {
    struct hearth_db_stmt base;
    sqlite3_stmt *s;
};

static sqlite3 *H(struct hearth_db *db)
{
    return ((struct sq_db *)db)->h;
}

/* Record SQLite's last error on h as this thread's failure. */
static int sq_fail(sqlite3 *h)
{
    int code = sqlite3_errcode(h) & 0xff;
    enum hearth_db_fail f = HEARTH_DB_F_OTHER;

    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        f = HEARTH_DB_F_CORRUPT;
    else if (code == SQLITE_FULL)
        f = HEARTH_DB_F_FULL;
    else if (code == SQLITE_CONSTRAINT)
        f = HEARTH_DB_F_CONSTRAINT;
    return hearth__db_failed(f, "%s", sqlite3_errmsg(h));
}

static void sq_close(struct hearth_db *db)
{
    sqlite3_close(H(db));
    free(db);
}

static int sq_prepare(struct hearth_db *db, const char *sql, struct hearth_db_stmt **out)
{
    struct sq_stmt *q = calloc(1, sizeof(*q));

    if (!q)
        return hearth__db_failed(HEARTH_DB_F_OTHER, "out of memory");
    q->base.db = db;
    if (sqlite3_prepare_v2(H(db), sql, -1, &q->s, NULL) != SQLITE_OK) {
        sq_fail(H(db));
        sqlite3_finalize(q->s);
        free(q);
        return -1;
    }
    *out = &q->base;
    return 0;
}

static void sq_bind(struct hearth_db_stmt *q, int i, const void *p, size_t n, int type)
{
    sqlite3_stmt *s = ((struct sq_stmt *)q)->s;

    switch (type) {
    case DB_T_INT:
        sqlite3_bind_int64(s, i, *(const int64_t *)p);
        break;
    case DB_T_TEXT:
        sqlite3_bind_text64(s, i, p, n, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case DB_T_BLOB:
        sqlite3_bind_blob64(s, i, p, n, SQLITE_TRANSIENT);
        break;
    default:
        sqlite3_bind_null(s, i);
    }
}

static int sq_step(struct hearth_db_stmt *q)
{
    sqlite3_stmt *s = ((struct sq_stmt *)q)->s;
    int rc = sqlite3_step(s);

    if (rc == SQLITE_ROW)
        return HEARTH_DB_ROW;
    if (rc == SQLITE_DONE) {
        hearth__db_set_changes(sqlite3_changes64(H(q->db)));
        return HEARTH_DB_DONE;
    }
    sq_fail(H(q->db));
    return HEARTH_DB_ERROR;
}

static void sq_reset(struct hearth_db_stmt *q)
{
    sqlite3_reset(((struct sq_stmt *)q)->s);
}

static void sq_finalize(struct hearth_db_stmt *q)
{
    sqlite3_finalize(((struct sq_stmt *)q)->s);
    free(q);
}

static const char *sq_text(struct hearth_db_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)q)->s, i);
}

static int64_t sq_int64(struct hearth_db_stmt *q, int i)
{
    return sqlite3_column_int64(((struct sq_stmt *)q)->s, i);
}

static int sq_exec(struct hearth_db *db, const char *sql)
{
    if (sqlite3_exec(H(db), sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(H(db));
    return 0;
}

static int sq_begin(struct hearth_db *db)
{
    return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(struct hearth_db *db)
{
    return sq_exec(db, "COMMIT");
}

static void sq_rollback(struct hearth_db *db)
{
    if (!sqlite3_get_autocommit(H(db)))
        sqlite3_exec(H(db), "ROLLBACK", NULL, NULL, NULL);
}

static int sq_xact_lock(struct hearth_db *db, int64_t key)
{
    (void)db;
    (void)key; /* BEGIN IMMEDIATE holds the database's one write lock already */
    return 0;
}

static int sq_try_xact_lock(struct hearth_db *db, int64_t key)
{
    (void)db;
    (void)key;
    return 1;
}

static const struct hearth_db_ops sq_ops = {
    sq_close, sq_prepare, sq_bind,  sq_step,   sq_reset,    sq_finalize,  sq_text,
    sq_int64, sq_exec,    sq_begin, sq_commit, sq_rollback, sq_xact_lock, sq_try_xact_lock};

enum hearth_err hearth__db_open_sqlite(const char *path, struct hearth_db **out,
                                       struct hearth_errmsg *em)
{
    struct sq_db *db = calloc(1, sizeof(*db));
    enum hearth_err e = HEARTH_OK;

    if (!db)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    db->base.kind = HEARTH_DB_SQLITE;
    db->base.ops = &sq_ops;
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot open %s: %s", path,
                              db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return e;
    }
    sqlite3_busy_timeout(db->h, 5000);
    *out = &db->base;
    return HEARTH_OK;
}
