#!/usr/bin/env python3
"""Rendered answers kept in the store across restarts (derived blobs,
include/hearth/derived_store.h; --derived-mb), through the API:

1. The landing views of a profile (flame graph of each sample type, Top and
   its first page, call graph layout, sandwich and its peek table, diff
   flame graph), and a flame graph by file, are kept after they are computed
   (hearth_derived_answers_total{event="kept"}); a view with a filter
   (f=main), or a key longer than 1536 bytes, is not.
2. After a restart each answers byte for byte as before (plain and gzip),
   read from the store (event="read", no profile decoded for it), and the
   view cache stays within --cache-mb.
3. A damaged kept answer (bytes changed in the blob store) is never served:
   it is counted (event="damaged"), computed again with the same bytes and
   kept again.
4. Deleting the profile drops its kept answers (their blobs go, and the
   same bytes uploaded again are computed, not read); deleting the diff's
   base drops the diff's.
5. --derived-mb 0 keeps nothing.
Runs on SQLite + files, and on PostgreSQL + S3 (tests/setup/with_pg.sh and
with_s3.sh: HEARTH_TEST_METADATA and HEARTH_TEST_BLOBS).
Usage: derived_test.py --hearth BIN --gen DIR
"""
import argparse
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, blob_exists, metadata_args, skip, test_blobs  # noqa: E402

MF = "0.000244140625"
CACHE_MB = 2


def metric(srv, name, label=None):
    """The value of metric name (with label, e.g. 'event="read"'); None when absent."""
    r = srv.get("/metrics")
    want = name + ("{%s}" % label if label else "") + " "
    for line in r.body.decode().splitlines():
        if line.startswith(want):
            return float(line[len(want):])
    return None


def derived(srv, ev):
    return metric(srv, "hearth_derived_answers_total", 'event="%s"' % ev)


def rows(data):
    """[(key, blob, base, dblob)] of table derived, from SQLite or PostgreSQL."""
    q = "SELECT key, blob, base, dblob FROM derived ORDER BY key"
    md = metadata_args(data)
    if md:
        out = subprocess.run(["psql", "-qAt", "-F", "\t", md[1], "-c", q],
                             capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]
    db = sqlite3.connect(os.path.join(data, "hearth.db"))
    try:
        return db.execute(q).fetchall()
    finally:
        db.close()


def damage(data, sha):
    """Change one byte of blob sha in the server's blob store (file, or S3 object)."""
    url = test_blobs(data)
    if not url:
        path = os.path.join(data, "blobs", sha[:2], sha)
        with open(path, "r+b") as f:
            b = bytearray(f.read())
            b[len(b) // 2] ^= 0x55
            f.seek(0)
            f.write(b)
        return
    tmp = tempfile.NamedTemporaryFile(delete=False)
    tmp.write(b"not the bytes that were kept")
    tmp.close()
    subprocess.run(
        ["curl", "-sf", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:s3", "-u",
         "%s:%s" % (os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"],
                    os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]),
         "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", tmp.name,
         "%s/%s/%s" % (os.environ["HEARTH_TEST_S3_ENDPOINT"], url[len("s3://"):], sha)],
        check=True)
    os.unlink(tmp.name)


def all_gone(data, blobs):
    """Whether every blob is gone: at once, or (PostgreSQL metadata, replicas) after the
    background collection's grace (HEARTH_BLOB_GC_GRACE_SECONDS=1 here)."""
    deadline = time.time() + (15 if os.environ.get("HEARTH_TEST_METADATA") else 0)
    while any(blob_exists(data, d) for d in blobs) and time.time() < deadline:
        time.sleep(0.2)
    return not any(blob_exists(data, d) for d in blobs)


def settle(srv, seconds=10.0):
    """Wait until the background work (prefetch, warm decodes) stops changing the counters."""
    last, t0 = None, time.time()
    while time.time() - t0 < seconds:
        now = (derived(srv, "kept"), derived(srv, "read"),
               metric(srv, "hearth_cache_entries", 'cache="profiles"'),
               metric(srv, "hearth_cache_entries", 'cache="views"'))
        if now == last:
            return
        last = now
        time.sleep(0.3)


def answers(srv, paths, c, what):
    """{path: (plain body, gunzipped gzip body)}."""
    out = {}
    for p in paths:
        r = srv.get(p)
        z = srv.get(p, {"Accept-Encoding": "gzip"})
        c.eq((r.status, z.status), (200, 200), "%s: GET %s" % (what, p))
        zb = z.body
        if z.headers.get("Content-Encoding", z.headers.get("content-encoding", "")) == "gzip":
            zb = gzip.decompress(zb)
        out[p] = (r.body, zb)
    return out


def upload(srv, c, gen, name):
    with open(os.path.join(gen, name), "rb") as f:
        r = srv.req("POST", "/api/profiles?name=" + name, f.read(),
                    {"Content-Type": "application/octet-stream"})
    if not c.eq(r.status, 201, "upload " + name):
        print(r.body[:500])
        raise SystemExit(1)
    return r.json()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    for n in ("cpu.pb.gz", "cpu-labels.pb.gz"):
        if not os.path.exists(os.path.join(args.gen, n)):
            skip("no generated profile %s in %s" % (n, args.gen))
    os.environ.setdefault("HEARTH_BLOB_GC_GRACE_SECONDS", "1")
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-derived-")
    data = os.path.join(tmp, "data")
    flags = ["--cache-mb", str(CACHE_MB)]
    srv = Server(args.hearth, data, flags).start()
    try:
        p = upload(srv, c, args.gen, "cpu.pb.gz")
        b = upload(srv, c, args.gen, "cpu-labels.pb.gz")
        api = "/api/profiles/" + p["id"]
        top = srv.get(api + "/top").json()
        trs = top.get("rows") or top.get("items") or []
        fn = next((r["name"] for r in trs if not r["name"].startswith("runtime.")), "main.main")
        c.eq(derived(srv, "kept"), 1, "1: the full Top is kept once computed")

        # 1. a view with a filter is not kept (and starts no prefetch)
        r = srv.get(api + "/flamegraph?f=main")
        c.eq(r.status, 200, "1: flame graph focused on main")
        settle(srv)
        c.eq(derived(srv, "kept"), 1, "1: a flame graph with a filter is not kept")
        # nor a view whose key is longer than DERIVED_KEY_MAX (views_svc.c)
        r = srv.get(api + "/sandwich?fn=" + "x" * 1600)
        c.ok(r.status in (200, 404), "1: a sandwich of a long name answers", r.status)
        settle(srv)
        c.eq(derived(srv, "kept"), 1, "1: a view with a key of 1600+ bytes is not kept")
        landing = [api + "/flamegraph?mf=" + MF,
                   api + "/flamegraph?mf=" + MF + "&si=samples",
                   api + "/top",
                   api + "/top?limit=100",
                   api + "/callgraph/layout",
                   api + "/sandwich?fn=" + quote(fn),
                   api + "/peek?peek=" + quote(fn),
                   api + "/flamegraph?base=%s&mf=%s" % (b["id"], MF),
                   api + "/flamegraph?g=files&mf=" + MF]
        want = answers(srv, landing, c, "1")
        settle(srv)
        c.eq(derived(srv, "kept"), 9, "1: kept counted")
        srv.stop()  # the rows are read with the server stopped (SQLite: its last writes durable)
        kept = rows(data)
        keys = [k for (k, _, _, _) in kept]
        # the landing flame graphs of both types (the other one by the prefetch), the diff's,
        # Top, its first page, the layout, the sandwich and its peek table, the flame graph
        # by file
        c.eq(len(kept), 9, "1: nine answers kept: %s" % "\n".join(keys))
        c.ok(all(blob_exists(data, d) for (_, _, _, d) in kept), "1: their blobs exist")
        c.ok(not any("f=main" in k for k in keys), "1: no answer with a filter kept")
        c.eq(len({bl for (_, bl, _, _) in kept}), 1, "1: all of the profile's blob")
        c.eq(len([k for (k, _, base, _) in kept if base]), 1, "1: the diff names its base")

        # 2. after a restart: read back, byte for byte, without decoding
        srv = Server(args.hearth, data, flags).start()
        got = answers(srv, landing, c, "2")
        for pth in landing:
            c.ok(got[pth][0] == want[pth][0], "2: %s: the same bytes after a restart" % pth)
            c.ok(got[pth][1] == want[pth][1], "2: %s: the same gzip bytes after a restart" % pth)
        c.eq(derived(srv, "read"), len(landing), "2: every answer read from the store")
        settle(srv)
        c.eq(derived(srv, "kept"), 0, "2: nothing computed again")
        views = metric(srv, "hearth_cache_bytes", 'cache="views"')
        vb = metric(srv, "hearth_cache_budget_bytes", 'cache="views"')
        c.ok(views is not None and vb is not None and views <= vb, "2: view cache within budget",
             "%s > %s" % (views, vb))
        c.eq(metric(srv, "hearth_cache_entries", 'cache="profiles"'), 2.0,
             "2: the profile and the base decoded in the background after the reads")
        srv.stop()

        # 3. a damaged answer is never served: computed again (the same bytes) and kept again
        lay = [(k, d) for (k, _, _, d) in kept if "|v1|layout|" in k]
        c.eq(len(lay), 1, "3: the layout's kept answer")
        damage(data, lay[0][1])
        srv = Server(args.hearth, data, flags).start()
        got = answers(srv, [api + "/callgraph/layout"], c, "3")
        c.ok(got[api + "/callgraph/layout"] == want[api + "/callgraph/layout"],
             "3: the layout computed again, the same bytes")
        c.eq(derived(srv, "damaged"), 1, "3: the damaged answer counted")
        c.eq(derived(srv, "kept"), 1, "3: and kept again")
        srv.stop()
        c.eq(len(rows(data)), 9, "3: still nine rows")
        srv = Server(args.hearth, data, flags).start()
        got = answers(srv, [api + "/callgraph/layout"], c, "3b")
        c.eq(derived(srv, "read"), 1, "3: read from the store at the next start")
        c.ok(got[api + "/callgraph/layout"] == want[api + "/callgraph/layout"],
             "3: the same bytes")

        # 4. deletes: the base's drops the diffs, the profile's drops the rest
        before = kept  # the same rows again (the layout kept again has the same bytes)
        r = srv.req("DELETE", "/api/profiles/" + b["id"],
                    headers={"Authorization": "Bearer " + b["delete_token"]})
        c.eq(r.status, 204, "4: delete the base")
        gone = [d for (_, _, base, d) in before if base]
        c.ok(all_gone(data, gone), "4: the diff's blob deleted")
        srv.stop()
        after = rows(data)
        c.eq(len(after), 8, "4: the diff's answer dropped with its base")
        srv = Server(args.hearth, data, flags).start()
        r = srv.req("DELETE", "/api/profiles/" + p["id"],
                    headers={"Authorization": "Bearer " + p["delete_token"]})
        c.eq(r.status, 204, "4: delete the profile")
        c.ok(all_gone(data, [d for (_, _, _, d) in after]), "4: the profile's kept blobs deleted")
        p2 = upload(srv, c, args.gen, "cpu.pb.gz")
        srv.stop()
        c.eq(rows(data), [], "4: no kept answer left")
        srv = Server(args.hearth, data, flags).start()
        api2 = "/api/profiles/" + p2["id"]
        r = srv.get(api2 + "/callgraph/layout")
        c.eq(r.status, 200, "4: the same bytes uploaded again: layout")
        c.eq(derived(srv, "read"), 0, "4: computed, not read (nothing was left)")
        c.eq(r.body, want[api + "/callgraph/layout"][0], "4: the same answer")
        srv.stop()

        # 5. --derived-mb 0: nothing kept, nothing read
        data0 = os.path.join(tmp, "data0")
        srv = Server(args.hearth, data0, flags + ["--derived-mb", "0"]).start()
        p0 = upload(srv, c, args.gen, "cpu.pb.gz")
        r = srv.get("/api/profiles/%s/flamegraph?mf=%s" % (p0["id"], MF))
        c.eq(r.status, 200, "5: flame graph")
        settle(srv)
        c.eq(derived(srv, "kept"), 0, "5: --derived-mb 0 keeps nothing")
        srv.stop()
        c.eq(rows(data0), [], "5: no row")
    finally:
        srv.stop()
        if c.failed:
            print(srv.log()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
