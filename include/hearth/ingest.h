/*
 * ingest.h - the one way in for profiles: an upload, a fetch and a
 * capture's snapshot all end in hearth_service_ingest() (ingest.c).
 *
 * Thread safety: any thread, at once (bounded by the decode and fetch slots).
 */
#ifndef HEARTH_INGEST_H
#define HEARTH_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"
#include "hearth/ids.h"
#include "hearth/store.h"

struct hearth_service;

/*
 * Decode, validate, store: the common end of upload, fetch and capture.
 * Fills m (hearth_meta_release() it) and the delete token.
 */
enum hearth_err hearth_service_ingest(struct hearth_service *svc, const unsigned char *bytes,
                                      size_t n, const char *name, const char *source,
                                      struct hearth_meta *m, char token[HEARTH_TOKEN_LEN + 1],
                                      struct hearth_errmsg *em);
/*
 * Fetch url and store it as a profile named name: the common path of
 * /api/fetch and captures. Requests (scheduled false) take one of the
 * FETCH_SLOTS (service.c) ad-hoc slots or get HEARTH_E_BUSY at once; the capture
 * scheduler's snapshots (scheduled true) are bounded by its own workers
 * (capture.c), so slow ad-hoc targets cannot starve captures. A failure of
 * the other server is HEARTH_E_UPSTREAM with one generic message (the cause
 * goes to the server log only: no port probing through the answers).
 */
enum hearth_err hearth_service_fetch_ingest(struct hearth_service *svc, const char *url,
                                            const char *name, bool scheduled, struct hearth_meta *m,
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em);

#endif /* HEARTH_INGEST_H */
