#!/usr/bin/env python3
"""http.images: GET /api/profiles/ID/callgraph.{svg,png,pdf,gif}.

Each answer is decoded (tests/cli/imgcheck.py), has its Content-Type and an
attachment Content-Disposition; the SVG names the graph's top functions (from
/callgraph with the same parameters); the view parameters apply (n, g, f);
SVG is gzipped on request, the compressed formats never; eight concurrent
requests through the one renderer all succeed; HEAD and ETag revalidation
work; bad parameters, unknown formats and node counts beyond
max_render_nodes get a JSON 4xx error. callgraph/layout (the web page's
call graph) holds the same view's JSON and DOT and the SVG of that DOT.
Usage: images_test.py --hearth BIN --gen DIR   (77 without generated profiles)
"""
import argparse
import concurrent.futures
import gzip
import os
import re
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
from harness import Checks, Server, check_json_error, check_security_headers, skip  # noqa: E402
from imgcheck import CHECK, svg_names, tooltip_names  # noqa: E402

MIME = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf", "gif": "image/gif"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    prof = os.path.join(args.gen, "cpu-labels.pb.gz")
    if not os.path.isfile(prof):
        skip("no generated profiles in %s" % args.gen)
    c = Checks()
    srv = Server(args.hearth, tempfile.mkdtemp(prefix="hearth-images-")).start()
    try:
        with open(prof, "rb") as f:
            r = srv.req("POST", "/api/profiles?name=cpu-labels", f.read(),
                        {"Content-Type": "application/octet-stream"})
        if not c.eq(r.status, 201, "upload"):
            c.finish()
        pid = r.json()["id"]
        base = "/api/profiles/%s/callgraph" % pid

        for params in ({}, {"n": "12", "g": "lines"}, {"f": "main", "n": "20"}):
            q = ("?" + urllib.parse.urlencode(params)) if params else ""
            g = srv.get(base + q).json()
            top = [n["name"] for n in sorted(g["nodes"], key=lambda n: -abs(n["cum"]))[:5]]
            ids = ["N%d" % n["id"] for n in g["nodes"]]
            for fmt in ("svg", "png", "pdf", "gif"):
                what = "callgraph.%s%s" % (fmt, q)
                r = srv.get(base + "." + fmt + q)
                if not c.eq(r.status, 200, what + ": status"):
                    print(r)
                    continue
                c.eq(r.h("content-type"), MIME[fmt], what + ": Content-Type")
                c.eq(r.h("content-disposition"),
                     'attachment; filename="%s-callgraph.%s"' % (pid, fmt),
                     what + ": Content-Disposition")
                c.eq(r.h("content-length"), str(len(r.body)), what + ": Content-Length")
                check_security_headers(c, r, what)
                reason = CHECK[fmt](r.body)
                c.ok(reason is None, what + ": well-formed " + fmt, reason or "")
                if fmt == "svg":
                    _, names = svg_names(r.body)
                    got = tooltip_names(names or set())
                    c.ok(all(t in got for t in top), what + ": names the top functions",
                         "missing %s" % [t for t in top if t not in got])
                    nodes = sorted((n for n in names or () if re.fullmatch(r"N\d+", n)),
                                   key=lambda n: int(n[1:]))
                    c.eq(nodes, ids, what + ": the call graph's nodes")

        # callgraph/layout (the web page's call graph): the JSON and DOT of the same
        # view, and the SVG of that DOT with "&" escaped; no SVG above max_render_nodes
        for params in ({}, {"n": "12", "g": "lines"}, {"f": "main", "n": "20"}):
            q = ("?" + urllib.parse.urlencode(params)) if params else ""
            what = "callgraph/layout" + q
            r = srv.get(base + "/layout" + q)
            if not c.eq(r.status, 200, what + ": status"):
                continue
            c.eq(r.h("content-type"), "application/json", what + ": Content-Type")
            lay = r.json()
            c.eq(sorted(lay), ["dot", "graph", "svg"], what + ": fields")
            c.eq(lay["graph"], srv.get(base + q).json(), what + ": graph equals callgraph" + q)
            dot = srv.get(base + ".dot" + q).body.decode()
            c.eq(lay["dot"], dot, what + ": dot equals callgraph.dot" + q)
            reason = CHECK["svg"](lay["svg"].encode())
            c.ok(reason is None, what + ": well-formed svg", reason or "")
            _, names = svg_names(lay["svg"].encode())
            nodes = sorted((n for n in names or () if re.fullmatch(r"N\d+", n)),
                           key=lambda n: int(n[1:]))
            c.eq(nodes, ["N%d" % n["id"] for n in lay["graph"]["nodes"]], what + ": the graph's nodes")
        for q, n in (("?n=0", None), ("?n=301", 301)):
            r = srv.get(base + "/layout" + q)
            if c.eq(r.status, 200, "callgraph/layout" + q + ": status"):
                lay = r.json()
                c.eq(lay["svg"], None, "callgraph/layout" + q + ": no layout above max_render_nodes")
                c.eq(lay["graph"], srv.get(base + q).json(), "callgraph/layout" + q + ": the graph")
        check_json_error(c, srv.get(base + "/layout?f=("), "callgraph/layout?f=(: bad regex", (400,))
        r = srv.req("POST", base + "/layout", b"")
        check_json_error(c, r, "POST callgraph/layout", (405,))

        # gzip: SVG on request, compressed formats never
        r = srv.get(base + ".svg", {"Accept-Encoding": "gzip"})
        c.eq(r.h("content-encoding"), "gzip", "svg with Accept-Encoding gzip: gzipped")
        c.ok(svg_names(gzip.decompress(r.body))[0] is None, "gzipped svg: well-formed")
        r = srv.get(base + ".png", {"Accept-Encoding": "gzip"})
        c.eq(r.h("content-encoding"), None, "png with Accept-Encoding gzip: not gzipped")
        c.ok(CHECK["png"](r.body) is None, "png (gzip asked): well-formed")
        etag = r.h("etag")
        r = srv.get(base + ".png", {"Accept-Encoding": "gzip", "If-None-Match": etag or "x"})
        c.eq(r.status, 304, "png revalidated with its ETag: 304")
        r = srv.req("HEAD", base + ".pdf")
        c.ok(r.status == 200 and r.body == b"" and r.h("content-type") == MIME["pdf"],
             "HEAD callgraph.pdf", repr(r))

        # the one renderer, eight clients at once (distinct views: no cache hits)
        def one(i):
            return srv.get(base + ".png?n=%d" % (10 + i))
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            rs = list(pool.map(one, range(8)))
        c.ok(all(r.status == 200 and CHECK["png"](r.body) is None for r in rs),
             "8 concurrent PNGs: all drawn", [r.status for r in rs])

        # bad requests: JSON 4xx, nothing drawn
        for q, want, what in (("?n=0", (400,), "n=0 (unlimited)"),
                              ("?n=301", (400,), "n beyond max_render_nodes"),
                              ("?n=abc", (400,), "n not a number"),
                              ("?si=99", (400, 404), "sample index out of range"),
                              ("?f=(", (400,), "bad focus regex"),
                              ("?g=nope", (400,), "bad granularity")):
            check_json_error(c, srv.get(base + ".svg" + q), "callgraph.svg" + q + ": " + what, want)
        check_json_error(c, srv.get(base + ".bmp"), "callgraph.bmp: no such view", (404,))
        check_json_error(c, srv.get("/api/profiles/%s/callgraph.svg" % ("0" * len(pid))),
                         "callgraph.svg of a missing profile", (404,))
        r = srv.req("POST", base + ".svg", b"")
        check_json_error(c, r, "POST callgraph.svg", (405,))
        c.ok(srv.alive(), "server alive at the end")
    finally:
        srv.stop()
        srv.close_log()
    c.finish()


if __name__ == "__main__":
    main()
