#!/usr/bin/env python3
"""HTTP tests of the sandwich (/api/profiles/ID/sandwich) and peek
(/api/profiles/ID/peek) views against Go 1.19's `go tool pprof`.

For several profiles, sample types and functions:
  - the sandwich's cum equals pprof's -top cum of the node, its flat the flat;
  - the callers tree's leaf paths, aggregated, equal pprof's -traces stacks
    holding the function, cut at its outermost (root-most) frame and
    reversed (the function first, then its callers up to the root);
  - the callees tree's leaf paths equal -traces -focus=^fn$ -show_from=^fn$;
  - in diff mode (base=) the same with -diff_base, and base_cum equals the
    base profile's -top cum;
  - the peek rows (flat, cum, callers and callees with edge weights, in
    order) equal `go tool pprof -peek=RE`;
  - bad regexes and missing parameters get a 400 JSON error; no match is an
    empty answer.

usage: sandwich_test.py --hearth build/hearth --gen DIR [-v]
Exit 77 when Go is missing.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
from harness import Checks, Server, check_json_error, skip  # noqa: E402


def go_re(name):
    """An anchored Go regex matching exactly name."""
    return "^" + re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", name) + "$"


class Pprof:
    def __init__(self, tmp):
        self.env = dict(os.environ)
        self.env.update({"TZ": "UTC", "PPROF_BINARY_PATH": os.path.join(tmp, "nonexistent"),
                         "PPROF_TMPDIR": tmp, "HOME": tmp, "LC_ALL": "C"})

    def run(self, args):
        p = subprocess.run(["go", "tool", "pprof", "-symbolize=none"] + args, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "surrogateescape")


def tree_paths(t):
    """{path below the synthetic root: summed self} (non-zero) of a flame JSON tree."""
    nd, strings = t["nodes"], t["strings"]
    paths = [()] * len(nd["name"])
    agg = collections.defaultdict(int)
    for i in range(len(nd["name"])):
        if i:
            paths[i] = paths[nd["parent"][i]] + (oracle.norm_name(strings[nd["name"][i]]),)
        agg[paths[i]] += nd["self"][i]
    return {k: v for k, v in agg.items() if v}


def tree_ok(t):
    nd = t["nodes"]
    kids = [0] * len(nd["name"])
    for i in range(1, len(nd["name"])):
        kids[nd["parent"][i]] += nd["total"][i]
    return all(nd["total"][i] == nd["self"][i] + kids[i] for i in range(len(kids)))


def cut_callers(traces, fn):
    out = collections.defaultdict(int)
    for path, v in traces.items():
        if fn in path:
            k = path.index(fn)
            out[tuple(reversed(path[:k + 1]))] += v
    return {k: v for k, v in out.items() if v}


def top_rows(text, suffix):
    rows = {}
    for r in oracle.parse_top(text)["rows"]:
        name = oracle.norm_name(r[0])
        rows[name] = (oracle.parse_value(r[2], suffix), oracle.parse_value(r[5], suffix))
    return rows


def parse_peek(text, suffix):
    """[(name, flat, cum, [(caller, w, inline)], [(callee, w, inline)])] from pprof -peek."""
    out = []
    cur = None
    before = []
    for line in text.split("\n"):
        if line.startswith("----------") or "|" not in line or line.lstrip().startswith("flat"):
            if line.startswith("----------"):
                cur = None
                before = []
            continue
        left, right = line.split("|", 1)
        toks = left.split()
        if len(toks) == 2:
            name = right[3:]
            inl = name.endswith(" (inline)")
            if inl:
                name = name[:-9]
            e = (oracle.norm_name(name), oracle.parse_value(toks[0], suffix), inl)
            (cur[4] if cur else before).append(e)
        elif len(toks) == 5:
            cur = (oracle.norm_name(right[1:]), oracle.parse_value(toks[0], suffix),
                   oracle.parse_value(toks[3], suffix), before, [])
            out.append(cur)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    if not shutil.which("go"):
        skip("go is not installed")
    c = Checks(a.v)
    tmp = tempfile.mkdtemp(prefix="hearth-sandwich-")
    pp = Pprof(tmp)
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

    def get(pid, view, params):
        r = srv.get("/api/profiles/%s/%s?%s" % (pid, view, urllib.parse.urlencode(params)))
        return r

    try:
        cases = [("cpu.pb.gz", 0), ("cpu.pb.gz", 1), ("edge-recursion.pb.gz", 0),
                 ("edge-inline.pb.gz", 0), ("allocs.pb.gz", 1), ("allocs.pb.gz", 3),
                 ("edge-samename.pb.gz", 0), ("edge-negative.pb.gz", 0)]
        nfn = 0
        for prof, si in cases:
            path = os.path.join(a.gen, prof)
            pid = upload(prof)
            meta = oracle.parse_proto_meta(path) if hasattr(oracle, "parse_proto_meta") else None
            rc, top = pp.run(["-top"] + oracle.TOP_FULL + ["-sample_index=%d" % si, path])
            if not c.ok(rc == 0, "pprof -top %s" % prof):
                continue
            # the sample type's unit, from hearth's own answer
            r = get(pid, "top", {"si": si})
            unit = r.json()["sample"]["unit"]
            uf, suf = oracle.unit_flag(unit), oracle.value_suffix(unit)
            rc, top = pp.run(["-top"] + oracle.TOP_FULL + uf + ["-sample_index=%d" % si, path])
            rows = top_rows(top, suf)
            rc, tr = pp.run(["-traces"] + uf + ["-sample_index=%d" % si, path])
            traces = oracle.parse_traces(tr, suf)
            names = [r[0] for r in oracle.parse_top(top)["rows"]]
            names = [oracle.split_inline(n)[0] for n in names]
            pick = []
            for n in names[:4] + names[len(names) // 2:len(names) // 2 + 2] + names[-2:]:
                if n not in pick and "\n" not in n:
                    pick.append(n)
            for fn in pick:
                what = "%s si=%d fn=%s" % (prof, si, fn)
                r = get(pid, "sandwich", {"si": si, "fn": fn, "mf": 0})
                if not c.eq(r.status, 200, what + ": status"):
                    print(r.body[:300])
                    continue
                j = r.json()
                nfn += 1
                c.eq(j["matched"], [fn], what + ": matched")
                want = rows.get(oracle.norm_name(fn))
                c.eq((j["flat"], j["cum"]), want, what + ": flat, cum = pprof -top")
                c.ok(tree_ok(j["callers"]) and tree_ok(j["callees"]), what + ": totals add up")
                c.eq(j["callers"]["nodes"]["total"][0], j["cum"], what + ": callers root = cum")
                c.eq(j["callees"]["nodes"]["total"][0], j["cum"], what + ": callees root = cum")
                c.eq(tree_paths(j["callers"]), cut_callers(traces, fn),
                     what + ": callers = -traces cut at the function, reversed")
                rc, ft = pp.run(["-traces"] + uf + ["-sample_index=%d" % si, "-focus=" + go_re(fn),
                                                   "-show_from=" + go_re(fn), path])
                want_down = {k: v for k, v in oracle.parse_traces(ft, suf).items() if v}
                c.eq(tree_paths(j["callees"]), want_down,
                     what + ": callees = -traces -focus -show_from")
                # peek of the same node
                rc, pk = pp.run(["-peek=" + go_re(fn)] + uf + ["-sample_index=%d" % si, path])
                want_pk = parse_peek(pk, suf)
                r = get(pid, "peek", {"si": si, "peek": go_re(fn)})
                if c.eq(r.status, 200, what + ": peek status"):
                    got = [(oracle.norm_name(n["name"]), n["flat"], n["cum"],
                            [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callers"]],
                            [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callees"]])
                           for n in r.json()["nodes"]]
                    c.eq(got, want_pk, what + ": peek = pprof -peek")
        c.ok(nfn >= 30, "enough functions compared", "%d" % nfn)
        print("functions compared with pprof (cum, callers, callees, peek): %d" % nfn)

        # other granularities: flat/cum = pprof -top, peek = pprof -peek
        for prof, gran in [("cpu.pb.gz", "lines"), ("cpu.pb.gz", "files"),
                           ("edge-inline.pb.gz", "filefunctions"), ("cpu.pb.gz", "addresses")]:
            path = os.path.join(a.gen, prof)
            pid = upload(prof)
            unit = get(pid, "top", {}).json()["sample"]["unit"]
            uf, suf = oracle.unit_flag(unit), oracle.value_suffix(unit)
            rc, top = pp.run(["-top", "-" + gran] + oracle.TOP_FULL + uf + [path])
            rows = top_rows(top, suf)
            names = [oracle.split_inline(r[0])[0] for r in oracle.parse_top(top)["rows"]]
            for fn in names[:3] + names[-2:]:
                what = "%s g=%s fn=%s" % (prof, gran, fn)
                r = get(pid, "sandwich", {"g": gran, "fn": fn, "mf": 0})
                if not c.eq(r.status, 200, what + ": status"):
                    continue
                j = r.json()
                c.eq(j["matched"], [fn], what + ": matched")
                c.eq((j["flat"], j["cum"]), rows.get(oracle.norm_name(fn)), what + ": = pprof -top")
                c.ok(tree_ok(j["callers"]) and tree_ok(j["callees"]), what + ": totals add up")
                rc, pk = pp.run(["-peek=" + go_re(fn), "-" + gran] + uf + [path])
                j = get(pid, "peek", {"g": gran, "peek": go_re(fn)}).json()
                got = [(oracle.norm_name(n["name"]), n["flat"], n["cum"],
                        [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callers"]],
                        [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callees"]])
                       for n in j["nodes"]]
                c.eq(got, parse_peek(pk, suf), what + ": peek = pprof -peek")

        # every filter applies as in the flame graph: cum = pprof -top with the same filters
        path = os.path.join(a.gen, "cpu.pb.gz")
        pid = upload("cpu.pb.gz")
        for params, flags in [({"f": "sort"}, ["-focus=sort"]), ({"i": "sha256"}, ["-ignore=sha256"]),
                              ({"h": "pdqsort"}, ["-hide=pdqsort"]),
                              ({"sf": "kindSort"}, ["-show_from=kindSort"])]:
            rc, top = pp.run(["-top"] + oracle.TOP_FULL + ["-unit=ns"] + flags + [path])
            rows = top_rows(top, "ns")
            for fn in list(rows)[:3]:
                q = dict(params, fn=fn, mf=0)
                j = get(pid, "sandwich", q).json()
                c.eq((j["flat"], j["cum"]), rows[fn], "filters %s fn=%s: = pprof -top" % (flags, fn))
                r = get(pid, "peek", dict(params, peek=go_re(fn)))
                rc, pk = pp.run(["-peek=" + go_re(fn), "-unit=ns"] + flags + [path])
                got = [(oracle.norm_name(n["name"]), n["flat"], n["cum"],
                        [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callers"]],
                        [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callees"]])
                       for n in r.json()["nodes"]]
                c.eq(got, parse_peek(pk, "ns"), "filters %s peek %s = pprof -peek" % (flags, fn))

        # peek with a regex matching several nodes: order and running sum
        for prof, rx in [("cpu.pb.gz", "sort"), ("allocs.pb.gz", "main"), ("cpu.pb.gz", ".")]:
            path = os.path.join(a.gen, prof)
            pid = upload(prof)
            unit = get(pid, "top", {}).json()["sample"]["unit"]
            uf, suf = oracle.unit_flag(unit), oracle.value_suffix(unit)
            rc, pk = pp.run(["-peek=" + rx] + uf + [path])
            want = parse_peek(pk, suf)
            j = get(pid, "peek", {"peek": rx}).json()
            got = [(oracle.norm_name(n["name"]), n["flat"], n["cum"],
                    [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callers"]],
                    [(oracle.norm_name(e["name"]), e["weight"], e["inline"]) for e in n["callees"]])
                   for n in j["nodes"]]
            c.ok(len(want) > 1, "%s peek=%s: several rows" % (prof, rx), str(len(want)))
            c.eq(got, want, "%s peek=%s = pprof -peek" % (prof, rx))
            s = 0
            sums = []
            for n in j["nodes"]:
                s += n["flat"]
                sums.append(n["sum"])
            c.eq(sums[-1] if sums else None, s, "%s peek=%s: running sum" % (prof, rx))

        # diff mode: both sides' values
        newp, basep = "edge-diff-new.pb.gz", "edge-diff-base.pb.gz"
        nid, bid = upload(newp), upload(basep)
        npath, bpath = os.path.join(a.gen, newp), os.path.join(a.gen, basep)
        unit = get(nid, "top", {}).json()["sample"]["unit"]
        uf, suf = oracle.unit_flag(unit), oracle.value_suffix(unit)
        rc, top = pp.run(["-top"] + oracle.TOP_FULL + uf + ["-diff_base=" + bpath, npath])
        rows = top_rows(top, suf)
        rc, btop = pp.run(["-top"] + oracle.TOP_FULL + uf + [bpath])
        brows = top_rows(btop, suf)
        rc, tr = pp.run(["-traces"] + uf + ["-diff_base=" + bpath, npath])
        traces = oracle.parse_traces(tr, suf)
        ndiff = 0
        for fn in [n for n in rows][:6]:
            what = "diff fn=%s" % fn
            r = get(nid, "sandwich", {"fn": fn, "base": bid, "mf": 0})
            if not c.eq(r.status, 200, what + ": status"):
                continue
            j = r.json()
            ndiff += 1
            c.eq(j["diff"], True, what + ": diff")
            c.eq((j["flat"], j["cum"]), rows[fn], what + ": flat, cum = pprof -top -diff_base")
            c.eq((j["base_flat"], j["base_cum"]), brows.get(fn, (0, 0)),
                 what + ": base flat, cum = the base's -top")
            c.ok("base_total" in j["callers"]["nodes"] and "base_total" in j["callees"]["nodes"],
                 what + ": both trees carry base values")
            c.eq(j["callees"]["nodes"]["base_total"][0], j["base_cum"], what + ": callees base root")
            c.eq(tree_paths(j["callers"]), cut_callers(traces, fn), what + ": callers = -traces")
        c.ok(ndiff >= 3, "diff functions compared", str(ndiff))
        print("diff functions compared with pprof -diff_base: %d" % ndiff)

        # filters and granularity apply: a focus that excludes fn gives an empty answer
        pid = upload("cpu.pb.gz")
        r = get(pid, "sandwich", {"fn": "no-such-function-anywhere"})
        c.eq(r.status, 200, "no match: 200")
        j = r.json()
        c.eq((j["matched"], j["cum"], len(j["callers"]["nodes"]["name"])), ([], 0, 1),
             "no match: empty answer")
        r = get(pid, "sandwich", {"fn": r"sort.*\.go$", "g": "files"})
        c.eq(r.status, 200, "regex at files granularity")
        c.ok(r.status == 200 and len(r.json()["matched"]) >= 2
             and all(m.endswith(".go") for m in r.json()["matched"]),
             "files granularity: file names matched", r.body[:200])
        for q, what in [({"fn": "a(("}, "bad regex"), ({}, "missing fn"), ({"fn": ""}, "empty fn")]:
            check_json_error(c, get(pid, "sandwich", q), "sandwich " + what, {400})
        for q, what in [({"peek": "a(("}, "bad regex"), ({}, "missing peek")]:
            check_json_error(c, get(pid, "peek", q), "peek " + what, {400})
        r = get(pid, "peek", {"peek": "^no-such$"})
        c.ok(r.status == 200 and r.json()["nodes"] == [], "peek no match: empty nodes", r.body[:200])
        # flame's parameters other than fn are shared: fn is ignored by the flame graph
        r1 = get(pid, "flamegraph", {"fn": "x"})
        r2 = get(pid, "flamegraph", {})
        c.eq(r1.body, r2.body, "fn= does not change the flame graph")
    finally:
        srv.stop()
        srv.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
