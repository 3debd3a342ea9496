/*
 * pbw.h - a tiny protobuf writer for tests: builds profile.proto bytes by hand.
 *
 * struct pbw is a growable byte buffer with protobuf primitives (varints,
 * tags, fixed, length-delimited, packed and unpacked repeated scalars). It
 * never validates anything, so tests can write malformed messages on purpose
 * (wrong wire types, truncated varints, lying length prefixes). Allocation
 * failure sets `oom` and later writes are no-ops; check it once at the end.
 *
 * struct pbp sits on top: a small profile builder with a deduplicated string
 * table, functions, locations, mappings and samples, and a stack-string form
 * ("main;a;b" root first, as in pprof-semantics.md) for the worked examples.
 * pbp_finish() writes the whole Profile: header, entities, samples and the
 * string table last (as Go's runtime does).
 *
 * Both own their memory: release with pbw_release() / pbp_release().
 * Test helpers only: not thread-safe, not part of hearth_core.
 */
#ifndef HEARTH_TEST_PBW_H
#define HEARTH_TEST_PBW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PBW_VARINT = 0, PBW_I64 = 1, PBW_LEN = 2, PBW_SGROUP = 3, PBW_EGROUP = 4, PBW_I32 = 5 };

struct pbw {
    unsigned char *p;
    size_t len, cap;
    bool oom;
};

void pbw_init(struct pbw *w);
void pbw_release(struct pbw *w);
void pbw_reset(struct pbw *w);
void pbw_raw(struct pbw *w, const void *p, size_t n);
void pbw_varint(struct pbw *w, uint64_t v);
void pbw_tag(struct pbw *w, uint32_t field, int wt);
/* A varint field; int64 values use plain two's complement (-3 is 10 bytes). */
void pbw_uint(struct pbw *w, uint32_t field, uint64_t v);
void pbw_int(struct pbw *w, uint32_t field, int64_t v);
void pbw_fixed64(struct pbw *w, uint32_t field, uint64_t v);
void pbw_fixed32(struct pbw *w, uint32_t field, uint32_t v);
void pbw_bytes(struct pbw *w, uint32_t field, const void *p, size_t n);
void pbw_str(struct pbw *w, uint32_t field, const char *s);
/* Embed sub's bytes as a length-delimited field. */
void pbw_msg(struct pbw *w, uint32_t field, const struct pbw *sub);
/* Repeated scalars, packed in one LEN field or one varint field each. */
void pbw_packed(struct pbw *w, uint32_t field, const uint64_t *v, size_t n);
void pbw_unpacked(struct pbw *w, uint32_t field, const uint64_t *v, size_t n);

/*
 * gzip n bytes as one member (zlib, level 6); *out is malloc'ed, the caller
 * frees it. Returns false on failure.
 */
bool pbw_gzip(const void *in, size_t n, unsigned char **out, size_t *outlen);

/* ------------------------------------------------------------------------ */

struct pbp_name {
    char *name;
    uint64_t id; /* function id and location id (one simple location per name) */
};

struct pbp {
    char **str; /* string table; str[0] = "" */
    size_t nstr, strcap;
    struct pbw hdr;         /* sample_type, period_type, ... (written first) */
    struct pbw ents;        /* mappings, functions, locations */
    struct pbw samples;     /* Sample messages */
    struct pbp_name *names; /* pbp_stack's function/location per name */
    size_t nnames, namecap;
    uint64_t next_id; /* ids handed out by pbp_func/pbp_loc (start at id_base + 1) */
    uint64_t map_id;  /* mapping of pbp_stack's locations (0 = none) */
    size_t nsamples;
    size_t ntypes;
    bool oom;
};

/* Starts empty; ids are id_base + 1, id_base + 2, ... */
void pbp_init(struct pbp *b, uint64_t id_base);
void pbp_release(struct pbp *b);
/* String index of s, added if new. */
int64_t pbp_s(struct pbp *b, const char *s);
void pbp_sample_type(struct pbp *b, const char *type, const char *unit);
void pbp_period(struct pbp *b, const char *type, const char *unit, int64_t period);
/* Adds a mapping with has_functions set; returns its id (also used by pbp_stack). */
uint64_t pbp_mapping(struct pbp *b, const char *file);
uint64_t pbp_func(struct pbp *b, const char *name, const char *file, int64_t start_line);
/* A location with lines (innermost first); nlines may be 0. */
uint64_t pbp_loc(struct pbp *b, uint64_t map_id, uint64_t addr, const uint64_t *fn_ids,
                 const int64_t *lines, size_t nlines);
/* A sample: locations leaf first; `extra` (may be NULL) is appended inside it (labels). */
void pbp_sample(struct pbp *b, const uint64_t *locs, size_t nloc, const int64_t *vals, size_t nval,
                const struct pbw *extra);
/* The location id for function `name` (created on first use: file x.go, line 0). */
uint64_t pbp_name_loc(struct pbp *b, const char *name);
/* A sample from a root-first stack string "main;a;b" ("" = empty stack), one value. */
void pbp_stack(struct pbp *b, const char *stack, int64_t v);
/* Same with several values. */
void pbp_stackv(struct pbp *b, const char *stack, const int64_t *vals, size_t nval);
/* Writes the Profile message into out (appending). Returns false on no memory. */
bool pbp_finish(struct pbp *b, struct pbw *out);

#endif /* HEARTH_TEST_PBW_H */
