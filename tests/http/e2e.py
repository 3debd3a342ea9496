#!/usr/bin/env python3
"""End-to-end test of `hearth serve` over real HTTP.

    e2e.py --hearth BIN --gen DIR [--corpus DIR] [-v]

Starts the server on a free port with a temporary data directory, uploads
every generated profile (raw and multipart) and checks the API against the
CLI (`hearth top --json`, `flame`, `graph`, whose numbers the oracle test
proves equal to `go tool pprof`): upload fields, top rows for every sample
index, flame graph and call graph, diffs (base=), list pagination, raw
download, ETag/304, gzip negotiation, HEAD without body, concurrent cold
views and uploads, delete tokens, security headers, CORS and cross-origin
refusal; then restarts the server (SIGTERM, exit 0 within
5 s) on the same data directory and checks that nothing changed.
Prints `N passed, M failed` last; exits 77 (SKIP) without prerequisites.
"""
import argparse
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Checks, Resp, Server, blob_exists, check_json_error,  # noqa: E402
                     check_security_headers, multipart, short, skip)

EVIL = "https://evil.example"
BIG = 4 << 20  # files above this get fewer CLI comparisons (time)
FLAME_DEFAULT_MF = "0.0002"  # the API's default flame trim (README: mf, default 0.0002)

# API query parameter -> CLI flag
CLI_FLAG = {"si": "-sample_index", "g": "-granularity", "f": "-focus", "i": "-ignore",
            "h": "-hide", "s": "-show", "sf": "-show_from", "tf": "-tagfocus",
            "ti": "-tagignore", "n": "-nodecount", "nf": "-nodefraction",
            "ef": "-edgefraction", "mf": "-min_fraction", "unit": "-unit"}
CLI_BOOL = {"noinlines": "-noinlines", "cum": "-cum", "norm": "-normalize"}

# (file, base file) pairs for diffs; missing files are skipped
DIFF_PAIRS = [("edge-diff-new.pb.gz", "edge-diff-base.pb.gz"),
              ("edge-diff-new.pb.gz", "edge-diff-base-us.pb.gz"),
              ("edge-diff-base.pb.gz", "edge-diff-new.pb.gz"),
              ("heap-series.1.pb.gz", "heap-series.0.pb.gz"),
              ("heap-series.3.pb.gz", "heap-series.2.pb.gz"),
              ("cpu-labels.pb.gz", "cpu.pb.gz"),
              ("corpus/heap.1.pb.gz", "corpus/heap.0.pb.gz"),
              ("corpus/heap.3.pb.gz", "corpus/heap.2.pb.gz"),
              ("edge-negative.pb.gz", "edge-cutoff.pb.gz")]

# extra option sets checked against the CLI: file -> list of query dicts
OPTION_CASES = {
    "edge-filters.pb.gz": [{"f": "handler"}, {"i": "json"}, {"h": "runtime"}, {"s": "app"},
                           {"sf": "handler"}, {"g": "files"}, {"g": "lines"},
                           {"g": "filefunctions"}, {"g": "addresses"},
                           {"tf": "thread=t1"}, {"tf": "thread=t2,t3"}, {"ti": "method=GET"}, {"f": "a(b|c)"}],
    "edge-inline.pb.gz": [{"noinlines": "1"}, {"g": "lines"}],
    "inline-heavy.pb.gz": [{"noinlines": "true"}],
    "edge-many-leaves.pb.gz": [{"n": "10"}, {"nf": "0.05"}, {"cum": "1"}],
    "edge-cutoff.pb.gz": [{"nf": "0.01"}, {"ef": "0.01"}, {"unit": "ms"}],
    "edge-labels.pb.gz": [{"tf": "1kb:"}, {"tf": "key=v1"}],
    "medium-heap.pb.gz": [{"si": "alloc_space"}, {"unit": "MB"}, {"mf": "0.01"}],
    "edge-recursion.pb.gz": [{"unit": "auto"}, {"mf": "0.1"}],
}


TIME_NS = {"nanoseconds": 1, "microseconds": 1000, "milliseconds": 1000000, "seconds": 1000000000}


class CLI:
    def __init__(self, hearth):
        self.hearth = hearth
        self.cache = {}

    def run(self, *args):
        """(exit status, stdout bytes, stderr text), cached."""
        if args not in self.cache:
            p = subprocess.run([self.hearth] + list(args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=600)
            self.cache[args] = (p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"))
        return self.cache[args]


def qs(params):
    from urllib.parse import urlencode
    return ("?" + urlencode(params)) if params else ""


def cli_args(view, params, path, base_path=None):
    """CLI arguments for the API view with these query params."""
    if view == "top":
        args = ["top", "--json"]
        if "n" not in params and "nf" not in params:
            args += ["-nodefraction=0", "-nodecount=0"]
    elif view == "flamegraph":
        args = ["flame"]
        if "mf" not in params:  # the API trims flame graphs by default
            args.append("-min_fraction=%s" % FLAME_DEFAULT_MF)
    elif view == "callgraph":
        args = ["graph"]
    else:
        args = ["graph", "-dot"]
    for k, v in params.items():
        if k in CLI_FLAG:
            args.append("%s=%s" % (CLI_FLAG[k], v))
        elif k in CLI_BOOL:
            args.append(CLI_BOOL[k])
    if base_path:
        args.append("-diff_base=" + base_path)
    args.append(path)
    return tuple(args)


def top_key(j):
    return {"sample": j.get("sample"), "total": j.get("total"),
            "rows": [(r.get("name"), r.get("flat"), r.get("cum")) for r in j.get("rows", [])]}


def inline_labels(j):
    return [(r.get("name"), r.get("inline")) for r in j.get("rows", [])]


def flame_sane(j):
    """'' if the flame graph's arrays are consistent, else a reason."""
    n = j.get("nodes")
    if not isinstance(n, dict):
        return "no nodes object"
    keys = ("name", "parent", "self", "total")
    if any(not isinstance(n.get(k), list) for k in keys):
        return "missing arrays"
    ln = len(n["name"])
    if any(len(n[k]) != ln for k in keys):
        return "arrays of different lengths"
    if ln == 0:
        return "no root"
    if n["parent"][0] != -1:
        return "root parent is not -1"
    nstr = len(j.get("strings", []))
    child_sum = [0] * ln
    for i in range(1, ln):
        p = n["parent"][i]
        if not (0 <= p < i):
            return "node %d: parent %d not before it (pre-order)" % (i, p)
        child_sum[p] += n["total"][i]
    for i in range(ln):
        if not (0 <= n["name"][i] < nstr):
            return "node %d: name index %d outside strings" % (i, n["name"][i])
        if n["total"][i] != n["self"][i] + child_sum[i]:
            return "node %d: total %d != self %d + children %d" % (
                i, n["total"][i], n["self"][i], child_sum[i])
    return ""


def graph_sane(j):
    nodes, edges = j.get("nodes"), j.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        return "nodes/edges not lists"
    ids = set()
    for nd in nodes:
        if not all(k in nd for k in ("id", "name", "flat", "cum")):
            return "node without id/name/flat/cum: %s" % short(nd)
        ids.add(nd["id"])
    for e in edges:
        if e.get("src") not in ids or e.get("dst") not in ids:
            return "edge to an unknown node: %s" % short(e)
    return ""


class E2E:
    def __init__(self, opts):
        self.o = opts
        self.c = Checks(opts.verbose)
        self.cli = CLI(opts.hearth)
        self.profiles = []  # dicts: path, name, bytes, id, token, up (upload JSON)
        self.by_file = {}
        self.crashes = []
        self.inline_views = 0
        self.inline_bad = []
        self.q0_bad = []

    # ---- helpers ----
    def req(self, method, path, body=None, headers=None, **kw):
        """A request; if the server dies on it, count a failure, restart it and
        answer a pseudo-response with status 599."""
        try:
            return self.srv.req(method, path, body, headers, **kw)
        except OSError as e:
            time.sleep(0.2)
            if self.srv.alive():
                self.c.ok(False, "%s %s: transport error" % (method, path[:200]), repr(e))
                return Resp(598, "transport error", {}, b"")
            rc = self.srv.proc.returncode
            self.crashes.append("%s %s -> exit status %s" % (method, path[:200], rc))
            self.c.ok(False, "server crashed on %s %s" % (method, path[:200]),
                      "exit status %s (negative = killed by that signal); log: %s"
                      % (rc, self.srv.log()[-300:]))
            self.srv.close_log()
            self.srv = Server(self.o.hearth, self.data).start()
            return Resp(599, "server crashed", {}, b"")

    def get(self, path, headers=None, **kw):
        return self.req("GET", path, None, headers, **kw)

    def get_json(self, path, what, headers=None):
        r = self.get(path, headers)
        if not self.c.ok(r.status == 200, what + ": 200", "%d %s" % (r.status, short(r.body[:300]))):
            return r, None
        try:
            return r, r.json()
        except ValueError as e:
            self.c.ok(False, what + ": valid JSON", str(e))
            return r, None

    def upload(self, data, name=None, mode="raw", headers=None):
        h = dict(headers or {})
        path = "/api/profiles"
        if name is not None:
            path += qs({"name": name})
        if mode == "multipart":
            body, ct = multipart(os.path.basename(name or "x.pb.gz") if name else "upload.pb.gz",
                                 data)
            h.setdefault("Content-Type", ct)
        elif mode == "raw":
            body = data
            h.setdefault("Content-Type", "application/octet-stream")
        else:  # "gzip" or "none"
            body = data
            if mode == "gzip":
                h.setdefault("Content-Type", "application/gzip")
        return self.req("POST", path, body, h)

    # ---- phases ----
    def files(self):
        gen = sorted(glob.glob(os.path.join(self.o.gen, "*.pb.gz")) +
                     glob.glob(os.path.join(self.o.gen, "*.txt")))
        gen = [f for f in gen if os.path.basename(f) != "MANIFEST.txt"]
        corpus = []
        if self.o.corpus and os.path.isdir(self.o.corpus):
            corpus = sorted(glob.glob(os.path.join(self.o.corpus, "*.pb.gz")) +
                            glob.glob(os.path.join(self.o.corpus, "*.pb")))
        else:
            print("note: shared corpus %s absent; generated profiles only" % self.o.corpus)
        return gen, corpus

    def phase_upload(self, files):
        c = self.c
        t_start = int(time.time() * 1000) - 5000
        for k, path in enumerate(files):
            data = open(path, "rb").read()
            base = os.path.basename(path)
            rc, out, err = self.cli.run("top", "--json", "-nodefraction=0", "-nodecount=0", path)
            mode = ["raw", "raw", "multipart"][k % 3]
            if k == 1:
                mode = "gzip"
            if k == 4:
                mode = "none"
            # multipart without ?name= takes the file name; raw gets ?name=
            name = base if mode != "multipart" or k % 2 else None
            if mode == "multipart" and name is None:
                body, ct = multipart(base, data)
                r = self.req("POST", "/api/profiles", body, {"Content-Type": ct})
            else:
                r = self.upload(data, name=base, mode=mode)
            what = "upload %s (%s)" % (base, mode)
            if rc != 0:
                # the CLI refuses it: the server must too, with a JSON error
                want = {400, 413, 415, 422}
                check_json_error(c, r, what + " refused like the CLI (%s)" % err.strip()[:80],
                                 want)
                continue
            if not c.ok(r.status == 201, what + ": 201", "%d %s" % (r.status, short(r.body[:400]))):
                continue
            up = r.json()
            if k == 0:
                check_security_headers(c, r, "upload response")
            c.ok((r.h("content-type") or "").startswith("application/json"),
                 what + ": JSON content type")
            ok = c.ok(isinstance(up.get("id"), str) and re.fullmatch(r"[A-Za-z0-9_-]{16,64}",
                                                                      up["id"]),
                      what + ": id", short(up.get("id")))
            c.ok(isinstance(up.get("delete_token"), str) and len(up["delete_token"]) >= 20,
                 what + ": delete_token")
            c.eq(up.get("name"), base, what + ": name")
            c.eq(up.get("size"), len(data), what + ": size")
            c.ok(isinstance(up.get("created"), int) and
                 t_start <= up["created"] <= int(time.time() * 1000) + 5000,
                 what + ": created (ms since epoch, now)", short(up.get("created")))
            if ok:
                c.eq(up.get("url"), "/p/" + up["id"], what + ": url")
            c.eq(up.get("source_url"), "", what + ": source_url")
            st = up.get("sample_types")
            c.ok(isinstance(st, list) and st and
                 all(isinstance(x, dict) and set(x) >= {"type", "unit"} for x in st),
                 what + ": sample_types", short(st))
            if not ok or not isinstance(st, list):
                continue
            cli_top = json.loads(out)
            c.eq(up.get("default_sample_type"), cli_top["sample"]["type"],
                 what + ": default_sample_type equals the CLI's default")
            # the sample types, one by one, as the CLI sees them; one past the end fails
            for i, t in enumerate(st):
                rc2, out2, _ = self.cli.run("top", "--json", "-nodefraction=0", "-nodecount=0",
                                            "-sample_index=%d" % i, path)
                if c.ok(rc2 == 0, what + ": CLI -sample_index=%d" % i):
                    c.eq(json.loads(out2)["sample"], {"type": t["type"], "unit": t["unit"]},
                         what + ": sample_types[%d]" % i)
            rc3, _, _ = self.cli.run("top", "--json", "-sample_index=%d" % len(st), path)
            c.ok(rc3 != 0, what + ": sample_types has every type (CLI refuses index %d)" % len(st))
            disp = ("corpus/" + base) if path in self.corpus_files else base
            prof = {"path": path, "name": disp, "bytes": data, "id": up["id"],
                    "token": up["delete_token"], "up": up, "ntypes": len(st),
                    "created": up.get("created")}
            self.profiles.append(prof)
            self.by_file.setdefault(disp, prof)
            # metadata equals the upload answer minus the token, plus its series (none yet)
            r2, meta = self.get_json("/api/profiles/" + up["id"], what + ": GET metadata")
            if meta is not None:
                c.eq(meta.pop("series", None), [], what + ": metadata: in no series")
                want = dict(up)
                want.pop("delete_token", None)
                c.eq(meta, want, what + ": metadata equals the upload answer (no token)")
                c.ok("delete_token" not in meta, what + ": metadata hides the delete token")

    def compare_view(self, prof, view, params, base=None, label=""):
        c = self.c
        p = dict(params)
        if base is not None:
            p["base"] = base["id"]
        url = "/api/profiles/%s/%s%s" % (prof["id"], view, qs(p))
        what = "%s %s %s%s" % (prof["name"], view, short(params, 80),
                               (" base=" + base["name"]) if base else "") + label
        args = cli_args(view, params, prof["path"], base["path"] if base else None)
        rc, out, err = self.cli.run(*args)
        r = self.get(url)
        if rc != 0:
            check_json_error(c, r, what + " refused like the CLI (%s)" % err.strip()[:100],
                             {400, 404, 413, 422})
            return None
        if not c.ok(r.status == 200, what + ": 200", "%d %s" % (r.status, short(r.body[:300]))):
            return None
        c.ok(r.h("content-encoding") is None, what + ": no Content-Encoding unasked")
        if view == "callgraph.dot":
            c.ok((r.h("content-type") or "").startswith("text/vnd.graphviz"),
                 what + ": DOT content type", r.h("content-type"))
            c.ok(r.body.lstrip().startswith(b"digraph"), what + ": DOT starts with digraph")
            c.ok(r.body == out, what + ": DOT equals the CLI's",
                 "%d vs %d bytes" % (len(r.body), len(out)))
            return r
        try:
            j = r.json()
        except ValueError as e:
            c.ok(False, what + ": valid JSON", str(e))
            return None
        want = json.loads(out)
        if view == "top":
            got_k, want_k = top_key(j), top_key(want)
            if got_k != want_k:
                detail = "sample %s/%s total %s/%s rows %d/%d" % (
                    got_k["sample"], want_k["sample"], got_k["total"], want_k["total"],
                    len(got_k["rows"]), len(want_k["rows"]))
                for a, b in zip(got_k["rows"], want_k["rows"]):
                    if a != b:
                        detail += "; first difference %s vs %s" % (a, b)
                        break
                c.ok(False, what + ": rows equal the CLI's (name, flat, cum, order)", detail)
            else:
                c.ok(True, what + ": rows equal the CLI's (name, flat, cum, order)")
                gi, wi = inline_labels(j), inline_labels(want)
                diff = [(a, b[1]) for a, b in zip(gi, wi) if a != b]
                self.inline_views += 1
                if diff:
                    self.inline_bad.append("%s: %d rows, e.g. %s: server %r, CLI %r" % (
                        what, len(diff), diff[0][0][0], diff[0][0][1], diff[0][1]))
        elif view == "flamegraph":
            c.eq(flame_sane(j), "", what + ": flame graph sane (totals = self + children)")
            c.ok(j == want, what + ": flame graph equals the CLI's")
        elif view == "callgraph":
            c.eq(graph_sane(j), "", what + ": call graph has consistent nodes/edges")
            c.ok(j == want, what + ": call graph equals the CLI's")
        return r

    def phase_views(self):
        for prof in self.profiles:
            big = len(prof["bytes"]) > BIG
            self.compare_view(prof, "top", {})
            for i in range(prof["ntypes"]):
                if big and i > 0 and i != prof["ntypes"] - 1:
                    continue
                self.compare_view(prof, "top", {"si": str(i)})
            self.compare_view(prof, "flamegraph", {})
            self.compare_view(prof, "callgraph", {})
            if not big:
                self.compare_view(prof, "flamegraph", {"mf": "0"})
                self.compare_view(prof, "callgraph.dot", {})
                if prof["ntypes"] > 1:
                    self.compare_view(prof, "flamegraph", {"si": "0"})
                    self.compare_view(prof, "callgraph", {"si": "0"})
        self.c.ok(not self.inline_bad, "top views: '(inline)' labels equal the CLI's in all %d"
                  % self.inline_views, "%d views differ:\n    %s" % (
                      len(self.inline_bad), "\n    ".join(self.inline_bad[:8])))
        for name, cases in OPTION_CASES.items():
            prof = self.by_file.get(name)
            if not prof:
                continue
            for params in cases:
                for view in ("top", "flamegraph", "callgraph"):
                    self.compare_view(prof, view, params)

    def phase_diff(self):
        for a, b in DIFF_PAIRS:
            pa, pb = self.by_file.get(a), self.by_file.get(b)
            if not pa or not pb:
                continue
            self.compare_view(pa, "top", {}, base=pb)
            for i in range(pa["ntypes"]):
                self.compare_view(pa, "top", {"si": str(i)}, base=pb)
            self.compare_view(pa, "flamegraph", {}, base=pb)
            self.compare_view(pa, "callgraph", {}, base=pb)
            for extra in ("", "&norm=1", "&g=files", "&si=0"):
                self.check_base_cols(pa, pb, extra)
        # a base id that does not exist
        p = self.profiles[0]
        r = self.get("/api/profiles/%s/top?base=AAAAAAAAAAAAAAAAAAAAAAAAAAA" % p["id"])
        check_json_error(self.c, r, "top with a missing base id", {404, 400})
        # norm without base
        r = self.get("/api/profiles/%s/top?norm=1" % p["id"])
        check_json_error(self.c, r, "norm without base", {400})

    def check_base_cols(self, pa, pb, extra):
        """top?base=B: each row's base_flat/base_cum equal B's own top row of that name."""
        c = self.c
        what = "top %s base %s%s" % (pa["name"], pb["name"], extra)
        url = "/api/profiles/%s/top?base=%s&nf=0%s" % (pa["id"], pb["id"], extra)
        if self.get(url).status == 422:
            return  # -normalize refuses this pair's sample types (checked elsewhere)
        _, d = self.get_json(url, what)
        if d is None:
            return
        _, b = self.get_json("/api/profiles/%s/top?nf=0%s" % (pb["id"], extra.replace("&norm=1", "")),
                             what + ": the base alone")
        if b is None:
            return
        rows = d.get("rows", [])
        names = [r["name"] for r in rows] + [r["name"] for r in b.get("rows", [])]
        # the diff is in the finest unit of the two (pprof's CommonValueType): the base's
        # own values scaled to it (B in microseconds, the diff in nanoseconds: x 1000)
        scale = TIME_NS.get(b.get("sample", {}).get("unit"), 1) // TIME_NS.get(
            d.get("sample", {}).get("unit"), 1) or 1
        own = {r["name"]: (r["flat"] * scale, r["cum"] * scale) for r in b.get("rows", [])}
        bad = [(r["name"], (r.get("base_flat"), r.get("base_cum")), own.get(r["name"], (0, 0)))
               for r in rows if names.count(r["name"]) <= 2
               and (r.get("base_flat"), r.get("base_cum")) != own.get(r["name"], (0, 0))]
        c.ok(rows and all("base_flat" in r and "base_cum" in r for r in rows),
             what + ": rows carry base_flat and base_cum")
        c.ok(not bad, what + ": base_flat/base_cum equal the base's own rows (%d rows)" % len(rows),
             "%d differ, e.g. %s" % (len(bad), bad[:2]))

    def phase_list(self):
        c = self.c
        walked, cursor, pages = [], None, 0
        while True:
            url = "/api/profiles?limit=2" + ("&cursor=" + cursor if cursor else "")
            r, j = self.get_json(url, "list page %d" % pages)
            if j is None:
                return
            pages += 1
            c.ok(isinstance(j.get("profiles"), list) and len(j["profiles"]) <= 2,
                 "list page %d: at most 2 profiles" % pages)
            walked += j["profiles"]
            cursor = j.get("next")
            if cursor is None:
                break
            if not c.ok(isinstance(cursor, str) and cursor, "list next is a string cursor"):
                break
            if pages > len(self.profiles) + 5:
                c.ok(False, "list pagination terminates")
                break
        ids = [p["id"] for p in walked]
        c.eq(len(ids), len(set(ids)), "list pagination: no profile twice")
        c.eq(sorted(ids), sorted(p["id"] for p in self.profiles),
             "list pagination walks every profile")
        c.ok(pages >= (len(self.profiles) + 1) // 2, "list pages of 2: %d pages" % pages)
        # newest first: (created, id) descending; and that is reverse upload order
        keys = [(p.get("created"), p.get("id")) for p in walked]
        c.ok(keys == sorted(keys, reverse=True), "list is newest first ((created, id) desc)")
        up_created = [p["created"] for p in self.profiles]
        c.ok(up_created == sorted(up_created), "created grows with upload order")
        want = [p["id"] for p in sorted(self.profiles, key=lambda p: (p["created"], p["id"]),
                                         reverse=True)]
        c.eq(ids, want, "list order is reverse upload order")
        # one big page equals the walk
        r, j = self.get_json("/api/profiles?limit=1000", "list limit=1000")
        if j is not None:
            c.eq(j.get("profiles"), walked, "list limit=1000 equals the paginated walk")
            c.eq(j.get("next"), None, "list limit=1000: next is null")
        # list entries describe the profiles
        byid = {p["id"]: p for p in self.profiles}
        bad = [w["id"] for w in walked if w["id"] in byid and
               (w.get("name") != byid[w["id"]]["up"]["name"] or
                w.get("size") != len(byid[w["id"]]["bytes"]))]
        c.eq(bad, [], "list entries have the uploaded name and size")
        r, j = self.get_json("/healthz", "healthz")
        if j is not None:
            c.eq(j.get("profiles"), len(self.profiles), "healthz counts the profiles")

    def phase_raw_etag_gzip(self):
        c = self.c
        for prof in self.profiles:
            r = self.get("/api/profiles/%s/raw" % prof["id"])
            what = prof["name"] + " raw"
            if not c.ok(r.status == 200, what + ": 200", str(r.status)):
                continue
            c.ok(r.body == prof["bytes"], what + ": byte-identical",
                 "%d vs %d bytes" % (len(r.body), len(prof["bytes"])))
            c.eq(r.h("content-type"), "application/octet-stream", what + ": content type")
            c.ok("attachment" in (r.h("content-disposition") or ""), what + ": attachment")
            et = r.h("etag")
            if c.ok(et and not et.startswith("W/"), what + ": strong ETag", short(et)):
                r2 = self.get("/api/profiles/%s/raw" % prof["id"], {"If-None-Match": et})
                c.eq(r2.status, 304, what + ": If-None-Match -> 304")
                c.eq(r2.body, b"", what + ": 304 has no body")
            r3 = self.get("/api/profiles/%s/raw" % prof["id"], {"Accept-Encoding": "gzip"})
            c.ok(r3.status == 200 and r3.body == prof["bytes"] and
                 r3.h("content-encoding") is None,
                 what + ": Accept-Encoding gzip changes nothing (bytes as stored)",
                 "%d enc=%s" % (r3.status, r3.h("content-encoding")))
        # views: ETag, 304, gzip
        sample = [p for p in self.profiles if len(p["bytes"]) < BIG][:12]
        if "medium-heap.pb.gz" in self.by_file:
            sample.append(self.by_file["medium-heap.pb.gz"])
        for prof in sample:
            for view in ("top", "flamegraph", "callgraph", "callgraph.dot"):
                url = "/api/profiles/%s/%s" % (prof["id"], view)
                what = "%s %s" % (prof["name"], view)
                r = self.get(url)
                if not c.ok(r.status == 200, what + ": 200", str(r.status)):
                    continue
                et = r.h("etag")
                if not c.ok(et and re.fullmatch(r'"[^"]+"', et), what + ": strong ETag",
                            short(et)):
                    continue
                r2 = self.get(url, {"If-None-Match": et})
                c.eq(r2.status, 304, what + ": If-None-Match -> 304")
                c.eq(r2.body, b"", what + ": 304 without body")
                c.eq(r2.h("etag"), et, what + ": 304 repeats the ETag")
                r3 = self.get(url, {"If-None-Match": '"not-this-one"'})
                c.ok(r3.status == 200 and r3.body == r.body, what + ": other ETag -> 200 same body")
                r4 = self.get(url + "?si=0")
                if r4.status == 200 and prof["ntypes"] > 1:
                    c.ok(r4.h("etag") != et, what + ": another query has another ETag")
                # HEAD
                rh = self.req("HEAD", url)
                c.ok(rh.status == 200 and rh.h("content-length") == str(len(r.body)) and
                     rh.h("etag") == et, what + ": HEAD has the GET's length and ETag",
                     "%d %s" % (rh.status, rh.headers))
                # gzip negotiation
                c.ok(r.h("content-encoding") is None, what + ": identity when not asked")
                c.ok("accept-encoding" in (r.h("vary") or "").lower(),
                     what + ": Vary: Accept-Encoding")
                g = self.get(url, {"Accept-Encoding": "gzip, deflate"})
                if c.eq(g.h("content-encoding"), "gzip", what + ": gzip when asked"):
                    try:
                        c.ok(gzip.decompress(g.body) == r.body,
                             what + ": gzip body decompresses to the same bytes")
                    except OSError as e:
                        c.ok(False, what + ": gzip body decompresses", str(e))
                    c.eq(g.h("content-length"), str(len(g.body)),
                         what + ": gzip Content-Length is the compressed size")
                for ae in ("identity", "br", "gzip;q=0"):
                    x = self.get(url, {"Accept-Encoding": ae})
                    good = x.h("content-encoding") is None and x.body == r.body
                    if ae == "gzip;q=0":  # one check for all views, below
                        if not good:
                            self.q0_bad.append(url)
                        continue
                    c.ok(good, what + ": Accept-Encoding %r -> identity" % ae,
                         "Content-Encoding %s" % x.h("content-encoding"))
        c.ok(not self.q0_bad, "Accept-Encoding 'gzip;q=0' (gzip refused) -> identity",
             "%d views answered Content-Encoding: gzip, e.g. %s" % (
                 len(self.q0_bad), self.q0_bad[:1]))
        # static assets are negotiated too
        r = self.get("/")
        g = self.get("/", {"Accept-Encoding": "gzip"})
        c.ok(r.h("content-encoding") is None, "index.html: identity when not asked")
        if g.h("content-encoding") == "gzip":
            c.ok(gzip.decompress(g.body) == r.body, "index.html: gzip decompresses to the page")
        et = r.h("etag")
        if et:
            c.eq(self.get("/", {"If-None-Match": et}).status, 304, "index.html: 304")

    def phase_headers_cors(self):
        c = self.c
        p = self.profiles[0]
        cases = [("healthz", "GET", "/healthz"),
                 ("metadata", "GET", "/api/profiles/" + p["id"]),
                 ("top view", "GET", "/api/profiles/%s/top" % p["id"]),
                 ("raw", "GET", "/api/profiles/%s/raw" % p["id"]),
                 ("list", "GET", "/api/profiles"),
                 ("UI /", "GET", "/"),
                 ("UI /p/<id>", "GET", "/p/" + p["id"]),
                 ("static css", "GET", "/css/app.css"),
                 ("static js", "GET", "/js/main.js"),
                 ("404 unknown API route", "GET", "/api/nope"),
                 ("404 unknown profile", "GET", "/api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                 ("404 unknown static", "GET", "/nope.js"),
                 ("400 bad method", "PUT", "/api/profiles")]
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # as a browser asks
        for what, m, path in cases:
            r = self.req(m, path, headers=html if what.startswith("UI") else None)
            check_security_headers(c, r, what)
            if what.startswith("UI"):
                c.ok(r.status == 200 and (r.h("content-type") or "").startswith("text/html"),
                     what + ": 200 HTML", "%d %s" % (r.status, r.h("content-type")))
            if what.startswith("404"):
                check_json_error(c, r, what, {404})
            elif what.startswith("400"):
                check_json_error(c, r, what, {400, 405})
        c.eq(self.get("/").body, self.get("/p/" + p["id"], html).body,
             "/p/<id> serves the UI page to a browser")
        r = self.get("/api/profiles/%s/top" % p["id"])
        r2 = self.get("/api/profiles/%s/top" % p["id"], {"If-None-Match": r.h("etag") or ""})
        check_security_headers(c, r2, "304 response")
        # CORS: a preflight from elsewhere gets no allowance
        for path in ("/api/profiles", "/api/profiles/%s" % p["id"], "/api/fetch"):
            r = self.req("OPTIONS", path, None,
                             {"Origin": EVIL, "Access-Control-Request-Method": "POST",
                              "Access-Control-Request-Headers": "content-type"})
            c.ok(r.h("access-control-allow-origin") is None and
                 r.h("access-control-allow-methods") is None,
                 "OPTIONS %s from evil origin: no CORS allowance" % path, short(r.headers))
            c.ok(r.status >= 400 or r.status == 204, "OPTIONS %s: not a 200 with content" % path,
                 str(r.status))
        r = self.get("/api/profiles/%s/top" % p["id"], {"Origin": EVIL})
        c.ok(r.h("access-control-allow-origin") is None, "GET with evil Origin: no ACAO")
        # cross-origin writes are refused and store nothing
        before = self.count()
        data = p["bytes"]
        for hdrs, what in (({"Origin": EVIL}, "Origin evil"),
                           ({"Origin": "null"}, "Origin null"),
                           ({"Origin": "http://127.0.0.1:1"}, "Origin other port"),
                           ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site cross-site"),
                           ({"Origin": EVIL, "Sec-Fetch-Site": "same-origin"},
                            "evil Origin with same-origin fetch site")):
            r = self.upload(data, name="evil", headers=hdrs)
            check_json_error(c, r, "cross-origin POST (%s)" % what, {403})
            check_security_headers(c, r, "403 response")
            body, ct = multipart("evil.pb.gz", data)
            r = self.req("POST", "/api/profiles", body, dict(hdrs, **{"Content-Type": ct}))
            check_json_error(c, r, "cross-origin multipart POST (%s)" % what, {403})
        r = self.req("POST", "/api/fetch", b'{"url":"http://127.0.0.1:1/x"}',
                         {"Origin": EVIL, "Content-Type": "application/json"})
        check_json_error(c, r, "cross-origin POST /api/fetch", {403})
        c.eq(self.count(), before, "cross-origin POSTs stored nothing")
        # the same origin is welcome
        r = self.upload(data, name="same-origin", headers={
            "Origin": "http://127.0.0.1:%d" % self.srv.port, "Sec-Fetch-Site": "same-origin"})
        if c.eq(r.status, 201, "same-origin POST (Origin = Host) is accepted"):
            j = r.json()
            r = self.req("DELETE", "/api/profiles/" + j["id"], None,
                             {"Authorization": "Bearer " + j["delete_token"],
                              "Origin": "http://127.0.0.1:%d" % self.srv.port})
            c.eq(r.status, 204, "same-origin DELETE is accepted")

    def phase_head(self):
        """HEAD answers have headers only (RFC 9110); a body after them would be
        read as the next response on a keep-alive connection."""
        import socket
        c = self.c
        p = self.profiles[0]
        bad = []
        for path in ("/healthz", "/api/profiles", "/api/profiles/" + p["id"],
                     "/api/profiles/%s/raw" % p["id"], "/api/profiles/%s/top" % p["id"],
                     "/api/profiles/%s/flamegraph" % p["id"], "/", "/css/app.css", "/api/nope",
                     "/api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA"):
            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
            data = b""
            try:
                s.sendall(b"HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                          % path.encode())
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    data += b
            except OSError:
                pass
            finally:
                s.close()
            head, _, body = data.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 "):
                bad.append("%s: no answer" % path)
            elif body:
                bad.append("%s: %s + %d body bytes" % (path, head.split(b"\r\n")[0].decode(),
                                                       len(body)))
        c.ok(not bad, "HEAD answers carry no body", "%d of 10: %s" % (len(bad), "; ".join(bad)))

    def phase_concurrent(self):
        """Cold views of several profiles requested by 16 threads at once answer
        what they answer one at a time; concurrent uploads get 201 or 503."""
        from concurrent.futures import ThreadPoolExecutor
        c = self.c
        profs = [p for p in self.profiles if len(p["bytes"]) < BIG][:10]
        urls = []
        for p in profs:
            for v in ("top", "flamegraph", "callgraph"):
                for q in ("?g=files&nf=0.001", "?si=0&mf=0.001", "?g=lines&n=20"):
                    urls.append("/api/profiles/%s/%s%s" % (p["id"], v, q))
        urls = urls * 2

        def fetch(u):
            try:
                r = self.srv.get(u, {"Accept-Encoding": "gzip"} if hash(u) % 2 else None)
                body = gzip.decompress(r.body) if r.h("content-encoding") == "gzip" else r.body
                return u, r.status, body
            except OSError as e:
                return u, -1, repr(e).encode()
        with ThreadPoolExecutor(16) as ex:
            got = list(ex.map(fetch, urls))
        bad = []
        for u, st, body in got:
            r = self.get(u)
            if st != 200 or r.status != 200 or body != r.body:
                bad.append("%s: %d under load, then %d, same body %s" % (u, st, r.status,
                                                                       body == r.body))
        c.ok(not bad, "%d concurrent cold view requests agree with sequential ones" % len(urls),
             "; ".join(bad[:5]))
        c.ok(self.srv.alive(), "server alive after concurrent views")
        # concurrent uploads
        data = [p["bytes"] for p in profs]

        def up(b):
            try:
                r = self.srv.req("POST", "/api/profiles?name=conc", b,
                                 {"Content-Type": "application/octet-stream"})
                return r
            except OSError as e:
                return Resp(-1, repr(e), {}, b"")
        with ThreadPoolExecutor(16) as ex:
            rs = list(ex.map(up, data * 3))
        bad = [(r.status, r.body[:80]) for r in rs
               if not (r.status == 201 or (r.status == 503 and r.h("retry-after")))]
        c.ok(not bad, "%d concurrent uploads: 201 or 503 with Retry-After" % len(rs), short(bad))
        n503 = sum(1 for r in rs if r.status == 503)
        if n503:
            print("note: %d of %d concurrent uploads got 503 (busy)" % (n503, len(rs)))
        for r in rs:
            if r.status == 201:
                j = r.json()
                d = self.req("DELETE", "/api/profiles/" + j["id"], None,
                             {"Authorization": "Bearer " + j["delete_token"]})
                if d.status != 204:
                    c.ok(False, "delete a concurrent upload", str(d.status))

    def count(self):
        r = self.get("/api/profiles?limit=1000")
        return len(r.json()["profiles"]) if r.status == 200 else -1

    def phase_delete(self):
        c = self.c
        src = self.by_file.get("edge-ties.pb.gz") or self.profiles[0]
        data = src["bytes"]
        ra = self.upload(data, name="del-a")
        body, ct = multipart("del-b.pb.gz", data)
        rb = self.req("POST", "/api/profiles", body, {"Content-Type": ct})
        if not (c.eq(ra.status, 201, "delete: upload A") and c.eq(rb.status, 201,
                                                                 "delete: upload B (same bytes)")):
            return
        a, b = ra.json(), rb.json()
        c.ok(a["id"] != b["id"], "same bytes uploaded twice get two ids")
        c.ok(a["delete_token"] != b["delete_token"], "... and two delete tokens")
        ub = "/api/profiles/" + b["id"]
        for hdrs, what in (({}, "no token"),
                           ({"Authorization": "Bearer " + a["delete_token"]}, "A's token"),
                           ({"Authorization": "Bearer "}, "empty bearer"),
                           ({"Authorization": "Bearer " + b["delete_token"][:-1]}, "token prefix"),
                           ({"Authorization": "Bearer " + b["delete_token"] + "x"}, "token+x"),
                           ({"Authorization": b["delete_token"]}, "token without Bearer"),
                           ({"Authorization": "Basic " + b["delete_token"]}, "Basic scheme"),
                           ({"Authorization": "Bearer " + b["delete_token"], "Origin": EVIL},
                            "right token, evil Origin")):
            r = self.req("DELETE", ub, None, hdrs)
            check_json_error(c, r, "DELETE with %s" % what, {403})
            c.eq(self.get(ub).status, 200, "profile survives DELETE with %s" % what)
        r = self.req("DELETE", ub, None, {"Authorization": "Bearer " + b["delete_token"]})
        c.eq(r.status, 204, "DELETE with the right token -> 204")
        c.eq(r.body, b"", "204 has no body")
        check_security_headers(c, r, "204 response")
        for suffix in ("", "/raw", "/top", "/flamegraph"):
            check_json_error(c, self.get(ub + suffix), "GET deleted profile%s" % suffix, {404})
        r = self.req("DELETE", ub, None, {"Authorization": "Bearer " + b["delete_token"]})
        check_json_error(c, r, "DELETE again", {404})
        ids = [p["id"] for p in self.get("/api/profiles?limit=1000").json()["profiles"]]
        c.ok(b["id"] not in ids, "deleted profile is not listed")
        # A shares B's stored bytes: still intact
        r = self.get("/api/profiles/%s/raw" % a["id"])
        c.ok(r.status == 200 and r.body == data, "other profile with the same bytes survives",
             str(r.status))
        c.eq(self.get("/api/profiles/%s/top" % a["id"]).status, 200,
             "... and its views work")
        sha = hashlib.sha256(data).hexdigest()
        r = self.req("DELETE", "/api/profiles/" + a["id"], None,
                         {"Authorization": "Bearer " + a["delete_token"]})
        c.eq(r.status, 204, "DELETE A -> 204")
        # the blob stays while the original upload (same bytes) still refers to it
        c.ok(blob_exists(self.data, sha), "blob kept while another profile uses it", sha)
        c.eq(self.get("/api/profiles/%s/raw" % src["id"]).body, data,
             "original profile still downloads")
        # a profile of unique bytes: its blob goes away with it
        uniq = data + b""  # same bytes; build unique bytes by re-gzipping the CLI-readable raw
        try:
            uniq = gzip.compress(gzip.decompress(data), mtime=12345)
        except OSError:
            uniq = None
        if uniq and uniq != data:
            r = self.upload(uniq, name="uniq")
            if c.eq(r.status, 201, "upload unique bytes"):
                j = r.json()
                us = hashlib.sha256(uniq).hexdigest()
                c.ok(blob_exists(self.data, us), "blob stored under its sha256")
                self.req("DELETE", "/api/profiles/" + j["id"], None,
                             {"Authorization": "Bearer " + j["delete_token"]})
                # PostgreSQL metadata (replicas): removed by the background collection after
                # --blob-gc-grace-seconds (1 s here), not at once
                deadline = time.time() + (10 if os.environ.get("HEARTH_TEST_METADATA") else 0)
                while blob_exists(self.data, us) and time.time() < deadline:
                    time.sleep(0.2)
                c.ok(not blob_exists(self.data, us), "blob removed with its last profile")

    def snapshot(self):
        snap = {"list": self.get("/api/profiles?limit=1000").body, "meta": {}, "raw": {},
                "views": {}}
        for p in self.profiles:
            snap["meta"][p["id"]] = self.get("/api/profiles/" + p["id"]).body
            snap["raw"][p["id"]] = hashlib.sha256(
                self.get("/api/profiles/%s/raw" % p["id"]).body).hexdigest()
        views = []
        for p in self.profiles[:8]:
            for v in ("top", "flamegraph", "callgraph", "callgraph.dot"):
                views.append("/api/profiles/%s/%s" % (p["id"], v))
            views.append("/api/profiles/%s/top?si=0&g=files" % p["id"])
        for a, b in DIFF_PAIRS[:3]:
            if a in self.by_file and b in self.by_file:
                views.append("/api/profiles/%s/top?base=%s" % (self.by_file[a]["id"],
                                                               self.by_file[b]["id"]))
        for v in views:
            r = self.get(v)
            snap["views"][v] = (r.status, r.body, r.h("etag"))
        return snap

    def phase_restart(self):
        c = self.c
        before = self.snapshot()
        rc, secs = self.srv.stop()
        c.ok(rc == 0, "SIGTERM: exit status 0 within 5 s", "status %s after %.1f s; log: %s"
             % (rc, secs, self.srv.log()[-500:]))
        c.ok(secs < 5, "SIGTERM: stopped in %.2f s" % secs)
        tmp = os.listdir(os.path.join(self.data, "tmp"))
        c.eq(tmp, [], "no files left in DATA/tmp after a clean stop")
        self.srv.close_log()
        self.srv = Server(self.o.hearth, self.data).start()
        after = self.snapshot()
        c.eq(after["list"], before["list"], "after restart: same list JSON")
        c.ok(after["meta"] == before["meta"], "after restart: every profile's metadata unchanged",
             str([k for k in before["meta"] if after["meta"].get(k) != before["meta"][k]][:5]))
        c.ok(after["raw"] == before["raw"], "after restart: every profile's raw bytes unchanged")
        for v, (st, body, et) in before["views"].items():
            a = after["views"].get(v)
            c.ok(a == (st, body, et), "after restart: %s same status, JSON and ETag" % v,
                 "" if a is None else "status %s/%s etag %s/%s same body %s" %
                 (a[0], st, a[2], et, a[1] == body))

    def run(self):
        o = self.o
        if not (os.path.isfile(o.hearth) and os.access(o.hearth, os.X_OK)):
            skip("no hearth binary at %s" % o.hearth)
        gen, corpus = self.files()
        if not gen:
            skip("no generated profiles in %s (run tests/gen)" % o.gen)
        self.data = tempfile.mkdtemp(prefix="hearth-e2e-")
        try:
            self.srv = Server(o.hearth, self.data).start()
            t0 = time.time()
            self.corpus_files = set(corpus)
            self.phase_upload(gen + corpus)
            if not self.c.ok(len(self.profiles) > 0, "some profiles uploaded"):
                return
            print("uploaded %d profiles in %.1f s" % (len(self.profiles), time.time() - t0),
                  flush=True)
            for phase in (self.phase_views, self.phase_diff, self.phase_list,
                          self.phase_raw_etag_gzip, self.phase_headers_cors, self.phase_head,
                          self.phase_concurrent,
                          self.phase_delete,
                          self.phase_restart):
                t0 = time.time()
                phase()
                self.c.ok(self.srv.alive(), "server alive after %s" % phase.__name__,
                          self.srv.log()[-500:])
                print("%s: %.1f s (%d passed, %d failed so far)" % (
                    phase.__name__, time.time() - t0, self.c.passed, self.c.failed), flush=True)
            rc, secs = self.srv.stop()
            self.c.ok(rc == 0, "final SIGTERM: exit status 0", "status %s" % rc)
        finally:
            if getattr(self, "srv", None):
                if self.srv.proc is not None and self.srv.proc.poll() not in (None, 0):
                    self.c.ok(False, "server process died", "exit status %s (negative: signal)"
                              % self.srv.proc.returncode)
                if self.srv.alive():
                    self.srv.stop()
                if self.crashes:
                    print("server crashes (%d):\n  " % len(self.crashes) +
                          "\n  ".join(self.crashes))
                if self.c.failed:
                    print("--- server log (tail) ---\n" + self.srv.log()[-3000:])
                self.srv.close_log()
            if not o.keep:
                shutil.rmtree(self.data, ignore_errors=True)
            else:
                print("data kept in " + self.data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    # PostgreSQL metadata: unused blobs are collected 1 s after their last profile went
    os.environ.setdefault("HEARTH_BLOB_GC_GRACE_SECONDS", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--corpus", default=os.path.normpath(
        os.path.join(here, "../../../shared/corpus/generated")))
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    o = ap.parse_args()
    o.hearth = os.path.abspath(o.hearth)
    t = E2E(o)
    try:
        t.run()
    except Exception as e:  # report, count, and still print the summary line
        import traceback
        traceback.print_exc()
        t.c.ok(False, "test run raised %s" % type(e).__name__, str(e))
    t.c.finish()


if __name__ == "__main__":
    main()
