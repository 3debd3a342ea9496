/*
 * tmpdir.h - a fresh temporary directory per test, removed afterwards
 * (header-only; for the tests of the store, the series store and captures).
 */
#ifndef HEARTH_TEST_TMPDIR_H
#define HEARTH_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline int tmpdir_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Make <TMPDIR>/hearth-<what>-XXXXXX; returns a malloc'ed path or NULL. */
static inline char *tmpdir_make(const char *what)
{
    const char *base = getenv("TMPDIR");
    size_t n;
    char *p;

    if (!base || !*base)
        base = "/tmp";
    n = strlen(base) + strlen(what) + 32;
    p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/hearth-%s-XXXXXX", base, what);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

/* rm -rf path, then free it. */
static inline void tmpdir_remove(char *path)
{
    if (!path)
        return;
    nftw(path, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(path);
}

/* path = a/b (malloc'ed). */
static inline char *tmpdir_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

#endif /* HEARTH_TEST_TMPDIR_H */
