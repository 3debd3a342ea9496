/*
 * jsonbody.c - depth-checked JSON request bodies (contract in
 * include/hearth/jsonbody.h).
 */
#include "hearth/jsonbody.h"

#include <stdbool.h>

#include "hearth/banned.h"

size_t hearth_jsonbody_depth(const void *buf, size_t len)
{
    const unsigned char *s = buf;
    size_t i, depth = 0, deepest = 0;
    bool in_string = false, escaped = false;

    for (i = 0; i < len; i++) {
        unsigned char ch = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (ch == '\\')
                escaped = true;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            depth++;
            if (depth > deepest)
                deepest = depth;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

enum hearth_err hearth_jsonbody_parse(const void *buf, size_t len, size_t max_depth, json_t **out,
                                      struct hearth_errmsg *em)
{
    json_error_t jerr;
    json_t *root;
    size_t depth;

    *out = NULL;
    depth = hearth_jsonbody_depth(buf, len);
    if (depth > max_depth)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "the JSON body is nested %zu levels deep; at most %zu are "
                                 "accepted",
                                 depth, max_depth);
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "the body is not valid JSON (line %d, column %d)", jerr.line,
                                 jerr.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "send a JSON object");
    }
    *out = root;
    return HEARTH_OK;
}
