#!/usr/bin/env python3
"""cli.images: `hearth svg|png|pdf|gif [flags] FILE` draws the call graph.

Each format is decoded (PNG chunks, CRCs and inflated pixel rows; SVG as
XML; PDF and GIF signatures and trailers); the SVG must name the graph's top
functions; -nodecount and the other graph flags apply; bad inputs and node
counts beyond max_render_nodes fail with exit 1, one line on stderr and no
output. Usage: images.py HEARTH GEN_DIR   (77 if GEN_DIR has no profiles)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imgcheck import CHECK, png_size, svg_names, tooltip_names  # noqa: E402

passed = failed = 0


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s%s" % (what, (": " + str(detail)[:400]) if detail else ""))
    return cond


def run(*args):
    return subprocess.run([H] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)


H, GEN = sys.argv[1], sys.argv[2]
prof = os.path.join(GEN, "cpu-labels.pb.gz")
heap = os.path.join(GEN, "heap-series.3.pb.gz")
if not os.path.isfile(prof) or not os.path.isfile(heap):
    print("SKIP: no generated profiles in %s" % GEN)
    sys.exit(77)

for f in (prof, heap):
    g = json.loads(run("graph", f).stdout)
    top = [n["name"] for n in sorted(g["nodes"], key=lambda n: -abs(n["cum"]))[:5]]
    for fmt in ("svg", "png", "pdf", "gif"):
        r = run(fmt, f)
        what = "%s %s" % (fmt, os.path.basename(f))
        if not ok(r.returncode == 0 and r.stderr == b"", what + ": exit 0, quiet",
                  "rc %d %r" % (r.returncode, r.stderr[:200])):
            continue
        ok(len(r.stdout) > 1000, what + ": plausible size", len(r.stdout))
        reason = CHECK[fmt](r.stdout)
        ok(reason is None, what + ": well-formed", reason)
        if fmt == "png" and reason is None:
            w, h = png_size(r.stdout)
            ok(w > 100 and h > 100, what + ": a drawing, not a dot", "%dx%d" % (w, h))
        if fmt == "svg":
            _, names = svg_names(r.stdout)
            got = tooltip_names(names or set())
            ok(all(t in got for t in top), what + ": names the top functions",
               "missing %s" % [t for t in top if t not in got])

# graph flags apply: the nodes of `hearth graph` with the same flags (titles N1..;
# tag boxes N1_0 ... count against -nodecount, as in pprof)
for f in (prof, heap):
    fl = ["-nodecount=12", "-lines"]
    want = ["N%d" % (i + 1) for i in range(len(json.loads(run("graph", *fl, f).stdout)["nodes"]))]
    r = run("svg", *fl, f)
    _, names = svg_names(r.stdout)
    nodes = sorted((n for n in (names or ()) if re.fullmatch(r"N\d+", n)), key=lambda n: int(n[1:]))
    ok(nodes == want and len(want) >= 3, "svg -nodecount=12 -lines %s: the graph's nodes"
       % os.path.basename(f), (nodes, want))
    ok(any(re.search(r"\.(go|s):\d+ \(", n) for n in names or ()),
       "svg -lines %s: file:line names" % os.path.basename(f))
# -max_render_nodes raises the cap
r = run("svg", "-nodecount=301", prof)
ok(r.returncode == 1 and r.stdout == b"" and b"max_render_nodes" in r.stderr
   and r.stderr.count(b"\n") == 1, "svg -nodecount=301: refused by max_render_nodes",
   (r.returncode, r.stderr))
r = run("svg", "-nodecount=0", prof)
ok(r.returncode == 1 and r.stdout == b"", "svg -nodecount=0 (unlimited): refused", r.returncode)
r = run("svg", "-max_render_nodes=400", "-nodecount=301", prof)
ok(r.returncode == 0 and svg_names(r.stdout)[0] is None, "svg -max_render_nodes=400 "
   "-nodecount=301: drawn", (r.returncode, r.stderr))

# bad inputs: exit 1, one line on stderr, nothing on stdout
tmp = tempfile.mkdtemp(prefix="hearth-images-")
junk = os.path.join(tmp, "junk.pb")
with open(junk, "wb") as fh:
    fh.write(b"\x0a\xff\xff\xff\xff\x0f not a profile")
for args in (["png", os.path.join(tmp, "missing.pb.gz")], ["svg", junk], ["pdf", "-sample_index=9", prof],
             ["gif", "-focus=(", prof]):
    r = run(*args)
    ok(r.returncode == 1 and r.stdout == b"" and r.stderr.count(b"\n") == 1,
       "%s: exit 1, one line, no output" % " ".join(os.path.basename(a) for a in args),
       (r.returncode, r.stderr[:200], len(r.stdout)))
r = run("png")
ok(r.returncode == 2, "png without a file: usage error", r.returncode)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
