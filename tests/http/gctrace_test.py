#!/usr/bin/env python3
"""GODEBUG=gctrace=1 logs over HTTP: POST /api/gctraces and GET /api/gctraces/<id>.

Checks that every `gc N @...` line of a log is parsed (the count equals the
number of such lines), that other output is skipped, that two processes
interleaved on one stderr come back as two tracks, and that a log without
GC lines is refused with a JSON error and nothing stored.
Usage: gctrace_test.py --hearth BIN [--corpus DIR]
"""
import argparse
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, request, check_json_error, check_security_headers  # noqa: E402

GC_RE = re.compile(r"^gc \d+ @")


def synth_log(procs=1, gcs=40, noise=True):
    """Lines in Go 1.19's format; several processes interleaved when procs > 1."""
    lines = []
    for i in range(1, gcs + 1):
        for p in range(procs):
            t = 0.01 * i + 0.001 * p
            heap = 4 + i + p
            lines.append("gc %d @%.3fs %d%%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 "
                         "ms cpu, %d->%d->%d MB, %d MB goal, 0 MB stacks, 0 MB globals, %d P%s"
                         % (i, t, 1 + p, heap, heap + 1, heap // 2, heap * 2, 4 + p,
                            " (forced)" if i % 10 == 0 else ""))
            if noise and i % 7 == 0:
                lines.append("scvg: 0 MB released")
                lines.append("some application output %d" % i)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--corpus", default="")
    args = ap.parse_args()
    c = Checks()
    data = tempfile.mkdtemp(prefix="hearth-gctrace-")
    srv = Server(args.hearth, data).start()
    try:
        logs = [("one process", synth_log(1), 1), ("three interleaved", synth_log(3), 3)]
        real = os.path.join(args.corpus, "gctrace.log") if args.corpus else ""
        if real and os.path.exists(real):
            with open(real, encoding="utf-8", errors="replace") as f:
                logs.append(("corpus gctrace.log", f.read(), None))
        else:
            print("note: no shared corpus gctrace.log; synthetic logs only")
        for what, text, tracks in logs:
            want = sum(1 for line in text.splitlines() if GC_RE.match(line))
            r = request(srv.port, "POST", "/api/gctraces?name=" + what.replace(" ", "-"),
                        body=text.encode(), headers={"Content-Type": "text/plain"})
            if not c.eq(r.status, 201, what + ": upload status"):
                print(r)
                continue
            check_security_headers(c, r, what + ": upload")
            up = r.json()
            c.ok(up.get("id") and up.get("delete_token"), what + ": id and delete token")
            r = request(srv.port, "GET", "/api/gctraces/" + up["id"])
            c.eq(r.status, 200, what + ": get status")
            tr = r.json().get("trace", {})
            got = sum(t.get("gcs", 0) for t in tr.get("tracks", []))
            c.eq(got, want, what + ": parsed GCs equal the 'gc N @' lines")
            if tracks is not None:
                c.eq(len(tr.get("tracks", [])), tracks, what + ": tracks")
                c.eq(bool(tr.get("interleaved")), tracks > 1, what + ": interleaved flag")
            for t in tr.get("tracks", []):
                n = t.get("gcs", 0)
                for key in ("gc", "t", "heap_before", "heap_after", "heap_live", "goal"):
                    c.eq(len(t.get(key, [])), n, what + ": %s has one value per GC" % key)
        r = request(srv.port, "POST", "/api/gctraces", body=b"hello\nworld\n",
                    headers={"Content-Type": "text/plain"})
        check_json_error(c, r, "log without GC lines", (400,))
        r = request(srv.port, "GET", "/api/gctraces/" + "A" * 27)
        check_json_error(c, r, "unknown gctrace id", (404,))
        r = request(srv.port, "GET", "/api/gctraces/../../etc/passwd")
        check_json_error(c, r, "path in gctrace id", (404,))
        r = request(srv.port, "POST", "/api/gctraces", body=b"gc 1 @0.1s 1%: x",
                    headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
        check_json_error(c, r, "cross-origin gctrace upload", (403,))
    finally:
        srv.stop()
    c.finish()


if __name__ == "__main__":
    main()
