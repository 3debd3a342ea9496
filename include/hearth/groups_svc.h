/*
 * groups_svc.h - capture groups: several targets captured on one schedule
 * (groups.h stores them); groups_svc.c.
 *
 * Thread safety: any thread, at once.
 */
#ifndef HEARTH_GROUPS_SVC_H
#define HEARTH_GROUPS_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_service;

/*
 * Capture groups (groups.h, groups_svc.c): start one capture per target
 * (names[i], urls[i]; n from 1 to HEARTH_LIMIT_CAPTURE_TARGETS, names
 * unique) on one schedule. Every URL is checked before any is fetched
 * (HEARTH_E_BAD_REQUEST naming the target); then n places are reserved (as
 * one capture of client plus n - 1 group places, capture.h; on failure
 * *retry_s is the Retry-After) and every target's first snapshot taken at
 * once (a thread each, bounded by those places rather than the ad-hoc fetch
 * slots): a target that fails there fails the request (its name in the
 * message) and the others' snapshots are deleted. Fills the group's id and
 * delete token.
 */
enum hearth_err hearth_service_group_start(struct hearth_service *svc, const char *name,
                                           const char *const *names, const char *const *urls,
                                           size_t n, int interval_s, int count, bool gc,
                                           const char *client, char id[HEARTH_ID_LEN + 1],
                                           char token[HEARTH_TOKEN_LEN + 1], int *retry_s,
                                           struct hearth_errmsg *em);
/* Stop every running capture of the group (from any server); the token was checked. */
enum hearth_err hearth_service_group_stop(struct hearth_service *svc, const char *id,
                                          struct hearth_errmsg *em);
/*
 * Delete the group and its series (with_profiles: and their snapshots), its
 * captures stopped first; token is the group's (checked here).
 */
enum hearth_err hearth_service_group_delete(struct hearth_service *svc, const char *id,
                                            const char *token, bool with_profiles,
                                            struct hearth_errmsg *em);
/*
 * Attach a stored gctrace to the group (gctrace "": detach): tracks[i] is
 * the label of target i's track ("" none; tracks NULL: each target's own
 * name when the log has tracks of that label). Each matched target's series
 * gets the log with its own start, aligned by that track's forced GCs.
 */
enum hearth_err hearth_service_group_gctrace(struct hearth_service *svc, const char *id,
                                             const char *gctrace, const char *const *tracks,
                                             size_t ntracks, struct hearth_errmsg *em);

#endif /* HEARTH_GROUPS_SVC_H */
