/*
 * fetch.h - fetching a profile from a URL (libcurl), safely.
 *
 * Only http and https; no redirects; connect and total deadlines; a size
 * cap on the body; and an operator allow-list of hosts and CIDRs that is
 * checked against the address actually connected to (after DNS), so DNS
 * rebinding cannot reach a forbidden address. Link-local and cloud
 * metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) are refused
 * unless listed explicitly, and so is the server's own listening address.
 * Error messages never echo the remote body. When the target did not
 * answer at all (connection refused, timeout, reset, unknown name, TLS
 * failure) the message is one generic sentence whatever the cause, so that
 * the fetch API cannot probe which ports are open; the cause goes to
 * *detail for the server's log. An HTTP status, a body too large and
 * refusals by the allow-list keep their own words.
 *
 * A struct hearth_fetcher is created once at start-up and is thread-safe;
 * each call allocates its own curl handle. The body is malloc'ed and owned
 * by the caller.
 */
#ifndef HEARTH_FETCH_H
#define HEARTH_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"

struct hearth_fetcher;

struct hearth_fetch_opts {
    const char *allow;     /* comma-separated hosts, IPs and CIDRs; "" or NULL: fetching disabled */
    size_t max_bytes;      /* body cap */
    long timeout_s;        /* total deadline (a CPU profile's ?seconds= is added, capped) */
    long max_seconds;      /* largest ?seconds= accepted */
    const char *self_addr; /* our own listen address "ip:port", refused as a target */
    /*
     * The command line's fetch (`hearth top http://...`), as pprof's: any
     * address (no allow-list; the user fetches for themselves), and
     * timeout_s is the whole deadline, ?seconds= included. Never for the
     * server.
     */
    bool open;
};

/* Call once before any thread starts (curl_global_init). */
enum hearth_err hearth_fetch_global_init(void);
void hearth_fetch_global_cleanup(void);

enum hearth_err hearth_fetcher_new(const struct hearth_fetch_opts *o, struct hearth_fetcher **out,
                                   struct hearth_errmsg *em);
void hearth_fetcher_free(struct hearth_fetcher *f);

/*
 * GET url; on success *body (malloc'ed) holds *len bytes of a 200 response.
 * Errors: HEARTH_E_FORBIDDEN (not allowed / fetching disabled),
 * HEARTH_E_BAD_REQUEST (malformed URL, wrong scheme, seconds too large),
 * HEARTH_E_TOO_LARGE, HEARTH_E_IO (no answer: the generic message; or an
 * HTTP status != 200, named). em is what a client may be told; detail (may
 * be NULL) gets the cause in words for the log (the same as em when em
 * already says it).
 */
enum hearth_err hearth_fetch(struct hearth_fetcher *f, const char *url, unsigned char **body,
                             size_t *len, struct hearth_errmsg *em, struct hearth_errmsg *detail);

/*
 * The checks of hearth_fetch() that need no network (scheme, host spelling,
 * credentials, length, seconds=): HEARTH_E_BAD_REQUEST with the reason, so
 * several URLs can be refused before any is fetched. Thread-safe.
 */
enum hearth_err hearth_fetch_check_url(const struct hearth_fetcher *f, const char *url,
                                       struct hearth_errmsg *em);

#endif /* HEARTH_FETCH_H */
