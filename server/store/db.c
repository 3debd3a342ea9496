/* db.c - the metadata database seam: dispatch to a driver, errors; see include/hearth/db.h. */
#define _GNU_SOURCE
#include "hearth/db.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"

#include "hearth/banned.h"

bool hearth_db_url_is_postgres(const char *url)
{
    if (!url || !*url)
        return false;
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        return true;
    /* a libpq conninfo string: key=value pairs */
    return strstr(url, "host=") != NULL || strstr(url, "dbname=") != NULL;
}

enum hearth_err hearth_db_open(const char *url, const char *sqlite_path, struct hearth_db **out,
                               struct hearth_errmsg *em)
{
    *out = NULL;
    if (!url || !*url || !strcmp(url, "sqlite"))
        return hearth__db_open_sqlite(sqlite_path, out, em);
    if (hearth_db_url_is_postgres(url))
        return hearth__db_open_pg(url, out, em);
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                             "--metadata: expected postgresql://... (or a libpq conninfo such as "
                             "\"host=/run/postgresql dbname=hearth\"), or nothing for SQLite "
                             "under --data");
}

void hearth_db_close(struct hearth_db *db)
{
    if (db)
        db->ops->close(db);
}

enum hearth_db_kind hearth_db_kind(const struct hearth_db *db)
{
    return db->kind;
}

const char *hearth_db_name(const struct hearth_db *db)
{
    return db->kind == HEARTH_DB_POSTGRES ? "the PostgreSQL database" : "hearth.db";
}

int hearth_db_prepare(struct hearth_db *db, const char *sql, struct hearth_db_stmt **out)
{
    *out = NULL;
    return db->ops->prepare(db, sql, out);
}

void hearth_db_bind_text(struct hearth_db_stmt *q, int i, const char *s)
{
    if (s)
        q->db->ops->bind(q, i, s, strlen(s), DB_T_TEXT);
    else
        q->db->ops->bind(q, i, NULL, 0, DB_T_NULL);
}

void hearth_db_bind_int64(struct hearth_db_stmt *q, int i, int64_t v)
{
    q->db->ops->bind(q, i, &v, sizeof(v), DB_T_INT);
}

void hearth_db_bind_blob(struct hearth_db_stmt *q, int i, const void *p, size_t n)
{
    q->db->ops->bind(q, i, p, n, DB_T_BLOB);
}

void hearth_db_bind_null(struct hearth_db_stmt *q, int i)
{
    q->db->ops->bind(q, i, NULL, 0, DB_T_NULL);
}

int hearth_db_step(struct hearth_db_stmt *q)
{
    return q->db->ops->step(q);
}

void hearth_db_reset(struct hearth_db_stmt *q)
{
    q->db->ops->reset(q);
}

void hearth_db_finalize(struct hearth_db_stmt *q)
{
    if (q)
        q->db->ops->finalize(q);
}

const char *hearth_db_column_text(struct hearth_db_stmt *q, int i)
{
    return q->db->ops->text(q, i);
}

int64_t hearth_db_column_int64(struct hearth_db_stmt *q, int i)
{
    const char *s;

    if (q->db->ops->int64)
        return q->db->ops->int64(q, i);
    s = q->db->ops->text(q, i);
    if (!s)
        return 0;
    if (s[0] == 't' && !s[1])
        return 1; /* PostgreSQL's true */
    return strtoll(s, NULL, 10);
}

int hearth_db_column_int(struct hearth_db_stmt *q, int i)
{
    return (int)hearth_db_column_int64(q, i);
}

bool hearth_db_column_null(struct hearth_db_stmt *q, int i)
{
    return q->db->ops->text(q, i) == NULL;
}

int hearth_db_exec(struct hearth_db *db, const char *sql)
{
    return db->ops->exec(db, sql);
}

int hearth_db_begin(struct hearth_db *db)
{
    return db->ops->begin(db);
}

int hearth_db_commit(struct hearth_db *db)
{
    return db->ops->commit(db);
}

void hearth_db_rollback(struct hearth_db *db)
{
    db->ops->rollback(db);
}

int hearth_db_xact_lock(struct hearth_db *db, int64_t key)
{
    return db->ops->xact_lock(db, key);
}

int hearth_db_try_xact_lock(struct hearth_db *db, int64_t key)
{
    return db->ops->try_xact_lock(db, key);
}
