/*
 * jsonbody.h - request bodies in JSON, parsed with a depth limit first.
 *
 * jansson's parser recurses once per nesting level, and a request runs on a
 * stack of bounded size, so a 2 KB body of nested brackets could exhaust
 * it. hearth_jsonbody_parse() scans the bytes once (strings and escapes
 * included) and refuses more than max_depth levels before jansson sees
 * them; then it parses with duplicate keys refused and requires an object.
 *
 * Thread-safe (no shared state). The caller owns *out (json_decref).
 */
#ifndef HEARTH_JSONBODY_H
#define HEARTH_JSONBODY_H

#include <jansson.h>
#include <stddef.h>

#include "hearth/err.h"

/* Deepest nesting of [ and { outside strings (0 for a scalar). Never recurses. */
size_t hearth_jsonbody_depth(const void *buf, size_t len);

/*
 * Parse buf as one JSON object nested at most max_depth levels deep.
 * HEARTH_E_BAD_REQUEST (with a message that does not quote the body) for
 * anything else; *out is NULL then.
 */
enum hearth_err hearth_jsonbody_parse(const void *buf, size_t len, size_t max_depth, json_t **out,
                                      struct hearth_errmsg *em);

#endif /* HEARTH_JSONBODY_H */
