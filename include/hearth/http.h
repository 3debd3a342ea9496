/*
 * http.h - `hearth serve`: the HTTP API and the embedded UI on civetweb.
 *
 * The HTTP layer is thin: it parses requests, checks limits and origins,
 * and calls the store, the caches and the engine; it is the only code that
 * includes civetweb.h. hearth_server_start() opens the store (failing
 * clearly on an unusable data directory) and starts listening;
 * hearth_server_stop() stops accepting, waits for requests in flight and
 * frees everything.
 */
#ifndef HEARTH_HTTP_H
#define HEARTH_HTTP_H

#include "hearth/config.h"
#include "hearth/err.h"

struct hearth_server;

/* cfg must outlive the server. */
enum hearth_err hearth_server_start(const struct hearth_config *cfg, struct hearth_server **out,
                                    struct hearth_errmsg *em);
/* The port actually bound (useful with port 0). */
int hearth_server_port(const struct hearth_server *srv);
void hearth_server_stop(struct hearth_server *srv);

/* `hearth serve ...`: run until SIGTERM/SIGINT; returns the exit status. */
int hearth_serve_main(int argc, char **argv);

/* `hearth healthcheck [--listen ADDR:PORT]`: 0 if the local /healthz answers 200. */
int hearth_healthcheck_main(int argc, char **argv);

#endif /* HEARTH_HTTP_H */
