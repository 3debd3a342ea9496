/* main.c - the hearth executable: dispatch to the CLI views (and, later, the server). */
#include <stdio.h>
#include <string.h>

#include "hearth/cli.h"
#include "hearth/http.h"
#include "hearth/limits.h"

#include "hearth/banned.h"

#define HEARTH_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f, "Hearth %s - a viewer for pprof profiles\n\n", HEARTH_VERSION);
    fputs(
        "       hearth serve [options]       the web server (hearth serve --help)\n"
        "       hearth healthcheck [options] exit 0 if the local server's /healthz answers\n"
        "       hearth limits                every input limit, its default and why (Markdown)\n\n",
        f);
    hearth_cli_usage(f);
}

/* A limit's value as the README writes it: 64 MiB, 20,000,000. */
static void print_value(size_t v)
{
    char digits[32], out[48];
    size_t n, i, o = 0;

    if (v >= ((size_t)1 << 20) && v % ((size_t)1 << 20) == 0) {
        if (v % ((size_t)1 << 30) == 0)
            printf("%zu GiB", v >> 30);
        else
            printf("%zu MiB", v >> 20);
        return;
    }
    n = (size_t)snprintf(digits, sizeof(digits), "%zu", v);
    for (i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    fputs(out, stdout);
}

/* hearth limits: the two tables of server/lib/limits.c, as the README's Limits section shows them.
 */
static int print_limits(void)
{
    const struct hearth_limit_row *r;

    puts("Settable limits (`hearth top -NAME=N ...`; the server's `--max-upload-mb` and\n"
         "`--max-decompressed-mb` default to `max_input` and `max_decompressed`):\n");
    puts("| limit | default | why |\n|---|---|---|");
    for (r = hearth_limit_table(); r->name; r++) {
        printf("| `%s` | ", r->name);
        print_value(r->value);
        printf(" | %s |\n", r->reason);
    }
    puts("\nFixed limits of the HTTP API and its parsers (`HEARTH_LIMIT_*` in limits.h):\n");
    puts("| limit | value | why |\n|---|---|---|");
    for (r = hearth_limit_fixed_table(); r->name; r++) {
        printf("| `%s` | ", r->name);
        print_value(r->value);
        printf(" | %s |\n", r->reason);
    }
    return 0;
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
    if (!strcmp(argv[1], "limits") || !strcmp(argv[1], "--limits"))
        return print_limits();
    if (!strcmp(argv[1], "serve"))
        return hearth_serve_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "healthcheck"))
        return hearth_healthcheck_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "top") || !strcmp(argv[1], "flame") || !strcmp(argv[1], "graph"))
        return hearth_cli_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "svg") || !strcmp(argv[1], "png") || !strcmp(argv[1], "pdf") ||
        !strcmp(argv[1], "gif"))
        return hearth_cli_run(argc - 1, argv + 1); /* call graph images */
    fprintf(stderr, "hearth: unknown command \"%s\" (see hearth --help)\n", argv[1]);
    return 2;
}
