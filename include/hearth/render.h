/*
 * render.h - call graph images drawn in-process by Graphviz's library.
 *
 * hearth_render_image() lays out a DOT text with Graphviz's "dot" engine
 * (libgvc, libcgraph; no `dot` binary) and renders it as SVG, PNG, PDF or
 * GIF, as pprof's -svg/-png/-pdf/-gif do with the `dot` program. Graphviz
 * keeps global state and is not thread-safe: every call holds one
 * process-wide mutex, waiting for it at most wait_ms (then HEARTH_E_BUSY).
 * The time of one layout grows with the graph, so callers cap the node count
 * first (limits.h: max_render_nodes). Graphviz's own messages are kept out
 * of stderr; the last one is put in em when it fails.
 *
 * The image is appended to out (its cap applies: HEARTH_E_NOMEM when
 * full). Thread-safe; nothing to free but out.
 */
#ifndef HEARTH_RENDER_H
#define HEARTH_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"

enum hearth_image { HEARTH_IMAGE_SVG, HEARTH_IMAGE_PNG, HEARTH_IMAGE_PDF, HEARTH_IMAGE_GIF };

/* "svg", "png", "pdf", "gif" -> *f; false for any other name. */
bool hearth_image_parse(const char *name, enum hearth_image *f);
/* The format's name ("svg") and its Content-Type ("image/svg+xml"); static strings. */
const char *hearth_image_name(enum hearth_image f);
const char *hearth_image_mime(enum hearth_image f);

enum hearth_err hearth_render_image(const char *dot, size_t len, enum hearth_image f,
                                    int64_t wait_ms, struct hearth_buf *out,
                                    struct hearth_errmsg *em);

#endif /* HEARTH_RENDER_H */
