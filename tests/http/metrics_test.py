#!/usr/bin/env python3
"""/metrics after a known sequence of requests, parsed by a real Prometheus
text parser (Debian's python3-prometheus-client), with exact values
(issue 15, item 3).

The sequence: two uploads of one profile, a bad upload, two views of it
(a view-cache miss, then a hit), an unknown profile, an unknown page, a
delete, a fetch of a closed port and one of a second server, a capture of
two snapshots. Then: request counts by method, route template and status;
request and response body bytes equal what was sent and received; the
latency histograms agree with the counts; cache hits, misses and entries;
profiles and series stored; captures by state; fetch outcomes; store
operation counts; RSS. A second scrape shows the first one counted.
Usage: metrics_test.py --hearth BIN --gen DIR
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's package lives in the system python's dist-packages
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("HEARTH_REEXEC"):
        os.environ["HEARTH_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-prometheus-client is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, free_port, skip  # noqa: E402


def scrape(c, srv):
    r = srv.get("/metrics")
    c.eq(r.status, 200, "/metrics answers 200")
    c.ok((r.h("content-type") or "").startswith("text/plain; version=0.0.4"),
         "/metrics: Prometheus text content type", r.h("content-type"))
    samples = {}
    types = {}
    for fam in text_string_to_metric_families(r.body.decode()):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            c.ok(key not in samples, "no duplicate sample " + repr(key))
            samples[key] = s.value
    return samples, types, r


def scrape_until(c, srv, done):
    """Scrape until done(samples, i) holds for the i-th try (from 0), for at
    most 5 s: a request is counted once its answer is written, so one answered
    just before a scrape may be counted a moment later. Returns the last
    scrape and the number of scrapes made."""
    deadline = time.monotonic() + 5
    i = 0
    while True:
        out = scrape(c, srv)
        if done(out[0], i) or time.monotonic() > deadline:
            return out, i + 1
        i += 1
        time.sleep(0.05)


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    cpu_path = os.path.join(args.gen, "cpu.pb.gz")
    if not os.path.exists(cpu_path):
        skip("generated profile missing: " + cpu_path)
    cpu = open(cpu_path, "rb").read()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-metrics-")
    target = Server(args.hearth, os.path.join(tmp, "target")).start()
    srv = Server(args.hearth, os.path.join(tmp, "data"), ["--fetch-allow", "127.0.0.1"]).start()
    sent = {}  # (method, route) -> [bytes in, bytes out]
    counts = {}  # (method, route, status) -> n

    def req(method, path, route, body=None, headers=None):
        r = srv.req(method, path, body, headers)
        k = (method, route)
        sent.setdefault(k, [0, 0])
        sent[k][0] += len(body or b"")
        sent[k][1] += len(r.body)
        counts[(method, route, str(r.status))] = counts.get((method, route, str(r.status)), 0) + 1
        return r

    try:
        # a request is counted once its answer is written, so the harness's last
        # /healthz poll may land a moment after the client saw its answer
        (s0, _, _), scrapes = scrape_until(
            c, srv, lambda s, i: (val(s, "hearth_http_requests_total", method="GET", route="/healthz",
                                      status="200") or 0) >= 1)
        health0 = val(s0, "hearth_http_requests_total", method="GET", route="/healthz", status="200")
        c.ok(health0 and health0 >= 1, "the harness's /healthz polls are counted", health0)
        oct_ = {"Content-Type": "application/octet-stream"}
        up = [req("POST", "/api/profiles?name=a", "/api/profiles", cpu, oct_) for _ in range(2)]
        c.eq([r.status for r in up], [201, 201], "two uploads")
        bad = req("POST", "/api/profiles", "/api/profiles", b"\x0a\xff\xff\xff\xff\x0f", oct_)
        c.ok(bad.status in (400, 422), "a bad upload is refused", repr(bad))
        pid, token = up[0].json()["id"], up[0].json()["delete_token"]
        v = [req("GET", "/api/profiles/%s/top" % pid, "/api/profiles/{id}/top") for _ in range(2)]
        c.eq([r.status for r in v], [200, 200], "two views")
        req("GET", "/api/profiles/%s" % ("A" * 27), "/api/profiles/{id}")
        req("GET", "/no/such/page", "other")
        r = req("DELETE", "/api/profiles/" + up[1].json()["id"], "/api/profiles/{id}",
                headers={"Authorization": "Bearer " + up[1].json()["delete_token"]})
        c.eq(r.status, 204, "a delete")
        jh = {"Content-Type": "application/json"}
        r = req("POST", "/api/fetch", "/api/fetch",
                b'{"url":"http://127.0.0.1:%d/debug/pprof/heap"}' % free_port(), jh)
        c.eq(r.status, 502, "a fetch of a closed port")
        tr = target.req("POST", "/api/profiles?name=t", cpu, oct_)
        traw = "http://127.0.0.1:%d/api/profiles/%s/raw" % (target.port, tr.json()["id"])
        r = req("POST", "/api/fetch", "/api/fetch", b'{"url":"%s"}' % traw.encode(), jh)
        c.eq(r.status, 201, "a fetch of the second server")
        r = req("POST", "/api/captures", "/api/captures",
                b'{"url":"%s","interval_s":1,"count":2}' % traw.encode(), jh)
        c.eq(r.status, 201, "a capture")
        sid = r.json().get("id", "")
        deadline = time.time() + 20
        while time.time() < deadline:
            st = srv.get("/api/series/" + sid).json().get("capture") or {}
            if st.get("state") != "running":
                break
            time.sleep(0.3)
        c.eq(st.get("state"), "done", "the capture is done")

        # the same for the last requests before this scrape: wait (briefly) until
        # every request made so far is counted
        def settled(s, i):
            return all(val(s, "hearth_http_requests_total", method=m, route=route, status=status) == n
                       for (m, route, status), n in counts.items()) and \
                val(s, "hearth_http_requests_total", method="GET", route="/metrics",
                    status="200") == scrapes + i
        (s1, types, r1), k = scrape_until(c, srv, settled)
        scrapes += k - 1  # the scrapes before s1
        scrape_bytes = len(r1.body)
        for (m, route, status), n in counts.items():
            c.eq(val(s1, "hearth_http_requests_total", method=m, route=route, status=status), n,
                 "requests_total{%s %s %s}" % (m, route, status))
        c.eq(val(s1, "hearth_http_requests_total", method="GET", route="/metrics", status="200"),
             scrapes, "each earlier scrape is counted once")
        for (m, route), (bin_, bout) in sent.items():
            c.eq(val(s1, "hearth_http_request_bytes_total", method=m, route=route), bin_,
                 "request_bytes_total{%s %s}" % (m, route))
            c.eq(val(s1, "hearth_http_response_bytes_total", method=m, route=route), bout,
                 "response_bytes_total{%s %s}" % (m, route))
            n = sum(v for (mm, rr, _), v in counts.items() if (mm, rr) == (m, route))
            c.eq(val(s1, "hearth_http_request_duration_seconds_count", method=m, route=route), n,
                 "duration histogram count{%s %s}" % (m, route))
            c.eq(val(s1, "hearth_http_request_duration_seconds_bucket", method=m, route=route,
                     le="+Inf"), n, "duration +Inf bucket{%s %s}" % (m, route))
            buckets = sorted((float(dict(k[1])["le"]), v) for k, v in s1.items()
                             if k[0] == "hearth_http_request_duration_seconds_bucket"
                             and dict(k[1]).get("route") == route and dict(k[1])["method"] == m)
            c.ok(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])),
                 "buckets are cumulative{%s %s}" % (m, route))
        c.eq(types.get("hearth_http_request_duration_seconds"), "histogram", "histogram type")
        routes = {dict(k[1]).get("route") for k in s1 if k[0] == "hearth_http_requests_total"}
        c.ok(not any(pid in (x or "") or token in (x or "") for x in routes),
             "no id or token in route labels", routes)
        # caches: the upload keeps the decoded profile; view 1 misses the view cache and
        # hits the profile cache; view 2 hits the view cache
        c.eq(val(s1, "hearth_cache_hits_total", cache="views"), 1, "view cache hits")
        c.eq(val(s1, "hearth_cache_misses_total", cache="views"), 1, "view cache misses")
        c.eq(val(s1, "hearth_cache_hits_total", cache="profiles"), 1, "profile cache hits")
        c.eq(val(s1, "hearth_cache_misses_total", cache="profiles"), 0, "profile cache misses")
        c.eq(val(s1, "hearth_cache_entries", cache="views"), 1, "view cache entries")
        c.eq(val(s1, "hearth_cache_evictions_total", cache="profiles"), 0, "no evictions")
        c.ok((val(s1, "hearth_cache_bytes", cache="profiles") or 0) > 0, "profile cache bytes")
        # stored: 2 uploads - 1 delete + 1 fetch + 2 snapshots; the capture's series
        c.eq(val(s1, "hearth_profiles_stored"), 4, "profiles stored")
        c.eq(val(s1, "hearth_series_stored"), 1, "series stored")
        for state in ("running", "done", "stopped", "interrupted", "failed"):
            c.eq(val(s1, "hearth_captures", state=state), 1 if state == "done" else 0,
                 "captures{state=%s}" % state)
        # fetches: the request fetches and the capture's first snapshot are requests,
        # its second is scheduled
        c.eq(val(s1, "hearth_fetches_total", kind="request", outcome="upstream_failed"), 1,
             "fetches{request, upstream}")
        c.eq(val(s1, "hearth_fetches_total", kind="request", outcome="ok"), 2,
             "fetches{request, ok}")
        c.eq(val(s1, "hearth_fetches_total", kind="capture", outcome="ok"), 1,
             "fetches{capture, ok}")
        c.eq(val(s1, "hearth_store_duration_seconds_count", op="put"), 5, "store puts")
        c.eq(val(s1, "hearth_store_duration_seconds_count", op="delete"), 1, "store deletes")
        for slot in ("decode", "view", "upload", "fetch"):
            c.eq(val(s1, "hearth_slot_busy_total", slot=slot), 0, "no 503 for %s slots" % slot)
        c.ok((val(s1, "process_resident_memory_bytes") or 0) > 1 << 20, "RSS is reported")
        c.eq(types.get("hearth_cache_entries"), "gauge", "cache entries is a gauge")

        # every earlier scrape, s1 included, is counted
        (s2, _, _), k = scrape_until(
            c, srv, lambda s, i: val(s, "hearth_http_requests_total", method="GET", route="/metrics",
                                     status="200") == scrapes + 1 + i)
        scrapes += k
        n2 = val(s2, "hearth_http_requests_total", method="GET", route="/metrics", status="200")
        c.eq(n2, scrapes, "the next scrape sees the previous one")
        before = val(s1, "hearth_http_response_bytes_total", method="GET", route="/metrics")
        c.eq(val(s2, "hearth_http_response_bytes_total", method="GET", route="/metrics"),
             before + scrape_bytes, "response bytes of /metrics add up")
        r = srv.req("POST", "/metrics", b"")
        c.eq(r.status, 405, "POST /metrics: 405")
    finally:
        for s in (srv, target):
            s.stop()
            s.close_log()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
