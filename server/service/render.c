/*
 * render.c - DOT to SVG/PNG/PDF/GIF through libgvc; see render.h.
 *
 * One Graphviz context for the process, created on first use and kept (its
 * plugins are loaded once from the installed config), guarded by one mutex:
 * libgvc and libcgraph keep global state (the error handler, the layout's
 * statics), so two renders must never overlap.
 */
#define _GNU_SOURCE /* pthread_mutex_timedlock */
#include "hearth/render.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "hearth/banned.h"

static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gv_ctx;     /* under gv_lock */
static char gv_last[256]; /* Graphviz's last message, under gv_lock */

static const struct {
    const char *name, *mime;
} formats[] = {
    [HEARTH_IMAGE_SVG] = {"svg", "image/svg+xml"},
    [HEARTH_IMAGE_PNG] = {"png", "image/png"},
    [HEARTH_IMAGE_PDF] = {"pdf", "application/pdf"},
    [HEARTH_IMAGE_GIF] = {"gif", "image/gif"},
};

bool hearth_image_parse(const char *name, enum hearth_image *f)
{
    size_t i;

    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcmp(name, formats[i].name)) {
            *f = (enum hearth_image)i;
            return true;
        }
    return false;
}

const char *hearth_image_name(enum hearth_image f)
{
    return formats[f].name;
}

const char *hearth_image_mime(enum hearth_image f)
{
    return formats[f].mime;
}

/* Graphviz's message sink (agseterrf): keep the first line of the last message. */
static int gv_message(char *msg)
{
    size_t n = strcspn(msg, "\n");

    if (n >= sizeof(gv_last))
        n = sizeof(gv_last) - 1;
    memcpy(gv_last, msg, n);
    gv_last[n] = '\0';
    return 0;
}

static enum hearth_err lock_renderer(int64_t wait_ms, struct hearth_errmsg *em)
{
    struct timespec ts;
    int r;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return hearth_errmsg_set(em, HEARTH_E_IO, "clock_gettime failed");
    ts.tv_sec += (time_t)(wait_ms / 1000);
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    r = pthread_mutex_timedlock(&gv_lock, &ts);
    if (r == ETIMEDOUT)
        return hearth_errmsg_set(em, HEARTH_E_BUSY,
                                 "the graph renderer is busy with another image; try again");
    if (r != 0)
        return hearth_errmsg_set(em, HEARTH_E_IO, "locking the graph renderer failed");
    return HEARTH_OK;
}

enum hearth_err hearth_render_image(const char *dot, size_t len, enum hearth_image f,
                                    int64_t wait_ms, struct hearth_buf *out,
                                    struct hearth_errmsg *em)
{
    char *text = malloc(len + 1), *data = NULL;
    unsigned int dlen = 0;
    Agraph_t *g = NULL;
    bool laid = false;
    enum hearth_err e;
    size_t i;

    if (!text)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    /* agmemread reads a C string: a NUL inside a name would cut the graph short */
    for (i = 0; i < len; i++)
        text[i] = dot[i] ? dot[i] : '?';
    text[len] = '\0';
    e = lock_renderer(wait_ms, em);
    if (e)
        goto out_text;
    gv_last[0] = '\0';
    agseterrf(gv_message);
    agseterr(AGWARN);
    if (!gv_ctx)
        gv_ctx = gvContext();
    if (!gv_ctx) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "Graphviz: cannot create a context");
        goto out_unlock;
    }
    g = agmemread(text);
    if (!g) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "Graphviz cannot read the graph: %s",
                              gv_last[0] ? gv_last : "syntax error");
        goto out_unlock;
    }
    if (gvLayout(gv_ctx, g, "dot") != 0) {
        e = hearth_errmsg_set(em, HEARTH_E_UNSUPPORTED, "Graphviz: dot layout failed: %s",
                              gv_last[0] ? gv_last : "no dot layout plugin (check `dot -c`)");
        goto out_graph;
    }
    laid = true;
    if (gvRenderData(gv_ctx, g, formats[f].name, &data, &dlen) != 0 || !data) {
        e = hearth_errmsg_set(em, HEARTH_E_UNSUPPORTED, "Graphviz cannot render %s: %s",
                              formats[f].name,
                              gv_last[0] ? gv_last : "no renderer plugin for it (check `dot -c`)");
        goto out_graph;
    }
    hearth_buf_add(out, data, dlen);
    if (out->fail)
        e = hearth_errmsg_set(em, out->fail, "image larger than the output limit");
out_graph:
    if (data)
        gvFreeRenderData(data);
    if (laid)
        gvFreeLayout(gv_ctx, g);
    agclose(g);
out_unlock:
    pthread_mutex_unlock(&gv_lock);
out_text:
    free(text);
    return e;
}
