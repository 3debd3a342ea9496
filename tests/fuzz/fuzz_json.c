/*
 * fuzz_json.c - libFuzzer target for JSON request bodies: the depth scan
 * and the parse every POST/PUT body goes through (hearth_jsonbody_parse).
 * Checks, beyond "no crash": an accepted body is an object no deeper than
 * the limit, the depth scan agrees with the parsed value, and the value
 * survives a dump and reload unchanged.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "hearth/jsonbody.h"

#define MAX_DEPTH 16

/* Depth of a parsed value; bounded by MAX_DEPTH, so recursion is shallow. */
static size_t value_depth(json_t *v)
{
    size_t best = 0, d;
    const char *k;
    json_t *x;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach(v, k, x)
        {
            d = value_depth(x);
            if (d > best)
                best = d;
        }
        return best + 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            d = value_depth(x);
            if (d > best)
                best = d;
        }
        return best + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hearth_errmsg em;
    json_t *root = NULL, *again;
    size_t scanned = hearth_jsonbody_depth(data, size);
    char *text;

    if (hearth_jsonbody_parse(data, size, MAX_DEPTH, &root, &em) != HEARTH_OK) {
        if (root)
            abort(); /* a failure leaves nothing to free */
        return 0;
    }
    if (!json_is_object(root) || scanned > MAX_DEPTH || value_depth(root) != scanned)
        abort();
    text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        abort();
    again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!again || !json_equal(root, again))
        abort();
    json_decref(again);
    free(text);
    json_decref(root);
    return 0;
}
