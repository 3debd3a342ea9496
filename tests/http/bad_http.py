#!/usr/bin/env python3
"""Hostile and malformed HTTP against `hearth serve`.

    bad_http.py --hearth BIN --gen DIR [-v]

Every broken profile in DIR/bad/ is refused with a JSON 4xx (the gzip bomb
with 413) and stores nothing; empty, mistyped, oversized (also chunked)
bodies; absurd ids, `../` and NUL paths, unknown routes and methods,
malformed cursors and limits, bad view parameters (regex, sample index,
granularity, ...), oversized headers and garbage request lines. The server
must stay up throughout, answer every error as JSON with the security
headers, and have stored nothing at the end (no rows, no blobs, no tmp
files). Prints `N passed, M failed` last; exits 77 (SKIP) without
prerequisites.
"""
import argparse
import glob
import os
import shutil
import socket
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Checks, Resp, Server, check_json_error,  # noqa: E402
                     multipart, short, skip)

MAX_MB = 1
ERR4 = {400, 413, 415}


def vmhwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def raw_exchange(port, data, timeout=10):
    """Send raw bytes, return what comes back (until close or timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while True:
            try:
                b = s.recv(65536)
            except OSError:
                break
            if not b:
                break
            out += b
    finally:
        s.close()
    return out


class Bad:
    def __init__(self, o):
        self.o = o
        self.c = Checks(o.verbose)
        self.crashes = []

    def req(self, method, path, body=None, headers=None, **kw):
        try:
            return self.srv.req(method, path, body, headers, **kw)
        except OSError as e:
            time.sleep(0.2)
            if self.srv.alive():
                return Resp(598, "transport error: %r" % e, {}, b"")
            rc = self.srv.proc.returncode
            self.crashes.append("%s %s -> exit status %s" % (method, path[:200], rc))
            self.c.ok(False, "server crashed on %s %s" % (method, path[:200]),
                      "exit status %s; log: %s" % (rc, self.srv.log()[-300:]))
            self.srv.close_log()
            self.srv = Server(self.o.hearth, self.data, self.args).start()
            return Resp(599, "server crashed", {}, b"")

    def get(self, path, headers=None, **kw):
        return self.req("GET", path, None, headers, **kw)

    def up(self, body, ctype="application/octet-stream", path="/api/profiles", **kw):
        h = {"Content-Type": ctype} if ctype else {}
        return self.req("POST", path, body, h, **kw)

    def err(self, r, what, statuses):
        ok = check_json_error(self.c, r, what, statuses)
        if r.status < 590:
            for name in ("x-content-type-options", "content-security-policy", "referrer-policy"):
                if r.h(name) is None:
                    self.c.ok(False, what + ": security header " + name)
                    ok = False
        return ok

    def count(self):
        r = self.get("/api/profiles?limit=1000")
        try:
            return len(r.json()["profiles"])
        except (ValueError, KeyError, TypeError):
            return -1

    def alive(self, what):
        r = self.get("/healthz")
        return self.c.ok(self.srv.alive() and r.status == 200, "server up after " + what,
                         "%s %s" % (r.status, short(r.body[:200])))

    # ---- phases ----
    def bad_files(self):
        c = self.c
        files = sorted(glob.glob(os.path.join(self.o.gen, "bad", "*")))
        c.ok(len(files) >= 5, "DIR/bad has broken files (%d)" % len(files))
        for f in files:
            data = open(f, "rb").read()
            name = os.path.basename(f)
            want = {413} if "bomb" in name else ({400} if not data else ERR4)
            r = self.up(data)
            self.err(r, "upload bad/%s (raw, %d bytes)" % (name, len(data)), want)
            body, ct = multipart(name, data)
            r = self.up(body, ct)
            self.err(r, "upload bad/%s (multipart)" % name, want)
        self.alive("the bad files")
        c.eq(self.count(), 0, "no profile stored after the bad files")

    def bodies(self):
        c = self.c
        good = self.good_bytes
        self.err(self.up(b""), "empty body", {400})
        self.err(self.up(b"", None), "empty body without Content-Type", {400})
        body, ct = multipart("empty.pb.gz", b"")
        self.err(self.up(body, ct), "multipart with an empty file", {400})
        self.err(self.up(good, "multipart/form-data"), "multipart without boundary", {400})
        self.err(self.up(b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n",
                         "multipart/form-data; boundary=xyz"), "multipart without a file part",
                 {400})
        self.err(self.up(good, "multipart/form-data; boundary=" + "b" * 300),
                 "multipart with a 300-char boundary", {400})
        body, ct = multipart("x.pb.gz", good)
        self.err(self.up(body[:len(body) // 2], ct), "multipart cut in half", ERR4)
        for ct in ("text/plain", "application/json", "application/x-www-form-urlencoded",
                   "text/html; charset=utf-8", "image/png"):
            self.err(self.up(good, ct), "Content-Type %s" % ct, {415})
        big = os.urandom((MAX_MB << 20) + 4096)
        r = self.up(big)
        self.err(r, "body over --max-upload-mb=%d (Content-Length)" % MAX_MB, {413})
        r = self.up(big, chunked=True)
        self.err(r, "body over --max-upload-mb=%d (chunked)" % MAX_MB, {413})
        body, ct = multipart("big.pb.gz", big)
        self.err(self.up(body, ct), "multipart over the limit", {413})
        # just under the limit but garbage: refused as corrupt, not as too large
        r = self.up(big[:(MAX_MB << 20) - 200])
        self.err(r, "random body just under the limit", {400})
        # a small bomb within the upload limit: 600 MB of zeros as a ~600 KB gzip
        bomb = self.small_bomb()
        t0 = time.time()
        r = self.up(bomb)
        secs = time.time() - t0
        self.err(r, "gzip bomb within the upload limit (%d KB -> 600 MiB)" % (len(bomb) >> 10),
                 {413})
        c.ok(secs < 20, "small bomb refused in %.1f s" % secs)
        # chunked upload of a good profile works
        r = self.up(good, chunked=True)
        if c.eq(r.status, 201, "chunked upload of a good profile"):
            self.delete(r)
        # Content-Length larger than the body, then close
        out = raw_exchange(self.srv.port, b"POST /api/profiles HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/octet-stream\r\nContent-Length: 5000\r\n\r\n"
                           + good[:100])
        c.ok(out == b"" or out.startswith(b"HTTP/1.1 4"),
             "body shorter than Content-Length: 4xx or close", short(out[:100]))
        for cl in (b"-1", b"abc", b"99999999999999999999999", b"1, 2"):
            out = raw_exchange(self.srv.port, b"POST /api/profiles HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/octet-stream\r\nContent-Length: " + cl +
                               b"\r\n\r\n" + good[:100])
            c.ok(out == b"" or out[:10] in (b"HTTP/1.1 4", b"HTTP/1.0 4"),
                 "Content-Length: %s -> 4xx or close" % cl.decode(), short(out[:120]))
        self.alive("the hostile bodies")
        c.eq(self.count(), 0, "nothing stored by the hostile bodies")

    def small_bomb(self):
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1 << 20)
        parts = [z.compress(chunk) for _ in range(600)]
        parts.append(z.flush())
        return b"".join(parts)

    def big_bomb(self):
        """The generator's 2 GiB bomb against a server that accepts its size."""
        c = self.c
        f = os.path.join(self.o.gen, "bad", "bad-bomb.pb.gz")
        if not os.path.exists(f):
            c.ok(False, "bad/bad-bomb.pb.gz exists")
            return
        data = open(f, "rb").read()
        srv2 = Server(self.o.hearth, tempfile.mkdtemp(prefix="hearth-bad2-"),
                      ["--max-upload-mb=64"]).start()
        try:
            t0 = time.time()
            try:
                r = srv2.req("POST", "/api/profiles", data,
                             {"Content-Type": "application/octet-stream"})
            except OSError as e:
                r = Resp(599, repr(e), {}, b"")
            secs = time.time() - t0
            rss = vmhwm_kb(srv2.proc.pid)
            self.err(r, "2 GiB gzip bomb (%d KB) with --max-upload-mb=64" % (len(data) >> 10),
                     {413})
            print("bomb: %s in %.2f s, server peak RSS %d KB" % (r.status, secs, rss))
            c.ok(secs < 30, "bomb refused in %.1f s" % secs)
            c.ok(0 < rss < 800000, "server peak RSS after the bomb: %d KB (< 800 MB)" % rss)
            c.ok(srv2.alive(), "server survives the bomb")
            r = srv2.req("GET", "/api/profiles")
            c.ok(r.status == 200 and r.json()["profiles"] == [], "bomb stored nothing")
        finally:
            srv2.stop()
            srv2.close_log()
            shutil.rmtree(srv2.data, ignore_errors=True)

    def delete(self, r):
        j = r.json()
        self.req("DELETE", "/api/profiles/" + j["id"], None,
                 {"Authorization": "Bearer " + j["delete_token"]})

    def paths(self):
        c = self.c
        pid = self.prof["id"]
        long_id = "A" * 10000
        r = self.get("/api/profiles/" + long_id)
        self.err(r, "10,000-char id", {400, 404, 414})
        r = self.get("/api/profiles/%s/raw" % long_id)
        self.err(r, "10,000-char id /raw", {400, 404, 414})
        r = self.req("DELETE", "/api/profiles/" + long_id, None, {"Authorization": "Bearer x"})
        self.err(r, "DELETE 10,000-char id", {400, 403, 404, 414})
        r = self.get("/api/profiles/" + "A" * 100)
        self.err(r, "100-char id", {404})
        r = self.get("/" + "x" * 100000)
        c.ok(400 <= r.status < 500 or r.status == 598, "100,000-char path -> 4xx or close",
             str(r.status))
        secret = (b"root:x:0:0", b"SQLite format 3")
        for p in ("/../../../../etc/passwd", "/..%2f..%2f..%2f..%2fetc%2fpasswd",
                  "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/css/../../hearth.db",
                  "/api/profiles/../../hearth.db", "/api/profiles/..%2f..%2fhearth.db",
                  "/api/profiles/%s/../../../hearth.db" % pid, "/hearth.db", "/blobs",
                  "/tmp", "/.hearth-write-test", "/js/..%5c..%5chearth.db", "//etc/passwd",
                  "/api/profiles/%2e%2e", "/p/../../hearth.db", "/api/../hearth.db",
                  "/api/profiles/..", "/api/profiles/.", "/static/../../../etc/passwd"):
            r = self.get(p)
            leak = any(s in r.body for s in secret)
            c.ok(not leak, "no file leaks through %s" % p, "%d %s" % (r.status, short(r.body[:80])))
            if r.status >= 400:
                self.err(r, "path %s" % p, {400, 403, 404})
            else:
                c.ok(r.status == 200 and (r.h("content-type") or "").startswith("text/html"),
                     "path %s: a 2xx is the UI page only" % p,
                     "%d %s" % (r.status, r.h("content-type")))
        for p in ("/api/profiles/%00", "/api/profiles/" + pid + "%00", "/api/profiles/%s%%00/raw"
                  % pid, "/index.html%00.js", "/api/profiles/%s/top%%00" % pid, "/%00",
                  "/api/profiles?limit=2%00", "/api/profiles/%s/top?f=%%00" % pid,
                  "/api/profiles/%s/top?si=%%00" % pid):
            r = self.get(p)
            c.ok(r.status < 500, "NUL in %s -> not 5xx" % p, str(r.status))
            if r.status >= 400:
                self.err(r, "NUL in %s" % p, {400, 404})
        # NUL and control characters in ?name=: stored cleanly or refused
        r = self.up(self.good_bytes, path="/api/profiles?name=a%00b%0d%0aX-Evil:%201")
        if r.status == 201:
            j = r.json()
            c.ok("\0" not in j["name"] and "\r" not in j["name"] and "\n" not in j["name"],
                 "?name= with NUL/CR/LF is cleaned", repr(j["name"]))
            c.ok(r.h("x-evil") is None, "no header injection through ?name=")
            self.delete(r)
        else:
            self.err(r, "?name= with NUL/CR/LF", {400})
        for p in ("/api/nope", "/api/profiles/%s/nope" % pid, "/api/profiles/%s/top/extra" % pid,
                  "/api/profiles/%s/raw/" % pid, "/api", "/api/", "/api/v2/profiles",
                  "/nope.html", "/js/nope.js", "/favicon.ico.bak",
                  "/api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA",
                  "/api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA/top"):
            self.err(self.get(p), "unknown route %s" % p, {404})
        self.alive("the hostile paths")

    def methods(self):
        c = self.c
        pid = self.prof["id"]
        for m in ("PUT", "PATCH", "TRACE", "OPTIONS", "PROPFIND", "MKCOL", "FOO", "CONNECT"):
            not_json, no_hdr = [], []
            for p in ("/", "/api/profiles", "/api/profiles/" + pid,
                      "/api/profiles/%s/top" % pid, "/healthz"):
                r = self.req(m, p, b"" if m in ("PUT", "PATCH") else None,
                             {"X-Trace-Me": "secret-cookie-value"})
                c.ok(400 <= r.status < 500 or r.status == 598,
                     "%s %s -> 4xx" % (m, p), "%d %s" % (r.status, short(r.body[:100])))
                c.ok(b"secret-cookie-value" not in r.body, "%s %s does not echo headers" % (m, p))
                if 400 <= r.status < 500:
                    if not (r.h("content-type") or "").startswith("application/json"):
                        not_json.append(p)
                    if not (r.h("content-security-policy") and r.h("referrer-policy")):
                        no_hdr.append(p)
            c.ok(not not_json, "%s: the 4xx is a JSON error" % m,
                 "%s answered %s" % (not_json, "civetweb's text/plain page"))
            c.ok(not no_hdr, "%s: the 4xx has CSP and Referrer-Policy" % m, "missing on %s" % no_hdr)
        # DELETE on collection / views, POST on views
        self.err(self.req("DELETE", "/api/profiles", None, {"Authorization": "Bearer x"}),
                 "DELETE /api/profiles", {400, 404, 405})
        self.err(self.req("DELETE", "/api/profiles/%s/top" % pid, None,
                          {"Authorization": "Bearer x"}), "DELETE a view", {400, 404, 405})
        self.err(self.req("POST", "/api/profiles/%s" % pid, self.good_bytes,
                          {"Content-Type": "application/octet-stream"}),
                 "POST to a profile", {400, 404, 405})
        self.err(self.req("POST", "/healthz", b""), "POST /healthz", {400, 404, 405})
        self.err(self.req("DELETE", "/api/profiles/" + pid, None,
                          {"Authorization": "Bearer " + "x" * 1000}),
                 "DELETE with a 1000-char token", {403})
        c.eq(self.get("/api/profiles/" + pid).status, 200, "profile survives the bad methods")
        self.alive("the bad methods")

    def queries(self):
        pid = self.prof["id"]
        for cur in ("abc", "123", "1.", ".AAAAAAAAAAAAAAAAAAAAAAAAAAA", "1.!!!",
                    "abc.AAAAAAAAAAAAAAAAAAAAAAAAAAA", "1.AAAA", "%00", "1.AAAAAAAAAAAAAAAAAAAAAAAAAAA/",
                    "99999999999999999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    "-5.AAAAAAAAAAAAAAAAAAAAAAAAAAA", "1x.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    "x" * 5000):
            self.err(self.get("/api/profiles?cursor=" + cur), "malformed cursor %s" % cur[:40],
                     {400})
        for lim in ("0", "-1", "abc", "1001", "99999999999", ""):
            self.err(self.get("/api/profiles?limit=" + lim), "limit=%s" % lim, {400})
        views = ("top", "flamegraph", "callgraph", "callgraph.dot")
        bad = [("f", "("), ("i", "[z-a]"), ("h", "*"), ("s", "(?<"), ("sf", "\\"),
               ("f", "a" * 5000), ("tf", "("), ("ti", "key=("),
               ("g", "bogus"), ("n", "-1"), ("n", "abc"), ("nf", "2"), ("nf", "nan"),
               ("ef", "-0.1"), ("mf", "inf"), ("noinlines", "maybe"), ("norm", "2"),
               ("cum", "perhaps"), ("unit", "parsecs")]
        for v in views:
            for k, val in bad:
                from urllib.parse import quote
                r = self.get("/api/profiles/%s/%s?%s=%s" % (pid, v, k, quote(val)))
                what = "%s %s=%s" % (v, k, val[:20])
                if k == "unit" and r.status == 200:
                    continue  # an unknown unit may fall back, as pprof's does
                self.err(r, what, {400})
            for si in ("nonexistent", "99", "-1", "1.5", "%00"):
                r = self.get("/api/profiles/%s/%s?si=%s" % (pid, v, si))
                self.err(r, "%s si=%s" % (v, si), {400, 404})
            for base in ("AAAAAAAAAAAAAAAAAAAAAAAAAAA", "..%2F..%2Fhearth.db", "x" * 3000):
                r = self.get("/api/profiles/%s/%s?base=%s" % (pid, v, base))
                self.err(r, "%s base=%s" % (v, base[:30]), {400, 404})
        # a huge query string
        r = self.get("/api/profiles/%s/top?f=%s" % (pid, "a" * 60000))
        self.c.ok(400 <= r.status < 500 or r.status == 598, "60 KB query -> 4xx or close",
                  str(r.status))
        self.alive("the bad queries")

    def headers(self):
        c = self.c
        port = self.srv.port
        out = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 +
                           b"\r\n\r\n")
        c.ok(out == b"" or out[:10] in (b"HTTP/1.1 4", b"HTTP/1.0 4"),
             "200 KB header -> 4xx or close", short(out[:100]))
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(2000))
        out = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        c.ok(out == b"" or out[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 "),
             "2000 headers -> an answer or close", short(out[:100]))
        for junk in (b"\x00\x01\x02\xff\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\n\r\n",  # no Host
                     b"G\xc3\xa9T / HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET /api/profiles/\r\n\r\n", b"\r\n\r\n\r\n",
                     b"POST /api/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/octet-stream\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                     b"POST /api/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Length: 3\r\nContent-Type: application/octet-stream\r\n\r\n"
                     b"3\r\nabc\r\n0\r\n\r\n"):
            out = raw_exchange(port, junk)
            c.ok(not out.startswith(b"HTTP/1.1 5") and not out.startswith(b"HTTP/1.0 5"),
                 "garbage request %s: no 5xx" % short(junk[:40]), short(out[:80]))
            c.ok(self.srv.alive(), "server alive after %s" % short(junk[:40]))
        self.alive("the bad headers")
        self.c.eq(self.count(), 1, "still only the one good profile")

    def run(self):
        o = self.o
        if not (os.path.isfile(o.hearth) and os.access(o.hearth, os.X_OK)):
            skip("no hearth binary at %s" % o.hearth)
        if not os.path.isdir(os.path.join(o.gen, "bad")):
            skip("no generated bad profiles in %s/bad (run tests/gen)" % o.gen)
        goodf = None
        for n in ("edge-filters.pb.gz", "edge-recursion.pb.gz", "cpu.pb.gz"):
            if os.path.exists(os.path.join(o.gen, n)):
                goodf = os.path.join(o.gen, n)
                break
        if not goodf:
            skip("no good generated profile in %s" % o.gen)
        self.good_bytes = open(goodf, "rb").read()
        self.data = tempfile.mkdtemp(prefix="hearth-bad-")
        self.args = ["--max-upload-mb=%d" % MAX_MB]
        try:
            self.srv = Server(o.hearth, self.data, self.args).start()
            for phase in (self.bad_files, self.bodies):
                phase()
                print("%s: %d passed, %d failed so far" % (phase.__name__, self.c.passed,
                                                           self.c.failed), flush=True)
            r = self.up(self.good_bytes, path="/api/profiles?name=good")
            if not self.c.eq(r.status, 201, "upload one good profile"):
                return
            self.prof = r.json()
            for phase in (self.paths, self.methods, self.queries, self.headers):
                phase()
                print("%s: %d passed, %d failed so far" % (phase.__name__, self.c.passed,
                                                           self.c.failed), flush=True)
            self.big_bomb()
            # clean up the good one; then nothing at all may remain
            r = self.req("DELETE", "/api/profiles/" + self.prof["id"], None,
                         {"Authorization": "Bearer " + self.prof["delete_token"]})
            self.c.eq(r.status, 204, "delete the good profile")
            self.alive("everything")
            self.c.eq(self.count(), 0, "the server has stored nothing")
            r = self.get("/healthz")
            self.c.ok(r.status == 200 and r.json().get("profiles") == 0, "healthz: 0 profiles",
                      short(r.body))
            blobs = [p for p in glob.glob(os.path.join(self.data, "blobs", "*", "*"))]
            self.c.eq(blobs, [], "no blobs left in DATA/blobs")
            self.c.eq(os.listdir(os.path.join(self.data, "tmp")), [], "nothing left in DATA/tmp")
            rc, secs = self.srv.stop()
            self.c.ok(rc == 0, "SIGTERM: exit status 0", "status %s after %.1f s" % (rc, secs))
        finally:
            if getattr(self, "srv", None):
                if self.srv.alive():
                    self.srv.stop()
                if self.crashes:
                    print("server crashes (%d):\n  " % len(self.crashes) +
                          "\n  ".join(self.crashes))
                if self.c.failed:
                    print("--- server log (tail) ---\n" + self.srv.log()[-2000:])
                self.srv.close_log()
            shutil.rmtree(self.data, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    o = ap.parse_args()
    o.hearth = os.path.abspath(o.hearth)
    t = Bad(o)
    try:
        t.run()
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.c.ok(False, "test run raised %s" % type(e).__name__, str(e))
    t.c.finish()


if __name__ == "__main__":
    main()
