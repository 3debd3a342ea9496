/*
 * blobs_s3.h - the S3 backend of blobs.h (private to the store module):
 * blobs.c dispatches to these when the blob URL is s3://. Same contracts
 * as the hearth_blobs_* functions of the same names.
 */
#ifndef HEARTH_BLOBS_S3_H
#define HEARTH_BLOBS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"

struct hearth__s3;

/* Where the blobs are (hearth_blobs_opts' fields of the same names, borrowed). */
struct hearth__s3_opts {
    const char *url;         /* "s3://BUCKET[/PREFIX]" */
    const char *s3_endpoint; /* http(s)://HOST[:PORT] */
    const char *s3_region;   /* NULL or "": us-east-1 */
};

enum hearth_err hearth__s3_open(const struct hearth__s3_opts *o, struct hearth__s3 **out,
                                struct hearth_errmsg *em);
void hearth__s3_close(struct hearth__s3 *s);
enum hearth_err hearth__s3_put(struct hearth__s3 *s, const char *hash, const unsigned char *bytes,
                               size_t n, bool *created, struct hearth_errmsg *em);
/* Into memory (fd < 0) or appended to fd (then *bytes stays NULL). */
enum hearth_err hearth__s3_get(struct hearth__s3 *s, const char *hash, size_t max, int fd,
                               unsigned char **bytes, size_t *n, struct hearth_errmsg *em);
enum hearth_err hearth__s3_delete(struct hearth__s3 *s, const char *hash, struct hearth_errmsg *em);
enum hearth_err hearth__s3_ready(struct hearth__s3 *s, struct hearth_errmsg *em);
uint64_t hearth__s3_retries(void);

#endif /* HEARTH_BLOBS_S3_H */
