/*
 * thin_svc.h - long captures: thinning a series by its stored policy (thin.h
 * plans it) and series made of uploaded archives of snapshots
 * (snaparchive.h); thin_svc.c.
 *
 * Thread safety: any thread, at once.
 */
#ifndef HEARTH_THIN_SVC_H
#define HEARTH_THIN_SVC_H

#include <stddef.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_service;

/*
 * Thinning (thin.h): one pass over series id with its stored policy (the
 * totals of snapshots not read before are decoded through the cache; the
 * plan is applied by hearth_series_thin_apply()), *removed says how many
 * snapshots went; HEARTH_E_NOT_FOUND when it has no policy.
 * hearth_service_thin_pass(): every series with a policy (the background
 * job, every --thin-pass-seconds; errors are logged).
 */
enum hearth_err hearth_service_thin_series(struct hearth_service *svc, const char *id, int *removed,
                                           struct hearth_errmsg *em);
void hearth_service_thin_pass(struct hearth_service *svc);

/*
 * A series made of an uploaded archive (.zip, .tar, .tar.gz, .tgz) of
 * snapshots (snaparchive.h's caps and skips): every file that decodes as a
 * profile is stored and given the series' token; the order is the number
 * in the file names, else the time in them, else the profiles' own times,
 * else the archive's. Appends the report to report: {"format","order",
 * "order_text","profiles","skipped","entries":[{"name","size","status",
 * "profile","position" | "reason","detail"}]}. No profile in it:
 * HEARTH_E_BAD_REQUEST naming the entries and why; any failure leaves
 * nothing stored. name NULL: the first snapshot's file name.
 */
enum hearth_err hearth_service_series_archive(struct hearth_service *svc, const unsigned char *body,
                                              size_t len, const char *name,
                                              char id[HEARTH_ID_LEN + 1],
                                              char token[HEARTH_TOKEN_LEN + 1],
                                              struct hearth_buf *report, struct hearth_errmsg *em);

#endif /* HEARTH_THIN_SVC_H */
