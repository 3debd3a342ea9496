/*
 * db_int.h - what db.c (dispatch, errors) shares with its drivers
 * db_sqlite.c and db_pg.c (private to the store module).
 */
#ifndef HEARTH_DB_INT_H
#define HEARTH_DB_INT_H

#include "hearth/db.h"

struct hearth_db_ops {
    void (*close)(struct hearth_db *db);
    int (*prepare)(struct hearth_db *db, const char *sql, struct hearth_db_stmt **out);
    void (*bind)(struct hearth_db_stmt *q, int i, const void *p, size_t n, int type);
    int (*step)(struct hearth_db_stmt *q);
    void (*reset)(struct hearth_db_stmt *q);
    void (*finalize)(struct hearth_db_stmt *q);
    const char *(*text)(struct hearth_db_stmt *q, int i);
    int64_t (*int64)(struct hearth_db_stmt *q, int i); /* NULL: parse the text */
    int (*exec)(struct hearth_db *db, const char *sql);
    int (*begin)(struct hearth_db *db);
    int (*commit)(struct hearth_db *db);
    void (*rollback)(struct hearth_db *db);
    int (*xact_lock)(struct hearth_db *db, int64_t key);
    int (*try_xact_lock)(struct hearth_db *db, int64_t key);
};

/* bind types */
enum { DB_T_NULL, DB_T_INT, DB_T_TEXT, DB_T_BLOB };

struct hearth_db {
    enum hearth_db_kind kind;
    const struct hearth_db_ops *ops;
};

/* Every driver's statement starts with this. */
struct hearth_db_stmt {
    struct hearth_db *db;
};

/* Record the calling thread's failure (message capped) and return -1. */
int hearth__db_failed(enum hearth_db_fail f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hearth__db_ok(void);
void hearth__db_set_changes(int64_t n);

enum hearth_err hearth__db_open_sqlite(const char *path, struct hearth_db **out,
                                       struct hearth_errmsg *em);
enum hearth_err hearth__db_open_pg(const char *url, struct hearth_db **out,
                                   struct hearth_errmsg *em);

#endif /* HEARTH_DB_INT_H */
