#!/usr/bin/env python3
"""The UI's pages and a profile's place in series (issue 13, item 10).

Against a real `hearth serve`:
  - not found: /p/<unknown>, /s/<unknown>, /g/<unknown>, /foo/bar and bad ids
    get, for a browser (Accept: text/html), a 404 HTML page in the UI's style
    (app.css, a link home, a message naming what is missing, never the path),
    with Vary: Accept; other clients (and every /api/ path) get the JSON 404;
    known pages still answer 200; under --base-path the page's links carry it;
  - GET /api/profiles/<id> lists the series holding the profile ("series":
    id, name, count, shares_token); a wrong delete token gets a clear 403 and
    deletes nothing; deleting a member takes it out of its series (the
    series keeps its other snapshots, then stays empty after its last one,
    until its own token deletes it); uploaded members do not share the
    series' token.
Usage: pages_test.py --hearth BIN --gen DIR
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Checks, Server, check_json_error, skip  # noqa: E402

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Content-Type": "application/json"}
OCTET = {"Content-Type": "application/octet-stream"}


class BaseServer(Server):
    """A server under --base-path: its health probe is under the base path too."""

    def __init__(self, hearth, data, base):
        super().__init__(hearth, data, ["--base-path", base] if base else [])
        self.base = base

    def start(self, timeout=20):
        orig = harness.request

        def probe(port, method, path, *a, **kw):
            return orig(port, method, self.base + path if path == "/healthz" else path, *a, **kw)
        harness.request = probe
        try:
            return super().start(timeout)
        finally:
            harness.request = orig


def upload(c, srv, path, name):
    r = srv.req("POST", "/api/profiles?name=" + name, open(path, "rb").read(), OCTET)
    c.eq(r.status, 201, name + ": upload")
    return r.json()


def check_page_404(c, r, what, text, base=""):
    body = r.body.decode("utf-8", "replace")
    c.eq(r.status, 404, what + ": 404 for a browser")
    c.ok((r.h("content-type") or "").startswith("text/html"), what + ": an HTML page",
         r.h("content-type"))
    c.ok("Accept" in (r.h("vary") or "").split(", "), what + ": Vary lists Accept", r.h("vary"))
    c.ok('<base href="%s/">' % base in body and 'href="css/app.css"' in body,
         what + ": the UI's style, relative to the base path", body[:400])
    c.ok("<h1>Not found</h1>" in body and text in body, what + ": says what is missing",
         body[-700:])
    c.ok('<a class="button primary" href="./">All profiles</a>' in body, what + ": a link home")
    c.ok("<body>" in body and "{" not in body.split("<body>")[-1], what + ": no JSON in the page")


def test_not_found(c, srv, ids, base=""):
    pid, sid, gid = ids
    cases = [
        ("/p/doesnotexist", "no profile at this address"),
        ("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAA", "no profile at this address"),
        ("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAA/", "no profile at this address"),
        ("/p/%s/extra" % pid, "no profile at this address"),
        ("/p/..%2f..%2fetc", "at this address"),
        ("/s/nope", "no series at this address"),
        ("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAA", "no series at this address"),
        ("/s/" + pid, "no series at this address"),  # a profile's id is no series
        ("/g/nope", "no GC trace at this address"),
        ("/g/" + pid, "no GC trace at this address"),
        ("/foo/bar", "nothing at this address"),
        ("/p", "nothing at this address"),
        ("/js/nope.js", "nothing at this address"),
        ("/%3Cscript%3Ealert(1)%3C/script%3E", "nothing at this address"),
    ]
    for path, text in cases:
        r = srv.get(base + path, HTML)
        check_page_404(c, r, "%s%s" % (base, path), text, base)
        c.ok(b"script%3E" not in r.body and b"<script>alert" not in r.body,
             path + ": the path is never echoed")
        if not path.startswith("/p/"):  # /p/ without HTML is go tool pprof's profile
            check_json_error(c, srv.get(base + path), base + path + " without HTML", {404})
        check_json_error(c, srv.get(base + path, {"Accept": "application/json"}),
                         base + path + " asking for JSON", {404})
    check_json_error(c, srv.get(base + "/p/AAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                     "/p/unknown for go tool pprof", {404})
    r = srv.req("HEAD", base + "/s/nope", None, HTML)
    c.eq((r.status, r.body), (404, b""), "HEAD /s/unknown: 404, no body")
    # the API stays JSON even for a browser
    for path in ("/api/nope", "/api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA",
                 "/api/series/nope", "/api/gctraces/AAAAAAAAAAAAAAAAAAAAAAAAAAA",
                 "/api/profiles/%s/nope" % pid):
        check_json_error(c, srv.get(base + path, HTML), base + path + " (browser)", {404})
    # pages that exist
    for path in ("/", "/index.html", "/p/" + pid, "/p/%s/" % pid, "/p/%s?base=%s" % (pid, pid),
                 "/s/" + sid, "/g/" + gid):
        r = srv.get(base + path, HTML)
        c.ok(r.status == 200 and b'<main id="app">' in r.body and b"Not found" not in r.body,
             base + path + ": the UI", "%d %s" % (r.status, r.body[:200]))
    r = srv.get(base + "/s/" + sid)
    c.eq(r.status, 200, base + "/s/<id> without Accept: the UI as before")


def test_delete_in_series(c, srv, gen):
    a = upload(c, srv, os.path.join(gen, "heap-series.0.pb.gz"), "heap.0")
    b = upload(c, srv, os.path.join(gen, "heap-series.1.pb.gz"), "heap.1")
    lone = upload(c, srv, os.path.join(gen, "cpu.pb.gz"), "cpu")
    r = srv.req("POST", "/api/series", b'{"name": "two heaps", "profiles": ["%s", "%s"]}'
                % (a["id"].encode(), b["id"].encode()), JSON)
    c.eq(r.status, 201, "series of two uploads")
    s = r.json()
    sid = s["id"]
    m = srv.get("/api/profiles/" + a["id"]).json()
    c.eq(m.get("series"), [{"id": sid, "name": "two heaps", "count": 2, "shares_token": False}],
         "a member's metadata names its series (its own token, not the series')")
    c.eq(srv.get("/api/profiles/" + lone["id"]).json().get("series"), [],
         "a profile in no series: series []")
    # a second series holding a too: both are listed, newest first
    r = srv.req("POST", "/api/series", b'{"name": "just a", "profiles": ["%s"]}'
                % a["id"].encode(), JSON)
    s2 = r.json()
    m = srv.get("/api/profiles/" + a["id"]).json()
    c.eq([(x["id"], x["count"]) for x in m.get("series", [])], [(s2["id"], 1), (sid, 2)],
         "a member of two series: both, newest first")
    # a wrong token: a clear 403, and nothing changes
    for tok in ("wrong", s["delete_token"]):
        r = srv.req("DELETE", "/api/profiles/" + a["id"], headers={"Authorization": "Bearer " + tok})
        check_json_error(c, r, "delete with a wrong token", {403})
        c.eq(r.json()["error"]["message"], "the delete token is missing or wrong for this profile",
             "delete with a wrong token: the message")
    c.eq(srv.get("/api/profiles/" + a["id"]).status, 200, "wrong token: the profile stays")
    c.eq(len(srv.get("/api/series/" + sid).json()["profiles"]), 2, "wrong token: the series too")
    # the right token: out of both series, which keep their other snapshots
    r = srv.req("DELETE", "/api/profiles/" + a["id"],
                headers={"Authorization": "Bearer " + a["delete_token"]})
    c.eq(r.status, 204, "delete a member with its token")
    c.eq(srv.get("/api/profiles/" + a["id"]).status, 404, "the member is gone")
    got = srv.get("/api/series/" + sid).json()
    c.eq([p["id"] for p in got["profiles"]], [b["id"]], "the series keeps its other snapshot")
    c.eq(srv.get("/api/profiles/" + b["id"]).json()["series"],
         [{"id": sid, "name": "two heaps", "count": 1, "shares_token": False}],
         "the other member's series count drops to 1")
    lst = {x["id"]: x["count"] for x in srv.get("/api/series").json()["series"]}
    c.eq((lst.get(sid), lst.get(s2["id"])), (1, 0), "the series list counts what is left")
    got = srv.get("/api/series/" + s2["id"])
    c.eq((got.status, got.json().get("profiles")), (200, []),
         "a series whose last snapshot was deleted stays, empty")
    check_json_error(c, srv.get("/api/series/%s/growth" % s2["id"]), "growth of an empty series",
                     {400, 404, 409, 422})
    r = srv.req("DELETE", "/api/series/" + s2["id"],
                headers={"Authorization": "Bearer " + s2["delete_token"]})
    c.eq(r.status, 204, "the empty series is deleted with its own token")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    for n in ("heap-series.0.pb.gz", "heap-series.1.pb.gz", "cpu.pb.gz"):
        if not os.path.exists(os.path.join(args.gen, n)):
            skip("generated profile missing: " + n)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-pages-")
    try:
        for base in ("", "/hearth"):
            srv = BaseServer(args.hearth, os.path.join(tmp, "data" + base.replace("/", "-")),
                             base).start()
            try:
                p = srv.req("POST", base + "/api/profiles?name=cpu",
                            open(os.path.join(args.gen, "cpu.pb.gz"), "rb").read(), OCTET)
                pid = p.json()["id"]
                s = srv.req("POST", base + "/api/series",
                            b'{"profiles": ["%s"]}' % pid.encode(), JSON).json()
                g = srv.req("POST", base + "/api/gctraces?name=gc",
                            b"gc 1 @0.011s 2%: 0.010+0.5+0.003 ms clock, 0.08+0.1/0.4/0.9+0.02 "
                            b"ms cpu, 4->4->0 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 8 P\n",
                            {"Content-Type": "text/plain"})
                c.eq(g.status, 201, "gctrace upload")
                test_not_found(c, srv, (pid, s["id"], g.json()["id"]), base)
                if not base:
                    test_delete_in_series(c, srv, args.gen)
            finally:
                srv.stop()
                srv.close_log()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
