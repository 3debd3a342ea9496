#!/usr/bin/env python3
"""The OpenAPI description (web/openapi.json, served at /api/openapi.json) against the code.

(a) structure: the document is OpenAPI 3.1 of the shape below (a JSON Schema of
    the subset Hearth uses), every schema is a valid JSON Schema 2020-12,
    every $ref resolves, every {param} of a path is declared, and
    info.version is CMake's project(VERSION);
(b) routes: every route of server/http/router.c and server/http/http_series.c,
    found by parsing the path comparisons of their routing code, is in the
    document (a route without docs fails, naming it), and every documented
    route exists there;
(c) answers: a running server is asked every documented route (and errors),
    each answer's status must be documented for that operation and its JSON
    body must validate against the documented schema (objects are closed:
    an undocumented field fails); every operation gets a 2xx at least once;
    and for each path, exactly the undocumented methods answer 405.

Usage: openapi_test.py --hearth BIN --corpus DIR (DIR: generated profiles
with heap.0.pb.gz, heap.1.pb.gz and gctrace.log) [--source ROOT]
"""
import argparse
import copy
import http.server
import json
import os
import re
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, multipart, request, skip  # noqa: E402

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:
    skip("python3-jsonschema (with referencing) is not installed")

METHODS = ("get", "put", "post", "delete")

# ---- (a) the document's structure -------------------------------------------

REF = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string", "pattern": "^#/"}},
       "additionalProperties": False}
MEDIA = {"type": "object", "required": ["schema"], "properties": {"schema": {"type": "object"}},
         "additionalProperties": False}
CONTENT = {"type": "object", "minProperties": 1, "additionalProperties": MEDIA,
           "propertyNames": {"pattern": "^[a-z]+/[a-z0-9.+-]+$"}}
RESPONSE = {"type": "object", "required": ["description"], "additionalProperties": False,
            "properties": {"description": {"type": "string", "minLength": 1}, "content": CONTENT}}
PARAM = {"type": "object", "required": ["name", "in", "schema"], "additionalProperties": False,
         "properties": {"name": {"type": "string", "minLength": 1},
                        "in": {"enum": ["query", "path", "header", "cookie"]},
                        "required": {"type": "boolean"}, "description": {"type": "string"},
                        "schema": {"type": "object"}},
         "if": {"properties": {"in": {"const": "path"}}},
         "then": {"required": ["required"], "properties": {"required": {"const": True}}}}
OPERATION = {
    "type": "object", "required": ["summary", "responses"], "additionalProperties": False,
    "properties": {
        "summary": {"type": "string", "minLength": 1}, "description": {"type": "string"},
        "parameters": {"type": "array", "items": {"anyOf": [PARAM, REF]}},
        "requestBody": {"type": "object", "required": ["content"], "additionalProperties": False,
                        "properties": {"required": {"type": "boolean"}, "description": {"type": "string"},
                                       "content": CONTENT}},
        "security": {"type": "array", "items": {"type": "object"}},
        "responses": {"type": "object", "minProperties": 1, "additionalProperties": False,
                      "patternProperties": {"^[1-5][0-9][0-9]$": {"anyOf": [RESPONSE, REF]}}}}}
OPENAPI = {
    "type": "object", "required": ["openapi", "info", "paths", "components"], "additionalProperties": False,
    "properties": {
        "openapi": {"type": "string", "pattern": r"^3\.1\.[0-9]+$"},
        "info": {"type": "object", "required": ["title", "version"],
                 "properties": {"title": {"type": "string"}, "version": {"type": "string"},
                                "description": {"type": "string"}}},
        "servers": {"type": "array", "items": {"type": "object", "required": ["url"]}},
        "paths": {"type": "object", "additionalProperties": False,
                  "patternProperties": {"^/": {"type": "object", "minProperties": 1, "additionalProperties": False,
                                               "properties": {m: OPERATION for m in METHODS}}}},
        "components": {"type": "object", "additionalProperties": False,
                       "properties": {"schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                                      "responses": {"type": "object", "additionalProperties": RESPONSE},
                                      "securitySchemes": {"type": "object"}}}}}


def pointer(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def walk_refs(node, out):
    if isinstance(node, dict):
        if "$ref" in node and isinstance(node["$ref"], str):
            out.append(node["$ref"])
        for v in node.values():
            walk_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_refs(v, out)


def check_structure(c, doc, version):
    errs = sorted(jsonschema.Draft202012Validator(OPENAPI).iter_errors(doc), key=lambda e: list(e.path))
    c.ok(not errs, "document: OpenAPI 3.1 structure",
         "; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message[:200]) for e in errs[:5]))
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
            c.ok(True, "schema " + name)
        except jsonschema.SchemaError as e:
            c.ok(False, "schema " + name + " is not JSON Schema 2020-12", e.message)
    refs = []
    walk_refs(doc, refs)
    bad = []
    for r in refs:
        try:
            pointer(doc, r)
        except (KeyError, IndexError, TypeError):
            bad.append(r)
    c.ok(refs and not bad, "every $ref resolves (%d)" % len(refs), "unresolved: %s" % bad)
    for path, item in doc.get("paths", {}).items():
        want = set(re.findall(r"\{([a-z_]+)\}", path))
        for m, o in item.items():
            got = set()
            for p in o.get("parameters", []):
                p = pointer(doc, p["$ref"]) if "$ref" in p else p
                if p["in"] == "path":
                    got.add(p["name"])
            c.eq(got, want, "%s %s: path parameters" % (m.upper(), path))
    c.eq(doc.get("info", {}).get("version"), version, "info.version is CMake's project(VERSION)")


# ---- (b) the routes of the code -----------------------------------------------

# path comparisons in the routing code: !strcmp(path|rest, "...") and
# !strncmp(path, "...", n)
CMP = re.compile(r'\bstr(n?)cmp\(\s*(path|rest)\s*(?:\+\s*\d+\s*)?,\s*"([^"]*)"')
# prefixes that are not routes: the API's catch-all 404, and the hand-off to
# http_series.c (whose own paths are parsed below)
NOT_ROUTES = {"/api/", "/api/series", "/api/captures"}


def parse_routes(src, prefix):
    """Routes of one routing function: exact paths, and {id} routes with their rests.

    An strncmp prefix ending in "/" takes an id; the strcmp(rest, ...) that
    follow it belong to it (and to the prefixes right before it, as in
    http_series.c where "series/" and "captures/" share their rests); the id
    route itself (empty rest) is a route too.
    """
    routes, group, last_was_prefix = set(), [], False
    for m in CMP.finditer(src):
        n, var, lit = m.groups()
        if var == "path" and not n:
            routes.add(prefix + lit)
            last_was_prefix = False
        elif var == "path" and n:
            full = prefix + lit
            if full in NOT_ROUTES or not lit.endswith("/"):
                last_was_prefix = False
                continue
            if not last_was_prefix:
                group = []
            group.append(full + "{id}")
            routes.add(full + "{id}")
            last_was_prefix = True
        else:  # rest; an strncmp prefix ending in "." is a family of formats (callgraph.svg ...)
            for g in group:
                routes.add(g + lit + ("{format}" if n and lit.endswith(".") else ""))
            last_was_prefix = False
    return routes


def function_body(text, name):
    start = text.index(name + "(")
    start = text.index("\n{", start)
    depth, i = 0, start + 1
    while True:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1


def code_routes(root):
    with open(os.path.join(root, "server/http/router.c")) as f:
        router = function_body(f.read(), "static int route_request")
    with open(os.path.join(root, "server/http/http_series.c")) as f:
        series = function_body(f.read(), "int hx_series_route")
    with open(os.path.join(root, "server/http/http_groups.c")) as f:
        groups = function_body(f.read(), "int hx_groups_route")
    return parse_routes(router, "") | parse_routes(series, "/api/") | parse_routes(groups, "/api/")


def check_routes(c, doc, root):
    # the parser finds a planted route of each kind
    planted = ('if (!strcmp(path, "/api/new")) ... if (!strncmp(path, "/api/things/", 12)) ... '
               'if (!strcmp(rest, "/part")) ... if (!strncmp(path, "/api/", 5))')
    c.eq(parse_routes(planted, ""), {"/api/new", "/api/things/{id}", "/api/things/{id}/part"},
         "the route parser on planted routes")
    routes = code_routes(root)
    c.ok(len(routes) > 20, "routes parsed from the routing code (%d)" % len(routes), sorted(routes))
    documented = set(doc["paths"])
    for r in sorted(routes - documented):
        c.ok(False, "route %s (server/http) is not in web/openapi.json: document it" % r)
    for r in sorted(documented - routes):
        c.ok(False, "web/openapi.json documents %s, which the routing code does not have" % r)
    c.ok(routes == documented, "every route documented, every documented route routed")


# ---- (c) real answers -----------------------------------------------------------

class Live:
    def __init__(self, c, doc, srv):
        self.c, self.doc, self.srv = c, doc, srv
        self.registry = Registry().with_resource("urn:hearth:openapi",
                                                 Resource.from_contents(doc, default_specification=DRAFT202012))
        self.ok2xx = set()

    def op(self, tmpl, method):
        return self.doc["paths"].get(tmpl, {}).get(method.lower())

    def call(self, method, tmpl, path, body=None, headers=None, want=None):
        """One request; checks status and body against the documented operation."""
        what = "%s %s" % (method, path[:80])
        r = self.srv.req(method, path, body, headers or {})
        o = self.op(tmpl, method if method != "HEAD" else "GET")
        if not self.c.ok(o is not None, what + ": documented operation", "%s %s" % (method, tmpl)):
            return r
        if want is not None:
            self.c.eq(r.status, want, what + ": status (%s)" % r.body[:200])
        code = str(r.status)
        resp = o["responses"].get(code)
        if not self.c.ok(resp is not None, "%s: status %s documented for %s %s" % (what, code, method, tmpl),
                         r.body[:300]):
            return r
        base = "#/paths/%s/%s/responses/%s" % (tmpl.replace("~", "~0").replace("/", "~1"), method.lower(), code)
        if "$ref" in resp:
            base = resp["$ref"]
            resp = pointer(self.doc, base)
        self.validate(r, base, what, resp, head=method == "HEAD")
        if 200 <= r.status < 300:
            self.ok2xx.add((tmpl, method if method != "HEAD" else "GET"))
        return r

    def validate(self, r, base, what, resp=None, head=False):
        """r's content type and JSON body against the response at pointer base."""
        code = str(r.status)
        resp = resp or pointer(self.doc, base)
        content = resp.get("content", {})
        ctype = (r.h("content-type") or "").split(";")[0].strip()
        if not content:
            self.c.ok(not r.body, what + ": no body documented, none sent", r.body[:100])
        elif self.c.ok(ctype in content, what + ": content type %s documented" % ctype, sorted(content)):
            if ctype == "application/json" and not head:
                schema = {"$ref": "urn:hearth:openapi" + base + "/content/application~1json/schema"}
                try:
                    data = r.json()
                except ValueError as e:
                    self.c.ok(False, what + ": JSON body", str(e))
                    return
                v = jsonschema.Draft202012Validator(schema, registry=self.registry)
                errs = sorted(v.iter_errors(data), key=lambda e: list(e.path))
                self.c.ok(not errs, what + ": body matches the schema (%s)" % code,
                          "; ".join("at /%s: %s" % ("/".join(map(str, e.path)), e.message[:300]) for e in errs[:3]))


def profile_server(data):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass
    hs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=hs.serve_forever, daemon=True).start()
    return hs


def live(c, doc, hearth, corpus, spec_bytes):
    prof0 = open(os.path.join(corpus, "heap.0.pb.gz"), "rb").read()
    prof1 = open(os.path.join(corpus, "heap.1.pb.gz"), "rb").read()
    gct = open(os.path.join(corpus, "gctrace.log"), "rb").read()
    peer = profile_server(prof0)
    target = "http://127.0.0.1:%d/debug/pprof/heap" % peer.server_address[1]
    srv = Server(hearth, tempfile.mkdtemp(prefix="hearth-openapi-"), ["--fetch-allow", "127.0.0.1"]).start()
    L = Live(c, doc, srv)
    OCT = {"Content-Type": "application/octet-stream"}
    JS = {"Content-Type": "application/json"}
    nobody = "A" * 27
    try:
        L.call("GET", "/healthz", "/healthz", want=200)
        L.call("HEAD", "/healthz", "/healthz", want=200)
        L.call("GET", "/readyz", "/readyz", want=200)
        L.call("GET", "/metrics", "/metrics", want=200)
        r = L.call("GET", "/api/openapi.json", "/api/openapi.json", want=200)
        c.eq(r.body, spec_bytes, "/api/openapi.json serves web/openapi.json")
        a = L.call("POST", "/api/profiles", "/api/profiles?name=a", prof0, OCT, want=201).json()
        b = L.call("POST", "/api/profiles", "/api/profiles?name=b", prof1, OCT, want=201).json()
        body, ctype = multipart("heap.pb.gz", prof0)
        L.call("POST", "/api/profiles", "/api/profiles", body, {"Content-Type": ctype}, want=201)
        L.call("POST", "/api/profiles", "/api/profiles", prof0[:200], OCT, want=400)
        # a legacy text profile is converted (converted_from says so); a text that is none is a 400
        L.call("POST", "/api/profiles", "/api/profiles", b"heap profile: 1: 2 [3: 4] @ heap/1\n", OCT, want=201)
        L.call("POST", "/api/profiles", "/api/profiles", b"hello, this is not a profile\n", OCT, want=400)
        L.call("POST", "/api/profiles", "/api/profiles", prof0, {"Content-Type": "text/html"}, want=415)
        L.call("POST", "/api/fetch", "/api/fetch", json.dumps({"url": target, "name": "f"}).encode(), JS, want=201)
        L.call("POST", "/api/fetch", "/api/fetch", json.dumps({"url": "http://10.1.2.3/x"}).encode(), JS, want=403)
        L.call("POST", "/api/fetch", "/api/fetch", b"{", JS, want=400)
        L.call("GET", "/api/profiles", "/api/profiles?limit=2", want=200)
        L.call("GET", "/api/profiles", "/api/profiles?limit=0", want=400)
        pid = "/api/profiles/" + a["id"]
        r = L.call("GET", "/api/profiles/{id}", pid, want=200)
        # the schemas are closed: an undocumented field would fail (proof on a planted one)
        planted = dict(r.json(), planted_field=1)
        v = jsonschema.Draft202012Validator({"$ref": "urn:hearth:openapi#/components/schemas/ProfileMeta"},
                                            registry=L.registry)
        c.ok(not list(v.iter_errors(r.json())) and list(v.iter_errors(planted)),
             "ProfileMeta accepts the answer and refuses it with an undocumented field")
        L.call("GET", "/api/profiles/{id}", "/api/profiles/" + nobody, want=404)
        r = L.call("GET", "/api/profiles/{id}/raw", pid + "/raw", want=200)
        c.eq(r.body, prof0, "raw is the upload")
        L.call("GET", "/api/profiles/{id}/raw", pid + "/raw", headers={"If-None-Match": r.h("etag")}, want=304)
        for v in ("top", "flamegraph", "callgraph", "callgraph.dot"):
            t = "/api/profiles/{id}/" + v
            L.call("GET", t, pid + "/" + v, want=200)
            L.call("GET", t, pid + "/" + v + "?base=" + b["id"] + "&n=5", want=200)
            L.call("GET", t, pid + "/" + v + "?si=nosuch", want=404)
            L.call("GET", t, pid + "/" + v + "?f=(", want=400)
        L.call("GET", "/api/profiles/{id}/top", pid + "/top?si=alloc_space&cum=1", want=200)
        L.call("GET", "/api/profiles/{id}/tags", pid + "/tags", want=200)
        L.call("GET", "/api/profiles/{id}/sandwich", pid + "/sandwich?fn=main.main", want=200)
        L.call("GET", "/api/profiles/{id}/sandwich", pid + "/sandwich", want=400)
        L.call("GET", "/api/profiles/{id}/peek", pid + "/peek?peek=main", want=200)
        L.call("GET", "/api/profiles/{id}/peek", pid + "/peek?peek=(", want=400)
        for d in ("proto", "traces", "callgrind"):
            L.call("GET", "/api/profiles/{id}/download/" + d, pid + "/download/" + d, want=200)
        for fmt in ("svg", "png", "pdf", "gif"):
            L.call("GET", "/api/profiles/{id}/callgraph.{format}", pid + "/callgraph." + fmt + "?n=10",
                   want=200)
        L.call("GET", "/api/profiles/{id}/callgraph.{format}", pid + "/callgraph.svg?n=0", want=400)
        L.call("GET", "/api/profiles/{id}/callgraph/layout", pid + "/callgraph/layout", want=200)
        L.call("GET", "/api/profiles/{id}/callgraph/layout", pid + "/callgraph/layout?n=0", want=200)
        L.call("GET", "/api/profiles/{id}/callgraph/layout", pid + "/callgraph/layout?f=(", want=400)
        # runtime memory: none recorded with an uploaded .pb.gz; attached from a debug=1 file
        mt = "/api/profiles/{id}/memstats"
        L.call("GET", mt, pid + "/memstats", want=404)
        atok = {"Authorization": "Bearer " + a["delete_token"]}
        d1 = ("heap profile: 0: 0 [0: 0] @ heap/1048576\n\n# runtime.MemStats\n# Sys = 70\n"
              "# HeapSys = 40\n# HeapIdle = 15\n# HeapInuse = 25\n# HeapReleased = 5\n"
              "# Stack = 8 / 10\n# MSpan = 1 / 4\n# MCache = 1 / 3\n# BuckHashSys = 2\n"
              "# GCSys = 6\n# OtherSys = 5\n").encode()
        L.call("POST", mt, pid + "/memstats", d1, dict(OCT, **atok), want=200)
        L.call("POST", mt, pid + "/memstats", d1, OCT, want=403)
        L.call("POST", mt, pid + "/memstats", b"garbage", dict(OCT, **atok), want=400)
        L.call("POST", mt, "/api/profiles/" + nobody + "/memstats", d1, dict(OCT, **atok), want=404)
        L.call("GET", mt, pid + "/memstats", want=200)
        g = L.call("POST", "/api/gctraces", "/api/gctraces?name=g", gct, {"Content-Type": "text/plain"}, want=201).json()
        L.call("POST", "/api/gctraces", "/api/gctraces", b"hello\n", {"Content-Type": "text/plain"}, want=400)
        L.call("GET", "/api/gctraces/{id}", "/api/gctraces/" + g["id"], want=200)
        L.call("GET", "/api/gctraces/{id}", "/api/gctraces/" + nobody, want=404)
        s = L.call("POST", "/api/series", "/api/series",
                   json.dumps({"name": "s", "profiles": [a["id"], b["id"]]}).encode(), JS, want=201).json()
        L.call("POST", "/api/series", "/api/series", json.dumps({"profiles": "x"}).encode(), JS, want=400)
        L.call("GET", "/api/series", "/api/series", want=200)
        cap = L.call("POST", "/api/captures", "/api/captures",
                     json.dumps({"url": target, "interval_s": 60, "count": 3, "name": "c"}).encode(), JS, want=201).json()
        L.call("POST", "/api/captures", "/api/captures", json.dumps({"url": target}).encode(), JS, want=400)
        L.call("GET", "/api/captures", "/api/captures", want=200)
        for base, item in (("series", s), ("captures", cap)):
            t = "/api/%s/{id}" % base
            p = "/api/%s/%s" % (base, item["id"])
            tok = {"Authorization": "Bearer " + item["delete_token"]}
            L.call("GET", t, p, want=200)
            L.call("GET", t, "/api/%s/%s" % (base, nobody), want=404)
            L.call("GET", t + "/growth", p + "/growth?n=3", want=200)
            L.call("GET", t + "/growth", p + "/growth?by=stacks", want=400)
            L.call("PUT", t + "/gctrace", p + "/gctrace", json.dumps({"gctrace": g["id"], "start_ms": 0}).encode(),
                   dict(JS, **tok), want=200)
            L.call("PUT", t + "/gctrace", p + "/gctrace", json.dumps({"gctrace": g["id"]}).encode(), JS, want=403)
            # thinning: set, refused, run now
            L.call("PUT", t + "/thinning", p + "/thinning",
                   json.dumps({"thin": {"keep_s": 60, "every_s": 30}}).encode(), dict(JS, **tok), want=200)
            L.call("PUT", t + "/thinning", p + "/thinning", json.dumps({"thin": "x"}).encode(),
                   dict(JS, **tok), want=400)
            L.call("PUT", t + "/thinning", p + "/thinning", json.dumps({"thin": True}).encode(), JS, want=403)
            L.call("POST", t + "/thin", p + "/thin", b"", tok, want=200)
            L.call("POST", t + "/thin", p + "/thin", b"", {"Authorization": "Bearer wrong"}, want=403)
        # a series of an archive of snapshots
        import io
        import zipfile
        zb = io.BytesIO()
        with zipfile.ZipFile(zb, "w") as z:
            z.writestr("heap.1.pb.gz", prof1)
            z.writestr("heap.0.pb.gz", prof0)
            z.writestr("notes.txt", b"two snapshots")
        L.call("POST", "/api/series/archive", "/api/series/archive?name=arch", zb.getvalue(), OCT, want=201)
        L.call("POST", "/api/series/archive", "/api/series/archive", b"not an archive", OCT, want=400)
        L.call("POST", "/api/series/archive", "/api/series/archive", zb.getvalue(),
               {"Content-Type": "text/html"}, want=415)
        ctok = {"Authorization": "Bearer " + cap["delete_token"]}
        L.call("POST", "/api/captures/{id}/stop", "/api/captures/%s/stop" % cap["id"], b"", ctok, want=200)
        L.call("POST", "/api/series/{id}/stop", "/api/series/%s/stop" % cap["id"], b"", ctok, want=409)
        L.call("POST", "/api/series/{id}/stop", "/api/series/%s/stop" % s["id"], b"",
               {"Authorization": "Bearer wrong"}, want=403)
        # a second capture, stopped through /api/series/{id}/stop
        cap2 = L.call("POST", "/api/captures", "/api/captures",
                      json.dumps({"url": target, "interval_s": 60, "count": 2}).encode(), JS, want=201).json()
        L.call("POST", "/api/series/{id}/stop", "/api/series/%s/stop" % cap2["id"], b"",
               {"Authorization": "Bearer " + cap2["delete_token"]}, want=200)
        L.call("POST", "/api/captures/{id}/stop", "/api/captures/%s/stop" % cap2["id"], b"",
               {"Authorization": "Bearer " + cap2["delete_token"]}, want=409)
        # capture groups: several targets on one schedule
        grp = L.call("POST", "/api/capture-groups", "/api/capture-groups",
                     json.dumps({"name": "sync", "interval_s": 60, "count": 3, "targets": [
                         {"name": "source", "url": target}, {"name": "destination", "url": target}]}).encode(),
                     JS, want=201).json()
        L.call("POST", "/api/capture-groups", "/api/capture-groups",
               json.dumps({"interval_s": 60, "count": 3, "targets": [{"name": "a", "url": target}] * 2}).encode(),
               JS, want=400)
        L.call("GET", "/api/capture-groups", "/api/capture-groups", want=200)
        gp = "/api/capture-groups/" + grp["id"]
        gtok = {"Authorization": "Bearer " + grp["delete_token"]}
        L.call("GET", "/api/capture-groups/{id}", gp, want=200)
        L.call("GET", "/api/capture-groups/{id}", "/api/capture-groups/" + nobody, want=404)
        L.call("PUT", "/api/capture-groups/{id}/gctrace", gp + "/gctrace",
               json.dumps({"gctrace": g["id"], "tracks": [None, None]}).encode(), dict(JS, **gtok), want=200)
        L.call("PUT", "/api/capture-groups/{id}/gctrace", gp + "/gctrace",
               json.dumps({"gctrace": g["id"], "tracks": ["nope", None]}).encode(), dict(JS, **gtok), want=400)
        L.call("POST", "/api/capture-groups/{id}/stop", gp + "/stop", b"", gtok, want=200)
        L.call("POST", "/api/capture-groups/{id}/stop", gp + "/stop", b"", {"Authorization": "Bearer x"},
               want=403)
        L.call("GET", "/c/{id}", "/c/" + grp["id"], want=200, headers={"Accept": "text/html"})
        grp2 = L.call("POST", "/api/capture-groups", "/api/capture-groups",
                      json.dumps({"interval_s": 60, "count": 2, "targets": [{"name": "x", "url": target}]}).encode(),
                      JS, want=201).json()
        L.call("DELETE", "/api/capture-groups/{id}", "/api/capture-groups/%s?profiles=1" % grp2["id"], None,
               {"Authorization": "Bearer " + grp2["delete_token"]}, want=204)
        L.call("DELETE", "/api/capture-groups/{id}", "/api/capture-groups/%s" % grp2["id"], None,
               {"Authorization": "Bearer " + grp2["delete_token"]}, want=404)
        # saved views
        sv = L.call("POST", "/api/views", "/api/views",
                    json.dumps({"name": "hot", "params": {"f": "main", "view": "top"}}).encode(), JS,
                    want=201).json()
        L.call("POST", "/api/views", "/api/views", json.dumps({"name": "hot"}).encode(), JS, want=409)
        L.call("POST", "/api/views", "/api/views",
               json.dumps({"name": "x", "params": {"f": "("}}).encode(), JS, want=400)
        L.call("POST", "/api/views", "/api/views",
               json.dumps({"name": "x" * 101, "params": {}}).encode(), JS, want=413)
        L.call("GET", "/api/views", "/api/views", want=200)
        L.call("GET", "/api/views/{id}", "/api/views/" + sv["id"], want=200)
        L.call("GET", "/api/views/{id}", "/api/views/" + nobody, want=404)
        for tmpl, path in (("/", "/"), ("/index.html", "/index.html"), ("/p/{id}", "/p/" + a["id"]),
                           ("/s/{id}", "/s/" + s["id"]), ("/g/{id}", "/g/" + g["id"]), ("/robots.txt", "/robots.txt")):
            L.call("GET", tmpl, path, want=200, headers={"Accept": "text/html"} if tmpl == "/p/{id}" else None)
        # /p/ID without Accept: text/html is the profile itself (go tool pprof reads share links)
        r = L.call("GET", "/p/{id}", "/p/" + a["id"], want=200)
        c.eq(r.body, prof0, "/p/ID for a non-browser client: the stored bytes")
        # 405: exactly the undocumented methods of each path (ids filled in)
        fill = {"/api/profiles/{id}": a["id"], "/api/gctraces/{id}": g["id"], "/api/series/{id}": s["id"],
                "/api/captures/{id}": cap["id"], "/p/{id}": a["id"], "/s/{id}": s["id"], "/g/{id}": g["id"],
                "/api/views/{id}": sv["id"], "/api/capture-groups/{id}": grp["id"], "/c/{id}": grp["id"]}
        for tmpl, item in doc["paths"].items():
            path = tmpl
            for k, v in fill.items():
                if tmpl.startswith(k):
                    path = tmpl.replace("{id}", v)
            for m in ("GET", "POST", "PUT", "DELETE"):
                if m.lower() in item:
                    continue
                r = srv.req(m, path, b"" if m in ("POST", "PUT") else None)
                if c.eq(r.status, 405, "%s %s (undocumented method): 405" % (m, tmpl)):
                    L.validate(r, "#/components/responses/E405", "%s %s" % (m, tmpl))
        # deletes last
        L.call("DELETE", "/api/series/{id}", "/api/series/" + s["id"], headers={"Authorization": "Bearer x"}, want=403)
        L.call("DELETE", "/api/series/{id}", "/api/series/" + s["id"],
               headers={"Authorization": "Bearer " + s["delete_token"]}, want=204)
        L.call("DELETE", "/api/captures/{id}", "/api/captures/%s?profiles=1" % cap["id"], headers=ctok, want=204)
        L.call("DELETE", "/api/views/{id}", "/api/views/" + sv["id"], headers={"Authorization": "Bearer x"},
               want=403)
        L.call("DELETE", "/api/views/{id}", "/api/views/" + sv["id"],
               headers={"Authorization": "Bearer " + sv["delete_token"]}, want=204)
        L.call("DELETE", "/api/profiles/{id}", pid, headers={"Authorization": "Bearer x"}, want=403)
        L.call("DELETE", "/api/profiles/{id}", pid, headers={"Authorization": "Bearer " + a["delete_token"]}, want=204)
        L.call("GET", "/api/profiles/{id}", pid, want=404)
        # every documented operation answered 2xx at least once
        for tmpl, item in doc["paths"].items():
            for m in item:
                c.ok((tmpl, m.upper()) in L.ok2xx, "live: %s %s was answered 2xx and checked" % (m.upper(), tmpl))
    finally:
        srv.stop()
        srv.close_log()
        peer.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    for f in ("heap.0.pb.gz", "heap.1.pb.gz", "gctrace.log"):
        if not os.path.exists(os.path.join(args.corpus, f)):
            skip("no %s in %s" % (f, args.corpus))
    c = Checks(args.v)
    spec_path = os.path.join(args.source, "web", "openapi.json")
    with open(spec_path, "rb") as f:
        spec_bytes = f.read()
    doc = json.loads(spec_bytes)
    with open(os.path.join(args.source, "CMakeLists.txt")) as f:
        version = re.search(r"project\(hearth VERSION ([0-9.]+)", f.read()).group(1)
    check_structure(c, copy.deepcopy(doc), version)
    check_routes(c, doc, args.source)
    live(c, doc, args.hearth, args.corpus, spec_bytes)
    c.finish()


if __name__ == "__main__":
    main()
