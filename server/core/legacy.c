/*
 * legacy.c - pprof's legacy formats -> profile.proto bytes; see legacy.h.
 *
 * The rules are those of Go 1.19's pprof (its profile package's legacy
 * readers), restated here: the line formats are matched with the same
 * regular expressions (RE2 has Go's syntax and leftmost-first semantics),
 * lines are split as Go's bufio.Scanner splits them (at '\n', a trailing
 * '\r' dropped, at most 64 KiB), numbers parsed as strconv parses them, and
 * the model is built in pprof's order (locations deduplicated by adjusted
 * address, then renumbered by first use; mappings merged and moved as pprof
 * does) before it is written out.
 */
#include "hearth/legacy.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/arena.h"
#include "hearth/buf.h"
#include "hearth/intern.h"
#include "hearth/regex.h"

#include "hearth/banned.h"

/* A byte span (not NUL-terminated). */
struct sp {
    const char *p;
    size_t n;
};

enum res { R_OK = 0, R_UNRECOGNIZED, R_ERR };

/* ---- regular expressions (pprof's, as facts of the formats) ---- */

enum {
    RX_COUNT_START,
    RX_COUNT,
    RX_HEAP_HEADER,
    RX_HEAP_SAMPLE,
    RX_CONT_SAMPLE,
    RX_GROWTH,
    RX_FRAG,
    RX_THREADZ,
    RX_THREAD,
    RX_PROCMAPS,
    RX_BRIEFMAPS,
    RX_LOGINFO,
    RX_LIB,
    RX_ATTR,
    RX_JSAMPLE,
    RX_JLOC,
    RX_JFILELINE,
    RX_JPATH,
    RX_N
};

static const char *const rx_src[RX_N] = {
    [RX_COUNT_START] = "\\A(\\S+) profile: total \\d+\\z",
    [RX_COUNT] = "\\A(\\d+) @(( 0x[0-9a-f]+)+)\\z",
    [RX_HEAP_HEADER] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] *@ "
                       "*(heap[_a-z0-9]*)/?(\\d*)",
    [RX_HEAP_SAMPLE] = "(-?\\d+): *(-?\\d+) *\\[ *(\\d+): *(\\d+) *] @([ x0-9a-f]*)",
    [RX_CONT_SAMPLE] = "(\\d+) *(\\d+) @([ x0-9a-f]*)",
    [RX_GROWTH] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] @ growthz?",
    [RX_FRAG] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] @ fragmentationz?",
    [RX_THREADZ] = "--- threadz \\d+ ---",
    [RX_THREAD] = "--- Thread ([[:xdigit:]]+) \\(name: (.*)/(\\d+)\\) stack: ---",
    [RX_PROCMAPS] = "^\\s*(?:0x)?([[:xdigit:]]+)[\\s-]?\\s*(?:0x)?([[:xdigit:]]+):?"
                    "(?:\\s+([-rwxp]+))?(?:\\s+([[:xdigit:]]+))?\\s+[[:xdigit:]]+:[[:xdigit:]]+"
                    "\\s+[[:digit:]]+(?:\\s+(\\S+))?",
    [RX_BRIEFMAPS] = "^\\s*(?:0x)?([[:xdigit:]]+)[\\s-]?\\s*(?:0x)?([[:xdigit:]]+):?"
                     "(?:\\s+([-rwxp]+))?(?:\\s+(\\S+))?(?:\\s+\\(@([[:xdigit:]]+)\\))?"
                     "(?:\\s+([[:xdigit:]]+))?",
    [RX_LOGINFO] = "^[^\\[\\]]+:[0-9]+]\\s",
    [RX_LIB] = "([.]so$|[.]so[._][0-9]+)",
    [RX_ATTR] = "([\\w ]+)=([\\w ]+)",
    [RX_JSAMPLE] = " *(\\d+) +(\\d+) +@ +([ x0-9a-f]*)",
    [RX_JLOC] = "^\\s*0x([[:xdigit:]]+)\\s+(.*)\\s*$",
    [RX_JFILELINE] = "^(.*)\\s+\\((.+):(-?[[:digit:]]+)\\)$",
    [RX_JPATH] = "^(.*)\\s+\\((.*)\\)$",
};

#define MAXG 8

struct loc {
    uint64_t addr;
    uint32_t map; /* index or HEARTH_NONE */
    uint32_t fn;  /* index or HEARTH_NONE */
    int64_t line;
    uint32_t id; /* 1-based after renumbering; 0 = unused */
};

struct map {
    uint64_t start, limit, offset;
    struct sp file, build;
};

struct fn {
    struct sp name, file;
};

struct lp {
    const struct hearth_limits *lim;
    struct hearth_errmsg *em;
    enum hearth_err err;
    struct hearth_arena ar; /* copies of strings that are not in the input */
    struct hearth_regex *rx[RX_N];
    const char *format;

    int ntypes;
    struct sp tname[4], tunit[4];
    struct sp ptype, punit;
    int64_t period, duration;
    const char *drop, *keep;

    struct loc *loc;
    size_t nloc, loccap;
    struct hearth_u64map byaddr;

    size_t ns, scap;
    int64_t *val;    /* ns * ntypes */
    uint32_t *soff;  /* first frame of sample s in fr */
    uint32_t *slen;  /* frames of sample s */
    int64_t *sbytes; /* the "bytes" label */
    uint8_t *shas;   /* 1 if the sample has it */
    uint32_t *fr;
    size_t nfr, frcap;

    struct map *map;
    size_t nmap, mapcap;
    struct fn *fn;
    size_t nfn, fncap;
};

/* ---- small helpers ---- */

static enum res fail(struct lp *p, enum hearth_err e, const char *what)
{
    p->err = e;
    hearth_errmsg_set(p->em, e, "parsing profile: %s", what);
    return R_ERR;
}

static enum res nomem(struct lp *p)
{
    p->err = HEARTH_E_NOMEM;
    hearth_errmsg_set(p->em, HEARTH_E_NOMEM, "out of memory");
    return R_ERR;
}

/* Error about one line, quoted (cut to 80 bytes). */
static enum res fail_line(struct lp *p, const char *what, struct sp l)
{
    int n = (int)(l.n > 80 ? 80 : l.n);

    p->err = HEARTH_E_CORRUPT;
    hearth_errmsg_set(p->em, HEARTH_E_CORRUPT, "parsing profile: %s: \"%.*s%s\"", what, n, l.p,
                      l.n > 80 ? "..." : "");
    return R_ERR;
}

static bool grow(void *arrp, size_t *cap, size_t need, size_t sz)
{
    void **arr = arrp;
    size_t nc;
    void *np;

    if (need <= *cap)
        return true;
    nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / sz)
            return false;
        nc *= 2;
    }
    np = realloc(*arr, nc * sz);
    if (!np)
        return false;
    *arr = np;
    *cap = nc;
    return true;
}

static struct sp sp_of(const char *s)
{
    struct sp r = {s, strlen(s)};
    return r;
}

static bool prefix(struct sp s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool contains(struct sp s, const char *lit)
{
    size_t n = strlen(lit), i;

    if (n == 0)
        return true;
    for (i = 0; i + n <= s.n; i++)
        if (s.p[i] == lit[0] && memcmp(s.p + i, lit, n) == 0)
            return true;
    return false;
}

static bool eq(struct sp s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Length of a Unicode White_Space rune (as Go's unicode.IsSpace) at s, or 0. */
static size_t space_fwd(const unsigned char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
        ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

static size_t space_back(const unsigned char *s, size_t n)
{
    size_t k;

    for (k = 1; k <= 3 && k <= n; k++)
        if (space_fwd(s + n - k, k) == k)
            return k;
    return 0;
}

/* Go's strings.TrimSpace. */
static struct sp trim(struct sp s)
{
    size_t k;

    while (s.n) {
        k = space_fwd((const unsigned char *)s.p, s.n);
        if (!k)
            break;
        s.p += k;
        s.n -= k;
    }
    while (s.n) {
        k = space_back((const unsigned char *)s.p, s.n);
        if (!k)
            break;
        s.n -= k;
    }
    return s;
}

static bool space_or_comment(struct sp l)
{
    l = trim(l);
    return l.n == 0 || l.p[0] == '#';
}

static bool mm_sentinel(struct sp l)
{
    return contains(l, "--- Memory map: ---") || contains(l, "MAPPED_LIBRARIES:");
}

/* Go's float64 -> int64 conversion on amd64: out of range (or NaN) gives INT64_MIN. */
static int64_t f2i(double d)
{
    if (!(d > -9223372036854775808.0 - 1025.0) || !(d < 9223372036854775808.0))
        return INT64_MIN;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

static int64_t mul64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b); /* Go's wrapping multiply */
}

/* ---- numbers as strconv parses them ---- */

static int lower(int c)
{
    return c | 0x20;
}

static bool underscore_ok(struct sp s)
{
    char saw = '^';
    size_t i = 0;
    bool hex = false;

    if (s.n >= 1 && (s.p[0] == '-' || s.p[0] == '+')) {
        s.p++;
        s.n--;
    }
    if (s.n >= 2 && s.p[0] == '0' &&
        (lower(s.p[1]) == 'b' || lower(s.p[1]) == 'o' || lower(s.p[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s.p[1]) == 'x';
    }
    for (; i < s.n; i++) {
        int c = (unsigned char)s.p[i];
        if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

/* strconv.ParseUint(s, base, 64) for base 0, 10 or 16. */
static bool parse_u64(struct sp s, int base, uint64_t *out)
{
    struct sp s0 = s;
    bool base0 = base == 0, us = false;
    uint64_t v = 0;
    size_t i;

    if (s.n == 0)
        return false;
    if (base0) {
        base = 10;
        if (s.p[0] == '0') {
            if (s.n >= 3 && lower(s.p[1]) == 'b') {
                base = 2;
                s.p += 2;
                s.n -= 2;
            } else if (s.n >= 3 && lower(s.p[1]) == 'o') {
                base = 8;
                s.p += 2;
                s.n -= 2;
            } else if (s.n >= 3 && lower(s.p[1]) == 'x') {
                base = 16;
                s.p += 2;
                s.n -= 2;
            } else {
                base = 8;
                s.p += 1;
                s.n -= 1;
            }
        }
    }
    for (i = 0; i < s.n; i++) {
        int c = (unsigned char)s.p[i], d;
        if (c == '_' && base0) {
            us = true;
            continue;
        }
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (lower(c) >= 'a' && lower(c) <= 'z')
            d = lower(c) - 'a' + 10;
        else
            return false;
        if (d >= base)
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (us && !underscore_ok(s0))
        return false;
    *out = v;
    return true;
}

/* strconv.ParseInt(s, base, 64). */
static bool parse_i64(struct sp s, int base, int64_t *out)
{
    bool neg = false;
    uint64_t u;

    if (s.n == 0)
        return false;
    if (s.p[0] == '+' || s.p[0] == '-') {
        neg = s.p[0] == '-';
        s.p++;
        s.n--;
    }
    if (!parse_u64(s, base, &u))
        return false;
    if (!neg && u > (uint64_t)INT64_MAX)
        return false;
    if (neg && u > (uint64_t)INT64_MAX + 1)
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* ---- Go's bufio.Scanner with ScanLines ---- */

struct scan {
    const char *p, *end;
    struct sp tok; /* the current token (Text()); "" after the end */
    bool toolong;  /* the scanner's error: a line of 64 KiB or more */
};

static void scan_init(struct scan *s, const char *p, size_t n)
{
    s->p = p;
    s->end = p + n;
    s->tok = sp_of("");
    s->toolong = false;
}

static bool scan(struct scan *s)
{
    size_t rem, lim;
    const char *nl;

    s->tok = sp_of("");
    if (s->toolong || s->p >= s->end)
        return false;
    rem = (size_t)(s->end - s->p);
    lim = rem < HEARTH_LIMIT_LEGACY_LINE ? rem : HEARTH_LIMIT_LEGACY_LINE;
    nl = memchr(s->p, '\n', lim);
    if (nl) {
        s->tok.p = s->p;
        s->tok.n = (size_t)(nl - s->p);
        s->p = nl + 1;
    } else if (rem < HEARTH_LIMIT_LEGACY_LINE) {
        s->tok.p = s->p;
        s->tok.n = rem;
        s->p = s->end;
    } else {
        s->toolong = true;
        return false;
    }
    if (s->tok.n && s->tok.p[s->tok.n - 1] == '\r')
        s->tok.n--;
    return true;
}

static enum res scan_err(struct lp *p, struct scan *s)
{
    if (!s->toolong)
        return R_OK;
    p->err = HEARTH_E_TOO_LARGE;
    hearth_errmsg_set(p->em, HEARTH_E_TOO_LARGE,
                      "parsing profile: a line is longer than %d bytes (bufio.Scanner: token "
                      "too long)",
                      HEARTH_LIMIT_LEGACY_LINE - 1);
    return R_ERR;
}

/* ---- regex use ---- */

/*
 * The patterns are compiled once per process and kept: a compiled RE2 is
 * immutable and may be matched from any number of threads at once.
 */
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hearth_regex *rx_cache[RX_N];

/* Submatches of regex k on l; returns 1 match, 0 none, -1 error (p->err set). */
static int rx(struct lp *p, int k, struct sp l, struct sp *g, int ng)
{
    size_t off[MAXG], len[MAXG];
    int r, i;

    if (!p->rx[k]) {
        enum hearth_err e = HEARTH_OK;
        pthread_mutex_lock(&rx_lock);
        if (!rx_cache[k]) {
            struct hearth_limits dl = hearth_limits_default();
            e = hearth_regex_compile_capture(rx_src[k], &dl, "legacy format", &rx_cache[k], p->em);
        }
        p->rx[k] = rx_cache[k];
        pthread_mutex_unlock(&rx_lock);
        if (e) {
            p->err = e;
            return -1;
        }
    }
    r = hearth_regex_submatch(p->rx[k], l.p, l.n, ng, off, len);
    if (r < 0) {
        nomem(p);
        return -1;
    }
    for (i = 0; r == 1 && i < ng; i++) {
        if (off[i] == SIZE_MAX) {
            g[i] = sp_of("");
        } else {
            g[i].p = l.p + off[i];
            g[i].n = len[i];
        }
    }
    return r;
}

/*
 * Fast paths for the per-line patterns, matched at offset 0 of the line. A
 * match there is the leftmost one, and these patterns have a single way to
 * match from a given start, which these loops follow; when they fail the
 * caller asks RE2, so the result is always the regexp's.
 */
static size_t run(struct sp l, size_t i, const char *set)
{
    while (i < l.n && strchr(set, l.p[i]) && l.p[i])
        i++;
    return i;
}

#define DIGITS "0123456789"

static void grp(struct sp l, size_t a, size_t b, struct sp *g)
{
    g->p = l.p + a;
    g->n = b - a;
}

/* RX_HEAP_SAMPLE at offset 0. */
static bool heap_sample_fast(struct sp l, struct sp *g)
{
    size_t i = 0, a;
    int k;

    for (k = 1; k <= 2; k++) {
        a = i;
        if (i < l.n && l.p[i] == '-')
            i++;
        if (run(l, i, DIGITS) == i)
            return false;
        i = run(l, i, DIGITS);
        grp(l, a, i, &g[k]);
        if (k == 1) {
            if (i >= l.n || l.p[i] != ':')
                return false;
            i = run(l, i + 1, " ");
        }
    }
    i = run(l, i, " ");
    if (i >= l.n || l.p[i] != '[')
        return false;
    i = run(l, i + 1, " ");
    for (k = 3; k <= 4; k++) {
        a = i;
        i = run(l, i, DIGITS);
        if (i == a)
            return false;
        grp(l, a, i, &g[k]);
        if (k == 3) {
            if (i >= l.n || l.p[i] != ':')
                return false;
            i = run(l, i + 1, " ");
        }
    }
    i = run(l, i, " ");
    if (l.n - i < 3 || memcmp(l.p + i, "] @", 3) != 0)
        return false;
    a = i + 3;
    i = run(l, a, " x0123456789abcdef");
    grp(l, a, i, &g[5]);
    grp(l, 0, i, &g[0]);
    return true;
}

/* RX_CONT_SAMPLE at offset 0: (\d+) *(\d+) @([ x0-9a-f]*). */
static bool cont_sample_fast(struct sp l, struct sp *g)
{
    size_t j = run(l, 0, DIGITS), k, m, a;

    if (j == 0)
        return false;
    k = run(l, j, " ");
    m = run(l, k, DIGITS);
    if (k > j && m > k && l.n - m >= 2 && l.p[m] == ' ' && l.p[m + 1] == '@') {
        grp(l, 0, j, &g[1]); /* greedy first group, spaces, second group */
        grp(l, k, m, &g[2]);
    } else if (j >= 2 && l.n - j >= 2 && l.p[j] == ' ' && l.p[j + 1] == '@') {
        grp(l, 0, j - 1, &g[1]); /* the first group gives its last digit to the second */
        grp(l, j - 1, j, &g[2]);
        m = j;
    } else {
        return false;
    }
    a = m + 2;
    m = run(l, a, " x0123456789abcdef");
    grp(l, a, m, &g[3]);
    grp(l, 0, m, &g[0]);
    return true;
}

/* RX_COUNT (anchored at both ends): 1 match, 0 none. */
static int count_line(struct sp l, struct sp *g)
{
    size_t j = run(l, 0, DIGITS), i, a;

    if (j == 0 || l.n - j < 2 || l.p[j] != ' ' || l.p[j + 1] != '@')
        return 0;
    a = i = j + 2;
    if (i == l.n)
        return 0;
    while (i < l.n) {
        size_t h;
        if (l.n - i < 4 || memcmp(l.p + i, " 0x", 3) != 0)
            return 0;
        h = run(l, i + 3, "0123456789abcdef");
        if (h == i + 3)
            return 0;
        i = h;
    }
    grp(l, 0, j, &g[1]);
    grp(l, a, l.n, &g[2]);
    grp(l, 0, l.n, &g[0]);
    return 1;
}

/* Go's regexp FindAllString(`0x[0-9a-f]+`) then ParseUint(s, 0, 64) each. */
static enum res hex_addrs(struct lp *p, struct sp s, struct sp line, uint64_t **a, size_t *na,
                          size_t *cap)
{
    size_t i = 0;

    *na = 0;
    while (i + 2 < s.n) {
        size_t j;
        uint64_t v;
        struct sp h;
        if (!(s.p[i] == '0' && s.p[i + 1] == 'x' &&
              ((s.p[i + 2] >= '0' && s.p[i + 2] <= '9') ||
               (s.p[i + 2] >= 'a' && s.p[i + 2] <= 'f')))) {
            i++;
            continue;
        }
        for (j = i + 2;
             j < s.n && ((s.p[j] >= '0' && s.p[j] <= '9') || (s.p[j] >= 'a' && s.p[j] <= 'f')); j++)
            ;
        h.p = s.p + i;
        h.n = j - i;
        if (!parse_u64(h, 0, &v))
            return fail_line(p, "malformed sample (an address is not a 64-bit number)", line);
        if (*na >= p->lim->max_depth) {
            p->err = HEARTH_E_TOO_LARGE;
            hearth_errmsg_set(p->em, HEARTH_E_TOO_LARGE,
                              "a sample has more than %zu frames (limit max_depth)",
                              p->lim->max_depth);
            return R_ERR;
        }
        if (!grow(a, cap, *na + 1, sizeof(**a)))
            return nomem(p);
        (*a)[(*na)++] = v;
        i = j;
    }
    return R_OK;
}

/* ---- the model ---- */

static bool set_types(struct lp *p, int n, const char *const *tu)
{
    int i;

    p->ntypes = n;
    for (i = 0; i < n; i++) {
        p->tname[i] = sp_of(tu[2 * i]);
        p->tunit[i] = sp_of(tu[2 * i + 1]);
    }
    return true;
}

/* The location for addr (deduplicated per reader), or HEARTH_NONE on error. */
static uint32_t loc_for(struct lp *p, uint64_t addr)
{
    uint32_t i = hearth_u64map_get(&p->byaddr, addr);
    int r;

    if (i != HEARTH_NONE)
        return i;
    if (p->nloc >= p->lim->max_locations) {
        p->err = HEARTH_E_TOO_LARGE;
        hearth_errmsg_set(p->em, HEARTH_E_TOO_LARGE, "too many locations (limit max_locations)");
        return HEARTH_NONE;
    }
    if (!grow(&p->loc, &p->loccap, p->nloc + 1, sizeof(*p->loc))) {
        nomem(p);
        return HEARTH_NONE;
    }
    i = (uint32_t)p->nloc;
    p->loc[i].addr = addr;
    p->loc[i].map = HEARTH_NONE;
    p->loc[i].fn = HEARTH_NONE;
    p->loc[i].line = 0;
    p->loc[i].id = 0;
    r = hearth_u64map_put(&p->byaddr, addr, i, NULL);
    if (r < 0) {
        nomem(p);
        return HEARTH_NONE;
    }
    p->nloc++;
    return i;
}

/*
 * Append a sample with values v[0..ntypes) and the frames at addrs,
 * adjusted by -1 from index `adjust_from` on (SIZE_MAX: never).
 */
static enum res add_sample(struct lp *p, const int64_t *v, const uint64_t *addrs, size_t na,
                           size_t adjust_from, bool has_bytes, int64_t bytes)
{
    size_t k, s = p->ns;

    if (s >= p->lim->max_samples)
        return fail(p, HEARTH_E_TOO_LARGE, "too many samples (limit max_samples)");
    if (na > p->lim->max_depth || na > p->lim->max_frames - p->nfr)
        return fail(p, HEARTH_E_TOO_LARGE, "too many frames (limits max_depth, max_frames)");
    if (!grow(&p->fr, &p->frcap, p->nfr + na, sizeof(*p->fr)))
        return nomem(p);
    if (s >= p->scap) {
        size_t nc = p->scap ? p->scap * 2 : 256, c;
        void *a;
        c = p->scap;
        a = realloc(p->val, nc * 4 * sizeof(int64_t));
        if (!a)
            return nomem(p);
        p->val = a;
        c = p->scap;
        if (!grow(&p->soff, &c, nc, sizeof(uint32_t)))
            return nomem(p);
        c = p->scap;
        if (!grow(&p->slen, &c, nc, sizeof(uint32_t)))
            return nomem(p);
        c = p->scap;
        if (!grow(&p->sbytes, &c, nc, sizeof(int64_t)))
            return nomem(p);
        c = p->scap;
        if (!grow(&p->shas, &c, nc, 1))
            return nomem(p);
        p->scap = nc;
    }
    p->soff[s] = (uint32_t)p->nfr;
    p->slen[s] = (uint32_t)na;
    for (k = 0; k < na; k++) {
        uint64_t a = addrs[k];
        uint32_t li;
        if (k >= adjust_from)
            a--;
        li = loc_for(p, a);
        if (li == HEARTH_NONE)
            return R_ERR;
        p->fr[p->nfr++] = li;
    }
    memcpy(p->val + s * 4, v, (size_t)p->ntypes * sizeof(int64_t));
    p->shas[s] = has_bytes ? 1 : 0;
    p->sbytes[s] = bytes;
    p->ns++;
    return R_OK;
}

/* Remove frame 1 of sample s. */
static void drop_frame1(struct lp *p, size_t s)
{
    uint32_t *f = p->fr + p->soff[s];
    memmove(f + 1, f + 2, (p->slen[s] - 2) * sizeof(uint32_t));
    p->slen[s]--;
}

/* pprof's remapLocationIDs: keep the locations samples use, numbered by first use. */
static void remap_locations(struct lp *p)
{
    size_t s, k;
    uint32_t next = 1;

    for (k = 0; k < p->nloc; k++)
        p->loc[k].id = 0;
    for (s = 0; s < p->ns; s++)
        for (k = 0; k < p->slen[s]; k++) {
            struct loc *l = &p->loc[p->fr[p->soff[s] + k]];
            if (!l->id)
                l->id = next++;
        }
}

/* The used locations in id order (pprof's p.Location after remapping). */
static uint32_t *used_locations(struct lp *p, size_t *n)
{
    uint32_t *o;
    size_t k, m = 0;

    for (k = 0; k < p->nloc; k++)
        if (p->loc[k].id)
            m++;
    o = malloc((m ? m : 1) * sizeof(*o));
    if (!o)
        return NULL;
    for (k = 0; k < p->nloc; k++)
        if (p->loc[k].id)
            o[p->loc[k].id - 1] = (uint32_t)k;
    *n = m;
    return o;
}

static enum res add_mapping(struct lp *p, const struct map *m)
{
    if (p->nmap >= p->lim->max_mappings)
        return fail(p, HEARTH_E_TOO_LARGE, "too many mappings (limit max_mappings)");
    if (!grow(&p->map, &p->mapcap, p->nmap + 1, sizeof(*p->map)))
        return nomem(p);
    p->map[p->nmap++] = *m;
    return R_OK;
}

/* pprof's remapMappingIDs over the used locations. */
static enum res remap_mappings(struct lp *p)
{
    size_t nu = 0, k, j;
    uint32_t *u, fake = HEARTH_NONE;

    if (p->nmap > 0 && prefix(p->map[0].file, "/anon_hugepage") && p->nmap > 1 &&
        p->map[0].limit == p->map[1].start) {
        memmove(p->map, p->map + 1, (p->nmap - 1) * sizeof(*p->map));
        p->nmap--;
    }
    if (p->nmap > 0 && p->map[0].start - p->map[0].offset == 0x400000) {
        p->map[0].start = 0x400000;
        p->map[0].offset = 0;
    }
    u = used_locations(p, &nu);
    if (!u)
        return nomem(p);
    for (k = 0; k < nu; k++) {
        struct loc *l = &p->loc[u[k]];
        uint64_t a = l->addr;
        if (l->map != HEARTH_NONE || a == 0)
            continue;
        for (j = 0; j < p->nmap; j++)
            if (p->map[j].start <= a && a < p->map[j].limit)
                break;
        if (j < p->nmap) {
            l->map = (uint32_t)j;
            continue;
        }
        for (j = 0; j < p->nmap; j++) {
            struct map *m = &p->map[j];
            if (m->offset != 0 && m->start - m->offset <= a && a < m->start) {
                m->start -= m->offset;
                m->offset = 0;
                break;
            }
        }
        if (j < p->nmap) {
            l->map = (uint32_t)j;
            continue;
        }
        if (fake == HEARTH_NONE) {
            struct map fm = {0, UINT64_MAX, 0, {"", 0}, {"", 0}};
            if (add_mapping(p, &fm)) {
                free(u);
                return R_ERR;
            }
            fake = (uint32_t)(p->nmap - 1);
        }
        l->map = fake;
    }
    free(u);
    return R_OK;
}

static bool adjacent(const struct map *a, const struct map *b)
{
    if (a->file.n && b->file.n &&
        !(a->file.n == b->file.n && !memcmp(a->file.p, b->file.p, a->file.n)))
        return false;
    if (a->build.n && b->build.n &&
        !(a->build.n == b->build.n && !memcmp(a->build.p, b->build.p, a->build.n)))
        return false;
    if (a->limit != b->start)
        return false;
    if (a->offset != 0 && b->offset != 0 && a->offset + (a->limit - a->start) != b->offset)
        return false;
    return true;
}

/* pprof's massageMappings (no location has a mapping yet when it runs here). */
static enum res massage_mappings(struct lp *p)
{
    size_t i, w;

    if (p->nmap > 1) {
        for (w = 0, i = 1; i < p->nmap; i++) {
            struct map *lm = &p->map[w], *m = &p->map[i];
            if (adjacent(lm, m)) {
                lm->limit = m->limit;
                if (m->file.n)
                    lm->file = m->file;
                if (m->build.n)
                    lm->build = m->build;
                continue;
            }
            p->map[++w] = *m;
        }
        p->nmap = w + 1;
    }
    for (i = 0; i < p->nmap; i++) {
        struct sp f = p->map[i].file;
        char *buf;
        size_t k, n = 0;
        struct sp t;
        struct sp g[2];
        int r;
        /* strings.Replace(file, "(deleted)", "", -1), then TrimSpace */
        buf = hearth_arena_alloc(&p->ar, f.n + 1);
        if (!buf)
            return nomem(p);
        for (k = 0; k < f.n;) {
            if (f.n - k >= 9 && !memcmp(f.p + k, "(deleted)", 9)) {
                k += 9;
                continue;
            }
            buf[n++] = f.p[k++];
        }
        t.p = buf;
        t.n = n;
        t = trim(t);
        if (t.n == 0)
            continue;
        r = rx(p, RX_LIB, t, g, 2);
        if (r < 0)
            return R_ERR;
        if (r == 1)
            continue;
        if (t.p[0] == '[')
            continue;
        {
            struct map tmp = p->map[0];
            p->map[0] = p->map[i];
            p->map[i] = tmp;
        }
        break;
    }
    return R_OK;
}

/* One /proc/maps-like line: R_OK with *got, R_UNRECOGNIZED, or R_ERR. */
static enum res mapping_entry(struct lp *p, struct sp l, struct map *m, bool *got)
{
    struct sp g[7], start, end, perm, file, off, build = {"", 0};
    int r;

    *got = false;
    r = rx(p, RX_PROCMAPS, l, g, 6);
    if (r < 0)
        return R_ERR;
    if (r == 1) {
        start = g[1];
        end = g[2];
        perm = g[3];
        off = g[4];
        file = g[5];
    } else {
        r = rx(p, RX_BRIEFMAPS, l, g, 7);
        if (r < 0)
            return R_ERR;
        if (r == 0)
            return R_UNRECOGNIZED;
        start = g[1];
        end = g[2];
        perm = g[3];
        file = g[4];
        off = g[5];
        build = g[6];
    }
    memset(m, 0, sizeof(*m));
    m->file = file;
    m->build = build;
    if (perm.n && !contains(perm, "x"))
        return R_OK;
    if (!parse_u64(start, 16, &m->start) || !parse_u64(end, 16, &m->limit))
        return R_UNRECOGNIZED;
    if (off.n && !parse_u64(off, 16, &m->offset))
        return R_UNRECOGNIZED;
    *got = true;
    return R_OK;
}

/*
 * strings.NewReplacer(attrs...).Replace(l): at each byte the first old
 * string (in argument order) that matches wins. Every old string starts
 * with '$', so only those bytes are tried. The result lives in *b.
 */
static struct sp replace_attrs(struct sp l, const struct sp *attrs, size_t na, struct hearth_buf *b)
{
    size_t i = 0, k;
    struct sp out = {NULL, 0};

    if (na == 0)
        return l;
    hearth_buf_reset(b);
    hearth_buf_grow(b, l.n + 1);
    while (i < l.n) {
        k = na;
        if (l.p[i] == '$')
            for (k = 0; k + 1 < na; k += 2)
                if (l.n - i >= attrs[k].n && !memcmp(l.p + i, attrs[k].p, attrs[k].n))
                    break;
        if (k + 1 < na) {
            hearth_buf_add(b, attrs[k + 1].p, attrs[k + 1].n);
            i += attrs[k].n;
        } else {
            hearth_buf_addch(b, l.p[i++]);
        }
    }
    if (b->fail)
        return out;
    out.p = b->ptr ? b->ptr : "";
    out.n = b->len;
    return out;
}

/* pprof's ParseMemoryMapFromScanner: the rest of s as /proc/maps lines, then renumbering. */
static enum res parse_memory_map(struct lp *p, struct scan *s)
{
    struct sp attrs[2 * HEARTH_LIMIT_LEGACY_ATTRS];
    size_t na = 0;
    enum res r = R_OK;
    struct hearth_buf lb;

    hearth_buf_init(&lb, (size_t)HEARTH_LIMIT_LEGACY_LINE * 16);
    while (scan(s)) {
        struct sp l = s->tok, g[2];
        struct map m;
        bool got;
        int x = rx(p, RX_LOGINFO, l, g, 1);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 1) {
            l.p += g[0].n;
            l.n -= g[0].n;
        }
        l = replace_attrs(l, attrs, na, &lb);
        if (!l.p) {
            r = fail(p, HEARTH_E_TOO_LARGE, "a memory map line grows too long");
            goto out;
        }
        r = mapping_entry(p, l, &m, &got);
        if (r == R_ERR)
            goto out;
        if (r == R_UNRECOGNIZED) {
            const char *eqp = memchr(l.p, '=', l.n);
            if (eqp) {
                struct sp k = {l.p, (size_t)(eqp - l.p)}, v;
                char *d;
                v.p = eqp + 1;
                v.n = l.n - k.n - 1;
                k = trim(k);
                v = trim(v);
                if (na >= 2 * HEARTH_LIMIT_LEGACY_ATTRS) {
                    r = fail(p, HEARTH_E_TOO_LARGE, "too many attr=value lines in the memory map");
                    goto out;
                }
                d = hearth_arena_alloc(&p->ar, k.n + v.n + 1);
                if (!d) {
                    r = nomem(p);
                    goto out;
                }
                d[0] = '$';
                memcpy(d + 1, k.p, k.n);
                memcpy(d + 1 + k.n, v.p, v.n);
                attrs[na].p = d;
                attrs[na].n = k.n + 1;
                attrs[na + 1].p = d + 1 + k.n;
                attrs[na + 1].n = v.n;
                na += 2;
            }
            r = R_OK;
            continue;
        }
        if (!got)
            continue;
        if (na) { /* the line lives in lb: keep copies */
            m.file.p = hearth_arena_strndup(&p->ar, m.file.p, m.file.n);
            m.build.p = hearth_arena_strndup(&p->ar, m.build.p, m.build.n);
            if (!m.file.p || !m.build.p) {
                r = nomem(p);
                goto out;
            }
        }
        r = add_mapping(p, &m);
        if (r)
            goto out;
    }
    r = scan_err(p, s);
    if (r)
        goto out;
    r = massage_mappings(p);
    if (r)
        goto out;
    remap_locations(p);
    r = remap_mappings(p);
out:
    hearth_buf_release(&lb);
    return r;
}

static enum res additional_sections(struct lp *p, struct scan *s)
{
    while (!mm_sentinel(s->tok) && scan(s))
        ;
    if (scan_err(p, s))
        return R_ERR;
    return parse_memory_map(p, s);
}

/* pprof's cleanupDuplicateLocations. */
static void cleanup_duplicates(struct lp *p)
{
    size_t s;

    for (s = 0; s < p->ns; s++) {
        uint32_t *f = p->fr + p->soff[s];
        if (p->slen[s] > 1 && p->loc[f[0]].addr == p->loc[f[1]].addr + 1)
            drop_frame1(p, s);
    }
}

/* ---- heap ---- */

static void scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
    double avg, scale;

    if (*count == 0 || *size == 0) {
        *count = 0;
        *size = 0;
        return;
    }
    if (rate <= 1)
        return;
    avg = (double)*size / (double)*count;
    scale = 1 / (1 - exp(-avg / (double)rate));
    *count = f2i((double)*count * scale);
    *size = f2i((double)*size * scale);
}

static int64_t div64(int64_t a, int64_t b)
{
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a); /* Go: INT64_MIN / -1 == INT64_MIN */
    return a / b;
}

static enum res heap_values(struct lp *p, struct sp line, struct sp cs, struct sp ss,
                            const char *label, bool v2, int64_t rate, int64_t *out, int *nout,
                            int64_t *blocksize)
{
    int64_t count, size;

    if (!parse_i64(cs, 10, &count) || !parse_i64(ss, 10, &size))
        return fail_line(p, "malformed sample", line);
    if (count == 0 && size != 0) {
        p->err = HEARTH_E_CORRUPT;
        hearth_errmsg_set(p->em, HEARTH_E_CORRUPT,
                          "parsing profile: %s count was 0 but %s bytes was %lld", label, label,
                          (long long)size);
        return R_ERR;
    }
    if (count != 0) {
        *blocksize = div64(size, count);
        if (v2)
            scale_heap(&count, &size, rate);
    }
    out[(*nout)++] = count;
    out[(*nout)++] = size;
    return R_OK;
}

static enum res parse_heap(struct lp *p, const char *b, size_t n)
{
    static const char *const t2[] = {"objects", "count", "space", "bytes"};
    static const char *const t4[] = {"alloc_objects", "count", "alloc_space", "bytes",
                                     "inuse_objects", "count", "inuse_space", "bytes"};
    struct scan s;
    struct sp g[MAXG], line;
    bool v2 = false, has_alloc = false;
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    enum res r = R_OK;
    int x;

    scan_init(&s, b, n);
    if (!scan(&s)) {
        if (scan_err(p, &s))
            return R_ERR;
        return R_UNRECOGNIZED;
    }
    line = s.tok;
    p->ptype = sp_of("space");
    p->punit = sp_of("bytes");
    x = rx(p, RX_HEAP_HEADER, line, g, 7);
    if (x < 0)
        return R_ERR;
    if (x == 1) {
        int64_t period = 0;
        if (g[6].n && !parse_i64(g[6], 10, &period))
            return R_UNRECOGNIZED;
        if ((!(g[3].n == g[1].n && !memcmp(g[3].p, g[1].p, g[1].n)) && !eq(g[3], "0")) ||
            (!(g[4].n == g[2].n && !memcmp(g[4].p, g[2].p, g[2].n)) && !eq(g[4], "0")))
            has_alloc = true;
        if (eq(g[5], "heapz_v2") || eq(g[5], "heap_v2")) {
            v2 = true;
            p->period = period;
            p->format = "gperftools heap profile (heap_v2)";
        } else if (eq(g[5], "heapprofile")) {
            p->period = 1;
            p->format = "gperftools heap profile (heapprofile)";
        } else if (eq(g[5], "heap")) {
            v2 = true;
            p->period = period / 2;
            p->format = "go heap text (?debug=1)";
        } else {
            return R_UNRECOGNIZED;
        }
    } else {
        x = rx(p, RX_GROWTH, line, g, 1);
        if (x < 0)
            return R_ERR;
        if (x == 1) {
            p->format = "gperftools growth profile";
        } else {
            x = rx(p, RX_FRAG, line, g, 1);
            if (x < 0)
                return R_ERR;
            if (x == 0)
                return R_UNRECOGNIZED;
            p->format = "gperftools fragmentation profile";
        }
        p->period = 1;
        has_alloc = false;
    }
    if (has_alloc)
        set_types(p, 4, t4);
    else
        set_types(p, 2, t2);

    while (scan(&s)) {
        int64_t v[4], blocksize = 0;
        int nv = 0;
        line = trim(s.tok);
        if (space_or_comment(line))
            continue;
        if (mm_sentinel(line))
            break;
        x = heap_sample_fast(line, g) ? 1 : rx(p, RX_HEAP_SAMPLE, line, g, 6);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 0) {
            r = fail_line(p, "unexpected heap sample line (got 0 values, want 6)", line);
            goto out;
        }
        if (has_alloc) {
            r = heap_values(p, line, g[3], g[4], "allocation", v2, p->period, v, &nv, &blocksize);
            if (r)
                goto out;
        }
        r = heap_values(p, line, g[1], g[2], "inuse", v2, p->period, v, &nv, &blocksize);
        if (r)
            goto out;
        r = hex_addrs(p, g[5], line, &addrs, &na, &acap);
        if (r)
            goto out;
        r = add_sample(p, v, addrs, na, 0, true, blocksize);
        if (r)
            goto out;
    }
    r = scan_err(p, &s);
    if (r)
        goto out;
    r = additional_sections(p, &s);
out:
    free(addrs);
    return r;
}

/* ---- Go count profiles (goroutine, threadcreate) ---- */

static enum res parse_go_count(struct lp *p, const char *b, size_t n)
{
    struct scan s;
    struct sp g[4];
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    enum res r = R_OK;
    int x;

    scan_init(&s, b, n);
    while (scan(&s) && space_or_comment(s.tok))
        ;
    if (scan_err(p, &s))
        return R_ERR;
    x = rx(p, RX_COUNT_START, s.tok, g, 2);
    if (x < 0)
        return R_ERR;
    if (x == 0)
        return R_UNRECOGNIZED;
    p->ptype = g[1];
    p->punit = sp_of("count");
    p->period = 1;
    p->ntypes = 1;
    p->tname[0] = g[1];
    p->tunit[0] = sp_of("count");
    if (eq(g[1], "goroutine"))
        p->format = "go goroutine text (?debug=1)";
    else if (eq(g[1], "threadcreate"))
        p->format = "go threadcreate text (?debug=1)";
    else
        p->format = "go count profile text (?debug=1)";
    while (scan(&s)) {
        struct sp line = s.tok;
        int64_t cnt;
        if (space_or_comment(line))
            continue;
        if (prefix(line, "---"))
            break;
        x = count_line(line, g);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 0 || !parse_i64(g[1], 0, &cnt)) {
            r = fail_line(p, "malformed profile format", line);
            goto out;
        }
        r = hex_addrs(p, g[2], line, &addrs, &na, &acap);
        if (r)
            goto out;
        r = add_sample(p, &cnt, addrs, na, 0, false, 0);
        if (r)
            goto out;
    }
    r = scan_err(p, &s);
    if (r)
        goto out;
    r = additional_sections(p, &s);
out:
    free(addrs);
    return r;
}

/* ---- gperftools threadz ---- */

static enum res parse_thread(struct lp *p, const char *b, size_t n)
{
    static const char *const tt[] = {"thread", "count"};
    struct scan s;
    struct sp g[4], line;
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    enum res r = R_OK;
    int x;

    scan_init(&s, b, n);
    while (scan(&s) && space_or_comment(s.tok))
        ;
    line = s.tok;
    x = rx(p, RX_THREADZ, line, g, 1);
    if (x < 0)
        return R_ERR;
    if (x == 1) {
        while (scan(&s)) {
            line = s.tok;
            if (mm_sentinel(line) || prefix(line, "-"))
                break;
        }
    } else {
        x = rx(p, RX_THREAD, line, g, 4);
        if (x < 0)
            return R_ERR;
        if (x == 0)
            return R_UNRECOGNIZED;
    }
    set_types(p, 1, tt);
    p->ptype = sp_of("thread");
    p->punit = sp_of("count");
    p->period = 1;
    p->format = "gperftools thread profile (threadz)";

    while (!mm_sentinel(line)) {
        bool same = false;
        int64_t one = 1;
        if (prefix(line, "---- no stack trace for"))
            break;
        x = rx(p, RX_THREAD, line, g, 4);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 0) {
            r = R_UNRECOGNIZED;
            goto out;
        }
        /* parseThreadSample */
        na = 0;
        line = sp_of("");
        while (scan(&s)) {
            uint64_t *more = NULL;
            size_t nm = 0, mc = 0, k;
            line = trim(s.tok);
            if (line.n == 0)
                continue;
            if (prefix(line, "---"))
                break;
            if (contains(line, "same as previous thread")) {
                same = true;
                continue;
            }
            r = hex_addrs(p, line, line, &more, &nm, &mc);
            if (!r && !grow(&addrs, &acap, na + nm, sizeof(*addrs)))
                r = nomem(p);
            if (!r && na + nm > p->lim->max_depth)
                r = fail(p, HEARTH_E_TOO_LARGE, "a stack has too many frames (max_depth)");
            for (k = 0; !r && k < nm; k++)
                addrs[na++] = more[k];
            free(more);
            if (r)
                goto out;
        }
        r = scan_err(p, &s);
        if (r)
            goto out;
        if (same)
            na = 0;
        if (na == 0) {
            if (p->ns > 0)
                p->val[(p->ns - 1) * 4] = (int64_t)((uint64_t)p->val[(p->ns - 1) * 4] + 1);
            continue;
        }
        r = add_sample(p, &one, addrs, na, 1, false, 0);
        if (r)
            goto out;
    }
    r = additional_sections(p, &s);
    if (r)
        goto out;
    cleanup_duplicates(p);
out:
    free(addrs);
    return r;
}

/* ---- contention (gperftools contentionz, Go mutex and block texts) ---- */

static enum res parse_contention(struct lp *p, const char *b, size_t n)
{
    static const char *const tt[] = {"contentions", "count", "delay", "nanoseconds"};
    struct scan s;
    struct sp g[4], first;
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    int64_t cpuhz = 0;
    enum res r = R_OK;
    int x;

    scan_init(&s, b, n);
    if (!scan(&s)) {
        if (scan_err(p, &s))
            return R_ERR;
        return R_UNRECOGNIZED;
    }
    first = s.tok;
    if (prefix(first, "--- contentionz "))
        p->format = "gperftools contention profile";
    else if (prefix(first, "--- mutex:"))
        p->format = "go mutex text (?debug=1)";
    else if (prefix(first, "--- contention:"))
        p->format = "go block text (?debug=1)";
    else
        return R_UNRECOGNIZED;
    p->ptype = sp_of("contentions");
    p->punit = sp_of("count");
    p->period = 1;
    set_types(p, 2, tt);

    while (scan(&s)) {
        struct sp line = trim(s.tok), key, val;
        const char *eqp;
        if (space_or_comment(line))
            continue;
        if (prefix(line, "---"))
            break;
        eqp = memchr(line.p, '=', line.n);
        if (!eqp)
            break;
        key.p = line.p;
        key.n = (size_t)(eqp - line.p);
        val.p = eqp + 1;
        val.n = line.n - key.n - 1;
        key = trim(key);
        val = trim(val);
        if (eq(key, "cycles/second")) {
            if (!parse_i64(val, 0, &cpuhz))
                return R_UNRECOGNIZED;
        } else if (eq(key, "sampling period")) {
            if (!parse_i64(val, 0, &p->period))
                return R_UNRECOGNIZED;
        } else if (eq(key, "ms since reset")) {
            int64_t ms;
            if (!parse_i64(val, 0, &ms))
                return R_UNRECOGNIZED;
            p->duration = mul64(mul64(ms, 1000), 1000);
        } else if (!eq(key, "discarded samples")) {
            return R_UNRECOGNIZED; /* including format and resolution: Java's */
        }
    }
    if (scan_err(p, &s))
        return R_ERR;
    for (;;) {
        struct sp line = trim(s.tok);
        if (prefix(line, "---"))
            break;
        if (!space_or_comment(line)) {
            int64_t v[2], v1, v2;
            x = cont_sample_fast(line, g) ? 1 : rx(p, RX_CONT_SAMPLE, line, g, 4);
            if (x < 0) {
                r = R_ERR;
                goto out;
            }
            if (x == 0) {
                r = R_UNRECOGNIZED;
                goto out;
            }
            if (!parse_i64(g[1], 10, &v1) || !parse_i64(g[2], 10, &v2)) {
                r = fail_line(p, "malformed sample", line);
                goto out;
            }
            if (p->period > 0) {
                if (cpuhz > 0) {
                    double ghz = (double)cpuhz / 1e9;
                    v1 = f2i((double)v1 * (double)p->period / ghz);
                }
                v2 = mul64(v2, p->period);
            }
            v[0] = v2;
            v[1] = v1;
            r = hex_addrs(p, g[3], line, &addrs, &na, &acap);
            if (r)
                goto out;
            r = add_sample(p, v, addrs, na, 0, false, 0);
            if (r)
                goto out;
        }
        if (!scan(&s))
            break;
    }
    r = scan_err(p, &s);
    if (r)
        goto out;
    r = additional_sections(p, &s);
out:
    free(addrs);
    return r;
}

/* ---- binary CPU profiles (gperftools; Java's with its symbol text) ---- */

struct words {
    const unsigned char *p;
    size_t n; /* bytes left */
    int w;    /* 4 or 8 */
    bool big;
    bool nil; /* Go's nil slice: a read ran out */
};

static uint64_t word(struct words *r)
{
    uint64_t v = 0;
    int i;

    if (r->nil || r->n < (size_t)r->w) {
        r->nil = true;
        r->n = 0;
        return 0;
    }
    for (i = 0; i < r->w; i++) {
        int k = r->big ? i : r->w - 1 - i;
        v = (v << 8) | r->p[k];
    }
    r->p += r->w;
    r->n -= (size_t)r->w;
    return v;
}

/* pprof's parseCPUSamples; *rest gets what follows the samples. */
static enum res cpu_samples(struct lp *p, struct words *r, bool adjust)
{
    uint64_t *addrs = NULL;
    size_t acap = 0;
    enum res res = R_OK;

    while (!r->nil && r->n > 0) {
        uint64_t count = word(r), nstk = word(r), k;
        int64_t v[2];
        if (r->nil || nstk > r->n / 4) {
            res = R_UNRECOGNIZED;
            goto out;
        }
        if (nstk > p->lim->max_depth) {
            res = fail(p, HEARTH_E_TOO_LARGE, "a stack has too many frames (limit max_depth)");
            goto out;
        }
        if (!grow(&addrs, &acap, (size_t)nstk + 1, sizeof(*addrs))) {
            res = nomem(p);
            goto out;
        }
        for (k = 0; k < nstk; k++)
            addrs[k] = word(r);
        if (count == 0 && nstk == 1 && addrs[0] == 0)
            break;
        v[0] = (int64_t)count;
        v[1] = mul64((int64_t)count, p->period);
        res = add_sample(p, v, addrs, (size_t)nstk, adjust ? 1 : SIZE_MAX, false, 0);
        if (res)
            goto out;
    }
out:
    free(addrs);
    return res;
}

static enum res java_locations(struct lp *p, const char *b, size_t n);
static enum res java_finish(struct lp *p);

static enum res cpu_profile(struct lp *p, struct words *r)
{
    static const char *const tt[] = {"samples", "count", "cpu", "nanoseconds"};
    size_t s, it;
    struct scan sc;
    enum res res;
    struct hearth_u64map cnt;

    p->ptype = sp_of("cpu");
    p->punit = sp_of("nanoseconds");
    set_types(p, 2, tt);
    res = cpu_samples(p, r, true);
    if (res)
        return res;
    /* pprof drops up to two signal-handler frames found in almost every sample */
    if (!hearth_u64map_init(&cnt, 64))
        return nomem(p);
    for (it = 0; it < 2; it++) {
        size_t margin = p->ns / 32;
        uint64_t hit = 0;
        bool found = false;
        uint32_t *counts = NULL;
        size_t ncounts = 0, ccap = 0;
        hearth_u64map_release(&cnt);
        if (!hearth_u64map_init(&cnt, 64))
            return nomem(p);
        for (s = 0; s < p->ns; s++) {
            uint64_t a;
            uint32_t slot, old;
            int pr;
            if (p->slen[s] <= 1)
                continue;
            a = p->loc[p->fr[p->soff[s] + 1]].addr;
            pr = hearth_u64map_put(&cnt, a, (uint32_t)ncounts, &old);
            if (pr < 0) {
                free(counts);
                hearth_u64map_release(&cnt);
                return nomem(p);
            }
            if (pr == 1) {
                if (!grow(&counts, &ccap, ncounts + 1, sizeof(*counts))) {
                    free(counts);
                    hearth_u64map_release(&cnt);
                    return nomem(p);
                }
                counts[ncounts++] = 0;
                slot = (uint32_t)(ncounts - 1);
            } else {
                slot = old;
            }
            counts[slot]++;
            if (!found && counts[slot] >= p->ns - margin) {
                found = true;
                hit = a;
            }
        }
        free(counts);
        if (found) {
            for (s = 0; s < p->ns; s++)
                if (p->slen[s] > 1 && p->loc[p->fr[p->soff[s] + 1]].addr == hit)
                    drop_frame1(p, s);
        }
    }
    hearth_u64map_release(&cnt);
    scan_init(&sc, (const char *)r->p, r->n);
    res = parse_memory_map(p, &sc);
    if (res)
        return res;
    cleanup_duplicates(p);
    return R_OK;
}

static enum res parse_cpu(struct lp *p, const unsigned char *b, size_t n)
{
    static const int ws[4] = {4, 4, 8, 8};
    static const bool bigs[4] = {false, true, false, true};
    int i;

    for (i = 0; i < 4; i++) {
        struct words r = {b, n, ws[i], bigs[i], false};
        uint64_t n1 = word(&r), n2 = word(&r), n3 = word(&r), n4 = word(&r), n5 = word(&r);
        if (r.nil || n1 != 0 || n2 != 3 || n4 == 0 || n5 != 0 || (n3 != 0 && n3 != 1))
            continue;
        p->period = mul64((int64_t)n4, 1000);
        if (n3 == 0) {
            p->format = "gperftools CPU profile (binary)";
            return cpu_profile(p, &r);
        }
        {
            static const char *const tt[] = {"samples", "count", "cpu", "nanoseconds"};
            enum res res;
            p->format = "java CPU profile (binary)";
            p->ptype = sp_of("cpu");
            p->punit = sp_of("nanoseconds");
            set_types(p, 2, tt);
            res = cpu_samples(p, &r, false);
            if (res)
                return res;
            res = java_locations(p, (const char *)r.p, r.n);
            if (res)
                return res;
            return java_finish(p);
        }
    }
    return R_UNRECOGNIZED;
}

/* ---- Java heapz / contentionz ---- */

/* Next '\n'-terminated line of b (bytes.IndexByte loop); false if none. */
static bool nl_line(const char **b, size_t *n, struct sp *line)
{
    const char *nl = memchr(*b, '\n', *n);
    if (!nl)
        return false;
    line->p = *b;
    line->n = (size_t)(nl - *b);
    return true;
}

static void nl_skip(const char **b, size_t *n, struct sp line)
{
    *n -= line.n + 1;
    *b += line.n + 1;
}

static enum res java_header(struct lp *p, bool heap, const char **b, size_t *n)
{
    struct sp line, g[3];
    int x;

    while (nl_line(b, n, &line)) {
        struct sp raw = line;
        line = trim(line);
        if (line.n) {
            struct sp a, v;
            x = rx(p, RX_ATTR, line, g, 3);
            if (x < 0)
                return R_ERR;
            if (x == 0)
                return R_OK;
            a = trim(g[1]);
            v = trim(g[2]);
            if (eq(a, "format")) {
                if (!eq(v, "java"))
                    return R_UNRECOGNIZED;
            } else if (eq(a, "resolution")) {
                p->ntypes = 2;
                p->tname[0] = sp_of(heap ? "inuse_objects" : "contentions");
                p->tunit[0] = sp_of("count");
                p->tname[1] = sp_of(heap ? "inuse_space" : "delay");
                p->tunit[1] = v;
            } else if (!heap && eq(a, "sampling period")) {
                p->ptype = sp_of("contentions");
                p->punit = sp_of("count");
                if (!parse_i64(v, 0, &p->period))
                    return fail_line(p, "failed to parse attribute", line);
            } else if (!heap && eq(a, "ms since reset")) {
                int64_t ms;
                if (!parse_i64(v, 0, &ms))
                    return fail_line(p, "failed to parse attribute", line);
                p->duration = mul64(mul64(ms, 1000), 1000);
            } else {
                return R_UNRECOGNIZED;
            }
        }
        nl_skip(b, n, raw);
    }
    return R_OK;
}

static enum res java_samples(struct lp *p, bool heap, const char **b, size_t *n)
{
    struct sp line, g[4];
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    enum res r = R_OK;
    int x;

    while (nl_line(b, n, &line)) {
        struct sp raw = line;
        line = trim(line);
        if (line.n) {
            int64_t v[2];
            bool has = false;
            int64_t bytes = 0;
            x = rx(p, RX_JSAMPLE, line, g, 4);
            if (x < 0) {
                r = R_ERR;
                goto out;
            }
            if (x == 0)
                goto out;
            r = hex_addrs(p, g[3], line, &addrs, &na, &acap);
            if (r)
                goto out;
            if (!parse_i64(g[2], 0, &v[0]) || !parse_i64(g[1], 0, &v[1])) {
                r = fail_line(p, "parsing sample", line);
                goto out;
            }
            if (heap) {
                if (v[0] == 0) {
                    r = fail_line(p, "parsing sample: second value must be non-zero", line);
                    goto out;
                }
                has = true;
                bytes = div64(v[1], v[0]);
                scale_heap(&v[0], &v[1], 524288);
            } else if (p->period != 0) {
                v[0] = mul64(v[0], p->period);
                v[1] = mul64(v[1], p->period);
            }
            if (p->ntypes != 2) {
                r = fail(p, HEARTH_E_CORRUPT,
                         "malformed profile: a sample has 2 values but the header names no "
                         "resolution");
                goto out;
            }
            r = add_sample(p, v, addrs, na, SIZE_MAX, has, bytes);
            if (r)
                goto out;
        }
        nl_skip(b, n, raw);
    }
out:
    free(addrs);
    return r;
}

/* filepath.Base */
static struct sp path_base(struct sp s)
{
    size_t i;

    if (s.n == 0)
        return sp_of(".");
    while (s.n > 0 && s.p[s.n - 1] == '/')
        s.n--;
    if (s.n == 0)
        return sp_of("/");
    for (i = s.n; i > 0 && s.p[i - 1] != '/'; i--)
        ;
    s.p += i;
    s.n -= i;
    return s;
}

/* pprof's parseJavaLocations: symbols for the addresses samples use. */
static enum res java_locations(struct lp *p, const char *b, size_t n)
{
    struct hearth_intern names;
    struct hearth_arena nar;
    enum res r = R_OK;

    /* bytes.Buffer.ReadString: no line cap; reuse the scanner without its limit */
    hearth_arena_init(&nar, 4096, 0);
    hearth_intern_init(&names, &nar, p->lim->max_functions);
    while (n > 0) {
        const char *nl = memchr(b, '\n', n);
        struct sp line = {b, nl ? (size_t)(nl - b) : n}, g[4], fl[4], fname, ffile = {"", 0};
        uint64_t addr;
        uint32_t li, fi;
        int64_t lineno = 0;
        int x;
        b += line.n + (nl ? 1 : 0);
        n -= line.n + (nl ? 1 : 0);
        line = trim(line);
        if (line.n == 0)
            continue;
        x = rx(p, RX_JLOC, line, g, 3);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 0)
            continue;
        if (!parse_u64(g[1], 16, &addr)) {
            r = fail_line(p, "parsing sample (bad address)", line);
            goto out;
        }
        li = hearth_u64map_get(&p->byaddr, addr);
        if (li == HEARTH_NONE)
            continue;
        x = rx(p, RX_JFILELINE, g[2], fl, 4);
        if (x < 0) {
            r = R_ERR;
            goto out;
        }
        if (x == 1) {
            int64_t v;
            fname = fl[1];
            ffile = fl[2];
            if (parse_i64(fl[3], 10, &v) && v > 0)
                lineno = v;
        } else {
            x = rx(p, RX_JPATH, g[2], fl, 3);
            if (x < 0) {
                r = R_ERR;
                goto out;
            }
            if (x == 1) {
                fname = fl[1];
                ffile = path_base(fl[2]);
            } else if (contains(g[2], "generated stub/JIT")) {
                fname = sp_of("STUB");
            } else {
                fname = g[2];
            }
        }
        fi = hearth_intern_find(&names, fname.p, fname.n);
        if (fi == HEARTH_NONE) {
            if (!grow(&p->fn, &p->fncap, p->nfn + 1, sizeof(*p->fn))) {
                r = nomem(p);
                goto out;
            }
            fi = hearth_intern_add(&names, fname.p, fname.n);
            if (fi == HEARTH_NONE || fi != p->nfn) {
                r = fail(p, HEARTH_E_TOO_LARGE, "too many functions (limit max_functions)");
                goto out;
            }
            p->fn[p->nfn].name = fname;
            p->fn[p->nfn].file = ffile;
            p->nfn++;
        }
        p->loc[li].fn = fi;
        p->loc[li].line = lineno;
        p->loc[li].addr = 0;
    }
    remap_locations(p);
    r = remap_mappings(p);
out:
    hearth_intern_release(&names);
    hearth_arena_release(&nar);
    return r;
}

/* Aggregate(..., address=false): every address goes. */
static enum res java_finish(struct lp *p)
{
    size_t k;

    for (k = 0; k < p->nloc; k++)
        p->loc[k].addr = 0;
    return R_OK;
}

static enum res parse_java(struct lp *p, const char *b, size_t n)
{
    const char *nl = memchr(b, '\n', n);
    struct sp h;
    bool heap;
    enum res r;

    if (!nl)
        return R_UNRECOGNIZED;
    h.p = b;
    h.n = (size_t)(nl - b);
    h = trim(h);
    if (eq(h, "--- heapz 1 ---"))
        heap = true;
    else if (eq(h, "--- contentionz 1 ---"))
        heap = false;
    else
        return R_UNRECOGNIZED;
    p->format = heap ? "java heapz profile" : "java contentionz profile";
    n -= (size_t)(nl - b) + 1;
    b = nl + 1;
    r = java_header(p, heap, &b, &n);
    if (r)
        return r;
    r = java_samples(p, heap, &b, &n);
    if (r)
        return r;
    r = java_locations(p, b, n);
    if (r)
        return r;
    return java_finish(p);
}

/* ---- drop_frames as pprof's addLegacyFrameInfo ---- */

static const char alloc_rx[] =
    "calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|"
    "tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|"
    "tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|tc_new_nothrow|"
    "tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|"
    "malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|runtime\\..*|BaseArena::.*|"
    "(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|DoSampledAllocation|"
    "MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|"
    "__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|__libc_malloc|"
    "__malloc_alloc_template::allocate|allocate|cpp_alloc|operator new(\\[\\])?|"
    "simple_alloc::allocate";

static const char lock_rx[] =
    "RecordLockProfileData|(base::)?RecordLockProfileData.*|(base::)?SubmitMutexProfileData.*|"
    "(base::)?SubmitSpinLockProfileData.*|(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|"
    "(base::Mutex::)?UnlockSlow.*|(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|"
    "(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|"
    "(MutexLock::)?~MutexLock.*|(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|"
    "(SpinLockHolder::)?~SpinLockHolder.*";

static const char cpu_rx[] =
    "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|"
    "__restore";

static bool types_are(const struct lp *p, int n, const char *const *names)
{
    int i;

    if (p->ntypes != n)
        return false;
    for (i = 0; i < n; i++)
        if (!eq(p->tname[i], names[i]))
            return false;
    return true;
}

static void frame_info(struct lp *p)
{
    static const char *const h1[] = {"allocations", "size"}, *const h2[] = {"objects", "space"},
                             *const h3[] = {"inuse_objects", "inuse_space"},
                             *const h4[] = {"alloc_objects", "alloc_space"},
                             *const h5[] = {"alloc_objects", "alloc_space", "inuse_objects",
                                            "inuse_space"},
                             *const c1[] = {"contentions", "delay"};

    if (types_are(p, 2, h1) || types_are(p, 2, h2) || types_are(p, 2, h3) || types_are(p, 2, h4) ||
        types_are(p, 4, h5)) {
        p->drop = alloc_rx;
        p->keep = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";
    } else if (types_are(p, 2, c1)) {
        p->drop = lock_rx;
        p->keep = "";
    } else {
        p->drop = cpu_rx;
        p->keep = "";
    }
}

/* ---- profile.proto writer ---- */

struct pw {
    struct hearth_buf b;
    uint64_t nstr;
};

static void pw_varint(struct hearth_buf *b, uint64_t v)
{
    unsigned char t[10];
    int n = 0;

    do {
        t[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        n++;
    } while (v);
    hearth_buf_add(b, t, (size_t)n);
}

static void pw_key(struct hearth_buf *b, uint32_t field, int wt)
{
    pw_varint(b, ((uint64_t)field << 3) | (uint64_t)wt);
}

static void pw_uint(struct hearth_buf *b, uint32_t field, uint64_t v)
{
    if (!v)
        return;
    pw_key(b, field, 0);
    pw_varint(b, v);
}

static void pw_bytes(struct hearth_buf *b, uint32_t field, const void *p, size_t n)
{
    pw_key(b, field, 2);
    pw_varint(b, n);
    hearth_buf_add(b, p, n);
}

/* Append a string to the table; returns its index (0 for ""). */
static uint64_t pw_str(struct pw *w, struct sp s)
{
    if (s.n == 0)
        return 0;
    pw_bytes(&w->b, 6, s.p, s.n);
    return ++w->nstr;
}

/* Write src as a length-delimited field of dst, then empty src. */
static void pw_msg_into(struct hearth_buf *dst, uint32_t field, struct hearth_buf *src)
{
    pw_bytes(dst, field, src->ptr ? src->ptr : "", src->len);
    hearth_buf_reset(src);
}

static void pw_msg(struct pw *w, uint32_t field, struct hearth_buf *m)
{
    pw_bytes(&w->b, field, m->ptr ? m->ptr : "", m->len);
    hearth_buf_reset(m);
}

static enum res write_proto(struct lp *p, unsigned char **out, size_t *outlen)
{
    struct pw w;
    struct hearth_buf m, pk;
    size_t k, s, nu = 0;
    uint32_t *u = NULL;
    uint64_t bytes_key = 0;
    enum res r = R_OK;
    int t;

    hearth_buf_init(&w.b, p->lim->max_model);
    hearth_buf_init(&m, p->lim->max_model);
    hearth_buf_init(&pk, p->lim->max_model);
    w.nstr = 0;
    pw_bytes(&w.b, 6, "", 0);
    for (t = 0; t < p->ntypes; t++) {
        uint64_t a = pw_str(&w, p->tname[t]), b = pw_str(&w, p->tunit[t]);
        pw_uint(&m, 1, a);
        pw_uint(&m, 2, b);
        pw_msg(&w, 1, &m);
    }
    {
        uint64_t a = pw_str(&w, p->ptype), b = pw_str(&w, p->punit);
        pw_uint(&m, 1, a);
        pw_uint(&m, 2, b);
        pw_msg(&w, 11, &m);
    }
    pw_uint(&w.b, 12, (uint64_t)p->period);
    pw_uint(&w.b, 10, (uint64_t)p->duration);
    pw_uint(&w.b, 7, pw_str(&w, sp_of(p->drop)));
    pw_uint(&w.b, 8, pw_str(&w, sp_of(p->keep)));
    for (s = 0; s < p->ns; s++) {
        for (k = 0; k < p->slen[s]; k++)
            pw_varint(&pk, p->loc[p->fr[p->soff[s] + k]].id);
        if (pk.len)
            pw_msg_into(&m, 1, &pk);
        for (t = 0; t < p->ntypes; t++)
            pw_varint(&pk, (uint64_t)p->val[s * 4 + (size_t)t]);
        if (pk.len)
            pw_msg_into(&m, 2, &pk);
        if (p->shas[s]) {
            struct hearth_buf lb;
            if (!bytes_key)
                bytes_key = pw_str(&w, sp_of("bytes"));
            hearth_buf_init(&lb, 64);
            pw_uint(&lb, 1, bytes_key);
            pw_uint(&lb, 3, (uint64_t)p->sbytes[s]);
            pw_bytes(&m, 3, lb.ptr ? lb.ptr : "", lb.len);
            hearth_buf_release(&lb);
        }
        pw_msg(&w, 2, &m);
    }
    for (k = 0; k < p->nmap; k++) {
        uint64_t f = pw_str(&w, p->map[k].file), bi = pw_str(&w, p->map[k].build);
        pw_uint(&m, 1, k + 1);
        pw_uint(&m, 2, p->map[k].start);
        pw_uint(&m, 3, p->map[k].limit);
        pw_uint(&m, 4, p->map[k].offset);
        pw_uint(&m, 5, f);
        pw_uint(&m, 6, bi);
        pw_msg(&w, 3, &m);
    }
    u = used_locations(p, &nu);
    if (!u) {
        r = nomem(p);
        goto out;
    }
    for (k = 0; k < nu; k++) {
        const struct loc *l = &p->loc[u[k]];
        pw_uint(&m, 1, k + 1);
        if (l->map != HEARTH_NONE)
            pw_uint(&m, 2, (uint64_t)l->map + 1);
        pw_uint(&m, 3, l->addr);
        if (l->fn != HEARTH_NONE) {
            struct hearth_buf lb;
            hearth_buf_init(&lb, 64);
            pw_uint(&lb, 1, (uint64_t)l->fn + 1);
            pw_uint(&lb, 2, (uint64_t)l->line);
            pw_bytes(&m, 4, lb.ptr ? lb.ptr : "", lb.len);
            hearth_buf_release(&lb);
        }
        pw_msg(&w, 4, &m);
    }
    for (k = 0; k < p->nfn; k++) {
        uint64_t nm = pw_str(&w, p->fn[k].name), sn = pw_str(&w, p->fn[k].name),
                 fl = pw_str(&w, p->fn[k].file);
        pw_uint(&m, 1, k + 1);
        pw_uint(&m, 2, nm);
        pw_uint(&m, 3, sn);
        pw_uint(&m, 4, fl);
        pw_msg(&w, 5, &m);
    }
    if (w.b.fail || m.fail || pk.fail) {
        r = fail(p, HEARTH_E_TOO_LARGE, "the converted profile is larger than max_model");
        goto out;
    }
    *out = (unsigned char *)hearth_buf_detach(&w.b, outlen);
    if (!*out)
        r = nomem(p);
out:
    free(u);
    hearth_buf_release(&w.b);
    hearth_buf_release(&m);
    hearth_buf_release(&pk);
    return r;
}

/* ---- entry ---- */

static void lp_release(struct lp *p)
{
    hearth_u64map_release(&p->byaddr);
    hearth_arena_release(&p->ar);
    free(p->loc);
    free(p->val);
    free(p->soff);
    free(p->slen);
    free(p->sbytes);
    free(p->shas);
    free(p->fr);
    free(p->map);
    free(p->fn);
}

/* Forget what a reader that gave up built, keeping the compiled regexes. */
static bool lp_reset(struct lp *p)
{
    hearth_u64map_release(&p->byaddr);
    hearth_arena_release(&p->ar);
    hearth_arena_init(&p->ar, 4096, p->lim->max_model);
    p->ntypes = 0;
    p->ptype = p->punit = sp_of("");
    p->period = p->duration = 0;
    p->nloc = p->ns = p->nfr = p->nmap = p->nfn = 0;
    p->format = NULL;
    return hearth_u64map_init(&p->byaddr, 256);
}

enum hearth_err hearth_legacy_convert(const unsigned char *buf, size_t len,
                                      const struct hearth_limits *lim, bool *recognized,
                                      unsigned char **pb, size_t *pblen, const char **format,
                                      struct hearth_errmsg *em)
{
    struct hearth_limits dl = hearth_limits_default();
    struct lp p;
    enum res r = R_UNRECOGNIZED;
    enum hearth_err e = HEARTH_OK;
    int k;

    *recognized = false;
    *pb = NULL;
    *pblen = 0;
    *format = NULL;
    if (!lim)
        lim = &dl;
    memset(&p, 0, sizeof(p));
    p.lim = lim;
    p.em = em;
    hearth_arena_init(&p.ar, 4096, lim->max_model);
    if (!hearth_u64map_init(&p.byaddr, 256)) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out;
    }
    for (k = 0; k < 6 && r == R_UNRECOGNIZED; k++) {
        if (k > 0 && !lp_reset(&p)) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out;
        }
        switch (k) {
        case 0:
            r = parse_cpu(&p, buf, len);
            break;
        case 1:
            r = parse_heap(&p, (const char *)buf, len);
            break;
        case 2:
            r = parse_go_count(&p, (const char *)buf, len);
            break;
        case 3:
            r = parse_thread(&p, (const char *)buf, len);
            break;
        case 4:
            r = parse_contention(&p, (const char *)buf, len);
            break;
        default:
            r = parse_java(&p, (const char *)buf, len);
            break;
        }
    }
    if (r == R_UNRECOGNIZED)
        goto out;
    if (r == R_ERR) {
        e = p.err ? p.err : HEARTH_E_CORRUPT;
        goto out;
    }
    frame_info(&p);
    if (write_proto(&p, pb, pblen)) {
        e = p.err ? p.err : HEARTH_E_CORRUPT;
        goto out;
    }
    *recognized = true;
    *format = p.format;
out:
    lp_release(&p);
    return e;
}
