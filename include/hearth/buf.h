/*
 * buf.h - a growable byte buffer with a hard maximum (curl dynbuf, git strbuf).
 *
 * Invariants: ptr is NULL or NUL-terminated at len; len < max; after any
 * failed append the buffer is marked failed and every later append is a
 * no-op returning the same error, so writers may check once at the end.
 * The buffer owns ptr; hearth_buf_detach() hands it to the caller.
 */
#ifndef HEARTH_BUF_H
#define HEARTH_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "hearth/err.h"

typedef enum hearth_err (*hearth_buf_spill_fn)(void *ctx, const char *p, size_t n);

struct hearth_buf {
    char *ptr;
    size_t len;
    size_t alloc;
    size_t max;           /* hard cap on spilled + len + 1 */
    enum hearth_err fail; /* first error, sticky */
    /* optional: where hearth_buf_spill() hands finished bytes (NULL = keep all) */
    hearth_buf_spill_fn spill;
    void *spill_ctx;
    size_t spilled; /* bytes handed over so far */
};

void hearth_buf_init(struct hearth_buf *b, size_t max);
void hearth_buf_release(struct hearth_buf *b);
/* Forget the contents, keep the memory and clear the sticky error. */
void hearth_buf_reset(struct hearth_buf *b);
/* Make room for n more bytes. */
enum hearth_err hearth_buf_grow(struct hearth_buf *b, size_t n);
enum hearth_err hearth_buf_add(struct hearth_buf *b, const void *p, size_t n);
enum hearth_err hearth_buf_addstr(struct hearth_buf *b, const char *s);
enum hearth_err hearth_buf_addch(struct hearth_buf *b, char c);
enum hearth_err hearth_buf_printf(struct hearth_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum hearth_err hearth_buf_vprintf(struct hearth_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Streaming writers (a CLI writing a huge report): with a spill function set,
 * hearth_buf_spill() hands the bytes gathered so far to it and empties the
 * buffer once they pass HEARTH_BUF_SPILL_AT, so memory stays small. Renderers
 * call hearth_buf_spill() only where they no longer look back at what they
 * wrote; without a spill function it does nothing. The cap counts spilled
 * bytes too. A spill error becomes the buffer's sticky error.
 */
#define HEARTH_BUF_SPILL_AT ((size_t)1 << 20)
void hearth_buf_set_spill(struct hearth_buf *b, hearth_buf_spill_fn fn, void *ctx);
enum hearth_err hearth_buf_spill(struct hearth_buf *b);
/* Hand over the bytes (caller frees with free()); the buffer is emptied. */
char *hearth_buf_detach(struct hearth_buf *b, size_t *len);

#endif /* HEARTH_BUF_H */
