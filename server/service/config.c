/*
 * config.c - server options: one table with flag, environment variable,
 * default and reason for each (the SQLite sqliteLimit.h habit).
 */
#define _POSIX_C_SOURCE 200809L
#include "hearth/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/banned.h"

enum kind { K_STR, K_SIZE };

struct opt {
    const char *flag; /* --flag */
    const char *env;  /* HEARTH_... */
    enum kind kind;
    size_t off;
    const char *dflt; /* NULL: its row of the limits table, in MiB (from_limits) */
    const char *help;
};

/*
 * Options whose default is a row of server/lib/limits.c (one default per
 * quantity), in MiB unless listed in from_limits_as_is.
 */
static const char *const from_limits[][2] = {
    {"max-upload-mb", "max_input"},
    {"max-decompressed-mb", "max_decompressed"},
    {"max-view-ms", "max_view_ms"},
};
static const char *const from_limits_as_is[] = {"max-view-ms"};

#define O(f) offsetof(struct hearth_config, f)

static const struct opt opts[] = {
    {"listen", "HEARTH_LISTEN", K_STR, O(listen), "127.0.0.1:8080",
     "address and port to listen on (IPv4; 0.0.0.0:8080 in containers)"},
    {"data", "HEARTH_DATA", K_STR, O(data_dir), "./hearth-data",
     "data directory (profiles and metadata); created if missing"},
    {"metadata", "HEARTH_METADATA", K_STR, O(metadata), "",
     "metadata database: empty = SQLite file hearth.db under --data; or PostgreSQL by a libpq "
     "URL (postgresql:///hearth?host=/run/postgresql), which several servers may share"},
    {"blobs", "HEARTH_BLOBS", K_STR, O(blobs), "",
     "where profile bytes live: empty for files under --data, or s3://BUCKET[/PREFIX] on an "
     "S3-compatible server (--s3-endpoint; credentials from HEARTH_S3_ACCESS_KEY_ID and "
     "HEARTH_S3_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"},
    {"s3-endpoint", "HEARTH_S3_ENDPOINT", K_STR, O(s3_endpoint), "",
     "http(s)://HOST[:PORT] of the S3 server for --blobs s3://... (path-style requests, "
     "signed with SigV4); the bucket is created if missing"},
    {"s3-region", "HEARTH_S3_REGION", K_STR, O(s3_region), "us-east-1",
     "region in the SigV4 signatures of --blobs s3://... requests"},
    {"base-path", "HEARTH_BASE_PATH", K_STR, O(base_path), "",
     "URL prefix when served behind a reverse proxy on a sub-path, e.g. /hearth"},
    {"fetch-allow", "HEARTH_FETCH_ALLOW", K_STR, O(fetch_allow), "",
     "hosts and CIDRs the server may fetch profiles from (comma-separated); empty disables "
     "fetching"},
    {"upload-token", "HEARTH_UPLOAD_TOKEN", K_STR, O(upload_token), "",
     "if set, uploads and fetches need 'Authorization: Bearer <token>'"},
    {"max-upload-mb", "HEARTH_MAX_UPLOAD_MB", K_SIZE, O(max_upload_mb), NULL,
     "largest upload or fetched body (limit max_input); a 1M-sample profile is about 12 MB gzip"},
    {"max-decompressed-mb", "HEARTH_MAX_DECOMPRESSED_MB", K_SIZE, O(max_decompressed_mb), NULL,
     "largest profile after gunzip (413 above; limit max_decompressed): bounds what a gzip bomb "
     "costs; the 1M-sample profile is 64 MB"},
    {"max-view-ms", "HEARTH_MAX_VIEW_MS", K_SIZE, O(max_view_ms), NULL,
     "wall-clock time of one view computation, then 413 (limit max_view_ms): raise it with "
     "the upload limits for profiles of several million samples on a slow machine"},
    {"cache-mb", "HEARTH_CACHE_MB", K_SIZE, O(cache_mb), "1024",
     "memory budget of decoded profiles kept for fast views"},
    {"decode-slots", "HEARTH_DECODE_SLOTS", K_SIZE, O(decode_slots), "2",
     "profiles decoded at once (one per core); others wait, then get 503"},
    {"decode-wait-ms", "HEARTH_DECODE_WAIT_MS", K_SIZE, O(decode_wait_ms), "10000",
     "how long a request waits for a decode or view slot before 503 + Retry-After"},
    {"view-slots", "HEARTH_VIEW_SLOTS", K_SIZE, O(view_slots), "2",
     "views, growth tables and gctraces computed at once (cache misses; one per core): each "
     "may use up to the per-view budget, so this bounds memory; others wait, then get 503"},
    {"view-prefetch", "HEARTH_VIEW_PREFETCH", K_SIZE, O(view_prefetch), "3",
     "after a landing flame graph (no filter, default granularity) is computed, the same one for "
     "up to this many other sample types is "
     "computed in the background (a free view slot, view cache at most half full), so a switch "
     "of the sample type is a cache hit; 0 turns it off"},
    {"derived-mb", "HEARTH_DERIVED_MB", K_SIZE, O(derived_mb), "16",
     "rendered answers of a profile's landing views (flame graph per sample type, Top, call "
     "graph, sandwich and its peek table, diff; by any granularity) kept in the store, up to this "
     "many MB per profile, "
     "so a restarted "
     "server answers them without decoding the profile; 0 turns it off"},
    {"upload-slots", "HEARTH_UPLOAD_SLOTS", K_SIZE, O(upload_slots), "8",
     "request bodies read at once, so slow uploads cannot hold every thread"},
    {"threads", "HEARTH_THREADS", K_SIZE, O(threads), "512",
     "connections served at once (one thread each, mostly idle; idle and slow clients hold one "
     "until their deadline)"},
    {"request-timeout-ms", "HEARTH_REQUEST_TIMEOUT_MS", K_SIZE, O(request_timeout_ms), "10000",
     "deadline for a request's head, and for each read or write on the socket"},
    {"body-timeout-ms", "HEARTH_BODY_TIMEOUT_MS", K_SIZE, O(body_timeout_ms), "60000",
     "deadline for reading a whole request body (408 after it): a client trickling bytes "
     "cannot hold an upload slot longer"},
    {"max-client-requests", "HEARTH_MAX_CLIENT_REQUESTS", K_SIZE, O(max_client_requests), "32",
     "requests one client address may have in progress (429 above; 0 = no cap; behind a proxy "
     "every client has the proxy's address)"},
    {"max-client-connections", "HEARTH_MAX_CLIENT_CONNECTIONS", K_SIZE, O(max_client_connections),
     "64",
     "open connections one client address may hold, idle ones included (more are closed at "
     "once; 0 = no cap): one client cannot take every thread"},
    {"max-client-uploads", "HEARTH_MAX_CLIENT_UPLOADS", K_SIZE, O(max_client_uploads), "2",
     "request bodies one client address may send at once; more wait --decode-wait-ms for one "
     "of its own to end, then 429 (0 = no cap)"},
    {"allowed-hosts", "HEARTH_ALLOWED_HOSTS", K_STR, O(allowed_hosts), "",
     "Host header names accepted (comma-separated, * for any); empty: localhost, 127.0.0.1 and "
     "the listen address, or any name when listening on 0.0.0.0 (stops DNS rebinding)"},
    {"list", "HEARTH_LIST", K_STR, O(list), "",
     "who may list profiles, series and captures: public, token (the upload token) or off; "
     "empty: public without an upload token, token with one"},
    {"fetch-timeout-s", "HEARTH_FETCH_TIMEOUT_S", K_SIZE, O(fetch_timeout_s), "20",
     "connect+transfer deadline of a fetch (plus the CPU profile's seconds)"},
    {"max-fetch-seconds", "HEARTH_MAX_FETCH_SECONDS", K_SIZE, O(max_fetch_seconds), "60",
     "largest ?seconds= accepted for CPU profile fetches"},
    {"retention-days", "HEARTH_RETENTION_DAYS", K_SIZE, O(retention_days), "0",
     "delete profiles older than this many days (0 keeps them forever)"},
    {"max-captures", "HEARTH_MAX_CAPTURES", K_SIZE, O(max_captures), "16",
     "captures running at once (each holds a schedule and fetches); more get 503 + Retry-After"},
    {"max-captures-per-client", "HEARTH_MAX_CAPTURES_PER_CLIENT", K_SIZE,
     O(max_captures_per_client), "2",
     "captures one client address may run at once, so one client cannot take every capture; "
     "more get 429 + Retry-After (behind a proxy every client shares its address)"},
    {"blob-gc-grace-seconds", "HEARTH_BLOB_GC_GRACE_SECONDS", K_SIZE, O(blob_gc_grace_s), "600",
     "with PostgreSQL metadata, a blob whose last profile was deleted is deleted this long "
     "after (another server may be storing the same bytes meanwhile, which keeps it); 1..86400"},
    {"capture-lease-seconds", "HEARTH_CAPTURE_LEASE_SECONDS", K_SIZE, O(capture_lease_s), "30",
     "how long a capture stays with its server without renewal: after this, another server on "
     "the same PostgreSQL database takes over the captures of one that died (2..3600)"},
    {"thin-keep-seconds", "HEARTH_THIN_KEEP_SECONDS", K_SIZE, O(thin_keep_s), "3600",
     "a thinned series keeps every snapshot of this many seconds before its newest (the "
     "default of captures that ask for thinning without their own); 0..2592000"},
    {"thin-every-seconds", "HEARTH_THIN_EVERY_SECONDS", K_SIZE, O(thin_every_s), "600",
     "before that window a thinned series keeps one snapshot per this many seconds (plus the "
     "first, the last and the peak); 1..86400"},
    {"thin-pass-seconds", "HEARTH_THIN_PASS_SECONDS", K_SIZE, O(thin_pass_s), "60",
     "seconds between two thinning passes over the series that asked for it (one server at a "
     "time on shared metadata); 1..3600"},
    {"cors-origins", "HEARTH_CORS_ORIGINS", K_STR, O(cors_origins), "",
     "origins (scheme://host[:port], comma-separated) whose pages may call the API, writes "
     "included (CORS); empty: no CORS headers, cross-origin writes refused"},
    {"tls-cert", "HEARTH_TLS_CERT", K_STR, O(tls_cert), "",
     "PEM certificate (chain) file: with --tls-key the server speaks HTTPS only on --listen"},
    {"tls-key", "HEARTH_TLS_KEY", K_STR, O(tls_key), "", "PEM private key file of --tls-cert"},
    {"log-format", "HEARTH_LOG_FORMAT", K_STR, O(log_format), "text",
     "log lines on stderr: text (\"hearth: ...\") or json (one object per line: time, level, "
     "event, and for each request method, route template, status, bytes, duration, remote)"},
    {"log-level", "HEARTH_LOG_LEVEL", K_STR, O(log_level), "info",
     "least severe log lines written: debug, info (one line per request), warn or error"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* The default of o as text: its own, or its limits row's value (in MiB, or as is). */
static const char *dflt(const struct opt *o, char *buf, size_t bufsz)
{
    const struct hearth_limit_row *r;
    const char *limit = "";
    size_t i;

    if (o->dflt)
        return o->dflt;
    for (i = 0; i < sizeof(from_limits) / sizeof(from_limits[0]); i++)
        if (!strcmp(from_limits[i][0], o->flag))
            limit = from_limits[i][1];
    for (r = hearth_limit_table(); r->name; r++)
        if (!strcmp(r->name, limit))
            break;
    for (i = 0; i < sizeof(from_limits_as_is) / sizeof(from_limits_as_is[0]); i++)
        if (!strcmp(from_limits_as_is[i], o->flag))
            break;
    snprintf(buf, bufsz, "%zu",
             !r->name                                                       ? (size_t)0
             : i < sizeof(from_limits_as_is) / sizeof(from_limits_as_is[0]) ? r->value
                                                                            : r->value >> 20);
    return buf;
}

static enum hearth_err set(struct hearth_config *cfg, const struct opt *o, const char *v,
                           struct hearth_errmsg *em)
{
    char *p = (char *)cfg + o->off;

    if (o->kind == K_STR) {
        char *copy = strdup(v);
        if (!copy)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        free(*(char **)p);
        *(char **)p = copy;
    } else {
        char *end;
        unsigned long long x;
        errno = 0;
        x = strtoull(v, &end, 10);
        if (!*v || *end || errno || x > (1ull << 40) || *v == '-')
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "--%s (%s) needs a non-negative integer, got \"%.40s\"",
                                     o->flag, o->env, v);
        *(size_t *)p = (size_t)x;
    }
    return HEARTH_OK;
}

void hearth_config_release(struct hearth_config *cfg)
{
    size_t i;

    for (i = 0; i < NOPTS; i++)
        if (opts[i].kind == K_STR) {
            char **p = (char **)((char *)cfg + opts[i].off);
            free(*p);
            *p = NULL;
        }
}

void hearth_config_usage(FILE *f)
{
    size_t i;

    fputs("usage: hearth serve [--config FILE] [--option=value ...]\n\n"
          "Every option can also be set by its environment variable, or in the --config FILE\n"
          "as VAR=VALUE lines (# comments; the HEARTH_* names below). Precedence: flags, then\n"
          "environment, then the config file, then the defaults.\n\n",
          f);
    for (i = 0; i < NOPTS; i++) {
        char buf[32];
        const char *d = dflt(&opts[i], buf, sizeof(buf));
        fprintf(f, "  --%-20s %-26s default %s\n      %s\n", opts[i].flag, opts[i].env,
                *d ? d : "(empty)", opts[i].help);
    }
}

static const struct opt *by_flag(const char *arg, size_t nl)
{
    size_t i;

    for (i = 0; i < NOPTS; i++)
        if (strlen(opts[i].flag) == nl && !strncmp(opts[i].flag, arg, nl))
            return &opts[i];
    return NULL;
}

/* The --config FILE of argv, if any (NULL); -1 when --config lacks its value. */
static int config_arg(int argc, char **argv, const char **path)
{
    int a;

    *path = NULL;
    for (a = 0; a < argc; a++) {
        const char *arg = argv[a];
        if (!strcmp(arg, "--config")) {
            if (a + 1 >= argc)
                return -1;
            *path = argv[++a];
        } else if (!strncmp(arg, "--config=", 9)) {
            *path = arg + 9;
        } else if (!strncmp(arg, "--", 2) && !strchr(arg, '=') &&
                   by_flag(arg + 2, strlen(arg + 2))) {
            a++; /* "--flag VALUE": the value is not an option */
        }
    }
    return 0;
}

static char *trim(char *p)
{
    char *end;

    while (isspace((unsigned char)*p))
        p++;
    end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return p;
}

/*
 * The --config FILE: VAR=VALUE lines with the HEARTH_* names (the format of
 * /etc/default/hearth, so one file serves systemd's EnvironmentFile= and
 * --config), blank lines and # comments; a value may be in matching quotes.
 * Strict: an unknown name or a bad value is an error naming the line.
 */
static enum hearth_err read_config_file(struct hearth_config *cfg, const char *path,
                                        struct hearth_errmsg *em)
{
    char line[HEARTH_LIMIT_CONFIG_LINE];
    enum hearth_err e = HEARTH_OK;
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");

    if (!f)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--config %.200s: %s", path,
                                 strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        char *p, *eq, *key, *val;
        const struct opt *o = NULL;
        size_t i, n = strlen(line);
        lineno++;
        if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%.200s:%u: line longer than %d bytes",
                                  path, lineno, HEARTH_LIMIT_CONFIG_LINE - 2);
            goto out_close;
        }
        p = trim(line);
        if (!*p || *p == '#')
            continue;
        eq = strchr(p, '=');
        if (!eq) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                  "%.200s:%u: expected HEARTH_NAME=VALUE, got \"%.40s\"", path,
                                  lineno, p);
            goto out_close;
        }
        *eq = '\0';
        key = trim(p);
        val = trim(eq + 1);
        n = strlen(val);
        if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
            val[n - 1] = '\0';
            val++;
        }
        for (i = 0; i < NOPTS; i++)
            if (!strcmp(opts[i].env, key))
                o = &opts[i];
        if (!o) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%.200s:%u: unknown setting \"%.60s\"",
                                  path, lineno, key);
            goto out_close;
        }
        e = set(cfg, o, val, em);
        if (e) {
            char why[sizeof(em->msg)];
            snprintf(why, sizeof(why), "%s", em->msg);
            hearth_errmsg_set(em, e, "%.200s:%u: %s", path, lineno, why);
            goto out_close;
        }
    }
    if (ferror(f))
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--config %.200s: read error", path);
out_close:
    fclose(f);
    return e;
}

/* --cors-origins: scheme://host[:port] entries, no path (browsers send Origin so). */
static bool origins_ok(const char *list)
{
    const char *p = list;

    while (*p) {
        size_t len, skip;
        p += strspn(p, ", ");
        len = strcspn(p, ", ");
        if (!len)
            break;
        skip = !strncmp(p, "http://", 7) ? 7 : !strncmp(p, "https://", 8) ? 8 : 0;
        if (!skip || len == skip || memchr(p + skip, '/', len - skip))
            return false;
        p += len;
    }
    return true;
}

enum hearth_err hearth_config_load(struct hearth_config *cfg, int argc, char **argv, bool *help,
                                   struct hearth_errmsg *em)
{
    enum hearth_err e;
    size_t i;
    int a;

    const char *file;

    memset(cfg, 0, sizeof(*cfg));
    *help = false;
    cfg->lim = hearth_limits_default();
    for (i = 0; i < NOPTS; i++) {
        char buf[32];
        e = set(cfg, &opts[i], dflt(&opts[i], buf, sizeof(buf)), em);
        if (e)
            goto out_fail;
    }
    if (config_arg(argc, argv, &file) < 0) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--config needs a file");
        goto out_fail;
    }
    if (file) {
        e = read_config_file(cfg, file, em);
        if (e)
            goto out_fail;
    }
    for (i = 0; i < NOPTS; i++) {
        const char *env = getenv(opts[i].env);
        if (env) {
            e = set(cfg, &opts[i], env, em);
            if (e)
                goto out_fail;
        }
    }
    for (a = 0; a < argc; a++) {
        const char *arg = argv[a], *eq, *val;
        size_t nl;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help")) {
            *help = true;
            return HEARTH_OK;
        }
        if (strncmp(arg, "--", 2) != 0) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "unexpected argument \"%.60s\"", arg);
            goto out_fail;
        }
        arg += 2;
        eq = strchr(arg, '=');
        nl = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nl == 6 && !strncmp(arg, "config", 6)) {
            a += !eq; /* read above */
            continue;
        }
        for (i = 0; i < NOPTS; i++)
            if (strlen(opts[i].flag) == nl && !strncmp(opts[i].flag, arg, nl))
                break;
        if (i == NOPTS) {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "unknown option --%.*s", (int)nl, arg);
            goto out_fail;
        }
        if (eq) {
            val = eq + 1;
        } else if (a + 1 < argc) {
            val = argv[++a];
        } else {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--%s needs a value", opts[i].flag);
            goto out_fail;
        }
        e = set(cfg, &opts[i], val, em);
        if (e)
            goto out_fail;
    }
    /* normalise and validate */
    {
        size_t n = strlen(cfg->base_path);
        while (n > 0 && cfg->base_path[n - 1] == '/')
            cfg->base_path[--n] = '\0';
        if (n && cfg->base_path[0] != '/') {
            e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--base-path must start with /");
            goto out_fail;
        }
    }
    if (!cfg->max_upload_mb || !cfg->max_decompressed_mb || !cfg->decode_slots || !cfg->threads ||
        !cfg->upload_slots || !cfg->view_slots) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--max-upload-mb, --decode-slots, --view-slots, --upload-slots "
                              "and --threads must be at least 1");
        goto out_fail;
    }
    if (!*cfg->list) {
        free(cfg->list);
        cfg->list = strdup(*cfg->upload_token ? "token" : "public");
        if (!cfg->list) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_fail;
        }
    }
    if (strcmp(cfg->list, "public") && strcmp(cfg->list, "token") && strcmp(cfg->list, "off")) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--list must be public, token or off");
        goto out_fail;
    }
    if (!strcmp(cfg->list, "token") && !*cfg->upload_token) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--list=token needs --upload-token");
        goto out_fail;
    }
    if (!cfg->max_captures || !cfg->max_captures_per_client || cfg->max_captures > 10000 ||
        cfg->max_captures_per_client > cfg->max_captures) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--max-captures must be 1..10000 and --max-captures-per-client "
                              "1..--max-captures");
        goto out_fail;
    }
    if (cfg->blob_gc_grace_s < 1 || cfg->blob_gc_grace_s > 86400) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--blob-gc-grace-seconds must be 1..86400");
        goto out_fail;
    }
    if (cfg->thin_keep_s > HEARTH_LIMIT_THIN_KEEP_S || cfg->thin_every_s < 1 ||
        cfg->thin_every_s > HEARTH_LIMIT_THIN_EVERY_S || cfg->thin_pass_s < 1 ||
        cfg->thin_pass_s > 3600) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--thin-keep-seconds must be 0..2592000, --thin-every-seconds "
                              "1..86400 and --thin-pass-seconds 1..3600");
        goto out_fail;
    }
    if (cfg->capture_lease_s < 2 || cfg->capture_lease_s > 3600) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--capture-lease-seconds must be 2..3600");
        goto out_fail;
    }
    if (strcmp(cfg->log_format, "text") && strcmp(cfg->log_format, "json")) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--log-format must be text or json");
        goto out_fail;
    }
    if (strcmp(cfg->log_level, "debug") && strcmp(cfg->log_level, "info") &&
        strcmp(cfg->log_level, "warn") && strcmp(cfg->log_level, "error")) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--log-level must be debug, info, warn or error");
        goto out_fail;
    }
    if (!*cfg->data_dir) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--data must not be empty");
        goto out_fail;
    }
    if (*cfg->blobs && strncmp(cfg->blobs, "s3://", 5) != 0) {
        e = hearth_errmsg_set(
            em, HEARTH_E_BAD_REQUEST,
            "--blobs takes s3://BUCKET[/PREFIX] (or nothing: files under --data)");
        goto out_fail;
    }
    if (*cfg->blobs && !*cfg->s3_endpoint) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--blobs s3://... needs --s3-endpoint");
        goto out_fail;
    }
    if (!*cfg->tls_cert != !*cfg->tls_key) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--tls-cert and --tls-key go together");
        goto out_fail;
    }
    if (!origins_ok(cfg->cors_origins)) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "--cors-origins takes scheme://host[:port] origins, comma-separated "
                              "(no path, no *)");
        goto out_fail;
    }
    cfg->lim.max_input = cfg->max_upload_mb << 20;
    cfg->lim.max_decompressed = cfg->max_decompressed_mb << 20;
    cfg->lim.max_view_ms = cfg->max_view_ms;
    return HEARTH_OK;
out_fail:
    hearth_config_release(cfg);
    return e;
}
