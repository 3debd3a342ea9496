#!/usr/bin/env python3
"""Legacy profiles over HTTP: POST /api/profiles with a Go ?debug=1 heap text
and gperftools binary CPU profiles (tests/cli/legacy_inputs.py), as
octet-stream or multipart bodies.

Each upload is 201 with "converted_from" naming the format, the metadata
(GET /api/profiles/ID) says the same, and the top view's total and rows are
those of the CLI (`hearth top --json`, itself checked against pprof by
cli.legacy). A malformed legacy text is 400 with pprof's reason, a text that
is no profile 400 "unrecognized profile format"; nothing is stored for them.
Usage: legacy_test.py --hearth BIN [--corpus DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
from harness import Checks, Server, request, check_json_error, multipart  # noqa: E402
from legacy_inputs import INPUTS, BAD  # noqa: E402


def cli_top(hearth, data, name, si):
    with tempfile.NamedTemporaryFile(suffix=name) as f:
        f.write(data)
        f.flush()
        r = subprocess.run([hearth, "top", "--json", "-sample_index=%d" % si, f.name],
                           capture_output=True, timeout=60)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--corpus", default="")
    args = ap.parse_args()
    c = Checks()
    data = tempfile.mkdtemp(prefix="hearth-legacy-")
    srv = Server(args.hearth, data).start()
    try:
        cases = [
            ("go-heap.txt", "multipart", "go heap text (?debug=1)", 3),
            ("go-heap.txt", "application/octet-stream", "go heap text (?debug=1)", 1),
            ("gperf-cpu-64le.prof", "application/octet-stream", "gperftools CPU profile (binary)",
             1),
            ("gperf-cpu-32be.prof", "multipart", "gperftools CPU profile (binary)", 0),
        ]
        real = os.path.join(args.corpus, "heap-sampled.txt") if args.corpus else ""
        if real and os.path.exists(real):
            with open(real, "rb") as f:
                INPUTS["corpus heap-sampled.txt"] = f.read()
            cases.append(("corpus heap-sampled.txt", "application/octet-stream",
                          "go heap text (?debug=1)", 3))
        else:
            print("note: no shared corpus heap-sampled.txt; synthetic inputs only")
        for name, ctype, fmt, si in cases:
            what = "%s as %s" % (name, ctype)
            body = INPUTS[name]
            if ctype == "multipart":
                body, ct = multipart(name, body)
                r = request(srv.port, "POST", "/api/profiles", body=body,
                            headers={"Content-Type": ct})
            else:
                r = request(srv.port, "POST", "/api/profiles?name=" + name.replace(" ", "-"),
                            body=body, headers={"Content-Type": ctype})
            if not c.eq(r.status, 201, what + ": upload status"):
                print(r)
                continue
            up = r.json()
            c.eq(up.get("converted_from"), fmt, what + ": converted_from in the answer")
            r = request(srv.port, "GET", "/api/profiles/" + up["id"])
            c.eq(r.status, 200, what + ": metadata status")
            c.eq(r.json().get("converted_from"), fmt, what + ": converted_from in the metadata")
            r = request(srv.port, "GET", "/api/profiles/%s/top?si=%d&nf=0" % (up["id"], si))
            if not c.eq(r.status, 200, what + ": top status"):
                print(r)
                continue
            got = r.json()
            want = cli_top(args.hearth, INPUTS[name], name.replace(" ", "-"), si)
            c.eq(got.get("sample"), want.get("sample"), what + ": top sample type")
            c.eq(got.get("total"), want.get("total"), what + ": top total equals the CLI's")
            c.eq([(x["name"], x["flat"], x["cum"]) for x in got.get("rows", [])],
                 [(x["name"], x["flat"], x["cum"]) for x in want.get("rows", [])],
                 what + ": top rows equal the CLI's")
            c.ok(want.get("total", 0) > 0, what + ": a non-zero total")
            r = request(srv.port, "GET", "/api/profiles/%s/raw" % up["id"])
            c.ok(r.status == 200 and r.body == INPUTS[name], what + ": raw returns the bytes sent")
        # refusals: pprof's reason, nothing stored
        r = request(srv.port, "GET", "/api/profiles?limit=50")
        before = len(r.json().get("profiles", []))
        for name in ("go-heap-zero-count.txt", "java-heap-zero.txt", "go-heap-long-line.txt"):
            body, reason = BAD[name]
            r = request(srv.port, "POST", "/api/profiles?name=" + name, body=body,
                        headers={"Content-Type": "application/octet-stream"})
            if check_json_error(c, r, name, (400, 413)):
                c.ok(reason in r.json()["error"]["message"], name + ": the reason is pprof's",
                     r.json()["error"]["message"])
        r = request(srv.port, "POST", "/api/profiles?name=text", body=b"hello\nworld\n",
                    headers={"Content-Type": "application/octet-stream"})
        if check_json_error(c, r, "text that is no profile", (400,)):
            msg = r.json()["error"]["message"]
            c.ok("unrecognized profile format" in msg and "legacy" in msg,
                 "text that is no profile: says unrecognized", msg)
        r = request(srv.port, "GET", "/api/profiles?limit=50")
        c.eq(len(r.json().get("profiles", [])), before, "nothing stored for refused uploads")
        c.ok(srv.alive(), "server alive after all uploads")
    finally:
        srv.stop()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
