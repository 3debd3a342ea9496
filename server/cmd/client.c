/* client.c - `hearth upload|fetch|capture` over the HTTP API; see include/hearth/client.h. */
#define _POSIX_C_SOURCE 200809L
#include "hearth/client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>

#include "hearth/buf.h"

#include "hearth/banned.h"

#define DEFAULT_SERVER "http://127.0.0.1:8080"
#define MAX_ANSWER     (16u << 20)       /* bytes of a server answer kept */
#define MAX_FILE       ((size_t)1 << 30) /* the server's own cap is far lower (--max-upload-mb) */
#define MAX_FILES      1000              /* a series holds at most this many (series_items) */

struct opts {
    const char *cmd;
    const char *server, *token, *name, *series;
    long interval, count;
    bool gc;
    char **args; /* files or the URL */
    int nargs;
};

void hearth_client_usage(FILE *f)
{
    fputs("       hearth upload [--server URL] [--name N] [--series NAME] FILE...\n"
          "                                    store profiles on a server: prints each share\n"
          "                                    URL and delete token; --series makes one series\n"
          "                                    of the files (the server orders them)\n"
          "       hearth fetch [--server URL] [--name N] URL\n"
          "                                    the server fetches URL (/api/fetch)\n"
          "       hearth capture [--server URL] [--name N] [--interval S] [--count N] [--gc] URL\n"
          "                                    the server snapshots URL every S seconds, N times\n"
          "                                    (/api/captures; defaults 30 and 10)\n"
          "                                    --server: else $HEARTH_SERVER, else " DEFAULT_SERVER
          "\n"
          "                                    --token T: else $HEARTH_UPLOAD_TOKEN\n"
          "                                    exit status 1: refused or unreachable, 2: usage\n",
          f);
}

int hearth_client_is_command(const char *cmd)
{
    return !strcmp(cmd, "upload") || !strcmp(cmd, "fetch") || !strcmp(cmd, "capture");
}

static int usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "hearth %s: %s (see hearth --help)\n", cmd, what);
    return 2;
}

/* A whole number in 1..max, or -1. */
static long parse_count(const char *v, long max)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < 1 || n > max)
        return -1;
    return n;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const char *const with_value[] = {"server", "token",    "name",
                                             "series", "interval", "count"};
    int a;

    memset(o, 0, sizeof(*o));
    o->cmd = argv[0];
    o->server = getenv("HEARTH_SERVER");
    o->token = getenv("HEARTH_UPLOAD_TOKEN");
    o->interval = 30;
    o->count = 10;
    o->args = calloc((size_t)argc + 1, sizeof(*o->args));
    if (!o->args)
        return usage_error(o->cmd, "out of memory");
    for (a = 1; a < argc; a++) {
        const char *arg = argv[a], *eq, *val = NULL;
        size_t nl, i;
        if (!strcmp(arg, "--")) {
            for (a++; a < argc; a++)
                o->args[o->nargs++] = argv[a];
            break;
        }
        if (arg[0] != '-' || !arg[1]) {
            o->args[o->nargs++] = argv[a];
            continue;
        }
        arg += arg[1] == '-' ? 2 : 1;
        if (!strcmp(arg, "gc") && !strcmp(o->cmd, "capture")) {
            o->gc = true;
            continue;
        }
        eq = strchr(arg, '=');
        nl = eq ? (size_t)(eq - arg) : strlen(arg);
        for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
            if (strlen(with_value[i]) == nl && !strncmp(with_value[i], arg, nl))
                break;
        if (i == sizeof(with_value) / sizeof(with_value[0]) ||
            (!strcmp(with_value[i], "series") && strcmp(o->cmd, "upload")) ||
            ((!strcmp(with_value[i], "interval") || !strcmp(with_value[i], "count")) &&
             strcmp(o->cmd, "capture"))) {
            fprintf(stderr, "hearth %s: unknown flag %.80s (see hearth --help)\n", o->cmd, argv[a]);
            return 2;
        }
        if (eq)
            val = eq + 1;
        else if (a + 1 < argc)
            val = argv[++a];
        else {
            fprintf(stderr, "hearth %s: --%s needs a value\n", o->cmd, with_value[i]);
            return 2;
        }
        switch (i) {
        case 0:
            o->server = val;
            break;
        case 1:
            o->token = val;
            break;
        case 2:
            o->name = val;
            break;
        case 3:
            o->series = val;
            break;
        case 4:
            o->interval = parse_count(val, 86400);
            if (o->interval < 0)
                return usage_error(o->cmd, "--interval needs whole seconds, 1 to 86400");
            break;
        default:
            o->count = parse_count(val, MAX_FILES);
            if (o->count < 2)
                return usage_error(o->cmd, "--count needs a number of snapshots, 2 to 1000");
            break;
        }
    }
    if (!o->server || !*o->server)
        o->server = DEFAULT_SERVER;
    if (strncmp(o->server, "http://", 7) && strncmp(o->server, "https://", 8))
        return usage_error(o->cmd, "--server needs an http:// or https:// URL");
    if (!strcmp(o->cmd, "upload")) {
        if (o->nargs < 1)
            return usage_error(o->cmd, "name at least one profile file");
        if (o->nargs > MAX_FILES)
            return usage_error(o->cmd, "at most 1000 files at once");
        if (o->name && o->nargs > 1)
            return usage_error(o->cmd, "--name names one file; with several, each keeps its "
                                       "file name");
        if (o->series && !*o->series)
            return usage_error(o->cmd, "--series needs a name");
    } else if (o->nargs != 1) {
        return usage_error(o->cmd, "name one URL to fetch");
    }
    return 0;
}

/* ---- HTTP ---- */

struct answer {
    long status;
    struct hearth_buf body;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;

    if (hearth_buf_add(&a->body, p, size * n))
        return 0; /* too large: curl stops with an error */
    return size * n;
}

/*
 * One request to the server: path under --server, a JSON or binary body.
 * 0 with a->status set, or 1 after printing why the server was not reached.
 */
static int call(const struct opts *o, const char *path, const char *ctype, const void *body,
                size_t len, struct answer *a)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct hearth_buf url, line;
    char err[CURL_ERROR_SIZE] = "";
    CURLcode rc;
    int ret = 0;

    a->status = 0;
    hearth_buf_init(&a->body, MAX_ANSWER);
    hearth_buf_init(&url, 1 << 16);
    hearth_buf_init(&line, 1 << 12);
    hearth_buf_add(&url, o->server, strlen(o->server) - (o->server[strlen(o->server) - 1] == '/'));
    hearth_buf_addstr(&url, path);
    if (!h || url.fail) {
        fprintf(stderr, "hearth %s: out of memory\n", o->cmd);
        ret = 1;
        goto out_free;
    }
    hearth_buf_printf(&line, "Content-Type: %s", ctype);
    hdrs = curl_slist_append(hdrs, line.ptr);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 1 s wait for "100 Continue" */
    if (o->token && *o->token) {
        hearth_buf_reset(&line);
        hearth_buf_printf(&line, "Authorization: Bearer %s", o->token);
        hdrs = curl_slist_append(hdrs, line.ptr);
    }
    curl_easy_setopt(h, CURLOPT_URL, url.ptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "hearth-cli");
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "hearth %s: cannot reach %s: %s\n", o->cmd, o->server,
                *err ? err : curl_easy_strerror(rc));
        ret = 1;
        goto out_free;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
out_free:
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    hearth_buf_release(&url);
    hearth_buf_release(&line);
    return ret;
}

/* The answer as a JSON object (the caller decrefs), or NULL. */
static json_t *answer_json(const struct answer *a)
{
    json_t *j = a->body.ptr ? json_loadb(a->body.ptr, a->body.len, 0, NULL) : NULL;

    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The server said no: one line with its status and message. Returns 1. */
static int refused(const struct opts *o, const char *what, const struct answer *a)
{
    json_t *j = answer_json(a), *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));

    fprintf(stderr, "hearth %s: %s: the server answered %ld%s%s%s%.300s\n", o->cmd, what, a->status,
            code ? " " : "", code ? code : "", msg ? ": " : "", msg ? msg : "");
    json_decref(j);
    return 1;
}

/* scheme://host[:port] of --server: the answers' URLs are paths (with the base path). */
static void origin(const char *server, char *out, size_t outsz)
{
    const char *host = strstr(server, "://");
    size_t n = host ? (size_t)(host + 3 - server) + strcspn(host + 3, "/") : strlen(server);

    snprintf(out, outsz, "%.*s", (int)n, server);
}

/* Print "URL  delete token: T  what" from a 201 answer; 1 if it is not one. */
static int print_stored(const struct opts *o, const char *what, const struct answer *a,
                        char *id_out, size_t idsz)
{
    json_t *j = answer_json(a);
    const char *url = json_string_value(json_object_get(j, "url"));
    const char *tok = json_string_value(json_object_get(j, "delete_token"));
    const char *id = json_string_value(json_object_get(j, "id"));
    char org[512];

    if (!url || !tok || !id) {
        fprintf(stderr, "hearth %s: %s: the server's answer is not Hearth's (%ld)\n", o->cmd, what,
                a->status);
        json_decref(j);
        return 1;
    }
    origin(o->server, org, sizeof(org));
    printf("%s%s  delete token: %s  %s\n", org, url, tok, what);
    fflush(stdout);
    if (id_out)
        snprintf(id_out, idsz, "%s", id);
    json_decref(j);
    return 0;
}

/* ---- commands ---- */

static int read_file(const struct opts *o, const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    unsigned char *buf = NULL;
    size_t n = 0;

    *out = NULL;
    *len = 0;
    if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > MAX_FILE) {
        fprintf(stderr, "hearth %s: %.300s: %s\n", o->cmd, path,
                !f ? strerror(errno) : "not a regular file of at most 1 GiB");
        if (f)
            fclose(f);
        return 1;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (buf)
        n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    if (!buf || n != (size_t)sb.st_size) {
        fprintf(stderr, "hearth %s: %.300s: cannot read it\n", o->cmd, path);
        free(buf);
        return 1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int upload_one(const struct opts *o, const char *file, char *id, size_t idsz)
{
    const char *base = strrchr(file, '/');
    unsigned char *bytes;
    size_t len;
    struct answer a;
    char *esc;
    struct hearth_buf path;
    int rc;
    CURL *h;

    if (read_file(o, file, &bytes, &len))
        return 1;
    if (!len) {
        free(bytes);
        fprintf(stderr, "hearth %s: %.300s: the file is empty\n", o->cmd, file);
        return 1;
    }
    h = curl_easy_init();
    esc = h ? curl_easy_escape(h, o->name ? o->name : base ? base + 1 : file, 0) : NULL;
    hearth_buf_init(&path, 1 << 16);
    hearth_buf_printf(&path, "/api/profiles?name=%s", esc ? esc : "profile");
    curl_free(esc);
    if (h)
        curl_easy_cleanup(h);
    rc = call(o, path.ptr, "application/octet-stream", bytes, len, &a);
    free(bytes);
    hearth_buf_release(&path);
    if (!rc)
        rc = a.status == 201 ? print_stored(o, file, &a, id, idsz) : refused(o, file, &a);
    hearth_buf_release(&a.body);
    return rc;
}

/* POST a JSON body built by the caller (stolen) and print the stored thing. */
static int post_json(const struct opts *o, const char *path, json_t *body, const char *what)
{
    char *text = json_dumps(body, JSON_COMPACT);
    struct answer a;
    int rc;

    json_decref(body);
    if (!text) {
        fprintf(stderr, "hearth %s: out of memory\n", o->cmd);
        return 1;
    }
    rc = call(o, path, "application/json", text, strlen(text), &a);
    free(text);
    if (!rc)
        rc = a.status == 201 ? print_stored(o, what, &a, NULL, 0) : refused(o, what, &a);
    hearth_buf_release(&a.body);
    return rc;
}

static int cmd_upload(const struct opts *o)
{
    char(*ids)[64] = calloc((size_t)o->nargs, sizeof(*ids));
    json_t *body, *list;
    char what[600];
    int i, rc = 0;

    if (!ids) {
        fprintf(stderr, "hearth %s: out of memory\n", o->cmd);
        return 1;
    }
    for (i = 0; i < o->nargs && !rc; i++)
        rc = upload_one(o, o->args[i], ids[i], sizeof(ids[i]));
    if (rc || !o->series)
        goto out_free;
    list = json_array();
    for (i = 0; i < o->nargs; i++)
        json_array_append_new(list, json_string(ids[i]));
    body = json_pack("{s:s,s:o}", "name", o->series, "profiles", list);
    snprintf(what, sizeof(what), "series \"%.500s\" of %d profiles", o->series, o->nargs);
    rc = body ? post_json(o, "/api/series", body, what) : 1;
out_free:
    free(ids);
    return rc;
}

static int cmd_fetch(const struct opts *o)
{
    json_t *body = json_pack("{s:s}", "url", o->args[0]);

    if (body && o->name)
        json_object_set_new(body, "name", json_string(o->name));
    return body ? post_json(o, "/api/fetch", body, o->args[0]) : 1;
}

static int cmd_capture(const struct opts *o)
{
    json_t *body = json_pack("{s:s,s:I,s:I,s:b}", "url", o->args[0], "interval_s",
                             (json_int_t)o->interval, "count", (json_int_t)o->count, "gc", o->gc);
    char what[600];

    if (body && o->name)
        json_object_set_new(body, "name", json_string(o->name));
    snprintf(what, sizeof(what), "capture of %.400s, %ld snapshots %ld s apart", o->args[0],
             o->count, o->interval);
    return body ? post_json(o, "/api/captures", body, what) : 1;
}

int hearth_client_main(int argc, char **argv)
{
    struct opts o;
    int rc;

    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        hearth_client_usage(stdout);
        return 0;
    }
    rc = parse(argc, argv, &o);
    if (rc)
        goto out_free;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "hearth %s: cannot initialise libcurl\n", o.cmd);
        rc = 1;
        goto out_free;
    }
    if (!strcmp(o.cmd, "upload"))
        rc = cmd_upload(&o);
    else if (!strcmp(o.cmd, "fetch"))
        rc = cmd_fetch(&o);
    else
        rc = cmd_capture(&o);
    curl_global_cleanup();
out_free:
    free(o.args);
    return rc;
}
