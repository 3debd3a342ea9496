/*
 * test_ids.c - share ids, delete tokens and hashes (ids.h): the id and
 * token formats (length, URL-safe alphabet, canonical last character),
 * hearth_id_valid() on every way an id can be wrong, SHA-256 against the
 * FIPS 180-2 vectors, and hearth_secret_eq().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/ids.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int sym(char c)
{
    const char *p = strchr(alphabet, c);

    return p && c ? (int)(p - alphabet) : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* 160 random bits: 27 characters, all from the alphabet, the last one carrying 4 bits. */
static void test_id_format(void **state)
{
    static char ids[2000][HEARTH_ID_LEN + 1];
    int first_seen[64] = {0}, distinct = 0;
    size_t i, j;

    (void)state;
    for (i = 0; i < 2000; i++) {
        assert_int_equal(hearth_id_new(ids[i]), HEARTH_OK);
        assert_int_equal(strlen(ids[i]), HEARTH_ID_LEN);
        for (j = 0; j < HEARTH_ID_LEN; j++)
            assert_true(sym(ids[i][j]) >= 0);
        /* 160 = 26 * 6 + 4: the last symbol's low two bits are zero */
        assert_int_equal(sym(ids[i][HEARTH_ID_LEN - 1]) % 4, 0);
        assert_true(hearth_id_valid(ids[i], HEARTH_ID_LEN));
        first_seen[sym(ids[i][0])] = 1;
    }
    /* random, not a counter or a hash of something fixed: all distinct, spread over the alphabet */
    qsort(ids, 2000, sizeof(ids[0]), cmp_str);
    for (i = 1; i < 2000; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    for (i = 0; i < 64; i++)
        distinct += first_seen[i];
    assert_true(distinct >= 56); /* 2000 draws miss a given symbol with p = e^-31 */
}

/* 256 random bits: 43 characters (42 * 6 + 4). */
static void test_token_format(void **state)
{
    char a[HEARTH_TOKEN_LEN + 1], b[HEARTH_TOKEN_LEN + 1];
    size_t j;

    (void)state;
    assert_int_equal(hearth_token_new(a), HEARTH_OK);
    assert_int_equal(hearth_token_new(b), HEARTH_OK);
    assert_int_equal(strlen(a), HEARTH_TOKEN_LEN);
    assert_int_equal(strlen(b), HEARTH_TOKEN_LEN);
    for (j = 0; j < HEARTH_TOKEN_LEN; j++)
        assert_true(sym(a[j]) >= 0);
    assert_int_equal(sym(a[HEARTH_TOKEN_LEN - 1]) % 4, 0);
    assert_string_not_equal(a, b);
    /* a token is not an id (length differs), so it never finds a profile */
    assert_false(hearth_id_valid(a, strlen(a)));
}

static void test_id_valid(void **state)
{
    char id[HEARTH_ID_LEN + 2], bad[HEARTH_ID_LEN + 2];
    const char *wrong = "+/=. %\n\x80";
    size_t i;

    (void)state;
    assert_int_equal(hearth_id_new(id), HEARTH_OK);
    assert_true(hearth_id_valid(id, HEARTH_ID_LEN));
    assert_true(hearth_id_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAA", 27));
    assert_true(hearth_id_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAwX", 27)); /* only n bytes are read */
    /* wrong lengths */
    assert_false(hearth_id_valid(id, HEARTH_ID_LEN - 1));
    assert_false(hearth_id_valid(id, 0));
    assert_false(hearth_id_valid("", 0));
    memcpy(bad, id, HEARTH_ID_LEN);
    bad[HEARTH_ID_LEN] = 'A';
    bad[HEARTH_ID_LEN + 1] = '\0';
    assert_false(hearth_id_valid(bad, HEARTH_ID_LEN + 1));
    /* a character outside the alphabet anywhere */
    for (i = 0; wrong[i]; i++) {
        size_t at;
        for (at = 0; at < HEARTH_ID_LEN; at += 13) {
            memcpy(bad, id, HEARTH_ID_LEN + 1);
            bad[at] = wrong[i];
            assert_false(hearth_id_valid(bad, HEARTH_ID_LEN));
        }
    }
    /* an embedded NUL within the length */
    memcpy(bad, id, HEARTH_ID_LEN + 1);
    bad[5] = '\0';
    assert_false(hearth_id_valid(bad, HEARTH_ID_LEN));
    /* a non-canonical last character (low bits set): another spelling of the same bits */
    memcpy(bad, id, HEARTH_ID_LEN + 1);
    bad[HEARTH_ID_LEN - 1] = 'B';
    assert_false(hearth_id_valid(bad, HEARTH_ID_LEN));
    bad[HEARTH_ID_LEN - 1] = '_';
    assert_false(hearth_id_valid(bad, HEARTH_ID_LEN));
    bad[HEARTH_ID_LEN - 1] = 'E';
    assert_true(hearth_id_valid(bad, HEARTH_ID_LEN));
}

/* FIPS 180-2 test vectors. */
static void test_sha256(void **state)
{
    char out[HEARTH_SHA256_HEX + 1];
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    (void)state;
    hearth_sha256_hex("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hearth_sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hearth_sha256_hex(two, strlen(two), out);
    assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* binary input (NUL bytes count) */
    hearth_sha256_hex("a\0b", 3, out);
    assert_int_equal(strlen(out), HEARTH_SHA256_HEX);
    assert_string_not_equal(out,
                            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
}

static void test_secret_eq(void **state)
{
    char t[HEARTH_TOKEN_LEN + 1], u[HEARTH_TOKEN_LEN + 1];

    (void)state;
    assert_int_equal(hearth_token_new(t), HEARTH_OK);
    memcpy(u, t, sizeof(t));
    assert_true(hearth_secret_eq(t, u));
    assert_true(hearth_secret_eq("", ""));
    u[0] = (char)(u[0] == 'A' ? 'B' : 'A');
    assert_false(hearth_secret_eq(t, u));
    memcpy(u, t, sizeof(t));
    u[HEARTH_TOKEN_LEN - 1] ^= 1;
    assert_false(hearth_secret_eq(t, u));
    /* a prefix or an extension is not the secret */
    memcpy(u, t, sizeof(t));
    u[HEARTH_TOKEN_LEN - 1] = '\0';
    assert_false(hearth_secret_eq(t, u));
    assert_false(hearth_secret_eq(u, t));
    assert_false(hearth_secret_eq(t, ""));
    assert_false(hearth_secret_eq("", t));
    assert_false(hearth_secret_eq("abc", "abcd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_format), cmocka_unit_test(test_token_format),
        cmocka_unit_test(test_id_valid),  cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_secret_eq),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
