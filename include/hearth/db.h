/*
 * db.h - the metadata database seam: the store's SQL runs through these
 * calls, against SQLite (the default: one file, DATA/hearth.db) or
 * PostgreSQL (libpq), chosen by the URL given to hearth_db_open(). Nothing
 * outside server/store uses it.
 *
 * SQL is written once, with numbered parameters ?1, ?2, ... (the PostgreSQL
 * driver turns them into $1, $2, ...), in the common subset of the two
 * dialects (INSERT ... ON CONFLICT DO NOTHING, RETURNING, count(*)); the few
 * statements that differ (schema, JSON access) are chosen with
 * hearth_db_kind(). Results are text: column getters parse integers, and
 * PostgreSQL's booleans ('t'/'f') read as 1/0.
 *
 * Errors: a failed call returns HEARTH_DB_ERROR and records, for the calling
 * thread, the failure's class (hearth_db_fail()) and message
 * (hearth_db_errmsg()). A lost or refused PostgreSQL connection is
 * HEARTH_DB_F_UNAVAILABLE; the next call connects again, so the store
 * recovers without a restart.
 *
 * Threads: one connection per database handle. SQLite's is opened
 * serialised (SQLITE_OPEN_FULLMUTEX). PostgreSQL's is used under a mutex
 * held for one statement (its whole result is fetched at the first step,
 * so reading the rows needs no lock) or from hearth_db_begin() to
 * hearth_db_commit()/hearth_db_rollback() (other threads' statements wait
 * for the transaction). A statement belongs to one thread at a time.
 */
#ifndef HEARTH_DB_H
#define HEARTH_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"

struct hearth_db;
struct hearth_db_stmt;

enum hearth_db_kind { HEARTH_DB_SQLITE, HEARTH_DB_POSTGRES };

/* What hearth_db_step() answers. */
enum { HEARTH_DB_ERROR = -1, HEARTH_DB_ROW = 1, HEARTH_DB_DONE = 2 };

/* The class of the calling thread's last failure. */
enum hearth_db_fail {
    HEARTH_DB_F_NONE,
    HEARTH_DB_F_OTHER,
    HEARTH_DB_F_CONSTRAINT,  /* a unique or other constraint refused the row */
    HEARTH_DB_F_FULL,        /* the disk under the database is full */
    HEARTH_DB_F_CORRUPT,     /* SQLite: the file is damaged or not a database */
    HEARTH_DB_F_UNAVAILABLE, /* PostgreSQL: connection lost or refused (retry later) */
};

/*
 * Whether url names a PostgreSQL database (postgresql://, postgres://, or a
 * libpq "key=value" conninfo with host= or dbname=); NULL or "" is SQLite.
 */
bool hearth_db_url_is_postgres(const char *url);

/*
 * Open url: NULL, "" or "sqlite" open (creating) the SQLite file
 * sqlite_path; a PostgreSQL URL connects (an unreachable server is an
 * error here, at start-up). Messages name the database without its password.
 */
enum hearth_err hearth_db_open(const char *url, const char *sqlite_path, struct hearth_db **out,
                               struct hearth_errmsg *em);
void hearth_db_close(struct hearth_db *db);
enum hearth_db_kind hearth_db_kind(const struct hearth_db *db);
/* For messages: "hearth.db" or "the PostgreSQL database". */
const char *hearth_db_name(const struct hearth_db *db);

/* Statements: 0 on success, -1 on failure (then see hearth_db_fail()). */
int hearth_db_prepare(struct hearth_db *db, const char *sql, struct hearth_db_stmt **out);
/* Parameters (i from 1); text and blobs are copied. */
void hearth_db_bind_text(struct hearth_db_stmt *q, int i, const char *s);
void hearth_db_bind_int64(struct hearth_db_stmt *q, int i, int64_t v);
void hearth_db_bind_blob(struct hearth_db_stmt *q, int i, const void *p, size_t n);
void hearth_db_bind_null(struct hearth_db_stmt *q, int i);
/* HEARTH_DB_ROW (a row to read), HEARTH_DB_DONE, or HEARTH_DB_ERROR. */
int hearth_db_step(struct hearth_db_stmt *q);
/* Run again from the start (the bindings stay). */
void hearth_db_reset(struct hearth_db_stmt *q);
void hearth_db_finalize(struct hearth_db_stmt *q); /* NULL is fine */
/* Columns of the current row (i from 0); text is valid until the next step. NULL for NULL. */
const char *hearth_db_column_text(struct hearth_db_stmt *q, int i);
int64_t hearth_db_column_int64(struct hearth_db_stmt *q, int i);
int hearth_db_column_int(struct hearth_db_stmt *q, int i);
bool hearth_db_column_null(struct hearth_db_stmt *q, int i);

/* Rows changed by this thread's last INSERT/UPDATE/DELETE run to its end. */
int64_t hearth_db_changes(struct hearth_db *db);

/* Statements without parameters, separated by ';'. 0 or -1. */
int hearth_db_exec(struct hearth_db *db, const char *sql);

/*
 * A write transaction (SQLite: BEGIN IMMEDIATE). After a successful begin
 * the caller ends it with commit or rollback; a failed commit has ended it
 * too (rollback is then a harmless no-op). 0 or -1.
 */
int hearth_db_begin(struct hearth_db *db);
int hearth_db_commit(struct hearth_db *db);
void hearth_db_rollback(struct hearth_db *db);

/*
 * A lock shared by every process using the database, held until this
 * transaction ends (PostgreSQL: pg_advisory_xact_lock; SQLite: the
 * transaction's own write lock already excludes the others). Inside
 * hearth_db_begin() only. 0 or -1.
 */
int hearth_db_xact_lock(struct hearth_db *db, int64_t key);

/*
 * The same without waiting: 1 taken, 0 another process holds it (do the
 * job later), -1 error. SQLite: always 1 (BEGIN IMMEDIATE waited already).
 */
int hearth_db_try_xact_lock(struct hearth_db *db, int64_t key);

enum hearth_db_fail hearth_db_fail(void);
const char *hearth_db_errmsg(void);

#endif /* HEARTH_DB_H */
