/* records_svc.c - stored records for the HTTP layer; see include/hearth/records_svc.h. */
#include "hearth/records_svc.h"

#include "hearth/service_ctx.h"

#include "hearth/banned.h"

enum hearth_err hearth_service_profile_get(struct hearth_service *svc, const char *id,
                                           struct hearth_meta *m, struct hearth_errmsg *em)
{
    return hearth_store_get(hearth_service_store(svc), id, m, em);
}

enum hearth_err hearth_service_profile_list(struct hearth_service *svc, int64_t before_created,
                                            const char *before_id, int limit,
                                            struct hearth_buf *out, int64_t *last_created,
                                            char last_id[HEARTH_ID_LEN + 1], int *more,
                                            struct hearth_errmsg *em)
{
    return hearth_store_list(hearth_service_store(svc), before_created, before_id, limit, out,
                             last_created, last_id, more, em);
}

enum hearth_err hearth_service_profile_delete(struct hearth_service *svc, const char *id,
                                              const char *token, struct hearth_errmsg *em)
{
    return hearth_store_delete(hearth_service_store(svc), id, token, em);
}

enum hearth_err hearth_service_profile_open_blob(struct hearth_service *svc, const char *blob,
                                                 int *fd, size_t *size, struct hearth_errmsg *em)
{
    return hearth_store_open_blob(hearth_service_store(svc), blob, fd, size, em);
}

enum hearth_err hearth_service_profile_series(struct hearth_service *svc, const char *id,
                                              struct hearth_jsonw *w, struct hearth_errmsg *em)
{
    return hearth_series_of_profile(hearth_service_store(svc), id, w, em);
}

enum hearth_err hearth_service_gctrace_get(struct hearth_service *svc, const char *id,
                                           struct hearth_meta *m, struct hearth_errmsg *em)
{
    return hearth_store_get_gctrace(hearth_service_store(svc), id, m, em);
}

enum hearth_err hearth_service_series_get(struct hearth_service *svc, const char *id,
                                          struct hearth_series *out, struct hearth_errmsg *em)
{
    return hearth_series_get(hearth_service_store(svc), id, out, em);
}

bool hearth_service_series_exists(struct hearth_service *svc, const char *id)
{
    return hearth_series_exists(hearth_service_store(svc), id);
}

enum hearth_err hearth_service_series_list(struct hearth_service *svc, int limit,
                                           bool captures_only, struct hearth_buf *out,
                                           struct hearth_errmsg *em)
{
    return hearth_series_list(hearth_service_store(svc), limit, captures_only, out, em);
}

enum hearth_err hearth_service_series_check_token(struct hearth_service *svc, const char *id,
                                                  const char *token, struct hearth_errmsg *em)
{
    return hearth_series_check_token(hearth_service_store(svc), id, token, em);
}

enum hearth_err hearth_service_series_delete(struct hearth_service *svc, const char *id,
                                             const char *token, bool with_profiles,
                                             int *profiles_deleted, struct hearth_errmsg *em)
{
    return hearth_series_delete(hearth_service_store(svc), id, token, with_profiles,
                                profiles_deleted, em);
}

enum hearth_err hearth_service_series_set_gctrace(struct hearth_service *svc, const char *id,
                                                  const char *gctrace, int64_t start_ms,
                                                  struct hearth_errmsg *em)
{
    return hearth_series_set_gctrace(hearth_service_store(svc), id, gctrace, start_ms, em);
}

enum hearth_err hearth_service_series_thin_set(struct hearth_service *svc, const char *id, bool on,
                                               int keep_s, int every_s, struct hearth_errmsg *em)
{
    return hearth_series_thin_set(hearth_service_store(svc), id, on, keep_s, every_s, em);
}

enum hearth_err hearth_service_group_get(struct hearth_service *svc, const char *id,
                                         struct hearth_group *out, struct hearth_errmsg *em)
{
    return hearth_group_get(hearth_service_store(svc), id, out, em);
}

bool hearth_service_group_exists(struct hearth_service *svc, const char *id)
{
    return hearth_group_exists(hearth_service_store(svc), id);
}

enum hearth_err hearth_service_group_list(struct hearth_service *svc, int limit,
                                          struct hearth_buf *out, struct hearth_errmsg *em)
{
    return hearth_group_list(hearth_service_store(svc), limit, out, em);
}

enum hearth_err hearth_service_group_check_token(struct hearth_service *svc, const char *id,
                                                 const char *token, struct hearth_errmsg *em)
{
    return hearth_group_check_token(hearth_service_store(svc), id, token, em);
}

enum hearth_err hearth_service_group_of_series(struct hearth_service *svc, const char *series,
                                               struct hearth_group_ref *out,
                                               struct hearth_errmsg *em)
{
    return hearth_group_of_series(hearth_service_store(svc), series, out, em);
}

enum hearth_err hearth_service_saved_get(struct hearth_service *svc, const char *id,
                                         struct hearth_saved_view *out, struct hearth_errmsg *em)
{
    return hearth_saved_view_get(hearth_service_store(svc), id, out, em);
}

enum hearth_err hearth_service_saved_list(struct hearth_service *svc, int limit,
                                          struct hearth_buf *out, struct hearth_errmsg *em)
{
    return hearth_saved_view_list(hearth_service_store(svc), limit, out, em);
}

enum hearth_err hearth_service_saved_delete(struct hearth_service *svc, const char *id,
                                            const char *token, struct hearth_errmsg *em)
{
    return hearth_saved_view_delete(hearth_service_store(svc), id, token, em);
}
