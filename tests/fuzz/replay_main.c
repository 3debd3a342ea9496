/*
 * replay_main.c - a main() for gcc builds of the libFuzzer targets: runs
 * LLVMFuzzerTestOneInput over every file named on the command line and
 * every regular file in every directory named (not recursive), so ctest
 * replays the committed corpus on every build (SQLite fuzzcheck, h2o).
 * Exit status 0 when all inputs ran; a crash or abort ends the process.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are skipped with a note (libFuzzer's -max_len spirit). */
#define MAX_INPUT ((size_t)64 << 20)

static int run_file(const char *path, size_t *nrun)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    int rc = 1;

    if (!f) {
        fprintf(stderr, "replay: %s: cannot open\n", path);
        return 1;
    }
    n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: %s: cannot size\n", path);
        goto out_close;
    }
    if ((size_t)n > MAX_INPUT) {
        fprintf(stderr, "replay: %s: skipped (%ld bytes)\n", path, n);
        rc = 0;
        goto out_close;
    }
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || (n && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        fprintf(stderr, "replay: %s: read error\n", path);
        goto out_close;
    }
    fprintf(stderr, "replay: %s (%ld bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    (*nrun)++;
    rc = 0;
out_close:
    free(buf);
    fclose(f);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir, in name order (reproducible). */
static int run_dir(const char *dir, size_t *nrun)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL, **nn;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (!d) {
        fprintf(stderr, "replay: %s: cannot open directory\n", dir);
        return 1;
    }
    for (de = readdir(d); de != NULL; de = readdir(d)) {
        size_t len;
        char *path;
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        len = strlen(dir) + strlen(de->d_name) + 2;
        path = malloc(len);
        if (!path) {
            rc = 1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            nn = realloc(names, cap * sizeof(*names));
            if (!nn) {
                free(path);
                rc = 1;
                break;
            }
            names = nn;
        }
        names[n++] = path;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        if (rc == 0)
            rc |= run_file(names[i], nrun);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t nrun = 0;
    int i, rc = 0;
    struct timespec t0, t1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            rc |= run_dir(argv[i], &nrun);
        } else {
            rc |= run_file(argv[i], &nrun);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("replay: %zu inputs in %.2f s, %s\n", nrun,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           rc ? "FAILED" : "ok");
    if (nrun == 0 && rc == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        rc = 1;
    }
    return rc;
}
