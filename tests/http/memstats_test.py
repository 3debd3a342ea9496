#!/usr/bin/env python3
"""Runtime memory next to heap profiles, end to end against our own Go peer (tests/peer).

The peer keeps every ?debug=1 heap answer and every /debug/vars answer it
sends (/peer/served), so what Hearth stored is compared with the exact bytes
the peer sent at that moment (its own runtime.ReadMemStats), not a later read.

  - healthy peer: a 4-snapshot heap capture; each snapshot's MemStats (from
    heap?debug=1) equal the peer's served text field by field; the breakdown's
    parts sum to Sys; explained = min(the profile's inuse_space total, HeapInuse);
    the sentence; no hint; a series of its CPU profile has no race hint;
  - a spike kept idle (-spike-mb): the idle_heap hint, its figures equal the API's;
  - a goroutine leak served only through /debug/vars (-no-debug1): MemStats from
    expvar equal the peer's JSON, the goroutine counts only grow, the
    goroutine_leak hint by goroutines; the same leak with debug=1: by stacks;
  - a -race build (go build -race; exit 77 only when the toolchain cannot):
    its CPU profile has runtime.race* frames, the race hint fires; its heap
    snapshots' MaxRSS is far above Sys: the outside_runtime hint;
  - a gctrace of a leaking peer (GOGC=20): goal_rising; of a steady one: nothing;
  - a target serving no MemStats: the snapshot is stored all the same and
    the row says why; an uploaded ?debug=1 file keeps its MemStats and its
    profile part parses as before; attach (POST) with the token, bad input
    (overflow, missing fields, garbage, too large) answers 4xx; deleting the
    profile deletes its MemStats.
Usage: memstats_test.py --hearth BIN --corpus DIR (DIR: generated profiles with heap.0.pb.gz)
"""
import argparse
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, request, skip  # noqa: E402

PEER_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer")
JSON = {"Content-Type": "application/json"}
OCT = {"Content-Type": "application/octet-stream"}
PARTS = ("explained", "beyond", "idle", "released", "stacks", "runtime", "other")


def go_build(tmp, out, race=False):
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod")
    if not env.get("HOME"):
        env["GOCACHE"] = os.path.join(tmp, "gocache")
    cmd = ["go", "build"] + (["-race"] if race else []) + ["-o", out, "."]
    r = subprocess.run(cmd, cwd=PEER_SRC, env=env, capture_output=True, text=True)
    return r.returncode == 0, r.stderr[:500]


class Peer:
    def __init__(self, binary, tmp, name, args=(), env=None):
        self.portfile = os.path.join(tmp, name + ".port")
        self.stderr_path = os.path.join(tmp, name + ".stderr")
        self.err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "-listen", "127.0.0.1:0", "-portfile", self.portfile, "-max-lifetime", "4m"]
            + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
            env=dict(os.environ, **(env or {})))
        for _ in range(400):
            if os.path.exists(self.portfile) and open(self.portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(self.portfile).read().strip())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path):
        r = request(self.port, "GET", path, timeout=60)
        return r

    def served(self, what):
        return json.loads(self.get("/peer/served?what=" + what).body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        self.err.close()


def parse_debug1(text):
    """The runtime.MemStats block of a debug=1 heap answer, as Go names the fields."""
    i = text.rindex("\n# runtime.MemStats\n")
    out = {}
    for line in text[i + 1:].splitlines()[1:]:
        m = re.match(r"# (\w+) = (.*)$", line)
        if not m:
            continue
        k, v = m.groups()
        if k in ("Stack", "MSpan", "MCache"):
            a, b = v.split(" / ")
            out[k + "Inuse"], out[k + "Sys"] = int(a), int(b)
        elif k in ("PauseNs", "PauseEnd"):
            continue
        elif k == "GCCPUFraction":
            out[k] = float(v)
        elif k == "DebugGC":
            out[k] = v == "true"
        else:
            out[k] = int(v)
    return out


def capture(c, srv, url, count, what, interval=1):
    r = srv.req("POST", "/api/captures", json.dumps(
        {"url": url, "interval_s": interval, "count": count, "gc": True, "name": what}).encode(), JSON)
    if not c.eq(r.status, 201, what + ": capture started"):
        print(r.body[:500])
        return None
    sid = r.json()["id"]
    deadline = time.time() + 30 + count * interval
    while time.time() < deadline:
        s = srv.get("/api/series/" + sid).json()
        if s["capture"]["state"] != "running":
            break
        time.sleep(0.2)
    c.eq(s["capture"]["state"], "done", what + ": capture done")
    c.eq(s["count"], count, what + ": every snapshot stored")
    s["delete_token"] = r.json()["delete_token"]
    return s


def inuse_total(srv, pid):
    top = srv.get("/api/profiles/%s/top?si=inuse_space&n=1" % pid).json()
    return top["total"]


def check_parts(c, srv, s, what):
    """Each snapshot's parts sum to Sys; explained = min(profile inuse total, HeapInuse)."""
    for k, (p, m) in enumerate(zip(s["profiles"], s["memory"])):
        c.eq(m["profile"], p["id"], "%s #%d: memory entry is the snapshot's" % (what, k + 1))
        if not c.ok("sys" in m, "%s #%d: a breakdown" % (what, k + 1), m):
            continue
        c.eq(sum(m[x] for x in PARTS), m["sys"], "%s #%d: the parts sum to Sys" % (what, k + 1))
        full = srv.get("/api/profiles/%s/memstats" % p["id"]).json()
        ms = full["memstats"]
        c.eq(m["sys"], ms["Sys"], "%s #%d: sys is Sys" % (what, k + 1))
        c.eq(ms["HeapSys"] + ms["StackSys"] + ms["MSpanSys"] + ms["MCacheSys"] + ms["BuckHashSys"]
             + ms["GCSys"] + ms["OtherSys"], ms["Sys"], "%s #%d: Sys identity" % (what, k + 1))
        c.eq(ms["HeapInuse"] + ms["HeapIdle"], ms["HeapSys"], "%s #%d: HeapSys identity" % (what, k + 1))
        total = inuse_total(srv, p["id"])
        c.eq(m["profile_inuse"], total, "%s #%d: profile_inuse is the profile's inuse_space total" % (what, k + 1))
        c.eq(m["explained"], min(total, ms["HeapInuse"]), "%s #%d: explained" % (what, k + 1))
        c.eq(m["beyond"], ms["HeapInuse"] - m["explained"], "%s #%d: beyond" % (what, k + 1))
        c.eq(m["idle"], ms["HeapIdle"] - ms["HeapReleased"], "%s #%d: idle" % (what, k + 1))
        c.eq(m["runtime"], ms["MSpanSys"] + ms["MCacheSys"] + ms["GCSys"] + ms["BuckHashSys"],
             "%s #%d: runtime metadata" % (what, k + 1))
        want = "the heap profile accounts for %.1f %% of the %.1f MB the Go runtime holds" % (
            100.0 * m["explained"] / m["sys"], m["sys"] / 1048576.0)
        c.eq(m["sentence"], want, "%s #%d: the sentence" % (what, k + 1))
        c.eq(full["breakdown"]["sentence"], want, "%s #%d: GET memstats has the same sentence" % (what, k + 1))


def same_fields(c, stored, want, what):
    bad = [(k, stored.get(k), v) for k, v in want.items() if k in stored and stored[k] != v]
    missing = [k for k in ("Sys", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "StackSys",
                           "MSpanSys", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys", "NumGC",
                           "NextGC", "Alloc", "TotalAlloc") if k not in stored]
    c.ok(not bad and not missing, what, "differ: %s, missing: %s" % (bad[:5], missing))


def rules(s):
    return [h["rule"] for h in s["hints"]]


class NoStats(http.server.BaseHTTPRequestHandler):
    data = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.data)))
        self.end_headers()
        self.wfile.write(self.data)

    def log_message(self, *a):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    if not shutil.which("go"):
        skip("go not found (the peer is written in Go)")
    c = Checks(a.v)
    tmp = tempfile.mkdtemp(prefix="hearth-memstats-")
    peer_bin, race_bin = os.path.join(tmp, "peer"), os.path.join(tmp, "peer-race")
    ok, err = go_build(tmp, peer_bin)
    if not ok:
        raise RuntimeError("go build tests/peer: " + err)
    race_ok, race_err = go_build(tmp, race_bin, race=True)
    if not race_ok:
        skip("this Go toolchain cannot build with -race: " + race_err)
    srv = Server(a.hearth, os.path.join(tmp, "data"), ["--fetch-allow", "127.0.0.1"]).start()
    peers = []
    try:
        # ---- healthy peer: exact values, the identity, no hint ----
        healthy = Peer(peer_bin, tmp, "healthy", ["-spin", "0.2"])
        peers.append(healthy)
        s = capture(c, srv, healthy.url("/debug/pprof/heap"), 4, "healthy")
        served = healthy.served("debug1")
        c.eq(len(served), 4, "healthy: the peer served ?debug=1 once per snapshot")
        for k, p in enumerate(s["profiles"]):
            full = srv.get("/api/profiles/%s/memstats" % p["id"]).json()
            c.eq(full["format"], "debug1", "healthy #%d: from heap?debug=1" % (k + 1))
            c.eq(full["source"], healthy.url("/debug/pprof/heap?debug=1"), "healthy #%d: source" % (k + 1))
            if k < len(served):
                want = parse_debug1(served[k])
                c.eq(full["memstats"], want, "healthy #%d: every stored field equals the peer's served text" % (k + 1))
        check_parts(c, srv, s, "healthy")
        c.eq(s["hints"], [], "healthy: no hint")
        r = srv.req("POST", "/api/fetch", json.dumps(
            {"url": healthy.url("/debug/pprof/profile?seconds=1")}).encode(), JSON)
        cpu = r.json()
        c.ok("race_frame" not in cpu, "healthy CPU profile: no race frame", cpu.get("race_frame"))
        c.eq(srv.req("GET", "/api/profiles/%s/memstats" % cpu["id"]).status, 404,
             "a CPU profile gets no MemStats (not a heap snapshot)")
        r = srv.req("POST", "/api/series", json.dumps({"profiles": [cpu["id"]]}).encode(), JSON)
        c.eq(r.json()["hints"], [], "healthy CPU series: no hint")
        healthy.stop()

        # ---- a spike kept idle ----
        spike = Peer(peer_bin, tmp, "spike", ["-spike-mb", "160", "-leak-every", "1h",
                                              "-churn-every", "0", "-spin", "0"])
        peers.append(spike)
        s = capture(c, srv, spike.url("/debug/pprof/heap"), 3, "spike")
        check_parts(c, srv, s, "spike")
        c.eq(rules(s), ["idle_heap"], "spike: the idle_heap hint, only")
        h = next((h for h in s["hints"] if h["rule"] == "idle_heap"), None)
        if h:
            ev = h["evidence"]
            m = s["memory"][ev["snapshot"] - 1]
            c.eq(ev["profile"], m["profile"], "idle_heap: names its snapshot")
            c.eq(ev["idle_not_returned"], m["idle"], "idle_heap: its figure is the snapshot's idle part")
            c.ok(ev["idle_not_returned"] >= 64 << 20 and ev["idle_not_returned"] >= ev["HeapInuse"],
                 "idle_heap: above its thresholds", ev)
            c.ok("%.1f MB" % (ev["idle_not_returned"] / 1048576.0) in h["text"], "idle_heap: the text has the figure")
            c.ok(h["link"].startswith("https://"), "idle_heap: a link to read")
        spike.stop()

        # ---- goroutine leak, MemStats only through /debug/vars ----
        leak = Peer(peer_bin, tmp, "leak", ["-no-debug1", "-goroutine-every", "2ms", "-spin", "0"])
        peers.append(leak)
        s = capture(c, srv, leak.url("/debug/pprof/heap"), 4, "leak")
        vars_served = leak.served("vars")
        c.eq(len(vars_served), 4, "leak: /debug/vars served once per snapshot")
        gors = []
        for k, p in enumerate(s["profiles"]):
            full = srv.get("/api/profiles/%s/memstats" % p["id"]).json()
            c.eq(full.get("format"), "expvar", "leak #%d: from /debug/vars" % (k + 1))
            if k < len(vars_served) and "memstats" in full:
                want = json.loads(vars_served[k])
                same_fields(c, full["memstats"], want["memstats"],
                            "leak #%d: every stored field equals the peer's own ReadMemStats JSON" % (k + 1))
                c.eq(full["goroutines"], want["goroutines"], "leak #%d: goroutines as the peer said" % (k + 1))
                gors.append(full["goroutines"])
        check_parts(c, srv, s, "leak")
        c.ok(gors == sorted(gors) and gors[-1] - gors[0] >= 100, "leak: goroutine counts only grow", gors)
        c.eq(rules(s), ["goroutine_leak"], "leak: the goroutine_leak hint, only")
        h = next((h for h in s["hints"] if h["rule"] == "goroutine_leak"), None)
        if h:
            c.eq(h["evidence"]["by"], "goroutines", "goroutine_leak: by the counts")
            c.eq([h["evidence"]["goroutines_first"], h["evidence"]["goroutines_last"]], [gors[0], gors[-1]],
                 "goroutine_leak: its figures are the snapshots'")
        # a series of goroutine profiles: the counts are their totals
        s = capture(c, srv, leak.url("/debug/pprof/goroutine"), 3, "leak-goroutine-profiles")
        c.ok(all(m.get("none") for m in s["memory"]), "goroutine profiles: no MemStats fetched", s["memory"])
        c.eq(rules(s), ["goroutine_leak"], "goroutine profiles: the goroutine_leak hint")
        if s["hints"]:
            ev = s["hints"][0]["evidence"]
            c.eq(ev["by"], "goroutine_profiles", "goroutine_leak: by the goroutine profiles' totals")
            first = srv.get("/api/profiles/%s/top?n=1" % s["profiles"][0]["id"]).json()["total"]
            last = srv.get("/api/profiles/%s/top?n=1" % s["profiles"][-1]["id"]).json()["total"]
            c.eq([ev["goroutines_first"], ev["goroutines_last"]], [first, last],
                 "goroutine_leak: its figures are the profiles' totals")
        leak.stop()
        # the same leak seen through debug=1 only (no counts): by stack growth
        leak2 = Peer(peer_bin, tmp, "leak2", ["-goroutine-every", "1ms", "-spin", "0"])
        peers.append(leak2)
        s = capture(c, srv, leak2.url("/debug/pprof/heap"), 4, "leak-stacks")
        c.eq(rules(s), ["goroutine_leak"], "leak (debug=1): the goroutine_leak hint")
        if s["hints"]:
            c.eq(s["hints"][0]["evidence"]["by"], "stacks", "goroutine_leak without counts: by stacks")
        leak2.stop()

        # ---- a -race build ----
        race = Peer(race_bin, tmp, "race", ["-race-work", "-spin", "0.1"])
        peers.append(race)
        r = srv.req("POST", "/api/fetch", json.dumps(
            {"url": race.url("/debug/pprof/profile?seconds=2")}).encode(), JSON)
        cpu = r.json()
        c.ok(str(cpu.get("race_frame", "")).startswith(("runtime.race", "__tsan_")),
             "race CPU profile: a race detector frame found", cpu.get("race_frame"))
        s = capture(c, srv, race.url("/debug/pprof/heap"), 2, "race-heap")
        check_parts(c, srv, s, "race-heap")
        # its heap profile has no race frame, but its MaxRSS is far above Sys (the shadow memory)
        c.eq(rules(s), ["outside_runtime"], "race heap capture: memory outside the Go runtime")
        h = next((h for h in s["hints"] if h["rule"] == "outside_runtime"), None)
        if h:
            ms = srv.get("/api/profiles/%s/memstats" % s["profiles"][h["evidence"]["snapshot"] - 1]["id"]).json()["memstats"]
            c.eq([h["evidence"]["MaxRSS"], h["evidence"]["Sys"], h["evidence"]["outside"]],
                 [ms["MaxRSS"], ms["Sys"], ms["MaxRSS"] - ms["Sys"]], "outside_runtime: its figures are the snapshot's")
        r = srv.req("POST", "/api/series", json.dumps(
            {"profiles": [cpu["id"]] + [p["id"] for p in s["profiles"]]}).encode(), JSON)
        rs = r.json()
        c.eq(rules(rs), ["outside_runtime", "race"], "race: the race hint fires (and MaxRSS's)")
        h = next((h for h in rs["hints"] if h["rule"] == "race"), None)
        if h:
            c.ok("built with -race, which multiplies memory use several times" in h["text"], "race: the sentence")
            c.eq(h["evidence"]["frame"], cpu.get("race_frame"), "race: its frame is the profile's")
        race.stop()

        # ---- gctrace: a heap goal that keeps rising, and a steady one ----
        for name, args, gogc, want in (
                ("gc-rising", ["-leak-mb", "400", "-leak-every", "10ms", "-churn-every", "0", "-spin", "0"], "20",
                 ["goal_rising"]),
                ("gc-steady", ["-leak-mb", "4", "-churn-every", "1ms", "-spin", "0"], "100", [])):
            gp = Peer(peer_bin, tmp, name, args, env={"GODEBUG": "gctrace=1", "GOGC": gogc})
            peers.append(gp)
            s = capture(c, srv, gp.url("/debug/pprof/heap"), 3, name, interval=2)
            gp.stop()
            log = open(gp.stderr_path, "rb").read()
            g = srv.req("POST", "/api/gctraces?name=" + name, log, {"Content-Type": "text/plain"}).json()
            r = srv.req("PUT", "/api/series/%s/gctrace" % s["id"], json.dumps({"gctrace": g["id"]}).encode(),
                        dict(JSON, Authorization="Bearer " + s["delete_token"]))
            c.eq(r.status, 200, name + ": gctrace attached")
            s = srv.get("/api/series/" + s["id"]).json()
            c.ok(rules(s) == want, name + ": the gctrace hints", [(h["rule"], h["evidence"]) for h in s["hints"]])
            h = next((h for h in s["hints"] if h["rule"] == "goal_rising"), None)
            if h:
                q = h["evidence"]["goal_mb_quarters"]
                c.ok(q == sorted(q) and q[3] >= 2 * q[0] and h["evidence"]["gcs"] >= 8,
                     "goal_rising: its quarters rise, the last >= 2x the first", h["evidence"])
                goals = [int(x) for x in re.findall(rb", (\d+) MB goal", log)]
                c.eq(h["evidence"]["gcs"], len(goals), "goal_rising: every GC line of the log counted")

        # ---- no MemStats to be had: the snapshot is stored anyway ----
        NoStats.data = open(os.path.join(a.corpus, "heap.0.pb.gz"), "rb").read()
        ns = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoStats)
        threading.Thread(target=ns.serve_forever, daemon=True).start()
        s = capture(c, srv, "http://127.0.0.1:%d/debug/pprof/heap" % ns.server_address[1], 2, "nostats")
        for m in s["memory"]:
            c.ok("error" in m and "heap?debug=1" in m["error"] and "/debug/vars" in m["error"],
                 "nostats: the row says why, for both places", m)
        c.eq(s["hints"], [], "nostats: no hint without figures")
        ns.shutdown()
        # a capture deleted with its snapshots takes their MemStats rows too
        r = srv.req("DELETE", "/api/series/%s?profiles=1" % s["id"],
                    headers={"Authorization": "Bearer " + s["delete_token"]})
        c.eq(r.status, 204, "nostats: the capture deleted with its snapshots")
        for p in s["profiles"]:
            c.eq(srv.req("GET", "/api/profiles/%s/memstats" % p["id"]).status, 404,
                 "nostats: the snapshot's MemStats row went with it")

        # ---- upload a debug=1 file; attach; bad input; delete ----
        p2 = Peer(peer_bin, tmp, "upload", ["-spin", "0"])
        peers.append(p2)
        text = p2.get("/debug/pprof/heap?debug=1").body
        up = srv.req("POST", "/api/profiles?name=d1", text, OCT).json()
        c.eq(up.get("converted_from") is not None, True, "upload: the debug=1 profile part parses as before")
        full = srv.get("/api/profiles/%s/memstats" % up["id"]).json()
        c.eq(full.get("memstats"), parse_debug1(text.decode()), "upload: its MemStats stored exactly")
        c.eq(full.get("source"), "upload", "upload: source")
        # a .pb.gz upload, then the debug=1 file attached to it
        pb = srv.req("POST", "/api/profiles?name=pb", NoStats.data, OCT).json()
        path = "/api/profiles/%s/memstats" % pb["id"]
        tok = {"Authorization": "Bearer " + pb["delete_token"]}
        c.eq(srv.req("GET", path).status, 404, "attach: none before")
        c.eq(srv.req("POST", path, text, OCT).status, 403, "attach: without the token, 403")
        c.eq(srv.req("POST", path, text, dict(OCT, Authorization="Bearer nope")).status, 403,
             "attach: a wrong token, 403")
        r = srv.req("POST", path, text, dict(OCT, **tok))
        c.eq(r.status, 200, "attach: 200")
        c.eq(r.json().get("memstats"), parse_debug1(text.decode()), "attach: the values")
        c.eq(r.json()["breakdown"]["profile_inuse"], inuse_total(srv, pb["id"]),
             "attach: profile_inuse is the stored profile's total")
        td = text.decode()
        bad = {
            "overflow": td.replace("# Sys = ", "# Sys = 99999999999999999999"),
            "missing": re.sub(r"# HeapIdle = \d+\n", "", td),
            "garbage": "x" * (3 << 20),
            "identity": re.sub(r"# OtherSys = (\d+)", lambda m: "# OtherSys = %d" % (int(m.group(1)) + 1), td),
            "json": '{"memstats":{"Sys":18446744073709551616}}',
        }
        for what, body in bad.items():
            r = srv.req("POST", path, body.encode(), dict(OCT, **tok))
            c.eq(r.status, 400, "attach %s: 400" % what)
            c.ok(r.json().get("error", {}).get("message"), "attach %s: a JSON error with a message" % what)
        r = srv.req("POST", path, b"{" + b" " * (2 << 20) + b"}", dict(OCT, **tok))
        c.eq(r.status, 413, "attach: a JSON over its cap, 413")
        c.eq(srv.get(path).json().get("memstats"), parse_debug1(td), "attach: bad input left the row as it was")
        # a garbage upload is refused as a profile and stores nothing
        c.eq(srv.req("POST", "/api/profiles", b"# runtime.MemStats\n# Sys = 1\n", OCT).status, 400,
             "a MemStats block alone is not a profile")
        r = srv.req("DELETE", "/api/profiles/" + pb["id"], headers=tok)
        c.eq(r.status, 204, "delete the profile")
        c.eq(srv.req("GET", path).status, 404, "its MemStats went with it")
        p2.stop()
    finally:
        for p in peers:
            p.stop()
        srv.stop()
        srv.close_log()
    shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
