/*
 * blobs.h - the store's blob storage: immutable byte strings named by their
 * content (the SHA-256 of the bytes, 64 lower-case hex digits).
 *
 * Two backends behind one interface:
 *   files  <dir>/blobs/ab/<sha256>: written to <dir>/tmp, fsynced, renamed,
 *          directory fsynced (durable before put returns). The store's
 *          start-up sweep walks <dir>/blobs (hearth_blobs_local_dir()).
 *   s3     ENDPOINT/BUCKET/PREFIX/<sha256> on an S3-compatible server, path
 *          style, signed by libcurl (SigV4, "aws:amz:REGION:s3"); the
 *          credentials come from HEARTH_S3_ACCESS_KEY_ID and
 *          HEARTH_S3_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID and
 *          AWS_SECRET_ACCESS_KEY. The bucket is created at open if missing.
 *          Nothing ever lists the bucket. <dir>/tmp holds only temporary
 *          copies of blobs being streamed (unlinked at once).
 *
 * Operations never list: put-if-absent, get (bounded), delete. A backend
 * that cannot be reached (connection refused, timeout, 5xx or throttling
 * after the retries of limits.c) answers HEARTH_E_UNAVAILABLE (503 +
 * Retry-After to the client); the next call tries again, so the server
 * recovers without a restart. Error messages never show credentials or
 * the data directory's absolute path.
 *
 * Thread safety: every function may be called from any thread at once,
 * except open and close. The S3 backend keeps one curl handle (with its
 * kept-alive connections) per calling thread; close frees them all, so no
 * call may be running or start after close. Returned bytes and file
 * descriptors belong to the caller.
 */
#ifndef HEARTH_BLOBS_H
#define HEARTH_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"

struct hearth_blobs;

struct hearth_blobs_opts {
    const char *dir;         /* the data directory (exists; its tmp/ exists) */
    const char *url;         /* NULL or "": files under dir; or "s3://BUCKET[/PREFIX]" */
    const char *s3_endpoint; /* http(s)://HOST[:PORT] of the S3 server (s3 only) */
    const char *s3_region;   /* NULL or "": us-east-1 */
};

/* Opens the backend (S3: checks the settings and creates the bucket). */
enum hearth_err hearth_blobs_open(const struct hearth_blobs_opts *o, struct hearth_blobs **out,
                                  struct hearth_errmsg *em);
void hearth_blobs_close(struct hearth_blobs *b);

/* "files" or "s3" (logs, /healthz). */
const char *hearth_blobs_kind(const struct hearth_blobs *b);

/* The files backend's blobs folder (for the start-up sweep); NULL for S3. */
const char *hearth_blobs_local_dir(const struct hearth_blobs *b);

/*
 * Store n bytes under hash (their SHA-256) unless that name exists:
 * *created tells whether this call wrote it. Durable when HEARTH_OK.
 */
enum hearth_err hearth_blobs_put(struct hearth_blobs *b, const char *hash,
                                 const unsigned char *bytes, size_t n, bool *created,
                                 struct hearth_errmsg *em);

/*
 * The bytes of hash (malloc'ed with one spare byte, caller frees).
 * HEARTH_E_TOO_LARGE above max bytes, HEARTH_E_IO when it is missing.
 */
enum hearth_err hearth_blobs_get(struct hearth_blobs *b, const char *hash, size_t max,
                                 unsigned char **bytes, size_t *n, struct hearth_errmsg *em);

/*
 * The bytes of hash as a file descriptor at offset 0 (caller closes) and
 * their size, for streaming: the file itself, or (S3) an unlinked copy in
 * <dir>/tmp, at most max bytes (HEARTH_E_TOO_LARGE above).
 */
enum hearth_err hearth_blobs_open_fd(struct hearth_blobs *b, const char *hash, size_t max, int *fd,
                                     size_t *size, struct hearth_errmsg *em);

/* Remove hash; a missing one is not an error. */
enum hearth_err hearth_blobs_delete(struct hearth_blobs *b, const char *hash,
                                    struct hearth_errmsg *em);

/*
 * Cheap state for hearth_store_check(): files: HEARTH_E_UNAVAILABLE when
 * the blobs folder is missing; S3: HEARTH_OK (its failures show on use).
 */
enum hearth_err hearth_blobs_check(struct hearth_blobs *b, struct hearth_errmsg *em);

/* Readiness: files as check; S3 one request (a GET of a missing key answered). */
enum hearth_err hearth_blobs_ready(struct hearth_blobs *b, struct hearth_errmsg *em);

/* Requests to the S3 server retried since start (all instances; for /metrics). */
uint64_t hearth_blobs_retries(void);

#endif /* HEARTH_BLOBS_H */
