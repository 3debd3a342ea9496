/* pbw.c - a tiny protobuf writer and profile builder for tests; see pbw.h. */
#include "pbw.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

void pbw_init(struct pbw *w)
{
    w->p = NULL;
    w->len = w->cap = 0;
    w->oom = false;
}

void pbw_release(struct pbw *w)
{
    free(w->p);
    pbw_init(w);
}

void pbw_reset(struct pbw *w)
{
    w->len = 0;
    w->oom = false;
}

void pbw_raw(struct pbw *w, const void *p, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (w->len + n > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 256;
        unsigned char *np;
        while (nc < w->len + n)
            nc *= 2;
        np = realloc(w->p, nc);
        if (!np) {
            w->oom = true;
            return;
        }
        w->p = np;
        w->cap = nc;
    }
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

void pbw_varint(struct pbw *w, uint64_t v)
{
    unsigned char b[10];
    size_t n = 0;

    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    pbw_raw(w, b, n);
}

void pbw_tag(struct pbw *w, uint32_t field, int wt)
{
    pbw_varint(w, (uint64_t)field << 3 | (uint64_t)wt);
}

void pbw_uint(struct pbw *w, uint32_t field, uint64_t v)
{
    pbw_tag(w, field, PBW_VARINT);
    pbw_varint(w, v);
}

void pbw_int(struct pbw *w, uint32_t field, int64_t v)
{
    pbw_uint(w, field, (uint64_t)v);
}

void pbw_fixed64(struct pbw *w, uint32_t field, uint64_t v)
{
    unsigned char b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    pbw_tag(w, field, PBW_I64);
    pbw_raw(w, b, 8);
}

void pbw_fixed32(struct pbw *w, uint32_t field, uint32_t v)
{
    unsigned char b[4];
    int i;

    for (i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    pbw_tag(w, field, PBW_I32);
    pbw_raw(w, b, 4);
}

void pbw_bytes(struct pbw *w, uint32_t field, const void *p, size_t n)
{
    pbw_tag(w, field, PBW_LEN);
    pbw_varint(w, n);
    pbw_raw(w, p, n);
}

void pbw_str(struct pbw *w, uint32_t field, const char *s)
{
    pbw_bytes(w, field, s, strlen(s));
}

void pbw_msg(struct pbw *w, uint32_t field, const struct pbw *sub)
{
    if (sub->oom)
        w->oom = true;
    pbw_bytes(w, field, sub->p, sub->len);
}

void pbw_packed(struct pbw *w, uint32_t field, const uint64_t *v, size_t n)
{
    struct pbw tmp;
    size_t i;

    pbw_init(&tmp);
    for (i = 0; i < n; i++)
        pbw_varint(&tmp, v[i]);
    pbw_msg(w, field, &tmp);
    pbw_release(&tmp);
}

void pbw_unpacked(struct pbw *w, uint32_t field, const uint64_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        pbw_uint(w, field, v[i]);
}

bool pbw_gzip(const void *in, size_t n, unsigned char **out, size_t *outlen)
{
    z_stream zs;
    unsigned char *buf = NULL;
    size_t cap;
    bool ok = false;

    *out = NULL;
    *outlen = 0;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    cap = deflateBound(&zs, (uLong)n) + 64;
    buf = malloc(cap);
    if (!buf)
        goto out_end;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        goto out_end;
    *out = buf;
    *outlen = zs.total_out;
    buf = NULL;
    ok = true;
out_end:
    deflateEnd(&zs);
    free(buf);
    return ok;
}

/* ------------------------------------------------------------------------ */

/* strdup is POSIX, not C11. */
static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);

    if (c)
        memcpy(c, s, n);
    return c;
}

void pbp_init(struct pbp *b, uint64_t id_base)
{
    memset(b, 0, sizeof(*b));
    pbw_init(&b->hdr);
    pbw_init(&b->ents);
    pbw_init(&b->samples);
    b->next_id = id_base + 1;
    pbp_s(b, "");
}

void pbp_release(struct pbp *b)
{
    size_t i;

    for (i = 0; i < b->nstr; i++)
        free(b->str[i]);
    free(b->str);
    for (i = 0; i < b->nnames; i++)
        free(b->names[i].name);
    free(b->names);
    pbw_release(&b->hdr);
    pbw_release(&b->ents);
    pbw_release(&b->samples);
    memset(b, 0, sizeof(*b));
}

int64_t pbp_s(struct pbp *b, const char *s)
{
    size_t i;
    char *c;

    for (i = 0; i < b->nstr; i++)
        if (!strcmp(b->str[i], s))
            return (int64_t)i;
    if (b->nstr == b->strcap) {
        size_t nc = b->strcap ? b->strcap * 2 : 64;
        char **ns = realloc(b->str, nc * sizeof(*ns));
        if (!ns)
            goto out_oom;
        b->str = ns;
        b->strcap = nc;
    }
    c = dupstr(s);
    if (!c)
        goto out_oom;
    b->str[b->nstr] = c;
    return (int64_t)b->nstr++;

out_oom:
    b->oom = true;
    return 0;
}

static void value_type(struct pbp *b, struct pbw *w, uint32_t field, const char *type,
                       const char *unit)
{
    struct pbw vt;

    pbw_init(&vt);
    pbw_int(&vt, 1, pbp_s(b, type));
    pbw_int(&vt, 2, pbp_s(b, unit));
    pbw_msg(w, field, &vt);
    pbw_release(&vt);
}

void pbp_sample_type(struct pbp *b, const char *type, const char *unit)
{
    value_type(b, &b->hdr, 1, type, unit);
    b->ntypes++;
}

void pbp_period(struct pbp *b, const char *type, const char *unit, int64_t period)
{
    value_type(b, &b->hdr, 11, type, unit);
    pbw_int(&b->hdr, 12, period);
}

uint64_t pbp_mapping(struct pbp *b, const char *file)
{
    struct pbw m;
    uint64_t id = b->next_id++;

    pbw_init(&m);
    pbw_uint(&m, 1, id);
    pbw_uint(&m, 2, 0x1000);
    pbw_uint(&m, 3, 0x100000);
    pbw_int(&m, 5, pbp_s(b, file));
    pbw_uint(&m, 7, 1);
    pbw_msg(&b->ents, 3, &m);
    pbw_release(&m);
    b->map_id = id;
    return id;
}

uint64_t pbp_func(struct pbp *b, const char *name, const char *file, int64_t start_line)
{
    struct pbw f;
    uint64_t id = b->next_id++;

    pbw_init(&f);
    pbw_uint(&f, 1, id);
    pbw_int(&f, 2, pbp_s(b, name));
    pbw_int(&f, 3, pbp_s(b, name));
    pbw_int(&f, 4, pbp_s(b, file));
    if (start_line)
        pbw_int(&f, 5, start_line);
    pbw_msg(&b->ents, 5, &f);
    pbw_release(&f);
    return id;
}

uint64_t pbp_loc(struct pbp *b, uint64_t map_id, uint64_t addr, const uint64_t *fn_ids,
                 const int64_t *lines, size_t nlines)
{
    struct pbw l, ln;
    uint64_t id = b->next_id++;
    size_t i;

    pbw_init(&l);
    pbw_init(&ln);
    pbw_uint(&l, 1, id);
    if (map_id)
        pbw_uint(&l, 2, map_id);
    if (addr)
        pbw_uint(&l, 3, addr);
    for (i = 0; i < nlines; i++) {
        pbw_reset(&ln);
        pbw_uint(&ln, 1, fn_ids[i]);
        if (lines && lines[i])
            pbw_int(&ln, 2, lines[i]);
        pbw_msg(&l, 4, &ln);
    }
    pbw_msg(&b->ents, 4, &l);
    pbw_release(&ln);
    pbw_release(&l);
    return id;
}

void pbp_sample(struct pbp *b, const uint64_t *locs, size_t nloc, const int64_t *vals, size_t nval,
                const struct pbw *extra)
{
    struct pbw s;
    size_t i;

    pbw_init(&s);
    /* Go writes short lists unpacked and longer ones packed; do the same. */
    if (nloc > 2) {
        pbw_packed(&s, 1, locs, nloc);
    } else {
        pbw_unpacked(&s, 1, locs, nloc);
    }
    if (nval > 2) {
        struct pbw pk;
        pbw_init(&pk);
        for (i = 0; i < nval; i++)
            pbw_varint(&pk, (uint64_t)vals[i]);
        pbw_msg(&s, 2, &pk);
        pbw_release(&pk);
    } else {
        for (i = 0; i < nval; i++)
            pbw_int(&s, 2, vals[i]);
    }
    if (extra)
        pbw_raw(&s, extra->p, extra->len);
    pbw_msg(&b->samples, 2, &s);
    pbw_release(&s);
    b->nsamples++;
}

uint64_t pbp_name_loc(struct pbp *b, const char *name)
{
    size_t i;
    uint64_t fn;
    char *c;

    for (i = 0; i < b->nnames; i++)
        if (!strcmp(b->names[i].name, name))
            return b->names[i].id;
    if (b->nnames == b->namecap) {
        size_t nc = b->namecap ? b->namecap * 2 : 32;
        struct pbp_name *nn = realloc(b->names, nc * sizeof(*nn));
        if (!nn)
            goto out_oom;
        b->names = nn;
        b->namecap = nc;
    }
    c = dupstr(name);
    if (!c)
        goto out_oom;
    fn = pbp_func(b, name, "x.go", 0);
    b->names[b->nnames].name = c;
    b->names[b->nnames].id = pbp_loc(b, b->map_id, 0, &fn, NULL, 1);
    return b->names[b->nnames++].id;

out_oom:
    b->oom = true;
    return 0;
}

void pbp_stackv(struct pbp *b, const char *stack, const int64_t *vals, size_t nval)
{
    uint64_t locs[256];
    size_t n = 0, i;
    const char *p = stack;
    char name[256];

    /* root first in the string, leaf first in the sample */
    while (*p && n < 256) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, p, len);
        name[len] = '\0';
        locs[n++] = pbp_name_loc(b, name);
        p = e ? e + 1 : p + strlen(p);
    }
    for (i = 0; i < n / 2; i++) {
        uint64_t t = locs[i];
        locs[i] = locs[n - 1 - i];
        locs[n - 1 - i] = t;
    }
    pbp_sample(b, locs, n, vals, nval, NULL);
}

void pbp_stack(struct pbp *b, const char *stack, int64_t v)
{
    pbp_stackv(b, stack, &v, 1);
}

bool pbp_finish(struct pbp *b, struct pbw *out)
{
    size_t i;

    pbw_raw(out, b->hdr.p, b->hdr.len);
    pbw_raw(out, b->samples.p, b->samples.len);
    pbw_raw(out, b->ents.p, b->ents.len);
    for (i = 0; i < b->nstr; i++)
        pbw_str(out, 6, b->str[i]);
    return !(b->oom || b->hdr.oom || b->ents.oom || b->samples.oom || out->oom);
}
