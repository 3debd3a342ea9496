/*
 * snaparchive.h - reading an uploaded folder of snapshots packed as .zip,
 * .tar, .tar.gz or .tgz, with libarchive (never a hand-written unpacker).
 *
 * The archive is read from memory in two passes. hearth_archive_list()
 * reads every entry once, checking the caps (entries read, bytes per entry,
 * bytes in all, unpacked bytes per archive byte beyond ratio_free: a
 * decompression bomb is refused with HEARTH_E_TOO_LARGE after at most
 * max_total bytes of work); anything libarchive cannot read (not an
 * archive, damaged, encrypted) is HEARTH_E_BAD_REQUEST. Each entry gets a
 * skip reason or NULL: directories, links, devices and other non-regular
 * entries, empty files and nested archives (by name or by content) are
 * skipped. Entry names are only text: nothing here touches the file system,
 * so "../x" or "/etc/x" are names like any other.
 * hearth_archive_each() then hands each entry not skipped to fn, one at a
 * time (the bytes are freed after the call).
 *
 * Pure apart from malloc; thread-safe.
 */
#ifndef HEARTH_SNAPARCHIVE_H
#define HEARTH_SNAPARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"

struct hearth_archive_caps {
    size_t max_entries; /* entries read, skipped ones included */
    size_t max_entry;   /* bytes of one entry unpacked */
    size_t max_total;   /* bytes of all entries unpacked */
    size_t ratio;       /* unpacked bytes per archive byte, beyond ratio_free */
    size_t ratio_free;
};

struct hearth_archive_entry {
    char *name;       /* the path as stored (text, for ordering and reports) */
    size_t size;      /* bytes unpacked */
    const char *skip; /* NULL: a file to read; else why not (static text) */
};

enum hearth_err hearth_archive_list(const unsigned char *buf, size_t len,
                                    const struct hearth_archive_caps *caps,
                                    struct hearth_archive_entry **out, size_t *n,
                                    const char **format, struct hearth_errmsg *em);
void hearth_archive_entries_free(struct hearth_archive_entry *e, size_t n);

/* Called per entry not skipped, in archive order; a non-OK return stops the walk with it. */
typedef enum hearth_err (*hearth_archive_fn)(void *ctx, size_t index, const unsigned char *data,
                                             size_t len, struct hearth_errmsg *em);
enum hearth_err hearth_archive_each(const unsigned char *buf, size_t len,
                                    const struct hearth_archive_caps *caps,
                                    const struct hearth_archive_entry *entries, size_t n,
                                    hearth_archive_fn fn, void *ctx, struct hearth_errmsg *em);

#endif /* HEARTH_SNAPARCHIVE_H */
