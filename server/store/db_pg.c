/*
 * db_pg.c - the PostgreSQL driver of the metadata seam (include/hearth/db.h),
 * on libpq.
 *
 * One connection per handle, under a recursive mutex: held for one
 * statement (its whole result is fetched then), or from BEGIN to
 * COMMIT/ROLLBACK by the thread that began. The store already serialises its
 * writers under one lock and its reads are single short queries, so one
 * connection is not the bottleneck (the profile work happens in core, after
 * the row is read); a pool would add a capped resource and a wait for no
 * measured gain. A connection found broken (or refused) makes the call fail
 * with HEARTH_DB_F_UNAVAILABLE and is dropped; the next call outside a
 * transaction connects again.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db_int.h"

#include "hearth/banned.h"

#define PG_CONNECT_TIMEOUT_S "5" /* a server that does not answer: 503 after this, no hang */
#define PG_MAX_PARAMS        32  /* our statements have at most 13 */

struct pg_db {
    struct hearth_db base;
    char *url;
    PGconn *conn;       /* NULL: connect at the next call */
    pthread_mutex_t mu; /* recursive: the connection, in_tx, owner */
    bool in_tx;
    pthread_t owner; /* the thread in the transaction */
};

struct pg_stmt {
    struct hearth_db_stmt base;
    char *sql; /* with $N */
    int nparams;
    char *vals[PG_MAX_PARAMS];
    int lens[PG_MAX_PARAMS];
    int fmts[PG_MAX_PARAMS];
    PGresult *res;
    int row, nrows;
};

static struct pg_db *P(struct hearth_db *db)
{
    return (struct pg_db *)db;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs ("already exists, skipping") are not for the server's log */
}

/* Map a failed result (res may be NULL) to this thread's failure. Lock held. */
static int pg_fail(struct pg_db *db, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    enum hearth_db_fail f = HEARTH_DB_F_OTHER;

    if (!msg || !*msg)
        msg = db->conn ? PQerrorMessage(db->conn) : "no connection";
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK || !state || !strncmp(state, "08", 2) ||
        !strncmp(state, "57P", 3) || (!strncmp(state, "53", 2) && strcmp(state, "53100") != 0))
        f = HEARTH_DB_F_UNAVAILABLE;
    else if (!strcmp(state, "53100"))
        f = HEARTH_DB_F_FULL;
    else if (!strncmp(state, "23", 2))
        f = HEARTH_DB_F_CONSTRAINT;
    hearth__db_failed(f, "PostgreSQL: %s", msg);
    if (f == HEARTH_DB_F_UNAVAILABLE && !db->in_tx && db->conn) {
        PQfinish(db->conn); /* connect again at the next call */
        db->conn = NULL;
    }
    return -1;
}

/* A working connection (lock held); inside a transaction a lost one stays lost. */
static int pg_connect(struct pg_db *db)
{
    static const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *vals[] = {PG_CONNECT_TIMEOUT_S, db->url, NULL};

    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    if (db->in_tx)
        return hearth__db_failed(HEARTH_DB_F_UNAVAILABLE,
                                 "PostgreSQL: the connection was lost during a transaction");
    if (db->conn)
        PQfinish(db->conn);
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        hearth__db_failed(HEARTH_DB_F_UNAVAILABLE, "PostgreSQL: %s",
                          db->conn ? PQerrorMessage(db->conn) : "out of memory");
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, quiet, NULL);
    return 0;
}

/* Run sql without parameters; the result's rows are dropped. Lock held. */
static int pg_run(struct pg_db *db, const char *sql)
{
    PGresult *res;
    int r = 0;

    if (pg_connect(db) < 0)
        return -1;
    res = PQexec(db->conn, sql);
    if (!res || (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
        r = pg_fail(db, res);
    PQclear(res);
    return r;
}

static void pg_close(struct hearth_db *db)
{
    if (P(db)->conn)
        PQfinish(P(db)->conn);
    pthread_mutex_destroy(&P(db)->mu);
    free(P(db)->url);
    free(db);
}

/* ?N -> $N outside quoted literals and identifiers; *nparams the largest N. */
static char *translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql), i, o = 0;
    char *out = malloc(n + 1), quote = 0;

    *nparams = 0;
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            int v = (int)strtol(sql + i + 1, NULL, 10);
            if (v > *nparams)
                *nparams = v;
            c = '$';
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

static int pg_prepare(struct hearth_db *db, const char *sql, struct hearth_db_stmt **out)
{
    struct pg_stmt *q = calloc(1, sizeof(*q));

    if (!q)
        return hearth__db_failed(HEARTH_DB_F_OTHER, "out of memory");
    q->base.db = db;
    q->sql = translate(sql, &q->nparams);
    if (!q->sql || q->nparams > PG_MAX_PARAMS) {
        free(q->sql);
        free(q);
        return hearth__db_failed(HEARTH_DB_F_OTHER, "cannot prepare a statement");
    }
    q->row = -1;
    *out = &q->base;
    return 0;
}

static void pg_bind(struct hearth_db_stmt *qq, int i, const void *p, size_t n, int type)
{
    struct pg_stmt *q = (struct pg_stmt *)qq;
    char num[24];

    if (i < 1 || i > PG_MAX_PARAMS)
        return;
    i--;
    free(q->vals[i]);
    q->vals[i] = NULL;
    q->lens[i] = 0;
    q->fmts[i] = 0;
    if (type == DB_T_INT) {
        snprintf(num, sizeof(num), "%lld", (long long)*(const int64_t *)p);
        p = num;
        n = strlen(num);
    } else if (type == DB_T_NULL) {
        return;
    }
    q->vals[i] = malloc(n + 1);
    if (!q->vals[i])
        return; /* binds NULL: the statement then fails on its NOT NULL column */
    memcpy(q->vals[i], p, n);
    q->vals[i][n] = '\0';
    q->lens[i] = (int)n;
    q->fmts[i] = type == DB_T_BLOB;
}

static int pg_step(struct hearth_db_stmt *qq)
{
    struct pg_stmt *q = (struct pg_stmt *)qq;
    struct pg_db *db = P(qq->db);
    int r = HEARTH_DB_DONE;

    if (q->res) {
        q->row++;
        return q->row < q->nrows ? HEARTH_DB_ROW : HEARTH_DB_DONE;
    }
    pthread_mutex_lock(&db->mu);
    if (pg_connect(db) < 0) {
        r = HEARTH_DB_ERROR;
        goto out_unlock;
    }
    q->res = PQexecParams(db->conn, q->sql, q->nparams, NULL, (const char *const *)q->vals, q->lens,
                          q->fmts, 0);
    /*
     * A connection the server dropped (a restart, a fail-over) is only seen
     * when used: a read outside a transaction is tried once more on a new
     * one. Writes are not (the first may have committed before the loss).
     */
    if (!db->in_tx && PQstatus(db->conn) != CONNECTION_OK && !strncmp(q->sql, "SELECT ", 7)) {
        PQclear(q->res);
        q->res = NULL;
        if (pg_connect(db) < 0) {
            r = HEARTH_DB_ERROR;
            goto out_unlock;
        }
        q->res = PQexecParams(db->conn, q->sql, q->nparams, NULL, (const char *const *)q->vals,
                              q->lens, q->fmts, 0);
    }
    if (q->res && PQresultStatus(q->res) == PGRES_TUPLES_OK) {
        const char *ct = PQcmdTuples(q->res);
        q->nrows = PQntuples(q->res);
        hearth__db_set_changes(*ct ? strtoll(ct, NULL, 10) : 0);
    } else if (q->res && PQresultStatus(q->res) == PGRES_COMMAND_OK) {
        const char *ct = PQcmdTuples(q->res);
        q->nrows = 0;
        hearth__db_set_changes(*ct ? strtoll(ct, NULL, 10) : 0);
    } else {
        pg_fail(db, q->res);
        PQclear(q->res);
        q->res = NULL;
        r = HEARTH_DB_ERROR;
        goto out_unlock;
    }
    q->row = 0;
    r = q->nrows > 0 ? HEARTH_DB_ROW : HEARTH_DB_DONE;
out_unlock:
    pthread_mutex_unlock(&db->mu);
    return r;
}

static void pg_reset(struct hearth_db_stmt *qq)
{
    struct pg_stmt *q = (struct pg_stmt *)qq;

    PQclear(q->res);
    q->res = NULL;
    q->row = -1;
    q->nrows = 0;
}

static void pg_finalize(struct hearth_db_stmt *qq)
{
    struct pg_stmt *q = (struct pg_stmt *)qq;
    int i;

    PQclear(q->res);
    for (i = 0; i < PG_MAX_PARAMS; i++)
        free(q->vals[i]);
    free(q->sql);
    free(q);
}

static const char *pg_text(struct hearth_db_stmt *qq, int i)
{
    struct pg_stmt *q = (struct pg_stmt *)qq;

    if (!q->res || q->row < 0 || q->row >= q->nrows || i < 0 || i >= PQnfields(q->res) ||
        PQgetisnull(q->res, q->row, i))
        return NULL;
    return PQgetvalue(q->res, q->row, i);
}

static int pg_exec(struct hearth_db *db, const char *sql)
{
    int r;

    pthread_mutex_lock(&P(db)->mu);
    r = pg_run(P(db), sql);
    pthread_mutex_unlock(&P(db)->mu);
    return r;
}

static int pg_begin(struct hearth_db *db)
{
    struct pg_db *d = P(db);

    pthread_mutex_lock(&d->mu); /* held until commit or rollback */
    if (pg_run(d, "BEGIN") < 0) {
        pthread_mutex_unlock(&d->mu);
        return -1;
    }
    d->in_tx = true;
    d->owner = pthread_self();
    return 0;
}

/* End the transaction (lock held since begin): the connection may be dropped now. */
static void end_tx(struct pg_db *d)
{
    d->in_tx = false;
    if (d->conn && PQstatus(d->conn) != CONNECTION_OK) {
        PQfinish(d->conn);
        d->conn = NULL;
    }
    pthread_mutex_unlock(&d->mu);
}

static int pg_commit(struct hearth_db *db)
{
    struct pg_db *d = P(db);
    PGresult *res;
    int r = 0;

    if (!d->in_tx || !pthread_equal(d->owner, pthread_self()))
        return hearth__db_failed(HEARTH_DB_F_OTHER, "commit outside a transaction");
    if (pg_connect(d) < 0) {
        end_tx(d);
        return -1;
    }
    res = PQexec(d->conn, "COMMIT");
    /* COMMIT of a failed transaction "succeeds" as ROLLBACK */
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT"))
        r = res && PQresultStatus(res) == PGRES_COMMAND_OK
                ? hearth__db_failed(HEARTH_DB_F_OTHER, "PostgreSQL: the transaction was rolled "
                                                       "back")
                : pg_fail(d, res);
    PQclear(res);
    end_tx(d);
    return r;
}

static void pg_rollback(struct hearth_db *db)
{
    struct pg_db *d = P(db);
    PGresult *res;

    if (!d->in_tx || !pthread_equal(d->owner, pthread_self()))
        return;
    if (d->conn && PQstatus(d->conn) == CONNECTION_OK) {
        res = PQexec(d->conn, "ROLLBACK");
        PQclear(res);
    }
    end_tx(d);
}

static int pg_xact_lock(struct hearth_db *db, int64_t key)
{
    struct hearth_db_stmt *q = NULL;
    int r = -1;

    if (pg_prepare(db, "SELECT pg_advisory_xact_lock(?1)", &q) < 0)
        return -1;
    pg_bind(q, 1, &key, sizeof(key), DB_T_INT);
    if (pg_step(q) != HEARTH_DB_ERROR)
        r = 0;
    pg_finalize(q);
    return r;
}

static int pg_try_xact_lock(struct hearth_db *db, int64_t key)
{
    struct hearth_db_stmt *q = NULL;
    int r = -1;

    if (pg_prepare(db, "SELECT pg_try_advisory_xact_lock(?1)", &q) < 0)
        return -1;
    pg_bind(q, 1, &key, sizeof(key), DB_T_INT);
    if (pg_step(q) == HEARTH_DB_ROW) {
        const char *t =
            pg_text(q, 0); /* a boolean in text: "t" or "f" (db.c reads it as 1/0 alike) */
        r = t && *t == 't' ? 1 : 0;
    }
    pg_finalize(q);
    return r;
}

static const struct hearth_db_ops pg_ops = {
    pg_close, pg_prepare, pg_bind,  pg_step,   pg_reset,    pg_finalize,  pg_text,
    NULL,     pg_exec,    pg_begin, pg_commit, pg_rollback, pg_xact_lock, pg_try_xact_lock};

enum hearth_err hearth__db_open_pg(const char *url, struct hearth_db **out,
                                   struct hearth_errmsg *em)
{
    struct pg_db *db = calloc(1, sizeof(*db));
    pthread_mutexattr_t ma;
    enum hearth_err e = HEARTH_OK;

    if (!db)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    db->base.kind = HEARTH_DB_POSTGRES;
    db->base.ops = &pg_ops;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&db->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    db->url = strdup(url);
    if (!db->url) {
        pg_close(&db->base);
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
    if (pg_connect(db) < 0) {
        e = hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                              "cannot connect to the metadata database: %s", hearth_db_errmsg());
        pg_close(&db->base);
        return e;
    }
    *out = &db->base;
    return HEARTH_OK;
}
