#!/usr/bin/env python3
"""pprof's report options and the labels through the API.

GET /api/profiles/ID/tags answers every label key with its values, counts,
shares and numeric units, equal to `hearth tags --json` (whose text form the
oracle checks against `go tool pprof -tags`), honours tagshow/taghide/tf,
and refuses a bad option with a JSON 400. Each value's "filter" is the
tf/ti expression that keeps (drops) exactly the samples the row counts: the
filtered /top total equals the row's count, on edge-labels and on a profile
built here with hostile string values (commas, regex metacharacters,
control bytes, non-UTF-8, numeric-looking text) and numeric values that
format alike (1499 and 1500 bytes are both 1.46kB). One report option through a view:
tagroot on /top gives pprof's pseudo-frame rows, and rel (relative
percentages) changes the total as pprof's -relative_percentages does.
Usage: options_test.py --hearth BIN --gen DIR
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip  # noqa: E402


def cli_json(hearth, args):
    out = subprocess.run([hearth] + args, stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _int(field, v):
    return _varint(field << 3) + _varint(v) if v else b""


def _ld(field, data):
    return _varint((field << 3) | 2) + _varint(len(data)) + data


def labels_profile():
    """A profile.proto (gzip) whose one function's samples carry awkward labels."""
    strings = [b""]

    def s(x):
        x = x if isinstance(x, bytes) else x.encode()
        if x not in strings:
            strings.append(x)
        return strings.index(x)

    # (value, string labels [(key, value)], numeric labels [(key, num, unit)])
    samples = [
        (10, [("h", "a,b")], [("bytes", 1499, "bytes")]),
        (20, [("h", "x.y(z)|*")], [("bytes", 1500, "bytes")]),
        (40, [("h", "back\\slash$^")], [("bytes", -3, "bytes")]),
        (80, [("h", "tab\there")], [("n", 5, "")]),
        (160, [("h", "1")], [("n", 6, "")]),
        (320, [("h", b"bad\xff")], []),
        (640, [("k=v", "x"), ("h", "ünï")], [("lat", 1500, "ms")]),
    ]
    prof = _ld(1, _int(1, s("samples")) + _int(2, s("count")))
    for v, strs, nums in samples:
        body = _ld(1, _varint(1)) + _ld(2, _varint(v))
        for k, x in strs:
            body += _ld(3, _int(1, s(k)) + _int(2, s(x)))
        for k, x, u in nums:
            body += _ld(3, _int(1, s(k)) + _int(3, x) + (_int(4, s(u)) if u else b""))
        prof += _ld(2, body)
    prof += _ld(4, _int(1, 1) + _ld(4, _int(1, 1)))
    prof += _ld(5, _int(1, 1) + _int(2, s("main.work")))
    for x in strings:
        prof += _ld(6, x)
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    return z.compress(prof) + z.flush()


def check_filters(c, srv, base, what):
    """Every row's filter keeps (tf) and drops (ti) exactly the samples it counts."""
    j = srv.get(base + "/tags").json()
    whole = j["total"]
    nulls = []
    for k in j["keys"]:
        for v in k["values"]:
            f = v["filter"]
            if f is None:
                nulls.append((k["key"], v["value"]))
                continue
            q = urllib.parse.quote(f, safe="")
            r = srv.get(base + "/top?rel=1&tf=" + q)
            c.eq((r.status, r.json().get("total")), (200, v["count"]),
                 "%s: tf=%s keeps %s" % (what, f, v["count"]))
            r = srv.get(base + "/top?rel=1&ti=" + q)
            c.eq((r.status, r.json().get("total")), (200, whole - v["count"]),
                 "%s: ti=%s drops %s" % (what, f, v["count"]))
            r = srv.get(base + "/tags?tf=" + q)
            got = {x["key"]: x for x in r.json()["keys"]}.get(k["key"], {})
            # (a sample may carry several values of one key: they stay listed)
            c.eq({x["value"]: x["count"] for x in got.get("values", [])}.get(v["value"]),
                 v["count"], "%s: tags under tf=%s keep the value's count" % (what, f))
    return j, nulls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    prof = os.path.join(args.gen, "edge-labels.pb.gz")
    if not os.path.exists(prof):
        skip("no generated profiles in " + args.gen)
    c = Checks()
    srv = Server(args.hearth, tempfile.mkdtemp(prefix="hearth-opts-")).start()
    try:
        with open(prof, "rb") as f:
            r = srv.req("POST", "/api/profiles?name=labels", f.read(),
                        {"Content-Type": "application/octet-stream"})
        if not c.eq(r.status, 201, "upload"):
            return c.finish()
        pid = r.json()["id"]
        base = "/api/profiles/%s" % pid

        r = srv.get(base + "/tags")
        c.eq(r.status, 200, "tags: status")
        j = r.json()
        c.eq(j, cli_json(args.hearth, ["tags", "--json", prof]), "tags: equal to the CLI's")
        keys = {k["key"]: k for k in j["keys"]}
        c.eq(sorted(keys), ["bytes", "count", "key", "latency", "request_bytes", "size",
                            "thread", "zu"], "tags: keys in name order")
        c.eq(keys["thread"]["total"], 190000000, "tags: thread total")
        c.eq([(v["value"], v["count"]) for v in keys["thread"]["values"]],
             [("t1", 120000000), ("t2", 70000000)], "tags: thread values")
        c.eq(round(keys["thread"]["values"][0]["share"], 4), 0.6316, "tags: t1 share")
        c.eq((keys["latency"]["numeric"], keys["latency"]["unit"]), (True, "ms"),
             "tags: numeric label with its unit")
        c.eq([v["value"] for v in keys["bytes"]["values"]], ["1kB", "4kB", "512B"],
             "tags: numeric values formatted as pprof's -tags")

        c.eq({(k["key"], v["value"]): v["filter"] for k in j["keys"] for v in k["values"]
              if k["key"] in ("thread", "latency", "request_bytes", "size")},
             {("thread", "t1"): "thread=^t1$", ("thread", "t2"): "thread=^t2$",
              ("latency", "1.50s"): "latency=1500ms", ("latency", "250s"): "latency=250000ms",
              ("request_bytes", "2048"): "request_bytes=2048",
              ("size", "100kB"): "size=100kilobytes", ("size", "3kB"): "size=3kilobytes"},
             "tags: each value's filter (unit-less key: a bare number)")
        check_filters(c, srv, base, "edge-labels")

        r = srv.req("POST", "/api/profiles?name=awkward", labels_profile(),
                    {"Content-Type": "application/octet-stream"})
        if c.eq(r.status, 201, "upload the awkward labels"):
            abase = "/api/profiles/%s" % r.json()["id"]
            aj, nulls = check_filters(c, srv, abase, "awkward")
            filters = {(k["key"], v["value"]): v["filter"] for k in aj["keys"] for v in k["values"]}
            c.eq(filters.get(("h", "a,b")), "h=^a\\x2cb$", "awkward: a comma as \\x2c")
            c.eq(filters.get(("h", "x.y(z)|*")), "h=^x\\.y\\(z\\)\\|\\*$", "awkward: metacharacters escaped")
            c.eq(filters.get(("h", "tab\there")), "h=^tab\\x09here$", "awkward: control byte as \\x09")
            c.eq(filters.get(("h", "1")), "h=^1$", "awkward: a numeric-looking string stays a regex")
            c.eq(filters.get(("bytes", "1.46kB")), "bytes=1499bytes:1500bytes",
                 "awkward: values formatted alike make a range")
            c.eq(filters.get(("n", "5")), "n=5n", "awkward: a key named unit")
            c.eq(sorted(nulls), [("h", "bad\ufffd"), ("k=v", "x")],
                 "awkward: no filter for a non-UTF-8 value or a key with '='")

        r = srv.get(base + "/tags?ts=%5Ethread%24")
        c.eq([k["key"] for k in r.json()["keys"]], ["thread"], "tags: ts keeps only thread")
        r = srv.get(base + "/tags?th=thread&tf=thread%3Dt1")
        got = r.json()
        c.ok("thread" not in [k["key"] for k in got["keys"]], "tags: th hides thread")
        c.eq({k["key"]: k["total"] for k in got["keys"]}.get("key"), 200000000,
             "tags: tf keeps the thread=t1 samples only")
        check_json_error(c, srv.get(base + "/tags?ts=%28"), "tags: bad regexp", {400})
        check_json_error(c, srv.get(base + "/top?divide_by=0"), "top: divide_by=0", {400})
        check_json_error(c, srv.get(base + "/top?mean=perhaps"), "top: mean=perhaps", {400})

        # one option through a view: tagroot and rel on /top
        r = srv.get(base + "/top?tagroot=thread")
        rows = {row["name"]: (row["flat"], row["cum"]) for row in r.json()["rows"]}
        c.eq(rows.get("t1"), (0, 120000000), "top tagroot: t1 row")
        c.eq(rows.get("<unknown>"), (0, 130000000), "top tagroot: <unknown> row")
        r = srv.get(base + "/top?tf=thread%3Dt1&rel=1")
        c.eq(r.json()["total"], 120000000, "top rel: total of the focused samples")
        r = srv.get(base + "/top?tf=thread%3Dt1")
        c.eq(r.json()["total"], 320000000, "top without rel: the whole total")
    finally:
        srv.stop()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
