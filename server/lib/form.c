/*
 * form.c - query strings and multipart bodies (contract in
 * include/hearth/form.h). Our own small parsers: civetweb's form handler
 * has open bugs on hostile input, and these are fuzzed (tests/fuzz).
 */
#define _GNU_SOURCE /* memmem */
#include "hearth/form.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hearth/banned.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Form-decode n bytes of s into out: "%XX" is a byte, '+' a space, a '%'
 * not followed by two hex digits stays itself. false if the result does
 * not fit or holds a NUL.
 */
static bool form_decode(const char *s, size_t n, char *out, size_t outsz)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            c = hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0 || o + 1 >= outsz)
            return false;
        out[o++] = (char)c;
    }
    if (outsz == 0)
        return false;
    out[o] = '\0';
    return true;
}

int hearth_form_param(const char *qs, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);

    while (qs && *qs) {
        const char *amp = strchr(qs, '&');
        size_t len = amp ? (size_t)(amp - qs) : strlen(qs);
        const char *eq = memchr(qs, '=', len);
        size_t nl = eq ? (size_t)(eq - qs) : len;
        if (nl == kl && !strncmp(qs, key, kl)) {
            if (!eq) {
                if (outsz == 0)
                    return -1;
                out[0] = '\0';
                return 1;
            }
            return form_decode(eq + 1, len - kl - 1, out, outsz) ? 1 : -1;
        }
        qs = amp ? amp + 1 : NULL;
    }
    return 0;
}

enum hearth_err hearth_form_multipart_file(const char *ctype, const unsigned char *body, size_t len,
                                           const unsigned char **file, size_t *flen, char *fname,
                                           size_t fnsz, struct hearth_errmsg *em)
{
    const char *b = strstr(ctype, "boundary=");
    const unsigned char *p, *end = body + len;
    char delim[200];
    size_t bl, dl;

    if (fnsz)
        fname[0] = '\0';
    if (!b)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "multipart body without a boundary");
    b += 9;
    if (*b == '"')
        b++;
    bl = strcspn(b, "\";, ");
    if (bl == 0 || bl > 150)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "bad multipart boundary");
    snprintf(delim, sizeof(delim), "--%.*s", (int)bl, b);
    dl = strlen(delim);
    p = memmem(body, len, delim, dl);
    while (p) {
        const unsigned char *hdr = p + dl, *hend, *next;
        size_t hl;
        char hbuf[1024];
        const char *fnp;
        if (hdr + 2 > end || !memcmp(hdr, "--", 2))
            break;
        hend = memmem(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
        if (!hend)
            break;
        next = memmem(hend + 4, (size_t)(end - hend - 4), delim, dl);
        if (!next)
            break;
        /* this part's headers: is there a filename=? */
        hl = (size_t)(hend - hdr);
        snprintf(hbuf, sizeof(hbuf), "%.*s", (int)(hl < 1023 ? hl : 1023), (const char *)hdr);
        fnp = strstr(hbuf, "filename=\"");
        if (fnp) {
            size_t fl = strcspn(fnp + 10, "\"\r\n");
            if (fnsz)
                snprintf(fname, fnsz, "%.*s", (int)(fl < fnsz - 1 ? fl : fnsz - 1), fnp + 10);
            *file = hend + 4;
            *flen = (size_t)(next - (hend + 4));
            if (*flen >= 2 && (*file)[*flen - 2] == '\r' && (*file)[*flen - 1] == '\n')
                *flen -= 2;
            return HEARTH_OK;
        }
        p = next;
    }
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "multipart body has no file part");
}
