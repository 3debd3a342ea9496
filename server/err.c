/* err.c - names and messages for enum hearth_err. */
#include "hearth/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *hearth_err_name(enum hearth_err e)
{
    switch (e) {
    case HEARTH_OK:
        return "ok";
    case HEARTH_E_NOMEM:
        return "no_memory";
    case HEARTH_E_TOO_LARGE:
        return "too_large";
    case HEARTH_E_CORRUPT:
        return "corrupt_profile";
    case HEARTH_E_NOT_FOUND:
        return "not_found";
    case HEARTH_E_BAD_REQUEST:
        return "bad_request";
    case HEARTH_E_UNSUPPORTED:
        return "unsupported";
    case HEARTH_E_INCOMPATIBLE:
        return "incompatible";
    case HEARTH_E_IO:
        return "io_error";
    }
    return "unknown";
}

enum hearth_err hearth_errmsg_set(struct hearth_errmsg *em, enum hearth_err e, const char *fmt, ...)
{
    va_list ap;

    if (!em)
        return e;
    va_start(ap, fmt);
    vsnprintf(em->msg, sizeof(em->msg), fmt, ap);
    va_end(ap);
    return e;
}
