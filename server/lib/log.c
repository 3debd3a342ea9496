/* log.c - event and access lines on stderr, JSON or text; see include/hearth/log.h. */
#define _POSIX_C_SOURCE 200809L
#include "hearth/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth/buf.h"
#include "hearth/jsonw.h"

#include "hearth/banned.h"

#define LINE_MAX_BYTES 8192 /* a longer line is cut (messages are short) */

static bool log_json;
static enum hearth_log_level log_min = HEARTH_LOG_INFO;
static const char *const level_name[] = {"debug", "info", "warn", "error"};

int hearth_log_setup(const char *format, const char *level)
{
    int i;

    if (!strcmp(format, "json"))
        log_json = true;
    else if (!strcmp(format, "text"))
        log_json = false;
    else
        return -1;
    for (i = 0; i < 4; i++)
        if (!strcmp(level, level_name[i])) {
            log_min = (enum hearth_log_level)i;
            return 0;
        }
    return -1;
}

bool hearth_log_enabled(enum hearth_log_level lvl)
{
    return lvl >= log_min;
}

/* The start of a JSON line: {"time":"2026-01-02T03:04:05.678Z","level":"info","event":"x" */
static void json_head(struct hearth_buf *b, enum hearth_log_level lvl, const char *event)
{
    struct timespec ts;
    struct tm tm;
    char t[40];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
    hearth_buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":", t,
                      ts.tv_nsec / 1000000L, level_name[lvl]);
    hearth_json_escape(b, event, strlen(event));
}

static void emit(struct hearth_buf *b)
{
    size_t off = 0;

    if (b->fail || !b->ptr)
        return;
    while (off < b->len) {
        ssize_t w = write(2, b->ptr + off, b->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
}

void hearth_log(enum hearth_log_level lvl, const char *event, const char *fmt, ...)
{
    struct hearth_buf b, msg;
    va_list ap;

    if (lvl < log_min)
        return;
    hearth_buf_init(&msg, LINE_MAX_BYTES);
    va_start(ap, fmt);
    hearth_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    hearth_buf_init(&b, LINE_MAX_BYTES * 2);
    if (log_json) {
        json_head(&b, lvl, event);
        hearth_buf_addstr(&b, ",\"msg\":");
        hearth_json_escape(&b, msg.ptr ? msg.ptr : "", msg.len);
        hearth_buf_addstr(&b, "}\n");
    } else {
        hearth_buf_printf(&b, "hearth: %s\n", msg.ptr ? msg.ptr : "");
    }
    emit(&b);
    hearth_buf_release(&b);
    hearth_buf_release(&msg);
}

void hearth_log_access(const char *method, const char *route, int status, uint64_t bytes_in,
                       uint64_t bytes_out, double secs, const char *remote)
{
    struct hearth_buf b;

    if (HEARTH_LOG_INFO < log_min)
        return;
    hearth_buf_init(&b, LINE_MAX_BYTES);
    if (log_json) {
        json_head(&b, HEARTH_LOG_INFO, "request");
        hearth_buf_addstr(&b, ",\"method\":");
        hearth_json_escape(&b, method, strlen(method));
        hearth_buf_addstr(&b, ",\"route\":");
        hearth_json_escape(&b, route, strlen(route));
        hearth_buf_printf(&b,
                          ",\"status\":%d,\"bytes_in\":%llu,\"bytes\":%llu,\"duration_ms\":%.3f,"
                          "\"remote\":",
                          status, (unsigned long long)bytes_in, (unsigned long long)bytes_out,
                          secs * 1000.0);
        hearth_json_escape(&b, remote, strlen(remote));
        hearth_buf_addstr(&b, "}\n");
    } else {
        hearth_buf_printf(&b, "hearth: %s %.16s %.100s %d %llu %llu %.3fms\n", remote, method,
                          route, status, (unsigned long long)bytes_in,
                          (unsigned long long)bytes_out, secs * 1000.0);
    }
    emit(&b);
    hearth_buf_release(&b);
}
