/*
 * err.h - the one error enum of Hearth, and a fixed buffer for details.
 *
 * Every action function returns enum hearth_err. When the caller needs the
 * reason in words, it passes a struct hearth_errmsg, which a failing function
 * fills with one line of text and which is left untouched on success. The
 * buffer is fixed-size: nothing to free.
 */
#ifndef HEARTH_ERR_H
#define HEARTH_ERR_H

#include <stddef.h>

enum hearth_err {
    HEARTH_OK = 0,
    HEARTH_E_NOMEM,        /* allocation failed or a memory cap was reached */
    HEARTH_E_TOO_LARGE,    /* input exceeds a limit from limits.h */
    HEARTH_E_CORRUPT,      /* input is not a valid profile (wire or semantics) */
    HEARTH_E_NOT_FOUND,    /* a named thing (file, sample type) does not exist */
    HEARTH_E_BAD_REQUEST,  /* a parameter is malformed (bad regex, flag value) */
    HEARTH_E_UNSUPPORTED,  /* a known but unsupported input (a content type) */
    HEARTH_E_INCOMPATIBLE, /* profiles that cannot be combined (diff of cpu vs heap) */
    HEARTH_E_IO,           /* reading or writing failed */
    HEARTH_E_FORBIDDEN,    /* a secret (delete token, upload token) is missing or wrong */
    HEARTH_E_BUSY,         /* all slots are taken: try again shortly */
    HEARTH_E_NO_SPACE,     /* the disk is full */
    HEARTH_E_UNAUTHORIZED, /* an upload token is required */
    HEARTH_E_UPSTREAM,     /* a fetched server failed: refused, timed out, HTTP error */
    HEARTH_E_CONFLICT, /* the thing is not in a state that allows this (stop a finished capture) */
    HEARTH_E_TOO_MANY, /* this client has too much in progress: try again later (429) */
    HEARTH_E_TIMEOUT,  /* the client was too slow sending its request (408) */
    HEARTH_E_UNAVAILABLE, /* the store is degraded (database vanished or damaged): writes refused */
};

struct hearth_errmsg {
    char msg[512];
};

/* Short stable name of an error code ("too_large"); static storage. */
const char *hearth_err_name(enum hearth_err e);

/* The HTTP status that answers an error (413 for too_large, ...). */
int hearth_err_http_status(enum hearth_err e);

/*
 * Record a formatted message in em (if em is non-NULL) and return e, so that
 * callers can write `return hearth_errmsg_set(em, E, "...")`.
 */
enum hearth_err hearth_errmsg_set(struct hearth_errmsg *em, enum hearth_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* HEARTH_ERR_H */
