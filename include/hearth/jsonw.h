/*
 * jsonw.h - a small streaming JSON writer into a struct hearth_buf.
 *
 * Views can hold millions of numbers; building them as jansson trees costs
 * several times the output size, so views write JSON text directly. Strings
 * from profiles are bytes: hearth_jsonw_str() repairs invalid UTF-8 to
 * U+FFFD and escapes control characters and the characters that matter in
 * HTML (<, >, &) so the output is always valid JSON and safe to embed.
 * The writer tracks commas itself; errors stick in the buffer.
 */
#ifndef HEARTH_JSONW_H
#define HEARTH_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"

struct hearth_jsonw {
    struct hearth_buf *b;
    int depth;
    bool need_comma[64];
};

void hearth_jsonw_init(struct hearth_jsonw *w, struct hearth_buf *b);
void hearth_jsonw_obj_open(struct hearth_jsonw *w);
void hearth_jsonw_obj_close(struct hearth_jsonw *w);
void hearth_jsonw_arr_open(struct hearth_jsonw *w);
void hearth_jsonw_arr_close(struct hearth_jsonw *w);
/* Object key (ASCII literal expected). */
void hearth_jsonw_key(struct hearth_jsonw *w, const char *k);
/* A key from data (escaped like a string value). */
void hearth_jsonw_keyn(struct hearth_jsonw *w, const char *k, size_t n);
void hearth_jsonw_str(struct hearth_jsonw *w, const char *s, size_t n);
void hearth_jsonw_cstr(struct hearth_jsonw *w, const char *s);
void hearth_jsonw_int(struct hearth_jsonw *w, int64_t v);
void hearth_jsonw_bool(struct hearth_jsonw *w, bool v);
void hearth_jsonw_null(struct hearth_jsonw *w);
void hearth_jsonw_double(struct hearth_jsonw *w, double v);

/* Append s as a JSON string literal (with quotes) to b. */
void hearth_json_escape(struct hearth_buf *b, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
size_t hearth_utf8_len(const unsigned char *s, size_t n);

#endif /* HEARTH_JSONW_H */
