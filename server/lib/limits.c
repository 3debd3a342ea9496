/*
 * limits.c - every input limit with its reason (SQLite's sqliteLimit.h habit).
 * Change a default here and nowhere else (fixed limits: their HEARTH_LIMIT_*
 * value in limits.h, their reason here).
 */
#include "hearth/limits.h"

#include "hearth/banned.h"

#define MiB ((size_t)1 << 20)
#define ROW(field, val, why)                                                                       \
    {                                                                                              \
#field, offsetof(struct hearth_limits, field), (val), (why)                                \
    }

static const struct hearth_limit_row table[] = {
    ROW(max_input, 64 * MiB,
        "largest profile file accepted as given (the server's --max-upload-mb, also the largest "
        "fetched body); real heap/CPU profiles are under 50 MiB gzip, the 1M-sample one 12 MiB"),
    ROW(max_decompressed, 256 * MiB,
        "gunzip output cap (the server's --max-decompressed-mb): a gzip bomb costs at most this; "
        "the 1M-sample synthetic profile is 64 MiB"),
    ROW(max_model, 2048 * MiB,
        "memory of one decoded model, checked as it is built; max_decompressed keeps it near 2x "
        "that"),
    ROW(max_samples, 20000000, "Sample messages; 20x the largest real profile seen"),
    ROW(max_depth, 65536,
        "frames in one stack; Go truncates at 32 or 128, C++/Java stacks rarely pass 4096"),
    ROW(max_frames, 512000000,
        "location references in all samples together (uint32 offsets, 2 GiB)"),
    ROW(max_locations, 50000000, "Location messages"),
    ROW(max_functions, 50000000, "Function messages"),
    ROW(max_mappings, 1000000, "Mapping messages; real processes map a few thousand objects"),
    ROW(max_strings, 50000000, "string_table entries"),
    ROW(max_lines, 200000000, "Line entries (inlined frames) over all locations"),
    ROW(max_labels, 200000000, "Label entries over all samples"),
    ROW(max_sample_types, 1024, "value columns per sample; pprof profiles have 1 to 6"),
    ROW(max_message, 64 * MiB, "one sub-message (Sample, Location, ...) unpacked by protobuf-c"),
    ROW(max_regex, 4096, "one filter regex; longer patterns are a denial-of-service risk"),
    ROW(max_regex_depth, 32,
        "nested groups in one regex, checked before RE2 parses it, so its work on a 100 KB "
        "worker stack stays small (PCRE2 crashed at 75 levels); real filters nest 1 to 3"),
    ROW(max_regex_mem, 8 * MiB,
        "RE2's max_mem for one regex (program + DFA cache; RE2's default). A view has at most 39 "
        "(5 filters, 16 per tag filter, drop/keep_frames): 37 of \\pL{90} measured +48 MB RSS"),
    ROW(max_output, 256 * MiB,
        "one rendered view; the unfolded flame graph of a 1M-sample profile is ~60 MiB"),
    ROW(max_view_frames, 16000000,
        "frames over the distinct stacks of one view (8 bytes each while built): bounds the "
        "memory of one view; the 1M-sample profile has under 2M"),
    ROW(max_view_nodes, 2500000,
        "flame graph nodes that survive the trim (min_fraction; ~130 bytes each with the "
        "output): bounds its memory; the 1M-sample profile needs 1.04M untrimmed"),
    ROW(max_growth_cells, 4000000,
        "growth rows x snapshots (24 bytes each): 200 snapshots of 20000 functions"),
    ROW(max_view_ms, 20000,
        "wall-clock time of one view computation (then 413): the 1M-sample profile's largest "
        "view takes ~4 s"),
    ROW(max_render_nodes, 300,
        "nodes of one call graph image (its nodecount; pprof draws 80): Graphviz's layout is "
        "superlinear and runs under one process-wide lock; 300 nodes of the 1M-sample profile "
        "take 0.5 s of CPU as SVG, 1.7 s as PNG"),
    ROW(max_render_wait_ms, 15000,
        "wait for the one Graphviz renderer (libgvc is not thread-safe) before answering 503 "
        "busy"),
    ROW(max_json_depth, 16,
        "nesting of a JSON request body; ours are 2 deep, and jansson's parser recurses per level"),
    ROW(request_stack, 8 * MiB,
        "stack of each request thread (civetweb's own are ~100 KB); depth limits keep every "
        "parser and view far below it"),
    {0, 0, 0, 0},
};

#define FIXED(name, val, why)                                                                      \
    {                                                                                              \
        (name), 0, (val), (why)                                                                    \
    }

static const struct hearth_limit_row fixed[] = {
    FIXED("series_items", HEARTH_LIMIT_SERIES_ITEMS,
          "snapshots in one series, and a capture's count: growth decodes every snapshot"),
    FIXED("series_body", HEARTH_LIMIT_SERIES_BODY,
          "bytes of a series or capture JSON body: 1,000 ids (27 characters each) fit in 32 KiB"),
    FIXED("json_body", HEARTH_LIMIT_JSON_BODY, "bytes of the other JSON bodies (/api/fetch)"),
    FIXED("capture_interval_s", HEARTH_LIMIT_CAPTURE_INTERVAL,
          "seconds between a capture's snapshots (from 1 s): what /debug/pprof users need"),
    FIXED("capture_count_thin", HEARTH_LIMIT_CAPTURE_COUNT_THIN,
          "attempts of a capture that thins its old snapshots: the series itself stays near "
          "window/interval + span/every snapshots, so days of snapshots fit"),
    FIXED("thin_keep_s", HEARTH_LIMIT_THIN_KEEP_S,
          "seconds before the newest snapshot a thinned series keeps whole (30 days): longer "
          "is not thinning"),
    FIXED("thin_every_s", HEARTH_LIMIT_THIN_EVERY_S,
          "seconds per snapshot kept before that window (from 1 s; at most a day)"),
    FIXED("archive_entries", HEARTH_LIMIT_ARCHIVE_ENTRIES,
          "entries of an uploaded .zip/.tar(.gz) read at most, directories and skipped ones "
          "included (more: 413): a series holds series_items snapshots"),
    FIXED("archive_total", HEARTH_LIMIT_ARCHIVE_TOTAL,
          "bytes unpacked from one uploaded archive in all (more: 413); each entry is also "
          "capped by max_input, and only one entry is held at a time"),
    FIXED("archive_ratio", HEARTH_LIMIT_ARCHIVE_RATIO,
          "unpacked bytes per archive byte (more: 413, a decompression bomb); snapshots are "
          "gzip already, so real archives are near 1, tar.gz of raw profiles under 20"),
    FIXED("archive_ratio_free", HEARTH_LIMIT_ARCHIVE_RATIO_FREE,
          "unpacked bytes of one archive the ratio does not count (tiny archives of small "
          "text files compress far better than 100:1 and cost nothing)"),
    FIXED("capture_targets", HEARTH_LIMIT_CAPTURE_TARGETS,
          "targets of one capture group: each is a capture (max_captures counts each, "
          "max_captures_per_client the group once) and takes one of the scheduler's 8 workers at "
          "each step, so all are fetched at the same moment"),
    FIXED("target_name", HEARTH_LIMIT_TARGET_NAME,
          "bytes of a capture target's name (letters, digits, '.', '_', '-'): a label in the page "
          "and in a gctrace prefix \"[name] gc 1 @...\""),
    FIXED("growth_rows", HEARTH_LIMIT_GROWTH_ROWS,
          "growth rows in one answer (n=, default 100): the table is for reading; `more` counts "
          "the rest"),
    FIXED("growth_key", HEARTH_LIMIT_GROWTH_KEY,
          "bytes of one growth stack row's name: deeper stacks merge past the cut"),
    FIXED("view_param", HEARTH_LIMIT_VIEW_PARAM,
          "bytes of one decoded query parameter (regexes are capped lower by max_regex)"),
    FIXED("gctrace_lines", HEARTH_LIMIT_GCTRACE_LINES,
          "lines of a gctrace log parsed (more: 413): months of one GC every few seconds"),
    FIXED("gctrace_tracks", HEARTH_LIMIT_GCTRACE_TRACKS,
          "processes told apart in one gctrace log (more: 413)"),
    FIXED("fetch_url", HEARTH_LIMIT_FETCH_URL, "bytes of a URL to fetch, refused before parsing"),
    FIXED("fetch_entries", HEARTH_LIMIT_FETCH_ENTRIES, "hosts and CIDRs in --fetch-allow"),
    FIXED(
        "merge_profiles", HEARTH_LIMIT_MERGE_PROFILES,
        "profiles merged into one view (merge=, several CLI sources); each is held while merging"),
    FIXED("config_line", HEARTH_LIMIT_CONFIG_LINE,
          "bytes of one line of `hearth serve --config FILE` (longer: a start-up error)"),
    FIXED("legacy_line", HEARTH_LIMIT_LEGACY_LINE,
          "bytes of one line of a legacy text profile, newline included: pprof reads them with "
          "Go's bufio.Scanner, which fails on a 64 KiB line too"),
    FIXED("legacy_attrs", HEARTH_LIMIT_LEGACY_ATTRS,
          "attr=value substitutions in a legacy memory map section (pprof has no cap; "
          "real maps have none or a few)"),
    FIXED("saved_views", HEARTH_LIMIT_SAVED_VIEWS,
          "saved views on one server (more: 409, delete one first): every profile page lists "
          "them all in one menu"),
    FIXED("saved_name", HEARTH_LIMIT_SAVED_NAME,
          "bytes of a saved view's name: a menu entry, not a document"),
    FIXED("saved_params", HEARTH_LIMIT_SAVED_PARAMS,
          "bytes of a saved view's parameters as stored JSON: applied, they become a page URL "
          "and API query strings, which percent-encoding can triple, and civetweb reads at most "
          "16 KiB of request head"),
    FIXED("memstats_tail", HEARTH_LIMIT_MEMSTATS_TAIL,
          "bytes at the end of a ?debug=1 heap file searched for its runtime.MemStats block: "
          "Go prints it last, about 6 KiB with its PauseNs and PauseEnd lines, so a file of any "
          "size or megabytes of garbage cost one bounded scan"),
    FIXED("memstats_lines", HEARTH_LIMIT_MEMSTATS_LINES,
          "lines of a runtime.MemStats text block: Go 1.19 prints 27; a newer Go's extra fields "
          "fit, a flood of lines is refused"),
    FIXED("memstats_json", HEARTH_LIMIT_MEMSTATS_JSON,
          "bytes of an expvar /debug/vars answer read for its memstats: about 10 KiB with "
          "BySize and the pause arrays; room for an application's own variables"),
    FIXED("s3_connect_ms", HEARTH_LIMIT_S3_CONNECT_MS,
          "milliseconds to connect to the S3 server (--blobs s3://): a dead one is noticed "
          "quickly and the request answers 503 instead of holding its thread"),
    FIXED("s3_timeout_ms", HEARTH_LIMIT_S3_TIMEOUT_MS,
          "milliseconds for one whole S3 request: a 64 MiB blob (max_input) at 1 MB/s"),
    FIXED("s3_tries", HEARTH_LIMIT_S3_TRIES,
          "tries of one S3 request when the server is unreachable, fails (5xx) or throttles "
          "(429, 503 SlowDown); then 503 + Retry-After"),
    FIXED("s3_backoff_ms", HEARTH_LIMIT_S3_BACKOFF_MS,
          "pause before the second S3 try, doubled before each next one (0.7 s in all): "
          "rides out a throttling burst or a restart without holding a request long"),
    FIXED("top_page", HEARTH_LIMIT_TOP_PAGE,
          "rows in one page of the top endpoint (limit=): a screen shows about 40; the whole "
          "table is the answer without limit="),
    {0, 0, 0, 0},
};

const struct hearth_limit_row *hearth_limit_fixed_table(void)
{
    return fixed;
}

const struct hearth_limit_row *hearth_limit_table(void)
{
    return table;
}

struct hearth_limits hearth_limits_default(void)
{
    struct hearth_limits l;
    const struct hearth_limit_row *r;

    for (r = table; r->name; r++)
        *(size_t *)((char *)&l + r->offset) = r->value;
    return l;
}
