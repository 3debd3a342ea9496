/*
 * fetch.c - fetch a profile by URL with libcurl; see include/hearth/fetch.h.
 *
 * The SSRF defences (docs threats.md 3.3), in the order a fetch meets them:
 *
 *   1. Fetching is off unless the operator set an allow-list.
 *   2. The URL is parsed once (curl's URL API) and handed to curl as the
 *      parsed handle, so the checks and the transfer see the same URL:
 *      http/https only, no user:password@, no odd IPv4 spellings
 *      (2130706433, 0x7f.1, 017.0.0.1), ?seconds= within max_seconds.
 *   3. The address check runs in CURLOPT_OPENSOCKETFUNCTION, i.e. on every
 *      address curl is about to connect to, after its DNS lookup and before
 *      the socket exists. A rebinding name cannot slip past: there is no
 *      second lookup. The rules, first match wins:
 *        - our own listen address (ip:port; with a wildcard listen address,
 *          any local address on our port) is refused;
 *        - an address inside a listed IP/CIDR is allowed, except that a
 *          "special" address (loopback, link-local, cloud metadata,
 *          0.0.0.0/8, multicast, reserved) needs an entry inside its own
 *          special block: "0.0.0.0/0" does not open 169.254.169.254, but
 *          "169.254.169.254" or "127.0.0.1" do;
 *        - if the URL's host is listed by name, any address it resolves to
 *          is allowed except special ones (loopback is accepted only for the
 *          name "localhost" and *.localhost, RFC 6761);
 *        - anything else is refused, and the refusal is remembered so the
 *          error names the address and the rule.
 *   4. No proxy (environment proxies would make the connected address the
 *      proxy's), no redirects, no Accept-Encoding, no cookies, no client
 *      headers; a connect deadline, a total deadline, and a body cap enforced
 *      in the write callback. Only HTTP 200 is a success, and no error
 *      message ever contains bytes of the remote answer.
 *
 * The fetcher is immutable after hearth_fetcher_new(), so calls from many
 * threads share it without locks; each call has its own curl handle.
 */
#define _GNU_SOURCE /* strcasecmp, strncasecmp, inet_pton, NI_* in C11 mode */
#include "hearth/fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hearth/buf.h"
#include "hearth/limits.h"

#include "hearth/banned.h"

#define FETCH_USER_AGENT    "hearth/0.1"
#define FETCH_MAX_URL       HEARTH_LIMIT_FETCH_URL     /* longer URLs are refused before parsing */
#define FETCH_CONNECT_MAX_S 5L                         /* connect deadline: min(this, timeout_s) */
#define FETCH_MAX_NAME      253                        /* DNS name length */
#define FETCH_MAX_ENTRIES   HEARTH_LIMIT_FETCH_ENTRIES /* allow-list entries */

/* One IP/CIDR entry of the allow-list; addresses are in network order. */
struct fetch_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned prefix;
};

struct hearth_fetcher {
    struct fetch_net *nets;
    size_t n_nets;
    char **names; /* lowercased, without a trailing dot */
    size_t n_names;
    size_t max_bytes;
    long timeout_s;
    long max_seconds;
    bool has_self;      /* a self address with a port was given */
    bool self_wildcard; /* 0.0.0.0, :: or a host name: every local address */
    struct fetch_net self;
    unsigned self_port;
    bool open; /* hearth_fetch_opts.open: the command line's own fetch */
};

/* Why an address was refused; the first refusal of a call is reported. */
enum fetch_verdict {
    FV_ALLOW = 0,
    FV_NOT_LISTED, /* not inside any IP/CIDR entry, host not listed by name */
    FV_SPECIAL,    /* special address reached through a broad CIDR or a name */
    FV_SELF,       /* our own listen address */
    FV_FAMILY,     /* neither IPv4 nor IPv6 (should not happen for http) */
};

/* State of one hearth_fetch() call, shared with the curl callbacks. */
struct fetch_call {
    const struct hearth_fetcher *f;
    bool named;     /* the URL's host is listed by name */
    bool localhost; /* the URL's host is "localhost" or *.localhost */
    unsigned n_allowed;
    unsigned n_refused;
    enum fetch_verdict verdict; /* first refusal */
    char refused_addr[INET6_ADDRSTRLEN];
    const char *refused_kind; /* "link-local", ... for FV_SPECIAL */
    struct hearth_buf body;
    bool too_large;
    bool nomem;
    long bad_status; /* a non-200 status seen by the write callback */
};

/* ---- addresses -------------------------------------------------------- */

/* Special blocks: only an entry inside the block (or a name, for loopback
 * and "localhost") can open them. */
struct special {
    int family;
    unsigned char addr[16];
    unsigned prefix;
    const char *kind;
    bool loopback;
};

static const struct special specials[] = {
    {AF_INET, {169, 254, 169, 254}, 32, "cloud metadata", false},
    {AF_INET, {169, 254}, 16, "link-local", false},
    {AF_INET, {127}, 8, "loopback", true},
    {AF_INET, {0}, 8, "unspecified", false},
    {AF_INET, {224}, 4, "multicast", false},
    {AF_INET, {240}, 4, "reserved", false},
    {AF_INET6, {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x54, [14] = 0x02}, 128, "cloud metadata", false},
    {AF_INET6, {[15] = 1}, 128, "loopback", true},
    {AF_INET6, {0}, 128, "unspecified", false},
    {AF_INET6, {0xfe, 0x80}, 10, "link-local", false},
    {AF_INET6, {0xff}, 8, "multicast", false},
};

#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/* Do the first `prefix` bits of a and b agree? */
static bool prefix_match(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    unsigned char mask;

    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static bool net_contains(const struct fetch_net *n, int family, const unsigned char *addr)
{
    return n->family == family && prefix_match(n->addr, addr, n->prefix);
}

/* The special block holding an address, or NULL. */
static const struct special *special_of(int family, const unsigned char *addr)
{
    size_t i;

    for (i = 0; i < NSPECIALS; i++)
        if (specials[i].family == family &&
            prefix_match(specials[i].addr, addr, specials[i].prefix))
            return &specials[i];
    return NULL;
}

/* Is the entry n wholly inside the special block s? */
static bool net_inside(const struct fetch_net *n, const struct special *s)
{
    return n->family == s->family && n->prefix >= s->prefix &&
           prefix_match(n->addr, s->addr, s->prefix);
}

/* Zero the host bits so that 10.1.2.3/8 is stored as 10.0.0.0/8. */
static void net_mask(struct fetch_net *n)
{
    unsigned bits = n->family == AF_INET ? 32 : 128;
    unsigned i;

    for (i = n->prefix; i < bits; i++)
        n->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address. */
static void fold_mapped(struct fetch_net *n)
{
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};

    if (n->family == AF_INET6 && memcmp(n->addr, mapped, 12) == 0) {
        memmove(n->addr, n->addr + 12, 4);
        memset(n->addr + 4, 0, 12);
        n->family = AF_INET;
        n->prefix = 32;
    }
}

/*
 * Parse a strict IP literal (dotted-quad IPv4 as inet_pton reads it: no
 * octal, hex or short forms; IPv6 with or without brackets) into n as a
 * host entry (/32 or /128). IPv4-mapped IPv6 addresses become IPv4.
 */
static bool parse_ip(const char *s, size_t len, struct fetch_net *n)
{
    char tmp[INET6_ADDRSTRLEN + 2];

    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    memset(n, 0, sizeof(*n));
    if (inet_pton(AF_INET, tmp, n->addr) == 1) {
        n->family = AF_INET;
        n->prefix = 32;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, n->addr) == 1) {
        n->family = AF_INET6;
        n->prefix = 128;
        fold_mapped(n);
        return true;
    }
    return false;
}

/* A socket address as family + bytes (IPv4-mapped IPv6 folded to IPv4). */
static bool sockaddr_to_net(const struct sockaddr *sa, struct fetch_net *n, unsigned *port)
{
    memset(n, 0, sizeof(*n));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        n->family = AF_INET;
        n->prefix = 32;
        memcpy(n->addr, &in->sin_addr, 4);
        *port = ntohs(in->sin_port);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

        n->family = AF_INET6;
        n->prefix = 128;
        memcpy(n->addr, &in6->sin6_addr, 16);
        *port = ntohs(in6->sin6_port);
        fold_mapped(n);
        return true;
    }
    return false;
}

static void net_format(const struct fetch_net *n, char *out, size_t outlen)
{
    if (!inet_ntop(n->family, n->addr, out, (socklen_t)outlen))
        snprintf(out, outlen, "?");
}

/*
 * Is addr one of this machine's addresses? Binding a fresh socket to it
 * (port 0) succeeds exactly for local addresses; used only when we listen
 * on a wildcard address and the target port is ours.
 */
static bool addr_is_local(const struct fetch_net *n)
{
    const struct special *sp = special_of(n->family, n->addr);
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd;
    bool local;

    if (sp && (sp->loopback || strcmp(sp->kind, "unspecified") == 0))
        return true; /* 127.0.0.0/8, ::1, 0.0.0.0 (= this host) */
    memset(&ss, 0, sizeof(ss));
    if (n->family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, n->addr, 4);
        sl = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, n->addr, 16);
        sl = sizeof(*in6);
    }
    fd = socket(n->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true; /* cannot tell: err on the side of refusing */
    local = bind(fd, (struct sockaddr *)&ss, sl) == 0 || errno == EADDRINUSE;
    close(fd);
    return local;
}

/* ---- the allow-list ---------------------------------------------------- */

/* Lowercase s[0..len) into out, dropping one trailing dot; false if too long. */
static bool name_norm(const char *s, size_t len, char *out, size_t outlen)
{
    size_t i;

    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len >= outlen)
        return false;
    for (i = 0; i < len; i++) {
        char c = s[i];

        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
    return true;
}

/* Letters, digits, '-', '_' and dots; no empty labels. */
static bool name_valid(const char *s)
{
    size_t i, label = 0;

    for (i = 0; s[i]; i++) {
        char c = s[i];

        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0;
}

/* Digits, dots and hex/octal markers only: something curl would read as an
 * IPv4 address (127.1, 2130706433, 0x7f.1). Valid names never look so. */
static bool looks_numeric(const char *s)
{
    size_t i;

    if (!(s[0] >= '0' && s[0] <= '9'))
        return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || c == '.' || c == 'x' || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static bool parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    size_t i;

    if (len == 0 || len > 10)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* Parse one trimmed allow-list entry into f (an IP/CIDR or a host name). */
static enum hearth_err allow_add(struct hearth_fetcher *f, const char *s, size_t len,
                                 struct hearth_errmsg *em)
{
    const char *slash = memchr(s, '/', len);
    struct fetch_net n;
    char name[FETCH_MAX_NAME + 2];
    char *dup;

    if (f->n_nets + f->n_names >= FETCH_MAX_ENTRIES)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "--fetch-allow: more than %d entries",
                                 FETCH_MAX_ENTRIES);
    if (slash) {
        unsigned long prefix;
        size_t alen = (size_t)(slash - s);
        bool v6 = memchr(s, ':', alen) != NULL;

        if (!parse_ip(s, alen, &n) ||
            !parse_uint(slash + 1, len - alen - 1, v6 ? 128 : 32, &prefix))
            goto out_bad;
        /* an IPv4-mapped IPv6 CIDR (::ffff:10.0.0.0/104) keeps its IPv4 meaning */
        if (n.family == AF_INET && v6) {
            if (prefix < 96)
                goto out_bad;
            prefix -= 96;
        }
        n.prefix = (unsigned)prefix;
        net_mask(&n);
        f->nets[f->n_nets++] = n;
        return HEARTH_OK;
    }
    if (parse_ip(s, len, &n)) {
        f->nets[f->n_nets++] = n;
        return HEARTH_OK;
    }
    if (!name_norm(s, len, name, sizeof(name)) || !name_valid(name)) {
        if (memchr(s, ':', len))
            return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                     "--fetch-allow: '%.*s': list hosts, IPs or CIDRs without "
                                     "a port (ports are not restricted)",
                                     (int)(len > 100 ? 100 : len), s);
        goto out_bad;
    }
    if (looks_numeric(name))
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "--fetch-allow: '%s' is an unusual IPv4 spelling; write "
                                 "addresses as a.b.c.d",
                                 name);
    dup = strdup(name);
    if (!dup)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    f->names[f->n_names++] = dup;
    return HEARTH_OK;

out_bad:
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                             "--fetch-allow: '%.*s' is not a host name, IP address or CIDR",
                             (int)(len > 100 ? 100 : len), s);
}

static enum hearth_err allow_parse(struct hearth_fetcher *f, const char *allow,
                                   struct hearth_errmsg *em)
{
    size_t entries = 1;
    const char *p;
    enum hearth_err e;

    for (p = allow; *p; p++)
        entries += *p == ',';
    if (entries > FETCH_MAX_ENTRIES)
        entries = FETCH_MAX_ENTRIES;
    f->nets = calloc(entries, sizeof(*f->nets));
    f->names = calloc(entries, sizeof(*f->names));
    if (!f->nets || !f->names)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    p = allow;
    while (*p) {
        const char *end = strchr(p, ',');
        const char *a = p, *b;

        if (!end)
            end = p + strlen(p);
        b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a) {
            e = allow_add(f, a, (size_t)(b - a), em);
            if (e)
                return e;
        }
        p = *end ? end + 1 : end;
    }
    return HEARTH_OK;
}

/* Our own listen address: "ip:port", "[v6]:port", "host:port" or "port". */
static enum hearth_err self_parse(struct hearth_fetcher *f, const char *self,
                                  struct hearth_errmsg *em)
{
    const char *colon = strrchr(self, ':');
    const char *host = self, *port = self;
    size_t hlen = 0, plen;
    unsigned long pn;

    if (colon) {
        host = self;
        hlen = (size_t)(colon - self);
        port = colon + 1;
        /* a bare IPv6 address without a port: "::1" */
        if (self[0] != '[' && memchr(self, ':', hlen))
            goto out_bad;
    }
    plen = strlen(port);
    /* civetweb's "8443s" (TLS) and "80r" (redirect) suffixes */
    if (plen > 1 && (port[plen - 1] == 's' || port[plen - 1] == 'r'))
        plen--;
    if (!parse_uint(port, plen, 65535, &pn))
        goto out_bad;
    f->self_port = (unsigned)pn;
    f->has_self = pn != 0; /* port 0: not bound yet, nothing to protect */
    if (hlen == 0 || !parse_ip(host, hlen, &f->self)) {
        f->self_wildcard = true; /* "8080", "localhost:8080": any local address */
        return HEARTH_OK;
    }
    f->self_wildcard = special_of(f->self.family, f->self.addr) != NULL &&
                       strcmp(special_of(f->self.family, f->self.addr)->kind, "unspecified") == 0;
    return HEARTH_OK;

out_bad:
    return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                             "fetch: self address '%.100s' is not ip:port", self);
}

/*
 * The decision for one address curl is about to connect to (see the rules
 * at the top of the file). Pure apart from addr_is_local().
 */
static enum fetch_verdict check_addr(const struct hearth_fetcher *f, bool named, bool localhost,
                                     const struct fetch_net *a, unsigned port, const char **kind)
{
    const struct special *sp = special_of(a->family, a->addr);
    size_t i;

    *kind = sp ? sp->kind : NULL;
    if (f->open)
        return FV_ALLOW;
    if (f->has_self && port == f->self_port) {
        if (f->self_wildcard ? addr_is_local(a)
                             : (a->family == f->self.family && !memcmp(a->addr, f->self.addr, 16)))
            return FV_SELF;
    }
    for (i = 0; i < f->n_nets; i++) {
        if (!net_contains(&f->nets[i], a->family, a->addr))
            continue;
        if (!sp || net_inside(&f->nets[i], sp))
            return FV_ALLOW;
        /* a broad CIDR that merely contains a special address: keep looking */
    }
    if (named) {
        if (!sp || (sp->loopback && localhost))
            return FV_ALLOW;
        return FV_SPECIAL;
    }
    return sp ? FV_SPECIAL : FV_NOT_LISTED;
}

/* ---- lifecycle ---------------------------------------------------------- */

enum hearth_err hearth_fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? HEARTH_OK : HEARTH_E_NOMEM;
}

void hearth_fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

enum hearth_err hearth_fetcher_new(const struct hearth_fetch_opts *o, struct hearth_fetcher **out,
                                   struct hearth_errmsg *em)
{
    struct hearth_fetcher *f;
    enum hearth_err e;

    *out = NULL;
    if (o->max_bytes == 0 || o->max_bytes >= SIZE_MAX / 2)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "fetch: max_bytes out of range");
    if (o->timeout_s <= 0 || o->timeout_s > 86400 || o->max_seconds < 0 || o->max_seconds > 86400)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                 "fetch: timeout_s and max_seconds must be within 1..86400 s");
    f = calloc(1, sizeof(*f));
    if (!f)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    f->max_bytes = o->max_bytes;
    f->timeout_s = o->timeout_s;
    f->max_seconds = o->max_seconds;
    f->open = o->open;
    e = allow_parse(f, o->allow ? o->allow : "", em);
    if (e)
        goto out_free;
    if (o->self_addr && o->self_addr[0]) {
        e = self_parse(f, o->self_addr, em);
        if (e)
            goto out_free;
    }
    *out = f;
    return HEARTH_OK;

out_free:
    hearth_fetcher_free(f);
    return e;
}

void hearth_fetcher_free(struct hearth_fetcher *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n_names; i++)
        free(f->names[i]);
    free(f->names);
    free(f->nets);
    free(f);
}

/* ---- URL checks ---------------------------------------------------------- */

static bool name_listed(const struct hearth_fetcher *f, const char *host)
{
    size_t i;

    for (i = 0; i < f->n_names; i++)
        if (strcmp(f->names[i], host) == 0)
            return true;
    return false;
}

/*
 * The host exactly as written in the URL (after "scheme:" and the slashes,
 * without userinfo and port), so that spellings curl normalizes away
 * (2130706433 -> 127.0.0.1, 017.0.0.1 -> 15.0.0.1) can be refused.
 */
static bool raw_host(const char *url, const char **h, size_t *hlen)
{
    const char *p = strchr(url, ':'), *end, *at, *c;

    if (!p)
        return false;
    p++;
    while (*p == '/' || *p == '\\')
        p++;
    end = p + strcspn(p, "/?#\\");
    at = NULL;
    for (c = p; c < end; c++)
        if (*c == '@')
            at = c;
    if (at)
        p = at + 1;
    if (p < end && *p == '[') {
        c = memchr(p, ']', (size_t)(end - p));
        if (c)
            end = c + 1;
    } else {
        for (c = p; c < end && *c != ':'; c++)
            ;
        end = c;
    }
    *h = p;
    *hlen = (size_t)(end - p);
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Form-decode s[0..len) into out (as Go's url.ParseQuery would); false if
 * it does not fit or has a bad escape. */
static bool form_decode(const char *s, size_t len, char *out, size_t outlen)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (o + 1 >= outlen)
            return false;
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;

            if (i + 2 >= len)
                return false;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/*
 * The ?seconds= of a pprof CPU or delta profile: the target sleeps that
 * long before answering, so it is added to our deadline and capped. Every
 * occurrence is checked (Go reads the first, other servers may read the
 * last); *seconds is the largest.
 */
static enum hearth_err query_seconds(const struct hearth_fetcher *f, const char *q, long *seconds,
                                     struct hearth_errmsg *em)
{
    const char *p = q;

    *seconds = 0;
    while (p && *p) {
        const char *end = p + strcspn(p, "&;");
        const char *eq = memchr(p, '=', (size_t)(end - p));
        char key[16], val[32];
        unsigned long v;

        if (eq && form_decode(p, (size_t)(eq - p), key, sizeof(key)) &&
            strcmp(key, "seconds") == 0) {
            if (!form_decode(eq + 1, (size_t)(end - eq - 1), val, sizeof(val)) ||
                !parse_uint(val[0] == '+' ? val + 1 : val, strlen(val[0] == '+' ? val + 1 : val),
                            ULONG_MAX, &v) ||
                v == 0)
                return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                         "seconds= must be a whole number from 1 to %ld",
                                         f->max_seconds);
            if (v > (unsigned long)f->max_seconds)
                return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                                         "seconds=%lu is more than the %ld s this server allows "
                                         "(--max-fetch-seconds)",
                                         v, f->max_seconds);
            if ((long)v > *seconds)
                *seconds = (long)v;
        }
        p = *end ? end + 1 : end;
    }
    return HEARTH_OK;
}

/*
 * Parse and check the URL: scheme, userinfo, host spelling, seconds=.
 * On success *up is the parsed handle for CURLOPT_CURLU and c->named /
 * c->localhost describe the host.
 */
static enum hearth_err url_check(const struct hearth_fetcher *f, const char *url,
                                 struct fetch_call *c, long *seconds, CURLU **up,
                                 struct hearth_errmsg *em)
{
    CURLU *u = NULL;
    char *scheme = NULL, *user = NULL, *host = NULL, *query = NULL;
    char name[FETCH_MAX_NAME + 2];
    const char *rh;
    size_t rhlen, hlen;
    CURLUcode uc;
    enum hearth_err e = HEARTH_OK;

    *up = NULL;
    if (strlen(url) > FETCH_MAX_URL)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "the URL is longer than %d bytes",
                                 FETCH_MAX_URL);
    u = curl_url();
    if (!u)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    /* NON_SUPPORT_SCHEME: parse any scheme so the error below can name it */
    uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc == CURLUE_OUT_OF_MEMORY) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    if (uc != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed URL (%s)",
                              curl_url_strerror(uc));
        goto out_free;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "only http and https URLs can be fetched, not %.20s:", scheme);
        goto out_free;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "credentials in the URL (user@host) are not allowed");
        goto out_free;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed URL (no host)");
        goto out_free;
    }
    /* curl reads 2130706433, 0x7f.1 and 017.0.0.1 as IPv4 and rewrites the
     * host; a listed name must not hide behind such a spelling, and people
     * disagree on what 017 means. Refuse unless it was written a.b.c.d. */
    hlen = strlen(host);
    if (host[0] != '[' && looks_numeric(host) &&
        (!raw_host(url, &rh, &rhlen) || rhlen != hlen || strncasecmp(rh, host, hlen) != 0)) {
        e = hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST,
                              "unusual IPv4 spelling in the URL; write the address as %s", host);
        goto out_free;
    }
    if (host[0] != '[' && name_norm(host, hlen, name, sizeof(name))) {
        size_t nl = strlen(name);

        c->named = name_listed(f, name);
        c->localhost = strcmp(name, "localhost") == 0 ||
                       (nl > 10 && strcmp(name + nl - 10, ".localhost") == 0);
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        e = query_seconds(f, query, seconds, em);
        if (e)
            goto out_free;
    }
    *up = u;
    u = NULL;

out_free:
    curl_free(query);
    curl_free(host);
    curl_free(user);
    curl_free(scheme);
    curl_url_cleanup(u);
    return e;
}

enum hearth_err hearth_fetch_check_url(const struct hearth_fetcher *f, const char *url,
                                       struct hearth_errmsg *em)
{
    struct fetch_call c;
    CURLU *u = NULL;
    long seconds = 0;
    enum hearth_err e;

    if (!f->n_nets && !f->n_names && !f->open)
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN, "fetching is disabled: set --fetch-allow");
    memset(&c, 0, sizeof(c));
    c.f = f;
    e = url_check(f, url, &c, &seconds, &u, em);
    curl_url_cleanup(u);
    return e;
}

/* ---- curl callbacks -------------------------------------------------------- */

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *sa)
{
    struct fetch_call *c = clientp;
    struct fetch_net a;
    unsigned port = 0;
    enum fetch_verdict v;
    const char *kind = NULL;
    curl_socket_t fd;

    if (purpose != CURLSOCKTYPE_IPCXN || !sockaddr_to_net(&sa->addr, &a, &port))
        v = FV_FAMILY;
    else
        v = check_addr(c->f, c->named, c->localhost, &a, port, &kind);
    if (v != FV_ALLOW) {
        if (c->n_refused++ == 0) {
            c->verdict = v;
            c->refused_kind = kind;
            if (v == FV_FAMILY)
                snprintf(c->refused_addr, sizeof(c->refused_addr), "(family %d)", (int)sa->family);
            else
                net_format(&a, c->refused_addr, sizeof(c->refused_addr));
        }
        return CURL_SOCKET_BAD;
    }
    fd = socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
    if (fd >= 0)
        c->n_allowed++;
    return fd;
}

static size_t write_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct fetch_call *c = userdata;
    size_t n = size * nmemb;
    enum hearth_err e;

    if (c->bad_status)
        return 0;
    e = hearth_buf_add(&c->body, ptr, n);
    if (e == HEARTH_E_TOO_LARGE) {
        c->too_large = true;
        return 0;
    }
    if (e) {
        c->nomem = true;
        return 0;
    }
    return n;
}

/*
 * Headers arrive before the body: stop at the status line of anything but
 * 200 so an error page is never downloaded (and never stored).
 */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct fetch_call *c = userdata;
    size_t n = size * nmemb;
    unsigned code = 0;
    size_t i = 0;

    if (n <= 2 && c->bad_status)
        return 0; /* the blank line ending the headers of a non-200 answer */
    if (n < 12 || strncmp(ptr, "HTTP/", 5) != 0)
        return n;
    /* "HTTP/1.1 404 ..." or "HTTP/2 404 ..." */
    while (i < n && ptr[i] != ' ')
        i++;
    while (i < n && ptr[i] == ' ')
        i++;
    while (i < n && ptr[i] >= '0' && ptr[i] <= '9' && code < 1000)
        code = code * 10 + (unsigned)(ptr[i++] - '0');
    if (code >= 100 && code < 200)
        return n; /* 100 Continue and friends: a final status follows */
    c->bad_status = code == 200 ? 0 : (long)code;
    return n;
}

/* ---- the fetch ---------------------------------------------------------------- */

static enum hearth_err status_error(long code, struct hearth_errmsg *em)
{
    if (code >= 300 && code < 400)
        return hearth_errmsg_set(em, HEARTH_E_IO,
                                 "the server answered HTTP %ld (a redirect): redirects are not "
                                 "followed; fetch the final URL",
                                 code);
    return hearth_errmsg_set(em, HEARTH_E_IO, "the server answered HTTP %ld", code);
}

static enum hearth_err refusal_error(const struct fetch_call *c, struct hearth_errmsg *em)
{
    switch (c->verdict) {
    case FV_SELF:
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "address %s port %u is this server: a server cannot fetch from "
                                 "itself",
                                 c->refused_addr, c->f->self_port);
    case FV_SPECIAL:
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN,
                                 "address %s (%s) is not in --fetch-allow; %s addresses must be "
                                 "listed by IP or CIDR",
                                 c->refused_addr, c->refused_kind ? c->refused_kind : "special",
                                 c->refused_kind ? c->refused_kind : "special");
    case FV_FAMILY:
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN, "address %s is not an IP address",
                                 c->refused_addr);
    case FV_NOT_LISTED:
    case FV_ALLOW:
        break;
    }
    return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN, "address %s is not in --fetch-allow",
                             c->refused_addr);
}

/*
 * What a client is told when the target did not answer (refused, timed out,
 * reset, unknown name, TLS failure): the same words for every cause, so the
 * fetch API cannot be used to probe which ports are open. The cause goes to
 * the caller's detail (the server log).
 */
#define FETCH_GENERIC_ERROR                                                                        \
    "the target did not answer with a profile (the cause is in the server's log)"

static enum hearth_err fetch_once(struct hearth_fetcher *f, const char *url, unsigned char **body,
                                  size_t *len, struct hearth_errmsg *em, bool *transport);

/*
 * Map a failed transfer to (error, message); nothing of the body is used.
 * *transport: the target did not answer at all (the message is the cause,
 * for the log; the client gets FETCH_GENERIC_ERROR).
 */
static enum hearth_err transfer_error(CURL *h, CURLcode rc, const struct fetch_call *c,
                                      long total_s, long seconds, CURLU *u,
                                      struct hearth_errmsg *em, bool *transport)
{
    long code = 0, oserr = 0;
    curl_off_t connect_us = 0;
    char *host = NULL;
    char hostbuf[FETCH_MAX_NAME + 8];
    enum hearth_err e;

    /* every address refused by the allow-list: the fetch was forbidden */
    if (c->n_refused > 0 && c->n_allowed == 0)
        return refusal_error(c, em);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (c->bad_status)
        return status_error(c->bad_status, em);
    if (code != 0 && code != 200 && rc != CURLE_OPERATION_TIMEDOUT)
        return status_error(code, em);
    if (c->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "the response is larger than %zu bytes (--max-upload-mb)",
                                 c->f->max_bytes);
    if (c->nomem || rc == CURLE_OUT_OF_MEMORY)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");

    /* from here on the target did not answer: one generic message for the client */
    *transport = true; /* (errors other than HEARTH_E_IO below keep their own words) */
    hostbuf[0] = '\0';
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        snprintf(hostbuf, sizeof(hostbuf), "%s", host);
        curl_free(host);
    }
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
        if (connect_us == 0 && c->n_allowed > 0) {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "timed out after %ld s connecting to %s",
                                  total_s < FETCH_CONNECT_MAX_S ? total_s : FETCH_CONNECT_MAX_S,
                                  hostbuf);
        } else if (seconds == 0 && u) {
            char *path = NULL;
            bool cpu = false;

            if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
                size_t pl = strlen(path);

                cpu = pl >= 8 && strcmp(path + pl - 8, "/profile") == 0;
                curl_free(path);
            }
            e = hearth_errmsg_set(em, HEARTH_E_IO, "timed out after %ld s%s", total_s,
                                  cpu ? " (a Go CPU profile without ?seconds= takes 30 s; add "
                                        "?seconds=N)"
                                      : "");
        } else {
            e = hearth_errmsg_set(em, HEARTH_E_IO, "timed out after %ld s", total_s);
        }
        return e;
    case CURLE_COULDNT_RESOLVE_HOST:
        return hearth_errmsg_set(em, HEARTH_E_IO, "cannot resolve host %s", hostbuf);
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
        if (oserr == ECONNREFUSED)
            return hearth_errmsg_set(em, HEARTH_E_IO, "connection refused by %s", hostbuf);
        if (oserr == ENETUNREACH || oserr == EHOSTUNREACH)
            return hearth_errmsg_set(em, HEARTH_E_IO, "%s is unreachable", hostbuf);
        if (c->n_refused > 0)
            return refusal_error(c, em);
        return hearth_errmsg_set(em, HEARTH_E_IO, "cannot connect to %s", hostbuf);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "malformed URL (%s)",
                                 curl_easy_strerror(rc));
    case CURLE_GOT_NOTHING:
        return hearth_errmsg_set(em, HEARTH_E_IO,
                                 "the server closed the connection without answering");
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return hearth_errmsg_set(em, HEARTH_E_IO, "the connection to %s broke off", hostbuf);
    case CURLE_PEER_FAILED_VERIFICATION:
        return hearth_errmsg_set(em, HEARTH_E_IO, "TLS: the certificate of %s is not trusted",
                                 hostbuf);
    default:
        break;
    }
    /* curl's own words: a fixed string per code, never remote bytes */
    return hearth_errmsg_set(em, HEARTH_E_IO, "fetch failed: %s", curl_easy_strerror(rc));
}

/* Set every option; false if curl refused one (out of memory or too old). */
static bool setup(CURL *h, CURLU *u, struct fetch_call *c, long total_s)
{
    const struct hearth_fetcher *f = c->f;
    long connect_s = f->timeout_s < FETCH_CONNECT_MAX_S ? f->timeout_s : FETCH_CONNECT_MAX_S;
    bool ok = true;

    ok &= curl_easy_setopt(h, CURLOPT_CURLU, u) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
#else
    ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) ==
          CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) ==
          CURLE_OK;
#endif
    ok &= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    /* "" disables proxies, including http_proxy/ALL_PROXY from the environment */
    ok &= curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, FETCH_USER_AGENT) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_s * 1000L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_s * 1000L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_bytes) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_HEADERDATA, c) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) == CURLE_OK;
    return ok;
}

enum hearth_err hearth_fetch(struct hearth_fetcher *f, const char *url, unsigned char **body,
                             size_t *len, struct hearth_errmsg *em, struct hearth_errmsg *detail)
{
    struct hearth_errmsg why = {{0}};
    bool transport = false;
    enum hearth_err e = fetch_once(f, url, body, len, &why, &transport);

    if (e && detail)
        *detail = why;
    if (e == HEARTH_E_IO && transport)
        return hearth_errmsg_set(em, e, "%s", FETCH_GENERIC_ERROR);
    if (e)
        hearth_errmsg_set(em, e, "%s", why.msg);
    return e;
}

static enum hearth_err fetch_once(struct hearth_fetcher *f, const char *url, unsigned char **body,
                                  size_t *len, struct hearth_errmsg *em, bool *transport)
{
    struct fetch_call c;
    CURLU *u = NULL;
    CURL *h = NULL;
    CURLcode rc;
    long seconds = 0, total_s, code = 0;
    enum hearth_err e;

    *body = NULL;
    *len = 0;
    if (!f->n_nets && !f->n_names && !f->open)
        return hearth_errmsg_set(em, HEARTH_E_FORBIDDEN, "fetching is disabled: set --fetch-allow");
    memset(&c, 0, sizeof(c));
    c.f = f;
    hearth_buf_init(&c.body, f->max_bytes + 1);
    e = url_check(f, url, &c, &seconds, &u, em);
    if (e)
        goto out;
    if (seconds == 0 && u && !f->open) {
        /* Go's CPU (and trace) endpoints sample 30 s when seconds= is absent */
        char *path = NULL;
        if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path) {
            size_t pl = strlen(path);
            if ((pl >= 8 && !strcmp(path + pl - 8, "/profile")) ||
                (pl >= 6 && !strcmp(path + pl - 6, "/trace")))
                seconds = 30 <= f->max_seconds ? 30 : f->max_seconds;
            curl_free(path);
        }
    }
    /* open: timeout_s is the whole deadline, as pprof's -timeout */
    total_s = f->open ? f->timeout_s : f->timeout_s + seconds;
    h = curl_easy_init();
    if (!h) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free_url;
    }
    if (!setup(h, u, &c, total_s)) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "fetch: cannot configure libcurl");
        goto out_cleanup;
    }
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        e = transfer_error(h, rc, &c, total_s, seconds, u, em, transport);
        goto out_cleanup;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        e = status_error(code, em);
        goto out_cleanup;
    }
    *body = (unsigned char *)hearth_buf_detach(&c.body, len);
    if (!*body) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_cleanup;
    }
    e = HEARTH_OK;

out_cleanup:
    curl_easy_cleanup(h);
out_free_url:
    curl_url_cleanup(u);
out:
    hearth_buf_release(&c.body);
    return e;
}
