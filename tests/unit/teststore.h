/*
 * teststore.h - open a test's store on the metadata database the run asks
 * for (header-only): SQLite under dir by default; with HEARTH_TEST_METADATA
 * (tests/setup/with_pg.sh: a PostgreSQL URL with {db}) a database of dir's
 * own on that server, made on first use, so each test starts empty and a
 * reopened store finds its rows.
 */
#ifndef HEARTH_TEST_TESTSTORE_H
#define HEARTH_TEST_TESTSTORE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "hearth/store.h"

/* url with {db} replaced by db, in out (n bytes); false if it does not fit. */
static inline bool teststore_url(const char *url, const char *db, char *out, size_t n)
{
    const char *at = strstr(url, "{db}");

    if (!at)
        return (size_t)snprintf(out, n, "%s", url) < n;
    return (size_t)snprintf(out, n, "%.*s%s%s", (int)(at - url), url, db, at + 4) < n;
}

static inline enum hearth_err teststore_open(const char *dir, struct hearth_store **st,
                                             struct hearth_errmsg *em)
{
    const char *url = getenv("HEARTH_TEST_METADATA"), *base;
    struct hearth_store_opts o = {.dir = dir};
    char db[64], admin[512], mine[512], sql[128];
    size_t i;
    PGconn *c;

    if (!url || !*url)
        return hearth_store_open(dir, st, em);
    base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    snprintf(db, sizeof(db), "u_%s", base);
    for (i = 0; db[i]; i++)
        if (!((db[i] >= 'a' && db[i] <= 'z') || (db[i] >= '0' && db[i] <= '9')))
            db[i] = '_';
    if (!teststore_url(url, "postgres", admin, sizeof(admin)) ||
        !teststore_url(url, db, mine, sizeof(mine)))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "HEARTH_TEST_METADATA too long");
    c = PQconnectdb(admin);
    if (PQstatus(c) == CONNECTION_OK) {
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
        PQclear(PQexec(c, sql)); /* "already exists" on a reopen is fine */
    }
    PQfinish(c);
    o.metadata = mine;
    return hearth_store_open_opts(&o, st, em);
}

#endif /* HEARTH_TEST_TESTSTORE_H */
