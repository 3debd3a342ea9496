/*
 * store_int.h - what store.c shares with series_store.c (private to the
 * store module: the connection, its lock and the error helpers).
 */
#ifndef HEARTH_STORE_INT_H
#define HEARTH_STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "hearth/err.h"

struct hearth_store {
    char *dir;
    sqlite3 *db;
    pthread_mutex_t lock; /* serialises writers and multi-statement reads */
};

enum hearth_err hearth__store_db_err(struct hearth_store *st, struct hearth_errmsg *em,
                                     const char *what);

/* The series tables (created by hearth_store_open()). */
extern const char hearth__series_schema[];

#endif /* HEARTH_STORE_INT_H */
