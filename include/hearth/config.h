/*
 * config.h - the server's settings: every option with its flag, its
 * environment variable, its default and why, in one table (config.c).
 *
 * hearth_config_load() applies defaults, then the --config FILE (KEY=VALUE
 * lines with the HEARTH_* names), then HEARTH_* environment variables, then
 * --flags (later wins), and validates. The struct holds
 * copies of every string (free with hearth_config_release()).
 */
#ifndef HEARTH_CONFIG_H
#define HEARTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hearth/err.h"
#include "hearth/limits.h"

struct hearth_config {
    char *listen; /* ADDR:PORT */
    char *data_dir;
    char *metadata;     /* "" = SQLite under data_dir; else a libpq URL or conninfo */
    char *blobs;        /* "" (files under data_dir) or "s3://BUCKET[/PREFIX]" */
    char *s3_endpoint;  /* http(s)://HOST[:PORT] for s3:// blobs */
    char *s3_region;    /* SigV4 region (us-east-1) */
    char *base_path;    /* "" or "/prefix" without trailing slash */
    char *fetch_allow;  /* comma-separated hosts and CIDRs; "" = fetch disabled */
    char *upload_token; /* "" = uploads open */
    size_t max_upload_mb;
    size_t max_decompressed_mb; /* cap after gunzip: what a gzip bomb may cost */
    size_t max_view_ms;         /* one view computation's wall-clock budget (limit max_view_ms) */
    size_t cache_mb;
    size_t decode_slots;   /* decodes running at once */
    size_t decode_wait_ms; /* how long a request waits for a slot before 503 */
    size_t view_prefetch;  /* other sample types' flame graphs computed in the background */
    size_t derived_mb;     /* landing views' answers kept in the store, MB per profile */
    size_t view_slots;     /* cache-missing view computations at once (memory budget) */
    size_t upload_slots;   /* request bodies read at once */
    size_t threads;
    size_t request_timeout_ms;     /* request head, and each socket read or write */
    size_t body_timeout_ms;        /* a whole request body */
    size_t max_client_requests;    /* in progress per client address; 0 = no cap */
    size_t max_client_uploads;     /* bodies read at once per client address; 0 = no cap */
    size_t max_client_connections; /* open connections per client address; 0 = no cap */
    char *allowed_hosts;           /* Host names accepted; "" = automatic (see config.c) */
    char *list;                    /* "public", "token" or "off" (never "" after load) */
    size_t fetch_timeout_s;
    size_t max_fetch_seconds;       /* clamp for ?seconds= of CPU profiles */
    size_t retention_days;          /* 0 = keep forever */
    size_t max_captures;            /* captures running at once, server-wide */
    size_t max_captures_per_client; /* of them, started by one client address */
    size_t capture_lease_s;         /* a capture's lease among replicas (capture.h) */
    size_t blob_gc_grace_s;         /* unused blobs wait this long (store.h, gc_blobs) */
    size_t thin_keep_s;             /* thinning: every snapshot this long before the newest */
    size_t thin_every_s;            /* thinning: one snapshot per this long before that */
    size_t thin_pass_s;             /* seconds between thinning passes */
    char *cors_origins;             /* origins allowed cross-origin (comma-separated); "" = none */
    char *tls_cert;                 /* PEM certificate chain; with tls_key: HTTPS only */
    char *tls_key;                  /* PEM private key */
    char *log_format;               /* "text" or "json" */
    char *log_level;                /* "debug", "info", "warn" or "error" */
    struct hearth_limits lim;       /* decode limits (max_decompressed follows max-upload) */
};

/*
 * Parse argv (after "serve") and the environment into cfg. On a usage
 * error returns HEARTH_E_BAD_REQUEST with em set; `--help` sets *help.
 */
enum hearth_err hearth_config_load(struct hearth_config *cfg, int argc, char **argv, bool *help,
                                   struct hearth_errmsg *em);
void hearth_config_release(struct hearth_config *cfg);
/* The --help text: every option with its env var, default and reason. */
void hearth_config_usage(FILE *f);

#endif /* HEARTH_CONFIG_H */
