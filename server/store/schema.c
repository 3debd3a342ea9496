/*
 * schema.c - the metadata schema, one ordered list of versions per dialect,
 * applied at start-up (see hearth__store_migrate() in store_int.h).
 *
 * Version 1 is the schema every earlier release created (without a version
 * table): its statements are "IF NOT EXISTS", so a database made by an
 * earlier release is taken as version 1 as it is, with its rows. A new
 * version is appended to both lists (never edited once released).
 * PostgreSQL's columns are BIGINT (milliseconds do not fit its INTEGER) and
 * TEXT COLLATE "C" (byte order, as SQLite compares: pages ordered by id are
 * the same on both).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "hearth/db.h"
#include "store_int.h"

#include "hearth/banned.h"

/* pg_advisory_xact_lock key of the migrations ("hearth" + 1). */
#define MIGRATE_LOCK_KEY 0x6865617274680001LL

#define T "TEXT COLLATE \"C\""

static const char *const sqlite_versions[] = {
    /* 1: profiles, gctraces, store_meta, series, series_items, captures, saved_views */
    "CREATE TABLE IF NOT EXISTS profiles ("
    " id TEXT PRIMARY KEY, blob TEXT NOT NULL, name TEXT NOT NULL,"
    " source_url TEXT NOT NULL DEFAULT '', info TEXT NOT NULL,"
    " created INTEGER NOT NULL, size INTEGER NOT NULL, delete_hash TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS profiles_created ON profiles(created DESC, id DESC);"
    "CREATE INDEX IF NOT EXISTS profiles_blob ON profiles(blob);"
    "CREATE TABLE IF NOT EXISTS gctraces ("
    " id TEXT PRIMARY KEY, blob TEXT NOT NULL, name TEXT NOT NULL,"
    " source_url TEXT NOT NULL DEFAULT '', info TEXT NOT NULL,"
    " created INTEGER NOT NULL, size INTEGER NOT NULL, delete_hash TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS gctraces_blob ON gctraces(blob);"
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value);"
    "CREATE TABLE IF NOT EXISTS series ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, source_url TEXT NOT NULL DEFAULT '',"
    " created INTEGER NOT NULL, delete_hash TEXT NOT NULL, ordering TEXT NOT NULL,"
    " gctrace TEXT NOT NULL DEFAULT '', gctrace_start_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS series_created ON series(created DESC, id DESC);"
    "CREATE TABLE IF NOT EXISTS series_items ("
    " series TEXT NOT NULL, pos INTEGER NOT NULL, profile TEXT NOT NULL,"
    " PRIMARY KEY (series, pos));"
    "CREATE TABLE IF NOT EXISTS captures ("
    " series TEXT PRIMARY KEY, url TEXT NOT NULL, interval_s INTEGER NOT NULL,"
    " count INTEGER NOT NULL, gc INTEGER NOT NULL, state TEXT NOT NULL,"
    " taken INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " restarts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
    " next_at INTEGER NOT NULL DEFAULT 0, started INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS saved_views ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, params TEXT NOT NULL,"
    " created INTEGER NOT NULL, delete_hash TEXT NOT NULL);",
    /* 2: a profile's series are found by profile (series_of_profile, deletes) */
    "CREATE INDEX IF NOT EXISTS series_items_profile ON series_items(profile);",
    /* 3: capture leases (one runner among replicas), one snapshot per capture step, and the
     * blobs whose last reference went (deleted after a grace period, store.c) */
    "ALTER TABLE captures ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE captures ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE series_items ADD COLUMN step INTEGER;"
    "CREATE UNIQUE INDEX series_items_step ON series_items(series, step);"
    "CREATE TABLE blob_gc (blob TEXT PRIMARY KEY, since INTEGER NOT NULL);",
    /* 4: the Go runtime's memory statistics recorded with a profile (memstats_store.h) */
    "CREATE TABLE memstats ("
    " profile TEXT PRIMARY KEY, format TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',"
    " taken INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '', stats TEXT NOT NULL DEFAULT '',"
    " profile_inuse INTEGER);",
    /* 5: capture groups: several targets captured together, one series per target (groups.h) */
    "CREATE TABLE capture_groups ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, created INTEGER NOT NULL,"
    " delete_hash TEXT NOT NULL, interval_s INTEGER NOT NULL, count INTEGER NOT NULL,"
    " gc INTEGER NOT NULL, gctrace TEXT NOT NULL DEFAULT '', gctrace_start_ms INTEGER);"
    "CREATE INDEX capture_groups_created ON capture_groups(created DESC, id DESC);"
    "CREATE TABLE capture_group_targets ("
    " grp TEXT NOT NULL, pos INTEGER NOT NULL, name TEXT NOT NULL, series TEXT NOT NULL,"
    " track TEXT NOT NULL DEFAULT '', PRIMARY KEY (grp, pos));"
    "CREATE INDEX capture_group_targets_series ON capture_group_targets(series);",
    /* 6: thinning of long series: the policy of a series (with its peak and how far its
     * totals were read) and what each policy removed (count, time range, window) */
    "CREATE TABLE series_thin ("
    " series TEXT PRIMARY KEY, keep_s INTEGER NOT NULL, every_s INTEGER NOT NULL,"
    " since INTEGER NOT NULL, peak TEXT NOT NULL DEFAULT '', peak_total INTEGER NOT NULL DEFAULT 0,"
    " scanned TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE series_thinned ("
    " series TEXT NOT NULL, pos INTEGER NOT NULL, keep_s INTEGER NOT NULL,"
    " every_s INTEGER NOT NULL, removed INTEGER NOT NULL, from_ms INTEGER NOT NULL,"
    " to_ms INTEGER NOT NULL, window_ms INTEGER NOT NULL, last_run_ms INTEGER NOT NULL,"
    " PRIMARY KEY (series, pos));",
    /* 7: derived blobs: rendered answers of a profile's views, kept across restarts
     * (derived_store.h); dropped with the last profile of blob (or base) */
    "CREATE TABLE derived ("
    " key TEXT PRIMARY KEY, blob TEXT NOT NULL, base TEXT NOT NULL DEFAULT '',"
    " dblob TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL);"
    "CREATE INDEX derived_blob ON derived(blob);"
    "CREATE INDEX derived_base ON derived(base);"
    "CREATE INDEX derived_dblob ON derived(dblob);",
};

static const char *const pg_versions[] = {
    /* 1 */
    "CREATE TABLE IF NOT EXISTS profiles ("
    " id " T " PRIMARY KEY, blob " T " NOT NULL, name " T " NOT NULL,"
    " source_url " T " NOT NULL DEFAULT '', info " T " NOT NULL,"
    " created BIGINT NOT NULL, size BIGINT NOT NULL, delete_hash " T " NOT NULL);"
    "CREATE INDEX IF NOT EXISTS profiles_created ON profiles(created DESC, id DESC);"
    "CREATE INDEX IF NOT EXISTS profiles_blob ON profiles(blob);"
    "CREATE TABLE IF NOT EXISTS gctraces ("
    " id " T " PRIMARY KEY, blob " T " NOT NULL, name " T " NOT NULL,"
    " source_url " T " NOT NULL DEFAULT '', info " T " NOT NULL,"
    " created BIGINT NOT NULL, size BIGINT NOT NULL, delete_hash " T " NOT NULL);"
    "CREATE INDEX IF NOT EXISTS gctraces_blob ON gctraces(blob);"
    "CREATE TABLE IF NOT EXISTS store_meta (key " T " PRIMARY KEY, value BIGINT);"
    "CREATE TABLE IF NOT EXISTS series ("
    " id " T " PRIMARY KEY, name " T " NOT NULL, source_url " T " NOT NULL DEFAULT '',"
    " created BIGINT NOT NULL, delete_hash " T " NOT NULL, ordering " T " NOT NULL,"
    " gctrace " T " NOT NULL DEFAULT '', gctrace_start_ms BIGINT);"
    "CREATE INDEX IF NOT EXISTS series_created ON series(created DESC, id DESC);"
    "CREATE TABLE IF NOT EXISTS series_items ("
    " series " T " NOT NULL, pos BIGINT NOT NULL, profile " T " NOT NULL,"
    " PRIMARY KEY (series, pos));"
    "CREATE TABLE IF NOT EXISTS captures ("
    " series " T " PRIMARY KEY, url " T " NOT NULL, interval_s BIGINT NOT NULL,"
    " count BIGINT NOT NULL, gc BIGINT NOT NULL, state " T " NOT NULL,"
    " taken BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,"
    " restarts BIGINT NOT NULL DEFAULT 0, last_error " T " NOT NULL DEFAULT '',"
    " next_at BIGINT NOT NULL DEFAULT 0, started BIGINT NOT NULL, updated BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS saved_views ("
    " id " T " PRIMARY KEY, name " T " NOT NULL UNIQUE, params " T " NOT NULL,"
    " created BIGINT NOT NULL, delete_hash " T " NOT NULL);",
    /* 2 */
    "CREATE INDEX IF NOT EXISTS series_items_profile ON series_items(profile);",
    /* 3 */
    "ALTER TABLE captures ADD COLUMN lease_owner " T " NOT NULL DEFAULT '';"
    "ALTER TABLE captures ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE series_items ADD COLUMN step BIGINT;"
    "CREATE UNIQUE INDEX series_items_step ON series_items(series, step);"
    "CREATE TABLE blob_gc (blob " T " PRIMARY KEY, since BIGINT NOT NULL);",
    /* 4 */
    "CREATE TABLE memstats ("
    " profile " T " PRIMARY KEY, format " T " NOT NULL, source " T " NOT NULL DEFAULT '',"
    " taken BIGINT NOT NULL, error " T " NOT NULL DEFAULT '', stats " T " NOT NULL DEFAULT '',"
    " profile_inuse BIGINT);",
    /* 5 */
    "CREATE TABLE capture_groups ("
    " id " T " PRIMARY KEY, name " T " NOT NULL, created BIGINT NOT NULL,"
    " delete_hash " T " NOT NULL, interval_s BIGINT NOT NULL, count BIGINT NOT NULL,"
    " gc BIGINT NOT NULL, gctrace " T " NOT NULL DEFAULT '', gctrace_start_ms BIGINT);"
    "CREATE INDEX capture_groups_created ON capture_groups(created DESC, id DESC);"
    "CREATE TABLE capture_group_targets ("
    " grp " T " NOT NULL, pos BIGINT NOT NULL, name " T " NOT NULL, series " T " NOT NULL,"
    " track " T " NOT NULL DEFAULT '', PRIMARY KEY (grp, pos));"
    "CREATE INDEX capture_group_targets_series ON capture_group_targets(series);",
    /* 6 */
    "CREATE TABLE series_thin ("
    " series " T " PRIMARY KEY, keep_s BIGINT NOT NULL, every_s BIGINT NOT NULL,"
    " since BIGINT NOT NULL, peak " T " NOT NULL DEFAULT '', peak_total BIGINT NOT NULL DEFAULT 0,"
    " scanned " T " NOT NULL DEFAULT '');"
    "CREATE TABLE series_thinned ("
    " series " T " NOT NULL, pos BIGINT NOT NULL, keep_s BIGINT NOT NULL,"
    " every_s BIGINT NOT NULL, removed BIGINT NOT NULL, from_ms BIGINT NOT NULL,"
    " to_ms BIGINT NOT NULL, window_ms BIGINT NOT NULL, last_run_ms BIGINT NOT NULL,"
    " PRIMARY KEY (series, pos));",
    /* 7 */
    "CREATE TABLE derived ("
    " key " T " PRIMARY KEY, blob " T " NOT NULL, base " T " NOT NULL DEFAULT '',"
    " dblob " T " NOT NULL, bytes BIGINT NOT NULL, created BIGINT NOT NULL);"
    "CREATE INDEX derived_blob ON derived(blob);"
    "CREATE INDEX derived_base ON derived(base);"
    "CREATE INDEX derived_dblob ON derived(dblob);",
};

_Static_assert(sizeof(sqlite_versions) == sizeof(pg_versions),
               "every schema version exists in both dialects");

#define NVERSIONS ((int)(sizeof(sqlite_versions) / sizeof(sqlite_versions[0])))

int hearth__store_schema_latest(void)
{
    return NVERSIONS;
}

/* The version recorded in db (0: none yet), or -1. In the migration's transaction. */
static int current_version(struct hearth_db *db)
{
    struct hearth_db_stmt *q = NULL;
    int v = -1;

    if (hearth_db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &q) == 0 &&
        hearth_db_step(q) == HEARTH_DB_ROW)
        v = hearth_db_column_int(q, 0);
    hearth_db_finalize(q);
    return v;
}

static int record_version(struct hearth_db *db, int v, int64_t now_ms)
{
    struct hearth_db_stmt *q = NULL;
    int r = -1;

    if (hearth_db_prepare(db, "INSERT INTO schema_version (version, applied_ms) VALUES (?1, ?2)",
                          &q) == 0) {
        hearth_db_bind_int64(q, 1, v);
        hearth_db_bind_int64(q, 2, now_ms);
        if (hearth_db_step(q) == HEARTH_DB_DONE)
            r = 0;
    }
    hearth_db_finalize(q);
    return r;
}

enum hearth_err hearth__store_migrate(struct hearth_db *db, int64_t now_ms, int *from, int *to,
                                      struct hearth_errmsg *em)
{
    const char *const *versions =
        hearth_db_kind(db) == HEARTH_DB_POSTGRES ? pg_versions : sqlite_versions;
    struct hearth_db_stmt *q = NULL;
    enum hearth_err e = HEARTH_OK;
    int cur, v;

    *from = *to = 0;
    /* one migrator at a time: replicas starting together wait here, then find it done */
    if (hearth_db_begin(db) < 0)
        goto out_db;
    if (hearth_db_xact_lock(db, MIGRATE_LOCK_KEY) < 0 ||
        hearth_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
                           " version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)") < 0)
        goto out_rollback;
    cur = current_version(db);
    if (cur < 0)
        goto out_rollback;
    *from = *to = cur;
    if (cur > NVERSIONS) {
        e = hearth_errmsg_set(em, HEARTH_E_IO,
                              "%s has schema version %d, newer than this server's (%d): run the "
                              "newer Hearth, or restore a backup made for this one",
                              hearth_db_name(db), cur, NVERSIONS);
        hearth_db_rollback(db);
        return e;
    }
    for (v = cur + 1; v <= NVERSIONS; v++)
        if (hearth_db_exec(db, versions[v - 1]) < 0 || record_version(db, v, now_ms) < 0)
            goto out_rollback;
    /* when this database was made: the sweep never removes older blobs */
    if (hearth_db_prepare(db,
                          "INSERT INTO store_meta (key, value) VALUES ('created_ms', ?1) "
                          "ON CONFLICT DO NOTHING",
                          &q) < 0)
        goto out_rollback;
    hearth_db_bind_int64(q, 1, now_ms);
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        goto out_rollback;
    hearth_db_finalize(q);
    q = NULL;
    if (hearth_db_commit(db) < 0)
        goto out_db;
    *to = NVERSIONS;
    return HEARTH_OK;
out_rollback:
    e = hearth_errmsg_set(em, HEARTH_E_IO, "cannot bring the schema of %s to version %d: %s",
                          hearth_db_name(db), NVERSIONS, hearth_db_errmsg());
    hearth_db_finalize(q);
    hearth_db_rollback(db);
    return e;
out_db:
    return hearth_errmsg_set(
        em, hearth_db_fail() == HEARTH_DB_F_UNAVAILABLE ? HEARTH_E_UNAVAILABLE : HEARTH_E_IO,
        "cannot bring the schema of %s to version %d: %s", hearth_db_name(db), NVERSIONS,
        hearth_db_errmsg());
}
