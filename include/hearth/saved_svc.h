/*
 * saved_svc.h - saved views: a view's parameters under a name, checked as
 * the view checks them (saved_views.h stores them); saved_svc.c.
 *
 * Thread safety: any thread, at once.
 */
#ifndef HEARTH_SAVED_SVC_H
#define HEARTH_SAVED_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/ids.h"

struct hearth_service;

/*
 * Saved views (saved_views.h). One parameter as the profile page's URL
 * names it: a view option's URL name (query.h: "f", "si", "g", ...) or one
 * of the page's own keys: view (flame, top, graph, sandwich), sort, heavy,
 * rev, q (the page's search) and fn (the sandwich's function).
 */
struct hearth_saved_param {
    const char *key, *value;
};
/*
 * Check name (1 to HEARTH_LIMIT_SAVED_NAME bytes, no control characters)
 * and every parameter as a view checks it (hearth_query_set(), then the
 * regexes and tag filters with hearth_stacks_check_query()): an unknown
 * key, a bad value or a bad regex is HEARTH_E_BAD_REQUEST and nothing is
 * stored. base, merge and zoom name things of one profile: refused, so a
 * saved view applies to any profile. Empty values are left out, booleans
 * stored as "1"/"0". Stores the canonical JSON object (keys in a fixed
 * order; at most HEARTH_LIMIT_SAVED_PARAMS bytes, else HEARTH_E_TOO_LARGE)
 * and fills the new view's id and delete token.
 */
enum hearth_err hearth_service_saved_create(struct hearth_service *svc, const char *name,
                                            const struct hearth_saved_param *params, size_t n,
                                            char id[HEARTH_ID_LEN + 1],
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em);

#endif /* HEARTH_SAVED_SVC_H */
