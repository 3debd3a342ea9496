/*
 * test_store.c - durable storage of profiles (store.h), each test in a
 * fresh temporary data directory: put/get/read, content addressing (one
 * blob per distinct content, removed with its last row), delete tokens
 * (shown once, only their SHA-256 stored), list pages, expiry, the gctrace
 * table, the start-up sweep (tmp/ emptied; a blob without a row removed only
 * when the database positively says so), refusing a damaged database at
 * open, the degraded store (hearth.db removed, header lost, blobs/ gone)
 * and concurrent puts.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "hearth/buf.h"
#include "hearth/ids.h"
#include "hearth/store.h"
#include "tmpdir.h"

struct fx {
    char *dir;
    struct hearth_store *st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em;

    if (!f)
        return -1;
    f->dir = tmpdir_make("store");
    if (!f->dir || hearth_store_open(f->dir, &f->st, &em) != HEARTH_OK) {
        fprintf(stderr, "setup: %s\n", f->dir ? em.msg : "mkdtemp failed");
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_store_close(f->st);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static void put_ok(struct hearth_store *st, const char *bytes, const char *name,
                   struct hearth_meta *m, char tok[HEARTH_TOKEN_LEN + 1])
{
    struct hearth_errmsg em;
    enum hearth_err e;

    e = hearth_store_put(st, (const unsigned char *)bytes, strlen(bytes), name, "", "{\"k\":1}", m,
                         tok, &em);
    if (e)
        fail_msg("put %s: %s", name, em.msg);
}

/* <dir>/blobs/ab/<hash> */
static char *blob_path(const char *dir, const char *hash)
{
    char rel[128];

    snprintf(rel, sizeof(rel), "blobs/%.2s/%s", hash, hash);
    return tmpdir_join(dir, rel);
}

static bool blob_exists(const char *dir, const char *hash)
{
    char *p = blob_path(dir, hash);
    struct stat sb;
    bool ok = stat(p, &sb) == 0;

    free(p);
    return ok;
}

/* Regular files under dir/sub (one level of subfolders, as blobs/ has). */
static int count_files(const char *dir, const char *sub)
{
    char cmd[600];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "find '%s/%s' -type f | wc -l", dir, sub);
    p = popen(cmd, "r");
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_put_get(void **state)
{
    struct fx *f = *state;
    struct hearth_meta m, g;
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1], hash[HEARTH_SHA256_HEX + 1];
    const char *bytes = "profile bytes\0with a NUL";
    unsigned char *back;
    size_t n, size;
    int64_t t0 = hearth_now_ms(), t1;
    int fd;

    assert_int_equal(hearth_store_put(f->st, (const unsigned char *)bytes, 24, "heap.pb.gz",
                                      "http://svc:6060/debug/pprof/heap", "{\"a\":[1,2]}", &m, tok,
                                      &em),
                     HEARTH_OK);
    t1 = hearth_now_ms();
    assert_true(hearth_id_valid(m.id, strlen(m.id)));
    hearth_sha256_hex(bytes, 24, hash);
    assert_string_equal(m.blob, hash); /* named by content */
    assert_int_equal(m.size, 24);
    assert_true(m.created >= t0 && m.created <= t1);
    assert_string_equal(m.name, "heap.pb.gz");
    assert_string_equal(m.source_url, "http://svc:6060/debug/pprof/heap");
    assert_string_equal(m.info_json, "{\"a\":[1,2]}");
    assert_int_equal(strlen(tok), HEARTH_TOKEN_LEN);
    assert_true(blob_exists(f->dir, hash));
    assert_int_equal(count_files(f->dir, "tmp"), 0);

    assert_int_equal(hearth_store_get(f->st, m.id, &g, &em), HEARTH_OK);
    assert_string_equal(g.id, m.id);
    assert_string_equal(g.blob, m.blob);
    assert_string_equal(g.name, m.name);
    assert_string_equal(g.source_url, m.source_url);
    assert_string_equal(g.info_json, m.info_json);
    assert_int_equal(g.created, m.created);
    assert_int_equal(g.size, 24);
    hearth_meta_release(&g);

    /* the bytes, whole or streamed; a read cap below the size refuses */
    assert_int_equal(hearth_store_read_blob(f->st, m.blob, 24, &back, &n, &em), HEARTH_OK);
    assert_int_equal(n, 24);
    assert_memory_equal(back, bytes, 24);
    free(back);
    assert_int_equal(hearth_store_read_blob(f->st, m.blob, 23, &back, &n, &em), HEARTH_E_TOO_LARGE);
    assert_null(back);
    assert_int_equal(hearth_store_open_blob(f->st, m.blob, &fd, &size, &em), HEARTH_OK);
    assert_true(fd >= 0);
    assert_int_equal(size, 24);
    close(fd);
    assert_int_equal(hearth_store_count(f->st), 1);

    /* unknown and malformed ids */
    {
        char other[HEARTH_ID_LEN + 1];
        assert_int_equal(hearth_id_new(other), HEARTH_OK);
        assert_int_equal(hearth_store_get(f->st, other, &g, &em), HEARTH_E_NOT_FOUND);
        assert_int_equal(hearth_store_get(f->st, "x' OR '1'='1", &g, &em), HEARTH_E_NOT_FOUND);
        assert_int_equal(hearth_store_get(f->st, "", &g, &em), HEARTH_E_NOT_FOUND);
        /* a gctrace lookup does not see profiles */
        assert_int_equal(hearth_store_get_gctrace(f->st, m.id, &g, &em), HEARTH_E_NOT_FOUND);
    }
    hearth_meta_release(&m);
}

/* Identical bytes share one blob; the blob goes with the last row that uses it. */
static void test_content_addressing(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b, c;
    struct hearth_errmsg em;
    char ta[HEARTH_TOKEN_LEN + 1], tb[HEARTH_TOKEN_LEN + 1], tc[HEARTH_TOKEN_LEN + 1];

    put_ok(f->st, "same bytes", "a", &a, ta);
    put_ok(f->st, "same bytes", "b", &b, tb);
    put_ok(f->st, "other bytes", "c", &c, tc);
    assert_string_not_equal(a.id, b.id);
    assert_string_equal(a.blob, b.blob);
    assert_string_not_equal(a.blob, c.blob);
    assert_int_equal(count_files(f->dir, "blobs"), 2);
    assert_int_equal(hearth_store_count(f->st), 3);

    assert_int_equal(hearth_store_delete(f->st, a.id, ta, &em), HEARTH_OK);
    assert_true(blob_exists(f->dir, b.blob)); /* b still uses it */
    assert_int_equal(hearth_store_delete(f->st, b.id, tb, &em), HEARTH_OK);
    assert_false(blob_exists(f->dir, b.blob));
    assert_true(blob_exists(f->dir, c.blob));
    assert_int_equal(count_files(f->dir, "blobs"), 1);
    assert_int_equal(hearth_store_count(f->st), 1);
    hearth_meta_release(&a);
    hearth_meta_release(&b);
    hearth_meta_release(&c);
}

/* Does the file contain s? (the token must never be on disk in clear) */
static bool file_contains(const char *path, const char *s)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n = 0, cap = 1 << 16, r, sl = strlen(s), i;
    bool found = false;

    if (!fp)
        return false;
    buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        r = fread(buf + n, 1, cap - n, fp);
        if (r == 0)
            break;
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(fp);
    for (i = 0; i + sl <= n && !found; i++)
        found = memcmp(buf + i, s, sl) == 0;
    free(buf);
    return found;
}

static void test_tokens(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b, g;
    struct hearth_errmsg em;
    char ta[HEARTH_TOKEN_LEN + 1], tb[HEARTH_TOKEN_LEN + 1], hash[HEARTH_SHA256_HEX + 1];
    char wrong[HEARTH_TOKEN_LEN + 1], *dbpath, *walpath;
    sqlite3 *db;
    sqlite3_stmt *q;

    put_ok(f->st, "bytes a", "a", &a, ta);
    put_ok(f->st, "bytes b", "b", &b, tb);
    assert_string_not_equal(ta, tb);

    /* stored as its SHA-256, never in clear */
    dbpath = tmpdir_join(f->dir, "hearth.db");
    walpath = tmpdir_join(f->dir, "hearth.db-wal");
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT delete_hash FROM profiles WHERE id = ?1", -1, &q, NULL),
        SQLITE_OK);
    sqlite3_bind_text(q, 1, a.id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    hearth_sha256_hex(ta, strlen(ta), hash);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), hash);
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_false(file_contains(dbpath, ta));
    assert_false(file_contains(walpath, ta));
    assert_true(file_contains(walpath, hash) || file_contains(dbpath, hash)); /* the probe works */

    /* wrong, empty, missing, another profile's, a near miss */
    memcpy(wrong, ta, sizeof(wrong));
    wrong[0] = (char)(wrong[0] == 'A' ? 'B' : 'A');
    assert_int_equal(hearth_store_delete(f->st, a.id, wrong, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->st, a.id, "", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->st, a.id, NULL, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->st, a.id, tb, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_delete(f->st, a.id, hash, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_get(f->st, a.id, &g, &em), HEARTH_OK);
    hearth_meta_release(&g);
    /* the right one, once */
    assert_int_equal(hearth_store_delete(f->st, a.id, ta, &em), HEARTH_OK);
    assert_int_equal(hearth_store_get(f->st, a.id, &g, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_delete(f->st, a.id, ta, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_delete(f->st, "not-an-id", ta, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_get(f->st, b.id, &g, &em), HEARTH_OK);
    hearth_meta_release(&g);
    free(dbpath);
    free(walpath);
    hearth_meta_release(&a);
    hearth_meta_release(&b);
}

/* Pages of the list: newest first by (created, id), no row twice, none lost. */
static void test_list_pages(void **state)
{
    struct fx *f = *state;
    struct hearth_meta m[7];
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1], last_id[HEARTH_ID_LEN + 1] = "", seen[7][HEARTH_ID_LEN + 1];
    int64_t last = INT64_MAX, prev_created = INT64_MAX;
    char prev_id[HEARTH_ID_LEN + 1] = "~";
    int more = 1, pages = 0, nseen = 0, i, j;

    for (i = 0; i < 7; i++) {
        char bytes[32];
        snprintf(bytes, sizeof(bytes), "profile %d", i);
        put_ok(f->st, bytes, bytes, &m[i], tok);
        if (i % 3 == 0)
            sleep_ms(2); /* some share a millisecond, some do not */
    }
    while (more) {
        struct hearth_buf b;
        json_t *arr, *it;
        size_t k;

        hearth_buf_init(&b, 1 << 20);
        assert_int_equal(hearth_store_list(f->st, last, last_id, 3, &b, &last, last_id, &more, &em),
                         HEARTH_OK);
        arr = json_loads(b.ptr, 0, NULL);
        assert_non_null(arr);
        assert_true(json_array_size(arr) <= 3);
        assert_true(more ? json_array_size(arr) == 3 : 1);
        json_array_foreach(arr, k, it)
        {
            const char *id = json_string_value(json_object_get(it, "id"));
            int64_t created = json_integer_value(json_object_get(it, "created"));
            assert_non_null(id);
            /* strictly decreasing (created, id) */
            assert_true(created < prev_created ||
                        (created == prev_created && strcmp(id, prev_id) < 0));
            prev_created = created;
            snprintf(prev_id, sizeof(prev_id), "%s", id);
            assert_int_equal(json_integer_value(json_object_get(json_object_get(it, "info"), "k")),
                             1);
            assert_true(nseen < 7);
            snprintf(seen[nseen++], HEARTH_ID_LEN + 1, "%s", id);
        }
        if (json_array_size(arr))
            assert_string_equal(last_id, prev_id);
        json_decref(arr);
        hearth_buf_release(&b);
        pages++;
        assert_true(pages <= 4);
    }
    assert_int_equal(nseen, 7);
    for (i = 0; i < 7; i++) {
        int hits = 0;
        for (j = 0; j < 7; j++)
            hits += !strcmp(seen[j], m[i].id);
        assert_int_equal(hits, 1);
        hearth_meta_release(&m[i]);
    }
    assert_int_equal(pages, 3); /* 3 + 3 + 1 */
}

/* A list that does not fit its buffer fails with the buffer's error. */
static void test_list_cap(void **state)
{
    struct fx *f = *state;
    struct hearth_meta m;
    struct hearth_errmsg em;
    struct hearth_buf b;
    char tok[HEARTH_TOKEN_LEN + 1], last_id[HEARTH_ID_LEN + 1];
    int64_t last;
    int more;

    put_ok(f->st, "x", "x", &m, tok);
    hearth_buf_init(&b, 16);
    assert_int_equal(hearth_store_list(f->st, INT64_MAX, "", 10, &b, &last, last_id, &more, &em),
                     HEARTH_E_TOO_LARGE);
    hearth_buf_release(&b);
    hearth_meta_release(&m);
}

static void test_expire(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b, c, g;
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1];
    int64_t cut;
    int n = -1;

    put_ok(f->st, "old a", "a", &a, tok);
    put_ok(f->st, "old b", "b", &b, tok);
    sleep_ms(3);
    cut = hearth_now_ms();
    sleep_ms(3);
    put_ok(f->st, "new c", "c", &c, tok);
    assert_int_equal(hearth_store_expire(f->st, 0, &n, &em), HEARTH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(hearth_store_expire(f->st, cut, &n, &em), HEARTH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hearth_store_get(f->st, a.id, &g, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_get(f->st, b.id, &g, &em), HEARTH_E_NOT_FOUND);
    assert_false(blob_exists(f->dir, a.blob));
    assert_false(blob_exists(f->dir, b.blob));
    assert_int_equal(hearth_store_get(f->st, c.id, &g, &em), HEARTH_OK);
    hearth_meta_release(&g);
    assert_true(blob_exists(f->dir, c.blob));
    assert_int_equal(hearth_store_count(f->st), 1);
    assert_int_equal(hearth_store_expire(f->st, cut, &n, &em), HEARTH_OK);
    assert_int_equal(n, 0);
    hearth_meta_release(&a);
    hearth_meta_release(&b);
    hearth_meta_release(&c);
}

/* gctrace logs: their own table and ids; a blob shared with a profile stays for the log. */
static void test_gctrace_table(void **state)
{
    struct fx *f = *state;
    struct hearth_meta p, t, g;
    struct hearth_errmsg em;
    char tp[HEARTH_TOKEN_LEN + 1], tt[HEARTH_TOKEN_LEN + 1];
    const char *log =
        "gc 1 @0.1s 1%: 0+1+0 ms clock, 0+0/1/0+0 ms cpu, 4->4->0 MB, 5 MB goal, 4 P\n";

    put_ok(f->st, log, "as profile", &p, tp);
    assert_int_equal(hearth_store_put_gctrace(f->st, (const unsigned char *)log, strlen(log),
                                              "gc.log", "{\"gcs\":1}", &t, tt, &em),
                     HEARTH_OK);
    assert_string_equal(t.blob, p.blob);
    assert_string_equal(t.source_url, "");
    assert_int_equal(hearth_store_get_gctrace(f->st, t.id, &g, &em), HEARTH_OK);
    assert_string_equal(g.name, "gc.log");
    assert_string_equal(g.info_json, "{\"gcs\":1}");
    hearth_meta_release(&g);
    assert_int_equal(hearth_store_get(f->st, t.id, &g, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_store_count(f->st), 1); /* profiles only */
    assert_int_equal(hearth_store_delete(f->st, p.id, tp, &em), HEARTH_OK);
    assert_true(blob_exists(f->dir, t.blob)); /* the log still needs it */
    hearth_meta_release(&p);
    hearth_meta_release(&t);
}

/* A file name of 64 hex digits in blobs/<first two>/ is a blob; write one with no row. */
static char *orphan_blob(const char *dir, const char *content, int64_t mtime_s)
{
    char hash[HEARTH_SHA256_HEX + 1], sub[16], *sp, *bp;

    hearth_sha256_hex(content, strlen(content), hash);
    snprintf(sub, sizeof(sub), "blobs/%.2s", hash);
    sp = tmpdir_join(dir, sub);
    mkdir(sp, 0750);
    bp = blob_path(dir, hash);
    write_file(bp, content, strlen(content));
    if (mtime_s > 0) {
        struct timespec ts[2] = {{mtime_s, 0}, {mtime_s, 0}};
        assert_int_equal(utimensat(AT_FDCWD, bp, ts, 0), 0);
    }
    free(sp);
    free(bp);
    return strdup(hash);
}

/*
 * The start-up sweep: tmp/ is emptied; a blob no row names, written after
 * the database was made, is removed; blobs with rows, older unreferenced
 * blobs (a lost database's) and files that are not blobs stay.
 */
static void test_sweep(void **state)
{
    struct fx *f = *state;
    struct hearth_meta p, g;
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1], *young, *old, *tmpf, *notes;
    unsigned char *back;
    size_t n;

    put_ok(f->st, "kept", "kept", &p, tok);
    hearth_store_close(f->st);
    f->st = NULL;
    young = orphan_blob(f->dir, "left by a crash between rename and insert", 0);
    old = orphan_blob(f->dir, "from a lost database", 946684800); /* 2000-01-01 */
    tmpf = tmpdir_join(f->dir, "tmp/0123456789abcdef.123.456");
    write_file(tmpf, "half", 4);
    notes = tmpdir_join(f->dir, "blobs/notes.txt");
    write_file(notes, "operator's file", 15);
    assert_int_equal(count_files(f->dir, "blobs"), 4);

    assert_int_equal(hearth_store_open(f->dir, &f->st, &em), HEARTH_OK);
    assert_int_equal(count_files(f->dir, "tmp"), 0);
    assert_false(blob_exists(f->dir, young));
    assert_true(blob_exists(f->dir, old));
    assert_true(blob_exists(f->dir, p.blob));
    assert_int_equal(access(notes, F_OK), 0);
    assert_int_equal(hearth_store_get(f->st, p.id, &g, &em), HEARTH_OK);
    assert_int_equal(hearth_store_read_blob(f->st, g.blob, 100, &back, &n, &em), HEARTH_OK);
    assert_memory_equal(back, "kept", 4);
    free(back);
    hearth_meta_release(&g);
    hearth_meta_release(&p);
    free(young);
    free(old);
    free(tmpf);
    free(notes);
}

static void set_mtime(const char *dir, const char *hash, int64_t mtime_s)
{
    struct timespec ts[2] = {{mtime_s, 0}, {mtime_s, 0}};
    char *bp = blob_path(dir, hash);

    assert_int_equal(utimensat(AT_FDCWD, bp, ts, 0), 0);
    free(bp);
}

/* A lost hearth.db: the new, empty database lists nothing, and no blob is swept. */
static void test_sweep_lost_db(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b;
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1], *p;
    const char *files[] = {"hearth.db", "hearth.db-wal", "hearth.db-shm"};
    size_t i;

    put_ok(f->st, "first", "first", &a, tok);
    hearth_store_close(f->st);
    f->st = NULL;
    for (i = 0; i < 3; i++) {
        p = tmpdir_join(f->dir, files[i]);
        unlink(p);
        free(p);
    }
    /* even a blob newer than the new database (a clock step, a restore) stays while it lists
     * nothing */
    set_mtime(f->dir, a.blob, hearth_now_ms() / 1000 + 3600);
    assert_int_equal(hearth_store_open(f->dir, &f->st, &em), HEARTH_OK);
    assert_int_equal(hearth_store_count(f->st), 0);
    assert_true(blob_exists(f->dir, a.blob));
    /* with a row again, the old blob is older than this database: still kept */
    set_mtime(f->dir, a.blob, 946684800);
    put_ok(f->st, "second", "second", &b, tok);
    hearth_store_close(f->st);
    f->st = NULL;
    assert_int_equal(hearth_store_open(f->dir, &f->st, &em), HEARTH_OK);
    assert_true(blob_exists(f->dir, a.blob));
    assert_true(blob_exists(f->dir, b.blob));
    hearth_meta_release(&a);
    hearth_meta_release(&b);
}

/* Overwrite n bytes of path at off with 0xa5. */
static void damage(const char *path, off_t off, size_t n)
{
    unsigned char junk[8192];
    int fd = open(path, O_WRONLY);

    assert_true(fd >= 0);
    assert_true(n <= sizeof(junk));
    memset(junk, 0xa5, n);
    assert_int_equal(pwrite(fd, junk, n, off), (ssize_t)n);
    close(fd);
}

/* A damaged hearth.db is a start-up error that names it, and nothing is deleted. */
static void test_open_damaged(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b;
    struct hearth_errmsg em;
    struct hearth_store *st2 = (struct hearth_store *)1;
    char tok[HEARTH_TOKEN_LEN + 1], *db = tmpdir_join(f->dir, "hearth.db");
    struct stat sb;
    int files;

    put_ok(f->st, "a", "a", &a, tok);
    put_ok(f->st, "b", "b", &b, tok);
    hearth_store_close(f->st); /* checkpoints the WAL into hearth.db */
    f->st = NULL;
    files = count_files(f->dir, "blobs");
    assert_int_equal(files, 2);
    assert_int_equal(stat(db, &sb), 0);
    assert_true(sb.st_size >= 3 * 4096);

    /* pages after the first: quick_check or the first read finds it */
    damage(db, 4096, 8192);
    memset(&em, 0, sizeof(em));
    assert_int_equal(hearth_store_open(f->dir, &st2, &em), HEARTH_E_IO);
    assert_null(st2);
    assert_non_null(strstr(em.msg, "hearth.db"));
    assert_non_null(strstr(em.msg, "corrupt"));
    assert_null(strchr(em.msg, '\n'));
    assert_int_equal(count_files(f->dir, "blobs"), files);

    /* the header itself */
    damage(db, 0, 100);
    memset(&em, 0, sizeof(em));
    st2 = (struct hearth_store *)1;
    assert_int_equal(hearth_store_open(f->dir, &st2, &em), HEARTH_E_IO);
    assert_null(st2);
    assert_non_null(strstr(em.msg, "hearth.db"));
    assert_int_equal(count_files(f->dir, "blobs"), files);
    free(db);
    hearth_meta_release(&a);
    hearth_meta_release(&b);
}

/* A data directory that cannot be made fails clearly (not only later, at the first put). */
static void test_open_bad_dir(void **state)
{
    struct fx *f = *state;
    struct hearth_store *st2 = (struct hearth_store *)1;
    struct hearth_errmsg em;
    char *file = tmpdir_join(f->dir, "plainfile"), *sub = tmpdir_join(file, "data");

    write_file(file, "x", 1);
    assert_int_equal(hearth_store_open(sub, &st2, &em), HEARTH_E_IO);
    assert_null(st2);
    assert_non_null(strstr(em.msg, "cannot create data directory"));
    free(sub);
    free(file);
}

/* Writes are refused with the reason once hearth.db or blobs/ is gone or damaged; reads go on. */
static void test_degraded(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, g, x;
    struct hearth_errmsg em;
    char tok[HEARTH_TOKEN_LEN + 1], tx[HEARTH_TOKEN_LEN + 1];
    char *db = tmpdir_join(f->dir, "hearth.db"), *moved = tmpdir_join(f->dir, "moved.db");
    int n;

    put_ok(f->st, "a", "a", &a, tok);
    assert_int_equal(hearth_store_check(f->st, &em), HEARTH_OK);
    hearth_store_close(f->st);
    assert_int_equal(hearth_store_open(f->dir, &f->st, &em), HEARTH_OK); /* fresh check cache */

    assert_int_equal(rename(db, moved), 0);
    memset(&em, 0, sizeof(em));
    assert_int_equal(
        hearth_store_put(f->st, (const unsigned char *)"b", 1, "b", "", "{}", &x, tx, &em),
        HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "removed or replaced"));
    assert_null(strstr(em.msg, f->dir)); /* never the data directory's path */
    assert_int_equal(hearth_store_delete(f->st, a.id, tok, &em), HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_store_expire(f->st, INT64_MAX, &n, &em), HEARTH_E_UNAVAILABLE);
    assert_int_equal(hearth_store_check(f->st, &em), HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "removed or replaced"));
    /* reads of what is still readable keep working */
    assert_int_equal(hearth_store_get(f->st, a.id, &g, &em), HEARTH_OK);
    hearth_meta_release(&g);
    assert_int_equal(rename(moved, db), 0); /* same inode again: writable */
    assert_int_equal(hearth_store_delete(f->st, a.id, tok, &em), HEARTH_OK);

    /* blobs/ gone */
    put_ok(f->st, "c", "c", &x, tx);
    hearth_meta_release(&x);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/blobs'", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    memset(&em, 0, sizeof(em));
    assert_int_equal(
        hearth_store_put(f->st, (const unsigned char *)"d", 1, "d", "", "{}", &x, tx, &em),
        HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "blobs folder is missing"));
    {
        char *blobs = tmpdir_join(f->dir, "blobs");
        assert_int_equal(mkdir(blobs, 0750), 0);
        free(blobs);
    }

    /* the SQLite header overwritten */
    damage(db, 0, 16);
    memset(&em, 0, sizeof(em));
    assert_int_equal(
        hearth_store_put(f->st, (const unsigned char *)"e", 1, "e", "", "{}", &x, tx, &em),
        HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "lost its SQLite header"));
    free(db);
    free(moved);
    hearth_meta_release(&a);
}

struct worker {
    struct hearth_store *st;
    int k, ok;
};

static void *put_many(void *arg)
{
    struct worker *w = arg;
    int i;

    for (i = 0; i < 12; i++) {
        struct hearth_meta m;
        struct hearth_errmsg em;
        char tok[HEARTH_TOKEN_LEN + 1], bytes[32];
        /* half the contents are shared among the threads */
        snprintf(bytes, sizeof(bytes), "t%d i%d", i % 2 ? w->k : -1, i);
        if (hearth_store_put(w->st, (const unsigned char *)bytes, strlen(bytes), bytes, "", "{}",
                             &m, tok, &em) == HEARTH_OK) {
            w->ok++;
            hearth_meta_release(&m);
        }
    }
    return NULL;
}

/* The store is thread-safe: puts from four threads all land, shared contents once. */
/*
 * The profile count is kept by the writers (put, delete, expire), so
 * hearth_store_count() scans the table only once; readiness needs a
 * writable tmp/ and the database.
 */
static void test_count_and_ready(void **state)
{
    struct fx *f = *state;
    struct hearth_meta a, b;
    struct hearth_errmsg em;
    char ta[HEARTH_TOKEN_LEN + 1], tb[HEARTH_TOKEN_LEN + 1], *tmp, *away;
    int n;

    assert_int_equal(hearth_store_count(f->st), 0);
    put_ok(f->st, "count a", "a", &a, ta);
    put_ok(f->st, "count b", "b", &b, tb);
    assert_int_equal(hearth_store_count(f->st), 2);
    assert_int_equal(hearth_store_delete(f->st, a.id, "wrong", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_store_count(f->st), 2);
    assert_int_equal(hearth_store_delete(f->st, a.id, ta, &em), HEARTH_OK);
    assert_int_equal(hearth_store_count(f->st), 1);
    assert_int_equal(hearth_store_expire(f->st, hearth_now_ms() + 1000, &n, &em), HEARTH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hearth_store_count(f->st), 0);
    assert_int_equal(hearth_store_ready(f->st, &em), HEARTH_OK);
    assert_int_equal(count_files(f->dir, "tmp"), 0); /* the probe is removed */
    tmp = tmpdir_join(f->dir, "tmp");
    away = tmpdir_join(f->dir, "tmp.away");
    assert_int_equal(rename(tmp, away), 0);
    write_file(tmp, "x", 1); /* tmp/ is a file now: nothing can be written in it */
    assert_int_equal(hearth_store_ready(f->st, &em), HEARTH_E_UNAVAILABLE);
    assert_non_null(strstr(em.msg, "not writable"));
    assert_null(strstr(em.msg, f->dir));
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(rename(away, tmp), 0);
    assert_int_equal(hearth_store_ready(f->st, &em), HEARTH_OK);
    free(tmp);
    free(away);
    hearth_meta_release(&a);
    hearth_meta_release(&b);
}

static void test_concurrent_puts(void **state)
{
    struct fx *f = *state;
    struct worker w[4];
    pthread_t th[4];
    int i;

    for (i = 0; i < 4; i++) {
        w[i].st = f->st;
        w[i].k = i;
        w[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, put_many, &w[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, 12);
    }
    assert_int_equal(hearth_store_count(f->st), 48);
    assert_int_equal(count_files(f->dir, "blobs"), 6 + 4 * 6);
    assert_int_equal(count_files(f->dir, "tmp"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_addressing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gctrace_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_lost_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_bad_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_degraded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_and_ready, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
