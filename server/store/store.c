/* store.c - metadata through the SQL seam (db.h), bytes through blobs.h; see
 * include/hearth/store.h. */
#define _GNU_SOURCE
#include "hearth/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "hearth/blobs.h"
#include "hearth/jsonw.h"
#include "hearth/limits.h"
#include "hearth/log.h"
#include "hearth/metrics.h"
#include "store_int.h"

#include "hearth/banned.h"

/* The store's limits (beside the input limits of limits.c: these bound disk use, not input). */
#define STORE_RESERVE_BYTES (256 << 10) /* kept back so a DELETE can commit on a full disk: one */
                                        /* delete writes a few 4 KB pages to the WAL */
#define STORE_RESERVE_MIN_FREE                                                                     \
    (4 * STORE_RESERVE_BYTES)     /* (re)create it only when this is free                          \
                                   */
#define STORE_CHECK_EVERY_MS 1000 /* hearth_store_check() looks again at most this often */

/*
 * An I/O error: "what" and the path relative to the data directory, so that
 * HTTP answers never show where the data lives (start-up errors, which go to
 * stderr only, pass the full path as it is outside the data directory).
 */
static enum hearth_err io_err(struct hearth_errmsg *em, const char *what, const char *path,
                              const char *dir)
{
    int err = errno;
    size_t dl = dir ? strlen(dir) : 0;

    if (err == ENOSPC || err == EDQUOT)
        return hearth_errmsg_set(em, HEARTH_E_NO_SPACE, "%s: the data directory is full", what);
    if (dir && !strncmp(path, dir, dl) && path[dl] == '/')
        return hearth_errmsg_set(em, HEARTH_E_IO, "%s <data>/%s: %s", what, path + dl + 1,
                                 strerror(err));
    return hearth_errmsg_set(em, HEARTH_E_IO, "%s %s: %s", what, path, strerror(err));
}

/* Seconds on the monotonic clock (store latency metrics). */
static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *path_join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
    return p;
}

static int mkdir_p1(const char *p)
{
    if (mkdir(p, 0750) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

static void meta_from_row(struct hearth_db_stmt *q, struct hearth_meta *m)
{
    const char *s;

    memset(m, 0, sizeof(*m));
    s = hearth_db_column_text(q, 0);
    snprintf(m->id, sizeof(m->id), "%s", s ? s : "");
    s = hearth_db_column_text(q, 1);
    snprintf(m->blob, sizeof(m->blob), "%s", s ? s : "");
    s = hearth_db_column_text(q, 2);
    m->name = strdup(s ? s : "");
    s = hearth_db_column_text(q, 3);
    m->source_url = strdup(s ? s : "");
    s = hearth_db_column_text(q, 4);
    m->info_json = strdup(s ? s : "{}");
    m->created = hearth_db_column_int64(q, 5);
    m->size = hearth_db_column_int64(q, 6);
}

void hearth_meta_release(struct hearth_meta *m)
{
    free(m->name);
    free(m->source_url);
    free(m->info_json);
    m->name = m->source_url = m->info_json = NULL;
}

/* A blob's file name: 64 lower-case hex digits, in the folder of its first two. */
static bool blob_name_ok(const char *name, const char *sub)
{
    size_t i;

    for (i = 0; name[i]; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return i == HEARTH_SHA256_HEX && name[0] == sub[0] && name[1] == sub[1];
}

/*
 * Walk blobs/: count the blob files (q NULL), or unlink those the database
 * positively says are unused (q the lookup) and that were written after the
 * database was created (since_ms; older ones may belong to a lost database
 * and are counted in *older): a lookup that fails stops the walk, so an
 * error never counts as "unused". Returns the files counted or removed, or
 * -1 when a lookup failed.
 */
static long walk_blobs(const char *blobs, struct hearth_db_stmt *q, int64_t since_ms, long *older)
{
    DIR *d = opendir(blobs);
    struct dirent *de;
    long n = 0;

    if (!d)
        return 0;
    while (n >= 0) {
        DIR *sd;
        struct dirent *f;
        int fd;
        de = readdir(d);
        if (!de)
            break;
        if (de->d_name[0] == '.' || strlen(de->d_name) != 2)
            continue;
        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        sd = fd >= 0 ? fdopendir(fd) : NULL;
        if (!sd) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        while (n >= 0) {
            int rc;
            f = readdir(sd);
            if (!f)
                break;
            if (!blob_name_ok(f->d_name, de->d_name))
                continue; /* not ours: never touched */
            if (!q) {
                n++;
                continue;
            }
            hearth_db_reset(q);
            hearth_db_bind_text(q, 1, f->d_name);
            rc = hearth_db_step(q);
            if (rc == HEARTH_DB_DONE) {
                struct stat sb;
                if (fstatat(dirfd(sd), f->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
                    (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000 < since_ms)
                    (*older)++;
                else if (unlinkat(dirfd(sd), f->d_name, 0) == 0)
                    n++;
            } else if (rc != HEARTH_DB_ROW) {
                n = -1;
            }
        }
        closedir(sd);
    }
    closedir(d);
    return n;
}

/*
 * Remove tmp files, and blobs no row refers to (a crash between the rename
 * and the insert). A blob is removed only when the database positively says
 * it is unused: the database passed its check at open, the lookup succeeded
 * and found no row; and never while the database lists nothing at all but
 * blobs exist (a lost or replaced hearth.db must not cost the blobs).
 */
static void sweep(struct hearth_store *st)
{
    const char *blobs = hearth_blobs_local_dir(st->blobs); /* NULL: S3, never listed */
    char *tmp = path_join(st->dir, "tmp", NULL);
    DIR *d = NULL;
    struct dirent *de;
    struct hearth_db_stmt *q = NULL;
    int64_t rows = -1, since = INT64_MAX;
    long files, removed, older = 0;

    if (tmp)
        d = opendir(tmp);
    if (d) {
        for (de = readdir(d); de; de = readdir(d))
            if (de->d_name[0] != '.')
                unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
    }
    if (!blobs)
        goto out_free;
    if (hearth_db_prepare(st->db,
                          "SELECT (SELECT count(*) FROM profiles) + (SELECT count(*) FROM "
                          "gctraces), (SELECT value FROM store_meta WHERE key = 'created_ms')",
                          &q) == 0 &&
        hearth_db_step(q) == HEARTH_DB_ROW && !hearth_db_column_null(q, 1)) {
        rows = hearth_db_column_int64(q, 0);
        since = hearth_db_column_int64(q, 1);
    }
    hearth_db_finalize(q);
    q = NULL;
    files = walk_blobs(blobs, NULL, 0, &older);
    if (rows < 0) {
        hearth_log(HEARTH_LOG_ERROR, "store",
                   "cannot count the stored profiles (%s): no blob is removed", hearth_db_errmsg());
        goto out_free;
    }
    if (rows == 0 && files > 0) {
        hearth_log(
            HEARTH_LOG_WARN, "store",
            "hearth.db lists no profiles but blobs/ holds %ld files: all are kept "
            "(not swept); if hearth.db was lost, restore it from a backup to list them again",
            files);
        goto out_free;
    }
    if (hearth_db_prepare(st->db,
                          "SELECT 1 FROM profiles WHERE blob = ?1 UNION ALL "
                          "SELECT 1 FROM gctraces WHERE blob = ?1 UNION ALL "
                          "SELECT 1 FROM derived WHERE dblob = ?1 LIMIT 1",
                          &q) < 0) {
        hearth_log(HEARTH_LOG_ERROR, "store", "cannot look up blobs (%s): no blob is removed",
                   hearth_db_errmsg());
        goto out_free;
    }
    removed = walk_blobs(blobs, q, since, &older);
    if (older > 0)
        hearth_log(HEARTH_LOG_WARN, "store",
                   "kept %ld unreferenced blobs older than hearth.db (they may belong to a "
                   "lost database: restore it from a backup to list them again)",
                   older);
    if (removed < 0)
        hearth_log(HEARTH_LOG_ERROR, "store", "a blob lookup failed (%s): the sweep stopped there",
                   hearth_db_errmsg());
    else if (removed > 0)
        hearth_log(HEARTH_LOG_INFO, "store",
                   "removed %ld unreferenced blobs (left by interrupted uploads)", removed);
out_free:
    hearth_db_finalize(q);
    free(tmp);
}

/* Create the reserve file if it is missing and the disk has room. Lock held (or not yet shared). */
static void reserve_fill(struct hearth_store *st)
{
    struct statvfs vs;
    int fd;

    if (st->have_reserve || !st->reserve || statvfs(st->dir, &vs) < 0 ||
        (uint64_t)vs.f_bavail * vs.f_frsize < STORE_RESERVE_MIN_FREE)
        return;
    fd = open(st->reserve, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (posix_fallocate(fd, 0, STORE_RESERVE_BYTES) == 0)
        st->have_reserve = true;
    else
        unlink(st->reserve);
    close(fd);
}

bool hearth__store_release_reserve(struct hearth_store *st)
{
    bool had = st->reserve && unlink(st->reserve) == 0;

    st->have_reserve = false;
    if (had)
        hearth_log(HEARTH_LOG_WARN, "store",
                   "the disk is full: released the %d KB reserve so a delete can "
                   "commit",
                   STORE_RESERVE_BYTES >> 10);
    return had;
}

enum hearth_err hearth_store_check(struct hearth_store *st, struct hearth_errmsg *em)
{
    struct hearth_errmsg m = {{0}};
    int64_t now = hearth_now_ms();
    enum hearth_err e;

    pthread_mutex_lock(&st->check_lock);
    if (now - st->check_at >= STORE_CHECK_EVERY_MS || now < st->check_at) {
        st->check_e = hearth__store_writable(st, &m);
        snprintf(st->check_msg, sizeof(st->check_msg), "%.250s", st->check_e ? m.msg : "");
        st->check_at = now;
    }
    e = st->check_e;
    if (e)
        hearth_errmsg_set(em, e, "%s", st->check_msg);
    pthread_mutex_unlock(&st->check_lock);
    return e;
}

/* Run SQLite's quick_check on an existing database: a damaged one is a start-up error. */
static enum hearth_err db_verify(struct hearth_store *st, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *res;
    int rc;

    rc = hearth_db_prepare(st->db, "PRAGMA quick_check(1)", &q);
    if (rc == 0)
        rc = hearth_db_step(q);
    res = rc == HEARTH_DB_ROW ? hearth_db_column_text(q, 0) : NULL;
    if (rc == HEARTH_DB_ROW && res && !strcmp(res, "ok"))
        goto out;
    if (rc == HEARTH_DB_ROW || hearth_db_fail() == HEARTH_DB_F_CORRUPT) {
        char why[121], *p;
        snprintf(why, sizeof(why), "%s", rc == HEARTH_DB_ROW && res ? res : hearth_db_errmsg());
        for (p = why; *p; p++)
            if ((unsigned char)*p < ' ')
                *p = ' '; /* quick_check's report has newlines: one line on stderr */
        e = hearth_errmsg_set(
            em, HEARTH_E_IO,
            "%s is corrupt (%s): not starting, and no blob was deleted; restore it (with its "
            "-wal file) from a backup, or move it away to start with an empty database (the "
            "blobs are kept)",
            st->dbpath, why);
    } else
        e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot read %s: %s", st->dbpath,
                              hearth_db_errmsg());
out:
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_store_open(const char *dir, struct hearth_store **out,
                                  struct hearth_errmsg *em)
{
    struct hearth_store_opts o = {.dir = dir};

    return hearth_store_open_opts(&o, out, em);
}

enum hearth_err hearth_store_open_opts(const struct hearth_store_opts *o, struct hearth_store **out,
                                       struct hearth_errmsg *em)
{
    const char *dir = o->dir;
    struct hearth_blobs_opts bo = {o->dir, o->blobs, o->s3_endpoint, o->s3_region};
    struct hearth_store *st = calloc(1, sizeof(*st));
    char *sub = NULL, *probe = NULL;
    enum hearth_err e = HEARTH_OK;
    struct stat sb;
    bool existed;
    int fd, from = 0, to = 0;
    *out = NULL;
    if (!st)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->check_lock, NULL);
    st->nprofiles = -1;
    st->db_fd = -1;
    st->blob_max = o->blob_max ? o->blob_max : hearth_limits_default().max_input;
    st->dir = strdup(dir);
    if (!st->dir) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    if (mkdir_p1(dir) < 0) {
        e = io_err(em, "cannot create data directory", dir, NULL);
        goto out_fail;
    }
    /* writable? (a read-only data directory is a start-up error, not a late surprise) */
    probe = path_join(dir, ".hearth-write-test", NULL);
    if (!probe) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = io_err(em, "data directory is not writable:", dir, NULL);
        goto out_fail;
    }
    close(fd);
    unlink(probe);
    sub = path_join(dir, "tmp", NULL);
    if (!sub || mkdir_p1(sub) < 0) {
        e = io_err(em, "cannot create", sub ? sub : dir, NULL);
        goto out_fail;
    }
    e = hearth_blobs_open(&bo, &st->blobs, em);
    if (e)
        goto out_fail;
    st->dbpath = path_join(dir, "hearth.db", NULL);
    st->reserve = path_join(dir, "reserve", NULL);
    if (!st->dbpath || !st->reserve) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    st->sqlite = !hearth_db_url_is_postgres(o->metadata);
    existed = st->sqlite && stat(st->dbpath, &sb) == 0 && sb.st_size > 0;
    e = hearth_db_open(o->metadata, st->dbpath, &st->db, em);
    if (e)
        goto out_fail;
    if (existed) {
        e = db_verify(st, em);
        if (e)
            goto out_fail;
    }
    if (st->sqlite &&
        hearth_db_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;") < 0) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot initialise %s: %s", st->dbpath,
                              hearth_db_errmsg());
        goto out_fail;
    }
    e = hearth__store_migrate(st->db, hearth_now_ms(), &from, &to, em);
    if (e)
        goto out_fail;
    if (from != to)
        hearth_log(HEARTH_LOG_INFO, "store", "metadata schema: version %d -> %d (%s)", from, to,
                   hearth_db_name(st->db));
    if (st->sqlite) {
        if (stat(st->dbpath, &sb) < 0) {
            e = io_err(em, "cannot stat", st->dbpath, NULL);
            goto out_fail;
        }
        st->db_dev = sb.st_dev;
        st->db_ino = sb.st_ino;
        st->db_fd = open(st->dbpath, O_RDONLY | O_CLOEXEC);
        if (st->db_fd < 0) {
            e = io_err(em, "cannot open", st->dbpath, NULL);
            goto out_fail;
        }
    }
    sweep(st);
    reserve_fill(st);
    *out = st;
    st = NULL;
out_fail:
    free(sub);
    free(probe);
    hearth_store_close(st);
    return e;
}

void hearth_store_close(struct hearth_store *st)
{
    if (!st)
        return;
    hearth_db_close(st->db);
    if (st->db_fd >= 0)
        close(st->db_fd); /* after SQLite's own: see db_fd */
    hearth_blobs_close(st->blobs);
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->check_lock);
    free(st->dir);
    free(st->dbpath);
    free(st->reserve);
    free(st);
}

static enum hearth_err put_row(struct hearth_store *st, const char *table,
                               const unsigned char *bytes, size_t n, const char *name,
                               const char *source_url, const char *info_json, struct hearth_meta *m,
                               char token_out[HEARTH_TOKEN_LEN + 1], struct hearth_errmsg *em)
{
    char sql[256];
    char token_hash[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;
    bool created = false;
    int rc, tries;

    memset(m, 0, sizeof(*m));
    hearth_sha256_hex(bytes, n, m->blob);
    e = hearth_token_new(token_out);
    if (e)
        return hearth_errmsg_set(em, e, "no random numbers available");
    hearth_sha256_hex(token_out, strlen(token_out), token_hash);
    m->created = hearth_now_ms();
    m->size = (int64_t)n;
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    /* shared metadata: take the blob back from the collector first (waits for a collection of
     * it in progress, which then cannot delete the bytes written next) */
    if (hearth_db_kind(st->db) == HEARTH_DB_POSTGRES) {
        if (hearth_db_prepare(st->db, "DELETE FROM blob_gc WHERE blob = ?1", &q) < 0) {
            e = hearth__store_db_err(st, em, "cannot store the profile");
            goto out_unlock;
        }
        hearth_db_bind_text(q, 1, m->blob);
        rc = hearth_db_step(q);
        hearth_db_finalize(q);
        q = NULL;
        if (rc != HEARTH_DB_DONE) {
            e = hearth__store_db_err(st, em, "cannot store the profile");
            goto out_unlock;
        }
    }
    /* under the lock: a concurrent delete of the last row using this blob cannot remove it */
    e = hearth_blobs_put(st->blobs, m->blob, bytes, n, &created, em);
    if (e)
        goto out_unlock;
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s (id, blob, name, source_url, info, created, size, delete_hash) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
             table);
    if (hearth_db_prepare(st->db, sql, &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot store the profile");
        goto out_unlock;
    }
    for (tries = 0; tries < 3; tries++) {
        e = hearth_id_new(m->id);
        if (e) {
            hearth_errmsg_set(em, e, "no random numbers available");
            goto out_unlock;
        }
        hearth_db_reset(q);
        hearth_db_bind_text(q, 1, m->id);
        hearth_db_bind_text(q, 2, m->blob);
        hearth_db_bind_text(q, 3, name);
        hearth_db_bind_text(q, 4, source_url ? source_url : "");
        hearth_db_bind_text(q, 5, info_json);
        hearth_db_bind_int64(q, 6, m->created);
        hearth_db_bind_int64(q, 7, m->size);
        hearth_db_bind_text(q, 8, token_hash);
        rc = hearth_db_step(q);
        if (rc == HEARTH_DB_DONE && hearth_db_changes(st->db) == 1)
            break;
        if (rc != HEARTH_DB_DONE) {
            e = hearth__store_db_err(st, em, "cannot store the profile");
            goto out_unlock;
        }
    }
    if (tries == 3) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "could not allocate an id");
        goto out_unlock;
    }
    if (!strcmp(table, "profiles"))
        hearth__store_count_add(st, 1);
    m->name = strdup(name);
    m->source_url = strdup(source_url ? source_url : "");
    m->info_json = strdup(info_json);
    if (!m->name || !m->source_url || !m->info_json)
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    reserve_fill(st);
out_unlock:
    hearth_db_finalize(q);
    if (e && created && !m->name)
        hearth__store_unlink_unused(st, m->blob); /* no row was added: do not leave the blob */
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum hearth_err hearth_store_put(struct hearth_store *st, const unsigned char *bytes, size_t n,
                                 const char *name, const char *source_url, const char *info_json,
                                 struct hearth_meta *m, char token_out[HEARTH_TOKEN_LEN + 1],
                                 struct hearth_errmsg *em)
{
    double t0 = mono_s();
    enum hearth_err e =
        put_row(st, "profiles", bytes, n, name, source_url, info_json, m, token_out, em);

    hearth_metrics_store(HEARTH_STORE_PUT, mono_s() - t0);
    return e;
}

enum hearth_err hearth_store_put_gctrace(struct hearth_store *st, const unsigned char *bytes,
                                         size_t n, const char *name, const char *info_json,
                                         struct hearth_meta *m,
                                         char token_out[HEARTH_TOKEN_LEN + 1],
                                         struct hearth_errmsg *em)
{
    return put_row(st, "gctraces", bytes, n, name, "", info_json, m, token_out, em);
}

static enum hearth_err get_row(struct hearth_store *st, const char *table, const char *id,
                               struct hearth_meta *m, struct hearth_errmsg *em);

enum hearth_err hearth_store_get_gctrace(struct hearth_store *st, const char *id,
                                         struct hearth_meta *m, struct hearth_errmsg *em)
{
    return get_row(st, "gctraces", id, m, em);
}

enum hearth_err hearth_store_get(struct hearth_store *st, const char *id, struct hearth_meta *m,
                                 struct hearth_errmsg *em)
{
    return get_row(st, "profiles", id, m, em);
}

static enum hearth_err get_row(struct hearth_store *st, const char *table, const char *id,
                               struct hearth_meta *m, struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    char sql[160];
    int rc;

    memset(m, 0, sizeof(*m));
    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    snprintf(sql, sizeof(sql),
             "SELECT id, blob, name, source_url, info, created, size FROM %s WHERE id = ?1", table);
    if (hearth_db_prepare(st->db, sql, &q) < 0)
        return hearth__store_db_err(st, em, "cannot read the profile list");
    hearth_db_bind_text(q, 1, id);
    rc = hearth_db_step(q);
    if (rc == HEARTH_DB_ROW)
        meta_from_row(q, m);
    else if (rc == HEARTH_DB_DONE)
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    else
        e = hearth__store_db_err(st, em, "cannot read the profile list");
    hearth_db_finalize(q);
    if (!e && (!m->name || !m->source_url || !m->info_json)) {
        hearth_meta_release(m);
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    }
    return e;
}

enum hearth_err hearth_store_read_blob(struct hearth_store *st, const char *blob, size_t max,
                                       unsigned char **bytes, size_t *n, struct hearth_errmsg *em)
{
    double t0 = mono_s();
    enum hearth_err e = hearth_blobs_get(st->blobs, blob, max, bytes, n, em);

    hearth_metrics_store(HEARTH_STORE_READ, mono_s() - t0);
    return e;
}

void hearth_meta_json_fields(struct hearth_jsonw *w, const struct hearth_meta *m)
{
    hearth_jsonw_key(w, "id");
    hearth_jsonw_cstr(w, m->id);
    hearth_jsonw_key(w, "name");
    hearth_jsonw_cstr(w, m->name);
    hearth_jsonw_key(w, "size");
    hearth_jsonw_int(w, m->size);
    hearth_jsonw_key(w, "created");
    hearth_jsonw_int(w, m->created);
    hearth_jsonw_key(w, "source_url");
    hearth_jsonw_cstr(w, m->source_url);
}

static void meta_json(struct hearth_jsonw *w, const struct hearth_meta *m)
{
    hearth_jsonw_obj_open(w);
    hearth_meta_json_fields(w, m);
    hearth_jsonw_key(w, "info");
    /* info_json was produced by us; embed as is */
    if (w->b) {
        hearth_buf_addstr(w->b, m->info_json);
        w->need_comma[w->depth] = true;
    }
    hearth_jsonw_obj_close(w);
}

enum hearth_err hearth_store_list(struct hearth_store *st, int64_t before_created,
                                  const char *before_id, int limit, struct hearth_buf *out,
                                  int64_t *last_created, char last_id[HEARTH_ID_LEN + 1], int *more,
                                  struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    struct hearth_jsonw w;
    int rc, rows = 0;

    *more = 0;
    last_id[0] = '\0';
    *last_created = 0;
    if (hearth_db_prepare(st->db,
                          "SELECT id, blob, name, source_url, info, created, size FROM profiles "
                          "WHERE created < ?1 OR (created = ?1 AND id < ?2) "
                          "ORDER BY created DESC, id DESC LIMIT ?3",
                          &q) < 0)
        return hearth__store_db_err(st, em, "cannot read the profile list");
    hearth_db_bind_int64(q, 1, before_created);
    hearth_db_bind_text(q, 2, before_id);
    hearth_db_bind_int64(q, 3, limit + 1);
    hearth_jsonw_init(&w, out);
    hearth_jsonw_arr_open(&w);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        struct hearth_meta m;
        if (rows == limit) {
            *more = 1;
            break;
        }
        meta_from_row(q, &m);
        if (m.name && m.source_url && m.info_json)
            meta_json(&w, &m);
        *last_created = m.created;
        snprintf(last_id, HEARTH_ID_LEN + 1, "%s", m.id);
        hearth_meta_release(&m);
        rows++;
    }
    hearth_jsonw_arr_close(&w);
    hearth_db_finalize(q);
    if (rc != HEARTH_DB_ROW && rc != HEARTH_DB_DONE)
        return hearth__store_db_err(st, em, "cannot read the profile list");
    return out->fail ? hearth_errmsg_set(em, out->fail, "list too large") : HEARTH_OK;
}

void hearth__store_unlink_unused(struct hearth_store *st, const char *blob)
{
    struct hearth_db_stmt *q = NULL;
    int rc;

    if (hearth__store_writable(st, NULL) != HEARTH_OK ||
        hearth_db_prepare(st->db,
                          "SELECT 1 FROM profiles WHERE blob = ?1 UNION ALL "
                          "SELECT 1 FROM gctraces WHERE blob = ?1 LIMIT 1",
                          &q) < 0)
        return;
    hearth_db_bind_text(q, 1, blob);
    rc = hearth_db_step(q);
    hearth_db_finalize(q);
    q = NULL;
    /* only when the lookup positively finds no row: an error keeps the blob */
    if (rc != HEARTH_DB_DONE)
        return;
    /* the answers derived from it go with it */
    hearth__derived_drop(st, blob);
    hearth__store_forget_blob(st, blob);
}

/* Delete the row of profile id; fills blob. Lock held. */
static enum hearth_err delete_row(struct hearth_store *st, const char *id, const char *token,
                                  char blob[HEARTH_SHA256_HEX + 1], struct hearth_errmsg *em)
{
    char want[HEARTH_SHA256_HEX + 1];
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    const char *stored, *b;
    int n;

    hearth_sha256_hex(token ? token : "", token ? strlen(token) : 0, want);
    if (hearth_db_prepare(st->db, "SELECT delete_hash, blob FROM profiles WHERE id = ?1", &q) < 0) {
        e = hearth__store_db_err(st, em, "cannot delete");
        goto out;
    }
    hearth_db_bind_text(q, 1, id);
    switch (hearth_db_step(q)) {
    case HEARTH_DB_ROW:
        break;
    case HEARTH_DB_DONE:
        e = hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
        goto out;
    default:
        e = hearth__store_db_err(st, em, "cannot delete");
        goto out;
    }
    stored = hearth_db_column_text(q, 0);
    b = hearth_db_column_text(q, 1);
    snprintf(blob, HEARTH_SHA256_HEX + 1, "%s", b ? b : "");
    if (!token || !*token || !stored || !hearth_secret_eq(stored, want)) {
        e = hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                              "the delete token is missing or wrong for this profile");
        goto out;
    }
    hearth_db_finalize(q);
    q = NULL;
    /* the profile and its places in series go together: a series keeps its other snapshots */
    if (hearth_db_begin(st->db) < 0) {
        e = hearth__store_db_err(st, em, "cannot delete");
        goto out;
    }
    if (hearth_db_prepare(st->db, "DELETE FROM profiles WHERE id = ?1", &q) < 0 ||
        (hearth_db_bind_text(q, 1, id), hearth_db_step(q) != HEARTH_DB_DONE))
        goto out_rollback;
    n = hearth_db_changes(st->db);
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_prepare(st->db, "DELETE FROM series_items WHERE profile = ?1", &q) < 0 ||
        (hearth_db_bind_text(q, 1, id), hearth_db_step(q) != HEARTH_DB_DONE))
        goto out_rollback;
    hearth_db_finalize(q);
    q = NULL;
    /* and the runtime memory statistics recorded with it */
    if (hearth_db_prepare(st->db, "DELETE FROM memstats WHERE profile = ?1", &q) < 0 ||
        (hearth_db_bind_text(q, 1, id), hearth_db_step(q) != HEARTH_DB_DONE) ||
        hearth_db_commit(st->db) < 0)
        goto out_rollback;
    hearth__store_count_add(st, -(int64_t)n);
    goto out;
out_rollback:
    e = hearth__store_db_err(st, em, "cannot delete");
    hearth_db_finalize(q);
    q = NULL;
    hearth_db_rollback(st->db);
out:
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_store_delete(struct hearth_store *st, const char *id, const char *token,
                                    struct hearth_errmsg *em)
{
    char blob[HEARTH_SHA256_HEX + 1] = "";
    double t0 = mono_s();
    enum hearth_err e;

    if (!hearth_id_valid(id, strlen(id)))
        return hearth_errmsg_set(em, HEARTH_E_NOT_FOUND, "no such profile");
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    e = delete_row(st, id, token, blob, em);
    /* a full disk: the reserve's space lets the delete commit, and the blob frees more */
    if (e == HEARTH_E_NO_SPACE && hearth__store_release_reserve(st))
        e = delete_row(st, id, token, blob, em);
    if (!e && *blob)
        hearth__store_unlink_unused(st, blob);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    hearth_metrics_store(HEARTH_STORE_DELETE, mono_s() - t0);
    return e;
}

/* pg_try_advisory_xact_lock key of the retention sweep ("hearth" + 2). */
#define EXPIRE_LOCK_KEY 0x6865617274680002LL

/*
 * One transaction: the rows and their places in series go together. With
 * several servers on one PostgreSQL database one sweeps at a time: the
 * others find the lock taken and skip this round (count 0).
 */
enum hearth_err hearth_store_expire(struct hearth_store *st, int64_t before_ms, int *count,
                                    struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    char **blobs = NULL;
    int n = 0, cap = 0, i, rc, got;
    int64_t deleted = 0;

    *count = 0;
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0) {
        e = hearth__store_db_err(st, em, "cannot expire profiles");
        goto out_unlock;
    }
    got = hearth_db_try_xact_lock(st->db, EXPIRE_LOCK_KEY);
    if (got <= 0) {
        if (got < 0)
            e = hearth__store_db_err(st, em, "cannot expire profiles");
        goto out_rollback; /* 0: another server is sweeping now */
    }
    if (hearth_db_prepare(st->db, "DELETE FROM profiles WHERE created < ?1 RETURNING blob", &q) < 0)
        goto out_dberr;
    hearth_db_bind_int64(q, 1, before_ms);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW; rc = hearth_db_step(q)) {
        const char *b = hearth_db_column_text(q, 0);
        if (n == cap) {
            char **nb = realloc(blobs, (size_t)(cap ? cap * 2 : 16) * sizeof(*nb));
            if (!nb)
                continue; /* that blob stays until the next start's sweep */
            blobs = nb;
            cap = cap ? cap * 2 : 16;
        }
        blobs[n] = b ? strdup(b) : NULL;
        if (blobs[n])
            n++;
    }
    if (rc != HEARTH_DB_DONE)
        goto out_dberr;
    deleted = hearth_db_changes(st->db);
    hearth_db_finalize(q);
    q = NULL;
    /* their places in series go too (a series keeps its other snapshots) */
    if ((deleted > 0 && hearth_db_exec(st->db, "DELETE FROM series_items WHERE profile NOT IN "
                                               "(SELECT id FROM profiles)") < 0) ||
        (deleted > 0 && hearth_db_exec(st->db, "DELETE FROM memstats WHERE profile NOT IN "
                                               "(SELECT id FROM profiles)") < 0) ||
        hearth_db_commit(st->db) < 0)
        goto out_dberr;
    hearth__store_count_add(st, -deleted);
    for (i = 0; i < n; i++)
        hearth__store_unlink_unused(st, blobs[i]);
    *count = (int)deleted;
    goto out_unlock;
out_dberr:
    e = hearth__store_db_err(st, em, "cannot expire profiles");
out_rollback:
    hearth_db_finalize(q);
    hearth_db_rollback(st->db);
out_unlock:
    for (i = 0; i < n; i++)
        free(blobs[i]);
    free(blobs);
    pthread_mutex_unlock(&st->lock);
    return e;
}

void hearth__store_count_add(struct hearth_store *st, int64_t delta)
{
    int64_t n = __atomic_load_n(&st->nprofiles, __ATOMIC_SEQ_CST);

    if (n >= 0)
        __atomic_store_n(&st->nprofiles, n + delta < 0 ? -1 : n + delta, __ATOMIC_SEQ_CST);
}

void hearth__store_count_forget(struct hearth_store *st)
{
    __atomic_store_n(&st->nprofiles, -1, __ATOMIC_SEQ_CST);
}

/*
 * The writers keep the count (under the lock); it is counted again only
 * when unknown: at the first call, and after a series delete took profiles.
 */
int64_t hearth_store_count(struct hearth_store *st)
{
    struct hearth_db_stmt *q = NULL;
    int64_t n = __atomic_load_n(&st->nprofiles, __ATOMIC_SEQ_CST);

    if (n >= 0)
        return n;
    pthread_mutex_lock(&st->lock);
    n = __atomic_load_n(&st->nprofiles, __ATOMIC_SEQ_CST);
    if (n < 0 && hearth_db_prepare(st->db, "SELECT count(*) FROM profiles", &q) == 0 &&
        hearth_db_step(q) == HEARTH_DB_ROW) {
        n = hearth_db_column_int64(q, 0);
        __atomic_store_n(&st->nprofiles, n, __ATOMIC_SEQ_CST);
    }
    hearth_db_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* Readiness: the files as hearth_store_check() sees them, a durable write, a query. */
enum hearth_err hearth_store_ready(struct hearth_store *st, struct hearth_errmsg *em)
{
    static unsigned long seq;
    char name[96], *probe;
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e;
    int fd, rc;

    e = hearth__store_writable(st, em);
    if (e)
        return e;
    snprintf(name, sizeof(name), ".ready-%ld-%lu", (long)getpid(),
             __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST));
    probe = path_join(st->dir, "tmp", name);
    if (!probe)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "ok", 2) != 2 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(probe);
        }
        free(probe);
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "the data directory is not writable (tmp/: %s)", strerror(err));
    }
    close(fd);
    unlink(probe);
    free(probe);
    e = hearth_blobs_ready(st->blobs, em);
    if (e)
        return e;
    rc = hearth_db_prepare(st->db, "SELECT count(*) FROM store_meta", &q);
    if (rc == 0)
        rc = hearth_db_step(q);
    if (rc != HEARTH_DB_ROW)
        e = hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE, "the database (%s) does not answer: %s",
                              hearth_db_name(st->db),
                              st->sqlite ? hearth_db_errmsg() : "see the server's log");
    hearth_db_finalize(q);
    return e;
}

enum hearth_err hearth_store_open_blob(struct hearth_store *st, const char *blob, int *fd,
                                       size_t *size, struct hearth_errmsg *em)
{
    double t0 = mono_s();
    enum hearth_err e = hearth_blobs_open_fd(st->blobs, blob, st->blob_max, fd, size, em);

    hearth_metrics_store(HEARTH_STORE_READ, mono_s() - t0);
    return e;
}

/* pg_try_advisory_xact_lock key of the blob collection ("hearth" + 3). */
#define GC_LOCK_KEY 0x6865617274680003LL

/* Blobs collected in one pass at most (each an object deleted inside the transaction). */
#define GC_BATCH 100

enum hearth_err hearth_store_gc_blobs(struct hearth_store *st, int64_t grace_ms, int *count,
                                      struct hearth_errmsg *em)
{
    struct hearth_db_stmt *q = NULL, *ref = NULL, *del = NULL;
    enum hearth_err e = HEARTH_OK;
    char blobs[GC_BATCH][HEARTH_SHA256_HEX + 1];
    int n = 0, i, rc, got;

    *count = 0;
    if (hearth_db_kind(st->db) != HEARTH_DB_POSTGRES)
        return HEARTH_OK; /* one server: unused blobs go at once (hearth__store_unlink_unused) */
    pthread_mutex_lock(&st->lock);
    e = hearth__store_writable(st, em);
    if (e)
        goto out_unlock;
    if (hearth_db_begin(st->db) < 0)
        goto out_dberr;
    got = hearth_db_try_xact_lock(st->db, GC_LOCK_KEY);
    if (got <= 0) {
        if (got < 0)
            e = hearth__store_db_err(st, em, "cannot collect blobs");
        goto out_rollback; /* 0: another server collects now */
    }
    /* the rows stay locked until commit: a put of the same bytes waits, then writes them anew */
    if (hearth_db_prepare(st->db,
                          "SELECT blob FROM blob_gc WHERE since < ?1 ORDER BY since "
                          "LIMIT ?2 FOR UPDATE SKIP LOCKED",
                          &q) < 0)
        goto out_dberr;
    hearth_db_bind_int64(q, 1, hearth_now_ms() - grace_ms);
    hearth_db_bind_int64(q, 2, GC_BATCH);
    for (rc = hearth_db_step(q); rc == HEARTH_DB_ROW && n < GC_BATCH; rc = hearth_db_step(q))
        snprintf(blobs[n++], HEARTH_SHA256_HEX + 1, "%s", hearth_db_column_text(q, 0));
    if (rc != HEARTH_DB_DONE && rc != HEARTH_DB_ROW)
        goto out_dberr;
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_prepare(st->db,
                          "SELECT 1 FROM profiles WHERE blob = ?1 UNION ALL "
                          "SELECT 1 FROM gctraces WHERE blob = ?1 UNION ALL "
                          "SELECT 1 FROM derived WHERE dblob = ?1 LIMIT 1",
                          &ref) < 0 ||
        hearth_db_prepare(st->db, "DELETE FROM blob_gc WHERE blob = ?1", &del) < 0)
        goto out_dberr;
    for (i = 0; i < n; i++) {
        struct hearth_errmsg em2 = {{0}};
        hearth_db_reset(ref);
        hearth_db_bind_text(ref, 1, blobs[i]);
        rc = hearth_db_step(ref);
        if (rc != HEARTH_DB_ROW && rc != HEARTH_DB_DONE)
            goto out_dberr;
        /* referenced again (a put came back to it): only the mark goes */
        if (rc == HEARTH_DB_DONE) {
            if (hearth_blobs_delete(st->blobs, blobs[i], &em2) != HEARTH_OK) {
                hearth_log(HEARTH_LOG_WARN, "store", "an unused blob stays (%s)", em2.msg);
                continue; /* marked still: the next pass tries again */
            }
            (*count)++;
        }
        hearth_db_reset(del);
        hearth_db_bind_text(del, 1, blobs[i]);
        if (hearth_db_step(del) != HEARTH_DB_DONE)
            goto out_dberr;
    }
    hearth_db_finalize(ref);
    hearth_db_finalize(del);
    ref = del = NULL;
    if (hearth_db_commit(st->db) < 0)
        goto out_dberr;
    goto out_unlock;
out_dberr:
    e = hearth__store_db_err(st, em, "cannot collect blobs");
out_rollback:
    hearth_db_finalize(q);
    hearth_db_finalize(ref);
    hearth_db_finalize(del);
    hearth_db_rollback(st->db);
out_unlock:
    pthread_mutex_unlock(&st->lock);
    return e;
}
