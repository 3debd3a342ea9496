/*
 * store_int.h - what store.c shares with series_store.c (private to the
 * store module: the connection, its lock and the error helpers).
 */
#ifndef HEARTH_STORE_INT_H
#define HEARTH_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hearth/db.h"
#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_blobs;

struct hearth_store {
    char *dir;
    struct hearth_blobs *blobs; /* the bytes (blobs.h): files under dir, or S3 */
    size_t blob_max;            /* largest blob streamed by hearth_store_open_blob() */
    char *dbpath;               /* dir/hearth.db (SQLite) */
    char *reserve;        /* dir/reserve: space given back when a delete finds the disk full */
    struct hearth_db *db; /* the metadata: SQLite (dbpath) or PostgreSQL */
    bool sqlite;          /* the SQLite file checks apply */
    pthread_mutex_t lock; /* serialises writers and multi-statement reads */
    dev_t db_dev;         /* identity of hearth.db when opened: a file removed or */
    ino_t db_ino;         /* replaced under us is noticed before the next write */
    /*
     * hearth.db held open (read only) from after SQLite opened it until after
     * SQLite closed it, for the header check: closing any descriptor of the
     * file would drop every POSIX lock this process holds on it, SQLite's
     * included, and another process (an operator's sqlite3, a second server
     * on the same folder) could then take the file as unused and delete the
     * WAL the server still writes to.
     */
    int db_fd;
    int corrupt;                /* (atomic) SQLite reported its file damaged */
    bool have_reserve;          /* under lock */
    pthread_mutex_t check_lock; /* the cached answer of hearth_store_check() */
    int64_t check_at;
    enum hearth_err check_e;
    char check_msg[256];
    int64_t nprofiles; /* (atomic) rows of profiles, kept by the writers; -1: count again */
};

/* Writers (lock held): the profile count moved by delta, or is unknown (recounted). */
void hearth__store_count_add(struct hearth_store *st, int64_t delta);
void hearth__store_count_forget(struct hearth_store *st);

enum hearth_err hearth__store_db_err(struct hearth_store *st, struct hearth_errmsg *em,
                                     const char *what);

/*
 * HEARTH_OK if the store may be written: hearth.db is still the file that
 * was opened, its header is SQLite's, no corruption was reported and the
 * blob folder exists. Otherwise HEARTH_E_UNAVAILABLE (503) with the reason.
 * Called at the start of every write, with the lock held.
 */
enum hearth_err hearth__store_writable(struct hearth_store *st, struct hearth_errmsg *em);

/* Unlink a blob if no row refers to it any more (the lookup must say so), with the
 * answers derived from it (derived_store.c). Lock held. */
void hearth__store_unlink_unused(struct hearth_store *st, const char *blob);

/* Drop the derived answers of blob (as profile or as base) and their bytes. Lock held. */
void hearth__derived_drop(struct hearth_store *st, const char *blob);
/*
 * blob is named by no row any more: delete its bytes (SQLite), or mark them
 * for hearth_store_gc_blobs() (PostgreSQL: another server may be storing the
 * same bytes right now). Lock held.
 */
void hearth__store_forget_blob(struct hearth_store *st, const char *blob);

/* The first column (an id) of every row of @sql, with @arg bound as ?1 when not NULL, under
 * the store's lock; *ids is malloc'ed (the caller frees it), NULL when none; @what names the
 * read in a database error. */
enum hearth_err hearth__store_list_ids(struct hearth_store *st, const char *sql, const char *arg,
                                       char (**ids)[HEARTH_ID_LEN + 1], size_t *n, const char *what,
                                       struct hearth_errmsg *em);

/* Give the reserve's space back to the disk; true if there was one. Lock held. */
bool hearth__store_release_reserve(struct hearth_store *st);

/*
 * Bring the metadata schema to the latest version (schema.c), in one
 * transaction under a lock shared by every server on the database; a
 * database made before versions existed is version 1. *from and *to: the
 * versions before and after. A database newer than this server is an error.
 */
enum hearth_err hearth__store_migrate(struct hearth_db *db, int64_t now_ms, int *from, int *to,
                                      struct hearth_errmsg *em);
int hearth__store_schema_latest(void);
/* Read series s's thinning policy and records (thin_store.c). Lock held. */
struct hearth_series;
enum hearth_err hearth__thin_read(struct hearth_store *st, struct hearth_series *s,
                                  struct hearth_errmsg *em);

/*
 * Insert a series (and its capture row when cap) with the given delete hash;
 * the caller holds the lock and an open transaction (series_store.c, used by
 * groups.c).
 */
struct hearth_capture_row;
enum hearth_err hearth__series_insert(struct hearth_store *st, const char *name,
                                      const char *source_url, const char *ordering,
                                      const char *const *profile_ids, size_t n, const char *gctrace,
                                      const struct hearth_capture_row *cap, const char *hash,
                                      char id_out[HEARTH_ID_LEN + 1], struct hearth_errmsg *em);

#endif /* HEARTH_STORE_INT_H */
