/*
 * store_base.c - what every file of the store floor builds on (store.c,
 * series_store.c, derived_store.c, ...): the answer for a failed database
 * call, the checks before a write, letting go of an unused blob, and the
 * clock; see store_int.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hearth/blobs.h"
#include "hearth/log.h"
#include "hearth/store.h"
#include "store_int.h"

#include "hearth/banned.h"

enum hearth_err hearth__store_db_err(struct hearth_store *st, struct hearth_errmsg *em,
                                     const char *what)
{
    enum hearth_db_fail f = hearth_db_fail();

    if (f == HEARTH_DB_F_UNAVAILABLE) {
        /* the details (host, socket) go to the log, not to clients */
        hearth_log(HEARTH_LOG_WARN, "store", "%s: %s", what, hearth_db_errmsg());
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "%s: the metadata database is unavailable; try again shortly",
                                 what);
    }
    if (f == HEARTH_DB_F_CORRUPT) {
        if (!__atomic_exchange_n(&st->corrupt, 1, __ATOMIC_SEQ_CST))
            hearth_log(HEARTH_LOG_ERROR, "store",
                       "%s: hearth.db is damaged (%s): writes are refused from now "
                       "on; restore it from a backup and restart",
                       what, hearth_db_errmsg());
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "%s: the database is damaged; writes are refused until an "
                                 "operator restores it",
                                 what);
    }
    if (f == HEARTH_DB_F_FULL)
        return hearth_errmsg_set(em, HEARTH_E_NO_SPACE, "%s: the %s is full", what,
                                 st->sqlite ? "data directory" : "metadata database");
    if (!st->sqlite)
        hearth_log(HEARTH_LOG_WARN, "store", "%s: %s", what, hearth_db_errmsg());
    return hearth_errmsg_set(em, HEARTH_E_IO, "%s: %s", what,
                             st->sqlite ? hearth_db_errmsg() : "database error");
}

/* The file checks (stat and read only; no lock). */
enum hearth_err hearth__store_writable(struct hearth_store *st, struct hearth_errmsg *em)
{
    static const char magic[16] = "SQLite format 3";
    char head[16];
    struct stat sb;
    ssize_t r = -1;

    if (__atomic_load_n(&st->corrupt, __ATOMIC_SEQ_CST))
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "the database (hearth.db) is damaged: writes are refused until "
                                 "an operator restores it from a backup and restarts the server");
    if (!st->sqlite)
        goto out_blobs; /* PostgreSQL: the checks of a local file do not apply */
    if (stat(st->dbpath, &sb) < 0 || sb.st_dev != st->db_dev || sb.st_ino != st->db_ino)
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "the database (hearth.db) was removed or replaced while the "
                                 "server ran: writes are refused until the server is restarted");
    if (st->db_fd >= 0)
        r = pread(st->db_fd, head, sizeof(head), 0); /* never open and close it: see db_fd */
    if (r != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)
        return hearth_errmsg_set(em, HEARTH_E_UNAVAILABLE,
                                 "the database (hearth.db) has lost its SQLite header: writes are "
                                 "refused until an operator restores it from a backup");
out_blobs:
    return hearth_blobs_check(st->blobs, em);
}

void hearth__store_forget_blob(struct hearth_store *st, const char *blob)
{
    struct hearth_db_stmt *q = NULL;
    struct hearth_errmsg em = {{0}};

    if (hearth_db_kind(st->db) != HEARTH_DB_POSTGRES) {
        if (hearth_blobs_delete(st->blobs, blob, &em) != HEARTH_OK)
            hearth_log(HEARTH_LOG_WARN, "store", "an unused blob stays (%s)", em.msg);
        return;
    }
    /* other servers may be storing the same bytes right now (their row not yet written): the
     * blob is marked, and hearth_store_gc_blobs() deletes it after the grace period unless a
     * put took it back meanwhile */
    if (hearth_db_prepare(st->db,
                          "INSERT INTO blob_gc (blob, since) VALUES (?1, ?2) "
                          "ON CONFLICT (blob) DO UPDATE SET since = excluded.since",
                          &q) < 0)
        return;
    hearth_db_bind_text(q, 1, blob);
    hearth_db_bind_int64(q, 2, hearth_now_ms());
    if (hearth_db_step(q) != HEARTH_DB_DONE)
        hearth_log(HEARTH_LOG_WARN, "store", "an unused blob stays unmarked (%s)",
                   hearth_db_errmsg());
    hearth_db_finalize(q);
}

int64_t hearth_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
