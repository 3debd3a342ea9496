#!/usr/bin/env python3
"""Logs, liveness and readiness (issue 15, items 4 and 5).

Logs: with --log-format=json every line on stderr is one JSON object; each
request makes one access line (time, level, event "request", method, route
TEMPLATE, status, bytes, duration_ms, remote) and no line ever holds a
delete token, the upload token, an id or a query string; the server's own
events (start, stop, capture errors) are JSON lines too. --log-level=warn
drops the access lines; --log-format=text keeps the "hearth: ..." lines;
bad values are usage errors (exit 2).

/healthz stays cheap: its profile count is kept by the server, not counted
from the table (a row inserted behind the server's back does not show,
while uploads and deletes do). /readyz answers 200 when the store takes
writes, and 503 + Retry-After with the reason when hearth.db is removed,
when the data directory's tmp/ cannot be written, and (as root) when the
data directory is a read-only mount; it answers 200 again once repaired,
while /healthz stays 200 (alive) throughout the tmp/ case.
Usage: ops_test.py --hearth BIN --gen DIR
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip  # noqa: E402

TOKEN = "upl0ad-t0ken-XYZ"


def json_lines(c, text, what):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            c.ok(False, what + ": every log line is JSON", line[:300])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    cpu_path = os.path.join(args.gen, "cpu.pb.gz")
    if not os.path.exists(cpu_path):
        skip("generated profile missing: " + cpu_path)
    cpu = open(cpu_path, "rb").read()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-ops-")
    auth = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/octet-stream"}
    try:
        # ---- JSON logs ----
        data = os.path.join(tmp, "json")
        srv = Server(args.hearth, data, ["--log-format=json", "--upload-token", TOKEN,
                                         "--fetch-allow", "127.0.0.1"]).start()
        r = srv.req("POST", "/api/profiles?name=secret-name", cpu, auth)
        c.eq(r.status, 201, "upload")
        pid, dtok = r.json()["id"], r.json()["delete_token"]
        srv.get("/api/profiles/%s/top?f=main&si=samples" % pid)
        srv.get("/api/profiles?limit=5", {"Authorization": "Bearer " + TOKEN})
        srv.req("DELETE", "/api/profiles/" + pid, headers={"Authorization": "Bearer wrong-" + dtok})
        srv.req("DELETE", "/api/profiles/" + pid, headers={"Authorization": "Bearer " + dtok})
        srv.get("/p/%s?token=%s" % (pid, dtok))
        srv.get("/assets/../../etc/passwd")
        # a capture that fails its later snapshots: the target is gone after the first
        tgt = Server(args.hearth, os.path.join(tmp, "tgt")).start()
        t = tgt.req("POST", "/api/profiles", cpu, {"Content-Type": "application/octet-stream"})
        traw = "http://127.0.0.1:%d/api/profiles/%s/raw" % (tgt.port, t.json()["id"])
        r = srv.req("POST", "/api/captures", json.dumps({"url": traw, "interval_s": 1, "count": 2}).encode(),
                    {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
        c.eq(r.status, 201, "a capture")
        tgt.stop()
        tgt.close_log()
        deadline = time.time() + 15
        while time.time() < deadline and '"capture_error"' not in srv.log():
            time.sleep(0.2)
        rc, _ = srv.stop()
        c.eq(rc, 0, "json server stops cleanly")
        log = srv.log()
        srv.close_log()
        lines = json_lines(c, log, "json")
        access = [l for l in lines if l.get("event") == "request"]
        for l in access:
            for k, typ in (("time", str), ("level", str), ("method", str), ("route", str),
                           ("status", int), ("bytes", int), ("duration_ms", float),
                           ("remote", str)):
                c.ok(isinstance(l.get(k), typ), "access line field %s (%s)" % (k, typ.__name__), l)
            c.ok(l.get("time", "").endswith("Z") and "T" in l.get("time", ""),
                 "access line time is RFC 3339 UTC", l.get("time"))
        routes = [(l["method"], l["route"], l["status"]) for l in access if "route" in l]
        want = [("POST", "/api/profiles", 201), ("GET", "/api/profiles/{id}/top", 200),
                ("GET", "/api/profiles", 200), ("DELETE", "/api/profiles/{id}", 403),
                ("DELETE", "/api/profiles/{id}", 204), ("GET", "/p/{id}", 404),
                ("GET", "other", 404), ("POST", "/api/captures", 201)]
        got = [x for x in routes if x[1] != "/healthz"]
        # a line is written after its answer is sent: the next request may log first
        c.eq(sorted(got), sorted(want), "one access line per request, with the route template")
        up = [l for l in access if l.get("method") == "POST" and l.get("route") == "/api/profiles"]
        c.ok(up and up[0].get("bytes_in") == len(cpu) and up[0].get("bytes", 0) > 0,
             "upload access line: bytes in and out", up)
        for secret in (TOKEN, dtok, pid, "secret-name", "si=samples", "passwd"):
            c.ok(secret not in log, "no %r in the log" % secret[:12])
        events = {l.get("event") for l in lines}
        for ev in ("start", "stop", "stopped", "capture_error"):
            c.ok(ev in events, "event %s is a JSON line" % ev, sorted(e for e in events if e))
        c.ok(all(l.get("level") in ("debug", "info", "warn", "error") for l in lines),
             "every line has a level")

        # ---- level and text format ----
        srv = Server(args.hearth, os.path.join(tmp, "warn"), ["--log-format", "json",
                                                              "--log-level", "warn"]).start()
        srv.get("/healthz")
        srv.stop()
        lines = json_lines(c, srv.log(), "warn")
        srv.close_log()
        c.eq([l for l in lines if l.get("level") in ("debug", "info")], [],
             "--log-level=warn: no info lines (no access lines)")
        srv = Server(args.hearth, os.path.join(tmp, "text")).start()
        srv.get("/api/profiles")
        srv.stop()
        text = srv.log()
        srv.close_log()
        c.ok("hearth: listening on 127.0.0.1:" in text, "text format: the start line", text[:300])
        c.ok(any(l.startswith("hearth: 127.0.0.1 GET /api/profiles 200 ") for l in text.splitlines()),
             "text format: an access line", text[:600])
        for bad in (["--log-format=xml"], ["--log-level=loud"], ["--log-format"]):
            p = subprocess.run([args.hearth, "serve", "--data", os.path.join(tmp, "bad")] + bad,
                               capture_output=True, timeout=30)
            c.ok(p.returncode == 2 and p.stderr.decode().count("\n") == 1,
                 "serve %s: exit 2, one line" % bad[0], p.stderr.decode())
        env = dict(os.environ, HEARTH_LOG_FORMAT="json")
        srv = Server(args.hearth, os.path.join(tmp, "env"), env=env).start()
        srv.stop()
        c.ok(json_lines(c, srv.log(), "env") and srv.log().lstrip().startswith("{"),
             "HEARTH_LOG_FORMAT=json", srv.log()[:200])
        srv.close_log()

        # ---- /healthz is cheap, /readyz checks the store ----
        data = os.path.join(tmp, "ready")
        srv = Server(args.hearth, data).start()
        for i in range(3):
            srv.req("POST", "/api/profiles?name=p%d" % i, cpu,
                    {"Content-Type": "application/octet-stream"})
        c.eq(srv.get("/healthz").json().get("profiles"), 3, "healthz counts uploads")
        db = sqlite3.connect(os.path.join(data, "hearth.db"), timeout=10)
        db.execute("INSERT INTO profiles SELECT 'ZZ'||substr(id,3), blob, name, source_url, info, "
                   "created, size, delete_hash FROM profiles LIMIT 1")
        db.commit()
        n_table = db.execute("SELECT count(*) FROM profiles").fetchone()[0]
        db.close()
        c.eq(n_table, 4, "a row added behind the server's back")
        c.eq(srv.get("/healthz").json().get("profiles"), 3,
             "healthz does not count the table on each call (the kept count)")
        r = srv.get("/readyz")
        c.eq((r.status, r.json()), (200, {"status": "ready"}), "readyz: ready")
        # another process opening and closing hearth.db while the server runs (an
        # operator's sqlite3, a backup) sees the server's writes and leaves its WAL
        # alone: the server never drops its own SQLite locks by closing the file
        r = srv.req("POST", "/api/profiles?name=seen", cpu,
                    {"Content-Type": "application/octet-stream"})
        c.eq(r.status, 201, "upload seen from outside")
        pid, ptok = r.json().get("id"), r.json().get("delete_token")

        def outside_count():
            d = sqlite3.connect(os.path.join(data, "hearth.db"), timeout=10)
            try:
                return d.execute("SELECT count(*) FROM profiles WHERE id = ?", (pid,)).fetchone()[0]
            finally:
                d.close()
        c.eq(outside_count(), 1, "another process sees an upload")
        c.ok(os.path.exists(os.path.join(data, "hearth.db-wal")),
             "the server's WAL is still there after another process closed the database")
        r = srv.req("DELETE", "/api/profiles/" + str(pid), None,
                    {"Authorization": "Bearer " + str(ptok)})
        c.eq(r.status, 204, "delete seen from outside")
        c.eq(outside_count(), 0, "another process sees the delete")
        # tmp/ cannot be written: not ready, yet alive
        tmpdir = os.path.join(data, "tmp")
        os.rename(tmpdir, tmpdir + ".away")
        open(tmpdir, "w").close()
        r = srv.get("/readyz")
        check_json_error(c, r, "readyz with tmp/ unwritable", {503})
        c.ok(r.h("retry-after") is not None, "readyz 503 has Retry-After", r.headers)
        c.ok(b"not writable" in r.body and data.encode() not in r.body,
             "readyz says why, without the data path", r.body)
        c.eq(srv.get("/healthz").status, 200, "healthz stays 200 (alive) meanwhile")
        os.unlink(tmpdir)
        os.rename(tmpdir + ".away", tmpdir)
        c.eq(srv.get("/readyz").status, 200, "readyz: ready again once repaired")
        # a read-only data directory (a read-only bind mount needs root)
        ro = subprocess.run(["mount", "--bind", data, data], capture_output=True)
        if ro.returncode == 0:
            try:
                ro = subprocess.run(["mount", "-o", "remount,ro,bind", data], capture_output=True)
                if c.ok(ro.returncode == 0, "remount read-only", ro.stderr.decode()):
                    r = srv.get("/readyz")
                    check_json_error(c, r, "readyz on a read-only data directory", {503})
                    c.ok(b"not writable" in r.body, "readyz: not writable", r.body)
            finally:
                subprocess.run(["umount", data], capture_output=True)
            c.eq(srv.get("/readyz").status, 200, "readyz: ready after the mount is gone")
        else:
            print("note: not root, the read-only mount case is left out (the tmp/ case ran)")
        # hearth.db removed
        os.unlink(os.path.join(data, "hearth.db"))
        r = srv.get("/readyz")
        check_json_error(c, r, "readyz with hearth.db removed", {503})
        c.ok(b"hearth.db" in r.body and r.h("retry-after"), "readyz names hearth.db", r.body)
        deadline = time.time() + 3  # healthz's store check is cached for a second
        while srv.get("/healthz").status == 200 and time.time() < deadline:
            time.sleep(0.1)
        c.eq(srv.get("/healthz").status, 503, "healthz reports the degraded store too")
        c.eq(srv.req("POST", "/readyz", b"").status, 405, "POST /readyz: 405")
        srv.stop()
        srv.close_log()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
