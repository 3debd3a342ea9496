#!/usr/bin/env python3
"""`hearth upload|fetch|capture` against a real server (issue 15, item 2).

- upload prints one line per file: the share URL (which serves the
  profile), the delete token (which deletes it) and the file;
- `upload --series leak` of four heap snapshots given out of order makes ONE
  series, ordered as the server orders series (by the profiles' times);
- the server and token come from --server/--token or HEARTH_SERVER/
  HEARTH_UPLOAD_TOKEN (a server with an upload token refuses without it);
- fetch and capture go through /api/fetch and /api/captures (a second
  server is the fetched target) and print the stored profile or series;
- errors: one line on stderr, exit 1 for refused or unreachable, 2 for
  usage errors, nothing on stdout.
Usage: client_test.py --hearth BIN --gen DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from harness import Checks, Server, free_port, skip  # noqa: E402

LINE = re.compile(r"^(http://127\.0\.0\.1:\d+/(p|s)/([A-Za-z0-9_-]+))  delete token: (\S+)  (.+)$")


def run(hearth, args, env_extra=None, drop=("HEARTH_SERVER", "HEARTH_UPLOAD_TOKEN")):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    p = subprocess.run([hearth] + args, env=env, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    gen = args.gen
    snaps = [os.path.join(gen, "heap-series.%d.pb.gz" % i) for i in range(4)]
    cpu = os.path.join(gen, "cpu.pb.gz")
    for f in snaps + [cpu]:
        if not os.path.exists(f):
            skip("generated profile missing: " + f)
    c = Checks()
    H = args.hearth
    tmp = tempfile.mkdtemp(prefix="hearth-client-")
    target = Server(H, os.path.join(tmp, "target")).start()
    srv = Server(H, os.path.join(tmp, "data"), ["--fetch-allow", "127.0.0.1"]).start()
    tok_srv = Server(H, os.path.join(tmp, "tok"), ["--upload-token", "s3cret"]).start()
    url = "http://127.0.0.1:%d" % srv.port
    try:
        # upload one file: URL, token, file
        rc, out, err = run(H, ["upload", "--server", url, "--name", "my cpu", cpu])
        m = LINE.match(out.strip())
        c.ok(rc == 0 and m and m.group(2) == "p" and m.group(5) == cpu and out.count("\n") == 1,
             "upload: one line with URL, delete token and file", "rc %d out %r err %r" % (rc, out, err))
        if m:
            pid, token = m.group(3), m.group(4)
            r = srv.get("/p/" + pid)
            c.ok(r.status == 200 and r.body == open(cpu, "rb").read(),
                 "upload: the printed URL serves the profile")
            c.eq(srv.get("/api/profiles/" + pid).json().get("name"), "my cpu", "upload: --name")
            r = srv.req("DELETE", "/api/profiles/" + pid, headers={"Authorization": "Bearer " + token})
            c.eq(r.status, 204, "upload: the printed delete token deletes it")

        # --series of files given out of order: one series in the server's order
        shuffled = [snaps[2], snaps[0], snaps[3], snaps[1]]
        rc, out, err = run(H, ["upload", "--series", "leak"] + shuffled,
                           {"HEARTH_SERVER": url + "/"})
        lines = out.strip().split("\n")
        ms = [LINE.match(l) for l in lines]
        c.ok(rc == 0 and len(lines) == 5 and all(ms), "upload --series: 4 profile lines + 1 series",
             "rc %d out %r err %r" % (rc, out, err))
        if rc == 0 and len(lines) == 5 and all(ms):
            c.eq([m.group(5) for m in ms[:4]], shuffled, "upload --series: files in the given order")
            c.eq(ms[4].group(2), "s", "upload --series: the last line is the series")
            c.eq(ms[4].group(5), 'series "leak" of 4 profiles', "upload --series: what it is")
            s = srv.get("/api/series/" + ms[4].group(3)).json()
            c.eq(s.get("name"), "leak", "series name")
            c.eq(s.get("count"), 4, "ONE series of the 4 files")
            c.eq([p["name"] for p in s.get("profiles", [])],
                 [os.path.basename(f) for f in snaps], "series ordered by the server's rules")
            r = srv.req("DELETE", "/api/series/" + ms[4].group(3),
                        headers={"Authorization": "Bearer " + ms[4].group(4)})
            c.eq(r.status, 204, "the series' delete token deletes it")
        c.eq(len(srv.get("/api/series").json().get("series", [None])), 0,
             "no other series was made")

        # token: flag, environment, missing
        turl = "http://127.0.0.1:%d" % tok_srv.port
        rc, out, err = run(H, ["upload", "--server", turl, cpu])
        c.ok(rc == 1 and out == "" and err.count("\n") == 1 and "401" in err,
             "token server without a token: exit 1, one line with the 401", err)
        rc, out, err = run(H, ["upload", "--server", turl, cpu], {"HEARTH_UPLOAD_TOKEN": "s3cret"})
        c.ok(rc == 0 and LINE.match(out.strip()), "HEARTH_UPLOAD_TOKEN is sent", err)
        rc, out, err = run(H, ["upload", "--token", "s3cret", cpu], {"HEARTH_SERVER": turl})
        c.ok(rc == 0 and LINE.match(out.strip()), "--token with HEARTH_SERVER", err)
        rc, out, err = run(H, ["upload", "--token", "wrong", "--server", turl, cpu])
        c.ok(rc == 1 and "401" in err, "a wrong token: exit 1", err)

        # fetch and capture through the server
        r = target.req("POST", "/api/profiles?name=t", open(snaps[0], "rb").read(),
                       {"Content-Type": "application/octet-stream"})
        traw = "http://127.0.0.1:%d/api/profiles/%s/raw" % (target.port, r.json()["id"])
        rc, out, err = run(H, ["fetch", "--server", url, "--name", "fetched", traw])
        m = LINE.match(out.strip())
        c.ok(rc == 0 and m and m.group(2) == "p" and m.group(5) == traw, "fetch: the stored profile",
             "rc %d out %r err %r" % (rc, out, err))
        if m:
            c.eq(srv.get("/p/" + m.group(3)).body, open(snaps[0], "rb").read(),
                 "fetch: the stored bytes are the target's")
        rc, out, err = run(H, ["capture", "--server", url, "--interval", "1", "--count", "2",
                               "--name", "cap", traw])
        m = LINE.match(out.strip())
        c.ok(rc == 0 and m and m.group(2) == "s", "capture: the series line",
             "rc %d out %r err %r" % (rc, out, err))
        if m:
            deadline = time.time() + 20
            s = {}
            while time.time() < deadline:
                s = srv.get("/api/series/" + m.group(3)).json()
                if (s.get("capture") or {}).get("state") != "running":
                    break
                time.sleep(0.3)
            c.eq((s.get("name"), s.get("count"), (s.get("capture") or {}).get("state")),
                 ("cap", 2, "done"), "capture: 2 snapshots taken, done")
        rc, out, err = run(H, ["fetch", "--server", "http://127.0.0.1:%d" % target.port, traw])
        c.ok(rc == 1 and out == "" and "403" in err and err.count("\n") == 1,
             "fetch on a server without --fetch-allow: exit 1, the 403 in one line", err)

        # unreachable, refused, usage
        dead = "http://127.0.0.1:%d" % free_port()
        for what, argv, want in [
            ("unreachable server", ["upload", "--server", dead, cpu], 1),
            ("missing file", ["upload", "--server", url, os.path.join(tmp, "nope.pb.gz")], 1),
            ("not a profile", ["upload", "--server", url, os.path.join(gen, "MANIFEST.txt")], 1),
            ("a directory", ["upload", "--server", url, tmp], 1),
            ("no file", ["upload", "--server", url], 2),
            ("unknown flag", ["upload", "--bogus", cpu], 2),
            ("--name with two files", ["upload", "--name", "x", cpu, cpu], 2),
            ("--series without a value", ["upload", cpu, "--series"], 2),
            ("--series on fetch", ["fetch", "--series", "x", traw], 2),
            ("fetch without URL", ["fetch", "--server", url], 2),
            ("capture --interval 0", ["capture", "--interval", "0", traw], 2),
            ("capture --count 1", ["capture", "--count", "1", traw], 2),
            ("capture --count x", ["capture", "--count", "x", traw], 2),
            ("server not http", ["upload", "--server", "ftp://x", cpu], 2),
            ("capture refused by the server", ["capture", "--server", url, "--interval", "1",
                                               "--count", "2", "http://10.9.9.9/debug/pprof/heap"], 1),
        ]:
            rc, out, err = run(H, argv)
            lines = err.strip().split("\n")
            c.ok(rc == want and out == "" and len(lines) == 1 and lines[0].startswith("hearth "),
                 "%s: exit %d, one line on stderr" % (what, want), "rc %d out %r err %r" % (rc, out, err))
        rc, out, err = run(H, ["upload", "--server", dead, cpu])
        c.ok("cannot reach" in err, "unreachable: says it cannot reach the server", err)
        rc, out, err = run(H, ["upload", "--server", url, cpu, os.path.join(tmp, "nope")])
        c.ok(rc == 1 and len(out.strip().split("\n")) == 1,
             "a failure after an upload: the stored one is still printed, exit 1", out + err)
    finally:
        for s in (srv, tok_srv, target):
            s.stop()
            s.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
