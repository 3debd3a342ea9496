/*
 * fuzz_form.c - libFuzzer target for the HTTP layer's own parsers
 * (include/hearth/form.h): the input is split at its first NUL into a
 * Content-Type and a multipart body, and is also read as a query string.
 * Checks beyond "no crash": a found file lies inside the body, a decoded
 * parameter fits its buffer and holds no NUL, and decoding is stable
 * (a parameter found once is found again with the same value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"f", "name", "si", "base", "a", ""};
    const uint8_t *nul = memchr(data, 0, size);
    char ctype[512], *qs, out[64], again[64];
    const unsigned char *file = NULL;
    size_t clen, flen = 0, k;
    struct hearth_errmsg em;
    char fname[32];

    /* multipart: ctype up to the first NUL (capped), the rest is the body */
    clen = nul ? (size_t)(nul - data) : size;
    if (clen >= sizeof(ctype))
        clen = sizeof(ctype) - 1;
    memcpy(ctype, data, clen);
    ctype[clen] = '\0';
    if (nul && hearth_form_multipart_file(ctype, nul + 1, size - (size_t)(nul - data) - 1, &file,
                                          &flen, fname, sizeof(fname), &em) == HEARTH_OK) {
        if (file < nul + 1 || file + flen > data + size || strlen(fname) >= sizeof(fname))
            abort();
    }
    /* the whole input as a query string */
    qs = malloc(size + 1);
    if (!qs)
        return 0;
    memcpy(qs, data, size);
    qs[size] = '\0';
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        int r = hearth_form_param(qs, keys[k], out, sizeof(out));
        if (r == 1) {
            if (strlen(out) >= sizeof(out))
                abort();
            if (hearth_form_param(qs, keys[k], again, sizeof(again)) != 1 || strcmp(out, again))
                abort();
        } else if (r != 0 && r != -1) {
            abort();
        }
    }
    free(qs);
    return 0;
}
