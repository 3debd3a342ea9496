/*
 * fuzz_memstats.c - libFuzzer target for the runtime.MemStats parser
 * (memstats.h): any bytes are a debug=1 file's end or a /debug/vars JSON.
 * Checks, beyond "no crash":
 *  - on failure the struct is zeroed (goroutines -1) and the error is one of
 *    CORRUPT or TOO_LARGE;
 *  - on success every key field was given and the runtime's identities hold,
 *    so the breakdown's parts sum to Sys exactly (for any profile total);
 *  - the stored form (hearth_memstats_json) parses back to the same values;
 *  - the same bytes after 8 KiB of garbage give the same answer for the text
 *    form (the block is found in the tail).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/buf.h"
#include "hearth/jsonw.h"
#include "hearth/memstats.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_sum(const struct hearth_memstats *m, int64_t inuse)
{
    struct hearth_memstats_parts p;

    hearth_memstats_breakdown(m, inuse, &p);
    CHECK(p.explained + p.beyond + p.idle + p.released + p.stacks + p.runtime + p.other == p.sys);
    CHECK(p.explained <= m->v[HEARTH_MS_HEAP_INUSE]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hearth_memstats m, back;
    struct hearth_errmsg em;
    struct hearth_buf b;
    struct hearth_jsonw w;
    enum hearth_err e = hearth_memstats_parse(data, size, &m, &em);

    if (e != HEARTH_OK) {
        CHECK(e == HEARTH_E_CORRUPT || e == HEARTH_E_TOO_LARGE);
        CHECK(m.have == 0 && m.goroutines == -1 && m.v[HEARTH_MS_SYS] == 0);
        return 0;
    }
    CHECK(m.format != NULL);
    CHECK((m.have & (1ull << HEARTH_MS_SYS)) && (m.have & (1ull << HEARTH_MS_OTHER_SYS)));
    check_sum(&m, -1);
    check_sum(&m, 0);
    check_sum(&m, 12345);
    check_sum(&m, INT64_MAX);
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_memstats_json(&w, &m);
    CHECK(!b.fail);
    CHECK(hearth_memstats_parse(b.ptr, b.len, &back, &em) == HEARTH_OK);
    CHECK(!memcmp(back.v, m.v, sizeof(m.v)) && back.have == m.have);
    CHECK(back.has_gc_cpu_fraction == m.has_gc_cpu_fraction &&
          back.gc_cpu_fraction == m.gc_cpu_fraction && back.debug_gc == m.debug_gc);
    CHECK(back.goroutines == m.goroutines);
    hearth_buf_release(&b);
    if (!strcmp(m.format, "debug1") && size < 32768) {
        unsigned char *g = malloc(size + 8192);
        CHECK(g != NULL);
        memset(g, 'x', 8192);
        g[8191] = '\n';
        memcpy(g + 8192, data, size);
        CHECK(hearth_memstats_parse(g, size + 8192, &back, &em) == HEARTH_OK);
        CHECK(!memcmp(back.v, m.v, sizeof(m.v)) && back.have == m.have);
        free(g);
    }
    return 0;
}
