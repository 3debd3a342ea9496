#!/usr/bin/env python3
"""The caches' byte counts through /metrics (issue 14, goal 5): with a small
--cache-mb, each cache's hearth_cache_bytes is what its entries hold and
never passes its hearth_cache_budget_bytes.

1. Views of one profile, no eviction yet: the view cache holds every answer
   twice (JSON and gzip, each trimmed to its length), so its bytes are at
   least the sum of both bodies' lengths and at most 1 KiB more per entry
   (the answer's struct, the cache's node and key).
2. Many more views than the view budget holds, and more profiles than the
   profile budget holds: after every request, bytes <= budget; entries were
   evicted; every view still answers 200 and the same bytes as before.
3. With --view-prefetch (default 3), a flame graph's other sample types are
   computed in the background: the view cache gains their entries, asking
   for them is a cache hit (no miss), and each answer is byte for byte the
   one a server without prefetching computes.
Usage: cache_budget_test.py --hearth BIN --gen DIR
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, skip  # noqa: E402

CACHE_MB = 2  # profiles 3/4 (1.5 MiB), views 1/4 (512 KiB)


def metrics(srv):
    """{(name, cache): value} of the hearth_cache_* gauges and counters."""
    r = srv.get("/metrics")
    out = {}
    for line in r.body.decode().splitlines():
        if line.startswith("hearth_cache_") and "{cache=" in line:
            name, rest = line.split("{cache=\"", 1)
            cache, val = rest.split("\"} ", 1)
            out[(name, cache)] = float(val)
    return r.status, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    names = ["cpu.pb.gz", "allocs.pb.gz", "edge-deep.pb.gz", "heap-series.1.pb.gz",
             "heap-series.2.pb.gz", "heap-series.3.pb.gz", "medium-heap.pb.gz",
             "large-synth.pb.gz"]
    for n in names:
        if not os.path.exists(os.path.join(args.gen, n)):
            skip("no generated profile %s in %s" % (n, args.gen))
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-cache-budget-")
    srv = Server(args.hearth, os.path.join(tmp, "data"), ["--cache-mb", str(CACHE_MB), "--view-prefetch", "0"]).start()
    try:
        st, m = metrics(srv)
        c.eq(st, 200, "/metrics answers")
        budget = {k: m.get(("hearth_cache_budget_bytes", k)) for k in ("profiles", "views")}
        c.eq(budget["views"], (CACHE_MB << 20) // 4, "view budget: 1/4 of --cache-mb")
        c.eq(budget["profiles"], (CACHE_MB << 20) // 4 * 3, "profile budget: 3/4 of --cache-mb")
        c.eq(m.get(("hearth_cache_bytes", "views")), 0, "views: nothing held at start")

        def within(what):
            _, mm = metrics(srv)
            for k in ("profiles", "views"):
                b = mm.get(("hearth_cache_bytes", k))
                c.ok(b is not None and b <= budget[k],
                     "%s: %s cache bytes within its budget" % (what, k), "%s > %s" % (b, budget[k]))
            return mm

        ids = {}
        for n in names:
            with open(os.path.join(args.gen, n), "rb") as f:
                r = srv.req("POST", "/api/profiles?name=" + n, f.read(),
                            {"Content-Type": "application/octet-stream"})
            c.eq(r.status, 201, "upload " + n)
            ids[n] = r.json()["id"]
            within("after uploading " + n)

        # 1. views of a small profile, each as JSON and as gzip: exact sizes, no eviction
        pid = ids["cpu.pb.gz"]
        paths = ["/api/profiles/%s/flamegraph" % pid, "/api/profiles/%s/top" % pid,
                 "/api/profiles/%s/callgraph" % pid, "/api/profiles/%s/flamegraph?mf=0" % pid,
                 "/api/profiles/%s/callgraph.dot" % pid]
        _, m0 = metrics(srv)
        ev0 = m0[("hearth_cache_evictions_total", "views")]
        bodies = 0
        answers = {}
        for i, p in enumerate(paths):
            r = srv.get(p, {"Accept-Encoding": "identity"})
            g = srv.get(p, {"Accept-Encoding": "gzip"})
            c.eq((r.status, g.status), (200, 200), "view " + p)
            c.eq(g.h("content-encoding"), "gzip", "gzip answer of " + p)
            answers[p] = r.body
            bodies += len(r.body) + len(g.body)
            mm = within("view " + p)
            held = mm[("hearth_cache_bytes", "views")]
            n = mm[("hearth_cache_entries", "views")]
            c.eq(n, i + 1, "one view entry per view")
            c.eq(mm[("hearth_cache_evictions_total", "views")], ev0, "no eviction yet")
            c.ok(bodies <= held <= bodies + 1024 * n,
                 "view cache bytes = its JSON and gzip bodies + at most 1 KiB per entry",
                 "held %d, bodies %d, %d entries" % (held, bodies, n))

        # 2. far more views than 512 KiB hold, over every profile
        for n, pid2 in ids.items():
            for p in ("flamegraph?mf=0", "top", "callgraph", "flamegraph"):
                r = srv.get("/api/profiles/%s/%s" % (pid2, p), {"Accept-Encoding": "gzip"})
                c.eq(r.status, 200, "view %s of %s" % (p, n))
                within("view %s of %s" % (p, n))
        mm = within("at the end")
        c.ok(mm[("hearth_cache_evictions_total", "views")] > ev0, "views were evicted",
             mm[("hearth_cache_evictions_total", "views")])
        c.ok(mm[("hearth_cache_evictions_total", "profiles")] > 0, "profiles were evicted",
             mm[("hearth_cache_evictions_total", "profiles")])
        for p, body in answers.items():
            r = srv.get(p, {"Accept-Encoding": "identity"})
            c.eq((r.status, r.body == body), (200, True), "after evictions, the same answer: " + p)
        within("after the views again")

        # 3. the other sample types' flame graphs, computed in the background
        pre = Server(args.hearth, os.path.join(tmp, "data2")).start()
        try:
            with open(os.path.join(args.gen, "allocs.pb.gz"), "rb") as f:
                r = pre.req("POST", "/api/profiles?name=allocs", f.read(),
                            {"Content-Type": "application/octet-stream"})
            c.eq(r.status, 201, "upload to the prefetching server")
            meta = r.json()
            types = [t["type"] for t in meta["sample_types"]]
            others = [t for t in types if t != meta["default_sample_type"]]
            c.eq(len(others), 3, "allocs.pb.gz has 4 sample types")
            r = pre.get("/api/profiles/%s/flamegraph" % meta["id"])
            c.eq(r.status, 200, "flame graph of the default type")
            n = 0
            for _ in range(300):
                _, mm = metrics(pre)
                n = mm[("hearth_cache_entries", "views")]
                if n >= 1 + len(others):
                    break
                time.sleep(0.1)
            c.eq(n, 1 + len(others), "the other types' flame graphs are cached in the background")
            _, m1 = metrics(pre)
            for t in others:
                path = "/api/profiles/%s/flamegraph?si=%s" % (meta["id"], t)
                a = pre.get(path, {"Accept-Encoding": "identity"})
                b = srv.get(path.replace(meta["id"], ids["allocs.pb.gz"]),
                            {"Accept-Encoding": "identity"})
                c.eq((a.status, b.status), (200, 200), "flame graph of " + t)
                c.ok(a.body == b.body, "prefetched flame graph of %s = computed on request" % t)
            _, m2 = metrics(pre)
            c.eq(m2[("hearth_cache_misses_total", "views")], m1[("hearth_cache_misses_total", "views")],
                 "switching the sample type misses no view")
            c.ok(m2[("hearth_cache_bytes", "views")] <= m2[("hearth_cache_budget_bytes", "views")],
                 "prefetching stays within the view budget")
        finally:
            rc, _ = pre.stop()
            c.eq(rc, 0, "the prefetching server stops cleanly")
    finally:
        rc, _ = srv.stop()
        c.eq(rc, 0, "server stops cleanly")
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
