/*
 * migrate.c - `hearth migrate`: one store copied into another through the
 * store's seams (hearth/store_copy.h), verified, and a summary printed.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hearth/db.h"
#include "hearth/migrate.h"
#include "hearth/store.h"
#include "hearth/store_copy.h"

#include "hearth/banned.h"

#define SPEC_MAX 2048

/* One side: where its metadata and blobs are, and the data directory the store needs. */
struct side {
    char spec[SPEC_MAX];
    const char *metadata; /* "" (SQLite under dir) or a PostgreSQL URL */
    const char *blobs;    /* "" (files under dir) or s3://... */
    const char *dir;
    char tmpdir[64]; /* a throw-away data directory (PostgreSQL + S3: only tmp/ is used) */
};

void hearth_migrate_usage(FILE *f)
{
    fputs("       hearth migrate --from SPEC --to SPEC [--s3-endpoint URL] [--s3-region R]\n"
          "                                    copy every profile, series, gctrace and saved view\n"
          "                                    with their blobs, then verify; SPEC is\n"
          "                                    sqlite:DIR or postgresql://..., then optionally\n"
          "                                    ,files:DIR or ,s3://BUCKET/PREFIX\n",
          f);
}

static int usage_err(const char *what)
{
    fprintf(stderr, "hearth migrate: %s (see hearth --help)\n", what);
    return 2;
}

/* Split "META[,BLOBS]" into s; 0, or -1 with a message written. */
static int parse_side(const char *which, const char *spec, struct side *s)
{
    char *comma, *blobs = NULL;

    if (strlen(spec) >= sizeof(s->spec)) {
        fprintf(stderr, "hearth migrate: --%s is too long\n", which);
        return -1;
    }
    snprintf(s->spec, sizeof(s->spec), "%s", spec);
    comma = strstr(s->spec, ",s3://");
    if (!comma)
        comma = strstr(s->spec, ",files:");
    if (comma) {
        *comma = '\0';
        blobs = comma + 1;
    }
    s->metadata = "";
    s->blobs = "";
    s->dir = NULL;
    if (!strncmp(s->spec, "sqlite:", 7) && s->spec[7]) {
        s->dir = s->spec + 7;
    } else if (hearth_db_url_is_postgres(s->spec)) {
        s->metadata = s->spec;
    } else {
        fprintf(stderr,
                "hearth migrate: --%s: the metadata is sqlite:DIR or postgresql://... (got "
                "%.60s)\n",
                which, s->spec);
        return -1;
    }
    if (blobs && !strncmp(blobs, "files:", 6)) {
        if (!blobs[6] || (s->dir && strcmp(s->dir, blobs + 6) != 0)) {
            fprintf(stderr,
                    "hearth migrate: --%s: files:DIR must name the SQLite directory (blob files "
                    "live beside hearth.db)\n",
                    which);
            return -1;
        }
        s->dir = blobs + 6;
    } else if (blobs) {
        s->blobs = blobs;
    }
    if (!s->dir && !*s->blobs) {
        fprintf(stderr,
                "hearth migrate: --%s: PostgreSQL metadata needs its blobs: ,files:DIR or "
                ",s3://BUCKET/PREFIX\n",
                which);
        return -1;
    }
    return 0;
}

static int open_side(const char *which, struct side *s, const char *endpoint, const char *region,
                     bool must_exist, struct hearth_store **out)
{
    struct hearth_store_opts o = {0};
    struct hearth_errmsg em = {{0}};
    struct stat sb;

    if (!s->dir) {
        snprintf(s->tmpdir, sizeof(s->tmpdir), "/tmp/hearth-migrate-XXXXXX");
        if (!mkdtemp(s->tmpdir)) {
            fprintf(stderr, "hearth migrate: cannot make a temporary directory\n");
            return -1;
        }
        s->dir = s->tmpdir;
    }
    if (must_exist && !*s->metadata) {
        char db[SPEC_MAX + 16];

        snprintf(db, sizeof(db), "%s/hearth.db", s->dir);
        if (stat(db, &sb) < 0) {
            fprintf(stderr, "hearth migrate: --%s: no hearth.db in %s\n", which, s->dir);
            return -1;
        }
    }
    if (*s->blobs && !*endpoint) {
        fprintf(stderr, "hearth migrate: --%s: s3:// blobs need --s3-endpoint\n", which);
        return -1;
    }
    o.dir = s->dir;
    o.metadata = s->metadata;
    o.blobs = s->blobs;
    o.s3_endpoint = endpoint;
    o.s3_region = region;
    if (hearth_store_open_opts(&o, out, &em) != HEARTH_OK) {
        fprintf(stderr, "hearth migrate: cannot open the %s: %s\n",
                !strcmp(which, "from") ? "source" : "target", em.msg);
        return -1;
    }
    return 0;
}

/* The throw-away data directory (its tmp/ is empty after close). */
static void drop_tmpdir(struct side *s)
{
    char sub[128];

    if (!s->tmpdir[0])
        return;
    snprintf(sub, sizeof(sub), "%s/tmp", s->tmpdir);
    rmdir(sub);
    snprintf(sub, sizeof(sub), "%s/reserve", s->tmpdir);
    unlink(sub);
    rmdir(s->tmpdir);
}

static void print_report(const struct hearth_copy_report *r, bool verified)
{
    int i;

    for (i = 0; i < HEARTH_COPY_TABLES; i++) {
        const struct hearth_copy_table *t = &r->tables[i];

        if (verified)
            printf("%-12s %6" PRId64 " copied, %6" PRId64 " in source, %6" PRId64 " in target\n",
                   t->name, t->copied, t->src, t->dst);
        else
            printf("%-12s %6" PRId64 " copied\n", t->name ? t->name : "?", t->copied);
    }
    printf("%-12s %6" PRId64 " copied, %6" PRId64 " already there, %6" PRId64 " verified\n",
           "blobs", r->blobs_copied, r->blobs_present, r->blobs_verified);
}

int hearth_migrate_main(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *hook;
    const char *endpoint = getenv("HEARTH_S3_ENDPOINT");
    const char *region = getenv("HEARTH_S3_REGION");
    struct side src = {0}, dst = {0};
    struct hearth_store *s = NULL, *d = NULL;
    struct hearth_copy_report r;
    struct hearth_errmsg em = {{0}};
    int64_t stop_after = 0;
    enum hearth_err e;
    int a, rc = 1;

    for (a = 0; a < argc; a++) {
        const char *f = argv[a];
        const char **dstv = NULL;

        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            hearth_migrate_usage(stdout);
            return 0;
        }
        if (!strcmp(f, "--from"))
            dstv = &from;
        else if (!strcmp(f, "--to"))
            dstv = &to;
        else if (!strcmp(f, "--s3-endpoint"))
            dstv = &endpoint;
        else if (!strcmp(f, "--s3-region"))
            dstv = &region;
        else {
            fprintf(stderr, "hearth migrate: unknown flag %.80s (see hearth --help)\n", f);
            return 2;
        }
        if (a + 1 >= argc) {
            fprintf(stderr, "hearth migrate: %s needs a value\n", f);
            return 2;
        }
        *dstv = argv[++a];
    }
    if (!from || !to)
        return usage_err("--from and --to are required");
    if (!strcmp(from, to))
        return usage_err("--from and --to name the same store");
    if (parse_side("from", from, &src) < 0 || parse_side("to", to, &dst) < 0)
        return 2;
    if (!endpoint)
        endpoint = "";
    if (!region)
        region = "";
    /* a test's interruption: stop once N rows were copied (as if killed) */
    hook = getenv("HEARTH_MIGRATE_STOP_AFTER");
    if (hook && *hook)
        stop_after = strtoll(hook, NULL, 10);
    if (open_side("from", &src, endpoint, region, true, &s) < 0)
        goto out;
    if (open_side("to", &dst, endpoint, region, false, &d) < 0)
        goto out;
    e = hearth_store_copy(s, d, stop_after, &r, &em);
    if (e != HEARTH_OK) {
        print_report(&r, false);
        fprintf(stderr, "hearth migrate: %s%s\n", em.msg,
                e == HEARTH_E_UNAVAILABLE ? " (run it again to go on)" : "");
        goto out;
    }
    e = hearth_store_copy_verify(s, d, &r, &em);
    print_report(&r, e == HEARTH_OK);
    if (e != HEARTH_OK) {
        fprintf(stderr, "hearth migrate: verify failed: %s\n", em.msg);
        goto out;
    }
    printf("migrate: copied and verified\n");
    rc = 0;
out:
    if (s)
        hearth_store_close(s);
    if (d)
        hearth_store_close(d);
    drop_tmpdir(&src);
    drop_tmpdir(&dst);
    return rc;
}
