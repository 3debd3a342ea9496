/*
 * form.h - the two request parsers of the HTTP layer that need no HTTP
 * library: a query string's parameters and a multipart/form-data body's
 * file part. Kept here, civetweb-free, so they are unit-tested and fuzzed
 * on their own.
 *
 * Thread-safe (no state). Nothing is allocated: results are copied into
 * caller buffers or point into the caller's body.
 */
#ifndef HEARTH_FORM_H
#define HEARTH_FORM_H

#include <stddef.h>

#include "hearth/err.h"

/*
 * Query parameter `key` of qs ("a=1&b=x%20y"; NULL is empty),
 * percent-decoded with '+' as a space into out (NUL-terminated): 1 if
 * present ("key" alone gives ""), 0 if absent, -1 if present but unusable
 * (longer than outsz - 1 decoded bytes, or decoding to a NUL byte), so a bad
 * value is refused instead of silently ignored. The first occurrence wins.
 */
int hearth_form_param(const char *qs, const char *key, char *out, size_t outsz);

/*
 * The first part with a filename="..." of a multipart/form-data body whose
 * Content-Type is ctype: *file and *flen point into body (the part's bytes
 * without the CRLF before the next delimiter), the file name is copied into
 * fname (truncated to fnsz - 1). HEARTH_E_BAD_REQUEST when there is no
 * boundary, a bad one (over 150 bytes), or no complete file part.
 */
enum hearth_err hearth_form_multipart_file(const char *ctype, const unsigned char *body, size_t len,
                                           const unsigned char **file, size_t *flen, char *fname,
                                           size_t fnsz, struct hearth_errmsg *em);

#endif /* HEARTH_FORM_H */
