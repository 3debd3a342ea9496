#!/usr/bin/env python3
"""HTTP tests of the top endpoint's pages (limit=, offset=, sort=).

A page is the full answer (GET .../top, unchanged) with only some rows:
  - the rows equal the full answer's rows in the order of sort=, exactly as
    the UI's Top table orders them (web/js/model/top.js sortRows: flat and
    flatp in pprof's order or its reverse, cum/cump by magnitude, sum by
    pprof's order, name, base, new = base + delta, ret = flat/alloc_flat
    or -1; ties in pprof's order), cut at offset/limit;
  - "count" is every row, "offset" the first row sent, "sum_before" the
    flat summed over the rows before it in that order; every other field
    equals the full answer's;
  - pages laid end to end give every row; past the end there are none;
  - in a diff (base=), with other options (si=, g=, f=), on C++ names the
    JSON escapes (<, >, &) and on ties;
  - a page has its own ETag (304 when it matches) and is served again from
    the cache identically;
  - a bad limit, offset or sort gets a 400 JSON error.

usage: top_page_test.py --hearth build/hearth --gen DIR [-v]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error  # noqa: E402

SORTS = ["", "flat", "-flat", "flatp", "-flatp", "sum", "-sum", "cum", "-cum", "cump", "-cump",
         "name", "-name", "base", "-base", "new", "-new", "ret", "-ret"]
DEFAULT_DESC = {"flat": True, "flatp": True, "sum": False, "cum": True, "cump": True,
                "name": False, "base": True, "new": True, "ret": True}


def js_key(s):
    """A string's JavaScript order (UTF-16 code units)."""
    return s.encode("utf-16-be")


def order(rows, sort):
    """rows (the full answer's, pprof's order) as model/top.js sortRows orders them."""
    flip = sort.startswith("-")
    col = sort[1:] if flip else sort
    if col not in DEFAULT_DESC:
        col, desc = "flat", True
    else:
        desc = DEFAULT_DESC[col] != flip
    idx = list(range(len(rows)))
    if col in ("flat", "flatp"):
        return idx if desc else idx[::-1]

    def key(i):
        r = rows[i]
        if col in ("cum", "cump"):
            return abs(r["cum"])
        if col == "sum":
            return i
        if col == "base":
            return r.get("base_cum", 0)
        if col == "new":
            return r.get("base_cum", 0) + r["cum"]
        if col == "ret":
            a = r.get("alloc_flat")
            return r["flat"] / a if a else -1
        return js_key(r["name"])
    # ties in pprof's order whichever the direction
    groups = {}
    for i in idx:
        groups.setdefault(key(i), []).append(i)
    out = []
    for k in sorted(groups, reverse=desc):
        out += groups[k]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    c = Checks(a.v)
    tmp = tempfile.mkdtemp(prefix="hearth-toppage-")
    srv = Server(os.path.abspath(a.hearth), os.path.join(tmp, "data")).start()
    ids = {}

    def upload(name):
        if name not in ids:
            with open(os.path.join(a.gen, name), "rb") as f:
                r = srv.req("POST", "/api/profiles", f.read(),
                            {"Content-Type": "application/octet-stream"})
            c.ok(r.status == 201, "upload " + name, r.body[:200])
            ids[name] = r.json()["id"]
        return ids[name]

    def get(pid, params):
        return srv.get("/api/profiles/%s/top?%s" % (pid, urllib.parse.urlencode(params)))

    try:
        cases = [
            ("medium-heap.pb.gz", {}, None),  # inuse with retention (alloc_flat)
            ("medium-heap.pb.gz", {"si": "alloc_space", "g": "files"}, None),
            ("cpu.pb.gz", {"f": "main"}, None),
            ("edge-cpp-names.pb.gz", {}, None),
            ("edge-ties.pb.gz", {}, None),
            ("edge-diff-new.pb.gz", {}, "edge-diff-base.pb.gz"),
            ("heap-series.3.pb.gz", {}, "heap-series.0.pb.gz"),
        ]
        for prof, opts, basep in cases:
            pid = upload(prof)
            params = dict(opts)
            if basep:
                params["base"] = upload(basep)
            what = "%s %s" % (prof, urllib.parse.urlencode(params))
            r = get(pid, params)
            if not c.ok(r.status == 200, what + ": full answer", r.body[:200]):
                continue
            full = r.json()
            rows = full["rows"]
            n = len(rows)
            c.ok(n > 0, what + ": has rows")
            for sort in SORTS:
                want = order(rows, sort)
                for off, lim in ((0, 1), (0, 100), (3, 7), (n - 2, 10), (n, 5), (n + 10, 1), (0, 10000)):
                    p = dict(params, limit=lim)
                    if off:
                        p["offset"] = off
                    if sort:
                        p["sort"] = sort
                    pr = get(pid, p)
                    w = "%s sort=%s offset=%d limit=%d" % (what, sort, off, lim)
                    if not c.ok(pr.status == 200, w + ": 200", pr.body[:200]):
                        continue
                    pj = pr.json()
                    first = min(max(off, 0), n)
                    sel = want[first:first + lim]
                    c.eq(pj["rows"], [rows[i] for i in sel], w + ": rows")
                    c.eq(pj["count"], n, w + ": count")
                    c.eq(pj["offset"], first, w + ": offset")
                    c.eq(pj["sum_before"], sum(rows[i]["flat"] for i in want[:first]), w + ": sum_before")
                    rest = {k: v for k, v in pj.items() if k not in ("rows", "count", "offset", "sum_before")}
                    c.eq(rest, {k: v for k, v in full.items() if k != "rows"}, w + ": other fields")
            # pages end to end give every row, in pprof's order
            got, off = [], 0
            while True:
                pj = get(pid, dict(params, limit=max(1, n // 3), offset=off)).json()
                if not pj["rows"]:
                    break
                got += pj["rows"]
                off += len(pj["rows"])
            c.eq(got, rows, what + ": pages end to end")
            # offset alone: from there to the end
            pj = get(pid, dict(params, offset=1)).json()
            c.eq(pj["rows"], rows[1:], what + ": offset alone")

        # ETag: a page has its own; If-None-Match gives 304; the cached page is the same
        pid = upload("medium-heap.pb.gz")
        r1 = get(pid, {"limit": 50, "sort": "cum"})
        r2 = get(pid, {"limit": 50, "sort": "cum"})
        r3 = get(pid, {"limit": 50, "sort": "name"})
        full = get(pid, {})
        c.eq(r1.body, r2.body, "a page again: the same bytes")
        c.ok(r1.h("ETag") and r1.h("ETag") == r2.h("ETag"), "a page's ETag is stable", r1.h("ETag"))
        c.ok(r1.h("ETag") != r3.h("ETag") and r1.h("ETag") != full.h("ETag"),
             "another page or the full answer: another ETag")
        r304 = srv.get("/api/profiles/%s/top?limit=50&sort=cum" % pid, {"If-None-Match": r1.h("ETag")})
        c.eq(r304.status, 304, "If-None-Match of the page: 304")

        # bad parameters: 400 JSON
        for q in ("limit=0", "limit=10001", "limit=abc", "limit=-1", "limit=1.5", "limit=",
                  "limit=99999999999999999999", "offset=-1", "offset=x", "offset=1e3",
                  "offset=", "offset=99999999999999", "sort=bogus", "sort=--cum", "sort=Cum",
                  "limit=10&sort=cum%00"):
            r = srv.get("/api/profiles/%s/top?%s" % (pid, q))
            check_json_error(c, r, "top?" + q, {400})
    finally:
        srv.stop()
        srv.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
