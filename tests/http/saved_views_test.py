#!/usr/bin/env python3
"""HTTP tests of saved views (/api/views): named view parameters kept by the
server and applicable to any profile.

  - create, get, list (by name), delete with the delete token (403 without
    or with a wrong one, 404 after);
  - applied to two different profiles, the stored parameters as a query give
    the same top, flame graph and call graph answers as the original query;
  - bad input stores nothing and answers a 4xx JSON error: bad JSON, a body
    that is no object, unknown parameters, values that are no strings, bad
    option values, bad regexes (focus, tagfocus), a profile's own keys
    (base, merge, zoom), empty / too long / control-character names, a taken
    name, too large parameters, too many saved views;
  - hostile names are stored as given and answered as escaped JSON;
  - with --upload-token, saving needs it (401) and listing follows --list;
  - persistence across a restart, and a data directory of an earlier
    version (its hearth.db has no saved_views table: made by --prev-hearth
    when given, else that table is dropped with sqlite3) opens with its
    profiles intact and takes saved views.

usage: saved_views_test.py --hearth build/hearth --gen DIR [--prev-hearth BIN] [-v]
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, metadata_args  # noqa: E402

JS = {"Content-Type": "application/json"}
OCT = {"Content-Type": "application/octet-stream"}
LIMIT_VIEWS = 500  # limits.c: saved_views
LIMIT_NAME = 100  # saved_name
LIMIT_PARAMS = 4096  # saved_params


def post(srv, body, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return srv.req("POST", "/api/views", data, dict(JS, **(headers or {})))


def listing(srv, headers=None):
    r = srv.get("/api/views", headers)
    return r.json()["views"] if r.status == 200 else None


def upload(srv, path, name):
    with open(path, "rb") as f:
        data = f.read()
    r = srv.req("POST", "/api/profiles?name=" + name, data, OCT)
    return r.json()["id"], data


def query(params):
    return "?" + urllib.parse.urlencode(sorted(params.items())) if params else ""


def test_basic(c, srv, prof_a, prof_b):
    params = {"f": "leakRecords", "g": "files", "noinlines": "", "view": "top", "sort": "-cum",
              "si": "alloc_space", "h": "runtime", "trim": "false", "q": "(x"}
    r = post(srv, {"name": "allocs in main", "params": params})
    if not c.eq(r.status, 201, "create: 201 (%s)" % r.body[:200]):
        return None
    v = r.json()
    c.ok(len(v.get("delete_token", "")) == 43, "create: a delete token")
    c.eq(sorted(v), ["created", "delete_token", "id", "name", "params"], "create: fields")
    # canonical: booleans "1"/"0", every value a string, keys in a fixed order
    want = {"si": "alloc_space", "g": "files", "f": "leakRecords", "h": "runtime", "noinlines": "1",
            "trim": "0", "view": "top", "sort": "-cum", "q": "(x"}
    c.eq(v["params"], want, "create: the stored parameters, canonical")
    c.eq(list(v["params"]), ["si", "g", "f", "h", "noinlines", "trim", "view", "sort", "q"],
         "create: parameters in the option table's order")
    g = srv.get("/api/views/" + v["id"])
    c.eq(g.status, 200, "get: 200")
    c.eq(g.json(), {k: v[k] for k in ("id", "name", "params", "created")}, "get: the view, no token")
    c.eq(srv.req("HEAD", "/api/views/" + v["id"]).status, 200, "HEAD a saved view")
    c.eq(srv.get("/api/views/" + "A" * 27).status, 404, "get: unknown id 404")
    c.eq(srv.get("/api/views/nope").status, 404, "get: malformed id 404")
    c.eq(srv.get("/api/views/%s/x" % v["id"]).status, 404, "get: a path below an id 404")
    r2 = post(srv, {"name": "Another", "params": {"f": "main", "view": "flame", "heavy": "1"}})
    c.eq(r2.status, 201, "create a second view")
    r3 = post(srv, {"name": "bare"})
    c.eq(r3.status, 201, "create without params (the default view)")
    c.eq(r3.json()["params"], {}, "no params: {}")
    names = [x["name"] for x in listing(srv)]
    c.eq(names, sorted(names), "list: by name")
    c.eq(set(names), {"allocs in main", "Another", "bare"}, "list: every saved view")
    # apply: the stored parameters as a query equal the original on any profile
    server_keys = {k: x for k, x in v["params"].items() if k not in ("view", "sort", "q")}
    orig = {"f": "leakRecords", "g": "files", "noinlines": "", "si": "alloc_space", "h": "runtime",
            "trim": "false"}
    for pid in (prof_a, prof_b):
        for view in ("top", "flamegraph", "callgraph"):
            x = srv.get("/api/profiles/%s/%s%s" % (pid, view, query(server_keys)))
            y = srv.get("/api/profiles/%s/%s%s" % (pid, view, query(orig)))
            c.ok(x.status == 200 and x.body == y.body,
                 "apply to %s/%s: same answer as the original query" % (pid[:6], view),
                 "%d %s" % (x.status, x.body[:200]))
        t = srv.get("/api/profiles/%s/top%s" % (pid, query(server_keys))).json()
        n = srv.get("/api/profiles/%s/top?si=alloc_space" % pid).json()
        ft, fn = sum(x["flat"] for x in t["rows"]), sum(x["flat"] for x in n["rows"])
        c.ok(0 < ft < fn, "apply: the focus narrows the rows' sum (%d < %d)" % (ft, fn))
    # delete
    c.eq(srv.req("DELETE", "/api/views/" + r3.json()["id"]).status, 403, "delete without token: 403")
    c.eq(srv.req("DELETE", "/api/views/" + r3.json()["id"], headers={"Authorization": "Bearer x"}).status,
         403, "delete with a wrong token: 403")
    c.eq(srv.req("DELETE", "/api/views/" + r3.json()["id"],
                 headers={"Authorization": "Bearer " + v["delete_token"]}).status,
         403, "delete with another view's token: 403")
    tok = {"Authorization": "Bearer " + r3.json()["delete_token"]}
    c.eq(srv.req("DELETE", "/api/views/" + r3.json()["id"], headers=tok).status, 204, "delete: 204")
    c.eq(srv.req("DELETE", "/api/views/" + r3.json()["id"], headers=tok).status, 404, "delete again: 404")
    c.eq(srv.get("/api/views/" + r3.json()["id"]).status, 404, "deleted: get 404")
    c.eq({x["name"] for x in listing(srv)}, {"allocs in main", "Another"}, "deleted: not listed")
    c.eq(srv.req("PUT", "/api/views", b"{}", JS).status, 405, "PUT /api/views: 405")
    c.eq(srv.req("POST", "/api/views/" + v["id"], b"{}", JS).status, 405, "POST /api/views/ID: 405")
    return v


def test_bad(c, srv):
    before = listing(srv)
    taken = before[0]["name"]
    cases = [
        ("bad JSON", b'{"name": "x", ', {400}),
        ("not an object", b'["x"]', {400}),
        ("no name", {"params": {}}, {400}),
        ("name not a string", {"name": 5}, {400}),
        ("params not an object", {"name": "x", "params": ["f", "a"]}, {400}),
        ("a value that is no string", {"name": "x", "params": {"n": 5}}, {400}),
        ("a null value", {"name": "x", "params": {"f": None}}, {400}),
        ("unknown parameter", {"name": "x", "params": {"focus_all": "a"}}, {400}),
        ("a CLI-only name", {"name": "x", "params": {"focus": "a"}}, {400}),
        ("base (one profile's)", {"name": "x", "params": {"base": "A" * 27}}, {400}),
        ("merge (one profile's)", {"name": "x", "params": {"merge": "A" * 27}}, {400}),
        ("zoom (one profile's)", {"name": "x", "params": {"zoom": "1"}}, {400}),
        ("bad focus regex", {"name": "x", "params": {"f": "(("}}, {400}),
        ("bad ignore regex", {"name": "x", "params": {"i": "a**"}}, {400}),
        ("bad show_from regex", {"name": "x", "params": {"sf": "[z-a]"}}, {400}),
        ("bad tagfocus regex", {"name": "x", "params": {"tf": "key=(("}}, {400}),
        ("bad tagshow regex", {"name": "x", "params": {"ts": "("}}, {400}),
        ("\\C refused as Go does", {"name": "x", "params": {"f": "a\\C"}}, {400}),
        ("regex nested too deep", {"name": "x", "params": {"f": "(" * 40 + ")" * 40}}, {400, 413}),
        ("bad granularity", {"name": "x", "params": {"g": "bytes"}}, {400}),
        ("bad nodecount", {"name": "x", "params": {"n": "-1"}}, {400}),
        ("bad fraction", {"name": "x", "params": {"nf": "2"}}, {400}),
        ("bad boolean", {"name": "x", "params": {"noinlines": "maybe"}}, {400}),
        ("bad divide_by", {"name": "x", "params": {"divide_by": "0"}}, {400}),
        ("bad view", {"name": "x", "params": {"view": "pie"}}, {400}),
        ("bad heavy", {"name": "x", "params": {"heavy": "2"}}, {400}),
        ("bad sort", {"name": "x", "params": {"sort": "a b"}}, {400}),
        ("empty name", {"name": "", "params": {}}, {400}),
        ("blank name", {"name": "   ", "params": {}}, {400}),
        ("newline in name", {"name": "a\nb", "params": {}}, {400}),
        ("DEL in name", {"name": "a\x7fb", "params": {}}, {400}),
        ("NUL in name", b'{"name": "a\\u0000b"}', {400}),
        ("name too long", {"name": "n" * (LIMIT_NAME + 1), "params": {}}, {413}),
        ("name taken", {"name": taken, "params": {"f": "x"}}, {409}),
        ("a value too long", {"name": "x", "params": {"q": "q" * 5000}}, {413}),
        ("params too large", {"name": "x", "params": {k: "v" * 1000 for k in ("f", "i", "h", "s", "q")}},
         {413}),
        ("too many parameters", {"name": "x", "params": {"k%d" % i: "1" for i in range(100)}}, {400}),
        ("too deep", b'{"name": "x", "params": ' + b'[' * 100 + b']' * 100 + b'}', {400, 413}),
        ("body too large", json.dumps({"name": "x", "pad": "p" * 100000}).encode(), {413}),
    ]
    for what, body, statuses in cases:
        r = post(srv, body)
        check_json_error(c, r, "bad input, %s" % what, statuses)
    c.eq(listing(srv), before, "bad input stored nothing")
    # the exact limits are accepted
    r = post(srv, {"name": "n" * LIMIT_NAME, "params": {}})
    c.eq(r.status, 201, "a name of exactly %d bytes" % LIMIT_NAME)
    big = {"f": "a" * 2000, "i": "b" * (LIMIT_PARAMS - 2000 - len('{"f":"","i":""}'))}
    r2 = post(srv, {"name": "exactly the params limit", "params": big})
    c.eq(r2.status, 201, "parameters of exactly %d bytes as JSON (%s)" % (LIMIT_PARAMS, r2.body[:100]))
    for x in (r, r2):
        if x.status == 201:
            srv.req("DELETE", "/api/views/" + x.json()["id"],
                    headers={"Authorization": "Bearer " + x.json()["delete_token"]})
    # hostile names: stored as given, answered as escaped JSON
    evil = "<img src=x onerror=alert(1)> \"'&\u202e\U0001F600"
    r = post(srv, {"name": evil, "params": {"f": "</script><script>alert(1)</script>"}})
    if c.eq(r.status, 201, "a hostile name is a name"):
        c.eq(r.json()["name"], evil, "hostile name: round trip")
        c.ok(b"<" not in r.body and b">" not in r.body, "hostile name: < and > escaped in JSON")
        srv.req("DELETE", "/api/views/" + r.json()["id"],
                headers={"Authorization": "Bearer " + r.json()["delete_token"]})


def test_too_many(c, srv):
    have = len(listing(srv))
    made = []
    for i in range(LIMIT_VIEWS - have):
        r = post(srv, {"name": "filler %04d" % i, "params": {"n": str(i)}})
        if r.status != 201:
            c.ok(False, "filler %d: 201" % i, r.body[:200])
            return
        made.append(r.json())
    c.eq(len(listing(srv)), LIMIT_VIEWS, "%d saved views kept" % LIMIT_VIEWS)
    r = post(srv, {"name": "one too many", "params": {}})
    check_json_error(c, r, "too many saved views", {409})
    c.ok("delete one" in r.body.decode(), "too many: the message says what to do", r.body[:200])
    c.eq(len(listing(srv)), LIMIT_VIEWS, "too many: nothing stored")
    x = made.pop()
    srv.req("DELETE", "/api/views/" + x["id"], headers={"Authorization": "Bearer " + x["delete_token"]})
    c.eq(post(srv, {"name": "one too many", "params": {}}).status, 201, "after a delete there is room")
    return made


def test_token_server(c, hearth, tmp):
    srv = Server(hearth, os.path.join(tmp, "tok"), ["--upload-token", "s3cret-token-value"]).start()
    try:
        auth = {"Authorization": "Bearer s3cret-token-value"}
        check_json_error(c, post(srv, {"name": "x"}), "upload token server: saving without it", {401})
        check_json_error(c, post(srv, {"name": "x"}, {"Authorization": "Bearer wrong"}),
                         "upload token server: saving with a wrong one", {401})
        r = post(srv, {"name": "x", "params": {"f": "a"}}, auth)
        c.eq(r.status, 201, "upload token server: saving with it")
        check_json_error(c, srv.get("/api/views"), "upload token server: listing without it", {401})
        c.eq(len(listing(srv, auth)), 1, "upload token server: listing with it")
        if r.status == 201:
            c.eq(srv.get("/api/views/" + r.json()["id"]).status, 200,
                 "upload token server: a view's link needs no token")
    finally:
        srv.stop()
        srv.close_log()
    srv = Server(hearth, os.path.join(tmp, "off"), ["--list", "off"]).start()
    try:
        check_json_error(c, srv.get("/api/views"), "--list=off: no listing", {403})
    finally:
        srv.stop()
        srv.close_log()


# What takes a database of today's schema back to the release before saved
# views, which had no schema versions (server/store/schema.c: everything
# versions 2 to 7 added, and the saved_views table of version 1); SQLite
# (3.35 and later) and PostgreSQL alike.
BEFORE_VERSIONS = [
    "DROP TABLE saved_views",
    "DROP TABLE schema_version",
    "DROP INDEX series_items_profile",
    "DROP INDEX series_items_step",
    "ALTER TABLE series_items DROP COLUMN step",
    "ALTER TABLE captures DROP COLUMN lease_owner",
    "ALTER TABLE captures DROP COLUMN lease_until",
    "DROP TABLE blob_gc",
    "DROP TABLE memstats",
    "DROP TABLE capture_group_targets",
    "DROP TABLE capture_groups",
    "DROP TABLE series_thin",
    "DROP TABLE series_thinned",
    "DROP TABLE derived",
]


def test_earlier_version(c, hearth, prev, gen, tmp):
    """A data directory made before saved views existed opens and keeps its profiles."""
    data = os.path.join(tmp, "earlier")
    meta = metadata_args(data)
    if meta:
        prev = None  # an earlier release has no --metadata: the tables are dropped instead
    srv = Server(prev or hearth, data).start()
    try:
        pid, raw = upload(srv, os.path.join(gen, "cpu.pb.gz"), "old")
    finally:
        srv.stop()
        srv.close_log()
    if meta:  # PostgreSQL: the schema of the version before saved views (and schema versions)
        subprocess.run(["psql", "-q", meta[1], "-c", "; ".join(BEFORE_VERSIONS)], check=True)
    else:
        db = sqlite3.connect(os.path.join(data, "hearth.db"))
        has = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'saved_views'").fetchone()[0]
        if prev:
            c.eq(has, 0, "the earlier version's database has no saved_views table")
        else:
            # the schema of the version before saved views (which had no schema versions)
            for sql in BEFORE_VERSIONS:
                db.execute(sql)
            db.commit()
        db.close()
    srv = Server(hearth, data).start()
    try:
        r = srv.get("/api/profiles/%s/raw" % pid)
        c.ok(r.status == 200 and r.body == raw, "earlier data directory: its profile is intact")
        c.eq(listing(srv), [], "earlier data directory: no saved views yet")
        r = post(srv, {"name": "new", "params": {"f": "main"}})
        c.eq(r.status, 201, "earlier data directory: saving a view works")
    finally:
        srv.stop()
        srv.close_log()
    srv = Server(hearth, data).start()
    try:
        c.eq([x["name"] for x in listing(srv) or []], ["new"], "earlier data directory: the view stays")
        c.eq(srv.get("/api/profiles/%s/raw" % pid).body, raw, "earlier data directory: profile still intact")
    finally:
        srv.stop()
        srv.close_log()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--prev-hearth", help="an earlier hearth binary (made the data directory)")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    c = Checks(a.v)
    tmp = tempfile.mkdtemp(prefix="hearth-saved-")
    data = os.path.join(tmp, "data")
    srv = Server(a.hearth, data).start()
    try:
        pa, _ = upload(srv, os.path.join(a.gen, "heap-series.0.pb.gz"), "heap-a")
        pb, _ = upload(srv, os.path.join(a.gen, "heap-series.2.pb.gz"), "heap-b")
        v = test_basic(c, srv, pa, pb)
        test_bad(c, srv)
        test_too_many(c, srv)
        before = listing(srv)
    finally:
        srv.stop()
        srv.close_log()
    # persistence across a restart
    srv = Server(a.hearth, data).start()
    try:
        c.eq(listing(srv), before, "after a restart: the same saved views")
        if v:
            c.eq(srv.get("/api/views/" + v["id"]).json()["params"], v["params"],
                 "after a restart: the same parameters")
            c.eq(srv.req("DELETE", "/api/views/" + v["id"],
                         headers={"Authorization": "Bearer " + v["delete_token"]}).status, 204,
                 "after a restart: the delete token still works")
    finally:
        srv.stop()
        srv.close_log()
    test_token_server(c, a.hearth, tmp)
    test_earlier_version(c, a.hearth, a.prev_hearth, a.gen, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
