#!/usr/bin/env python3
"""Long captures that keep what matters: thinning and archive uploads, through the HTTP API.

Thinning (PUT /api/series/ID/thinning, POST /api/series/ID/thin, the
background pass every --thin-pass-seconds, POST /api/captures with "thin"):
  - a series of 40 synthetic heap snapshots one minute apart (built here as
    profile.proto with exact inuse_space totals and time_nanos), the peak at
    #7, thinned with a 10 min window and one per 5 min: exactly #0, #5, #7,
    #10, #15, #20, #25 and #29..#39 remain; the record says 22 removed from
    #1's time to #28's; a second pass removes nothing; the growth answer's
    times, totals, delta, slope and steadiness equal a recomputation over the
    snapshots left (time on the x axis, not the index);
  - the background pass does the same without being asked;
  - uploaded profiles keep their own tokens: thinning takes them out of the
    series, never deletes them; an archive's snapshots (the series' own) go;
  - a capture of tests/peer with thin {"keep_s": 2, "every_s": 3} ends with
    removed + kept = taken, the first and last kept;
  - bad policies, no token, thinning without a policy: JSON 4xx.
Archives (POST /api/series/archive, raw body or multipart):
  - zip with heap.N names in shuffled order, a README, a directory, a
    symlink-free zip: ordered by N ("index"), the README reported "not a
    profile"; tar.gz with timestamped names ("name-time", even against the
    profiles' own times); tar with Unix-seconds names; names with neither:
    the profiles' time_nanos ("time");
  - ../ and absolute names are only names (nothing written there);
    symlinks, hard links and nested archives skipped with their reasons;
  - a bomb (ratio), too many entries, too many files, only non-profiles,
    a damaged archive, not an archive: clear 4xx and nothing stored.
Usage: longcap_test.py --hearth BIN   (exit 77 = SKIP without go for the capture part)
"""
import argparse
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
import zipfile
import gzip

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, multipart  # noqa: E402

JSON = {"Content-Type": "application/json"}
T0_S = 1700000000  # the first synthetic snapshot's time


# ---- a tiny profile.proto writer (exact values, chosen times) ----

def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def packed(nums):
    return b"".join(varint(n) for n in nums)


def heap_profile(leak, steady, time_s):
    """A heap profile: inuse_space of main.leak = leak, of main.steady = steady."""
    strings = ["", "alloc_objects", "count", "alloc_space", "bytes", "inuse_objects",
               "inuse_space", "main.leak", "main.steady", "main.go", "space"]
    idx = {s: i for i, s in enumerate(strings)}
    p = b""
    for t, u in (("alloc_objects", "count"), ("alloc_space", "bytes"),
                 ("inuse_objects", "count"), ("inuse_space", "bytes")):
        p += field(1, 2, field(1, 0, idx[t]) + field(2, 0, idx[u]))
    for loc, v in ((1, leak), (2, steady)):
        vals = [1, v, 1, v]
        p += field(2, 2, field(1, 2, packed([loc])) + field(2, 2, packed(vals)))
    for loc, fn in ((1, 1), (2, 2)):
        p += field(4, 2, field(1, 0, loc) + field(3, 0, 0x1000 * loc) +
                   field(4, 2, field(1, 0, fn) + field(2, 0, 10 * fn)))
    for fn, name in ((1, "main.leak"), (2, "main.steady")):
        p += field(5, 2, field(1, 0, fn) + field(2, 0, idx[name]) + field(3, 0, idx[name]) +
                   field(4, 0, idx["main.go"]))
    for s in strings:
        p += field(6, 2, s.encode())
    p += field(9, 0, time_s * 1000000000)
    p += field(11, 2, field(1, 0, idx["space"]) + field(2, 0, idx["bytes"]))
    p += field(12, 0, 524288)
    return gzip.compress(p)


# ---- helpers ----

def post_json(srv, path, obj, token=None, method="POST"):
    h = dict(JSON)
    if token:
        h["Authorization"] = "Bearer " + token
    return srv.req(method, path, json.dumps(obj).encode(), h)


def upload(srv, data, name):
    r = srv.req("POST", "/api/profiles?name=" + name, data,
                {"Content-Type": "application/octet-stream"})
    assert r.status == 201, r
    return r.json()


def profile_count(srv):
    return srv.get("/healthz").json()["profiles"]


def ols(ts, vs):
    n = len(ts)
    mt, mv = sum(ts) / n, sum(vs) / n
    sxy = sum((t - mt) * (v - mv) for t, v in zip(ts, vs))
    sxx = sum((t - mt) ** 2 for t in ts)
    return sxy / sxx


def steadiness(ts, vs):
    delta = vs[-1] - vs[0]
    span = sum(ts[i] - ts[i - 1] for i in range(1, len(ts)))
    moved = sum(ts[i] - ts[i - 1] for i in range(1, len(ts))
                if (delta > 0 and vs[i] > vs[i - 1]) or (delta < 0 and vs[i] < vs[i - 1]))
    return moved / span if delta else 0


LEAK = [1000 * k if k != 7 else 100000 for k in range(40)]
STEADY = 5000
KEPT = [0, 5, 7, 10, 15, 20, 25] + list(range(29, 40))


def synthetic_series(c, srv, what):
    ids = []
    for k in range(40):
        m = upload(srv, heap_profile(LEAK[k], STEADY, T0_S + 60 * k), "heap.%d.pb.gz" % k)
        ids.append(m["id"])
    r = post_json(srv, "/api/series", {"profiles": ids, "name": what})
    c.eq(r.status, 201, what + ": series created")
    s = r.json()
    c.eq(s["order"], "time", what + ": ordered by time")
    return s["id"], s["delete_token"], ids


def check_thinned(c, srv, sid, ids, what):
    s = srv.get("/api/series/" + sid).json()
    c.eq([p["id"] for p in s["profiles"]], [ids[k] for k in KEPT],
         what + ": first, last, peak #7, one per 5 min and the last 10 min remain")
    th = s["thinning"]
    c.eq(th and th["policy"], {"keep_s": 600, "every_s": 300}, what + ": the policy is shown")
    c.eq(th and th["removed"], 22, what + ": 22 snapshots removed")
    rg = th["ranges"][0] if th and th["ranges"] else {}
    c.eq((rg.get("from_ms"), rg.get("to_ms"), rg.get("window_ms")),
         ((T0_S + 60) * 1000, (T0_S + 60 * 28) * 1000, (T0_S + 60 * 39 - 600) * 1000),
         what + ": the removed range (#1..#28) and the window start")
    c.eq((rg.get("from_t"), rg.get("to_t")), (60.0, 1680.0), what + ": the range in series time")
    return s


def check_growth(c, srv, sid, what):
    g = srv.get("/api/series/%s/growth?si=inuse_space" % sid).json()
    ts = [60.0 * k for k in KEPT]
    c.eq(g["times"], ts, what + ": growth times are the snapshots' own (seconds)")
    c.eq(g["totals"]["inuse_space"], [LEAK[k] + STEADY for k in KEPT],
         what + ": totals per snapshot left")
    rows = {r["name"]: r for r in g["rows"]}
    leak = rows.get("main.leak", {})
    vs = [LEAK[k] for k in KEPT]
    c.eq(leak.get("delta"), vs[-1] - vs[0], what + ": main.leak delta = last - first")
    c.eq(g["total_delta"], vs[-1] - vs[0], what + ": total growth")
    # the answer's numbers have 6 significant digits
    c.ok(abs(leak.get("slope", 0) - ols(ts, vs)) < 1e-5 * abs(ols(ts, vs)),
         what + ": slope is least squares over time", (leak.get("slope"), ols(ts, vs)))
    c.ok(abs(leak.get("steadiness", -1) - steadiness(ts, vs)) < 1e-6,
         what + ": steadiness weighs steps by their duration",
         (leak.get("steadiness"), steadiness(ts, vs)))
    c.eq(rows.get("main.steady", {}).get("delta", 0), 0, what + ": main.steady did not grow")


def test_thin_explicit(c, srv):
    sid, tok, ids = synthetic_series(c, srv, "explicit")
    before = profile_count(srv)
    r = post_json(srv, "/api/series/%s/thin" % sid, {}, tok)
    check_json_error(c, r, "thin without a policy", (409,))
    r = post_json(srv, "/api/series/%s/thinning" % sid, {"thin": {"keep_s": 600, "every_s": 300}},
                  None, "PUT")
    check_json_error(c, r, "policy without the token", (403,))
    for bad in ({"thin": {"keep_s": -1}}, {"thin": {"every_s": 0}}, {"thin": {"every_s": 86401}},
                {"thin": {"keep_s": 2592001}}, {"thin": {"keep": 5}}, {"thin": "yes"}, {}):
        r = post_json(srv, "/api/series/%s/thinning" % sid, bad, tok, "PUT")
        check_json_error(c, r, "bad policy %s" % json.dumps(bad), (400,))
    r = post_json(srv, "/api/series/%s/thinning" % sid, {"thin": {"keep_s": 600, "every_s": 300}},
                  tok, "PUT")
    c.eq(r.status, 200, "policy set")
    c.eq(r.json()["thinning"], {"policy": {"keep_s": 600, "every_s": 300}, "removed": 0,
                                "ranges": []}, "policy shown, nothing removed yet")
    r = post_json(srv, "/api/series/%s/thin" % sid, {}, tok)
    c.eq(r.status, 200, "thin now")
    check_thinned(c, srv, sid, ids, "explicit")
    r = post_json(srv, "/api/series/%s/thin" % sid, {}, tok)
    check_thinned(c, srv, sid, ids, "explicit, second pass")
    check_growth(c, srv, sid, "explicit")
    c.eq(profile_count(srv), before, "uploaded profiles (their own tokens) are not deleted")
    c.eq(srv.get("/api/profiles/" + ids[1]).status, 200, "a thinned upload is still stored")
    r = post_json(srv, "/api/series/%s/thinning" % sid, {"thin": False}, tok, "PUT")
    th = r.json()["thinning"]
    c.eq((th["policy"], th["removed"]), (None, 22), "policy off: the record stays")


def test_thin_background(c, srv):
    sid, tok, ids = synthetic_series(c, srv, "background")
    post_json(srv, "/api/series/%s/thinning" % sid, {"thin": {"keep_s": 600, "every_s": 300}},
              tok, "PUT")
    deadline = time.time() + 15
    while time.time() < deadline:
        s = srv.get("/api/series/" + sid).json()
        if s["thinning"]["removed"]:
            break
        time.sleep(0.2)
    check_thinned(c, srv, sid, ids, "background")


def test_thin_capture(c, srv, hearth_tmp):
    try:
        from series_test import build_peer, Peer, wait_capture
    except ImportError as e:
        c.ok(False, "series_test helpers: %s" % e)
        return
    if not shutil.which("go"):
        print("SKIP part: go not found, the capture part of thinning is not run")
        return
    binary = build_peer(hearth_tmp)
    peer = Peer(binary, hearth_tmp, "thin-peer", ["-leak-mb", "4096", "-leak-every", "20ms"])
    try:
        body = {"url": peer.url("/debug/pprof/heap"), "interval_s": 1, "count": 8, "gc": True,
                "thin": {"keep_s": 2, "every_s": 3}}
        r = post_json(srv, "/api/captures", body)
        c.eq(r.status, 201, "thinned capture started")
        if r.status != 201:
            return
        sid, tok = r.json()["id"], r.json()["delete_token"]
        c.eq(r.json()["thinning"]["policy"], {"keep_s": 2, "every_s": 3}, "capture's policy")
        s = wait_capture(srv, sid)
        time.sleep(2.5)  # one more background pass after the last snapshot
        post_json(srv, "/api/series/%s/thin" % sid, {}, tok)
        s = srv.get("/api/series/" + sid).json()
        names = [p["name"] for p in s["profiles"]]
        removed = s["thinning"]["removed"]
        c.eq(s["capture"]["taken"], 8, "capture: 8 taken")
        c.ok(removed > 0, "capture: some snapshots thinned", s["thinning"])
        c.ok(removed + len(names) == 8, "capture: removed + kept = taken", (removed, names))
        c.ok(names and names[0].endswith("#1") and names[-1].endswith("#8"),
             "capture: the first and the last kept", names)
        r = post_json(srv, "/api/captures", dict(body, count=1001, thin=False))
        check_json_error(c, r, "1001 snapshots without thinning", (400,))
        r = post_json(srv, "/api/captures", dict(body, count=100001))
        check_json_error(c, r, "100001 snapshots with thinning", (400,))
        r = post_json(srv, "/api/captures", dict(body, thin={"every_s": 0}))
        check_json_error(c, r, "capture with a bad thin", (400,))
    finally:
        peer.stop()


# ---- archives ----

def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in entries:
            if data is None:
                z.writestr(zipfile.ZipInfo(name), b"")  # a directory when the name ends in /
            else:
                z.writestr(name, data)
    return b.getvalue()


def tar_bytes(entries, mode="w:gz"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        for e in entries:
            name, data = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            if len(e) > 2:
                ti.type = e[2]
                ti.linkname = data
                t.addfile(ti)
                continue
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


def post_archive(srv, data, name="", ctype="application/octet-stream"):
    return srv.req("POST", "/api/series/archive" + ("?name=" + name if name else ""), data,
                   {"Content-Type": ctype})


def entry_status(arch):
    return {e["name"]: (e["status"], e.get("reason")) for e in arch["entries"]}


def test_archives(c, srv, tmp):
    snaps = [heap_profile(1000 * (k + 1), STEADY, T0_S + 30 * k) for k in range(5)]
    # zip: index order, shuffled in the archive, a README, a directory
    z = zip_bytes([("snaps/", None), ("snaps/heap.3.pb.gz", snaps[3]), ("snaps/heap.0.pb.gz", snaps[0]),
                   ("README.txt", b"heap snapshots of the weekend\n"),
                   ("snaps/heap.4.pb.gz", snaps[4]), ("snaps/heap.1.pb.gz", snaps[1]),
                   ("snaps/heap.2.pb.gz", snaps[2])])
    r = post_archive(srv, z, "weekend")
    c.ok(r.status == 201, "zip: 201", r)
    if r.status == 201:
        s = r.json()
        a = s["archive"]
        c.eq((a["format"], a["order"], a["profiles"], a["skipped"]), ("zip", "index", 5, 2),
             "zip: 5 profiles by index, 2 skipped")
        c.eq([p["name"] for p in s["profiles"]], ["heap.%d.pb.gz" % k for k in range(5)],
             "zip: snapshots in index order")
        st = entry_status(a)
        c.eq(st.get("README.txt", ("",))[0:2], ("skipped", "not a profile"), "zip: README reported")
        c.eq(st.get("snaps/"), ("skipped", "a directory"), "zip: directory reported")
        c.eq(s["name"], "weekend", "zip: ?name= names the series")
        g = srv.get("/api/series/%s/growth?si=inuse_space" % s["id"]).json()
        c.eq(g["totals"]["inuse_space"], [1000 * (k + 1) + STEADY for k in range(5)],
             "zip: growth totals in order")
        # thinning an archive's series deletes its snapshots (the series' own)
        tok = s["delete_token"]
        post_json(srv, "/api/series/%s/thinning" % s["id"], {"thin": {"keep_s": 30, "every_s": 1000}},
                  tok, "PUT")
        r2 = post_json(srv, "/api/series/%s/thin" % s["id"], {}, tok)
        kept = [p["name"] for p in r2.json()["profiles"]]
        # times 0,30,60,90,120; window from 90; peak #4: keeps #0, #3, #4
        c.eq(kept, ["heap.0.pb.gz", "heap.3.pb.gz", "heap.4.pb.gz"], "archive series thinned")
        gone = [p["id"] for p in s["profiles"] if p["name"] in ("heap.1.pb.gz", "heap.2.pb.gz")]
        c.eq([srv.get("/api/profiles/" + i).status for i in gone], [404, 404],
             "an archive's thinned snapshots are deleted")

    # tar.gz with timestamped names whose order differs from the profiles' own times
    names = ["heap-2024-05-01T10:0%d:00Z.pb.gz" % k for k in range(4)]
    rev = [heap_profile(100 * (k + 1), STEADY, T0_S - 10 * k) for k in range(4)]
    r = post_archive(srv, tar_bytes([(names[k], rev[k]) for k in (2, 0, 3, 1)]))
    c.ok(r.status == 201, "tar.gz: 201", r)
    if r.status == 201:
        a = r.json()["archive"]
        c.eq((a["format"], a["order"]), ("tar.gz", "name-time"), "tar.gz: by the time in the names")
        c.eq([p["name"] for p in r.json()["profiles"]], names, "tar.gz: name-time order")
    # plain tar with Unix seconds in the names, and multipart
    body, ctype = multipart("snaps.tar", tar_bytes(
        [("heap-%d.pprof" % (1714557600 + 60 * k), snaps[k]) for k in (1, 0, 2)], "w"))
    r = post_archive(srv, body, ctype=ctype)
    c.ok(r.status == 201, "tar (multipart): 201", r)
    if r.status == 201:
        a = r.json()["archive"]
        c.eq((a["format"], a["order"]), ("tar", "name-time"), "tar: Unix seconds in the names")
        c.eq([p["name"] for p in r.json()["profiles"]],
             ["heap-%d.pprof" % (1714557600 + 60 * k) for k in range(3)], "tar: in time order")
    # neither: the profiles' own times; ../ and absolute names are names only
    tag = "hearth-archive-%d" % os.getpid()
    evil = ["../../../../tmp/%s-a.pb" % tag, "/tmp/%s-b.pb" % tag, "x/../../%s-c.pb" % tag]
    own = [heap_profile(10, STEADY, T0_S + k) for k in range(3)]
    r = post_archive(srv, zip_bytes([(evil[k], own[k]) for k in (2, 1, 0)]))
    c.ok(r.status == 201, "odd names: 201", r)
    if r.status == 201:
        a = r.json()["archive"]
        c.eq(a["order"], "time", "no number or time in the names: the profiles' time_nanos")
        c.eq([p["time_nanos"] for p in r.json()["profiles"]],
             [(T0_S + k) * 1000000000 for k in range(3)], "in time_nanos order")
    c.eq([os.path.exists("/tmp/%s-%s.pb" % (tag, x)) for x in "abc"], [False] * 3,
         "../ and absolute names wrote nothing")
    # links and nested archives are skipped with their reasons
    inner = zip_bytes([("heap.0.pb.gz", snaps[0])])
    r = post_archive(srv, tar_bytes([("heap.0.pb.gz", snaps[0]), ("heap.1.pb.gz", snaps[1]),
                                     ("heap.2.pb.gz", "/etc/passwd", tarfile.SYMTYPE),
                                     ("heap.3.pb.gz", "heap.0.pb.gz", tarfile.LNKTYPE),
                                     ("more.zip", inner), ("heap.9.bin", inner)]))
    c.ok(r.status == 201, "links and nested: 201", r)
    if r.status == 201:
        st = entry_status(r.json()["archive"])
        c.eq(st.get("heap.2.pb.gz"), ("skipped", "a symbolic link (not followed)"), "symlink skipped")
        c.eq(st.get("heap.3.pb.gz"), ("skipped", "a hard link (not followed)"), "hard link skipped")
        c.eq(st.get("more.zip"), ("skipped", "a nested archive (not unpacked)"), "nested by name")
        c.eq(st.get("heap.9.bin"), ("skipped", "a nested archive (not unpacked)"), "nested by content")
        c.eq(len(r.json()["profiles"]), 2, "two profiles")

    # refusals: nothing stored
    before = (profile_count(srv), len(srv.get("/api/series").json()["series"]))
    bomb = zip_bytes([("heap.0.pb.gz", snaps[0]), ("zeros.pb", b"\0" * (48 << 20))])
    cases = [
        ("bomb", bomb, 413, "times its size"),
        ("entries", tar_bytes([("f%05d" % i, b"x") for i in range(10001)], "w:gz"), 413,
         "more than 10000 entries"),
        ("files", tar_bytes([("f%05d" % i, b"x") for i in range(1001)], "w:gz"), 413,
         "at most 1000 snapshots"),
        ("no profiles", zip_bytes([("a.txt", b"hello"), ("b.txt", b"world")]), 400,
         "none of the archive's 2 entries is a profile"),
        ("damaged", tar_bytes([("heap.%d.pb.gz" % k, snaps[k]) for k in range(5)])[:-200], 400,
         "cannot be read"),
        ("not an archive", b"this is not an archive at all" * 10, 400, "not a .zip"),
        ("a lone profile", snaps[0], 400, ""),
        ("empty", b"", 400, "empty"),
    ]
    for what, data, status, text in cases:
        r = post_archive(srv, data)
        check_json_error(c, r, "archive: " + what, (status,))
        if r.status == status and text:
            msg = r.json()["error"]["message"]
            c.ok(text in msg, "archive %s: says why" % what, msg)
    c.eq((profile_count(srv), len(srv.get("/api/series").json()["series"])), before,
         "refused archives stored nothing")
    r = srv.req("GET", "/api/series/archive")
    c.eq(r.status, 405, "GET /api/series/archive: 405")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    args = ap.parse_args()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-longcap-")
    srv = None
    try:
        srv = Server(args.hearth, os.path.join(tmp, "data"),
                     ["--fetch-allow", "127.0.0.1", "--thin-pass-seconds", "1"]).start()
        test_thin_explicit(c, srv)
        test_thin_background(c, srv)
        test_archives(c, srv, tmp)
        test_thin_capture(c, srv, tmp)
    finally:
        if srv and srv.alive():
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
