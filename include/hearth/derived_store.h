/*
 * derived_store.h - derived blobs: bytes computed from a stored profile (the
 * rendered answers of its views) kept in the store so that a restarted
 * server need not compute them again.
 *
 * A derived blob is stored through the blob interface (blobs.h: files or
 * S3) under the SHA-256 of its bytes, with one row of the metadata table
 * `derived` (key, blob, base, dblob, bytes, created): key names what it is
 * (the caller's key, unique), blob the profile bytes it came from, base a
 * second profile's blob it also came from ('' when none). Rules:
 *   - a row is added only while a profile row uses blob (and base), and
 *     only while blob's derived bytes stay within the caller's cap;
 *   - the bytes are checked against their name (SHA-256) when read: damaged
 *     or missing bytes are never returned, their row and bytes are dropped
 *     (HEARTH_E_NOT_FOUND: the caller computes the answer again);
 *   - when the last profile row of blob goes (delete, expiry, thinning) the
 *     rows naming it as blob or base go with their bytes (PostgreSQL: marked
 *     in blob_gc like any unused blob), and the start-up sweep keeps the
 *     files a derived row names;
 *   - `hearth migrate` does not copy them (they are computed again).
 * Thread-safe (the store's lock).
 */
#ifndef HEARTH_DERIVED_STORE_H
#define HEARTH_DERIVED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/store.h"

/*
 * The bytes stored under key (malloc'ed, caller frees), at most max bytes.
 * HEARTH_E_NOT_FOUND when there is none or they were damaged (then
 * forgotten); other errors when the store cannot answer.
 */
enum hearth_err hearth_derived_get(struct hearth_store *st, const char *key, size_t max,
                                   unsigned char **bytes, size_t *n, struct hearth_errmsg *em);

/*
 * Keep n bytes under key, derived from blob (and base, NULL or "" for
 * none). Rows of blob whose key does not start with prefix (an older
 * format) are dropped first. HEARTH_OK also when nothing was kept (no
 * profile uses blob any more, cap reached: *kept says which); errors when
 * the store refused.
 */
enum hearth_err hearth_derived_put(struct hearth_store *st, const char *key, const char *prefix,
                                   const char *blob, const char *base, const unsigned char *bytes,
                                   size_t n, size_t cap, bool *kept, struct hearth_errmsg *em);

#endif /* HEARTH_DERIVED_STORE_H */
