/*
 * store.h - durable storage of profiles: bytes as files under the data
 * directory or on S3 (see blobs.h), metadata in SQLite (the default) or
 * PostgreSQL (hearth_store_opts.metadata; see hearth/db.h).
 *
 * The metadata schema has versions (schema.c): hearth_store_open() brings
 * the database to the latest one in a transaction, one server at a time
 * (a database of a release without versions is version 1).
 *
 * Layout under the data directory:
 *   hearth.db                SQLite (WAL, synchronous=FULL): one row per profile,
 *                            store_meta(created_ms) when the database was made
 *   blobs/ab/<sha256>        the uploaded bytes, named by content (shared by duplicates);
 *                            with blobs on S3 (hearth_store_opts.blobs) there is no
 *                            blobs/: the objects are BUCKET/PREFIX/<sha256>, never listed
 *                            (no start-up sweep), and tmp/ holds streamed copies
 *   tmp/                     files being written; emptied at start-up
 *   reserve                  256 KB kept back: released when a DELETE finds the disk
 *                            full, so space can always be freed through the API;
 *                            made again after an upload when the disk has room
 *
 * hearth_store_put() makes the bytes durable (temporary file, fsync, rename,
 * fsync of the directory) before it inserts the row, and the row commit is
 * itself durable, so after a crash at any moment a listed profile always
 * has its bytes; a blob without a row (crash between the two) is removed at
 * the next start, but only when the database positively says so: it passed
 * SQLite's quick_check, lists at least one profile (an empty or lost
 * hearth.db never costs the blobs), the lookup succeeded and found no row,
 * and the blob is newer than the database (store_meta.created_ms: blobs of
 * a lost database stay even after a fresh one has rows). A damaged
 * hearth.db is a start-up error (nothing is deleted).
 *
 * While running, a hearth.db removed or replaced under the server (its
 * device and inode no longer match), a lost SQLite header, a missing blobs/
 * folder or any SQLITE_CORRUPT answer makes the store degraded: every write
 * (put, delete, expire, series and capture updates) answers
 * HEARTH_E_UNAVAILABLE (503) with the reason, reads of what is still
 * readable keep working, and hearth_store_check() reports it. Messages never
 * show the data directory's absolute path (only start-up errors do).
 *
 * All functions are thread-safe (one connection, one lock; see hearth/db.h).
 * Strings returned in struct hearth_meta are owned by it
 * (hearth_meta_release()).
 */
#ifndef HEARTH_STORE_H
#define HEARTH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_store;

struct hearth_meta {
    char id[HEARTH_ID_LEN + 1];
    char blob[HEARTH_SHA256_HEX + 1];
    char *name;
    char *source_url; /* "" for uploads */
    char *info_json;  /* decoded facts: sample types, time, duration, ... (a JSON object) */
    int64_t created;  /* Unix milliseconds */
    int64_t size;     /* bytes as uploaded */
};

void hearth_meta_release(struct hearth_meta *m);

/* The common fields (id, name, size, created, source_url) into an open JSON object. */
struct hearth_jsonw;
void hearth_meta_json_fields(struct hearth_jsonw *w, const struct hearth_meta *m);

/* Where the store keeps what (NULL or "" fields take their defaults). */
struct hearth_store_opts {
    const char *dir;         /* the data directory (tmp/ always; blobs/ and hearth.db by default) */
    const char *metadata;    /* NULL or "": SQLite dir/hearth.db; or a libpq URL/conninfo */
    const char *blobs;       /* "": files in dir/blobs; "s3://BUCKET[/PREFIX]" (blobs.h) */
    const char *s3_endpoint; /* http(s)://HOST[:PORT] for s3:// blobs */
    const char *s3_region;   /* "": us-east-1 */
    size_t blob_max;         /* 0: max_input's default; largest blob hearth_store_open_blob() */
                             /* copies from S3 */
};

/*
 * Opens (creating if needed) the store; fails clearly if dir is not
 * writable, the metadata database cannot be reached or the blob store
 * refuses us. With PostgreSQL the SQLite file checks below (identity,
 * header, quick_check, reserve for the WAL) do not apply; a lost connection
 * (database or S3) makes calls answer HEARTH_E_UNAVAILABLE until it is back
 * (no restart needed).
 */
enum hearth_err hearth_store_open_opts(const struct hearth_store_opts *o, struct hearth_store **out,
                                       struct hearth_errmsg *em);
/* The same with SQLite under dir. */
enum hearth_err hearth_store_open(const char *dir, struct hearth_store **out,
                                  struct hearth_errmsg *em);

void hearth_store_close(struct hearth_store *st);

/*
 * Store bytes with their metadata. Fills m->id, m->created, m->blob (and
 * copies name/source/info) and writes the delete token (shown once, stored
 * hashed) to token_out. Nothing is listed unless everything is durable.
 */
enum hearth_err hearth_store_put(struct hearth_store *st, const unsigned char *bytes, size_t n,
                                 const char *name, const char *source_url, const char *info_json,
                                 struct hearth_meta *m, char token_out[HEARTH_TOKEN_LEN + 1],
                                 struct hearth_errmsg *em);

/* The same for a GODEBUG=gctrace=1 log (its own table; its own ids). */
enum hearth_err hearth_store_put_gctrace(struct hearth_store *st, const unsigned char *bytes,
                                         size_t n, const char *name, const char *info_json,
                                         struct hearth_meta *m,
                                         char token_out[HEARTH_TOKEN_LEN + 1],
                                         struct hearth_errmsg *em);
enum hearth_err hearth_store_get_gctrace(struct hearth_store *st, const char *id,
                                         struct hearth_meta *m, struct hearth_errmsg *em);

/* Metadata of one profile; HEARTH_E_NOT_FOUND for unknown (or malformed) ids. */
enum hearth_err hearth_store_get(struct hearth_store *st, const char *id, struct hearth_meta *m,
                                 struct hearth_errmsg *em);

/* The stored bytes of a blob (malloc'ed, caller frees). */
enum hearth_err hearth_store_read_blob(struct hearth_store *st, const char *blob, size_t max,
                                       unsigned char **bytes, size_t *n, struct hearth_errmsg *em);

/*
 * Open a blob for streaming: *fd (the caller closes it) and its size in
 * *size, so a large download costs a small buffer, not the whole file
 * (blobs on S3: an unlinked copy in tmp/, at most blob_max bytes).
 */
enum hearth_err hearth_store_open_blob(struct hearth_store *st, const char *blob, int *fd,
                                       size_t *size, struct hearth_errmsg *em);

/*
 * A page of the list, newest first, as a JSON array appended to out. The
 * cursor is (created, id) of the last row of the previous page, or
 * (INT64_MAX, "") for the first page. *more says whether rows remain.
 */
enum hearth_err hearth_store_list(struct hearth_store *st, int64_t before_created,
                                  const char *before_id, int limit, struct hearth_buf *out,
                                  int64_t *last_created, char last_id[HEARTH_ID_LEN + 1], int *more,
                                  struct hearth_errmsg *em);

/* Delete if token matches; HEARTH_E_FORBIDDEN otherwise. Removes the blob when unused. */
enum hearth_err hearth_store_delete(struct hearth_store *st, const char *id, const char *token,
                                    struct hearth_errmsg *em);

/* Delete profiles created before the given Unix-ms time; returns how many. */
enum hearth_err hearth_store_expire(struct hearth_store *st, int64_t before_ms, int *count,
                                    struct hearth_errmsg *em);

/*
 * Shared metadata (PostgreSQL, several servers): a blob whose last row went
 * is not deleted at once (another server may be storing the same bytes, its
 * row not yet written) but marked in blob_gc; a put of the same bytes takes
 * the mark away before writing them. This pass, run in the background now
 * and then, deletes the blobs marked longer than grace_ms ago that no row
 * uses, one server at a time (pg_try_advisory_xact_lock: the others skip
 * the round); *count is how many. With SQLite it does nothing: an unused
 * blob is deleted at once, under the store's lock, as before.
 */
enum hearth_err hearth_store_gc_blobs(struct hearth_store *st, int64_t grace_ms, int *count,
                                      struct hearth_errmsg *em);

/* The store's clock: Unix milliseconds, as in `created` (also the capture schedule's). */
int64_t hearth_now_ms(void);

/*
 * HEARTH_OK, or HEARTH_E_UNAVAILABLE with the reason the store is degraded
 * (see above). Cheap (a few stat/read calls, cached for a second) and does
 * not wait for the store's lock: meant for /healthz.
 */
enum hearth_err hearth_store_check(struct hearth_store *st, struct hearth_errmsg *em);

/*
 * Number of profiles (for /healthz and /metrics): kept up to date by the
 * writers, so a call costs no table scan (only the first one counts); -1 if
 * the database cannot answer.
 */
int64_t hearth_store_count(struct hearth_store *st);

/*
 * Readiness (/readyz): HEARTH_OK when the store can take writes now: the
 * checks of hearth_store_check() (not cached), a file written and fsynced
 * in the data directory, and a query answered by the database; else
 * HEARTH_E_UNAVAILABLE with the reason (no absolute path). A few
 * milliseconds: meant for a readiness probe every few seconds.
 */
enum hearth_err hearth_store_ready(struct hearth_store *st, struct hearth_errmsg *em);

#endif /* HEARTH_STORE_H */
