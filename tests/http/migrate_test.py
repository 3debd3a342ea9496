#!/usr/bin/env python3
"""Schema versions of the metadata database, through the server.

SQLite: a data directory as the release before schema versions left it
(its exact schema and rows: a profile with its blob and delete token, a
gctrace, a series with its capture, a saved view; written here with that
release's SQL) opens: every row reads back through the API with the same
values, the old delete token still deletes, the schema is at the latest
version (schema_version 1, 2; version 2's index exists), store_meta keeps
its creation time, and a second start changes nothing. A database of a
newer version than the server is a clear start-up error.
PostgreSQL (when HEARTH_TEST_METADATA is set, tests/setup/with_pg.sh): three
servers started at once on one fresh database all start, and the versions
are recorded once each (the migration runs under an advisory lock).
Usage: migrate_test.py --hearth BIN --gen DIR
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, metadata_args  # noqa: E402

LATEST = 7

# The schema as the release before schema versions created it (store.c,
# series_store.c and saved_views.c of that release), statement for statement.
OLD_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS profiles ( id TEXT PRIMARY KEY, blob TEXT NOT NULL, name TEXT NOT NULL,
 source_url TEXT NOT NULL DEFAULT '', info TEXT NOT NULL, created INTEGER NOT NULL,
 size INTEGER NOT NULL, delete_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS profiles_created ON profiles(created DESC, id DESC);
CREATE INDEX IF NOT EXISTS profiles_blob ON profiles(blob);
CREATE TABLE IF NOT EXISTS gctraces ( id TEXT PRIMARY KEY, blob TEXT NOT NULL, name TEXT NOT NULL,
 source_url TEXT NOT NULL DEFAULT '', info TEXT NOT NULL, created INTEGER NOT NULL,
 size INTEGER NOT NULL, delete_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS gctraces_blob ON gctraces(blob);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value);
INSERT OR IGNORE INTO store_meta VALUES ('created_ms', 1700000000000);
CREATE TABLE IF NOT EXISTS series ( id TEXT PRIMARY KEY, name TEXT NOT NULL,
 source_url TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, delete_hash TEXT NOT NULL,
 ordering TEXT NOT NULL, gctrace TEXT NOT NULL DEFAULT '', gctrace_start_ms INTEGER);
CREATE INDEX IF NOT EXISTS series_created ON series(created DESC, id DESC);
CREATE TABLE IF NOT EXISTS series_items ( series TEXT NOT NULL, pos INTEGER NOT NULL,
 profile TEXT NOT NULL, PRIMARY KEY (series, pos));
CREATE TABLE IF NOT EXISTS captures ( series TEXT PRIMARY KEY, url TEXT NOT NULL,
 interval_s INTEGER NOT NULL, count INTEGER NOT NULL, gc INTEGER NOT NULL, state TEXT NOT NULL,
 taken INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
 restarts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
 next_at INTEGER NOT NULL DEFAULT 0, started INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS saved_views ( id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
 params TEXT NOT NULL, created INTEGER NOT NULL, delete_hash TEXT NOT NULL);
"""

PID = "Prof1le-AAAAAAAAAAAAAAAAAAA"
GID = "GcTrace-AAAAAAAAAAAAAAAAAAA"
SID = "Ser1es-AAAAAAAAAAAAAAAAAAAA"
VID = "V1ew-AAAAAAAAAAAAAAAAAAAAAA"
TOKEN = "old-release-delete-token-0123456789abcdefgh"
CREATED = 1790000000123
GCLOG = b"gc 1 @0.010s 1%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms cpu, " \
        b"4->5->2 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def put_blob(data_dir, b):
    h = sha(b)
    d = os.path.join(data_dir, "blobs", h[:2])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, h), "wb") as f:
        f.write(b)
    return h


def old_data_dir(data_dir, cpu):
    """A data directory with the old release's schema and one row of each kind."""
    os.makedirs(os.path.join(data_dir, "tmp"))
    pblob = put_blob(data_dir, cpu)
    gblob = put_blob(data_dir, GCLOG)
    db = sqlite3.connect(os.path.join(data_dir, "hearth.db"))
    db.executescript(OLD_SCHEMA)
    th = sha(TOKEN.encode())
    info = json.dumps({"samples": 23, "note": "from the old release"}, separators=(",", ":"))
    db.execute("INSERT INTO profiles (id, blob, name, source_url, info, created, size, "
               "delete_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
               (PID, pblob, "old.pb.gz", "", info, CREATED, len(cpu), th))
    db.execute("INSERT INTO gctraces (id, blob, name, source_url, info, created, size, "
               "delete_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
               (GID, gblob, "old-gc", "", "{}", CREATED, len(GCLOG), th))
    db.execute("INSERT INTO series (id, name, source_url, created, delete_hash, ordering, "
               "gctrace) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
               (SID, "old series", "", CREATED + 1, th, "upload", ""))
    db.execute("INSERT INTO series_items (series, pos, profile) VALUES (?1, 0, ?2)", (SID, PID))
    db.execute("INSERT INTO captures (series, state, taken, failed, restarts, last_error, "
               "next_at, updated, url, interval_s, count, gc, started) VALUES "
               "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
               (SID, "done", 1, 0, 0, "", 0, CREATED + 5, "http://127.0.0.1:1/debug/pprof/heap",
                10, 1, 0, CREATED + 1))
    db.execute("INSERT INTO saved_views (id, name, params, created, delete_hash) VALUES "
               "(?1, ?2, ?3, ?4, ?5)", (VID, "old view", '{"view":"top"}', CREATED + 2, th))
    db.commit()
    db.close()


def check_rows(c, srv, cpu, what):
    r = srv.get("/api/profiles")
    got = r.json().get("profiles", []) if r.status == 200 else []
    c.eq([(p["id"], p["name"], p["created"], p["size"], p["info"]) for p in got],
         [(PID, "old.pb.gz", CREATED, len(cpu), {"samples": 23, "note": "from the old release"})],
         what + ": the old profile's row, every field")
    r = srv.get("/api/profiles/%s/raw" % PID)
    c.ok(r.status == 200 and r.body == cpu, what + ": the old profile's bytes")
    r = srv.get("/api/gctraces/%s" % GID)
    c.eq(r.status, 200, what + ": the old gctrace")
    r = srv.get("/api/series/%s" % SID)
    j = r.json() if r.status == 200 else {}
    c.eq((j.get("name"), [p.get("id") for p in j.get("profiles", j.get("items", []))],
          (j.get("capture") or {}).get("state"), (j.get("capture") or {}).get("taken")),
         ("old series", [PID], "done", 1), what + ": the old series, its item and capture")
    r = srv.get("/api/views")
    views = r.json().get("views", []) if r.status == 200 else []
    c.eq([(v["id"], v["name"]) for v in views], [(VID, "old view")], what + ": the old saved view")


def sqlite_versions(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "hearth.db"))
    try:
        v = [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")]
        idx = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                         "name = 'series_items_profile'").fetchone()[0]
        made = db.execute("SELECT value FROM store_meta WHERE key = 'created_ms'").fetchone()[0]
    finally:
        db.close()
    return v, idx, made


def test_sqlite(c, hearth, cpu, tmp):
    data = os.path.join(tmp, "old")
    old_data_dir(data, cpu)
    env = dict(os.environ)
    env.pop("HEARTH_TEST_METADATA", None)  # this part is SQLite's by definition
    saved = os.environ.pop("HEARTH_TEST_METADATA", None)
    try:
        for run in ("first start", "second start"):
            srv = Server(hearth, data, env=env).start()
            try:
                check_rows(c, srv, cpu, "sqlite upgrade, " + run)
                log = srv.log()
            finally:
                srv.stop()
                srv.close_log()
            v, idx, made = sqlite_versions(data)
            c.eq(v, list(range(1, LATEST + 1)), "sqlite upgrade, %s: versions recorded" % run)
            c.eq(idx, 1, "sqlite upgrade, %s: version 2's index" % run)
            c.eq(made, 1700000000000, "sqlite upgrade, %s: store_meta.created_ms kept" % run)
            c.eq("metadata schema: version 0 -> %d" % LATEST in log, run == "first start",
                 "sqlite upgrade, %s: the log says the migration (once)" % run)
        srv = Server(hearth, data, env=env).start()
        try:
            r = srv.req("DELETE", "/api/profiles/%s" % PID, headers={"Authorization": "Bearer " + TOKEN})
            c.ok(r.status in (200, 204), "sqlite upgrade: the old delete token still deletes",
                 "status %d %s" % (r.status, r.body[:200]))
        finally:
            srv.stop()
            srv.close_log()
        # a database from a newer server: refused at start, with the reason
        db = sqlite3.connect(os.path.join(data, "hearth.db"))
        db.execute("INSERT INTO schema_version VALUES (99, 0)")
        db.commit()
        db.close()
        p = subprocess.run([hearth, "serve", "--listen", "127.0.0.1:1", "--data", data],
                           capture_output=True, text=True, timeout=30, env=env)
        c.ok(p.returncode != 0 and "schema version 99, newer than this server's (%d)" % LATEST
             in p.stderr, "a newer schema is a clear start-up error",
             "rc %d: %s" % (p.returncode, p.stderr[-400:]))
    finally:
        if saved is not None:
            os.environ["HEARTH_TEST_METADATA"] = saved


def test_pg_concurrent(c, hearth, cpu, tmp):
    """Three servers start at once on one fresh database: one migrates, all run."""
    meta = metadata_args(os.path.join(tmp, "shared"))  # the one database of the three
    servers = [Server(hearth, os.path.join(tmp, "r%d" % i), args=meta) for i in range(3)]
    # the harness would add a database per data directory: the three share one instead
    env = dict(os.environ)
    env.pop("HEARTH_TEST_METADATA", None)
    saved = os.environ.pop("HEARTH_TEST_METADATA")
    try:
        errs = []

        def start(s):
            try:
                s.start()
            except Exception as e:  # noqa: BLE001 (reported below)
                errs.append(str(e))
        ts = [threading.Thread(target=start, args=(s,)) for s in servers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        c.eq(errs, [], "pg: three servers started at once on one new database")
        r = subprocess.run(["psql", "-qAt", meta[1], "-c",
                            "SELECT string_agg(version::text, ',' ORDER BY version) "
                            "FROM schema_version"], capture_output=True, text=True)
        c.eq(r.stdout.strip(), ",".join(str(v) for v in range(1, LATEST + 1)),
             "pg: each version recorded once")
        migrated = sum("metadata schema: version 0 -> %d" % LATEST in s.log() for s in servers)
        c.eq(migrated, 1, "pg: one of the three migrated, the others found it done")
        if not errs:
            with open(os.path.join(tmp, "cpu"), "wb") as f:
                f.write(cpu)
            r = servers[0].req("POST", "/api/profiles?name=a", cpu,
                               {"Content-Type": "application/octet-stream"})
            pid = r.json().get("id") if r.status == 201 else None
            c.ok(pid is not None, "pg: upload to the first server")
            r = servers[2].get("/api/profiles")
            c.eq([p["id"] for p in r.json().get("profiles", [])] if r.status == 200 else None,
                 [pid], "pg: the third server lists the first one's upload at once")
        # retention on three servers at once: the old profiles go, once (one sweeps at a time)
        for name in ("b", "c"):
            r = servers[1].req("POST", "/api/profiles?name=" + name, cpu,
                               {"Content-Type": "application/octet-stream"})
            c.eq(r.status, 201, "pg: upload %s" % name)
        for s in servers:
            s.stop()
        subprocess.run(["psql", "-q", meta[1], "-c", "UPDATE profiles SET created = 1000"],
                       check=True)
        for s in servers:
            s.close_log()
        servers = [Server(hearth, os.path.join(tmp, "r%d" % i), args=meta +
                          ["--retention-days", "1"]) for i in range(3)]
        errs.clear()
        ts = [threading.Thread(target=start, args=(s,)) for s in servers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        c.eq(errs, [], "pg: three servers with --retention-days started at once")
        deadline = time.time() + 20
        left = None
        while time.time() < deadline:
            r = servers[0].get("/api/profiles")
            left = len(r.json().get("profiles", [])) if r.status == 200 else None
            if left == 0:
                break
            time.sleep(0.2)
        c.eq(left, 0, "pg: the old profiles expired")
        time.sleep(0.5)
        counts = [re.findall(r"retention: deleted (\d+) profiles", s.log()) for s in servers]
        c.eq(sum(int(n) for cs in counts for n in cs), 3,
             "pg: three profiles deleted in all, by the servers together (%s)" % counts)
    finally:
        os.environ["HEARTH_TEST_METADATA"] = saved
        for s in servers:
            if s.proc:
                s.stop()
                s.close_log()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    c = Checks()
    with open(os.path.join(a.gen, "cpu.pb.gz"), "rb") as f:
        cpu = f.read()
    tmp = tempfile.mkdtemp(prefix="hearth-migrate-")
    try:
        if os.environ.get("HEARTH_TEST_METADATA"):
            test_pg_concurrent(c, a.hearth, cpu, tmp)
        else:
            test_sqlite(c, a.hearth, cpu, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
