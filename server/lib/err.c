/* err.c - names and messages for enum hearth_err. */
#include "hearth/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "hearth/banned.h"

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
    case HEARTH_E_FORBIDDEN:
        return "forbidden";
    case HEARTH_E_BUSY:
        return "busy";
    case HEARTH_E_NO_SPACE:
        return "no_space";
    case HEARTH_E_UNAUTHORIZED:
        return "unauthorized";
    case HEARTH_E_UPSTREAM:
        return "upstream_failed";
    case HEARTH_E_CONFLICT:
        return "conflict";
    case HEARTH_E_TOO_MANY:
        return "too_many_requests";
    case HEARTH_E_TIMEOUT:
        return "request_timeout";
    case HEARTH_E_UNAVAILABLE:
        return "unavailable";
    }
    return "unknown";
}

int hearth_err_http_status(enum hearth_err e)
{
    switch (e) {
    case HEARTH_OK:
        return 200;
    case HEARTH_E_NOMEM:
        return 503;
    case HEARTH_E_TOO_LARGE:
        return 413;
    case HEARTH_E_CORRUPT:
        return 400;
    case HEARTH_E_NOT_FOUND:
        return 404;
    case HEARTH_E_BAD_REQUEST:
        return 400;
    case HEARTH_E_UNSUPPORTED:
        return 415;
    case HEARTH_E_INCOMPATIBLE:
        return 422;
    case HEARTH_E_IO:
        return 500;
    case HEARTH_E_FORBIDDEN:
        return 403;
    case HEARTH_E_BUSY:
        return 503;
    case HEARTH_E_NO_SPACE:
        return 507;
    case HEARTH_E_UNAUTHORIZED:
        return 401;
    case HEARTH_E_UPSTREAM:
        return 502;
    case HEARTH_E_CONFLICT:
        return 409;
    case HEARTH_E_TOO_MANY:
        return 429;
    case HEARTH_E_TIMEOUT:
        return 408;
    case HEARTH_E_UNAVAILABLE:
        return 503;
    }
    return 500;
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
