/*
 * log.h - the server's log: one line per event on stderr, as JSON
 * (--log-format=json: {"time","level","event","msg"}, plus the request
 * fields on access lines) or as text ("hearth: msg", the historic form).
 *
 * hearth_log_setup() is called once, before any thread logs; after it every
 * function may be called from any thread at once: each line is built in
 * memory and written with one write(2), so lines never interleave.
 * Nothing here prints a request's query string or headers: callers pass a
 * route template, so tokens never reach the log.
 */
#ifndef HEARTH_LOG_H
#define HEARTH_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum hearth_log_level { HEARTH_LOG_DEBUG, HEARTH_LOG_INFO, HEARTH_LOG_WARN, HEARTH_LOG_ERROR };

/* format: "json" or "text"; level: debug, info, warn or error. -1 if either is unknown. */
int hearth_log_setup(const char *format, const char *level);
/* Would a line at lvl be written? */
bool hearth_log_enabled(enum hearth_log_level lvl);
/* One event line: event is a short fixed name ("start", "capture_error", ...). */
void hearth_log(enum hearth_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * One access line (level info): route is the route template, never the
 * request's path; bytes are body bytes; remote the client's address.
 */
void hearth_log_access(const char *method, const char *route, int status, uint64_t bytes_in,
                       uint64_t bytes_out, double secs, const char *remote);

#endif /* HEARTH_LOG_H */
