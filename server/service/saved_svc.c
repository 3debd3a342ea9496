/*
 * saved_svc.c - saved views: their parameters checked with the views' own
 * option parser before the store keeps them; see include/hearth/saved_svc.h
 * and include/hearth/saved_views.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "hearth/limits.h"
#include "hearth/query.h"
#include "hearth/saved_svc.h"
#include "hearth/saved_views.h"
#include "hearth/service_ctx.h"
#include "hearth/stacks.h"

#include "hearth/banned.h"

/* The profile page's own keys (web/js/url-state.js), after the view options. */
static const char *const page_keys[] = {"view", "sort", "heavy", "rev", "q", "fn"};
#define NPAGE (sizeof(page_keys) / sizeof(page_keys[0]))
/* Keys of the page's URL that name things of one profile: never saved. */
static const char *const profile_keys[] = {"base", "merge", "zoom", "by"};

/* Every key a saved view may hold, in the stored order; *is_bool per key. */
#define NKEYS_MAX 96

static size_t saved_keys(const char **keys, bool *is_bool)
{
    const struct hearth_query_opt *o;
    size_t i, n = 0;

    for (i = 0; hearth_query_opt(i) && n < NKEYS_MAX - NPAGE; i++) {
        o = hearth_query_opt(i);
        if (!o->url)
            continue;
        keys[n] = o->url;
        is_bool[n++] = o->is_bool;
    }
    for (i = 0; i < NPAGE; i++) {
        keys[n] = page_keys[i];
        is_bool[n++] = !strcmp(page_keys[i], "heavy") || !strcmp(page_keys[i], "rev");
    }
    return n;
}

static bool truthy(const char *v, bool *out)
{
    static const char *const yes[] = {"", "1", "true", "t", "yes", "on"};
    static const char *const no[] = {"0", "false", "f", "no", "off"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!strcmp(v, yes[i])) {
            *out = true;
            return true;
        }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (!strcmp(v, no[i])) {
            *out = false;
            return true;
        }
    return false;
}

/* The page's keys: view one of the page's views, sort a column name. */
static enum hearth_err check_page_key(const char *k, const char *v, struct hearth_errmsg *em)
{
    static const char *const views[] = {"flame", "top", "graph", "sandwich"};
    size_t i;

    if (!strcmp(k, "view")) {
        for (i = 0; i < sizeof(views) / sizeof(views[0]); i++)
            if (!strcmp(v, views[i]))
                return HEARTH_OK;
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "view must be one of flame, top, graph, sandwich");
    }
    if (!strcmp(k, "sort")) {
        const char *p = v + (*v == '-');
        if (!*p || strlen(p) > 32)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "sort must be a column name");
        for (; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == '%'))
                return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "sort must be a column name");
    }
    return HEARTH_OK; /* q and fn: any text (the page's search, a function name) */
}

static enum hearth_err check_name(const char *name, struct hearth_errmsg *em)
{
    size_t n = name ? strlen(name) : 0, i;
    bool blank = true;

    if (!n || n > HEARTH_LIMIT_SAVED_NAME)
        return hearth_errmsg_set(em, n ? HEARTH_E_TOO_LARGE : HEARTH_E_BAD_REQUEST,
                                 "a saved view's name has 1 to %d bytes", HEARTH_LIMIT_SAVED_NAME);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f)
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "a saved view's name has no control characters");
        if (ch != ' ')
            blank = false;
    }
    if (blank)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "a saved view's name is not blank");
    return HEARTH_OK;
}

enum hearth_err hearth_service_saved_create(struct hearth_service *svc, const char *name,
                                            const struct hearth_saved_param *params, size_t n,
                                            char id[HEARTH_ID_LEN + 1],
                                            char token[HEARTH_TOKEN_LEN + 1],
                                            struct hearth_errmsg *em)
{
    const char *keys[NKEYS_MAX], *vals[NKEYS_MAX];
    bool is_bool[NKEYS_MAX], bv;
    struct hearth_query q;
    struct hearth_buf out;
    struct hearth_jsonw w;
    enum hearth_err e;
    int64_t created;
    size_t nk, i, k;

    hearth_query_init(&q);
    hearth_buf_init(&out, 2 * HEARTH_LIMIT_SAVED_PARAMS);
    e = check_name(name, em);
    if (e)
        goto out;
    nk = saved_keys(keys, is_bool);
    memset(vals, 0, sizeof(vals));
    for (i = 0; i < n; i++) {
        const char *pk = params[i].key, *pv = params[i].value;
        for (k = 0; k < nk && strcmp(pk, keys[k]); k++)
            ;
        if (k == nk) {
            for (k = 0; k < sizeof(profile_keys) / sizeof(profile_keys[0]); k++)
                if (!strcmp(pk, profile_keys[k]))
                    break;
            e = hearth_errmsg_set(
                em, HEARTH_E_BAD_REQUEST, "%s '%.64s'%s", "unknown view parameter", pk,
                k < sizeof(profile_keys) / sizeof(profile_keys[0])
                    ? ": base, merge, zoom and by belong to one profile and are not saved"
                    : "");
            goto out;
        }
        if (!pv || strlen(pv) >= HEARTH_LIMIT_VIEW_PARAM) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "parameter %s: at most %d bytes", keys[k],
                                  HEARTH_LIMIT_VIEW_PARAM - 1);
            goto out;
        }
        if (vals[k]) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "parameter %s is given twice", keys[k]);
            goto out;
        }
        vals[k] = pv;
        if (k >= nk - NPAGE) { /* the page's own keys */
            if (is_bool[k] && !truthy(pv, &bv)) {
                e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%s takes 1 or 0", keys[k]);
                goto out;
            }
            if (!is_bool[k] && *pv) {
                e = check_page_key(keys[k], pv, em);
                if (e)
                    goto out;
            }
            continue;
        }
        /* a view option: the views' own parser (empty values are unset, as in a URL) */
        if (*pv || is_bool[k]) {
            e = hearth_query_set(&q, keys[k], pv, em);
            if (e)
                goto out;
        }
    }
    e = hearth_stacks_check_query(&q, &hearth_service_config(svc)->lim, em);
    if (e)
        goto out;
    hearth_jsonw_init(&w, &out);
    hearth_jsonw_obj_open(&w);
    for (k = 0; k < nk; k++) {
        if (!vals[k] || (!*vals[k] && !is_bool[k]))
            continue;
        hearth_jsonw_key(&w, keys[k]);
        if (is_bool[k]) {
            truthy(vals[k], &bv); /* checked above */
            hearth_jsonw_cstr(&w, bv ? "1" : "0");
        } else {
            hearth_jsonw_cstr(&w, vals[k]);
        }
    }
    hearth_jsonw_obj_close(&w);
    if (out.fail || out.len > HEARTH_LIMIT_SAVED_PARAMS) {
        e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                              "a saved view's parameters take at most %d bytes as JSON",
                              HEARTH_LIMIT_SAVED_PARAMS);
        goto out;
    }
    e = hearth_saved_view_create(hearth_service_store(svc), name, out.ptr, HEARTH_LIMIT_SAVED_VIEWS,
                                 id, token, &created, em);
out:
    hearth_buf_release(&out);
    return e;
}
