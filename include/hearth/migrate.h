/*
 * migrate.h - `hearth migrate --from SPEC --to SPEC`: copy a store (its
 * metadata and blobs) to another (hearth/store_copy.h), then verify it.
 * SPEC is METADATA[,BLOBS]: METADATA is sqlite:DIR (hearth.db under DIR) or
 * a PostgreSQL URL; BLOBS is files:DIR or s3://BUCKET[/PREFIX] (default:
 * files under the SQLite DIR). Exit 0 copied and verified, 1 failure or
 * mismatch (one line on stderr), 2 usage error. Not thread-safe.
 */
#ifndef HEARTH_MIGRATE_H
#define HEARTH_MIGRATE_H

#include <stdio.h>

int hearth_migrate_main(int argc, char **argv);
void hearth_migrate_usage(FILE *f);

#endif /* HEARTH_MIGRATE_H */
