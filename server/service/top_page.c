/*
 * top_page.c - one page of the top endpoint's rows (limit=, offset=,
 * sort=), cut from the cached full answer; see include/hearth/top_page.h.
 *
 * The full answer (views.h's top shape, every row) is computed and cached
 * once per profile and options; a page re-reads its rows (a scan of our own
 * JSON, ~10 ms for 50,000 rows), orders them as the UI's Top table does
 * (web/js/model/top.js sortRows: flat by pprof's order, cum by magnitude,
 * base/new/ret/name, ties in pprof's order) and copies the rows asked for,
 * byte for byte. "count" is the number of rows, "offset" the first row
 * sent, "sum_before" the sum of flat over the rows before it in this order
 * (the running sum pprof shows as sum%).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/top_page.h"

#include "hearth/banned.h"

struct top_row {
    const char *start; /* the row's object, "{...}" */
    size_t len;
    const char *name; /* the name as JSON text, between the quotes */
    size_t nlen;
    int64_t flat, cum, base_cum, alloc_flat;
    bool has_alloc;
    size_t order;
    /* sort keys */
    int64_t ikey;
    double dkey;
    char *dname; /* decoded name (sort=name) */
    size_t dlen;
};

/* End of the JSON string starting after its opening quote at p (at the closing quote). */
static const char *str_end(const char *p, const char *end)
{
    while (p < end && *p != '"')
        p += *p == '\\' ? 2 : 1;
    return p < end ? p : NULL;
}

/* The end of the JSON value at p (a string, number, literal, object or array). */
static const char *value_end(const char *p, const char *end)
{
    int depth = 0;

    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = str_end(p + 1, end);
            if (!p)
                return NULL;
            p++;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            depth--;
            if (depth == 0)
                return p + 1;
        } else if (depth == 0 && c == ',')
            return p;
        p++;
    }
    return depth == 0 ? p : NULL;
}

static int64_t int_at(const char *p, const char *end)
{
    bool neg = p < end && *p == '-';
    int64_t v = 0;

    for (p += neg; p < end && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
    return neg ? -v : v;
}

/* Fill r from the row object [p, end): name, flat, cum, base_cum, alloc_flat. */
static bool row_fields(struct top_row *r, const char *p, const char *end)
{
    p++; /* '{' */
    while (p < end && *p == '"') {
        const char *k = p + 1, *ke = str_end(k, end), *v, *ve;
        size_t kl;
        if (!ke || ke + 1 >= end || ke[1] != ':')
            return false;
        kl = (size_t)(ke - k);
        v = ke + 2;
        ve = value_end(v, end);
        if (!ve)
            return false;
        if (kl == 4 && !memcmp(k, "name", 4) && *v == '"') {
            r->name = v + 1;
            r->nlen = (size_t)(ve - v - 2);
        } else if (kl == 4 && !memcmp(k, "flat", 4))
            r->flat = int_at(v, ve);
        else if (kl == 3 && !memcmp(k, "cum", 3))
            r->cum = int_at(v, ve);
        else if (kl == 8 && !memcmp(k, "base_cum", 8))
            r->base_cum = int_at(v, ve);
        else if (kl == 10 && !memcmp(k, "alloc_flat", 10)) {
            r->alloc_flat = int_at(v, ve);
            r->has_alloc = true;
        }
        p = ve;
        if (p < end && *p == ',')
            p++;
    }
    return p < end && *p == '}';
}

static unsigned hexval(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned)(c - 'A' + 10);
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The JSON string body s[0..n) decoded to UTF-8 in o (at most n bytes). */
static size_t unescape(const char *s, size_t n, char *o)
{
    size_t i = 0, m = 0;

    while (i < n) {
        unsigned cp;
        if (s[i] != '\\' || i + 1 >= n) {
            o[m++] = s[i++];
            continue;
        }
        switch (s[i + 1]) {
        case 'n':
            o[m++] = '\n';
            break;
        case 't':
            o[m++] = '\t';
            break;
        case 'r':
            o[m++] = '\r';
            break;
        case 'b':
            o[m++] = '\b';
            break;
        case 'f':
            o[m++] = '\f';
            break;
        case 'u':
            if (i + 6 > n)
                return m;
            cp = hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 | hexval(s[i + 4]) << 4 |
                 hexval(s[i + 5]);
            m += put_utf8(o + m, cp);
            i += 6;
            continue;
        default:
            o[m++] = s[i + 1];
        }
        i += 2;
    }
    return m;
}

static int cmp_order(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_int_asc(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    if (x->ikey != y->ikey)
        return x->ikey < y->ikey ? -1 : 1;
    return cmp_order(a, b);
}

static int cmp_int_desc(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    if (x->ikey != y->ikey)
        return x->ikey > y->ikey ? -1 : 1;
    return cmp_order(a, b);
}

static int cmp_dbl_asc(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    if (x->dkey != y->dkey)
        return x->dkey < y->dkey ? -1 : 1;
    return cmp_order(a, b);
}

static int cmp_dbl_desc(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    if (x->dkey != y->dkey)
        return x->dkey > y->dkey ? -1 : 1;
    return cmp_order(a, b);
}

static int name_cmp(const struct top_row *x, const struct top_row *y)
{
    size_t n = x->dlen < y->dlen ? x->dlen : y->dlen;
    int c = memcmp(x->dname, y->dname, n);

    if (c)
        return c;
    return x->dlen < y->dlen ? -1 : x->dlen > y->dlen;
}

static int cmp_name_asc(const void *a, const void *b)
{
    int c = name_cmp(a, b);

    return c ? c : cmp_order(a, b);
}

static int cmp_name_desc(const void *a, const void *b)
{
    int c = name_cmp(a, b);

    return c ? -c : cmp_order(a, b);
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Order rows[0..n) by sort (validated by the caller: see hearth_top_sort_valid). */
static enum hearth_err sort_rows(struct top_row *rows, size_t n, const char *sort, char **names)
{
    bool flip = sort[0] == '-';
    const char *col = sort + flip;
    bool desc;
    size_t i, total = 0;
    int (*cmp)(const void *, const void *);

    *names = NULL;
    if (!*col || !strcmp(col, "flat") || !strcmp(col, "flatp")) {
        /* pprof's own order, or its reverse */
        if (flip)
            for (i = 0; i < n / 2; i++) {
                struct top_row t = rows[i];
                rows[i] = rows[n - 1 - i];
                rows[n - 1 - i] = t;
            }
        return HEARTH_OK;
    }
    /* default directions as model/top.js's COLUMNS */
    desc = strcmp(col, "sum") && strcmp(col, "name");
    desc = desc != flip;
    if (!strcmp(col, "name")) {
        char *o;
        for (i = 0; i < n; i++)
            total += rows[i].nlen;
        *names = malloc(total + 1);
        if (!*names)
            return HEARTH_E_NOMEM;
        for (i = 0, o = *names; i < n; i++) {
            rows[i].dname = o;
            rows[i].dlen = unescape(rows[i].name, rows[i].nlen, o);
            o += rows[i].dlen;
        }
        qsort(rows, n, sizeof(*rows), desc ? cmp_name_desc : cmp_name_asc);
        return HEARTH_OK;
    }
    if (!strcmp(col, "ret")) {
        for (i = 0; i < n; i++)
            rows[i].dkey = rows[i].has_alloc && rows[i].alloc_flat > 0
                               ? (double)rows[i].flat / (double)rows[i].alloc_flat
                               : -1;
        qsort(rows, n, sizeof(*rows), desc ? cmp_dbl_desc : cmp_dbl_asc);
        return HEARTH_OK;
    }
    for (i = 0; i < n; i++) {
        const struct top_row *r = rows + i;
        rows[i].ikey = !strcmp(col, "sum")    ? (int64_t)r->order
                       : !strcmp(col, "base") ? r->base_cum
                       : !strcmp(col, "new")  ? r->base_cum + r->cum
                                              : abs64(r->cum);
    }
    cmp = desc ? cmp_int_desc : cmp_int_asc;
    qsort(rows, n, sizeof(*rows), cmp);
    return HEARTH_OK;
}

bool hearth_top_sort_valid(const char *sort)
{
    static const char *const cols[] = {"",     "flat", "flatp", "sum", "cum", "cump",
                                       "name", "base", "new",   "ret", NULL};
    const char *col = sort + (sort[0] == '-');
    size_t i;

    for (i = 0; cols[i]; i++)
        if (!strcmp(col, cols[i]))
            return true;
    return false;
}

enum hearth_err hearth_top_page(const char *json, size_t len, const struct hearth_top_paging *pg,
                                struct hearth_buf *out, struct hearth_errmsg *em)
{
    const char *end = json + len, *p = json, *rows_open = NULL, *rows_close = NULL;
    struct top_row *rows = NULL;
    size_t n = 0, cap = 0, i, first, last;
    char *names = NULL;
    int64_t before = 0;
    enum hearth_err e = HEARTH_OK;

    /* the top-level object's keys: find "rows" */
    while (p < end && *p != '{')
        p++;
    p++;
    while (p < end && *p == '"') {
        const char *k = p + 1, *ke = str_end(k, end), *ve;
        if (!ke || ke + 1 >= end || ke[1] != ':')
            break;
        if (ke - k == 4 && !memcmp(k, "rows", 4) && ke[2] == '[') {
            rows_open = ke + 2;
            break;
        }
        ve = value_end(ke + 2, end);
        if (!ve)
            break;
        p = ve + (ve < end && *ve == ',');
    }
    if (!rows_open) {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "top: no rows in the answer");
        goto out_free;
    }
    for (p = rows_open + 1; p < end && *p == '{';) {
        const char *re = value_end(p, end);
        struct top_row *r;
        if (!re)
            break;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            struct top_row *nr = realloc(rows, nc * sizeof(*rows));
            if (!nr) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
                goto out_free;
            }
            rows = nr;
            cap = nc;
        }
        r = rows + n;
        memset(r, 0, sizeof(*r));
        r->start = p;
        r->len = (size_t)(re - p);
        r->order = n;
        if (!row_fields(r, p, re)) {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "top: a row is not as written");
            goto out_free;
        }
        n++;
        p = re + (re < end && *re == ',');
    }
    if (p >= end || *p != ']') {
        e = hearth_errmsg_set(em, HEARTH_E_IO, "top: the rows do not end");
        goto out_free;
    }
    rows_close = p;
    e = sort_rows(rows, n, pg->sort ? pg->sort : "", &names);
    if (e) {
        hearth_errmsg_set(em, e, "out of memory");
        goto out_free;
    }
    first = pg->offset < n ? pg->offset : n;
    last = pg->limit && pg->limit < n - first ? first + pg->limit : n;
    for (i = 0; i < first; i++)
        before += rows[i].flat;
    hearth_buf_add(out, json, (size_t)(rows_open + 1 - json));
    for (i = first; i < last; i++) {
        if (i > first)
            hearth_buf_addch(out, ',');
        hearth_buf_add(out, rows[i].start, rows[i].len);
    }
    hearth_buf_printf(out, "],\"count\":%zu,\"offset\":%zu,\"sum_before\":%lld", n, first,
                      (long long)before);
    hearth_buf_add(out, rows_close + 1, (size_t)(end - rows_close - 1));
    if (out->fail)
        e = hearth_errmsg_set(em, out->fail, "output larger than the limit");
out_free:
    free(names);
    free(rows);
    return e;
}
