/*
 * fuzz_allow.c - libFuzzer target for the fetch allow-list parser
 * (--fetch-allow: hosts, IPv4/IPv6 addresses and CIDRs, comma-separated).
 * White-box, like tests/unit/test_fetch.c: it includes the service's
 * fetch.c to reach the parser and the matchers. Checks beyond "no crash":
 * an accepted list has at most as many entries as commas + 1, every
 * network's prefix fits its family and contains its own address, every
 * name is lowercase without a trailing dot and is found by name_listed(),
 * and a failed parse says why.
 */
#include "../../server/service/fetch.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hearth_fetcher f;
    struct hearth_errmsg em;
    char *allow;
    size_t i, commas = 0;
    enum hearth_err e;

    if (size > 4096)
        return 0;
    allow = malloc(size + 1);
    if (!allow)
        return 0;
    memcpy(allow, data, size);
    allow[size] = '\0'; /* the list is a C string: it ends at the first NUL */
    for (i = 0; allow[i]; i++)
        commas += allow[i] == ',';
    memset(&f, 0, sizeof(f));
    em.msg[0] = '\0';
    e = allow_parse(&f, allow, &em);
    if (e != HEARTH_OK && !em.msg[0])
        abort();
    if (e == HEARTH_OK) {
        if (f.n_nets + f.n_names > commas + 1)
            abort();
        for (i = 0; i < f.n_nets; i++) {
            const struct fetch_net *n = &f.nets[i];
            if ((n->family == AF_INET && n->prefix > 32) || n->prefix > 128 ||
                (n->family != AF_INET && n->family != AF_INET6))
                abort();
            if (!net_contains(n, n->family, n->addr))
                abort();
        }
        for (i = 0; i < f.n_names; i++) {
            const char *nm = f.names[i];
            size_t k, len = strlen(nm);
            if (!len || nm[len - 1] == '.' || !name_listed(&f, nm))
                abort();
            for (k = 0; k < len; k++)
                if (nm[k] >= 'A' && nm[k] <= 'Z')
                    abort();
        }
    }
    for (i = 0; i < f.n_names; i++)
        free(f.names[i]);
    free(f.names);
    free(f.nets);
    free(allow);
    return 0;
}
