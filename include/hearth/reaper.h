/*
 * reaper.h - deadlines for blocking socket reads and writes we cannot
 * interrupt otherwise.
 *
 * civetweb's mg_read() waits until its buffer is full, and its timeout only
 * counts silence, so a client sending a byte a second holds the reading
 * thread indefinitely; civetweb gives no handle to its socket. A request
 * that must finish its body (or its download) by a deadline registers a
 * watch with the peer's address and port; if the deadline passes first, the
 * reaper thread finds the process's TCP socket with that peer and local
 * port and shuts it down (the reading side for a body, so an answer can still
 * be written; both sides for a download), so the blocked call returns at once.
 *
 * The same thread also caps the connections one client address holds
 * (hearth_reaper_cap_connections): about once a second it counts the
 * process's TCP connections to the server's port by peer address and shuts
 * down those of an address beyond the cap (civetweb calls nothing of ours
 * before a request head arrives, so idle sockets are seen only this way).
 *
 * Thread-safe. A watch lives in caller storage between _watch and _unwatch.
 */
#ifndef HEARTH_REAPER_H
#define HEARTH_REAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hearth_reaper;

struct hearth_watch {
    char peer[64];
    int peer_port, local_port;
    int how;             /* SHUT_RD or SHUT_RDWR */
    int64_t deadline_ms; /* CLOCK_MONOTONIC milliseconds */
    bool fired;
    struct hearth_watch *next;
};

/* Starts the reaper thread; NULL if that fails. */
struct hearth_reaper *hearth_reaper_new(void);

/* Watch the connection peer:peer_port -> local_port until deadline_ms; how: SHUT_RD or SHUT_RDWR.
 */
void hearth_reaper_watch(struct hearth_reaper *r, struct hearth_watch *w, const char *peer,
                         int peer_port, int local_port, int64_t deadline_ms, int how);

/* Stop watching; true if the deadline passed and the socket was shut down. */
bool hearth_reaper_unwatch(struct hearth_reaper *r, struct hearth_watch *w);

/* Monotonic milliseconds, the clock of deadline_ms. */
int64_t hearth_reaper_now_ms(void);

/* From now on, at most cap connections per client address to local_port (0 = no cap). */
void hearth_reaper_cap_connections(struct hearth_reaper *r, int local_port, size_t cap);

/* Connections shut down by the cap so far. */
unsigned long hearth_reaper_capped(struct hearth_reaper *r);

/* Stops and joins the thread. NULL is a no-op. */
void hearth_reaper_free(struct hearth_reaper *r);

#endif /* HEARTH_REAPER_H */
