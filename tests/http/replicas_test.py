#!/usr/bin/env python3
"""Three `hearth serve` replicas that share nothing but one PostgreSQL database and one S3 prefix.

Run through tests/setup/with_pg.sh and with_s3.sh (the fixtures postgres and
ceph). Through the HTTP API only:
  - uploads spread over the three replicas; every profile is readable from
    every replica at once: the same bytes (/raw) and the same view (/top);
  - a capture started on replica A (1 s interval, 3 s leases) survives
    kill -9 of A: B or C takes its lease once it expires and goes on; the
    snapshots are neither lost nor doubled (names #1..#n contiguous and
    unique, n == taken, one restart); stopping it from the replica that does
    not run it works, and the owner takes no snapshot after it;
  - 100 parallel uploads spread over three replicas, one of which is killed
    (-9) while they run: every upload acknowledged with 201 is readable,
    with its bytes, from the survivors;
  - the same bytes uploaded through two replicas (two profiles, one blob):
    deleting one through a third replica keeps the other's bytes;
  - on a PostgreSQL cluster of the test's own (the shared one must not
    stop): paused ~10 s under two replicas, requests get 503 + Retry-After
    (each in under 10 s); resumed, the same processes serve again.
Usage: replicas_test.py --hearth BIN --gen DIR
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip  # noqa: E402

SETUP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "setup", "postgres.sh")
JSON = {"Content-Type": "application/json"}
LEASE_S = 3
GC_GRACE_S = 2


def pg(cmd, d):
    return subprocess.run([SETUP, cmd, d], capture_output=True, text=True)


def new_db(url_tmpl, name):
    """A fresh database named name on the cluster of url_tmpl (postgresql://...{db}...)."""
    admin = url_tmpl.replace("{db}", "postgres")
    subprocess.run(["psql", "-q", admin, "-c", "DROP DATABASE IF EXISTS %s" % name],
                   capture_output=True, check=True)
    subprocess.run(["psql", "-q", admin, "-c", "CREATE DATABASE %s" % name],
                   capture_output=True, check=True)
    return url_tmpl.replace("{db}", name)


class Cluster:
    """Replicas on one metadata URL and one blobs URL, each with its own data directory."""

    def __init__(self, hearth, tmp, metadata, blobs, s3):
        self.hearth, self.tmp, self.metadata, self.blobs, self.s3 = hearth, tmp, metadata, blobs, s3
        self.n = 0
        os.makedirs(tmp, exist_ok=True)

    def start(self, *extra):
        self.n += 1
        env = dict(os.environ)
        env["HEARTH_S3_ACCESS_KEY_ID"] = self.s3["key"]
        env["HEARTH_S3_SECRET_ACCESS_KEY"] = self.s3["secret"]
        args = ["--metadata", self.metadata, "--blobs", self.blobs, "--s3-endpoint",
                self.s3["endpoint"], "--fetch-allow", "127.0.0.1", "--capture-lease-seconds",
                str(LEASE_S), "--blob-gc-grace-seconds", str(GC_GRACE_S), "--max-client-uploads", "64", "--max-client-requests", "256",
                "--upload-slots", "16"] + list(extra)
        return Server(self.hearth, os.path.join(self.tmp, "replica%d" % self.n), args,
                      env=env).start()


def upload(srv, data, name, timeout=60):
    return srv.req("POST", "/api/profiles?name=" + name, data,
                   {"Content-Type": "application/octet-stream"}, timeout=timeout)


def in_threads(fns):
    out = [None] * len(fns)

    def run(i):
        try:
            out[i] = fns[i]()
        except Exception as e:  # a connection refused by a killed replica
            out[i] = e
    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


class Target:
    """A tiny HTTP server on 127.0.0.1 answering /debug/pprof/heap with one profile."""

    def __init__(self, body):
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_spread(c, reps, gen):
    names = ["cpu.pb.gz", "heap-series.0.pb.gz", "goroutine.pb.gz", "mutex.pb.gz",
             "block.pb.gz", "allocs.pb.gz"]
    ups = []
    for i, n in enumerate(names):
        data = open(os.path.join(gen, n), "rb").read()
        r = upload(reps[i % 3], data, n)
        if c.eq(r.status, 201, "spread: upload %s through replica %d" % (n, i % 3)):
            ups.append((r.json()["id"], data, n))
    for pid, data, n in ups:
        raws = in_threads([lambda s=s: s.get("/api/profiles/%s/raw" % pid) for s in reps])
        tops = in_threads([lambda s=s: s.get("/api/profiles/%s/top" % pid) for s in reps])
        c.eq([r.status for r in raws], [200] * 3, "spread: %s: /raw from every replica" % n)
        c.ok(all(r.body == data for r in raws), "spread: %s: the same bytes everywhere" % n)
        c.eq([r.status for r in tops], [200] * 3, "spread: %s: /top from every replica" % n)
        c.ok(len({r.body for r in tops}) == 1, "spread: %s: the same /top everywhere" % n)
    lists = [sorted(p["id"] for p in s.get("/api/profiles?limit=100").json()["profiles"])
             for s in reps]
    c.ok(all(l == lists[0] for l in lists) and set(lists[0]) >= {u[0] for u in ups},
         "spread: every replica lists every profile")


def owner_of(reps, sid):
    """Index of the replica whose log says it resumed capture sid (-1: none)."""
    for i, s in enumerate(reps):
        if s.alive() and re.search(r"capture %s: resumed" % sid, s.log()):
            return i
    return -1


def test_capture(c, reps, target):
    a = reps[0]
    r = a.req("POST", "/api/captures", json.dumps(
        {"url": "http://127.0.0.1:%d/debug/pprof/heap" % target.port, "interval_s": 1,
         "count": 40, "name": "rep", "gc": False}).encode(), JSON)
    if not c.eq(r.status, 201, "capture: started on replica A"):
        print(r.body[:500])
        return
    sid, token = r.json()["id"], r.json()["delete_token"]

    def get(srv):
        r = srv.get("/api/series/" + sid, timeout=10)
        return r.json() if r.status == 200 else None

    deadline = time.time() + 20
    while time.time() < deadline and (get(a) or {"capture": {"taken": 0}})["capture"]["taken"] < 3:
        time.sleep(0.1)
    before = get(reps[1])["capture"]["taken"]
    c.ok(before >= 3, "capture: 3 snapshots taken by A (seen from B)", str(before))
    a.stop(sig=signal.SIGKILL)
    t_kill = time.time()
    # B or C takes the lease after it expires (LEASE_S) and goes on
    deadline = t_kill + LEASE_S + 15
    s = None
    while time.time() < deadline:
        s = get(reps[1])
        if s and s["capture"]["taken"] >= before + 3:
            break
        time.sleep(0.2)
    took = time.time() - t_kill
    c.ok(s and s["capture"]["taken"] >= before + 3,
         "capture: 3 more snapshots after kill -9 of A (in %.1f s)" % took,
         str(s and s["capture"]))
    c.eq(s and s["capture"]["state"], "running", "capture: still running after A died")
    c.eq(s and s["capture"]["restarts"], 1, "capture: one takeover counted (restarts)")
    own = owner_of(reps, sid)
    c.ok(own in (1, 2), "capture: B or C runs it now", str(own))
    other = reps[3 - own] if own in (1, 2) else reps[2]
    # stop from the replica that does not run it: the owner sees it at its next step
    r = other.req("POST", "/api/captures/%s/stop" % sid, b"", {"Authorization": "Bearer " + token})
    c.eq(r.status, 200, "capture: stopped from the replica that does not run it")
    time.sleep(2.5)  # the owner's snapshot in flight, if any, is recorded by now
    s1 = get(reps[own] if own in (1, 2) else reps[1])
    time.sleep(3)
    s2 = get(other)
    c.eq(s2["capture"]["state"], "stopped", "capture: stopped, seen from both survivors")
    c.eq(s2["capture"]["taken"], s1["capture"]["taken"],
         "capture: no snapshot after the stop was seen")
    c.eq(s2["capture"]["failed"], 0, "capture: no failed attempt")
    names = [p["name"] for p in s2["profiles"]]
    nums = [int(n.rsplit("#", 1)[1]) for n in names]
    c.eq(nums, list(range(1, len(nums) + 1)),
         "capture: snapshots #1..#n contiguous and unique (neither lost nor doubled)")
    c.eq(len(nums), s2["capture"]["taken"], "capture: one profile per snapshot taken")
    return took


def test_kill_during_uploads(c, reps, cl, gen):
    d = cl.start()
    alive = [reps[1], reps[2], d]
    base = open(os.path.join(gen, "cpu.pb.gz"), "rb").read()
    acked = {}
    lock = threading.Lock()
    sent = [0]

    def body(j):  # odd: the same bytes (one blob shared by many rows); even: a few others
        return base if j % 2 else open(os.path.join(gen, GEN[j % len(GEN)]), "rb").read()

    def worker(k):
        for j in range(k, 100, 10):
            srv = alive[j % 3]
            with lock:
                sent[0] += 1
            try:
                r = upload(srv, body(j), "par%d" % j, timeout=30)
            except Exception:
                continue
            if r.status == 201:
                with lock:
                    acked[r.json()["id"]] = (j, j % 3)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(10)]
    for t in ts:
        t.start()
    while sent[0] < 35:
        time.sleep(0.01)
    d.stop(sig=signal.SIGKILL)
    for t in ts:
        t.join()
    on_d = sum(1 for v in acked.values() if v[1] == 2)
    print("uploads: %d of 100 acknowledged, %d of them by the replica killed" % (len(acked), on_d))
    c.ok(len(acked) >= 60, "uploads: most of 100 acknowledged (%d, %d by the killed replica)"
         % (len(acked), on_d))
    lost = []
    for pid, (j, _) in sorted(acked.items()):
        want = body(j)
        for s in (reps[1], reps[2]):
            r = s.get("/api/profiles/%s/raw" % pid, timeout=30)
            if r.status != 200 or r.body != want:
                lost.append((pid, j, r.status))
    c.eq(lost, [], "uploads: every 201-acknowledged upload readable from both survivors")
    d.close_log()


GEN = ["heap-series.1.pb.gz", "heap-series.2.pb.gz", "heap-series.3.pb.gz", "medium-heap.pb.gz",
       "inline-heavy.pb.gz"]


def s3_has(blobs_url, s3, sha):
    """Whether the bucket holds blob sha under blobs_url (a signed GET answering 200)."""
    code = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
         "aws:amz:us-east-1:s3", "-u", "%s:%s" % (s3["key"], s3["secret"]),
         "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
         "%s/%s/%s" % (s3["endpoint"], blobs_url[len("s3://"):], sha)],
        capture_output=True, text=True, check=False).stdout
    if code not in ("200", "404"):
        raise RuntimeError("s3_has: the S3 server answered %r" % code)
    return code == "200"


def test_shared_blob(c, reps, gen, cl):
    data = open(os.path.join(gen, "edge-labels.pb.gz"), "rb").read()
    r1 = upload(reps[1], data, "shared-one")
    r2 = upload(reps[2], data, "shared-two")
    if not (c.eq(r1.status, 201, "shared blob: upload through B") and
            c.eq(r2.status, 201, "shared blob: the same bytes through C")):
        return
    p1, p2 = r1.json(), r2.json()
    c.ok(p1["id"] != p2["id"], "shared blob: two profiles")
    r = reps[3].req("DELETE", "/api/profiles/" + p1["id"], None,
                    {"Authorization": "Bearer " + p1["delete_token"]})
    c.eq(r.status, 204, "shared blob: the first deleted through a third replica")
    for i, s in ((1, reps[1]), (2, reps[2]), (3, reps[3])):
        r = s.get("/api/profiles/%s/raw" % p2["id"])
        c.ok(r.status == 200 and r.body == data,
             "shared blob: the other's bytes kept (replica %d)" % i, str(r.status))
        c.eq(s.get("/api/profiles/%s" % p1["id"]).status, 404,
             "shared blob: the deleted one is gone (replica %d)" % i)
    sha = hashlib.sha256(data).hexdigest()
    time.sleep(GC_GRACE_S * 2 + 1)  # collection passes ran: the blob is used, so it stays
    r = reps[3].get("/api/profiles/%s/raw" % p2["id"])
    c.ok(r.status == 200 and r.body == data, "shared blob: kept past the grace period",
         str(r.status))
    c.ok(s3_has(cl.blobs, cl.s3, sha), "shared blob: the object is in the bucket")
    # the last reference goes while another replica stores the same bytes again
    out = in_threads([lambda: reps[1].req("DELETE", "/api/profiles/" + p2["id"], None,
                                          {"Authorization": "Bearer " + p2["delete_token"]}),
                      lambda: upload(reps[2], data, "shared-three")])
    c.eq(out[0].status, 204, "shared blob: the last one deleted through B")
    c.eq(out[1].status, 201, "shared blob: the same bytes stored again through C meanwhile")
    p3 = out[1].json()["id"] if out[1].status == 201 else ""
    time.sleep(GC_GRACE_S * 2 + 1)
    for i, s in ((1, reps[1]), (2, reps[2]), (3, reps[3])):
        r = s.get("/api/profiles/%s/raw" % p3)
        c.ok(r.status == 200 and r.body == data,
             "shared blob: the new one's bytes kept (replica %d)" % i, str(r.status))
    r = reps[2].req("DELETE", "/api/profiles/" + p3, None,
                    {"Authorization": "Bearer " + out[1].json()["delete_token"]})
    c.eq(r.status, 204, "shared blob: the last one deleted")
    c.ok(s3_has(cl.blobs, cl.s3, sha), "shared blob: the object stays for the grace period")
    deadline = time.time() + GC_GRACE_S * 3 + 10
    while time.time() < deadline and s3_has(cl.blobs, cl.s3, sha):
        time.sleep(0.5)
    c.ok(not s3_has(cl.blobs, cl.s3, sha), "shared blob: collected once unused past the grace")


def test_pg_pause(c, hearth, tmp, blobs, s3, gen):
    pgdir = tempfile.mkdtemp(prefix="hearth-rep-pg-", dir="/tmp")
    r = pg("start", pgdir)
    if r.returncode != 0 or not os.path.exists(os.path.join(pgdir, "bin")):
        c.ok(False, "pause: a PostgreSQL cluster of the test's own started", r.stdout + r.stderr)
        return
    reps = []
    try:
        url = new_db("postgresql://postgres@/{db}?host=" + pgdir, "replicas_pause")
        cl = Cluster(hearth, os.path.join(tmp, "pause"), url, blobs + "-pause", s3)
        reps = [cl.start(), cl.start()]
        data = open(os.path.join(gen, "cpu.pb.gz"), "rb").read()
        r = upload(reps[0], data, "before")
        c.eq(r.status, 201, "pause: upload before")
        before = r.json()["id"] if r.status == 201 else ""
        pids = [s.proc.pid for s in reps]
        c.ok(pg("pause", pgdir).returncode == 0, "pause: PostgreSQL stopped")
        t_end = time.time() + 10
        n = 0
        while time.time() < t_end:
            for i, s in enumerate(reps):
                for what, fn in (("read", lambda: s.get("/api/profiles/" + before, timeout=10)),
                                 ("upload", lambda: upload(s, data, "during", timeout=10))):
                    t0 = time.time()
                    r = fn()
                    dt = time.time() - t0
                    if n == 0 or r.status != 503 or dt >= 10:
                        check_json_error(c, r, "pause: replica %d: %s" % (i, what), {503})
                        c.ok(r.h("Retry-After") is not None,
                             "pause: replica %d: %s: Retry-After" % (i, what))
                        c.ok(dt < 10, "pause: replica %d: %s answered in %.1f s" % (i, what, dt))
            n += 1
            time.sleep(0.5)
        c.ok(pg("resume", pgdir).returncode == 0, "pause: PostgreSQL started again")
        c.eq([s.proc.pid for s in reps], pids, "pause: the same processes (no restart)")
        r = upload(reps[1], data, "after")
        c.eq(r.status, 201, "pause: upload after, through the other replica")
        after = r.json()["id"] if r.status == 201 else ""
        for i, s in enumerate(reps):
            for pid in (before, after):
                r = s.get("/api/profiles/%s/raw" % pid, timeout=10)
                c.ok(r.status == 200 and r.body == data, "pause: replica %d reads %s after" %
                     (i, "before" if pid == before else "after"), str(r.status))
    finally:
        for s in reps:
            s.stop()
            if c.failed:
                print(s.log()[-2000:])
            s.close_log()
        pg("stop", pgdir)
        shutil.rmtree(pgdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    meta = os.environ.pop("HEARTH_TEST_METADATA", "")
    blobs = os.environ.pop("HEARTH_TEST_BLOBS", "")
    if "{db}" not in meta or not blobs:
        if os.environ.get("CI") == "true":
            print("FAIL replicas need PostgreSQL and S3 (tests/setup/with_pg.sh, with_s3.sh)")
            sys.exit(1)
        skip("replicas need PostgreSQL and S3 (run through with_pg.sh and with_s3.sh)")
    s3 = {"endpoint": os.environ["HEARTH_TEST_S3_ENDPOINT"],
          "key": os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"],
          "secret": os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]}
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-replicas-")
    db = "replicas_%s" % hashlib.sha1(tmp.encode()).hexdigest()[:12]
    cl = Cluster(a.hearth, tmp, new_db(meta, db), blobs + "/replicas", s3)
    target = Target(open(os.path.join(a.gen, "heap-series.0.pb.gz"), "rb").read())
    reps = []
    times = {}
    try:
        reps = [cl.start(), cl.start(), cl.start()]
        t0 = time.time()
        test_spread(c, reps, a.gen)
        times["spread"] = time.time() - t0
        t0 = time.time()
        times["takeover"] = test_capture(c, reps, target)
        times["capture"] = time.time() - t0
        t0 = time.time()
        test_kill_during_uploads(c, reps, cl, a.gen)
        times["uploads"] = time.time() - t0
        reps.append(cl.start())
        t0 = time.time()
        test_shared_blob(c, reps, a.gen, cl)
        times["shared blob"] = time.time() - t0
        t0 = time.time()
        test_pg_pause(c, a.hearth, tmp, blobs, s3, a.gen)
        times["pause"] = time.time() - t0
        print("timings: " + ", ".join("%s %.1f s" % (k, v) for k, v in times.items() if v))
    finally:
        target.stop()
        for s in reps:
            s.stop()
            if c.failed:
                print(s.log()[-3000:])
            s.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
