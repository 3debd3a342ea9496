/*
 * top_page.h - pages of the top endpoint cut from the cached full answer
 * (top_page.c). Pure: no I/O, thread-safe.
 */
#ifndef HEARTH_TOP_PAGE_H
#define HEARTH_TOP_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/buf.h"
#include "hearth/err.h"

/*
 * One page of the top endpoint (limit=, offset=, sort=): offset is the first
 * row (past the end: no rows), limit the most rows (0: all to the end), sort
 * the UI's sort value ("", "cum", "-cum", "name", ...; see
 * hearth_top_sort_valid). The answer is the full top's JSON with only
 * those rows, plus "count" (every row), "offset" and "sum_before" (the
 * summed flat of the rows before offset in this order); the numbers are
 * the full answer's, byte for byte.
 */
struct hearth_top_paging {
    size_t offset;
    size_t limit;
    const char *sort;
};
bool hearth_top_sort_valid(const char *sort);
/* The page of the full top answer json[0..len) (pure; exposed for tests). */
enum hearth_err hearth_top_page(const char *json, size_t len, const struct hearth_top_paging *pg,
                                struct hearth_buf *out, struct hearth_errmsg *em);

#endif /* HEARTH_TOP_PAGE_H */
