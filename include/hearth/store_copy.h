/*
 * store_copy.h - copy every row and blob of one store into another
 * (`hearth migrate`): SQLite+files to PostgreSQL+S3 or any other pair.
 *
 * Rows are read from the source in key order, a page at a time (keyset
 * pagination: no OFFSET, no snapshot held across pages), and inserted into
 * the target as they are (ids, delete-token hashes, timestamps, positions)
 * with ON CONFLICT DO NOTHING, so a rerun after an interruption copies only
 * what is missing. A profile's or gctrace's blob is put (put-if-absent by
 * its SHA-256) before its row, so a target row always has its bytes. The
 * schema's own tables (schema_version, store_meta) are not copied: the
 * target's open made them.
 *
 * hearth_store_copy_verify() compares the row count of each table and
 * re-reads every blob the source's rows name from the target, checking its
 * SHA-256 against its name.
 *
 * Both stores must be open (hearth_store_open_opts) and used by nobody else
 * while copying (a server writing the source during the copy may leave rows
 * behind: the verify step then reports the counts).
 */
#ifndef HEARTH_STORE_COPY_H
#define HEARTH_STORE_COPY_H

#include <stdint.h>

#include "hearth/err.h"
#include "hearth/store.h"

#define HEARTH_COPY_TABLES 11

struct hearth_copy_table {
    const char *name; /* static: "profiles", "series", ... */
    int64_t copied;   /* rows inserted into the target by this run */
    int64_t src;      /* rows in the source (verify) */
    int64_t dst;      /* rows in the target (verify) */
};

struct hearth_copy_report {
    struct hearth_copy_table tables[HEARTH_COPY_TABLES];
    int64_t blobs_copied;   /* blobs this run wrote to the target */
    int64_t blobs_present;  /* blobs the target had already (duplicates, earlier runs) */
    int64_t blobs_verified; /* blobs re-read from the target with the right SHA-256 */
};

/*
 * Copy src into dst. stop_after > 0 stops (HEARTH_E_UNAVAILABLE, "stopped
 * after N rows") once that many rows were inserted: a test's interruption.
 * r is filled as far as the copy went.
 */
enum hearth_err hearth_store_copy(struct hearth_store *src, struct hearth_store *dst,
                                  int64_t stop_after, struct hearth_copy_report *r,
                                  struct hearth_errmsg *em);

/*
 * Compare the counts of each table and re-read each blob named by the
 * source's rows from dst (SHA-256 of the bytes == name). HEARTH_E_IO with
 * a one-line reason on the first difference.
 */
enum hearth_err hearth_store_copy_verify(struct hearth_store *src, struct hearth_store *dst,
                                         struct hearth_copy_report *r, struct hearth_errmsg *em);

#endif /* HEARTH_STORE_COPY_H */
