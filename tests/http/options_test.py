#!/usr/bin/env python3
"""pprof's report options and the labels through the API.

GET /api/profiles/ID/tags answers every label key with its values, counts,
shares and numeric units, equal to `hearth tags --json` (whose text form the
oracle checks against `go tool pprof -tags`), honours tagshow/taghide/tf,
and refuses a bad option with a JSON 400. One report option through a view:
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip  # noqa: E402


def cli_json(hearth, args):
    out = subprocess.run([hearth] + args, stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)


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
