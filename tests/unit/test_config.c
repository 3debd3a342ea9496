/*
 * test_config.c - the server's settings (config.h): every option's default,
 * its HEARTH_* environment variable and its --flag (flags win over the
 * environment, "--flag value" and "--flag=value" alike), normalisation
 * (--base-path, --list) and each validation error, and the --help text,
 * which must list every option with its variable and default; the --config
 * FILE (its precedence and its strict errors naming the line).
 *
 * The test's own table (opts below) names every field of struct
 * hearth_config; an option added to config.c without a line here fails
 * test_usage_lists_every_option, so the two cannot drift apart silently.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/config.h"

enum kind { K_STR, K_SIZE };

struct opt {
    const char *flag, *env;
    enum kind kind;
    size_t off;
    const char *dflt; /* as the struct holds it after load with nothing set */
};

#define O(f) offsetof(struct hearth_config, f)

static const struct opt opts[] = {
    {"listen", "HEARTH_LISTEN", K_STR, O(listen), "127.0.0.1:8080"},
    {"data", "HEARTH_DATA", K_STR, O(data_dir), "./hearth-data"},
    {"metadata", "HEARTH_METADATA", K_STR, O(metadata), ""},
    {"blobs", "HEARTH_BLOBS", K_STR, O(blobs), ""},
    {"s3-endpoint", "HEARTH_S3_ENDPOINT", K_STR, O(s3_endpoint), ""},
    {"s3-region", "HEARTH_S3_REGION", K_STR, O(s3_region), "us-east-1"},
    {"base-path", "HEARTH_BASE_PATH", K_STR, O(base_path), ""},
    {"fetch-allow", "HEARTH_FETCH_ALLOW", K_STR, O(fetch_allow), ""},
    {"upload-token", "HEARTH_UPLOAD_TOKEN", K_STR, O(upload_token), ""},
    {"max-upload-mb", "HEARTH_MAX_UPLOAD_MB", K_SIZE, O(max_upload_mb), "64"},
    {"max-decompressed-mb", "HEARTH_MAX_DECOMPRESSED_MB", K_SIZE, O(max_decompressed_mb), "256"},
    {"max-view-ms", "HEARTH_MAX_VIEW_MS", K_SIZE, O(max_view_ms), "20000"},
    {"cache-mb", "HEARTH_CACHE_MB", K_SIZE, O(cache_mb), "1024"},
    {"decode-slots", "HEARTH_DECODE_SLOTS", K_SIZE, O(decode_slots), "2"},
    {"decode-wait-ms", "HEARTH_DECODE_WAIT_MS", K_SIZE, O(decode_wait_ms), "10000"},
    {"view-slots", "HEARTH_VIEW_SLOTS", K_SIZE, O(view_slots), "2"},
    {"view-prefetch", "HEARTH_VIEW_PREFETCH", K_SIZE, O(view_prefetch), "3"},
    {"derived-mb", "HEARTH_DERIVED_MB", K_SIZE, O(derived_mb), "16"},
    {"upload-slots", "HEARTH_UPLOAD_SLOTS", K_SIZE, O(upload_slots), "8"},
    {"threads", "HEARTH_THREADS", K_SIZE, O(threads), "512"},
    {"request-timeout-ms", "HEARTH_REQUEST_TIMEOUT_MS", K_SIZE, O(request_timeout_ms), "10000"},
    {"body-timeout-ms", "HEARTH_BODY_TIMEOUT_MS", K_SIZE, O(body_timeout_ms), "60000"},
    {"max-client-requests", "HEARTH_MAX_CLIENT_REQUESTS", K_SIZE, O(max_client_requests), "32"},
    {"max-client-connections", "HEARTH_MAX_CLIENT_CONNECTIONS", K_SIZE, O(max_client_connections),
     "64"},
    {"max-client-uploads", "HEARTH_MAX_CLIENT_UPLOADS", K_SIZE, O(max_client_uploads), "2"},
    {"allowed-hosts", "HEARTH_ALLOWED_HOSTS", K_STR, O(allowed_hosts), ""},
    {"list", "HEARTH_LIST", K_STR, O(list), "public"}, /* "" -> public without a token */
    {"fetch-timeout-s", "HEARTH_FETCH_TIMEOUT_S", K_SIZE, O(fetch_timeout_s), "20"},
    {"max-fetch-seconds", "HEARTH_MAX_FETCH_SECONDS", K_SIZE, O(max_fetch_seconds), "60"},
    {"retention-days", "HEARTH_RETENTION_DAYS", K_SIZE, O(retention_days), "0"},
    {"max-captures", "HEARTH_MAX_CAPTURES", K_SIZE, O(max_captures), "16"},
    {"max-captures-per-client", "HEARTH_MAX_CAPTURES_PER_CLIENT", K_SIZE,
     O(max_captures_per_client), "2"},
    {"blob-gc-grace-seconds", "HEARTH_BLOB_GC_GRACE_SECONDS", K_SIZE, O(blob_gc_grace_s), "600"},
    {"capture-lease-seconds", "HEARTH_CAPTURE_LEASE_SECONDS", K_SIZE, O(capture_lease_s), "30"},
    {"thin-keep-seconds", "HEARTH_THIN_KEEP_SECONDS", K_SIZE, O(thin_keep_s), "3600"},
    {"thin-every-seconds", "HEARTH_THIN_EVERY_SECONDS", K_SIZE, O(thin_every_s), "600"},
    {"thin-pass-seconds", "HEARTH_THIN_PASS_SECONDS", K_SIZE, O(thin_pass_s), "60"},
    {"cors-origins", "HEARTH_CORS_ORIGINS", K_STR, O(cors_origins), ""},
    {"tls-cert", "HEARTH_TLS_CERT", K_STR, O(tls_cert), ""},
    {"tls-key", "HEARTH_TLS_KEY", K_STR, O(tls_key), ""},
    {"log-format", "HEARTH_LOG_FORMAT", K_STR, O(log_format), "text"},
    {"log-level", "HEARTH_LOG_LEVEL", K_STR, O(log_level), "info"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* A value that passes validation for this option and differs from its default. */
static const char *other_value(const struct opt *o)
{
    if (!strcmp(o->flag, "base-path"))
        return "/prefix";
    if (!strcmp(o->flag, "list"))
        return "off";
    if (!strcmp(o->flag, "max-captures-per-client"))
        return "1";
    if (!strcmp(o->flag, "max-captures"))
        return "20";
    if (!strcmp(o->flag, "cors-origins"))
        return "https://x.example:1";
    if (!strcmp(o->flag, "log-format"))
        return "json";
    if (!strcmp(o->flag, "log-level"))
        return "warn";
    if (!strcmp(o->flag, "blobs"))
        return "s3://bucket/env";
    return o->kind == K_STR ? "x.example:1" : "7";
}

static const char *str_field(const struct hearth_config *c, const struct opt *o)
{
    return *(char *const *)((const char *)c + o->off);
}

static size_t size_field(const struct hearth_config *c, const struct opt *o)
{
    return *(const size_t *)((const char *)c + o->off);
}

/* The field as text, to compare with what was set. */
static void field_text(const struct hearth_config *c, const struct opt *o, char *out, size_t n)
{
    if (o->kind == K_STR)
        snprintf(out, n, "%s", str_field(c, o));
    else
        snprintf(out, n, "%zu", size_field(c, o));
}

/* No HEARTH_* variable from the caller's environment may leak into a test. */
static int clear_env(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NOPTS; i++)
        unsetenv(opts[i].env);
    return 0;
}

static enum hearth_err load(struct hearth_config *cfg, int argc, const char *const *argv,
                            struct hearth_errmsg *em)
{
    bool help = true;
    enum hearth_err e = hearth_config_load(cfg, argc, (char **)argv, &help, em);

    if (e == HEARTH_OK)
        assert_false(help);
    return e;
}

static void test_defaults(void **state)
{
    struct hearth_config cfg;
    struct hearth_errmsg em;
    char got[128];
    size_t i;

    (void)state;
    assert_int_equal(load(&cfg, 0, NULL, &em), HEARTH_OK);
    for (i = 0; i < NOPTS; i++) {
        field_text(&cfg, &opts[i], got, sizeof(got));
        if (strcmp(got, opts[i].dflt))
            fail_msg("--%s: default %s, want %s", opts[i].flag, got, opts[i].dflt);
    }
    /* the decode limits follow the two size options */
    assert_int_equal(cfg.lim.max_input, (size_t)64 << 20);
    assert_int_equal(cfg.lim.max_decompressed, (size_t)256 << 20);
    hearth_config_release(&cfg);
    for (i = 0; i < NOPTS; i++)
        if (opts[i].kind == K_STR)
            assert_null(str_field(&cfg, &opts[i]));
}

/* Each option by its variable, by --flag=value and by "--flag value"; the flag wins. */
static void test_env_and_flags(void **state)
{
    struct hearth_config cfg;
    struct hearth_errmsg em;
    char got[128], flag[96];
    size_t i;

    (void)state;
    for (i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        const char *v = other_value(o);
        const char *argv_eq[1], *argv_sp[2];

        /* --list=token needs an upload token: give one through the environment */
        setenv("HEARTH_UPLOAD_TOKEN", "tok", 1);
        /* and --tls-cert needs --tls-key (and back) */
        setenv("HEARTH_TLS_CERT", "c.pem", 1);
        setenv("HEARTH_TLS_KEY", "k.pem", 1);
        /* and --blobs s3://... needs --s3-endpoint */
        setenv("HEARTH_S3_ENDPOINT", "http://s3.example", 1);
        assert_int_equal(setenv(o->env, v, 1), 0);
        assert_int_equal(load(&cfg, 0, NULL, &em), HEARTH_OK);
        field_text(&cfg, o, got, sizeof(got));
        if (strcmp(got, v))
            fail_msg("%s=%s gave %s", o->env, v, got);
        hearth_config_release(&cfg);

        /* the flag beats the variable */
        snprintf(flag, sizeof(flag), "--%s=%s", o->flag, o->kind == K_STR ? "/flag" : "9");
        if (!strcmp(o->flag, "list"))
            snprintf(flag, sizeof(flag), "--list=token");
        if (!strcmp(o->flag, "max-captures-per-client"))
            snprintf(flag, sizeof(flag), "--%s=2", o->flag);
        if (!strcmp(o->flag, "cors-origins"))
            snprintf(flag, sizeof(flag), "--cors-origins=http://flag.example");
        if (!strcmp(o->flag, "log-format"))
            snprintf(flag, sizeof(flag), "--log-format=text");
        if (!strcmp(o->flag, "log-level"))
            snprintf(flag, sizeof(flag), "--log-level=error");
        if (!strcmp(o->flag, "blobs"))
            snprintf(flag, sizeof(flag), "--blobs=s3://bucket/flag");
        argv_eq[0] = flag;
        assert_int_equal(load(&cfg, 1, argv_eq, &em), HEARTH_OK);
        field_text(&cfg, o, got, sizeof(got));
        if (strcmp(got, strchr(flag, '=') + 1))
            fail_msg("%s over %s=%s gave %s", flag, o->env, v, got);
        hearth_config_release(&cfg);

        /* "--flag value" form */
        snprintf(flag, sizeof(flag), "--%s", o->flag);
        argv_sp[0] = flag;
        argv_sp[1] = v;
        unsetenv(o->env);
        assert_int_equal(load(&cfg, 2, argv_sp, &em), HEARTH_OK);
        field_text(&cfg, o, got, sizeof(got));
        assert_string_equal(got, v);
        hearth_config_release(&cfg);
        clear_env(NULL);
    }
}

static void test_later_flag_wins(void **state)
{
    const char *argv[] = {"--threads=3", "--threads", "5", "--data=/a", "--data=/b"};
    struct hearth_config cfg;
    struct hearth_errmsg em;

    (void)state;
    assert_int_equal(load(&cfg, 5, argv, &em), HEARTH_OK);
    assert_int_equal(cfg.threads, 5);
    assert_string_equal(cfg.data_dir, "/b");
    hearth_config_release(&cfg);
}

static void test_normalise(void **state)
{
    const char *slash[] = {"--base-path=/hearth///"}, *root[] = {"--base-path=/"};
    const char *sizes[] = {"--max-upload-mb=3", "--max-decompressed-mb=9"};
    struct hearth_config cfg;
    struct hearth_errmsg em;

    (void)state;
    assert_int_equal(load(&cfg, 1, slash, &em), HEARTH_OK);
    assert_string_equal(cfg.base_path, "/hearth");
    hearth_config_release(&cfg);
    assert_int_equal(load(&cfg, 1, root, &em), HEARTH_OK);
    assert_string_equal(cfg.base_path, "");
    hearth_config_release(&cfg);
    /* --list defaults to token once an upload token is set */
    setenv("HEARTH_UPLOAD_TOKEN", "s3cret", 1);
    assert_int_equal(load(&cfg, 0, NULL, &em), HEARTH_OK);
    assert_string_equal(cfg.list, "token");
    hearth_config_release(&cfg);
    unsetenv("HEARTH_UPLOAD_TOKEN");
    assert_int_equal(load(&cfg, 2, sizes, &em), HEARTH_OK);
    assert_int_equal(cfg.lim.max_input, (size_t)3 << 20);
    assert_int_equal(cfg.lim.max_decompressed, (size_t)9 << 20);
    hearth_config_release(&cfg);
}

/* Each way to get it wrong: the code and a message that names the option. */
static void test_errors(void **state)
{
    static const struct {
        int argc;
        const char *argv[3];
        const char *msg; /* a part of the message */
    } bad[] = {
        {1, {"--threads=-1"}, "--threads (HEARTH_THREADS) needs a non-negative integer"},
        {1, {"--threads=abc"}, "needs a non-negative integer, got \"abc\""},
        {1, {"--threads=12x"}, "got \"12x\""},
        {1, {"--threads="}, "got \"\""},
        {1, {"--cache-mb=99999999999999999999999"}, "--cache-mb"},
        {1, {"--cache-mb=1099511627777"}, "--cache-mb"}, /* 2^40 + 1 */
        {1, {"--threads=0"}, "must be at least 1"},
        {1, {"--max-upload-mb=0"}, "must be at least 1"},
        {1, {"--max-decompressed-mb=0"}, "must be at least 1"},
        {1, {"--decode-slots=0"}, "must be at least 1"},
        {1, {"--view-slots=0"}, "must be at least 1"},
        {1, {"--upload-slots=0"}, "must be at least 1"},
        {1, {"--base-path=hearth"}, "--base-path must start with /"},
        {1, {"--list=everyone"}, "--list must be public, token or off"},
        {1, {"--list=token"}, "--list=token needs --upload-token"},
        {1, {"--max-captures=0"}, "--max-captures must be 1..10000"},
        {1, {"--max-captures=10001"}, "--max-captures must be 1..10000"},
        {2, {"--max-captures=4", "--max-captures-per-client=5"}, "1..--max-captures"},
        {1, {"--max-captures-per-client=0"}, "--max-captures-per-client"},
        {1, {"--capture-lease-seconds=1"}, "--capture-lease-seconds must be 2..3600"},
        {1, {"--blob-gc-grace-seconds=0"}, "--blob-gc-grace-seconds must be 1..86400"},
        {1, {"--thin-every-seconds=0"}, "--thin-every-seconds 1..86400"},
        {1, {"--thin-keep-seconds=2592001"}, "--thin-keep-seconds must be 0..2592000"},
        {1, {"--thin-pass-seconds=3601"}, "--thin-pass-seconds 1..3600"},
        {1, {"--data="}, "--data must not be empty"},
        {1, {"--log-format=xml"}, "--log-format must be text or json"},
        {1, {"--log-level=loud"}, "--log-level must be debug, info, warn or error"},
        {1, {"--nope=1"}, "unknown option --nope"},
        {1, {"--thread=1"}, "unknown option --thread"}, /* no prefix matching */
        {1, {"--threadsx=1"}, "unknown option --threadsx"},
        {1, {"serve"}, "unexpected argument \"serve\""},
        {1, {"-t"}, "unexpected argument \"-t\""},
        {1, {"--threads"}, "--threads needs a value"},
        {1, {"--tls-cert=c.pem"}, "--tls-cert and --tls-key go together"},
        {1, {"--tls-key=k.pem"}, "--tls-cert and --tls-key go together"},
        {1,
         {"--blobs=/var/blobs"},
         "--blobs takes s3://BUCKET[/PREFIX] (or nothing: files under --data)"},
        {1, {"--blobs=s3://bucket"}, "--blobs s3://... needs --s3-endpoint"},
        {1, {"--cors-origins=x.example"}, "--cors-origins takes scheme://host[:port]"},
        {1, {"--cors-origins=https://x.example/"}, "--cors-origins takes"},
        {1, {"--cors-origins=*"}, "--cors-origins takes"},
        {1, {"--config"}, "--config needs a file"},
        {1, {"--config=/nonexistent/hearth.conf"}, "/nonexistent/hearth.conf: No such file"},
    };
    struct hearth_config cfg;
    struct hearth_errmsg em;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&em, 0, sizeof(em));
        if (load(&cfg, bad[i].argc, bad[i].argv, &em) != HEARTH_E_BAD_REQUEST)
            fail_msg("%s: accepted", bad[i].argv[0]);
        if (!strstr(em.msg, bad[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].argv[0], em.msg, bad[i].msg);
    }
    /* a bad variable is an error too, naming the variable */
    setenv("HEARTH_DECODE_SLOTS", "two", 1);
    assert_int_equal(load(&cfg, 0, NULL, &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "HEARTH_DECODE_SLOTS"));
    unsetenv("HEARTH_DECODE_SLOTS");
    /* the largest accepted size: 2^40 */
    {
        const char *ok[] = {"--cache-mb=1099511627776"};
        assert_int_equal(load(&cfg, 1, ok, &em), HEARTH_OK);
        assert_int_equal(cfg.cache_mb, (size_t)1 << 40);
        hearth_config_release(&cfg);
    }
}

/* A config file in a temporary file; returns its path (static buffer). */
static const char *write_conf(const char *text)
{
    static char path[64];
    FILE *f;
    int fd;

    snprintf(path, sizeof(path), "/tmp/hearth-conf-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* --config FILE: below the environment and the flags, above the defaults. */
static void test_config_file(void **state)
{
    static const char text[] = "# Hearth settings\n"
                               "\n"
                               "HEARTH_THREADS=7\n"
                               "  HEARTH_DATA = /srv/hearth  \n"
                               "HEARTH_BASE_PATH=\"/quoted\"\n"
                               "HEARTH_CACHE_MB='12'\n"
                               "HEARTH_LISTEN=0.0.0.0:9000\n";
    const char *path = write_conf(text);
    char arg[96];
    const char *argv[3];
    struct hearth_config cfg;
    struct hearth_errmsg em;

    (void)state;
    snprintf(arg, sizeof(arg), "--config=%s", path);
    argv[0] = arg;
    assert_int_equal(load(&cfg, 1, argv, &em), HEARTH_OK);
    assert_int_equal(cfg.threads, 7);
    assert_string_equal(cfg.data_dir, "/srv/hearth");
    assert_string_equal(cfg.base_path, "/quoted");
    assert_int_equal(cfg.cache_mb, 12);
    assert_string_equal(cfg.listen, "0.0.0.0:9000");
    assert_int_equal(cfg.decode_slots, 2); /* not in the file: the default */
    hearth_config_release(&cfg);
    /* the environment beats the file, the flag beats both ("--config FILE" form) */
    setenv("HEARTH_THREADS", "8", 1);
    setenv("HEARTH_CACHE_MB", "13", 1);
    argv[0] = "--config";
    argv[1] = path;
    argv[2] = "--threads=9";
    assert_int_equal(load(&cfg, 3, argv, &em), HEARTH_OK);
    assert_int_equal(cfg.threads, 9);
    assert_int_equal(cfg.cache_mb, 13);
    assert_string_equal(cfg.data_dir, "/srv/hearth");
    hearth_config_release(&cfg);
    unsetenv("HEARTH_THREADS");
    unsetenv("HEARTH_CACHE_MB");
    remove(path);
}

/* Strict: an unknown name, a bad value or a line without = names the file and line. */
static void test_config_file_errors(void **state)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"HEARTH_THREADS=2\nHEARTH_NOPE=1\n", ":2: unknown setting \"HEARTH_NOPE\""},
        {"# c\nHEARTH_THREADS=two\n", ":2: --threads (HEARTH_THREADS) needs a non-negative"},
        {"\n\nlisten 1\n", ":3: expected HEARTH_NAME=VALUE"},
        {"THREADS=1\n", ":1: unknown setting \"THREADS\""},
        {"HEARTH_THREADS=0\n", "must be at least 1"},
    };
    struct hearth_config cfg;
    struct hearth_errmsg em;
    char arg[96];
    const char *argv[1] = {arg};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *path = write_conf(bad[i].text);
        snprintf(arg, sizeof(arg), "--config=%s", path);
        memset(&em, 0, sizeof(em));
        if (load(&cfg, 1, argv, &em) != HEARTH_E_BAD_REQUEST)
            fail_msg("config %zu: accepted", i);
        if (!strstr(em.msg, bad[i].msg) || strchr(em.msg, '\n'))
            fail_msg("config %zu: message \"%s\" lacks \"%s\"", i, em.msg, bad[i].msg);
        if (i < 4 && strncmp(em.msg, path, strlen(path)) != 0)
            fail_msg("config %zu: message \"%s\" does not start with the file", i, em.msg);
        remove(path);
    }
    /* a line longer than the limit */
    {
        char *text = malloc(HEARTH_LIMIT_CONFIG_LINE + 32);
        const char *path;
        assert_non_null(text);
        memcpy(text, "HEARTH_DATA=", 12);
        memset(text + 12, 'a', HEARTH_LIMIT_CONFIG_LINE + 10);
        text[HEARTH_LIMIT_CONFIG_LINE + 22] = '\0';
        path = write_conf(text);
        free(text);
        snprintf(arg, sizeof(arg), "--config=%s", path);
        assert_int_equal(load(&cfg, 1, argv, &em), HEARTH_E_BAD_REQUEST);
        assert_non_null(strstr(em.msg, ":1: line longer than"));
        remove(path);
    }
}

static void test_help(void **state)
{
    const char *forms[] = {"--help", "-h", "help"};
    const char *argv[2];
    struct hearth_config cfg;
    struct hearth_errmsg em;
    bool help;
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        argv[0] = "--threads=4";
        argv[1] = forms[i];
        help = false;
        assert_int_equal(hearth_config_load(&cfg, 2, (char **)argv, &help, &em), HEARTH_OK);
        assert_true(help);
        hearth_config_release(&cfg);
    }
}

/* The --help text: one entry per option, each with its variable and its default. */
static void test_usage_lists_every_option(void **state)
{
    char *text = NULL, *line, *save = NULL;
    size_t len = 0, i, entries = 0;
    bool seen[NOPTS] = {false};
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(f);
    hearth_config_usage(f);
    fclose(f);
    assert_non_null(strstr(text, "usage: hearth serve"));
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char flag[64], env[64], dflt[64];

        if (strncmp(line, "  --", 4) != 0)
            continue;
        entries++;
        if (sscanf(line, "  --%63s %63s default %63s", flag, env, dflt) != 3)
            fail_msg("usage line not understood: %s", line);
        for (i = 0; i < NOPTS; i++)
            if (!strcmp(opts[i].flag, flag))
                break;
        if (i == NOPTS)
            fail_msg("--help lists --%s, which this test does not know: add it to opts[]", flag);
        assert_false(seen[i]);
        seen[i] = true;
        assert_string_equal(env, opts[i].env);
        /* the shown default is the loaded one ("(empty)" for ""; --list shows its raw "") */
        if (!strcmp(flag, "list"))
            assert_string_equal(dflt, "(empty)");
        else
            assert_string_equal(dflt, *opts[i].dflt ? opts[i].dflt : "(empty)");
        /* and a reason follows on the next line */
        line = strtok_r(NULL, "\n", &save);
        assert_non_null(line);
        assert_true(strncmp(line, "      ", 6) == 0 && strlen(line) > 20);
    }
    for (i = 0; i < NOPTS; i++)
        if (!seen[i])
            fail_msg("--help does not list --%s", opts[i].flag);
    assert_int_equal(entries, NOPTS);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_env_and_flags, clear_env),
        cmocka_unit_test_setup(test_later_flag_wins, clear_env),
        cmocka_unit_test_setup(test_normalise, clear_env),
        cmocka_unit_test_setup(test_errors, clear_env),
        cmocka_unit_test_setup(test_config_file, clear_env),
        cmocka_unit_test_setup(test_config_file_errors, clear_env),
        cmocka_unit_test_setup(test_help, clear_env),
        cmocka_unit_test(test_usage_lists_every_option),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
