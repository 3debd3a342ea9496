/* main.c - the hearth executable: the server, its helpers, or a report (cli.c). */
#define _GNU_SOURCE /* setenv, execv */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hearth/cli.h"
#include "hearth/client.h"
#include "hearth/http.h"
#include "hearth/limits.h"
#include "hearth/migrate.h"
#include "hearth/version.h"

#include "hearth/banned.h"

static void usage(FILE *f)
{
    fprintf(f, "Hearth %s - a viewer for pprof profiles\n\n", hearth_version());
    fputs(
        "       hearth serve [options]       the web server (hearth serve --help)\n"
        "       hearth healthcheck [options] exit 0 if the local server's /healthz answers\n"
        "       hearth limits                every input limit, its default and why (Markdown)\n\n",
        f);
    hearth_client_usage(f);
    hearth_migrate_usage(f);
    fputc('\n', f);
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

/* Whether an argument names a regular file of 128 KiB or more. */
static bool names_large_file(int argc, char **argv)
{
    struct stat st;
    int i;

    for (i = 1; i < argc; i++)
        if (argv[i][0] != '-' && stat(argv[i], &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_size >= (off_t)128 << 10)
            return true;
    return false;
}

/*
 * A report on a large profile touches hundreds of MB of fresh memory, and
 * where the kernel gives transparent huge pages only to memory that asks for
 * them (THP mode "madvise") a quarter of its time went to 4 KiB page faults.
 * So the heap asks: it is grown once by 256 MiB (address space only; what is
 * never touched is never resident) and that range is advised, blocks of up
 * to 32 MiB are kept in the heap instead of mmap (fixed threshold), and the
 * heap is never trimmed, so a report's memory lands in the advised range.
 * (glibc's tunable glibc.malloc.hugetlb=1 does the same but is read at start
 * only: restarting with it cost a second start of the 56 shared libraries.)
 * Top on 1M samples: 4,000 page faults -> 1,200, 0.43 -> 0.35 s of CPU.
 * Only for a profile file of 128 KiB or more (100k samples, 1.9 MB: 5,400
 * -> 1,200 page faults, 0.14 -> 0.08 s of CPU, 21 -> 28 MB peak RSS), not
 * when THP is "always" or "never", nor with HEARTH_NO_HUGEPAGES set.
 */
static void advise_heap(void)
{
    char mode[128] = "", *lo, *hi;
    size_t n;
    void *x;
    FILE *f;

    if (getenv("HEARTH_NO_HUGEPAGES"))
        return;
    f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return;
    n = fread(mode, 1, sizeof(mode) - 1, f);
    fclose(f);
    mode[n] = '\0';
    if (!strstr(mode, "[madvise]"))
        return;
    if (!mallopt(M_MMAP_THRESHOLD, 32 << 20) || !mallopt(M_TRIM_THRESHOLD, 1 << 30) ||
        !mallopt(M_TOP_PAD, 256 << 20))
        return;
    x = malloc((size_t)1 << 20); /* grows the heap by the pad */
    if (!x)
        return;
    hi = sbrk(0);
    lo = (char *)(((uintptr_t)x + ((uintptr_t)2 << 20) - 1) & ~(((uintptr_t)2 << 20) - 1));
    if (hi != (char *)-1 && hi > lo)
        madvise(lo, (size_t)(hi - lo), MADV_HUGEPAGE);
    free(x);
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
        printf("hearth %s\n", hearth_version_long());
        return 0;
    }
    if (!strcmp(argv[1], "limits") || !strcmp(argv[1], "--limits"))
        return print_limits();
    if (!strcmp(argv[1], "serve"))
        return hearth_serve_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "migrate"))
        return hearth_migrate_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "healthcheck"))
        return hearth_healthcheck_main(argc - 2, argv + 2);
    if (hearth_client_is_command(argv[1]))
        return hearth_client_main(argc - 1, argv + 1);
    /* a report: `hearth top FILE`, or pprof's spelling `hearth -top FILE` */
    if (names_large_file(argc, argv)) {
        /* past the advised range, the heap grows 48 MiB at a time */
        advise_heap();
        mallopt(M_TOP_PAD, 48 << 20);
    }
    return hearth_cli_run(argc - 1, argv + 1);
}
