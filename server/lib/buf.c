/* buf.c - capped growable buffer; see include/hearth/buf.h. */
#include "hearth/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

void hearth_buf_init(struct hearth_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max ? max : (size_t)1 << 30;
    b->fail = HEARTH_OK;
    b->spill = NULL;
    b->spill_ctx = NULL;
    b->spilled = 0;
}

void hearth_buf_set_spill(struct hearth_buf *b, hearth_buf_spill_fn fn, void *ctx)
{
    b->spill = fn;
    b->spill_ctx = ctx;
}

enum hearth_err hearth_buf_spill(struct hearth_buf *b)
{
    enum hearth_err e;

    if (b->fail || !b->spill || b->len < HEARTH_BUF_SPILL_AT)
        return b->fail;
    e = b->spill(b->spill_ctx, b->ptr, b->len);
    if (e) {
        b->fail = e;
        return e;
    }
    b->spilled += b->len;
    b->len = 0;
    b->ptr[0] = '\0';
    return HEARTH_OK;
}

void hearth_buf_release(struct hearth_buf *b)
{
    free(b->ptr);
    hearth_buf_init(b, b->max);
}

void hearth_buf_reset(struct hearth_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
    b->fail = HEARTH_OK;
}

enum hearth_err hearth_buf_grow(struct hearth_buf *b, size_t n)
{
    size_t want, na;
    char *p;

    if (b->fail)
        return b->fail;
    if (n >= b->max || b->spilled + b->len >= b->max - n) {
        b->fail = HEARTH_E_TOO_LARGE;
        return b->fail;
    }
    want = b->len + n + 1;
    if (want <= b->alloc)
        return HEARTH_OK;
    na = b->alloc ? b->alloc : 256;
    while (na < want)
        na = na > b->max / 2 ? b->max : na * 2;
    p = realloc(b->ptr, na);
    if (!p) {
        b->fail = HEARTH_E_NOMEM;
        return b->fail;
    }
    b->ptr = p;
    b->alloc = na;
    return HEARTH_OK;
}

enum hearth_err hearth_buf_add(struct hearth_buf *b, const void *p, size_t n)
{
    if (hearth_buf_grow(b, n))
        return b->fail;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return HEARTH_OK;
}

enum hearth_err hearth_buf_addstr(struct hearth_buf *b, const char *s)
{
    return hearth_buf_add(b, s, strlen(s));
}

enum hearth_err hearth_buf_addch(struct hearth_buf *b, char c)
{
    return hearth_buf_add(b, &c, 1);
}

enum hearth_err hearth_buf_vprintf(struct hearth_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    size_t room = b->ptr ? b->alloc - b->len : 0;
    int n;

    if (b->fail)
        return b->fail;
    va_copy(cp, ap);
    n = vsnprintf(room ? b->ptr + b->len : NULL, room, fmt, cp);
    va_end(cp);
    if (n < 0) {
        b->fail = HEARTH_E_IO;
        goto out_restore;
    }
    if ((size_t)n >= room) {
        if (hearth_buf_grow(b, (size_t)n))
            goto out_restore;
        vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, ap);
    }
    b->len += (size_t)n;
    return HEARTH_OK;
out_restore:
    /* keep the invariant: the text ends in a NUL at len */
    if (b->ptr)
        b->ptr[b->len] = '\0';
    return b->fail;
}

enum hearth_err hearth_buf_printf(struct hearth_buf *b, const char *fmt, ...)
{
    va_list ap;
    enum hearth_err e;

    va_start(ap, fmt);
    e = hearth_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return e;
}

char *hearth_buf_detach(struct hearth_buf *b, size_t *len)
{
    char *p = b->ptr;

    if (!p) {
        p = calloc(1, 1);
    }
    if (len)
        *len = b->len;
    hearth_buf_init(b, b->max);
    return p;
}
