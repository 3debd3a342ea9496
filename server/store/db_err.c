/*
 * db_err.c - the calling thread's last database failure and change count,
 * set by the drivers (db_sqlite.c, db_pg.c) and read through db.h; below
 * both the dispatch (db.c) and the drivers, so neither calls the other back.
 */
#define _GNU_SOURCE
#include "hearth/db.h"

#include <stdarg.h>
#include <stdio.h>

#include "db_int.h"

#include "hearth/banned.h"

/* The calling thread's last failure and change count (see db.h). */
static _Thread_local enum hearth_db_fail last_fail;
static _Thread_local char last_msg[256];
static _Thread_local int64_t last_changes;

int hearth__db_failed(enum hearth_db_fail f, const char *fmt, ...)
{
    va_list ap;
    char *p;

    last_fail = f;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
    va_end(ap);
    for (p = last_msg; *p; p++)
        if ((unsigned char)*p < ' ')
            *p = ' '; /* libpq's messages end in newlines: one line */
    while (p > last_msg && p[-1] == ' ')
        *--p = '\0';
    return -1;
}

void hearth__db_ok(void)
{
    last_fail = HEARTH_DB_F_NONE;
    last_msg[0] = '\0';
}

void hearth__db_set_changes(int64_t n)
{
    last_changes = n;
}

enum hearth_db_fail hearth_db_fail(void)
{
    return last_fail;
}

const char *hearth_db_errmsg(void)
{
    return last_msg[0] ? last_msg : "unknown database error";
}

int64_t hearth_db_changes(struct hearth_db *db)
{
    (void)db;
    return last_changes;
}
