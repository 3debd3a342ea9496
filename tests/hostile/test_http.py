#!/usr/bin/env python3
"""Hostile clients at the HTTP floor: crash inputs, request smuggling, Host
names, slow and idle clients, per-client caps, non-reading downloaders,
listing rights and response headers.

Clients come from several loopback addresses (127.0.0.2, 127.0.0.3, ...):
Linux routes all of 127/8 to lo, so each address is a different client to
the server's per-client caps.
"""
import os
import re
import socket
import tempfile
import threading
import time

import hostile
from hostile import Checks, Server, request

A = hostile.args(__doc__)
ck = Checks(A.verbose)

PROFILE = os.path.join(A.gen, "allocs.pb.gz")
if not os.path.exists(PROFILE):
    hostile.skip("no generated profiles in " + A.gen)
with open(PROFILE, "rb") as f:
    PROFILE_BYTES = f.read()


def raw(port, data, src="127.0.0.1", timeout=5.0):
    """Send raw bytes, read until the server closes (or timeout). Returns (bytes, closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))
    out, closed = b"", False
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    finally:
        s.close()
    return out, closed


def post_from(port, src, path, body, headers=None, timeout=30):
    """A whole POST from a given source address; returns (status, body)."""
    h = {"Host": "127.0.0.1:%d" % port, "Content-Length": str(len(body))}
    h.update(headers or {})
    head = "POST %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items())
    out, _ = raw(port, head.encode() + b"Connection: close\r\n\r\n" + body, src, timeout)
    status = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.1 ") else 0
    return status, out.split(b"\r\n\r\n", 1)[-1]


data_dir = tempfile.mkdtemp(prefix="hearth-hostile-http-")
srv = Server(A.hearth, data_dir, ["--fetch-allow", "127.0.0.9", "--body-timeout-ms", "3000", "--request-timeout-ms", "3000",
                                  "--max-client-requests", "16", "--max-client-uploads", "2",
                                  "--max-client-connections", "16", "--decode-wait-ms", "500"])
srv.start()
port = srv.port
pid = upload = hostile.upload(srv, PROFILE_BYTES, "victim")
pid = upload["id"]

# 1. crash inputs: 10x the depth that crashed the server (1,000 '[' then; 75 groups)
deep_json = b"[" * 10000 + b"]" * 10000
for path, method in (("/api/series", "POST"), ("/api/fetch", "POST"), ("/api/captures", "POST")):
    r = request(port, method, path, body=deep_json, headers={"Content-Type": "application/json"})
    ck.ok(hostile.is_json_error(r, (400,)), "10,000-deep JSON to %s: 400 JSON" % path, r)
    ck.ok(srv.alive(), "alive after deep JSON to " + path)
obj_json = b'{"a":' * 5000 + b"1" + b"}" * 5000
r = request(port, "POST", "/api/series", body=obj_json, headers={"Content-Type": "application/json"})
ck.ok(hostile.is_json_error(r, (400,)) and b"nested" in r.body, "5,000-deep objects: 400", r)
# brackets inside strings do not count as nesting
r = request(port, "POST", "/api/series", body=b'{"ids":["[[[[[[[[[[[[[[[[[[[[[[[["]}',
            headers={"Content-Type": "application/json"})
ck.ok(r.status in (400, 404) and b"nested" not in r.body, "brackets in strings are text", r)
nested = "(" * 750 + "a" + ")" * 750
for p in ("f", "i", "h", "s", "sf"):
    r = request(port, "GET", "/api/profiles/%s/top?%s=%s" % (pid, p, nested))
    ck.ok(hostile.is_json_error(r, (400,)), "750 nested groups in %s: 400 JSON" % p, r)
ck.ok(srv.alive(), "alive after the nested regexes")

# 2. request smuggling: refused, one answer, connection closed
smuggle = {
    "TE+CL": b"POST /api/series HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
             b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n"
             b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "CL+TE": b"POST /api/series HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
             b"Content-Length: 40\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "CL twice": b"POST /api/series HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n"
                b"Content-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "TE gzip": b"POST /api/series HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n"
               b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
}
for name, req in smuggle.items():
    out, closed = raw(port, req)
    ck.ok(out.startswith(b"HTTP/1.1 400") and out.count(b"HTTP/1.1 ") == 1 and closed,
          "%s: one 400, connection closed, no second request" % name, out[:200])
# a normal keep-alive pair still gets two answers
out, _ = raw(port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
                   b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
ck.eq(out.count(b"HTTP/1.1 200"), 2, "keep-alive still serves two requests")

# 3. Host names (DNS rebinding): only localhost names by default on 127.0.0.1
for host, want in (("evil.example", 403), ("evil.example:%d" % port, 403),
                   ("localhost:%d" % port, 200), ("127.0.0.1:%d" % port, 200),
                   ("LOCALHOST", 200), ("127.0.0.1.evil.example", 403)):
    out, _ = raw(port, b"GET /api/profiles/%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                 % (pid.encode(), host.encode()))
    ck.ok(out.startswith(b"HTTP/1.1 %d" % want), "Host %s: %d" % (host, want), out[:120])
    if want == 403:
        ck.ok(b'"code":"forbidden"' in out, "Host %s: JSON error" % host, out[:300])
out, closed = raw(port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n")
ck.ok(out.startswith(b"HTTP/1.1 400") and closed, "two Host headers: 400", out[:120])

# 4. slowloris: 200 idle sockets, health still answers within 1 s
idle = []
for i in range(200):
    s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # never finished
    idle.append(s)
time.sleep(0.3)
times = [hostile.health_ms(srv, 3.0) for _ in range(5)]
ck.ok(all(t is not None and t < 1000 for t in times),
      "health within 1 s with 200 idle sockets open", times)
time.sleep(1.5)  # the connection cap is swept once a second


def still_open(socks):
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(16) != b"":
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


ck.eq(still_open(idle), 16, "one client's idle sockets cut to --max-client-connections")
r = request(port, "GET", "/api/profiles/%s/top" % pid, timeout=10)
ck.eq(r.status, 200, "views still served with 200 idle sockets open")
for s in idle:
    s.close()

# 5. slow bodies: one client trickling uploads holds at most --max-client-uploads,
#    the others wait --decode-wait-ms (0.5 s here) for one of its own, then get 429; trickles end with 408 at --body-timeout-ms;
#    another client's upload goes through meanwhile
results = {}


def trickle(i):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20,
                                     source_address=("127.0.0.2", 0))
        s.sendall(b"POST /api/profiles?name=slow HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n")
        t0 = time.monotonic()
        out = b""
        s.settimeout(0.5)
        while time.monotonic() - t0 < 15:
            try:
                s.sendall(b"x")
            except OSError:
                pass
            try:
                d = s.recv(4096)
                if d:
                    out += d
                    if b"\r\n\r\n" in out:
                        break
                else:
                    break
            except socket.timeout:
                pass
        results[i] = (out.split(b"\r\n", 1)[0], time.monotonic() - t0)
        s.close()
    except OSError as e:
        results[i] = (repr(e).encode(), 0)


threads = [threading.Thread(target=trickle, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
time.sleep(0.8)
st, body = post_from(port, "127.0.0.3", "/api/profiles?name=other", PROFILE_BYTES,
                     {"Content-Type": "application/octet-stream"})
ck.eq(st, 201, "another client uploads while one trickles 8 bodies")
t0 = time.monotonic()
st, body = post_from(port, "127.0.0.2", "/api/profiles?name=same", PROFILE_BYTES,
                     {"Content-Type": "application/octet-stream"})
ck.ok(st == 429 and time.monotonic() - t0 < 2.0,
      "the trickling client's own next upload: 429 after the 0.5 s wait (%d)" % st, body[:200])
for t in threads:
    t.join()
lines = [results[i][0] for i in range(8)]
n429 = sum(1 for l in lines if b" 429 " in l)
t429 = [results[i][1] for i in range(8) if b" 429 " in results[i][0]]
ck.ok(all(t < 2.0 for t in t429), "429 after the 0.5 s wait, not after the trickle", t429)
n408 = [results[i][1] for i in range(8) if b" 408 " in results[i][0]]
ck.eq(n429, 6, "6 of 8 trickled bodies refused with 429 (%s)" % lines)
ck.eq(len(n408), 2, "2 trickled bodies end with 408")
ck.ok(all(2.5 <= t <= 6 for t in n408), "408 after about --body-timeout-ms (3 s)", n408)

# 6. per-client requests in progress: the 17th of one client gets 429, others are served;
#    clients that never read /raw cost little memory
big = os.path.join(A.corpus, "generated", "large-1m.pb.gz") if A.corpus else ""
if big and os.path.exists(big):
    raw_id = hostile.upload(srv, big, "big")["id"]
    rss0 = hostile.rss_mb(srv)
    stuck = []
    for i in range(40):
        src = "127.0.0.%d" % (10 + i // 10)  # 4 clients, 10 stuck downloads each
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /api/profiles/%s/raw HTTP/1.1\r\nHost: localhost\r\n\r\n" % raw_id.encode())
        stuck.append(s)
    time.sleep(1.0)
    grown = hostile.rss_mb(srv) - rss0
    ck.ok(grown < 60, "40 clients not reading a 12 MB /raw: RSS grew %.0f MB (< 60)" % grown)
    times = [hostile.health_ms(srv, 3.0) for _ in range(5)]
    ck.ok(all(t is not None and t < 1000 for t in times), "health within 1 s meanwhile", times)
    for s in stuck:
        s.close()
else:
    print("note: ../shared/corpus/generated/large-1m.pb.gz missing; non-reading /raw part skipped")

# requests in progress per client: a second server without the upload cap, so that 16
# trickled bodies hold 16 requests; the 17th of that client gets 429, others are served
s3 = Server(A.hearth, tempfile.mkdtemp(prefix="hearth-hostile-req-"),
            ["--max-client-requests", "16", "--max-client-uploads", "0",
             "--max-client-connections", "40"]).start()
held = []
for i in range(16):
    s = socket.create_connection(("127.0.0.1", s3.port), source_address=("127.0.0.5", 0))
    s.sendall(b"POST /api/series HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n{")
    held.append(s)
time.sleep(0.5)
st, body = post_from(s3.port, "127.0.0.5", "/api/series", b"{}")
ck.eq(st, 429, "the 17th request in progress of one client: 429 (%s)" % body[:100])
st, body = post_from(s3.port, "127.0.0.6", "/api/series", b"{}")
ck.ok(st == 400, "another client is served meanwhile (%d %s)" % (st, body[:100]))
for s in held:
    s.close()
s3.stop()

# 7. headers on every kind of answer
checks = {
    "json": request(port, "GET", "/api/profiles/%s" % pid),
    "html": request(port, "GET", "/"),
    "error": request(port, "GET", "/api/profiles/%s/nope" % pid),
    "raw": request(port, "GET", "/api/profiles/%s/raw" % pid),
}
for kind, r in checks.items():
    ck.eq(r.h("cross-origin-resource-policy"), "same-origin", "CORP on %s" % kind)
    ck.ok("camera=()" in (r.h("permissions-policy") or ""), "Permissions-Policy on %s" % kind)
ck.eq(checks["raw"].body, PROFILE_BYTES, "/raw streams the stored bytes exactly")
# names with invalid UTF-8 (and quotes, backslashes, <script>): the DOT is pprof's
# -dot text byte for byte (quotes and backslashes escaped, other bytes as they
# are, as pprof writes them), and the SVG drawn from it is well-formed XML
names = hostile.upload(srv, os.path.join(A.gen, "edge-cpp-names.pb.gz"), "names")["id"]
r = request(port, "GET", "/api/profiles/%s/callgraph.dot" % names)
ck.ok(r.status == 200 and b"<script>" in r.body
      and not re.search(rb'tooltip="[^"]*[^\\]"[^ \]]', r.body),
      "callgraph.dot escapes quotes in hostile names", r.body[:200])
r = request(port, "GET", "/api/profiles/%s/callgraph.svg" % names)
try:
    import xml.etree.ElementTree as ET
    ET.fromstring(r.body)
    xml_ok = True
except ET.ParseError:
    xml_ok = False
ck.ok(r.status == 200 and xml_ok, "callgraph.svg of hostile names is well-formed XML",
      r.body[:200])
ck.ok(data_dir.encode() not in checks["error"].body, "errors do not show the data path")
rc, secs = srv.stop(timeout=15.0)
ck.eq(rc, 0, "SIGTERM after every attack: exit 0 (under ASan: no leak, no error)")

# 8. listing: public without a token; token-only with one; off
for args, hdrs, want in (([], {}, 200),
                         (["--upload-token", "s3cret"], {}, 401),
                         (["--upload-token", "s3cret"], {"Authorization": "Bearer s3cret"}, 200),
                         (["--upload-token", "s3cret"], {"Authorization": "Bearer nope"}, 401),
                         (["--upload-token", "s3cret", "--list", "public"], {}, 200),
                         (["--list", "off"], {}, 403)):
    s2 = Server(A.hearth, data_dir, args).start()
    for path in ("/api/profiles", "/api/series", "/api/captures"):
        r = request(s2.port, "GET", path, headers=hdrs)
        ck.eq(r.status, want, "list %s with %s %s" % (path, " ".join(args) or "defaults",
                                                       "token" if hdrs else "no token"))
    r = request(s2.port, "GET", "/api/profiles/%s/top" % pid)
    ck.eq(r.status, 200, "a profile's link works whatever --list says (%s)" % " ".join(args))
    s2.stop()
r_bad = Server(A.hearth, data_dir, ["--list", "token"])
try:
    r_bad.start(timeout=5)
    ck.ok(False, "--list=token without --upload-token refused at start-up")
    r_bad.stop()
except RuntimeError as e:
    ck.ok("--list=token needs --upload-token" in str(e), "--list=token needs a token", str(e))
ck.finish()
