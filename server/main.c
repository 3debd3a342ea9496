/* main.c - the hearth executable: dispatch to the CLI views (and, later, the server). */
#include <stdio.h>
#include <string.h>

#include "hearth/cli.h"
#include "hearth/http.h"

#include "hearth/banned.h"

#define HEARTH_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f, "Hearth %s - a viewer for pprof profiles\n\n", HEARTH_VERSION);
    fputs("       hearth serve [options]       the web server (hearth serve --help)\n"
          "       hearth healthcheck [options] exit 0 if the local server's /healthz answers\n\n",
          f);
    hearth_cli_usage(f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("hearth %s\n", HEARTH_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "serve"))
        return hearth_serve_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "healthcheck"))
        return hearth_healthcheck_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "top") || !strcmp(argv[1], "flame") || !strcmp(argv[1], "graph"))
        return hearth_cli_run(argc - 1, argv + 1);
    fprintf(stderr, "hearth: unknown command \"%s\" (see hearth --help)\n", argv[1]);
    return 2;
}
