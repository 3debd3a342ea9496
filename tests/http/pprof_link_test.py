#!/usr/bin/env python3
"""`go tool pprof` reads Hearth's share links (issue 15, item 1).

Against a real `hearth serve`: /p/<id> answers the stored profile to a
client that does not ask for HTML (Go's pprof, curl) and the page to a
browser (Accept: text/html), with Vary: Accept on both. The real Go 1.19
`go tool pprof -top` on the link prints exactly what it prints on the local
file (with and without -symbolize=none, with -sample_index), and
`go tool pprof -top -base LINK_A LINK_B` equals the same on the files. A
diff link (?base=) answers a text/plain 400 that pprof shows (X-Go-Pprof),
unknown ids a JSON 404.
Usage: pprof_link_test.py --hearth BIN --gen DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip  # noqa: E402


def pprof(env, args):
    p = subprocess.run(["go", "tool", "pprof"] + args, env=env, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    if not shutil.which("go"):
        skip("go is not installed (golang-go)")
    files = {n: os.path.join(args.gen, n) for n in
             ("cpu.pb.gz", "medium-heap.pb.gz", "edge-diff-base.pb.gz", "edge-diff-new.pb.gz",
              "edge-inline.pb.gz")}
    for f in files.values():
        if not os.path.exists(f):
            skip("generated profile missing: " + f)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-pprof-link-")
    env = dict(os.environ, TZ="UTC", HOME=tmp, PPROF_TMPDIR=tmp, LC_ALL="C",
               PPROF_BINARY_PATH=os.path.join(tmp, "nonexistent"))
    srv = Server(args.hearth, os.path.join(tmp, "data")).start()
    try:
        ids = {}
        for n, f in files.items():
            body = open(f, "rb").read()
            r = srv.req("POST", "/api/profiles?name=" + n, body,
                        {"Content-Type": "application/octet-stream"})
            if c.eq(r.status, 201, n + ": upload"):
                ids[n] = r.json()["id"]
        base = "http://127.0.0.1:%d" % srv.port
        link = {n: base + "/p/" + i for n, i in ids.items()}

        # content negotiation
        cpu = open(files["cpu.pb.gz"], "rb").read()
        for accept in (None, "*/*", "application/octet-stream"):
            h = {"Accept": accept} if accept else {}
            r = srv.get("/p/" + ids["cpu.pb.gz"], h)
            c.eq((r.status, r.body == cpu), (200, True),
                 "/p/ID with Accept %r: the stored bytes" % accept)
            c.ok("Accept" in (r.h("vary") or ""), "/p/ID raw: Vary lists Accept", r.h("vary"))
        r = srv.get("/p/" + ids["cpu.pb.gz"],
                    {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        c.ok(r.status == 200 and (r.h("content-type") or "").startswith("text/html"),
             "/p/ID for a browser: the page", "%d %s" % (r.status, r.h("content-type")))
        c.ok("Accept" in (r.h("vary") or "").split(", "), "/p/ID page: Vary lists Accept",
             r.h("vary"))
        r = srv.req("HEAD", "/p/" + ids["cpu.pb.gz"])
        c.eq((r.status, r.h("content-length")), (200, str(len(cpu))), "HEAD /p/ID: the length")
        check_json_error(c, srv.get("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAA"), "/p/unknown", {404})
        check_json_error(c, srv.get("/p/..%2f..%2fetc"), "/p/bad id", {404})
        r = srv.get("/p/%s?base=%s" % (ids["edge-diff-new.pb.gz"], ids["edge-diff-base.pb.gz"]))
        c.ok(r.status == 400 and r.h("x-go-pprof") and b"-base" in r.body,
             "/p/ID?base=: a 400 telling to use pprof -base", repr(r))

        # the real pprof on links equals pprof on files
        cases = [
            ("cpu -top", ["-top"], "cpu.pb.gz"),
            ("cpu -top -symbolize=none", ["-symbolize=none", "-top"], "cpu.pb.gz"),
            ("heap -top", ["-top"], "medium-heap.pb.gz"),
            ("heap -top -sample_index=alloc_space", ["-top", "-sample_index=alloc_space"],
             "medium-heap.pb.gz"),
            ("inline -top -cum -nodecount=10", ["-top", "-cum", "-nodecount=10"],
             "edge-inline.pb.gz"),
            ("cpu -traces", ["-traces"], "cpu.pb.gz"),
        ]
        for what, flags, n in cases:
            rl, ol, el = pprof(env, flags + [link[n]])
            rf, of, ef = pprof(env, flags + [files[n]])
            c.ok(rl == 0 and "Fetching profile over HTTP" in el, what + ": pprof fetched the link",
                 "rc %d: %s" % (rl, el[-500:]))
            c.ok(rf == 0 and of.strip() != "", what + ": pprof on the file", ef[-300:])
            c.ok(ol == of, what + ": link output == file output",
                 "link:\n%s\nfile:\n%s" % (ol[:800], of[:800]))
        for what, flags in (("-base", ["-top", "-base"]), ("-diff_base", ["-top", "-diff_base"])):
            rl, ol, el = pprof(env, flags + [link["edge-diff-base.pb.gz"],
                                             link["edge-diff-new.pb.gz"]])
            rf, of, ef = pprof(env, flags + [files["edge-diff-base.pb.gz"],
                                             files["edge-diff-new.pb.gz"]])
            c.ok(rl == 0 and rf == 0 and of.strip() != "", what + ": pprof ran",
                 el[-300:] + ef[-300:])
            c.ok(ol == of, what + " A B: links == files", "link:\n%s\nfile:\n%s" % (ol[:800], of[:800]))
        rl, ol, el = pprof(env, ["-top", base + "/p/AAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        c.ok(rl != 0 and "404" in el, "pprof on an unknown link fails with the 404", el[-300:])
    finally:
        srv.stop()
        srv.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
