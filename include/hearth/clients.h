/*
 * clients.h - what each client address has in progress, with caps.
 *
 * The HTTP layer counts, per remote address, the requests it is serving and
 * the request bodies it is reading, so that one client cannot hold every
 * worker or every upload slot. An address's entry exists only while one of
 * its counts is above zero, so the table is as large as the set of clients
 * with work in progress (at most the server's thread count).
 *
 * Thread-safe: every call takes the table's lock. Addresses are copied.
 */
#ifndef HEARTH_CLIENTS_H
#define HEARTH_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

enum hearth_client_kind {
    HEARTH_CLIENT_REQUESTS, /* requests in progress */
    HEARTH_CLIENT_UPLOADS,  /* request bodies being read */
    HEARTH_CLIENT_NKINDS
};

struct hearth_clients;

/* NULL if out of memory. */
struct hearth_clients *hearth_clients_new(void);

/*
 * Count one more `kind` for addr unless that would pass max (0 = no cap).
 * false: refused (nothing counted), or out of memory with a cap set.
 */
bool hearth_clients_take(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind,
                         size_t max);

/*
 * The same, but when addr is at its cap, wait up to wait_ms for one of its
 * own to be given back (its uploads queue instead of failing at once, while
 * other clients are never held up by it).
 */
bool hearth_clients_take_wait(struct hearth_clients *t, const char *addr,
                              enum hearth_client_kind kind, size_t max, size_t wait_ms);

/* Give back what a successful _take counted. */
void hearth_clients_put(struct hearth_clients *t, const char *addr, enum hearth_client_kind kind);

/* Addresses with something in progress (for tests and health). */
size_t hearth_clients_count(struct hearth_clients *t);

void hearth_clients_free(struct hearth_clients *t);

#endif /* HEARTH_CLIENTS_H */
