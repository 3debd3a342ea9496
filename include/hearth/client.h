/*
 * client.h - `hearth upload|fetch|capture`: the server's HTTP API from the
 * command line (libcurl).
 *
 *   hearth upload  [--server URL] [--token T] [--name N] [--series NAME] FILE...
 *   hearth fetch   [--server URL] [--token T] [--name N] URL
 *   hearth capture [--server URL] [--token T] [--name N] [--interval S] [--count N] [--gc] URL
 *
 * The server comes from --server, else HEARTH_SERVER, else
 * http://127.0.0.1:8080; the upload token from --token, else
 * HEARTH_UPLOAD_TOKEN. Each stored thing is printed on stdout as one line:
 * its share URL, its delete token, and what it is. hearth_client_main()
 * returns the exit status: 0 done, 1 refused by the server or the server
 * unreachable (one line on stderr), 2 usage error. Not thread-safe (one
 * call per process: it initialises libcurl).
 */
#ifndef HEARTH_CLIENT_H
#define HEARTH_CLIENT_H

#include <stdio.h>

/* argv[0] is the command ("upload", "fetch" or "capture"). */
int hearth_client_main(int argc, char **argv);
/* Is cmd one of the client's commands? */
int hearth_client_is_command(const char *cmd);
/* The usage lines of the client's commands. */
void hearth_client_usage(FILE *f);

#endif /* HEARTH_CLIENT_H */
