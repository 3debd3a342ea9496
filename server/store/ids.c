/* ids.c - random ids and tokens, SHA-256; see include/hearth/ids.h. */
#include "hearth/ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/sha.h>

#include "hearth/banned.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static enum hearth_err random_bytes(unsigned char *p, size_t n)
{
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return HEARTH_E_IO;
        }
        p += r;
        n -= (size_t)r;
    }
    return HEARTH_OK;
}

/* base64url without padding of n bytes into out (4n/3 rounded up chars + NUL). */
static void encode(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;
    unsigned v = 0;
    int bits = 0;

    for (i = 0; i < n; i++) {
        v = (v << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            out[o++] = b64url[(v >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits)
        out[o++] = b64url[(v << (6 - bits)) & 63];
    out[o] = '\0';
}

enum hearth_err hearth_id_new(char out[HEARTH_ID_LEN + 1])
{
    unsigned char r[20];
    enum hearth_err e = random_bytes(r, sizeof(r));

    if (!e)
        encode(r, sizeof(r), out);
    return e;
}

enum hearth_err hearth_token_new(char out[HEARTH_TOKEN_LEN + 1])
{
    unsigned char r[32];
    enum hearth_err e = random_bytes(r, sizeof(r));

    if (!e)
        encode(r, sizeof(r), out);
    return e;
}

bool hearth_id_valid(const char *s, size_t n)
{
    size_t i;

    if (n != HEARTH_ID_LEN)
        return false;
    for (i = 0; i < n; i++)
        if (!strchr(b64url, s[i]) || s[i] == '\0')
            return false;
    /* the last character carries 4 bits: only every 4th symbol is canonical */
    return (strchr(b64url, s[n - 1]) - b64url) % 4 == 0;
}

void hearth_sha256_hex(const void *p, size_t n, char out[HEARTH_SHA256_HEX + 1])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    static const char hex[] = "0123456789abcdef";
    size_t i;

    SHA256(p, n, d);
    for (i = 0; i < sizeof(d); i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

bool hearth_secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i;
    unsigned char d = la != lb;

    for (i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}
