#!/usr/bin/env python3
"""Downloads of a stored profile: /api/profiles/<id>/download/{proto,traces,callgrind}.

Each download must be the same bytes as the command line's report with the
same options (`hearth -proto|-traces|-callgrind` with -focus, -sample_index,
-diff_base ...), carry its Content-Type and an attachment Content-Disposition,
answer HEAD with headers only, gzip text on request, and refuse bad
parameters with a JSON error and a 4xx.
Usage: downloads.py --hearth BIN --gen DIR
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, request, check_json_error, check_security_headers, skip  # noqa: E402

KINDS = {
    # route: (CLI report, Content-Type, file name pattern)
    "proto": ("-proto", "application/octet-stream", "%s.pb.gz"),
    "traces": ("-traces", "text/plain; charset=utf-8", "%s.traces.txt"),
    "callgrind": ("-callgrind", "text/plain; charset=utf-8", "callgrind.out.%s"),
}

# HTTP parameter -> CLI flag (the view parameters the other views take)
PARAMS = {"si": "-sample_index", "f": "-focus", "i": "-ignore", "h": "-hide", "s": "-show",
          "sf": "-show_from", "tf": "-tagfocus", "ti": "-tagignore", "g": "-granularity",
          "unit": "-unit"}


def cli(hearth, args):
    p = subprocess.run([hearth] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout, p.stderr


def upload(c, port, path):
    with open(path, "rb") as f:
        data = f.read()
    r = request(port, "POST", "/api/profiles?name=" + os.path.basename(path), body=data,
                headers={"Content-Type": "application/octet-stream"})
    c.eq(r.status, 201, "upload %s" % os.path.basename(path))
    return r.json()["id"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    files = {n: os.path.join(args.gen, n + ".pb.gz")
             for n in ("cpu-labels", "edge-diff-base", "edge-diff-new", "allocs")}
    missing = [p for p in files.values() if not os.path.exists(p)]
    if missing:
        skip("generated profiles missing: " + ", ".join(missing))
    c = Checks()
    data = tempfile.mkdtemp(prefix="hearth-downloads-")
    srv = Server(args.hearth, data).start()
    try:
        ids = {n: upload(c, srv.port, p) for n, p in files.items()}
        cases = [
            ("cpu-labels", {}, None),
            ("cpu-labels", {"si": "0", "f": "main"}, None),
            ("cpu-labels", {"tf": "worker=.*", "h": "runtime"}, None),
            ("allocs", {"si": "alloc_space", "g": "lines"}, None),
            ("edge-diff-new", {}, "edge-diff-base"),
        ]
        for name, params, base in cases:
            for kind, (flag, ctype, fname) in KINDS.items():
                q = dict(params)
                cl = [flag]
                for k, v in params.items():
                    cl.append("%s=%s" % (PARAMS[k], v))
                if base:
                    q["base"] = ids[base]
                    cl.append("-diff_base=" + files[base])
                cl.append(files[name])
                what = "%s %s %s%s" % (kind, name, urllib.parse.urlencode(params),
                                       " base" if base else "")
                if kind == "proto" and "h" in params:
                    pass  # -hide changes locations: the proto keeps them as the CLI does
                path = "/api/profiles/%s/download/%s" % (ids[name], kind)
                if q:
                    path += "?" + urllib.parse.urlencode(q)
                r = request(srv.port, "GET", path)
                if not c.eq(r.status, 200, what + ": status"):
                    print(r)
                    continue
                check_security_headers(c, r, what)
                c.eq(r.h("content-type"), ctype, what + ": Content-Type")
                c.eq(r.h("content-disposition"), 'attachment; filename="%s"' % (fname % ids[name]),
                     what + ": Content-Disposition")
                rc, out, err = cli(args.hearth, cl)
                c.eq(rc, 0, what + ": CLI exit (%s)" % err.decode(errors="replace").strip())
                c.ok(r.body == out, what + ": the same bytes as `hearth %s`" % " ".join(cl[:-1]),
                     "%d vs %d bytes" % (len(r.body), len(out)))
                if kind == "proto":
                    c.eq(r.body[:2], b"\x1f\x8b", what + ": gzipped profile.proto")
                else:
                    g = request(srv.port, "GET", path, headers={"Accept-Encoding": "gzip"})
                    c.eq(g.h("content-encoding"), "gzip", what + ": gzip on request")
                    c.ok(g.status == 200 and gzip.decompress(g.body) == out,
                         what + ": gzip body inflates to the same bytes")
                h = request(srv.port, "HEAD", path)
                c.ok(h.status == 200 and h.body == b"" and
                     h.h("content-length") == str(len(r.body)), what + ": HEAD")
        # callgrind downloads load in callgrind_annotate (valgrind), when installed
        import shutil
        ann = shutil.which("callgrind_annotate")
        if ann:
            r = request(srv.port, "GET", "/api/profiles/%s/download/callgrind" % ids["cpu-labels"])
            with tempfile.NamedTemporaryFile(suffix=".out") as f:
                f.write(r.body)
                f.flush()
                p = subprocess.run([ann, f.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            c.ok(p.returncode == 0 and b"Events shown" in p.stdout,
                 "callgrind download loads in callgrind_annotate", p.stderr[:300])
        elif os.environ.get("CI"):
            c.ok(False, "callgrind_annotate missing in CI (.ci/install installs valgrind)")
        else:
            print("note: callgrind_annotate not installed; tests/oracle checks it too")
        # bad parameters: a JSON error and a 4xx, for every download
        for kind in KINDS:
            base = "/api/profiles/%s/download/%s" % (ids["cpu-labels"], kind)
            check_json_error(c, request(srv.port, "GET", base + "?f=%28"),
                             kind + ": bad focus regexp", (400,))
            check_json_error(c, request(srv.port, "GET", base + "?si=99"),
                             kind + ": sample index out of range", (400, 404))
            check_json_error(c, request(srv.port, "GET", base + "?base=AAAAAAAAAAAAAAAAAAAAAA"),
                             kind + ": unknown base", (400, 404))
            check_json_error(c, request(srv.port, "GET", base + "?g=bogus"),
                             kind + ": bad granularity", (400,))
            check_json_error(c, request(srv.port, "GET", base + "?f=" + "a" * 5000),
                             kind + ": parameter too long", (400, 414))
            check_json_error(c, request(srv.port, "POST", base, body=b"x"),
                             kind + ": POST", (405,))
        check_json_error(c, request(srv.port, "GET", "/api/profiles/%s/download/pdf"
                                    % ids["cpu-labels"]), "unknown download", (404,))
    finally:
        srv.stop()
    c.finish()


if __name__ == "__main__":
    main()
