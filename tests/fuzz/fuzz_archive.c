/*
 * fuzz_archive.c - libFuzzer target for uploaded snapshot archives
 * (snaparchive.h: libarchive reading .zip, .tar, .tar.gz from memory under
 * the caps). The input is the archive; it is listed under small caps (64
 * entries, 64 KiB per entry, 256 KiB in all, ratio 20 beyond 4 KiB) and
 * every entry not skipped is read back. Checks, beyond "no crash":
 *  - a listing that succeeds respects every cap, gives each entry a name,
 *    and no entry has more bytes than the per-entry cap;
 *  - the second pass reads each entry not skipped with exactly the size the
 *    listing found, in archive order;
 *  - a failed listing leaves no entries behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/snaparchive.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

struct walk {
    const struct hearth_archive_entry *e;
    size_t n, next, seen;
};

static enum hearth_err each(void *ctx, size_t index, const unsigned char *data, size_t len,
                            struct hearth_errmsg *em)
{
    struct walk *w = ctx;

    (void)em;
    CHECK(index < w->n && index >= w->next);
    CHECK(!w->e[index].skip);
    CHECK(len == w->e[index].size);
    CHECK(data != NULL);
    w->next = index + 1;
    w->seen++;
    return HEARTH_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hearth_archive_caps caps = {64, 64 << 10, 256 << 10, 20, 4 << 10};
    struct hearth_archive_entry *e = NULL;
    struct hearth_errmsg em;
    const char *format = NULL;
    size_t n = 0, i, total = 0, files = 0;
    enum hearth_err r;

    memset(&em, 0, sizeof(em));
    r = hearth_archive_list(data, size, &caps, &e, &n, &format, &em);
    if (r != HEARTH_OK) {
        CHECK(e == NULL && n == 0 && em.msg[0]);
        return 0;
    }
    CHECK(n <= caps.max_entries && format != NULL);
    for (i = 0; i < n; i++) {
        CHECK(e[i].name != NULL);
        CHECK(e[i].size <= caps.max_entry);
        total += e[i].size;
        files += !e[i].skip;
    }
    CHECK(total <= caps.max_total);
    {
        struct walk w = {e, n, 0, 0};
        memset(&em, 0, sizeof(em));
        r = hearth_archive_each(data, size, &caps, e, n, each, &w, &em);
        CHECK(r != HEARTH_OK || w.seen == files);
    }
    hearth_archive_entries_free(e, n);
    return 0;
}
