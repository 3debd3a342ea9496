/* tags.c - the -tags report over built stacks; see tags.h. */
#define _GNU_SOURCE /* qsort_r */
#include "hearth/tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "hearth/num.h"
#include "hearth/units.h"

#include "hearth/banned.h"

/* ---- the -tags report ---- */

/* Go's text/tabwriter with minwidth 0, padding 1, ' ' and AlignRight, on a whole text. */
struct twcell {
    size_t off, len, width;
};

struct tw {
    const char *text;
    struct twcell *cells;
    size_t *lstart, *lcount; /* per line: first cell and number of cells */
    size_t nlines;
    bool *lnl; /* the line ended with '\n' */
    size_t widths[64];
    size_t nwidths;
    struct hearth_buf *out;
};

static size_t utf8_count(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

static void tw_write_lines(struct tw *t, size_t l0, size_t l1)
{
    size_t i, j;

    for (i = l0; i < l1; i++) {
        for (j = 0; j < t->lcount[i]; j++) {
            const struct twcell *c = &t->cells[t->lstart[i] + j];
            if (j < t->nwidths && t->widths[j] > c->width) {
                size_t pad = t->widths[j] - c->width;
                while (pad--)
                    hearth_buf_addch(t->out, ' ');
            }
            hearth_buf_add(t->out, t->text + c->off, c->len);
        }
        if (t->lnl[i])
            hearth_buf_addch(t->out, '\n');
    }
}

static void tw_format(struct tw *t, size_t l0, size_t l1)
{
    size_t column = t->nwidths, this;

    for (this = l0; this < l1; this ++) {
        size_t width = 0;
        if (column + 1 >= t->lcount[this])
            continue;
        tw_write_lines(t, l0, this);
        l0 = this;
        for (; this < l1; this ++) {
            size_t w;
            if (column + 1 >= t->lcount[this])
                break;
            w = t->cells[t->lstart[this] + column].width + 1;
            if (w > width)
                width = w;
        }
        if (column < 64) {
            t->widths[t->nwidths++] = width;
            tw_format(t, l0, this);
            t->nwidths--;
        }
        l0 = this;
    }
    tw_write_lines(t, l0, l1);
}

static enum hearth_err tabwrite(const char *text, size_t n, struct hearth_buf *out)
{
    struct tw t;
    size_t i, ncells = 0, start = 0, lines = 1;
    enum hearth_err e = HEARTH_E_NOMEM;

    memset(&t, 0, sizeof(t));
    t.text = text;
    t.out = out;
    for (i = 0; i < n; i++)
        lines += text[i] == '\n';
    t.cells = malloc((n + lines + 1) * sizeof(*t.cells));
    t.lstart = malloc((lines + 1) * sizeof(*t.lstart));
    t.lcount = malloc((lines + 1) * sizeof(*t.lcount));
    t.lnl = malloc((lines + 1) * sizeof(*t.lnl));
    if (!t.cells || !t.lstart || !t.lcount || !t.lnl)
        goto out_free;
    t.lstart[0] = 0;
    for (i = 0; i <= n; i++) {
        if (i < n && text[i] != '\t' && text[i] != '\n')
            continue;
        t.cells[ncells].off = start;
        t.cells[ncells].len = i - start;
        t.cells[ncells].width = utf8_count(text + start, i - start);
        ncells++;
        start = i + 1;
        if (i == n || text[i] == '\n') {
            t.lcount[t.nlines] = ncells - t.lstart[t.nlines];
            t.lnl[t.nlines] = i < n;
            t.nlines++;
            t.lstart[t.nlines] = ncells;
        }
    }
    /* a text ending in '\n' has an empty last line: nothing to print */
    if (t.nlines && !t.lnl[t.nlines - 1] && t.lcount[t.nlines - 1] == 1 &&
        t.cells[t.lstart[t.nlines - 1]].len == 0)
        t.nlines--;
    tw_format(&t, 0, t.nlines);
    e = HEARTH_OK;
out_free:
    free(t.cells);
    free(t.lstart);
    free(t.lcount);
    free(t.lnl);
    return e;
}

struct tagval {
    uint32_t key;  /* profile string index */
    uint32_t val;  /* index in the report's value strings */
    int64_t count; /* summed sample value */
    bool numeric;
    bool str;       /* some of its labels are string labels */
    int64_t lo, hi; /* numeric: the smallest and largest raw label value */
};

struct tagkey {
    uint32_t key;
    size_t first, n; /* its values: vals[first .. first + n) after sorting */
    int64_t total;
    bool numeric;
};

struct tagsort {
    const struct hearth_profile *p;
    const struct hearth_intern *vs;
};

static int cmp_hstr(struct hearth_str a, struct hearth_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int r = memcmp(a.ptr, b.ptr, n);

    return r ? r : (a.len < b.len ? -1 : a.len > b.len);
}

/* Keys by name; within a key, |count| descending then value (pprof's SortTags). */
static int cmp_tagval(const void *x, const void *y, void *arg)
{
    const struct tagval *a = x, *b = y;
    const struct tagsort *ts = arg;
    int r;

    if (a->key != b->key) {
        r = cmp_hstr(hearth_pstr(ts->p, a->key), hearth_pstr(ts->p, b->key));
        if (r)
            return r;
        return a->key < b->key ? -1 : 1;
    }
    if (hearth_abs64(a->count) != hearth_abs64(b->count))
        return hearth_abs64(a->count) > hearth_abs64(b->count) ? -1 : 1;
    return cmp_hstr(ts->vs->strs[a->val], ts->vs->strs[b->val]);
}

/* The key and value parts of a tag filter must stay under the filter parser's buffers. */
#define TAG_FILTER_MAX_KEY 255
#define TAG_FILTER_MAX     4095

/*
 * The tagfocus/tagignore expression that selects exactly the samples counted
 * in one row: "key=^value$" (the value's regex metacharacters escaped, commas
 * and control bytes as \xHH, since pprof splits the list at commas) for string
 * labels, "key=N[unit]" or "key=LO[unit]:HI[unit]" for numeric ones (the raw
 * values the row's formatted text stands for, in the key's unit when that is
 * letters only, which pprof's range syntax takes, else bare, which compares
 * unconverted). Nothing (false) when no expression can say it: an empty key
 * or one with '=', a value that is not UTF-8, a row mixing string and numeric
 * labels, or an expression longer than the filter parser takes.
 */
static bool tag_filter(struct hearth_buf *b, struct hearth_str key, const struct tagval *t,
                       struct hearth_str val, const char *unit)
{
    size_t i, n;

    hearth_buf_reset(b);
    if (!key.len || key.len > TAG_FILTER_MAX_KEY || memchr(key.ptr, '=', key.len) ||
        (t->numeric && t->str))
        return false;
    hearth_buf_add(b, key.ptr, key.len);
    hearth_buf_addch(b, '=');
    if (t->numeric) {
        bool letters = *unit != '\0';
        for (i = 0; unit[i]; i++)
            if (!((unit[i] >= 'a' && unit[i] <= 'z') || (unit[i] >= 'A' && unit[i] <= 'Z')))
                letters = false;
        if (!letters)
            unit = "";
        hearth_buf_printf(b, "%lld%s", (long long)t->lo, unit);
        if (t->hi != t->lo)
            hearth_buf_printf(b, ":%lld%s", (long long)t->hi, unit);
    } else {
        hearth_buf_addch(b, '^');
        for (i = 0; i < val.len; i += n) {
            unsigned char c = (unsigned char)val.ptr[i];
            n = hearth_utf8_len((const unsigned char *)val.ptr + i, val.len - i);
            if (!n)
                return false;
            if (c < 0x20 || c == 0x7f || c == ',')
                hearth_buf_printf(b, "\\x%02x", c);
            else if (n == 1 && strchr("\\.+*?()|[]{}^$", c))
                hearth_buf_printf(b, "\\%c", c);
            else
                hearth_buf_add(b, val.ptr + i, n);
        }
        hearth_buf_addch(b, '$');
    }
    return !b->fail && b->len - key.len - 1 <= TAG_FILTER_MAX;
}

/* pprof's NumLabelUnits: a numeric key's first non-empty unit, else its default. */
static const char *key_unit(const struct hearth_profile *p, uint32_t key)
{
    size_t i, n = p->s_lab_off[p->nsamples];
    struct hearth_str k = hearth_pstr(p, key);

    for (i = 0; i < n; i++)
        if (p->lab_key[i] == key && p->lab_str[i] == 0 && p->lab_unit[i] != 0)
            return hearth_pstr(p, p->lab_unit[i]).ptr;
    if ((k.len == 9 && !memcmp(k.ptr, "alignment", 9)) ||
        (k.len == 7 && !memcmp(k.ptr, "request", 7)))
        return "bytes";
    return k.ptr;
}

enum hearth_err hearth_tags_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                   bool json, struct hearth_buf *out, struct hearth_errmsg *em)
{
    const struct hearth_profile *p = s->p;
    const char *ounit = q->unit && *q->unit ? q->unit : "minimum";
    struct hearth_arena arena;
    struct hearth_intern vals, pairs;
    struct hearth_u64map units; /* numeric key -> its unit's string index + 1 (0: default) */
    struct tagval *tv = NULL;
    struct tagkey *tk = NULL;
    const char **kunit = NULL;
    size_t ntv = 0, tvcap = 0, nk = 0, smp, i, j;
    struct hearth_buf text;
    enum hearth_err e = HEARTH_E_NOMEM;

    hearth_arena_init(&arena, 64 * 1024, 0);
    hearth_intern_init(&vals, &arena, 0);
    hearth_intern_init(&pairs, &arena, 0);
    hearth_buf_init(&text, out->max);
    if (!hearth_u64map_init(&units, 16))
        goto out_free;
    if (!s->sample_kept) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "tags: stacks built without samples");
        goto out_free;
    }
    for (smp = 0; smp < p->nsamples; smp++) {
        if (!s->sample_kept[smp])
            continue;
        for (i = p->s_lab_off[smp]; i < p->s_lab_off[smp + 1]; i++) {
            uint32_t key = p->lab_key[i], v, pr, pair[2];
            bool numeric = p->lab_str[i] == 0;
            if (s->key_hidden && s->key_hidden[key])
                continue;
            if (numeric) {
                char lab[128];
                uint32_t u = hearth_u64map_get(&units, key), old;
                const char *unit;
                if (u == HEARTH_NONE) {
                    unit = key_unit(p, key);
                    if (hearth_u64map_put(&units, key,
                                          (uint32_t)hearth_intern_add(&vals, unit, strlen(unit)),
                                          &old) < 0)
                        goto out_free;
                    u = hearth_u64map_get(&units, key);
                }
                hearth_unit_label(lab, sizeof(lab), p->lab_num[i], vals.strs[u].ptr, ounit);
                v = hearth_intern_add(&vals, lab, strlen(lab));
            } else {
                struct hearth_str x = hearth_pstr(p, p->lab_str[i]);
                v = hearth_intern_add(&vals, x.ptr, x.len);
            }
            if (v == HEARTH_NONE)
                goto out_free;
            pair[0] = key;
            pair[1] = v;
            pr = hearth_intern_add(&pairs, (const char *)pair, sizeof(pair));
            if (pr == HEARTH_NONE)
                goto out_free;
            if (pr >= tvcap) {
                size_t nc = tvcap ? tvcap * 2 : 256;
                struct tagval *n2 = realloc(tv, nc * sizeof(*n2));
                if (!n2)
                    goto out_free;
                tv = n2;
                tvcap = nc;
            }
            if (pr == ntv) {
                tv[ntv].key = key;
                tv[ntv].val = v;
                tv[ntv].count = 0;
                tv[ntv].numeric = false;
                tv[ntv].str = false;
                tv[ntv].lo = tv[ntv].hi = numeric ? p->lab_num[i] : 0;
                ntv++;
            }
            tv[pr].count = hearth_add64(tv[pr].count, s->sample_w[smp]);
            tv[pr].numeric |= numeric;
            tv[pr].str |= !numeric;
            if (numeric && p->lab_num[i] < tv[pr].lo)
                tv[pr].lo = p->lab_num[i];
            if (numeric && p->lab_num[i] > tv[pr].hi)
                tv[pr].hi = p->lab_num[i];
        }
    }
    {
        struct tagsort ts = {p, &vals};
        if (ntv > 1)
            qsort_r(tv, ntv, sizeof(*tv), cmp_tagval, &ts);
    }
    tk = calloc(ntv + 1, sizeof(*tk));
    kunit = calloc(ntv + 1, sizeof(*kunit));
    if (!tk || !kunit)
        goto out_free;
    for (i = 0; i < ntv; i++) {
        if (!nk || tk[nk - 1].key != tv[i].key) {
            uint32_t u = hearth_u64map_get(&units, tv[i].key);
            tk[nk].key = tv[i].key;
            tk[nk].first = i;
            kunit[nk] = u == HEARTH_NONE ? "" : vals.strs[u].ptr;
            nk++;
        }
        tk[nk - 1].n++;
        tk[nk - 1].total = hearth_add64(tk[nk - 1].total, tv[i].count);
        tk[nk - 1].numeric |= tv[i].numeric;
    }
    if (json) {
        struct hearth_jsonw w;
        hearth_jsonw_init(&w, out);
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "sample");
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "type");
        hearth_jsonw_cstr(&w, s->type);
        hearth_jsonw_key(&w, "unit");
        hearth_jsonw_cstr(&w, s->unit);
        hearth_jsonw_obj_close(&w);
        hearth_jsonw_key(&w, "total");
        hearth_jsonw_int(&w, s->total);
        hearth_jsonw_key(&w, "keys");
        hearth_jsonw_arr_open(&w);
        for (i = 0; i < nk; i++) {
            struct hearth_str k = hearth_pstr(p, tk[i].key);
            hearth_jsonw_obj_open(&w);
            hearth_jsonw_key(&w, "key");
            hearth_jsonw_str(&w, k.ptr, k.len);
            hearth_jsonw_key(&w, "numeric");
            hearth_jsonw_bool(&w, tk[i].numeric);
            hearth_jsonw_key(&w, "unit");
            hearth_jsonw_cstr(&w, kunit[i]);
            hearth_jsonw_key(&w, "total");
            hearth_jsonw_int(&w, tk[i].total);
            hearth_jsonw_key(&w, "values");
            hearth_jsonw_arr_open(&w);
            for (j = tk[i].first; j < tk[i].first + tk[i].n; j++) {
                struct hearth_str v = vals.strs[tv[j].val];
                hearth_jsonw_obj_open(&w);
                hearth_jsonw_key(&w, "value");
                hearth_jsonw_str(&w, v.ptr, v.len);
                hearth_jsonw_key(&w, "count");
                hearth_jsonw_int(&w, tv[j].count);
                hearth_jsonw_key(&w, "share");
                hearth_jsonw_double(&w, tk[i].total > 0 ? (double)tv[j].count / (double)tk[i].total
                                                        : 0);
                hearth_jsonw_key(&w, "filter");
                if (tag_filter(&text, k, &tv[j], v, kunit[i]))
                    hearth_jsonw_str(&w, text.ptr, text.len);
                else
                    hearth_jsonw_null(&w);
                hearth_jsonw_obj_close(&w);
            }
            hearth_jsonw_arr_close(&w);
            hearth_jsonw_obj_close(&w);
        }
        hearth_jsonw_arr_close(&w);
        hearth_jsonw_obj_close(&w);
        hearth_buf_addch(out, '\n');
    } else {
        for (i = 0; i < nk; i++) {
            struct hearth_str k = hearth_pstr(p, tk[i].key);
            const char *u;
            double f = hearth_unit_scale(tk[i].total, s->unit, ounit, &u);
            hearth_buf_add(&text, k.ptr, k.len);
            hearth_buf_printf(&text, ":\t Total %.1f%s\n", f, u);
            for (j = tk[i].first; j < tk[i].first + tk[i].n; j++) {
                struct hearth_str v = vals.strs[tv[j].val];
                f = hearth_unit_scale(tv[j].count, s->unit, ounit, &u);
                hearth_buf_printf(&text, " \t%.1f%s", f, u);
                if (tk[i].total > 0) {
                    char pc[64];
                    hearth_percentage(pc, sizeof(pc), tv[j].count, tk[i].total);
                    hearth_buf_printf(&text, " (%s)", pc);
                }
                hearth_buf_addstr(&text, ":\t ");
                hearth_buf_add(&text, v.ptr, v.len);
                hearth_buf_addch(&text, '\n');
            }
            hearth_buf_addch(&text, '\n');
        }
        if (text.fail) {
            e = text.fail;
            goto out_free;
        }
        e = tabwrite(text.ptr ? text.ptr : "", text.len, out);
        if (e)
            goto out_free;
    }
    e = out->fail ? out->fail : HEARTH_OK;
out_free:
    free(tv);
    free(tk);
    free(kunit);
    hearth_u64map_release(&units);
    hearth_intern_release(&vals);
    hearth_intern_release(&pairs);
    hearth_arena_release(&arena);
    hearth_buf_release(&text);
    if (e && !em->msg[0])
        hearth_errmsg_set(em, e, e == HEARTH_E_NOMEM ? "out of memory" : "output too large");
    return e;
}
