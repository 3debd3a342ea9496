#!/usr/bin/env python3
"""PostgreSQL as the metadata database goes away under a running server, then comes back.

On a PostgreSQL cluster of its own (tests/setup/postgres.sh; the shared one
of the other .pg tests must not stop): upload a profile and make a series;
stop PostgreSQL for a few seconds, during which reads and writes
answer 503 with Retry-After and a JSON error (never a hang: each answer in
under 10 s), /readyz says 503; start it again: the same server process (no
restart) lists, reads and stores again, and nothing acknowledged was lost.
A restart of PostgreSQL between two requests costs the next read nothing.
Usage: pg_down_test.py --hearth BIN --gen DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, multipart, check_json_error, skip  # noqa: E402

SETUP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "setup", "postgres.sh")


def pg(cmd, d):
    return subprocess.run([SETUP, cmd, d], capture_output=True, text=True)


def upload(srv, path, name):
    with open(path, "rb") as f:
        body, ctype = multipart(name, f.read())
    return srv.req("POST", "/api/profiles", body=body, headers={"Content-Type": ctype},
                   timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-pgdown-")
    pgdir = tempfile.mkdtemp(prefix="hearth-pgdown-pg-", dir="/tmp")
    r = pg("start", pgdir)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        print("FAIL PostgreSQL did not start")
        sys.exit(1)
    if not os.path.exists(os.path.join(pgdir, "bin")):
        if os.environ.get("CI") == "true":
            print("FAIL PostgreSQL is not installed (CI must install it)")
            sys.exit(1)
        skip("PostgreSQL is not installed")
    os.environ["HEARTH_TEST_METADATA"] = "postgresql://postgres@/{db}?host=" + pgdir
    srv = Server(a.hearth, os.path.join(tmp, "data")).start()
    try:
        cpu = os.path.join(a.gen, "cpu.pb.gz")
        r = upload(srv, cpu, "before.pb.gz")
        c.eq(r.status, 201, "upload before the outage")
        before = r.json()["id"] if r.status == 201 else ""
        r = srv.req("POST", "/api/series", body=json.dumps(
            {"name": "s", "profiles": [before]}).encode(),
            headers={"Content-Type": "application/json"}, timeout=10)
        c.eq(r.status, 201, "series before the outage")
        series = r.json().get("id", "") if r.status == 201 else ""
        pid = srv.proc.pid

        r = pg("pause", pgdir)
        c.ok(r.returncode == 0, "PostgreSQL stopped", r.stderr)
        t_end = time.time() + 4
        n = 0
        while time.time() < t_end:
            for what, method, path, body in [
                    ("list", "GET", "/api/profiles", None),
                    ("metadata", "GET", "/api/profiles/%s" % before, None),
                    ("series", "GET", "/api/series/%s" % series, None),
                    ("upload", "POST", None, None),
                    ("readyz", "GET", "/readyz", None)]:
                t0 = time.time()
                if method == "POST":
                    r = upload(srv, cpu, "during.pb.gz")
                else:
                    r = srv.req(method, path, timeout=10)
                dt = time.time() - t0
                if n == 0 or r.status != 503:
                    check_json_error(c, r, "database down: %s" % what, {503})
                    c.ok(r.h("Retry-After") is not None, "database down: %s: Retry-After" % what)
                    c.ok(dt < 10, "database down: %s answered in %.1f s" % (what, dt))
            n += 1
            time.sleep(0.3)
        c.ok(n >= 3, "several rounds of requests while the database was down (%d)" % n)
        c.ok(srv.alive(), "the server kept running while the database was down")

        r = pg("resume", pgdir)
        c.ok(r.returncode == 0, "PostgreSQL started again", r.stderr)
        c.eq(srv.proc.pid, pid, "the same server process (no restart)")
        r = srv.get("/api/profiles", timeout=10)
        c.eq(r.status, 200, "list after the outage")
        ids = [p["id"] for p in r.json().get("profiles", [])] if r.status == 200 else []
        c.eq(ids, [before], "list after the outage: the profile stored before, nothing else")
        r = srv.get("/api/series/%s" % series, timeout=10)
        c.eq(r.status, 200, "series after the outage")
        r = upload(srv, cpu, "after.pb.gz")
        c.eq(r.status, 201, "upload after the outage")
        r = srv.get("/readyz", timeout=10)
        c.eq(r.status, 200, "readyz after the outage")
        r = srv.get("/api/profiles", timeout=10)
        c.eq(len(r.json().get("profiles", [])) if r.status == 200 else -1, 2,
             "list after the outage: two profiles")
        # a restart while no request came: the dropped connection is noticed by the next
        # read, which is tried again on a new one (no 503 at all)
        c.ok(pg("pause", pgdir).returncode == 0 and pg("resume", pgdir).returncode == 0,
             "PostgreSQL restarted")
        r = srv.get("/api/profiles", timeout=10)
        c.eq(r.status, 200, "the first read after a restart of PostgreSQL")
    finally:
        srv.stop()
        if c.failed:
            print(srv.log()[-3000:])
        srv.close_log()
        pg("stop", pgdir)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pgdir, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
