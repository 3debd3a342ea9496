/* snaparchive.c - snapshot archives through libarchive; see include/hearth/snaparchive.h. */
#define _GNU_SOURCE
#include "hearth/snaparchive.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "hearth/banned.h"

#define CHUNK ((size_t)64 << 10)

/* Open buf for reading; NULL with em set when libarchive cannot (not an archive, damaged). */
static struct archive *open_mem(const unsigned char *buf, size_t len, enum hearth_err *e,
                                struct hearth_errmsg *em)
{
    struct archive *a = archive_read_new();
    const char *why;

    if (!a) {
        *e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        return NULL;
    }
    /* the formats of a folder of snapshots, plain or gzip'd; nothing else is tried */
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
        why = archive_error_string(a);
        if (archive_filter_count(a) > 1 || (why && !strstr(why, "Unrecognized")))
            *e = hearth_errmsg_set(
                em, HEARTH_E_BAD_REQUEST,
                "the archive cannot be read (%.200s): send a .zip, .tar, .tar.gz or "
                ".tgz of profile files",
                why ? why : "damaged");
        else
            *e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                   "not a .zip, .tar, .tar.gz or .tgz archive of profile files");
        archive_read_free(a);
        return NULL;
    }
    return a;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && !strcasecmp(s + n - k, suffix);
}

static const char *nested_by_name(const char *name)
{
    static const char *const ext[] = {".zip", ".tar",    ".tgz",     ".tar.gz", ".7z",
                                      ".rar", ".tar.xz", ".tar.bz2", ".tbz2",   ".txz"};
    size_t i;

    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (ends_with(name, ext[i]))
            return "a nested archive (not unpacked)";
    return NULL;
}

/* Archive formats by their first bytes (gzip is not one: snapshots are gzip'd). */
static const char *nested_by_content(const unsigned char *p, size_t n)
{
    if ((n >= 4 && !memcmp(p, "PK\003\004", 4)) ||
        (n >= 6 && !memcmp(p, "7z\xbc\xaf\x27\x1c", 6)) ||
        (n >= 6 && !memcmp(p,
                           "\xfd"
                           "7zXZ",
                           6)) ||
        (n >= 4 && !memcmp(p, "Rar!", 4)) || (n >= 3 && !memcmp(p, "BZh", 3)) ||
        (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) || (n >= 262 && !memcmp(p + 257, "ustar", 5)))
        return "a nested archive (not unpacked)";
    return NULL;
}

static enum hearth_err read_fail(struct archive *a, struct hearth_errmsg *em)
{
    const char *why = archive_error_string(a);

    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                             "the archive cannot be read (%.200s): send a .zip, .tar, .tar.gz or "
                             ".tgz of profile files",
                             why ? why : "damaged");
}

void hearth_archive_entries_free(struct hearth_archive_entry *e, size_t n)
{
    size_t i;

    for (i = 0; e && i < n; i++)
        free(e[i].name);
    free(e);
}

enum hearth_err hearth_archive_list(const unsigned char *buf, size_t len,
                                    const struct hearth_archive_caps *caps,
                                    struct hearth_archive_entry **out, size_t *n,
                                    const char **format, struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;
    struct archive *a = open_mem(buf, len, &e, em);
    struct archive_entry *ae;
    struct hearth_archive_entry *v = NULL;
    unsigned char *chunk = NULL;
    size_t cap = 0, total = 0;
    int rc;

    *out = NULL;
    *n = 0;
    *format = "";
    if (!a)
        return e;
    chunk = malloc(CHUNK);
    if (!chunk) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        struct hearth_archive_entry *x;
        const char *path;
        size_t size = 0, head = 0;
        unsigned char first[512];
        rc = archive_read_next_header(a, &ae);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            e = read_fail(a, em);
            goto out;
        }
        if (*n >= caps->max_entries) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                  "the archive has more than %zu entries (the limit)",
                                  caps->max_entries);
            goto out;
        }
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct hearth_archive_entry *nv = realloc(v, nc * sizeof(*nv));
            if (!nv) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out;
            }
            v = nv;
            cap = nc;
        }
        x = &v[*n];
        memset(x, 0, sizeof(*x));
        path = archive_entry_pathname(ae);
        x->name = strndup(path ? path : "", 1000);
        if (!x->name) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out;
        }
        (*n)++;
        if (archive_entry_filetype(ae) == AE_IFDIR)
            x->skip = "a directory";
        else if (archive_entry_filetype(ae) == AE_IFLNK)
            x->skip = "a symbolic link (not followed)";
        else if (archive_entry_hardlink(ae))
            x->skip = "a hard link (not followed)";
        else if (archive_entry_filetype(ae) != AE_IFREG)
            x->skip = "not a regular file";
        else
            x->skip = nested_by_name(x->name);
        if (x->skip)
            continue; /* its data is never read */
        /* the bytes themselves, counted as they come: a header's size may lie */
        for (;;) {
            la_ssize_t got = archive_read_data(a, chunk, CHUNK);
            if (got < 0) {
                e = read_fail(a, em);
                goto out;
            }
            if (got == 0)
                break;
            if (head < sizeof(first)) {
                size_t k = (size_t)got < sizeof(first) - head ? (size_t)got : sizeof(first) - head;
                memcpy(first + head, chunk, k);
                head += k;
            }
            size += (size_t)got;
            total += (size_t)got;
            if (size > caps->max_entry) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                      "entry %zu of the archive unpacks to more than %zu MiB "
                                      "(the limit of one profile)",
                                      *n, caps->max_entry >> 20);
                goto out;
            }
            if (total > caps->max_total) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                      "the archive unpacks to more than %zu MiB (the limit)",
                                      caps->max_total >> 20);
                goto out;
            }
            if (total > caps->ratio_free && total / caps->ratio > len) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                      "the archive unpacks to more than %zu times its size (a "
                                      "decompression bomb?)",
                                      caps->ratio);
                goto out;
            }
        }
        x->size = size;
        if (!size)
            x->skip = "an empty file";
        else
            x->skip = nested_by_content(first, head);
    }
    *format =
        archive_format_name(a)
            ? (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP ? "zip" : "tar"
            : "";
    if (archive_filter_count(a) > 1 && !strcmp(*format, "tar"))
        *format = "tar.gz";
out:
    free(chunk);
    archive_read_free(a);
    if (e) {
        hearth_archive_entries_free(v, *n);
        *n = 0;
        return e;
    }
    *out = v;
    return HEARTH_OK;
}

enum hearth_err hearth_archive_each(const unsigned char *buf, size_t len,
                                    const struct hearth_archive_caps *caps,
                                    const struct hearth_archive_entry *entries, size_t n,
                                    hearth_archive_fn fn, void *ctx, struct hearth_errmsg *em)
{
    enum hearth_err e = HEARTH_OK;
    struct archive *a = open_mem(buf, len, &e, em);
    struct archive_entry *ae;
    size_t i;

    if (!a)
        return e;
    for (i = 0; i < n; i++) {
        unsigned char *data;
        size_t have = 0;
        int rc = archive_read_next_header(a, &ae);
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            e = read_fail(a, em);
            break;
        }
        if (entries[i].skip)
            continue;
        /* the same bytes as the listing read: the sizes are known and capped */
        if (entries[i].size > caps->max_entry) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "an entry is too large");
            break;
        }
        data = malloc(entries[i].size + 1);
        if (!data) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            break;
        }
        while (have < entries[i].size) {
            la_ssize_t got = archive_read_data(a, data + have, entries[i].size - have);
            if (got <= 0)
                break;
            have += (size_t)got;
        }
        if (have != entries[i].size) {
            free(data);
            e = read_fail(a, em);
            break;
        }
        e = fn(ctx, i, data, have, em);
        free(data);
        if (e)
            break;
    }
    archive_read_free(a);
    return e;
}
