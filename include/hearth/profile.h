/*
 * profile.h - Hearth's immutable, decoded profile (the model).
 *
 * A struct hearth_profile is built by hearth_profile_decode() (pprof_decode.c)
 * or hearth_merge() (merge.c) and never changes afterwards, so any number of
 * threads may read it at once. Everything is struct-of-arrays with dense
 * uint32 indices: pprof's 64-bit ids are gone, references are resolved, and
 * strings are interned (two equal strings have the same index; index 0 is
 * always ""). The profile owns all its memory; free it with
 * hearth_profile_free().
 *
 * Stack order follows profile.proto: a sample's locations are stored leaf
 * first, and a location's lines innermost (inlined callee) first.
 */
#ifndef HEARTH_PROFILE_H
#define HEARTH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/arena.h"
#include "hearth/err.h"
#include "hearth/intern.h"
#include "hearth/limits.h"

enum {
    HEARTH_MAP_HAS_FUNCTIONS = 1,
    HEARTH_MAP_HAS_FILENAMES = 2,
    HEARTH_MAP_HAS_LINE_NUMBERS = 4,
    HEARTH_MAP_HAS_INLINE_FRAMES = 8,
};

struct hearth_profile {
    struct hearth_arena arena; /* string bytes */
    size_t bytes;              /* approximate memory held, for caches */

    /* Strings: str[i] for i < nstr; str[0] is "". */
    struct hearth_str *str;
    uint32_t nstr;

    /* Header. All uint32 name fields are string indices. */
    uint32_t ntypes;
    uint32_t *type_name, *type_unit;
    uint32_t period_type, period_unit;
    int64_t period;
    int64_t time_nanos, duration_nanos;
    uint32_t default_type, drop_frames, keep_frames, doc_url;
    uint32_t ncomments;
    uint32_t *comments;

    /* Mappings; mapping 0 is the main binary by convention. */
    uint32_t nmap;
    uint64_t *map_start, *map_limit, *map_offset;
    uint32_t *map_file, *map_build_id;
    uint8_t *map_flags;
    bool fake_mapping; /* the file had none; pprof adds one with no name */
    /* NULL for profile.proto; else the legacy format read (legacy.h), static. */
    const char *converted_from;

    /* Functions. */
    uint32_t nfunc;
    uint32_t *fn_name, *fn_sysname, *fn_file;
    int64_t *fn_start_line;

    /* Locations: lines of location l are line_*[loc_line_off[l] .. [l+1]). */
    uint32_t nloc;
    uint32_t *loc_map; /* mapping index or HEARTH_NONE */
    uint64_t *loc_addr;
    uint8_t *loc_folded;
    uint32_t *loc_line_off;
    uint32_t nlines;
    uint32_t *line_fn;
    int64_t *line_no;

    /*
     * Samples: locations of sample s are s_locs[s_loc_off[s] .. [s+1])
     * (leaf first); values are s_val[s * ntypes + t]; labels are
     * lab_*[s_lab_off[s] .. [s+1]). A label with lab_str != 0 is a string
     * label, otherwise numeric (lab_num with unit lab_unit).
     */
    size_t nsamples;
    size_t nsample_msgs; /* Sample messages in the file (before pprof's merge); 0 if built */
    uint32_t *s_loc_off, *s_locs;
    int64_t *s_val;
    uint32_t *s_lab_off;
    uint32_t *lab_key, *lab_str, *lab_unit;
    int64_t *lab_num;
    /* Set only by hearth_merge_diff(): 1 for samples of the base profile. */
    uint8_t *s_side;
};

/*
 * Decode a pprof file (gzip or raw profile.proto, or any legacy format pprof
 * reads: legacy.h) into a new profile, validating it as pprof does. On failure returns an error,
 * *out is NULL and em holds one line for the user. The input buffer is only borrowed.
 * A gzipped input of 256 KiB or more is inflated by a second thread (joined
 * before the call returns) while the decoder reads; the gunzipped bytes are
 * never held whole. Safe to call from several threads at once.
 */
enum hearth_err hearth_profile_decode(const unsigned char *data, size_t len,
                                      const struct hearth_limits *lim, struct hearth_profile **out,
                                      struct hearth_errmsg *em);

/*
 * Read a file (capped at lim->max_input) and decode it; a gzipped regular
 * file is read in pieces as it is inflated (on any failure it is read whole
 * and decoded again, so that errors read as hearth_profile_decode's).
 */
enum hearth_err hearth_profile_load(const char *path, const struct hearth_limits *lim,
                                    struct hearth_profile **out, struct hearth_errmsg *em);

void hearth_profile_free(struct hearth_profile *p);

/*
 * The bytes malloc really holds for p (hearth_mem_size of the struct, of
 * every array hearth_profile_free frees, slack included, and of the arena's
 * chunks): what the profile cache counts it as. p->bytes is the decoder's
 * running estimate, for its max_model check.
 */
size_t hearth_profile_footprint(const struct hearth_profile *p);

/*
 * Gives back the slack of the sample arrays (grown by doubling while
 * decoding, or sized for the samples before pprof's merge of equal ones):
 * each keeps the entries its counts use. For a profile about to be kept
 * (the cache); not while it is shared.
 */
void hearth_profile_trim(struct hearth_profile *p);

/* The string at index i (never NULL; "" if out of range). */
static inline struct hearth_str hearth_pstr(const struct hearth_profile *p, uint32_t i)
{
    struct hearth_str none = {"", 0};
    return i < p->nstr ? p->str[i] : none;
}

/* True if string index i equals the C string s. */
bool hearth_pstr_eq(const struct hearth_profile *p, uint32_t i, const char *s);

/*
 * Pick a sample index as pprof does: NULL or "" = default_sample_type if it
 * names a type, else the last type; a decimal number = that index; a name =
 * the first type equal to it or to it without a leading "inuse_".
 */
enum hearth_err hearth_profile_sample_index(const struct hearth_profile *p, const char *spec,
                                            uint32_t *idx, struct hearth_errmsg *em);

/*
 * pprof's merge key of a sample: its location indices, a separator, then
 * its labels as sorted (key, str|unit, num) tuples. Written into *key
 * (grown as needed, *cap elements; the caller frees). Returns the key's
 * length in uint32s, or 0 on no memory.
 */
size_t hearth__sample_key(const struct hearth_profile *p, const uint32_t *locs, size_t nloc,
                          size_t la, size_t lb, uint32_t **key, size_t *cap);

#endif /* HEARTH_PROFILE_H */
