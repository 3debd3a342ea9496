/* blobs.c - blob storage: the dispatch and the files backend; see include/hearth/blobs.h. */
#define _GNU_SOURCE
#include "hearth/blobs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobs_s3.h"

#include "hearth/banned.h"

struct hearth_blobs {
    char *dir;   /* the data directory */
    char *blobs; /* files: dir/blobs; NULL for S3 */
    struct hearth__s3 *s3;
};

/* An I/O error with the path relative to the data directory (answers never show where it is). */
static enum hearth_err io_err(struct hearth_errmsg *em, const char *what, const char *path,
                              const char *dir)
{
    int err = errno;
    size_t dl = strlen(dir);

    if (err == ENOSPC || err == EDQUOT)
        return hearth_errmsg_set(em, HEARTH_E_NO_SPACE, "%s: the data directory is full", what);
    if (dl && !strncmp(path, dir, dl) && path[dl] == '/')
        return hearth_errmsg_set(em, HEARTH_E_IO, "%s <data>/%s: %s", what, path + dl + 1,
                                 strerror(err));
    return hearth_errmsg_set(em, HEARTH_E_IO, "%s %s: %s", what, path, strerror(err));
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

static int mkdir_p1(const char *p)
{
    if (mkdir(p, 0750) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

/* A blob name: 64 lower-case hex digits (never a path). */
static bool hash_ok(const char *h)
{
    size_t i;

    for (i = 0; h[i]; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return false;
    return i == 64;
}

/* dir/blobs/ab/<hash> (ab: its first two digits); sub gets dir/blobs/ab when not NULL. */
static void blob_path(const struct hearth_blobs *b, const char *hash, char *path, size_t cap,
                      char *sub, size_t subcap)
{
    snprintf(path, cap, "%s/%.2s/%s", b->blobs, hash, hash);
    if (sub)
        snprintf(sub, subcap, "%s/%.2s", b->blobs, hash);
}

enum hearth_err hearth_blobs_open(const struct hearth_blobs_opts *o, struct hearth_blobs **out,
                                  struct hearth_errmsg *em)
{
    struct hearth_blobs *b = calloc(1, sizeof(*b));
    enum hearth_err e = HEARTH_OK;
    size_t n;

    *out = NULL;
    if (!b)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    if (strlen(o->dir) > 3000) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "the data directory's path is too long");
        goto out_fail;
    }
    b->dir = strdup(o->dir);
    if (!b->dir) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_fail;
    }
    if (o->url && *o->url) {
        if (strncmp(o->url, "s3://", 5) != 0) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                  "--blobs takes s3://BUCKET[/PREFIX] (or nothing: files under "
                                  "--data)");
            goto out_fail;
        }
        struct hearth__s3_opts so = {o->url, o->s3_endpoint, o->s3_region};
        e = hearth__s3_open(&so, &b->s3, em);
        if (e)
            goto out_fail;
    } else {
        n = strlen(o->dir) + sizeof("/blobs");
        b->blobs = malloc(n);
        if (!b->blobs) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_fail;
        }
        snprintf(b->blobs, n, "%s/blobs", o->dir);
        if (mkdir_p1(b->blobs) < 0) {
            e = io_err(em, "cannot create", b->blobs, "");
            goto out_fail;
        }
    }
    *out = b;
    b = NULL;
out_fail:
    hearth_blobs_close(b);
    return e;
}

void hearth_blobs_close(struct hearth_blobs *b)
{
    if (!b)
        return;
    hearth__s3_close(b->s3);
    free(b->dir);
    free(b->blobs);
    free(b);
}

const char *hearth_blobs_kind(const struct hearth_blobs *b)
{
    return b->s3 ? "s3" : "files";
}

const char *hearth_blobs_local_dir(const struct hearth_blobs *b)
{
    return b->blobs;
}

/* files: write to tmp/, fsync, rename into blobs/ab/, fsync the folder. */
static enum hearth_err files_put(struct hearth_blobs *b, const char *hash,
                                 const unsigned char *bytes, size_t n, bool *created,
                                 struct hearth_errmsg *em)
{
    char final[4096], subdir[4096], tmp[4096];
    enum hearth_err e = HEARTH_OK;
    struct stat sb;
    size_t off = 0;
    int fd = -1;

    blob_path(b, hash, final, sizeof(final), subdir, sizeof(subdir));
    snprintf(tmp, sizeof(tmp), "%s/tmp/%.16s.%ld.%d", b->dir, hash, (long)getpid(), rand());
    if (stat(final, &sb) == 0 && (size_t)sb.st_size == n)
        goto out; /* identical content already durable */
    if (mkdir_p1(subdir) < 0 || fsync_dir(b->blobs) < 0) {
        e = io_err(em, "cannot create", subdir, b->dir);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        e = io_err(em, "cannot create", tmp, b->dir);
        goto out;
    }
    while (off < n) {
        ssize_t w = write(fd, bytes + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            e = io_err(em, "cannot write", tmp, b->dir);
            goto out_unlink;
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0) {
        e = io_err(em, "cannot sync", tmp, b->dir);
        goto out_unlink;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, final) < 0) {
        e = io_err(em, "cannot rename to", final, b->dir);
        goto out_unlink;
    }
    *created = true;
    if (fsync_dir(subdir) < 0)
        e = io_err(em, "cannot sync", subdir, b->dir);
    goto out;
out_unlink:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlink(tmp);
out:
    if (fd >= 0)
        close(fd);
    return e;
}

/* files: open the blob and check its size against max. */
static enum hearth_err files_open(struct hearth_blobs *b, const char *hash, size_t max, int *fd,
                                  size_t *size, struct hearth_errmsg *em)
{
    char path[4096];
    struct stat sb;

    blob_path(b, hash, path, sizeof(path), NULL, 0);
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &sb) < 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return hearth_errmsg_set(em, HEARTH_E_IO, "stored bytes missing for this profile");
    }
    if ((size_t)sb.st_size > max) {
        close(*fd);
        *fd = -1;
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "stored profile larger than the limit");
    }
    *size = (size_t)sb.st_size;
    return HEARTH_OK;
}

enum hearth_err hearth_blobs_put(struct hearth_blobs *b, const char *hash,
                                 const unsigned char *bytes, size_t n, bool *created,
                                 struct hearth_errmsg *em)
{
    *created = false;
    if (!hash_ok(hash))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed blob name");
    if (b->s3)
        return hearth__s3_put(b->s3, hash, bytes, n, created, em);
    return files_put(b, hash, bytes, n, created, em);
}

enum hearth_err hearth_blobs_get(struct hearth_blobs *b, const char *hash, size_t max,
                                 unsigned char **bytes, size_t *n, struct hearth_errmsg *em)
{
    enum hearth_err e;
    unsigned char *buf = NULL;
    size_t size = 0, off = 0;
    int fd = -1;

    *bytes = NULL;
    *n = 0;
    if (!hash_ok(hash))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed blob name");
    if (b->s3)
        return hearth__s3_get(b->s3, hash, max, -1, bytes, n, em);
    e = files_open(b, hash, max, &fd, &size, em);
    if (e)
        goto out;
    buf = malloc(size + 1);
    if (!buf) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out;
    }
    while (off < size) {
        ssize_t r = read(fd, buf + off, size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot read stored bytes");
            goto out;
        }
        off += (size_t)r;
    }
    *bytes = buf;
    *n = off;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return e;
}

/* S3: an unlinked file in dir/tmp that the GET fills. */
static enum hearth_err s3_open_fd(struct hearth_blobs *b, const char *hash, size_t max, int *fd,
                                  size_t *size, struct hearth_errmsg *em)
{
    static unsigned long seq;
    char tmp[4096];
    enum hearth_err e;
    unsigned char *none = NULL;

    snprintf(tmp, sizeof(tmp), "%s/tmp/get-%.16s.%ld.%lu", b->dir, hash, (long)getpid(),
             __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST));
    *fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (*fd < 0)
        return io_err(em, "cannot create", tmp, b->dir);
    unlink(tmp);
    e = hearth__s3_get(b->s3, hash, max, *fd, &none, size, em);
    if (!e && lseek(*fd, 0, SEEK_SET) != 0)
        e = io_err(em, "cannot rewind", tmp, b->dir);
    if (e) {
        close(*fd);
        *fd = -1;
        *size = 0;
    }
    return e;
}

enum hearth_err hearth_blobs_open_fd(struct hearth_blobs *b, const char *hash, size_t max, int *fd,
                                     size_t *size, struct hearth_errmsg *em)
{
    *fd = -1;
    *size = 0;
    if (!hash_ok(hash))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed blob name");
    if (b->s3)
        return s3_open_fd(b, hash, max, fd, size, em);
    return files_open(b, hash, max, fd, size, em);
}

enum hearth_err hearth_blobs_delete(struct hearth_blobs *b, const char *hash,
                                    struct hearth_errmsg *em)
{
    char path[4096];

    if (!hash_ok(hash))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed blob name");
    if (b->s3)
        return hearth__s3_delete(b->s3, hash, em);
    blob_path(b, hash, path, sizeof(path), NULL, 0);
    if (unlink(path) < 0 && errno != ENOENT)
        return io_err(em, "cannot remove", path, b->dir);
    return HEARTH_OK;
}

enum hearth_err hearth_blobs_check(struct hearth_blobs *b, struct hearth_errmsg *em)
{
    struct stat sb;

    if (b->s3 || (stat(b->blobs, &sb) == 0 && S_ISDIR(sb.st_mode)))
        return HEARTH_OK;
    return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                             "the data directory's blobs folder is missing: writes are "
                             "refused until an operator restores it");
}

enum hearth_err hearth_blobs_ready(struct hearth_blobs *b, struct hearth_errmsg *em)
{
    if (b->s3)
        return hearth__s3_ready(b->s3, em);
    return hearth_blobs_check(b, em);
}

uint64_t hearth_blobs_retries(void)
{
    return hearth__s3_retries();
}
