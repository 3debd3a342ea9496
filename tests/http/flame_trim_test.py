#!/usr/bin/env python3
"""HTTP tests of the flame graph's trimming (mf=), plain and in a diff (base=).

A node's width is |total| and, in a diff, |base_total| + |base_total + total|
(what the UI draws). For each mf the trimmed answer must hold exactly the
nodes of the untrimmed one (mf=0) whose own width and every ancestor's is
at least mf x the root's width (and not zero on both sides), with the very
same total and base_total; a parent's total (and base_total) is its self
(base_self) plus its children's; "trimmed" counts the children cut.

usage: flame_trim_test.py --hearth build/hearth --gen DIR [-v]
"""
import argparse
import os
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server  # noqa: E402


def tree(j):
    """{path: (total, base_total, self, base_self)} and the children of each path."""
    nd, strings = j["nodes"], j["strings"]
    n = len(nd["name"])
    bt = nd.get("base_total") or [0] * n
    bs = nd.get("base_self") or [0] * n
    paths, out, kids = [None] * n, {}, {}
    for i in range(n):
        p = nd["parent"][i]
        # the same name twice under one parent (inline/not) stays apart by its order
        key = (strings[nd["name"][i]], nd["inline"][i])
        paths[i] = (paths[p] if p >= 0 else ()) + (key,) if i else ()
        out[paths[i]] = (nd["total"][i], bt[i], nd["self"][i], bs[i])
        if i:
            kids.setdefault(paths[p], []).append(paths[i])
    return out, kids


def width(v, diff):
    return abs(v[1]) + abs(v[1] + v[0]) if diff else abs(v[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    c = Checks(a.v)
    tmp = tempfile.mkdtemp(prefix="hearth-flametrim-")
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

    try:
        cases = [
            ("medium-heap.pb.gz", None, {}),
            ("edge-diff-new.pb.gz", "edge-diff-base.pb.gz", {}),
            ("heap-series.3.pb.gz", "heap-series.0.pb.gz", {}),
            ("heap-series.3.pb.gz", "heap-series.0.pb.gz", {"si": "alloc_space"}),
            ("medium-heap.pb.gz", "medium-heap.pb.gz", {}),  # a diff that cancels: no delta anywhere
            ("edge-negative.pb.gz", "edge-negative.pb.gz", {"si": "0"}),
        ]
        for newp, basep, opts in cases:
            pid = upload(newp)
            params = dict(opts)
            if basep:
                params["base"] = upload(basep)
            what = "%s vs %s %s" % (newp, basep, opts)

            def get(mf):
                r = srv.get("/api/profiles/%s/flamegraph?%s" % (pid, urllib.parse.urlencode(dict(params, mf=mf))))
                return r.json() if c.ok(r.status == 200, "%s mf=%s: 200" % (what, mf), r.body[:200]) else None
            full = get(0)
            if not full:
                continue
            diff = bool(basep)
            ft, fk = tree(full)
            root = ft[()]
            for mf in (0.0002, 0.001, 0.01, 0.1):
                j = get(mf)
                if not j:
                    continue
                t, k = tree(j)
                cut = int(width(root, diff) * mf)

                def keep(p):
                    return all((width(ft[p[:d]], diff) >= cut and any(ft[p[:d]][:2]))
                               for d in range(1, len(p) + 1))
                want = {p for p in ft if p == () or (keep(p))}
                c.eq(set(t), want, "%s mf=%s: the nodes kept" % (what, mf))
                c.ok(all(t[p][:2] == ft[p][:2] for p in t if p in ft),
                     "%s mf=%s: totals exact" % (what, mf))
                for p, v in t.items():
                    ch = k.get(p, [])
                    if v[0] != v[2] + sum(t[q][0] for q in ch) or v[1] != v[3] + sum(t[q][1] for q in ch):
                        c.ok(False, "%s mf=%s: %s adds up" % (what, mf, p[-1:] if p else "root"))
                        break
                cutkids = sum(1 for p in want for q in fk.get(p, []) if q not in want and any(ft[q][:2]))
                c.eq(j["trimmed"], cutkids, "%s mf=%s: trimmed" % (what, mf))
                if diff and mf == 0.0002:
                    c.ok(len(t) <= max(2, len(ft)), "%s: at most the untrimmed tree" % what)
    finally:
        srv.stop()
        srv.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
