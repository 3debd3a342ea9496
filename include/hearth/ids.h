/*
 * ids.h - share ids, delete tokens and hashes.
 *
 * Ids are 160 random bits from the kernel's CSPRNG (getrandom), written as
 * 27 URL-safe base64 characters; they say nothing about the content, so a
 * link cannot be guessed from a file. Delete tokens are 256 random bits (43
 * characters) and only their SHA-256 is stored. Content hashes (SHA-256,
 * hex) name blobs on disk so identical uploads share bytes. All functions
 * write into caller buffers and are thread-safe.
 */
#ifndef HEARTH_IDS_H
#define HEARTH_IDS_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"

#define HEARTH_ID_LEN     27 /* characters of an id, without NUL */
#define HEARTH_TOKEN_LEN  43 /* characters of a delete token */
#define HEARTH_SHA256_HEX 64 /* characters of a hex SHA-256 */

enum hearth_err hearth_id_new(char out[HEARTH_ID_LEN + 1]);
enum hearth_err hearth_token_new(char out[HEARTH_TOKEN_LEN + 1]);
/* True if s is exactly an id: right length and alphabet (checked before any lookup). */
bool hearth_id_valid(const char *s, size_t n);
void hearth_sha256_hex(const void *p, size_t n, char out[HEARTH_SHA256_HEX + 1]);
/* Constant-time comparison of two NUL-terminated strings of equal length. */
bool hearth_secret_eq(const char *a, const char *b);

#endif /* HEARTH_IDS_H */
