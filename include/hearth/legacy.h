/*
 * legacy.h - readers for the legacy profile formats pprof reads.
 *
 * pprof (Go 1.19's `go tool pprof`) accepts, besides profile.proto, the
 * formats older tools wrote: Go's ?debug=1 texts (heap, goroutine,
 * threadcreate, mutex, block), gperftools' heap, growth, contention and
 * thread texts and its binary CPU profile (32/64-bit, either byte order,
 * with the /proc/maps text after it), and the Java agent's heapz,
 * contentionz and binary CPU profiles with their symbol sections. Each
 * reader follows pprof's interpretation exactly (the same sample types,
 * period, heap sampling scale-up, -1 address adjustments, mapping
 * heuristics and drop_frames), and writes the result as profile.proto
 * bytes, which hearth_profile_decode() then reads like any other file.
 *
 * Readers are tried in pprof's order. A reader that does not recognize the
 * input passes it on; one that recognizes it but finds it malformed stops
 * with a one-line error, as pprof does. Work is linear in the input; lines
 * are capped at HEARTH_LIMIT_LEGACY_LINE bytes (as pprof's line scanner),
 * and samples, locations, mappings and frames by the limits table.
 *
 * Thread safety: no shared state; call from any thread.
 */
#ifndef HEARTH_LEGACY_H
#define HEARTH_LEGACY_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"
#include "hearth/limits.h"

/*
 * Convert buf[0..len) (already gunzipped) if it is a legacy profile.
 * Returns HEARTH_OK with *recognized true, *pb and *pblen the profile.proto
 * bytes (the caller frees *pb) and *format a static description such as
 * "go heap text (?debug=1)". Returns HEARTH_OK with *recognized false and
 * *pb NULL if no reader recognizes the input. Any other return: the input is
 * a malformed legacy profile (or a limit was hit); em holds the reason.
 */
enum hearth_err hearth_legacy_convert(const unsigned char *buf, size_t len,
                                      const struct hearth_limits *lim, bool *recognized,
                                      unsigned char **pb, size_t *pblen, const char **format,
                                      struct hearth_errmsg *em);

#endif /* HEARTH_LEGACY_H */
