#!/usr/bin/env python3
"""Leak hunting end to end: captures, series, growth ranking, gctrace, restarts.

Starts our own leaking Go program (tests/peer: main.leakyCache keeps every
chunk it allocates, main.churn makes garbage, main.stuckWorker goroutines
never return) with net/http/pprof and GODEBUG=gctrace=1, and a real
`hearth serve` allowed to fetch from 127.0.0.1. Then, through the HTTP API:
  - POST /api/captures: 5 heap snapshots 1 s apart with ?gc=1; the growth
    ranking puts main.leakyCache first, its values equal each snapshot's /top,
    and the first->last diff shows it as the top growth;
  - a goroutine capture: the leaked goroutine's stack ranks first;
  - the program's stderr uploaded as a gctrace: parsed GCs == `gc ` lines;
    attached to the series, its forced GCs align it with the snapshots;
  - two processes writing to one stderr give two tracks;
  - kill -9 during a capture: the snapshots taken are kept, the capture
    resumes (restarts = 1) and ends with every attempt accounted for; a
    restart with fetching disabled marks it interrupted;
  - stop with and without the token; uploaded series ordered by time or by
    the numbers in their names; bad requests get JSON 4xx.
Usage: series_test.py --hearth BIN [--gen DIR]   (exit 77 = SKIP without go)
"""
import argparse
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, skip, check_json_error  # noqa: E402

PEER_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer")
JSON = {"Content-Type": "application/json"}


def build_peer(tmp):
    if not shutil.which("go"):
        skip("go not found (the leaking program is written in Go)")
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod")
    if not env.get("HOME"):
        env["GOCACHE"] = os.path.join(tmp, "gocache")
    out = os.path.join(tmp, "peer")
    r = subprocess.run(["go", "build", "-o", out, "."], cwd=PEER_SRC, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("go build tests/peer: " + r.stderr[:500])
    return out


class Peer:
    def __init__(self, binary, tmp, name, args=(), stderr_path=None):
        self.portfile = os.path.join(tmp, name + ".port")
        self.stderr_path = stderr_path or os.path.join(tmp, name + ".stderr")
        self.err = open(self.stderr_path, "ab")
        env = dict(os.environ, GODEBUG="gctrace=1")
        self.started_ms = int(time.time() * 1000)
        self.proc = subprocess.Popen(
            [binary, "-listen", "127.0.0.1:0", "-portfile", self.portfile,
             "-max-lifetime", "5m"] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err, env=env)
        for _ in range(200):
            if os.path.exists(self.portfile) and open(self.portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(self.portfile).read().strip())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        self.err.close()


def post_json(srv, path, obj, headers=None):
    h = dict(JSON)
    h.update(headers or {})
    return srv.req("POST", path, json.dumps(obj).encode(), h)


def wait_capture(srv, sid, want_states=("done", "failed", "stopped", "interrupted"), timeout=40):
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        r = srv.get("/api/series/" + sid)
        if r.status == 200:
            s = r.json()
            if s["capture"] and s["capture"]["state"] in want_states:
                return s
        time.sleep(0.2)
    return s


def wait_taken(srv, sid, n, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = srv.get("/api/series/" + sid)
        if r.status == 200 and r.json()["capture"]["taken"] >= n:
            return r.json()
        time.sleep(0.05)
    return None


def top_flat(srv, pid, name, si, base=None):
    q = "/api/profiles/%s/top?si=%s" % (pid, si) + ("&base=" + base if base else "")
    rows = srv.get(q).json()["rows"]
    return next((r["flat"] for r in rows if r["name"] == name), 0), rows


def strip_time(data):
    """A profile without time_nanos (field 9) and duration (10): top-level wire walk."""
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    out, i = bytearray(), 0

    def varint(j):
        v = s = 0
        while True:
            b = raw[j]
            v |= (b & 0x7F) << s
            j += 1
            s += 7
            if not b & 0x80:
                return v, j
    while i < len(raw):
        start = i
        key, i = varint(i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            _, i = varint(i)
        elif wt == 2:
            n, i = varint(i)
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        if field not in (9, 10):
            out += raw[start:i]
    return gzip.compress(bytes(out))


def upload(srv, data, name):
    r = srv.req("POST", "/api/profiles?name=" + name, data,
                {"Content-Type": "application/octet-stream"})
    return r.json()["id"]


def test_heap_capture(c, srv, peer, tmp):
    r = post_json(srv, "/api/captures", {"url": peer.url("/debug/pprof/heap"), "interval_s": 1,
                                          "count": 5, "name": "leaky peer", "gc": True})
    if not c.eq(r.status, 201, "capture: POST /api/captures"):
        print(r.body[:500])
        return None
    cap = r.json()
    sid, token = cap["id"], cap["delete_token"]
    c.eq(cap["capture"]["state"], "running", "capture: running at first")
    c.eq(cap["capture"]["taken"], 1, "capture: the first snapshot is taken at once")
    c.ok(cap["source_url"].endswith("/debug/pprof/heap?gc=1"), "capture: gc=1 added to the URL",
         cap["source_url"])
    s = wait_capture(srv, sid)
    c.eq(s["capture"]["state"], "done", "capture: done after 5 snapshots")
    c.eq((s["capture"]["taken"], s["capture"]["failed"]), (5, 0), "capture: 5 taken, 0 failed")
    c.eq(len(s["profiles"]), 5, "capture: 5 profiles in the series")
    ts = [p["t"] for p in s["profiles"]]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    c.ok(all(0.5 < g < 2.5 for g in gaps), "capture: snapshots about 1 s apart", str(gaps))
    c.eq(s["kind"], "inuse_space", "capture: kind is the heap's default type")
    lst = srv.get("/api/captures").json()["captures"]
    c.ok(any(x["id"] == sid and x["capture"]["state"] == "done" for x in lst),
         "capture: listed in /api/captures with its state")

    g = srv.get("/api/series/%s/growth?si=inuse_space" % sid)
    c.eq(g.status, 200, "growth: 200")
    g = g.json()
    rows = g["rows"]
    c.eq(rows[0]["name"] if rows else None, "main.leakyCache", "growth: the leak ranks first")
    if not rows:
        return sid
    top = rows[0]
    c.ok(top["delta"] > 3 * (1 << 20), "growth: the leak grew by megabytes", str(top["delta"]))
    c.ok(top["slope"] > 0 and top["steadiness"] == 1.0,
         "growth: positive slope, grew at every step", str(top))
    c.ok(top["share"] > 0.5, "growth: the leak holds most of the growth", str(top["share"]))
    c.ok(top["err"] > 0 and not top["noise"], "growth: error estimated, not within noise",
         str(top))
    c.eq(g["noise"], "heap", "growth: heap noise model")
    churn = next((x for x in rows if x["name"] == "main.churn"), None)
    c.ok(churn is None or churn["delta"] < top["delta"] / 10,
         "growth: the garbage maker is not a leak", str(churn))
    # the same numbers as each snapshot's top (which matches go tool pprof)
    for i, p in enumerate(s["profiles"]):
        f, _ = top_flat(srv, p["id"], "main.leakyCache", "inuse_space")
        c.eq(top["values"][i], f, "growth: snapshot %d value equals its /top flat" % (i + 1))
    totals = g["totals"]["inuse_space"]
    c.ok(all(b >= a for a, b in zip(totals, totals[1:])), "growth: in-use total only grows",
         str(totals))
    # alloc_space: churn allocates too, but the leak still leads
    ga = srv.get("/api/series/%s/growth?si=alloc_space&n=5" % sid).json()
    c.ok(len(ga["rows"]) <= 5 and ga["more"] >= 0, "growth: n= caps the rows")
    # cum and stacks granularity
    gs = srv.get("/api/series/%s/growth?g=stacks" % sid).json()
    c.ok(gs["rows"] and gs["rows"][0]["name"].endswith("main.leakyCache"),
         "growth: g=stacks ranks the leaking stack first", gs["rows"][0]["name"] if gs["rows"] else "")
    gf = srv.get("/api/series/%s/growth?f=churn" % sid).json()
    names = [x["name"] for x in gf["rows"]]
    c.ok("main.churn" in names and "main.leakyCache" not in names,
         "growth: focus=churn keeps main.churn and drops the leak", str(names[:5]))
    # first -> last diff: the link the UI offers, and the numbers behind it
    first, last = s["profiles"][0]["id"], s["profiles"][-1]["id"]
    d, drows = top_flat(srv, last, "main.leakyCache", "inuse_space", base=first)
    c.eq(d, top["delta"], "diff first->last: the leak's flat equals its growth")
    c.eq(drows[0]["name"] if drows else None, "main.leakyCache",
         "diff first->last: the leak is the top row")
    r = srv.get("/p/%s?base=%s" % (last, first), {"Accept": "text/html"})  # as a browser asks
    c.ok(r.status == 200 and b"<html" in r.body.lower(), "diff first->last: the link opens the UI")
    r = srv.get("/s/" + sid)
    c.ok(r.status == 200 and b"<html" in r.body.lower(), "series page /s/<id> serves the UI")
    # a snapshot names its series, whose token deletes it
    m = srv.get("/api/profiles/" + first).json()
    c.eq(m.get("series"), [{"id": sid, "name": "leaky peer", "count": 5, "shares_token": True}],
         "capture: a snapshot's metadata names its series (the series' token deletes it)")
    # stop a finished capture: 409
    r = srv.req("POST", "/api/captures/%s/stop" % sid, b"", {"Authorization": "Bearer " + token})
    check_json_error(c, r, "stop a finished capture", (409,))
    return sid


def test_goroutine_capture(c, srv, peer):
    r = post_json(srv, "/api/captures", {"url": peer.url("/debug/pprof/goroutine"),
                                          "interval_s": 1, "count": 3})
    if not c.eq(r.status, 201, "goroutines: capture"):
        return
    s = wait_capture(srv, r.json()["id"])
    c.eq(s["capture"]["taken"], 3, "goroutines: 3 snapshots")
    g = srv.get("/api/series/%s/growth?g=stacks" % s["id"]).json()
    name = g["rows"][0]["name"] if g["rows"] else ""
    c.ok("main.stuckWorker" in name, "goroutines: the leaked goroutine's stack ranks first", name)
    c.ok(g["rows"] and g["rows"][0]["steadiness"] == 1.0 and g["rows"][0]["delta"] > 5,
         "goroutines: a count that only grows", str(g["rows"][:1]))
    c.eq(g["noise"], "exact", "goroutines: counts are exact, no sampling noise")


def test_gctrace(c, srv, peer, sid, tmp):
    text = open(peer.stderr_path, "rb").read()
    gc_lines = sum(1 for ln in text.split(b"\n") if ln.startswith(b"gc "))
    c.ok(gc_lines >= 5, "gctrace: the peer printed GC lines", str(gc_lines))
    r = srv.req("POST", "/api/gctraces?name=peer-stderr", text, {"Content-Type": "text/plain"})
    if not c.eq(r.status, 201, "gctrace: upload the peer's stderr"):
        return
    gid = r.json()["id"]
    t = srv.get("/api/gctraces/" + gid).json()["trace"]
    parsed = sum(len(tr["gc"]) for tr in t["tracks"])
    c.eq(parsed, gc_lines, "gctrace: parsed GCs == `gc ` lines of the real log")
    c.eq(len(t["tracks"]), 1, "gctrace: one process, one track")
    # attach to the capture series: aligned by the forced GCs of ?gc=1
    s = srv.get("/api/series/" + sid).json()
    tok = SERIES_TOKENS.get(sid, "")
    r = srv.req("PUT", "/api/series/%s/gctrace" % sid, json.dumps({"gctrace": gid}).encode(),
                dict(JSON))
    check_json_error(c, r, "gctrace attach without token", (403,))
    r = srv.req("PUT", "/api/series/%s/gctrace" % sid, json.dumps({"gctrace": gid}).encode(),
                dict(JSON, Authorization="Bearer " + tok))
    c.eq(r.status, 200, "gctrace: attached with the series token")
    s = r.json()
    c.eq(s["gctrace"], gid, "gctrace: the series names it")
    off = s["gctrace_offset_s"]
    want = (s["profiles"][0]["time_nanos"] // 1000000 - peer.started_ms) / 1000.0
    c.ok(off is not None and abs(off - want) < 1.0,
         "gctrace: forced GCs align the log with the snapshots", "%s vs %.3f" % (off, want))


def test_two_processes(c, srv, binary, tmp):
    log = os.path.join(tmp, "two.stderr")
    a = Peer(binary, tmp, "two-a", ["-leak-mb", "64", "-leak-every", "5ms"], log)
    b = Peer(binary, tmp, "two-b", ["-leak-mb", "64", "-leak-every", "5ms"], log)
    time.sleep(2.5)
    a.stop()
    b.stop()
    text = open(log, "rb").read()
    gc_lines = sum(1 for ln in text.split(b"\n") if ln.startswith(b"gc "))
    r = srv.req("POST", "/api/gctraces?name=two", text, {"Content-Type": "text/plain"})
    if not c.eq(r.status, 201, "two processes: upload"):
        return
    t = srv.get("/api/gctraces/" + r.json()["id"]).json()["trace"]
    c.eq(len(t["tracks"]), 2, "two processes on one stderr: two tracks")
    c.eq(sum(len(tr["gc"]) for tr in t["tracks"]), gc_lines, "two processes: every GC line parsed")


def test_restart(c, hearth, data, peer):
    srv = Server(hearth, data, ["--fetch-allow", "127.0.0.1"]).start()
    r = post_json(srv, "/api/captures", {"url": peer.url("/debug/pprof/heap"), "interval_s": 1,
                                          "count": 6, "name": "restart me"})
    if not c.eq(r.status, 201, "restart: capture started"):
        srv.stop()
        return
    sid, tok = r.json()["id"], r.json()["delete_token"]
    s = wait_taken(srv, sid, 2)
    c.ok(s is not None, "restart: 2 snapshots taken before the kill")
    srv.stop(signal.SIGKILL)
    before = len(s["profiles"]) if s else 0
    srv = Server(hearth, data, ["--fetch-allow", "127.0.0.1"]).start()
    s = srv.get("/api/series/" + sid).json()
    c.ok(len(s["profiles"]) >= before, "restart: every snapshot taken is kept",
         "%d < %d" % (len(s["profiles"]), before))
    c.eq(s["capture"]["restarts"], 1, "restart: the capture says it was restarted")
    c.ok(s["capture"]["state"] in ("running", "done"), "restart: resumed", s["capture"]["state"])
    s = wait_capture(srv, sid)
    cap = s["capture"]
    c.eq(cap["state"], "done", "restart: the resumed capture finishes")
    c.eq(cap["taken"] + cap["failed"], 6, "restart: every attempt accounted for")
    c.eq(len(s["profiles"]), cap["taken"], "restart: one profile per snapshot taken")
    # stop: with and without the token
    r = post_json(srv, "/api/captures", {"url": peer.url("/debug/pprof/heap"), "interval_s": 1,
                                          "count": 100, "name": "stop me"})
    sid2, tok2 = r.json()["id"], r.json()["delete_token"]
    r = srv.req("POST", "/api/captures/%s/stop" % sid2, b"", {"Authorization": "Bearer nope"})
    check_json_error(c, r, "stop with a wrong token", (403,))
    r = srv.req("POST", "/api/captures/%s/stop" % sid2, b"", {"Authorization": "Bearer " + tok2})
    c.eq(r.status, 200, "stop with the token")
    n = len(r.json()["profiles"])
    c.eq(r.json()["capture"]["state"], "stopped", "stop: state stopped")
    time.sleep(2.2)
    s = srv.get("/api/series/" + sid2).json()
    c.ok(len(s["profiles"]) <= n + 1 and s["capture"]["state"] == "stopped",
         "stop: no snapshots after stopping", str(len(s["profiles"])))
    # a restart that cannot fetch: interrupted, honestly
    r = post_json(srv, "/api/captures", {"url": peer.url("/debug/pprof/heap"), "interval_s": 1,
                                          "count": 50, "name": "interrupted"})
    sid3 = r.json()["id"]
    wait_taken(srv, sid3, 2)
    srv.stop(signal.SIGKILL)
    srv = Server(hearth, data, []).start()
    s = srv.get("/api/series/" + sid3).json()
    c.eq(s["capture"]["state"], "interrupted", "restart without fetching: interrupted")
    c.ok("fetching disabled" in s["capture"]["last_error"], "restart without fetching: says why",
         s["capture"]["last_error"])
    c.ok(len(s["profiles"]) >= 2, "restart without fetching: snapshots kept")
    srv.stop()


def test_upload_series(c, srv, gen):
    files = [os.path.join(gen, "heap-series.%d.pb.gz" % i) for i in range(4)]
    if not all(os.path.exists(f) for f in files):
        print("SKIP upload series: generated heap series missing in " + gen)
        return
    ids = [upload(srv, open(f, "rb").read(), "heap-series.%d" % i) for i, f in enumerate(files)]
    shuffled = [ids[2], ids[0], ids[3], ids[1]]
    r = post_json(srv, "/api/series", {"name": "uploaded", "profiles": shuffled})
    c.eq(r.status, 201, "upload series: created")
    s = r.json()
    c.eq(s["order"], "time", "upload series: ordered by the profiles' timestamps")
    c.eq([p["id"] for p in s["profiles"]], ids, "upload series: in time order")
    # without timestamps: by the numbers in the names (heap.10 after heap.9)
    nums = [3, 10, 9, 1]
    ids2 = [upload(srv, strip_time(open(files[i], "rb").read()), "heap.%d.pb.gz" % n)
            for i, n in enumerate(nums)]
    r = post_json(srv, "/api/series", {"profiles": ids2})
    s = r.json()
    c.eq(s["order"], "name", "upload series: no timestamps -> ordered by name numbers")
    want = [x for _, x in sorted(zip(nums, ids2))]
    c.eq([p["id"] for p in s["profiles"]], want, "upload series: heap.1, heap.3, heap.9, heap.10")
    g = srv.get("/api/series/%s/growth" % s["id"])
    c.eq(g.status, 200, "upload series: growth over uploaded files")
    lst = srv.get("/api/series").json()["series"]
    c.ok(any(x["id"] == s["id"] and x["count"] == 4 for x in lst), "upload series: listed")
    # delete the series: its profiles stay
    r = srv.req("DELETE", "/api/series/" + s["id"], headers={"Authorization": "Bearer x"})
    check_json_error(c, r, "delete series with a wrong token", (403,))
    r = srv.req("DELETE", "/api/series/" + s["id"],
                headers={"Authorization": "Bearer " + s["delete_token"]})
    c.eq(r.status, 204, "delete series with its token")
    c.eq(srv.get("/api/series/" + s["id"]).status, 404, "deleted series is gone")
    c.eq(srv.get("/api/profiles/" + ids2[0]).status, 200, "its profiles stay")


def test_bad(c, srv, peer):
    bad = [
        ("POST", "/api/series", b"not json", "series: not JSON", (400,)),
        ("POST", "/api/series", b"{}", "series: no profiles", (400,)),
        ("POST", "/api/series", json.dumps({"profiles": ["A" * 27]}).encode(),
         "series: unknown profile", (400,)),
        ("POST", "/api/series", json.dumps({"profiles": ["x"] * 1001}).encode(),
         "series: 1001 profiles", (400,)),
        ("POST", "/api/series", json.dumps({"profiles": [1, 2]}).encode(),
         "series: ids not strings", (400,)),
        ("POST", "/api/captures", json.dumps({"url": peer.url("/debug/pprof/heap"),
                                              "interval_s": 0, "count": 5}).encode(),
         "capture: interval 0", (400,)),
        ("POST", "/api/captures", json.dumps({"url": peer.url("/debug/pprof/heap"),
                                              "interval_s": 1, "count": 100000}).encode(),
         "capture: count too large", (400,)),
        ("POST", "/api/captures", json.dumps({"url": "http://169.254.169.254/latest/",
                                              "interval_s": 1, "count": 3}).encode(),
         "capture: metadata address refused", (403,)),
        ("POST", "/api/captures", json.dumps({"url": peer.url("/debug/pprof/"),
                                              "interval_s": 1, "count": 3}).encode(),
         "capture: not a profile", (400, 415, 422)),
        ("POST", "/api/captures", json.dumps({"url": "file:///etc/passwd",
                                              "interval_s": 1, "count": 3}).encode(),
         "capture: file URL", (400, 403)),
        ("GET", "/api/series/" + "A" * 27, None, "series: unknown id", (404,)),
        ("GET", "/api/series/../../etc", None, "series: path", (404,)),
        ("GET", "/api/series/" + "A" * 300 + "/growth", None, "series: long id", (404,)),
        ("POST", "/api/captures/" + "A" * 27 + "/stop", b"", "stop: no token", (403,)),
        ("PATCH", "/api/series", None, "series: PATCH", (405,)),
        ("PUT", "/api/series/" + "A" * 27 + "/gctrace", b"{}", "attach: no token", (403,)),
    ]
    for method, path, body, what, st in bad:
        r = srv.req(method, path, body, dict(JSON) if body is not None else None)
        check_json_error(c, r, what, st)
    lst = srv.get("/api/series").json()["series"]
    r = post_json(srv, "/api/series", {"profiles": []})
    check_json_error(c, r, "series: empty list", (400,))
    c.eq(len(srv.get("/api/series").json()["series"]), len(lst), "bad requests stored nothing")
    if lst:
        sid = lst[0]["id"]
        for q in ("n=0", "n=abc", "by=both", "f=%28", "si=nope", "g=nope"):
            r = srv.get("/api/series/%s/growth?%s" % (sid, q))
            check_json_error(c, r, "growth: bad " + q, (400, 404))
    r = srv.req("POST", "/api/series", json.dumps({"profiles": ["x"]}).encode(),
                dict(JSON, Origin="http://evil.example"))
    check_json_error(c, r, "series: cross-origin POST", (403,))


SERIES_TOKENS = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", default="")
    args = ap.parse_args()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-series-")
    peer = srv = None
    try:
        binary = build_peer(tmp)
        peer = Peer(binary, tmp, "leaky", ["-leak-mb", "4096", "-leak-every", "20ms",
                                            "-goroutine-every", "50ms"])
        srv = Server(args.hearth, os.path.join(tmp, "data"),
                     ["--fetch-allow", "127.0.0.1"]).start()
        orig = post_json

        def capture_tokens(s, path, obj, headers=None):
            r = orig(s, path, obj, headers)
            if r.status == 201:
                SERIES_TOKENS[r.json()["id"]] = r.json()["delete_token"]
            return r
        globals()["post_json"] = capture_tokens
        sid = test_heap_capture(c, srv, peer, tmp)
        test_goroutine_capture(c, srv, peer)
        test_upload_series(c, srv, args.gen)
        test_bad(c, srv, peer)
        peer.stop()
        if sid:
            test_gctrace(c, srv, peer, sid, tmp)
        test_two_processes(c, srv, binary, tmp)
        srv.stop()
        peer = Peer(binary, tmp, "leaky2", ["-leak-mb", "4096"])
        test_restart(c, args.hearth, os.path.join(tmp, "data-restart"), peer)
    finally:
        if peer:
            peer.stop()
        if srv and srv.alive():
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
