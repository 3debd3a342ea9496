#!/usr/bin/env python3
"""Merged views over HTTP (merge=), against `go tool pprof a b c`.

Uploads heap-series.0..3 and cpu from the generated profiles, then checks:
  - top?merge=B,C on A: every row (name, flat, cum) and the total equal
    `go tool pprof -top -nodecount=0 -nodefraction=0 -edgefraction=0 A B C`;
  - the merged flame graph's total equals the merged top's total;
  - merge + base (a merged view diffed against D): rows equal
    `go tool pprof -top -diff_base=D A B C`;
  - the same profile twice counts twice (`go tool pprof A A`);
  - an incompatible profile (cpu into heap), an unknown id, and more than
    the merge limit get a JSON 4xx naming the problem; stored data untouched.
Usage: merge_test.py --hearth BIN --gen DIR   (exit 77 = SKIP without go)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, skip, multipart, check_json_error  # noqa: E402

ROW = re.compile(r'^\s*(-?[\d.]+)B?\s+[-\d.e+]+%\s+[-\d.e+]+%\s+(-?[\d.]+)B?\s+[-\d.e+]+%\s+(.*?)( \(inline\)| \(partial-inline\))?$')


def pprof_top(tmp, files, extra=()):
    go = shutil.which("go")
    tooldir = subprocess.run([go, "env", "GOTOOLDIR"], capture_output=True, text=True,
                             check=True).stdout.strip()
    env = dict(os.environ, TZ="UTC", PPROF_TMPDIR=tmp, HOME=tmp,
               PPROF_BINARY_PATH=os.path.join(tmp, "none"))
    r = subprocess.run([os.path.join(tooldir, "pprof"), "-symbolize=none", "-top", "-nodecount=0",
                        "-nodefraction=0", "-edgefraction=0", "-unit=B", *extra, *files],
                       capture_output=True, text=True, env=env, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("pprof: " + r.stderr[:300])
    rows, total = {}, None
    for line in r.stdout.split("\n"):
        m = re.match(r"^Showing nodes accounting for (-?\d+)B, .* of (-?\d+)B total", line)
        if m:
            total = int(m.group(2))
        m = ROW.match(line)
        if m:
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    if not shutil.which("go"):
        skip("go not found (go tool pprof is the oracle)")
    heaps = [os.path.join(a.gen, "heap-series.%d.pb.gz" % i) for i in range(4)]
    cpu = os.path.join(a.gen, "cpu-labels.pb.gz")
    for f in heaps + [cpu]:
        if not os.path.exists(f):
            skip("generated profile %s missing" % f)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-merge-")
    srv = Server(a.hearth, os.path.join(tmp, "data"))
    try:
        srv.start()
        ids = []
        for f in heaps + [cpu]:
            body, ctype = multipart(os.path.basename(f), open(f, "rb").read())
            r = srv.req("POST", "/api/profiles", body, {"Content-Type": ctype})
            c.eq(r.status, 201, "upload " + os.path.basename(f))
            ids.append(r.json()["id"])
        A, B, C, D, CPU = ids

        def top(q):
            r = srv.get("/api/profiles/%s/top?%s" % (A, q))
            c.eq(r.status, 200, "top?" + q)
            j = r.json()
            return {x["name"]: (x["flat"], x["cum"]) for x in j["rows"]}, j

        def same(got, want, what):
            c.eq(len(got), len(want), what + ": row count")
            bad = [n for n in want if got.get(n) != want[n]]
            c.ok(not bad, what + ": rows equal pprof's",
                 "; ".join("%s hearth %s pprof %s" % (n, got.get(n), want[n]) for n in bad[:5]))

        rows, j = top("merge=%s,%s" % (B, C))
        want, wtotal = pprof_top(tmp, heaps[:3])
        same(rows, want, "merge of 3")
        c.eq(j["total"], sum(v[0] for v in want.values()), "merged total = sum of pprof's flats")
        c.eq(wtotal, j["total"], "pprof's total = the merged total")
        fl = srv.get("/api/profiles/%s/flamegraph?merge=%s,%s&mf=0" % (A, B, C))
        c.eq(fl.status, 200, "merged flame graph")
        c.eq(fl.json()["total"], j["total"], "merged flame total = merged top total")

        rows, _ = top("merge=%s,%s&base=%s" % (B, C, D))
        want, _ = pprof_top(tmp, heaps[:3], ["-diff_base=" + heaps[3]])
        same(rows, want, "merge of 3 diffed against a 4th")

        rows, _ = top("merge=%s" % A)
        want, _ = pprof_top(tmp, [heaps[0], heaps[0]])
        same(rows, want, "the same profile twice counts twice")

        before = srv.get("/api/profiles/%s/top" % A).body
        r = srv.get("/api/profiles/%s/top?merge=%s" % (A, CPU))
        check_json_error(c, r, "cpu merged into heap", (422,))
        c.ok("incompatible" in r.json()["error"]["message"], "the error names the incompatibility",
             r.json()["error"]["message"])
        r = srv.get("/api/profiles/%s/flamegraph?merge=%s,nosuchid" % (A, B))
        check_json_error(c, r, "unknown id in merge", (400,))
        c.ok("nosuchid" in r.json()["error"]["message"], "the error names the id")
        r = srv.get("/api/profiles/%s/top?merge=%s" % (A, urllib.parse.quote(",".join([B] * 64))))
        check_json_error(c, r, "64 profiles merged into one (limit 64 in all)", (413,))
        c.eq(srv.get("/api/profiles/%s/top" % A).body, before, "stored data untouched")
    finally:
        srv.stop()
        srv.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
