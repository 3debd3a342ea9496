/*
 * test_db.c - the metadata seam (db.h) on SQLite, and on PostgreSQL when
 * HEARTH_TEST_METADATA names one (unit.db.pg): numbered parameters (also
 * reused, and a '?1' inside a literal left alone), text/int64/NULL/blob
 * binds and getters, booleans as 1/0, changes of INSERT ... ON CONFLICT DO
 * NOTHING, a rolled back transaction leaves nothing, a failed statement
 * inside a transaction ends in a rollback, constraint failures classed; and
 * without any server: which URLs are PostgreSQL's, and an unreachable one is
 * HEARTH_E_UNAVAILABLE at open.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/db.h"
#include "teststore.h"
#include "tmpdir.h"

struct fx {
    char *dir;
    struct hearth_db *db;
    char url[512]; /* PostgreSQL: this test's database */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *url = getenv("HEARTH_TEST_METADATA");
    char mine[512], admin[512], db[64], *path;
    struct hearth_errmsg em;

    if (!f)
        return -1;
    f->dir = tmpdir_make("db");
    if (!f->dir)
        return -1;
    path = tmpdir_join(f->dir, "t.db");
    if (url && *url) {
        PGconn *c;
        char sql[128];
        snprintf(db, sizeof(db), "udb_%s", strrchr(f->dir, '-') + 1);
        for (char *p = db; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                *p = '_';
        if (!teststore_url(url, "postgres", admin, sizeof(admin)) ||
            !teststore_url(url, db, mine, sizeof(mine)))
            return -1;
        c = PQconnectdb(admin);
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
        PQclear(PQexec(c, sql));
        PQfinish(c);
        url = mine;
        snprintf(f->url, sizeof(f->url), "%s", mine);
    }
    if (hearth_db_open(url, path, &f->db, &em) != HEARTH_OK) {
        fprintf(stderr, "open: %s\n", em.msg);
        free(path);
        return -1;
    }
    free(path);
    /* BLOB vs BYTEA: the type name that differs */
    if (hearth_db_exec(f->db, hearth_db_kind(f->db) == HEARTH_DB_POSTGRES
                                  ? "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, b BYTEA)"
                                  : "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, b BLOB)") < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_db_close(f->db);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static int insert(struct hearth_db *db, const char *k, int64_t n)
{
    struct hearth_db_stmt *q = NULL;
    int rc;

    assert_int_equal(
        hearth_db_prepare(db, "INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &q),
        0);
    hearth_db_bind_text(q, 1, k);
    hearth_db_bind_int64(q, 2, n);
    rc = hearth_db_step(q);
    hearth_db_finalize(q);
    return rc;
}

static int64_t count(struct hearth_db *db)
{
    struct hearth_db_stmt *q = NULL;
    int64_t n;

    assert_int_equal(hearth_db_prepare(db, "SELECT count(*) FROM t", &q), 0);
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    n = hearth_db_column_int64(q, 0);
    hearth_db_finalize(q);
    return n;
}

static void test_params_and_columns(void **state)
{
    struct fx *f = *state;
    struct hearth_db_stmt *q = NULL;

    assert_int_equal(insert(f->db, "a", INT64_C(1796278797779123)), HEARTH_DB_DONE);
    assert_int_equal(hearth_db_changes(f->db), 1);
    assert_int_equal(insert(f->db, "a", 5), HEARTH_DB_DONE); /* the conflict: nothing */
    assert_int_equal(hearth_db_changes(f->db), 0);
    assert_int_equal(insert(f->db, "b?1", -7), HEARTH_DB_DONE);
    assert_int_equal(
        hearth_db_prepare(f->db,
                          "SELECT k, n, n = ?1, '?1', NULL FROM t WHERE n = ?1 OR k = ?2 "
                          "ORDER BY k",
                          &q),
        0);
    hearth_db_bind_int64(q, 1, INT64_C(1796278797779123));
    hearth_db_bind_text(q, 2, "b?1");
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    assert_string_equal(hearth_db_column_text(q, 0), "a");
    assert_int_equal(hearth_db_column_int64(q, 1), INT64_C(1796278797779123));
    assert_int_equal(hearth_db_column_int(q, 2), 1); /* PostgreSQL's 't' */
    assert_string_equal(hearth_db_column_text(q, 3), "?1");
    assert_true(hearth_db_column_null(q, 4));
    assert_null(hearth_db_column_text(q, 4));
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    assert_string_equal(hearth_db_column_text(q, 0), "b?1");
    assert_int_equal(hearth_db_column_int64(q, 1), -7);
    assert_int_equal(hearth_db_column_int(q, 2), 0); /* 'f' */
    assert_int_equal(hearth_db_step(q), HEARTH_DB_DONE);
    /* reset: the same bindings run again */
    hearth_db_reset(q);
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    assert_string_equal(hearth_db_column_text(q, 0), "a");
    hearth_db_finalize(q);
    /* NULL and blob binds */
    assert_int_equal(
        hearth_db_prepare(f->db, "INSERT INTO t (k, n, b) VALUES (?1, ?2, ?3) RETURNING k", &q), 0);
    hearth_db_bind_text(q, 1, "c");
    hearth_db_bind_null(q, 2);
    hearth_db_bind_blob(q, 3, "\0\1\2", 3);
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    assert_string_equal(hearth_db_column_text(q, 0), "c");
    assert_int_equal(hearth_db_step(q), HEARTH_DB_DONE);
    hearth_db_finalize(q);
    assert_int_equal(hearth_db_prepare(f->db, "SELECT n, length(b) FROM t WHERE k = 'c'", &q), 0);
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ROW);
    assert_true(hearth_db_column_null(q, 0));
    assert_int_equal(hearth_db_column_int(q, 1), 3);
    hearth_db_finalize(q);
}

static void test_transactions(void **state)
{
    struct fx *f = *state;
    struct hearth_db_stmt *q = NULL;

    assert_int_equal(hearth_db_begin(f->db), 0);
    assert_int_equal(hearth_db_xact_lock(f->db, 42), 0);
    assert_int_equal(insert(f->db, "x", 1), HEARTH_DB_DONE);
    hearth_db_rollback(f->db);
    assert_int_equal(count(f->db), 0);
    assert_int_equal(hearth_db_begin(f->db), 0);
    assert_int_equal(insert(f->db, "x", 1), HEARTH_DB_DONE);
    assert_int_equal(hearth_db_commit(f->db), 0);
    hearth_db_rollback(f->db); /* after a commit: nothing to do */
    assert_int_equal(count(f->db), 1);
    /* a constraint failure inside a transaction: classed, and the transaction rolls back */
    assert_int_equal(hearth_db_begin(f->db), 0);
    assert_int_equal(insert(f->db, "y", 2), HEARTH_DB_DONE);
    assert_int_equal(hearth_db_prepare(f->db, "INSERT INTO t (k, n) VALUES (?1, 3)", &q), 0);
    hearth_db_bind_text(q, 1, "x");
    assert_int_equal(hearth_db_step(q), HEARTH_DB_ERROR);
    assert_int_equal(hearth_db_fail(), HEARTH_DB_F_CONSTRAINT);
    hearth_db_finalize(q);
    hearth_db_rollback(f->db);
    assert_int_equal(count(f->db), 1);
    /* a bad statement: an error, not a crash; the connection still works */
    assert_int_equal(hearth_db_exec(f->db, "SELECT * FROM no_such_table"), -1);
    assert_int_equal(hearth_db_fail(), HEARTH_DB_F_OTHER);
    assert_non_null(strstr(hearth_db_errmsg(), "no_such_table"));
    assert_int_equal(count(f->db), 1);
}

/* PostgreSQL: a second connection finds the advisory lock taken, and takes it once free. */
static void test_try_lock(void **state)
{
    struct fx *f = *state;
    struct hearth_db *other = NULL;
    struct hearth_errmsg em;

    if (hearth_db_kind(f->db) != HEARTH_DB_POSTGRES) {
        assert_int_equal(hearth_db_begin(f->db), 0);
        assert_int_equal(hearth_db_try_xact_lock(f->db, 7), 1); /* the write lock is the lock */
        hearth_db_rollback(f->db);
        return;
    }
    /* advisory locks are per database: the same one */
    assert_int_equal(hearth_db_open(f->url, NULL, &other, &em), HEARTH_OK);
    assert_int_equal(hearth_db_begin(f->db), 0);
    assert_int_equal(hearth_db_try_xact_lock(f->db, 7), 1);
    assert_int_equal(hearth_db_begin(other), 0);
    assert_int_equal(hearth_db_try_xact_lock(other, 7), 0);
    assert_int_equal(hearth_db_try_xact_lock(other, 8), 1); /* another key is free */
    hearth_db_rollback(other);
    assert_int_equal(hearth_db_commit(f->db), 0); /* the lock ends with the transaction */
    assert_int_equal(hearth_db_begin(other), 0);
    assert_int_equal(hearth_db_try_xact_lock(other, 7), 1);
    hearth_db_rollback(other);
    hearth_db_close(other);
}

static void test_urls_and_unreachable(void **state)
{
    struct hearth_db *db = NULL;
    struct hearth_errmsg em;

    (void)state;
    assert_true(hearth_db_url_is_postgres("postgresql:///hearth?host=/run/postgresql"));
    assert_true(hearth_db_url_is_postgres("postgres://u:p@db.example:5432/hearth"));
    assert_true(hearth_db_url_is_postgres("host=/run/postgresql dbname=hearth"));
    assert_false(hearth_db_url_is_postgres(NULL));
    assert_false(hearth_db_url_is_postgres(""));
    assert_false(hearth_db_url_is_postgres("sqlite"));
    assert_int_equal(hearth_db_open("mysql://x", "/nonexistent/x.db", &db, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_null(db);
    /* nothing listens there: unavailable (503 to a client), at once, and no handle */
    assert_int_equal(
        hearth_db_open("postgresql://postgres@/x?host=/nonexistent-hearth-socket", NULL, &db, &em),
        HEARTH_E_UNAVAILABLE);
    assert_null(db);
    assert_non_null(strstr(em.msg, "cannot connect to the metadata database"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_try_lock, setup, teardown),
        cmocka_unit_test(test_urls_and_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
