#!/usr/bin/env python3
"""hearth migrate: a SQLite+files store filled through the HTTP API is copied
to another store, and a server on the copy answers exactly as the source did.

  - the source: profiles (two with the same bytes), a series, a capture
    (its row in captures), two gctraces and two saved views;
  - an interrupted migration (HEARTH_MIGRATE_STOP_AFTER=3: stops after 3
    rows, exit 1) is run again: it copies only what is missing, a third run
    copies nothing, and both verify;
  - a server on the target: the lists, every profile's metadata, raw bytes
    and top view, the series, captures, gctraces and saved views equal the
    source's; a delete with the source's delete token works;
  - a target blob overwritten with other bytes: the verify step fails (exit 1,
    one line naming the blob).

Target: sqlite:DIR (default), or with --target pg-s3 PostgreSQL
(HEARTH_TEST_METADATA of tests/setup/with_pg.sh) and S3 (HEARTH_TEST_BLOBS of
tests/setup/with_s3.sh).

Usage: store_migrate_test.py --hearth BIN --gen DIR [--target local|pg-s3]
"""
import argparse
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
import harness  # noqa: E402
from harness import Checks, Server, skip  # noqa: E402

JS = {"Content-Type": "application/json"}
OCT = {"Content-Type": "application/octet-stream"}
GCLOG = (b"gc 1 @0.010s 1%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms cpu, "
         b"4->5->2 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 4 P\n")
GCLOG2 = GCLOG + (b"gc 2 @0.020s 1%: 0.011+1.3+0.022 ms clock, 0.042+0.31/1.1/0.84+0.087 ms cpu, "
                  b"5->6->3 MB, 9 MB goal, 0 MB stacks, 0 MB globals, 4 P\n")

BULK = 70

# the target's settings, taken before any Server reads them (the source is SQLite+files)
PG_URL = os.environ.pop("HEARTH_TEST_METADATA", "")
S3_BLOBS = os.environ.pop("HEARTH_TEST_BLOBS", "")


def peer(profile_bytes):
    """A tiny HTTP server answering every GET with profile_bytes (the capture's target)."""
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(profile_bytes)))
            self.end_headers()
            self.wfile.write(profile_bytes)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def fill(c, srv, gen, peer_url):
    """Everything the store holds, made through the API; returns the delete tokens."""
    toks = {}
    for name, f in (("cpu", "cpu.pb.gz"), ("cpu-again", "cpu.pb.gz"), ("heap", "medium-heap.pb.gz"),
                    ("allocs", "allocs.pb.gz")):
        with open(os.path.join(gen, f), "rb") as fh:
            r = srv.req("POST", "/api/profiles?name=" + name, fh.read(), OCT)
        c.eq(r.status, 201, "source: upload " + name)
        toks[name] = (r.json()["id"], r.json()["delete_token"])
    ids = [toks[n][0] for n in ("cpu", "heap", "allocs")]
    r = srv.req("POST", "/api/series", json.dumps({"name": "three", "profiles": ids}).encode(), JS)
    c.eq(r.status, 201, "source: a series")
    r = srv.req("POST", "/api/captures", json.dumps(
        {"url": peer_url + "/debug/pprof/heap", "interval_s": 1, "count": 2,
         "name": "captured"}).encode(), JS)
    c.eq(r.status, 201, "source: a capture")
    sid = r.json()["id"]
    for _ in range(100):
        s = srv.get("/api/series/" + sid).json()
        if s["capture"]["state"] != "running":
            break
        time.sleep(0.1)
    c.eq(s["capture"]["state"], "done", "source: the capture is done")
    # more rows than one page of the copy (64): profiles, and series items (a two-column key)
    with open(os.path.join(gen, "cpu.pb.gz"), "rb") as fh:
        cpu = fh.read()
    bulk = []
    for i in range(BULK):
        r = srv.req("POST", "/api/profiles?name=bulk-%02d" % i, cpu, OCT)
        bulk.append(r.json().get("id") if r.status == 201 else None)
    c.ok(all(bulk), "source: %d more uploads" % BULK)
    r = srv.req("POST", "/api/series", json.dumps({"name": "bulk", "profiles": bulk}).encode(), JS)
    c.eq(r.status, 201, "source: a series of %d" % BULK)
    for name, body in (("g1", GCLOG), ("g2", GCLOG2)):
        r = srv.req("POST", "/api/gctraces?name=" + name, body, {"Content-Type": "text/plain"})
        c.eq(r.status, 201, "source: gctrace " + name)
        toks[name] = (r.json()["id"], r.json()["delete_token"])
    for name, params in (("tops", {"view": "top", "sort": "-cum"}),
                         ("flame", {"view": "flame", "f": "main"})):
        r = srv.req("POST", "/api/views", json.dumps({"name": name, "params": params}).encode(), JS)
        c.eq(r.status, 201, "source: saved view " + name)
        toks[name] = (r.json()["id"], r.json()["delete_token"])
    return toks


def answers(srv, extra):
    """Every answer of the API that shows stored things (and the paths in extra), by path."""
    out = {}

    def get(path):
        r = srv.get(path)
        out[path] = (r.status, r.body)
        return r

    lst = get("/api/profiles?limit=2")
    cur = lst.json().get("next")
    if cur:
        get("/api/profiles?limit=2&cursor=" + cur)
    for p in get("/api/profiles").json()["profiles"]:
        for v in ("", "/raw", "/top", "/flamegraph"):
            get("/api/profiles/" + p["id"] + v)
    for s in get("/api/series").json()["series"]:
        get("/api/series/" + s["id"])
    get("/api/captures")
    for p in extra:
        get(p)
    for v in get("/api/views").json()["views"]:
        get("/api/views/" + v["id"])
    return out


class Target:
    def __init__(self, kind, tmp):
        self.kind = kind
        self.env = dict(os.environ)
        self.dir = os.path.join(tmp, "target")
        if kind == "local":
            self.spec = "sqlite:" + self.dir
            self.args = []
            return
        db = "t_migrate_%d" % os.getpid()
        admin = PG_URL.replace("{db}", "postgres")
        subprocess.run(["psql", "-q", admin, "-c", "DROP DATABASE IF EXISTS " + db],
                       capture_output=True, check=True)
        subprocess.run(["psql", "-q", admin, "-c", "CREATE DATABASE " + db],
                       capture_output=True, check=True)
        self.pg = PG_URL.replace("{db}", db)
        self.endpoint = os.environ["HEARTH_TEST_S3_ENDPOINT"]
        self.env["HEARTH_S3_ACCESS_KEY_ID"] = os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"]
        self.env["HEARTH_S3_SECRET_ACCESS_KEY"] = os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]
        self.env["HEARTH_S3_ENDPOINT"] = self.endpoint
        self.spec = self.pg + "," + S3_BLOBS
        self.args = ["--metadata", self.pg, "--blobs", S3_BLOBS, "--s3-endpoint", self.endpoint]

    def corrupt(self, sha):
        """Overwrite the target's blob sha with other bytes."""
        if self.kind == "local":
            with open(os.path.join(self.dir, "blobs", sha[:2], sha), "wb") as f:
                f.write(b"not the profile")
            return
        r = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
             "aws:amz:us-east-1:s3", "-u", "%s:%s" % (self.env["HEARTH_S3_ACCESS_KEY_ID"],
                                                      self.env["HEARTH_S3_SECRET_ACCESS_KEY"]),
             "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",  # radosgw: curl signs no body
             "-X", "PUT", "--data-binary", "not the profile",
             "%s/%s/%s" % (self.endpoint, S3_BLOBS[len("s3://"):], sha)],
            capture_output=True, text=True)
        if r.stdout != "200":
            raise RuntimeError("corrupt: the S3 server answered %r" % r.stdout)


def migrate(hearth, src, tgt, extra_env=None):
    env = dict(tgt.env, **(extra_env or {}))
    return subprocess.run([hearth, "migrate", "--from", "sqlite:" + src, "--to", tgt.spec],
                          capture_output=True, text=True, env=env, timeout=300)


def copied(out):
    """{table: rows copied} from the summary."""
    d = {}
    for line in out.splitlines():
        w = line.split()
        if len(w) >= 3 and w[2].startswith("copied"):
            d[w[0]] = int(w[1])
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--target", default="local", choices=("local", "pg-s3"))
    a = ap.parse_args()
    if a.target == "pg-s3" and not (PG_URL and S3_BLOBS):
        skip("--target pg-s3 needs tests/setup/with_pg.sh and with_s3.sh")
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-migrate-")
    src = os.path.join(tmp, "source")
    with open(os.path.join(a.gen, "medium-heap.pb.gz"), "rb") as f:
        pr = peer(f.read())
    srv = Server(a.hearth, src, ["--fetch-allow", "127.0.0.1"]).start()
    try:
        toks = fill(c, srv, a.gen, "http://127.0.0.1:%d" % pr.server_address[1])
        gpaths = ["/api/gctraces/" + toks[g][0] for g in ("g1", "g2")]
        want = answers(srv, gpaths)
    finally:
        srv.stop()
        pr.shutdown()
    c.ok(len(want) > 20, "source: %d answers recorded" % len(want))

    tgt = Target(a.target, tmp)
    r = migrate(a.hearth, src, tgt, {"HEARTH_MIGRATE_STOP_AFTER": "3"})
    c.eq(r.returncode, 1, "interrupted: exit 1")
    c.ok("stopped after 3 rows" in r.stderr, "interrupted: says where it stopped", r.stderr)
    first = copied(r.stdout)
    c.eq(sum(v for k, v in first.items() if k != "blobs"), 3, "interrupted: 3 rows copied")

    r = migrate(a.hearth, src, tgt)
    c.eq(r.returncode, 0, "rerun: exit 0 (%s)" % r.stderr.strip())
    c.ok("copied and verified" in r.stdout, "rerun: verified", r.stdout)
    second = copied(r.stdout)
    # 4 + BULK uploads and 2 captured snapshots, 2 gctraces, 3 series with 3 + 2 + BULK items,
    # 1 capture, 2 views
    want_rows = {"profiles": 6 + BULK, "gctraces": 2, "series": 3, "series_items": 5 + BULK,
                 "captures": 1, "saved_views": 2}
    c.eq({k: first.get(k, 0) + second.get(k, 0) for k in want_rows}, want_rows,
         "interrupted + rerun: every row copied once")
    # distinct blobs: cpu (twice), heap (upload and 2 snapshots), allocs, 2 gctraces
    c.eq(first.get("blobs", 0) + second.get("blobs", 0), 5, "every distinct blob copied once")
    for t, n in want_rows.items():
        c.ok(("%-12s %6d copied, %6d in source, %6d in target" % (t, second.get(t, 0), n, n))
             in r.stdout, "rerun: %s counted in source and target" % t, r.stdout)

    r = migrate(a.hearth, src, tgt)
    c.eq(r.returncode, 0, "third run: exit 0 (%s)" % r.stderr.strip())
    c.eq(set(copied(r.stdout).values()), {0}, "third run: nothing copied")

    if a.target == "local":
        # every table of the source (a table or column the copy does not know would show
        # here: rows differ or a table is missing), row for row
        import sqlite3
        sdb = sqlite3.connect(os.path.join(src, "hearth.db"))
        ddb = sqlite3.connect(os.path.join(tgt.dir, "hearth.db"))
        # derived answers (derived_store.h) are not copied: the target computes them again
        tables = [t for (t,) in sdb.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if t not in ("schema_version", "store_meta", "derived")]
        c.ok(sdb.execute("SELECT count(*) FROM derived").fetchone()[0] > 0,
             "source: derived answers were kept (they are left out of the copy)")
        c.eq(ddb.execute("SELECT count(*) FROM derived").fetchone()[0], 0,
             "target: no derived answer copied")
        c.ok(len(tables) >= 6, "source tables: %s" % tables)
        # a capture's lease belongs to the server running it, not to the data: a migrated
        # running capture is claimed afresh (server/store/store_copy.c)
        per_server = {("captures", "lease_owner"), ("captures", "lease_until")}
        for t in tables:
            cols = [r[1] for r in sdb.execute("PRAGMA table_info(%s)" % t)
                    if (t, r[1]) not in per_server]
            q = "SELECT %s FROM %s ORDER BY 1, 2" % (", ".join(cols), t)
            c.eq(ddb.execute(q).fetchall(), sdb.execute(q).fetchall(),
                 "target: table %s equals the source's row for row" % t)
        sdb.close()
        ddb.close()

    dst = Server(a.hearth, tgt.dir, tgt.args, env=tgt.env).start()
    try:
        got = answers(dst, gpaths)
        c.eq(sorted(got), sorted(want), "target: the same paths")
        for p in sorted(want):
            c.eq(got.get(p), want[p], "target: GET %s equals the source's" % p)
        pid, tok = toks["cpu"]
        c.eq(dst.req("DELETE", "/api/profiles/" + pid, None, {"Authorization": "Bearer x"}).status,
             403, "target: a wrong delete token is refused")
        c.eq(dst.req("DELETE", "/api/profiles/" + pid, None,
                     {"Authorization": "Bearer " + tok}).status, 204,
             "target: the source's delete token deletes the profile")
        vid, vtok = toks["tops"]
        c.eq(dst.req("DELETE", "/api/views/" + vid, None,
                     {"Authorization": "Bearer " + vtok}).status, 204,
             "target: the source's saved view token works")
        heap = dst.get("/api/profiles/" + toks["heap"][0]).json()
    finally:
        dst.stop()

    with open(os.path.join(a.gen, "medium-heap.pb.gz"), "rb") as f:
        heap_sha = hashlib.sha256(f.read()).hexdigest()
    c.eq(heap.get("id"), toks["heap"][0], "target: heap profile still there")
    tgt.corrupt(heap_sha)
    r = migrate(a.hearth, src, tgt)
    c.eq(r.returncode, 1, "corrupted blob: exit 1")
    # (with S3 the store's start-up log line "blobs on S3: ..." comes first)
    errs = [l for l in r.stderr.splitlines() if l.startswith("hearth migrate:")]
    c.ok(len(errs) == 1 and ("verify failed: blob %s" % heap_sha) in errs[0]
         and "differs" in errs[0], "corrupted blob: one line naming it", r.stderr)

    # a source row whose blob is gone: a clear failure, not a row without bytes
    broken = os.path.join(tmp, "broken")
    shutil.copytree(src, broken)
    os.remove(os.path.join(broken, "blobs", heap_sha[:2], heap_sha))
    r = subprocess.run([a.hearth, "migrate", "--from", "sqlite:" + broken, "--to",
                        "sqlite:" + os.path.join(tmp, "from-broken")], capture_output=True,
                       text=True)
    errs = [l for l in r.stderr.splitlines() if l.startswith("hearth migrate:")]
    c.eq(r.returncode, 1, "a source blob missing: exit 1")
    c.ok(len(errs) == 1 and "its blob" in errs[0] and "run it again" not in errs[0],
         "a source blob missing: one line naming the row", r.stderr)

    r = subprocess.run([a.hearth, "migrate", "--from", "sqlite:" + src], capture_output=True,
                       text=True)
    c.eq(r.returncode, 2, "usage: --to missing is exit 2")
    r = subprocess.run([a.hearth, "migrate", "--from", "sqlite:" + os.path.join(tmp, "none"),
                        "--to", "sqlite:" + os.path.join(tmp, "x")], capture_output=True, text=True)
    c.eq((r.returncode, r.stderr.count("\n")), (1, 1), "a missing source: one line, exit 1")
    c.ok("no hearth.db" in r.stderr, "a missing source: says so", r.stderr)
    r = subprocess.run([a.hearth, "migrate", "--from", "sqlite:" + src, "--to",
                        "mysql://x"], capture_output=True, text=True)
    c.eq(r.returncode, 2, "an unknown target kind: exit 2")
    if c.failed == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
