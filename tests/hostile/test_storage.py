#!/usr/bin/env python3
"""Hostile storage: a damaged, vanished or full data directory never costs data.

Against a real `hearth serve` holding 30 distinct profiles (30 blob files):
  - hearth.db corrupted while stopped (header bytes overwritten, truncated
    to half, a page in the middle overwritten): `hearth serve` refuses to
    start with one clear line naming hearth.db, and 0 of 30 blobs are
    deleted; with the backup put back, all 30 profiles are listed again;
  - hearth.db truncated to 0 bytes (an empty database while blobs exist):
    the server starts, deletes no blob and says so on stderr;
  - hearth.db deleted while the server runs: /healthz answers 503
    "degraded" within a second, uploads and deletes answer 503 JSON, reads
    keep working; after a restart (fresh, empty database) 0 blobs are lost,
    and still 0 after an upload and another restart (blobs older than the
    database are never swept; a newer orphan is); with the backup put back,
    every profile is listed and readable;
  - error answers never show the data directory's absolute path;
  - a full disk (4 MB tmpfs, filled to the last byte by another file):
    DELETE answers 204 and frees the blob's space; writes work again.
Usage: test_storage.py --hearth BIN --gen DIR
"""
import gzip
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import hostile
from hostile import Checks, Server, request

N = 30


def blob_files(data):
    root = os.path.join(data, "blobs")
    out = set()
    if not os.path.isdir(root):
        return out
    for sub in os.listdir(root):
        p = os.path.join(root, sub)
        if os.path.isdir(p):
            out.update(os.listdir(p))
    return out


def variants(src, n):
    raw = gzip.decompress(open(src, "rb").read())
    return [gzip.compress(raw, compresslevel=1, mtime=1000 + i) for i in range(n)]


def upload(srv, body, name="p"):
    return request(srv.port, "POST", "/api/profiles?name=" + name, body=body,
                   headers={"Content-Type": "application/octet-stream"})


def try_start(hearth, data, args=()):
    """('started', Server) or ('exited', returncode, log)."""
    srv = Server(hearth, data, list(args))
    try:
        srv.start(timeout=15)
        return ("started", srv)
    except RuntimeError:
        rc = srv.proc.returncode if srv.proc else None
        log = srv.log()
        srv.close_log()
        return ("exited", rc, log)


def stop(srv):
    srv.stop()
    srv.close_log()


def backup(data, dest):
    """A consistent copy of hearth.db (SQLite's backup API; works while the server runs)."""
    src = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "hearth.db"), uri=True)
    dst = sqlite3.connect(dest)
    src.backup(dst)
    dst.close()
    src.close()


def restore(data, saved):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(os.path.join(data, "hearth.db" + suffix))
        except FileNotFoundError:
            pass
    shutil.copyfile(saved, os.path.join(data, "hearth.db"))


def listed(srv):
    r = srv.get("/api/profiles?limit=1000")
    return len(r.json()["profiles"]) if r.status == 200 else -1


def no_path(c, r, data, what):
    c.ok(data.encode() not in r.body and b"/tmp/hearth" not in r.body,
         what + ": the answer does not show the data path", r.body[:300].decode("utf-8", "replace"))


def corrupt_cases(c, hearth, data, saved, want_blobs):
    size = os.path.getsize(saved)

    def header(p):
        with open(p, "r+b") as f:
            f.write(b"this is no SQLite file at all!" * 3)

    def half(p):
        with open(p, "r+b") as f:
            f.truncate(size // 2)

    def middle(p):
        with open(p, "r+b") as f:
            f.seek(4096 * 2)  # page 3 onwards: table and index pages
            f.write(os.urandom(4096 * 3))

    for what, damage in (("header overwritten", header), ("truncated to half", half),
                         ("pages overwritten", middle)):
        restore(data, saved)
        damage(os.path.join(data, "hearth.db"))
        t0 = time.monotonic()
        res = try_start(hearth, data)
        secs = time.monotonic() - t0
        if res[0] == "started":
            c.ok(False, "corrupt db (%s): hearth serve refuses to start" % what,
                 "it started; health: %s" % res[1].get("/healthz").body[:200])
            stop(res[1])
        else:
            lines = [l for l in res[2].splitlines() if l.startswith("hearth serve: ")]
            c.ok(res[1] not in (0, None) and secs < 10,
                 "corrupt db (%s): exits non-zero at once" % what, "rc %s after %.1f s" % (res[1], secs))
            c.ok(len(lines) == 1 and "hearth.db" in lines[0] and "corrupt" in lines[0],
                 "corrupt db (%s): one clear line naming hearth.db" % what, res[2][-600:])
            if lines:
                print("  corrupt db (%s) -> %s" % (what, lines[0][:300]))
        got = blob_files(data)
        c.eq(len(want_blobs - got), 0, "corrupt db (%s): blobs lost (of %d)" % (what, len(want_blobs)))
    # an empty database (0 bytes) while blobs exist: start, sweep nothing
    restore(data, saved)
    open(os.path.join(data, "hearth.db"), "wb").close()
    res = try_start(hearth, data)
    if c.ok(res[0] == "started", "empty db: the server starts", str(res[1:])[:400]):
        srv = res[1]
        c.eq(len(want_blobs - blob_files(data)), 0, "empty db: blobs lost (of %d)" % len(want_blobs))
        c.ok("kept" in srv.log() and "hearth.db" in srv.log(), "empty db: says on stderr that blobs were kept",
             srv.log()[-400:])
        stop(srv)
    # the backup back: everything is there
    restore(data, saved)
    srv = Server(hearth, data).start()
    c.eq(listed(srv), N, "backup restored after the corrupt-db cases: profiles listed")
    stop(srv)


def vanish_case(c, hearth, data, tmp, ids, want_blobs, body):
    srv = Server(hearth, data).start()
    saved = os.path.join(tmp, "running-backup.db")
    backup(data, saved)
    os.unlink(os.path.join(data, "hearth.db"))
    # health looks at the files at most once a second: degraded within ~1 s
    t0 = time.monotonic()
    while True:
        t1 = time.monotonic()
        r = srv.get("/healthz")
        ms = (time.monotonic() - t1) * 1000
        status = r.json().get("status") if r.status in (200, 503) else None
        if status == "degraded" or time.monotonic() - t0 > 3:
            break
        time.sleep(0.1)
    took = time.monotonic() - t0
    c.ok(r.status == 503 and status == "degraded", "db deleted while running: /healthz 503 degraded",
         "%d %s" % (r.status, r.body[:300]))
    c.ok(took < 1.5, "db deleted: health says degraded within 1.5 s", "%.2f s" % took)
    c.ok(ms < 1000, "db deleted: /healthz answers in < 1 s", "%.0f ms" % ms)
    print("  db deleted while running: /healthz %d %s (after %.2f s; answered in %.0f ms)"
          % (r.status, r.body[:260], took, ms))
    r = upload(srv, body, "after-delete")
    hostile.harness.check_json_error(c, r, "db deleted: upload refused", {503})
    no_path(c, r, data, "db deleted: upload")
    print("  db deleted while running: upload -> %d %s" % (r.status, r.body[:200]))
    r = srv.req("DELETE", "/api/profiles/" + ids[0][0], headers={"Authorization": "Bearer " + ids[0][1]})
    hostile.harness.check_json_error(c, r, "db deleted: DELETE refused", {503})
    r = srv.get("/api/profiles/%s/top" % ids[1][0])
    c.eq(r.status, 200, "db deleted: reads of stored profiles keep working")
    r = srv.req("POST", "/api/series", body=b'{"name":"x","profiles":["%s"]}' % ids[2][0].encode(),
                headers={"Content-Type": "application/json"})
    hostile.harness.check_json_error(c, r, "db deleted: series create refused", {503})
    stop(srv)
    c.eq(len(want_blobs - blob_files(data)), 0, "db deleted: blobs lost after the server stopped")
    # restart without the database: a fresh one, no blob swept
    srv = Server(hearth, data).start()
    r = srv.get("/healthz")
    c.eq(r.status, 200, "db deleted: restart on a fresh database is healthy")
    c.eq(len(want_blobs - blob_files(data)), 0, "db deleted: blobs lost after a restart (of %d)" % len(want_blobs))
    print("  db deleted, restarted: %d of %d blobs on disk" % (len(want_blobs & blob_files(data)), len(want_blobs)))
    # the fresh database gets a profile (no longer empty): the old blobs are older than it, kept
    r = upload(srv, body, "on-the-fresh-db")
    c.eq(r.status, 201, "fresh db: an upload")
    stop(srv)
    # a blob left by a crash after the database was made (no row): the sweep removes it
    orphan = hashlib.sha256(b"orphan").hexdigest()
    os.makedirs(os.path.join(data, "blobs", orphan[:2]), exist_ok=True)
    open(os.path.join(data, "blobs", orphan[:2], orphan), "wb").write(b"orphan")
    srv = Server(hearth, data).start()
    c.eq(len(want_blobs - blob_files(data)), 0,
         "fresh db with a profile: restart keeps the lost database's blobs (of %d)" % len(want_blobs))
    c.ok(orphan not in blob_files(data), "fresh db: a newer blob without a row is swept")
    c.ok("kept %d unreferenced blobs older than hearth.db" % len(want_blobs) in srv.log(),
         "fresh db: the kept blobs are reported on stderr", srv.log()[-300:])
    stop(srv)
    # the backup put back: every profile listed and readable
    restore(data, saved)
    srv = Server(hearth, data).start()
    c.eq(listed(srv), N, "db deleted, backup restored: profiles listed")
    bad = [i for i, _ in ids if srv.get("/api/profiles/%s/raw" % i).status != 200]
    c.eq(bad, [], "db deleted, backup restored: raw bytes of every profile")
    r = srv.get("/healthz")
    c.eq(r.status, 200, "backup restored: healthy")
    stop(srv)


def path_case(c, hearth, data, body):
    """An unusable tmp/ while running: the error names no absolute path."""
    srv = Server(hearth, data).start()
    tmpdir = os.path.join(data, "tmp")
    os.rename(tmpdir, tmpdir + ".away")
    open(tmpdir, "w").close()
    try:
        r = upload(srv, body, "no-tmp")  # new bytes: a new blob, written through tmp/
        c.ok(r.status >= 400, "tmp/ unusable: upload fails", str(r.status))
        no_path(c, r, data, "tmp/ unusable")
        print("  tmp/ unusable: upload -> %d %s" % (r.status, r.body[:200]))
    finally:
        os.unlink(tmpdir)
        os.rename(tmpdir + ".away", tmpdir)
    stop(srv)


def full_disk_case(c, hearth, tmp, bodies):
    mnt = os.path.join(tmp, "full")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        if os.geteuid() != 0:
            print("SKIP (full disk): mounting a tmpfs needs root: " + r.stderr.strip())
            return
        c.ok(False, "full disk: mount a 4 MB tmpfs", r.stderr)
        return
    data = os.path.join(mnt, "data")
    srv = Server(hearth, data)
    try:
        srv.start()
        full_disk_steps(c, hearth, mnt, data, srv, bodies)
    finally:
        stop(srv)
        subprocess.run(["umount", mnt])


def full_disk_steps(c, hearth, mnt, data, srv, bodies):
    if True:  # one block: the steps depend on each other
        ids = []
        for i, b in enumerate(bodies[:4]):
            r = upload(srv, b, "full%d" % i)
            if r.status == 201:
                ids.append((r.json()["id"], r.json()["delete_token"]))
        c.eq(len(ids), 4, "full disk: 4 uploads before filling")
        # fill every last byte with another file
        fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
        os.close(fd)
        st = os.statvfs(mnt)
        print("  full disk: %d bytes free before DELETE" % (st.f_bavail * st.f_frsize))
        r = upload(srv, bodies[10], "when-full")
        hostile.harness.check_json_error(c, r, "full disk: upload refused", {507})
        no_path(c, r, data, "full disk: upload")
        before = os.statvfs(mnt).f_bavail
        blobs0 = len(blob_files(data))
        r = srv.req("DELETE", "/api/profiles/" + ids[0][0],
                    headers={"Authorization": "Bearer " + ids[0][1]})
        print("  full disk: DELETE -> %d %s" % (r.status, r.body[:200]))
        c.eq(r.status, 204, "full disk: DELETE answers 204")
        c.eq(len(blob_files(data)), blobs0 - 1, "full disk: DELETE removed the blob")
        after = os.statvfs(mnt).f_bavail
        c.ok(after > before, "full disk: DELETE freed space", "%d -> %d blocks" % (before, after))
        c.eq(srv.get("/api/profiles/" + ids[0][0]).status, 404, "full disk: deleted profile is gone")
        r = srv.req("DELETE", "/api/profiles/" + ids[1][0],
                    headers={"Authorization": "Bearer " + ids[1][1]})
        c.eq(r.status, 204, "full disk: a second DELETE answers 204")
        os.unlink(os.path.join(mnt, "filler"))
        r = upload(srv, bodies[11], "after-full")
        c.eq(r.status, 201, "full disk: uploads work once space is back")
        srv.stop()
        srv2 = Server(hearth, data).start()
        c.eq(listed(srv2), 3, "full disk: after a restart, the 3 remaining profiles are listed")
        stop(srv2)


def main():
    a = hostile.args(__doc__)
    c = Checks(a.verbose)
    src = os.path.join(a.gen, "heap-series.0.pb.gz")
    if not os.path.exists(src):
        hostile.skip("no generated profiles in " + a.gen)
    tmp = tempfile.mkdtemp(prefix="hearth-hostile-storage-")
    try:
        data = os.path.join(tmp, "data")
        bodies = variants(src, N + 12)
        srv = Server(a.hearth, data).start()
        ids = []
        for i in range(N):
            r = upload(srv, bodies[i], "v%d" % i)
            if r.status == 201:
                ids.append((r.json()["id"], r.json()["delete_token"]))
        c.eq(len(ids), N, "uploads stored")
        stop(srv)
        want = set(hashlib.sha256(b).hexdigest() for b in bodies[:N])
        c.eq(blob_files(data), want, "one blob file per upload")
        saved = os.path.join(tmp, "clean.db")
        shutil.copyfile(os.path.join(data, "hearth.db"), saved)
        corrupt_cases(c, a.hearth, data, saved, want)
        vanish_case(c, a.hearth, data, tmp, ids, want, bodies[N])
        path_case(c, a.hearth, data, bodies[N + 1])
        full_disk_case(c, a.hearth, tmp, bodies)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
