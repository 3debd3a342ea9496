#!/usr/bin/env python3
"""Hostile capture and fetch clients: caps, slow targets, port probing, deletable snapshots.

Against a real `hearth serve --fetch-allow 127.0.0.1` and a small Python
HTTP server that serves a valid heap profile (/heap) or the same after a
delay (/slow), with clients on different loopback addresses (127.0.0.x):
  - per-client cap (--max-captures-per-client 2): the third capture of one
    client answers 429 "too_many_requests" with a Retry-After; the global cap
    (--max-captures 3) answers 503 "busy" with a Retry-After to a new
    client; stopping one frees a place;
  - capture snapshots are deletable with the series' token: one by DELETE
    /api/profiles/<id>, the rest by DELETE /api/series/<id>?profiles=1;
    profiles uploaded with their own token stay;
  - two captures of a slow target and two slow ad-hoc fetches (holding both
    ad-hoc fetch slots) do not stop a running capture: it keeps taking one
    snapshot a second and ends with every attempt taken; a third ad-hoc
    fetch answers 503 with Retry-After at once;
  - fetch errors: a closed port, a port that never answers and an unknown
    host name give the same 502 message (no port probing); the cause is in
    the server log only.
Usage: test_captures.py --hearth BIN --gen DIR
"""
import http.client
import http.server
import json
import os
import shutil
import socket
import socketserver
import tempfile
import threading
import time

import hostile
from hostile import Checks, Server

SLOW_S = 8


class Target:
    """Serves /heap (a valid profile) and /slow (the same after SLOW_S seconds)."""

    def __init__(self, profile):
        body = open(profile, "rb").read()

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/slow"):
                    time.sleep(SLOW_S)
                if not (self.path.startswith("/heap") or self.path.startswith("/slow")):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *a):
                pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.srv = S(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.srv.shutdown()


class Silent:
    """A port that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class R:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def req(srv, method, path, body=None, token=None, src="127.0.0.1", timeout=60):
    """One request from source address src (a 127.0.0.x loopback address: one client each)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout,
                                      source_address=(src, 0))
    try:
        h = {}
        if body is not None:
            body = json.dumps(body).encode() if not isinstance(body, bytes) else body
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return R(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def capture(srv, url, src, count=100, interval=1, name="cap"):
    return req(srv, "POST", "/api/captures",
               {"url": url, "interval_s": interval, "count": count, "name": name}, src=src)


def retry_after_ok(r):
    v = r.headers.get("retry-after", "")
    return v.isdigit() and 1 <= int(v) <= 3600


def code_of(r):
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def test_caps(c, srv, target):
    made = []
    a = [capture(srv, target.url("/heap"), "127.0.0.2") for _ in range(2)]
    c.eq([r.status for r in a], [201, 201], "caps: a client's first two captures start")
    made += [r.json() for r in a if r.status == 201]
    r = capture(srv, target.url("/heap"), "127.0.0.2")
    print("  caps: third capture of one client -> %d %s Retry-After %s"
          % (r.status, r.body[:160], r.headers.get("retry-after")))
    c.eq(r.status, 429, "caps: the client's third capture -> 429")
    c.eq(code_of(r), "too_many_requests", "caps: 429 code too_many_requests")
    c.ok(retry_after_ok(r), "caps: 429 has a Retry-After", str(r.headers.get("retry-after")))
    if r.status == 201:
        made.append(r.json())
    r = capture(srv, target.url("/heap"), "127.0.0.3")
    c.eq(r.status, 201, "caps: another client still gets a capture")
    if r.status == 201:
        made.append(r.json())
    r = capture(srv, target.url("/heap"), "127.0.0.4")
    print("  caps: a capture beyond the global cap -> %d %s Retry-After %s"
          % (r.status, r.body[:160], r.headers.get("retry-after")))
    c.eq(r.status, 503, "caps: beyond --max-captures -> 503")
    c.eq(code_of(r), "busy", "caps: 503 code busy")
    c.ok(retry_after_ok(r), "caps: 503 has a Retry-After", str(r.headers.get("retry-after")))
    if r.status == 201:
        made.append(r.json())
    # stopping one of client .2's captures frees a place for it
    if made:
        s = req(srv, "POST", "/api/captures/%s/stop" % made[0]["id"], b"", token=made[0]["delete_token"])
        c.eq(s.status, 200, "caps: stop a capture")
        r = capture(srv, target.url("/heap"), "127.0.0.2")
        c.eq(r.status, 201, "caps: after a stop, the client may start one again")
        if r.status == 201:
            made.append(r.json())
    for m in made:
        req(srv, "DELETE", "/api/series/%s?profiles=1" % m["id"], token=m["delete_token"])


def wait_done(srv, sid, timeout=60):
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        s = req(srv, "GET", "/api/series/" + sid).json()
        if s["capture"]["state"] != "running":
            return s
        time.sleep(0.25)
    return s


def test_delete_snapshots(c, srv, target, gen):
    r = capture(srv, target.url("/heap"), "127.0.0.5", count=3)
    if not c.eq(r.status, 201, "snapshots: capture of 3"):
        return
    sid, tok = r.json()["id"], r.json()["delete_token"]
    s = wait_done(srv, sid)
    ids = [p["id"] for p in s["profiles"]]
    c.eq(len(ids), 3, "snapshots: 3 taken")
    if len(ids) != 3:
        return
    d = req(srv, "DELETE", "/api/profiles/" + ids[0], token=tok)
    print("  snapshots: DELETE /api/profiles/<snapshot> with the series token -> %d %s"
          % (d.status, d.body[:120]))
    c.eq(d.status, 204, "snapshots: the series token deletes one snapshot")
    c.eq(req(srv, "GET", "/api/profiles/" + ids[0]).status, 404, "snapshots: it is gone")
    d = req(srv, "DELETE", "/api/profiles/" + ids[1], token="not-the-token")
    c.eq(d.status, 403, "snapshots: a wrong token deletes nothing")
    # an uploaded profile in a series of its own stays when that series goes with ?profiles=1
    body = open(os.path.join(gen, "heap-series.1.pb.gz"), "rb").read()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("POST", "/api/profiles?name=mine", body=body,
                 headers={"Content-Type": "application/octet-stream"})
    up = json.loads(conn.getresponse().read())
    conn.close()
    s2 = req(srv, "POST", "/api/series", {"name": "mixed", "profiles": [up["id"], ids[1]]})
    c.eq(s2.status, 201, "snapshots: a series of an upload and a snapshot")
    d = req(srv, "DELETE", "/api/series/%s?profiles=1" % s2.json()["id"], token=s2.json()["delete_token"])
    c.eq(d.status, 204, "snapshots: that series deleted with ?profiles=1")
    c.eq(req(srv, "GET", "/api/profiles/" + up["id"]).status, 200,
         "snapshots: an upload with its own token is not deleted by another series' token")
    c.eq(req(srv, "GET", "/api/profiles/" + ids[1]).status, 200,
         "snapshots: nor a capture's snapshot by another series' token")
    d = req(srv, "DELETE", "/api/series/%s?profiles=1" % sid, token=tok)
    c.eq(d.status, 204, "snapshots: DELETE /api/series/<id>?profiles=1")
    c.eq([req(srv, "GET", "/api/profiles/" + i).status for i in ids], [404, 404, 404],
         "snapshots: every snapshot is gone with its series")
    c.eq(req(srv, "GET", "/api/series/" + sid).status, 404, "snapshots: the series is gone")
    d = req(srv, "DELETE", "/api/series/%s?profiles=yes" % sid, token=tok)
    c.eq(d.status, 400, "snapshots: profiles= other than 0/1 -> 400")


def test_slow_targets(c, srv, target):
    # a running capture of a fast target
    r = capture(srv, target.url("/heap"), "127.0.0.6", count=25, name="victim")
    if not c.eq(r.status, 201, "slow: the victim capture starts"):
        return
    vid, vtok = r.json()["id"], r.json()["delete_token"]
    results = {}

    def bg(key, fn):
        results[key] = fn()

    # two captures of a slow target (their first snapshots hold both ad-hoc slots for SLOW_S)
    ts = [threading.Thread(target=bg, args=("cap%d" % i, lambda i=i: capture(
        srv, target.url("/slow"), "127.0.0.7", count=5, name="slow%d" % i))) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    c.eq([results["cap0"].status, results["cap1"].status], [201, 201],
         "slow: two captures of a slow target start")
    # now their snapshots run on the capture workers; two slow ad-hoc fetches hold the ad-hoc slots
    fs = [threading.Thread(target=bg, args=("fetch%d" % i, lambda i=i: req(
        srv, "POST", "/api/fetch", {"url": target.url("/slow"), "name": "slow-fetch"},
        src="127.0.0.%d" % (8 + i)))) for i in range(2)]
    for t in fs:
        t.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    r = req(srv, "POST", "/api/fetch", {"url": target.url("/heap")}, src="127.0.0.10")
    secs = time.monotonic() - t0
    print("  slow: third ad-hoc fetch while two slow ones run -> %d in %.2f s, Retry-After %s"
          % (r.status, secs, r.headers.get("retry-after")))
    c.eq(r.status, 503, "slow: a third ad-hoc fetch -> 503")
    c.ok(secs < 1.0 and retry_after_ok(r), "slow: at once, with Retry-After",
         "%.2f s, %s" % (secs, r.headers.get("retry-after")))
    n0 = len(req(srv, "GET", "/api/series/" + vid).json()["profiles"])
    time.sleep(SLOW_S - 2)
    n1 = len(req(srv, "GET", "/api/series/" + vid).json()["profiles"])
    print("  slow: the victim capture took %d snapshots in %d s while slow targets held the "
          "ad-hoc slots and two capture workers" % (n1 - n0, SLOW_S - 2))
    c.ok(n1 - n0 >= SLOW_S - 4, "slow: the victim keeps its 1 s schedule",
         "%d snapshots in %d s" % (n1 - n0, SLOW_S - 2))
    for t in fs:
        t.join()
    c.eq([results["fetch0"].status, results["fetch1"].status], [201, 201],
         "slow: the slow ad-hoc fetches succeed")
    s = wait_done(srv, vid, timeout=60)
    cap = s["capture"]
    print("  slow: victim capture %s: taken %d, failed %d of 25" % (cap["state"], cap["taken"], cap["failed"]))
    c.eq((cap["state"], cap["taken"], cap["failed"]), ("done", 25, 0), "slow: the victim took every snapshot")
    req(srv, "DELETE", "/api/series/%s?profiles=1" % vid, token=vtok)
    for k in ("cap0", "cap1"):
        if results[k].status == 201:
            j = results[k].json()
            req(srv, "DELETE", "/api/series/%s?profiles=1" % j["id"], token=j["delete_token"])


def test_probe(c, hearth, tmp):
    silent = Silent()
    srv = Server(hearth, os.path.join(tmp, "probe"),
                 ["--fetch-allow", "127.0.0.1,nonexistent.invalid", "--fetch-timeout-s", "2"]).start()
    try:
        urls = {"closed port": "http://127.0.0.1:%d/heap" % closed_port(),
                "silent port": "http://127.0.0.1:%d/heap" % silent.port,
                "unknown host": "http://nonexistent.invalid/heap"}
        msgs = {}
        for what, url in urls.items():
            r = req(srv, "POST", "/api/fetch", {"url": url})
            msgs[what] = (r.status, code_of(r), r.json()["error"]["message"] if code_of(r) else r.body)
            print("  probe: %s -> %d %s" % (what, r.status, r.body[:160]))
        c.eq(set(m[0] for m in msgs.values()), {502}, "probe: every unreachable target -> 502")
        c.eq(len(set(msgs.values())), 1, "probe: one message for closed, silent and unknown targets")
        joined = " ".join(str(m[2]) for m in msgs.values()).lower()
        c.ok(not any(w in joined for w in ("refused", "timed out", "resolve", "unreachable")),
             "probe: the message names no cause", joined[:300])
        r = capture(srv, urls["closed port"], "127.0.0.1", count=2)
        c.eq((r.status, code_of(r) and r.json()["error"]["message"]), (502, msgs["closed port"][2]),
             "probe: a capture's first snapshot says the same")
        log = srv.log()
        c.ok("connection refused" in log.lower(), "probe: the cause is in the server log",
             log[-300:])
    finally:
        srv.stop()
        srv.close_log()
        silent.sock.close()


def main():
    a = hostile.args(__doc__)
    c = Checks(a.verbose)
    prof = os.path.join(a.gen, "heap-series.0.pb.gz")
    if not os.path.exists(prof):
        hostile.skip("no generated profiles in " + a.gen)
    tmp = tempfile.mkdtemp(prefix="hearth-hostile-captures-")
    target = Target(prof)
    srv = Server(a.hearth, os.path.join(tmp, "data"),
                 ["--fetch-allow", "127.0.0.1", "--max-captures", "3",
                  "--max-captures-per-client", "2", "--fetch-timeout-s", "15"])
    try:
        srv.start()
        test_caps(c, srv, target)
        test_delete_snapshots(c, srv, target, a.gen)
        srv.stop()
        srv.close_log()
        # more room for the slow-target scenario: 3 captures at once
        srv = Server(a.hearth, os.path.join(tmp, "data"),
                     ["--fetch-allow", "127.0.0.1", "--max-captures", "8",
                      "--max-captures-per-client", "2", "--fetch-timeout-s", "15"]).start()
        test_slow_targets(c, srv, target)
        c.ok(srv.alive(), "the server is alive at the end")
    finally:
        srv.stop()
        srv.close_log()
        target.close()
    try:
        test_probe(c, a.hearth, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
