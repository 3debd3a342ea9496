#!/usr/bin/env python3
"""Several processes in one capture (capture groups) end to end.

Three of our own leaking Go programs (tests/peer), configured to keep
different rates (-leak-every 200ms, 60ms and 20ms), named source, orchestrator and
destination, captured together through POST /api/capture-groups by a real
`hearth serve`:
  - three series stored, each with every step, the same steps at the same
    scheduled moments (each snapshot's own time within the tolerance of the
    shared schedule), the per-target totals ordered as the peers keep them,
    and the growth ranking of each target led by main.leakyCache;
  - a target that dies mid-capture records its failures while the others
    keep every step on time;
  - their stderr, interleaved into one log with "[name] " prefixes, uploaded
    as a gctrace: one track per target, matched by name and aligned per
    target; explicit matching and bad matching;
  - stop from the group (all targets stopped), delete with the token
    (series, snapshots and the page gone);
  - bad input: too many targets, duplicate or bad names, bad and refused
    URLs, a target that does not answer (nothing stored), wrong tokens, the
    per-client capture places counted per target; a restart (kill -9)
    resumes every target of a group on the same schedule.
Usage: groups_test.py --hearth BIN   (exit 77 = SKIP without go)
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error  # noqa: E402
from series_test import Peer, build_peer  # noqa: E402

JSON = {"Content-Type": "application/json"}
# Snapshots of one step are taken together: each one's own time (the peer's
# time_nanos) is at most this far from the step's scheduled moment.
TOLERANCE_S = 1.0
FINAL = ("done", "failed", "stopped", "interrupted")


def post(srv, path, obj, token=None):
    h = dict(JSON)
    if token:
        h["Authorization"] = "Bearer " + token
    return srv.req("POST", path, json.dumps(obj).encode(), h)


def auth(token):
    return {"Authorization": "Bearer " + token}


def wait_group(srv, gid, states=FINAL, timeout=60):
    deadline = time.time() + timeout
    g = None
    while time.time() < deadline:
        r = srv.get("/api/capture-groups/" + gid)
        if r.status == 200:
            g = r.json()
            if all(t["series"] and t["series"]["capture"]["state"] in states
                   for t in g["targets"]):
                return g
        time.sleep(0.2)
    return g


def check_aligned(c, g, what, steps=None):
    """Every target's step k within TOLERANCE_S of started + (k-1) * interval."""
    started = g["targets"][0]["series"]["capture"]["started"]
    c.ok(all(t["series"]["capture"]["started"] == started for t in g["targets"]),
         what + ": one schedule (the same start)",
         str([t["series"]["capture"]["started"] for t in g["targets"]]))
    worst = 0.0
    for t in g["targets"]:
        profs = t["series"]["profiles"]
        for k, p in enumerate(profs if steps is None else profs[:steps]):
            due = started / 1000.0 + k * g["interval_s"]
            at = p["time_nanos"] / 1e9
            worst = max(worst, abs(at - due))
    print("%s: the furthest snapshot is %.3f s from its step's time" % (what, worst))
    c.ok(worst <= TOLERANCE_S, what + ": each snapshot within %.1f s of its step's time"
         % TOLERANCE_S, "worst %.3f s" % worst)
    return worst


def test_three(c, srv, peers, tmp):
    targets = [{"name": n, "url": peers[n].url("/debug/pprof/heap")}
               for n in ("source", "destination", "orchestrator")]
    r = post(srv, "/api/capture-groups", {"name": "sync run", "interval_s": 1, "count": 5,
                                          "gc": True, "targets": targets})
    if not c.eq(r.status, 201, "group: POST /api/capture-groups"):
        print(r.body[:500])
        return None, None
    g = r.json()
    gid, tok = g["id"], g["delete_token"]
    c.eq([t["name"] for t in g["targets"]], ["source", "destination", "orchestrator"],
         "group: targets in the order given")
    c.eq(g["url"], "/c/" + gid, "group: its page")
    c.eq(g["state"], "running", "group: running")
    c.eq(len({t["series_id"] for t in g["targets"]}), 3, "group: three series")
    c.ok(all(t["series"]["name"] == "sync run: " + t["name"] for t in g["targets"]),
         "group: each series named after the group and its target")
    c.ok(all(t["series"]["capture"]["taken"] == 1 for t in g["targets"]),
         "group: the first step taken for all at once")
    lst = srv.get("/api/capture-groups").json()["groups"]
    c.ok(any(x["id"] == gid and x["targets"] == 3 for x in lst), "group: listed", str(lst)[:300])
    c.eq([x.get("state") for x in lst if x["id"] == gid], ["running"], "group: listed as running")
    g = wait_group(srv, gid)
    c.ok(all(t["series"]["capture"]["state"] == "done" for t in g["targets"]),
         "group: every target done", str([t["series"]["capture"] for t in g["targets"]]))
    c.eq(g["state"], "done", "group: state done")
    c.eq([t["series"]["count"] for t in g["targets"]], [5, 5, 5], "group: five snapshots each")
    c.eq([t["series"]["capture"]["failed"] for t in g["targets"]], [0, 0, 0], "group: no failure")
    check_aligned(c, g, "group")
    lst = srv.get("/api/capture-groups").json()["groups"]
    c.eq([x.get("state") for x in lst if x["id"] == gid], ["done"], "group: listed as done")
    check_members(c, srv, g)
    # the steps stored: 1..5 for each, the snapshot names say so
    c.ok(all([p["name"] for p in t["series"]["profiles"]] ==
             ["sync run: %s #%d" % (t["name"], k) for k in range(1, 6)] for t in g["targets"]),
         "group: snapshot k of every target is step k",
         str([[p["name"] for p in t["series"]["profiles"]] for t in g["targets"]])[:400])
    # the series' own token is the group's
    s0 = g["targets"][0]["series_id"]
    r = srv.req("POST", "/api/series/%s/stop" % s0, b"", auth(tok))
    check_json_error(c, r, "group: a series' stop takes the group's token (not running: 409)",
                     (409,))
    # totals per target differ as the peers are configured (-leak-every)
    last = {}
    for t in g["targets"]:
        gr = srv.get("/api/series/%s/growth?si=inuse_space" % t["series_id"])
        if not c.eq(gr.status, 200, "growth of %s" % t["name"]):
            continue
        gj = gr.json()
        last[t["name"]] = gj["totals"]["inuse_space"][-1]
        c.eq(gj["rows"][0]["name"] if gj["rows"] else None, "main.leakyCache",
             "growth of %s: the leak ranks first" % t["name"])
    if len(last) == 3:
        c.ok(last["source"] < last["orchestrator"] < last["destination"],
             "totals: source < orchestrator < destination, as the peers keep", str(last))
        c.ok(last["destination"] > 24 << 20 and last["source"] * 3 < last["destination"],
             "totals: destination holds tens of MiB, source a third of it or less", str(last))
    return gid, tok


def check_members(c, srv, g):
    """Each target's series names its group; the group's answer embeds each series' runtime
    memory and hints as the series' own answer gives them (one request for the group page)."""
    gid = g["id"]
    # the last snapshot's MemStats are recorded just after it: wait until every row is there
    for _ in range(50):
        if all(all("sys" in m or "error" in m for m in t["series"]["memory"]) for t in g["targets"]):
            break
        time.sleep(0.2)
        g = srv.get("/api/capture-groups/" + gid).json()
    for t in g["targets"]:
        s = srv.get("/api/series/" + t["series_id"]).json()
        c.eq(s.get("group"), {"id": gid, "name": g["name"], "target": t["name"], "track": None,
                              "url": "/c/" + gid},
             "member %s: its series names its group and target" % t["name"])
        mem = t["series"]["memory"]
        c.eq(len(mem), t["series"]["count"], "member %s: one memory entry per snapshot" % t["name"])
        c.ok(all(isinstance(m.get("sys"), int) and m["sys"] > 0 for m in mem),
             "member %s: MemStats recorded with every snapshot" % t["name"], str(mem)[:300])
        c.eq(mem, s["memory"], "member %s: the group embeds the series' memory" % t["name"])
        c.eq(t["series"]["hints"], s["hints"],
             "member %s: the group embeds the series' hints" % t["name"])
    # a series made of a member's snapshots is in no group
    pids = [p["id"] for p in g["targets"][0]["series"]["profiles"][:2]]
    r = post(srv, "/api/series", {"profiles": pids})
    if c.eq(r.status, 201, "member: a series of a member's snapshots"):
        c.eq(r.json().get("group", "missing"), None, "member: a series in no group says null")
        c.eq(srv.get("/api/series/" + r.json()["id"]).json().get("group", "missing"), None,
             "member: GET of a series in no group says null")


def check_track_hints(c, srv, gid, tok):
    """A target's gctrace hints read its own track of the shared log: only destination's heap
    goal keeps rising (10, 20, ... 120 MB over 12 GCs); source's and orchestrator's stay at 8 MB."""
    lines = []
    for i in range(1, 13):
        for n in ("source", "destination", "orchestrator"):
            goal = 10 * i if n == "destination" else 8
            lines.append("[%s] gc %d @%d.%03ds 2%%: 0.010+1.0+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086"
                         " ms cpu, %d->%d->%d MB, %d MB goal, 0 MB stacks, 0 MB globals, 4 P"
                         % (n, i, i, len(n), goal // 2, goal // 2 + 1, goal // 3, goal))
    r = srv.req("POST", "/api/gctraces?name=tracks", ("\n".join(lines) + "\n").encode(),
                {"Content-Type": "text/plain"})
    if not c.eq(r.status, 201, "track hints: upload a shared log"):
        return
    r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid,
                json.dumps({"gctrace": r.json()["id"]}).encode(), dict(JSON, **auth(tok)))
    if not c.eq(r.status, 200, "track hints: attached, matched by name"):
        return
    for t in r.json()["targets"]:
        rules = [h["rule"] for h in t["series"]["hints"]]
        goal = [h for h in t["series"]["hints"] if h["rule"] == "goal_rising"]
        if t["name"] == "destination":
            c.eq(goal[0]["evidence"]["goal_mb_quarters"] if goal else rules, [20, 50, 80, 110],
                 "track hints: destination's own heap goal keeps rising")
        else:
            c.eq(goal, [], "track hints: %s's flat goal gives no hint (not another target's)"
                 % t["name"])
        s = srv.get("/api/series/" + t["series_id"]).json()
        c.eq(s["hints"], t["series"]["hints"], "track hints: %s's series says the same" % t["name"])
        c.eq(s["group"]["track"], t["name"], "track hints: %s's series names its track" % t["name"])


def test_gctrace(c, srv, gid, tok, peers, tmp):
    # one stderr of three processes, each line prefixed by its name (as a supervisor writes it)
    lines = {n: [l for l in open(p.stderr_path, "rb").read().decode("utf-8", "replace")
                 .splitlines() if l.startswith("gc ")] for n, p in peers.items()}
    merged, i = [], 0
    while any(i < len(v) for v in lines.values()):
        for n in ("source", "destination", "orchestrator"):
            if i < len(lines[n]):
                merged.append("[%s] %s" % (n, lines[n][i]))
        i += 1
    merged.append("[source] not a gc line")
    body = ("\n".join(merged) + "\n").encode()
    r = srv.req("POST", "/api/gctraces?name=sync-stderr", body, {"Content-Type": "text/plain"})
    if not c.eq(r.status, 201, "gctrace: upload the shared stderr"):
        return
    gct = r.json()["id"]
    tr = srv.get("/api/gctraces/" + gct).json()["trace"]
    labels = sorted(t["label"] for t in tr["tracks"])
    c.eq(labels, ["destination", "orchestrator", "source"], "gctrace: one track per label")
    c.ok(tr["interleaved"], "gctrace: the log is interleaved")
    for t in tr["tracks"]:
        c.eq(t["gcs"], len(lines[t["label"]]), "gctrace: %s's GCs all in its track" % t["label"])
    # no token, then matching by name
    r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid, json.dumps({"gctrace": gct}).encode(),
                JSON)
    check_json_error(c, r, "gctrace: attach without the token", (403,))
    r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid, json.dumps({"gctrace": gct}).encode(),
                dict(JSON, **auth(tok)))
    if not c.eq(r.status, 200, "gctrace: attached to the group"):
        print(r.body[:400])
        return
    g = r.json()
    c.eq(g["gctrace"], gct, "gctrace: the group's log")
    c.eq([t["track"] for t in g["targets"]], ["source", "destination", "orchestrator"],
         "gctrace: tracks matched to targets by name")
    c.ok(all(t["series"]["gctrace"] == gct for t in g["targets"]),
         "gctrace: each target's series has the log")
    offs = [t["series"]["gctrace_offset_s"] for t in g["targets"]]
    c.ok(all(o is not None and o > 0 for o in offs),
         "gctrace: each target aligned by its own forced GCs", str(offs))
    # the offset is the time from each process start to its first snapshot
    for t, o in zip(g["targets"], offs):
        want = (t["series"]["profiles"][0]["time_nanos"] // 1000000 -
                peers[t["name"]].started_ms) / 1000.0
        c.ok(o is not None and abs(o - want) < 1.5,
             "gctrace: %s's offset is its process age at the first snapshot" % t["name"],
             "%s vs %.3f" % (o, want))
    # explicit matching: swap two, leave one out
    r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid,
                json.dumps({"gctrace": gct, "tracks": ["destination", "source", None]}).encode(),
                dict(JSON, **auth(tok)))
    c.eq(r.status, 200, "gctrace: explicit tracks")
    if r.status == 200:
        g = r.json()
        c.eq([t["track"] for t in g["targets"]], ["destination", "source", None],
             "gctrace: tracks as asked")
        c.eq(g["targets"][2]["series"]["gctrace"], None, "gctrace: an unmatched target has none")
    for body, what in (({"gctrace": gct, "tracks": ["nope", None, None]}, "an unknown label"),
                       ({"gctrace": gct, "tracks": ["source"]}, "one label for three targets"),
                       ({"gctrace": gct, "tracks": [1, 2, 3]}, "labels that are numbers"),
                       ({"gctrace": "A" * 27, "tracks": None}, "an unknown gctrace"),
                       ({"gctrace": 5}, "a gctrace that is a number")):
        r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid, json.dumps(body).encode(),
                    dict(JSON, **auth(tok)))
        check_json_error(c, r, "gctrace: " + what, (400,))
    check_track_hints(c, srv, gid, tok)
    r = srv.req("PUT", "/api/capture-groups/%s/gctrace" % gid,
                json.dumps({"gctrace": None}).encode(), dict(JSON, **auth(tok)))
    c.ok(r.status == 200 and r.json()["gctrace"] is None and
         all(t["track"] is None and t["series"]["gctrace"] is None for t in r.json()["targets"]),
         "gctrace: detached from the group and its series")


def test_failing_target(c, srv, binary, tmp):
    a = Peer(binary, tmp, "steady", ["-leak-mb", "4"])
    b = Peer(binary, tmp, "dying", ["-leak-mb", "4"])
    try:
        r = post(srv, "/api/capture-groups", {"interval_s": 1, "count": 4, "targets": [
            {"name": "steady", "url": a.url("/debug/pprof/heap")},
            {"name": "dying", "url": b.url("/debug/pprof/heap")}]})
        if not c.eq(r.status, 201, "failing: group started"):
            return
        gid = r.json()["id"]
        b.stop()
        g = wait_group(srv, gid)
        st, dy = g["targets"][0]["series"], g["targets"][1]["series"]
        c.eq((st["capture"]["taken"], st["capture"]["failed"]), (4, 0),
             "failing: the steady target took every step")
        c.eq((dy["capture"]["taken"], dy["capture"]["failed"]), (1, 3),
             "failing: the dead target's steps are recorded as failed")
        c.ok(dy["capture"]["last_error"] != "", "failing: its error is kept",
             dy["capture"]["last_error"])
        c.eq(dy["capture"]["state"], "done", "failing: the dead target ends with the others")
        c.eq(g["name"], "capture group", "failing: a group without a name gets one")
        check_aligned(c, g, "failing: the steady target is not held back")
    finally:
        a.stop()
        b.stop()


def test_stop_delete(c, srv, peers, srv_data):
    targets = [{"name": n, "url": peers[n].url("/debug/pprof/heap")}
               for n in ("source", "destination")]
    r = post(srv, "/api/capture-groups", {"name": "long", "interval_s": 1, "count": 1000,
                                          "targets": targets})
    if not c.eq(r.status, 201, "stop: long group started"):
        return
    g = r.json()
    gid, tok = g["id"], g["delete_token"]
    sids = [t["series_id"] for t in g["targets"]]
    time.sleep(1.5)
    r = post(srv, "/api/capture-groups/%s/stop" % gid, {})
    check_json_error(c, r, "stop: without the token", (403,))
    r = post(srv, "/api/capture-groups/%s/stop" % gid, {}, token="x" * 43)
    check_json_error(c, r, "stop: with a wrong token", (403,))
    r = post(srv, "/api/capture-groups/%s/stop" % gid, {}, token=tok)
    c.eq(r.status, 200, "stop: with the group's token")
    if r.status == 200:
        c.eq(r.json()["state"], "stopped", "stop: the group is stopped")
        lst = srv.get("/api/capture-groups").json()["groups"]
        c.eq([x.get("state") for x in lst if x["id"] == gid], ["stopped"], "stop: listed as stopped")
        c.ok(all(t["series"]["capture"]["state"] == "stopped" for t in r.json()["targets"]),
             "stop: every target stopped")
    time.sleep(1.5)
    g = srv.get("/api/capture-groups/" + gid).json()
    counts = [t["series"]["count"] for t in g["targets"]]
    time.sleep(1.2)
    g2 = srv.get("/api/capture-groups/" + gid).json()
    c.eq([t["series"]["count"] for t in g2["targets"]], counts, "stop: no snapshot after the stop")
    r = post(srv, "/api/capture-groups/%s/stop" % gid, {}, token=tok)
    c.eq(r.status, 200, "stop: stopping a stopped group is fine")
    pids = [p["id"] for t in g2["targets"] for p in t["series"]["profiles"]]
    page = srv.get("/c/" + gid, {"Accept": "text/html"})
    c.eq(page.status, 200, "page: /c/<id> served")
    r = srv.req("DELETE", "/api/capture-groups/%s?profiles=1" % gid, None, auth("y" * 43))
    check_json_error(c, r, "delete: wrong token", (403,))
    r = srv.req("DELETE", "/api/capture-groups/%s?profiles=2" % gid, None, auth(tok))
    check_json_error(c, r, "delete: profiles=2", (400,))
    r = srv.req("DELETE", "/api/capture-groups/%s?profiles=1" % gid, None, auth(tok))
    c.eq(r.status, 204, "delete: with the token")
    check_json_error(c, srv.get("/api/capture-groups/" + gid), "delete: the group is gone", (404,))
    c.ok(all(srv.get("/api/series/" + s).status == 404 for s in sids), "delete: its series gone")
    c.ok(all(srv.get("/api/profiles/" + p).status == 404 for p in pids),
         "delete: its snapshots gone (profiles=1)", str(len(pids)))
    c.eq(srv.get("/c/" + gid, {"Accept": "text/html"}).status, 404, "page: gone after delete")
    r = srv.req("DELETE", "/api/capture-groups/%s" % gid, None, auth(tok))
    check_json_error(c, r, "delete: twice", (404,))


def test_bad(c, srv, peers):
    url = peers["source"].url("/debug/pprof/heap")
    nprof = len(srv.get("/api/profiles?limit=1000").json()["profiles"])
    ok = {"interval_s": 1, "count": 3}

    def tg(*pairs):
        return [{"name": n, "url": u} for n, u in pairs]
    cases = [
        (dict(ok, targets=tg(*[("t%d" % i, url) for i in range(9)])), 400, "9 targets", "1 to 8"),
        (dict(ok, targets=[]), 400, "no targets", "1 to 8"),
        (dict(ok), 400, "targets missing", "targets"),
        (dict(ok, targets=tg(("a", url), ("a", url))), 400, "duplicate names", "twice"),
        (dict(ok, targets=tg(("a b", url))), 400, "a name with a space", "letters"),
        (dict(ok, targets=tg(("", url))), 400, "an empty name", "letters"),
        (dict(ok, targets=tg(("x" * 65, url))), 400, "a 65-byte name", "letters"),
        (dict(ok, targets=[{"name": "a"}]), 400, "a target without url", "url"),
        (dict(ok, targets=[{"name": "a", "url": url, "extra": 1}]), 400, "an unknown field",
         "nothing else"),
        (dict(ok, targets=["http://x/"]), 400, "a target that is a string", "name"),
        (dict(ok, targets=tg(("a", url), ("b", "ftp://127.0.0.1/heap"))), 400, "an ftp URL",
         "\"b\""),
        (dict(ok, targets=tg(("a", url), ("b", "not a url"))), 400, "not a URL", "\"b\""),
        (dict(ok, targets=tg(("a", url), ("b", "http://u:p@127.0.0.1/"))), 400,
         "credentials in a URL", "credentials"),
        (dict(ok, targets=tg(("a", url), ("b", "http://127.0.0.1/" + "x" * 5000))), 400,
         "a URL too long", "URL"),
        (dict(ok, targets=tg(("a", url), ("far", "http://10.9.8.7:1/heap"))), 403,
         "a host not allowed", "\"far\""),
        (dict(ok, targets=tg(("a", url), ("down", "http://127.0.0.1:1/heap"))), 502,
         "a target that does not answer", "\"down\""),
        (dict(targets=tg(("a", url)), interval_s=0, count=3), 400, "interval 0", "interval_s"),
        (dict(targets=tg(("a", url)), interval_s=1, count=1), 400, "count 1", "count"),
        (dict(targets=tg(("a", url)), interval_s=1, count=3, gc="yes"), 400, "gc a string", "gc"),
        (dict(ok, targets=tg(("a", url)), name=7), 400, "a name that is a number", "name"),
    ]
    for body, status, what, word in cases:
        r = post(srv, "/api/capture-groups", body)
        if check_json_error(c, r, "bad: " + what, (status,)):
            msg = r.json()["error"]["message"]
            c.ok(word in msg, "bad: %s says why (%r)" % (what, word), msg)
    r = srv.req("POST", "/api/capture-groups", b"{not json", JSON)
    check_json_error(c, r, "bad: not JSON", (400,))
    r = srv.req("PUT", "/api/capture-groups", b"{}", JSON)
    check_json_error(c, r, "bad: PUT on the list", (405,))
    check_json_error(c, srv.get("/api/capture-groups/nope"), "bad: a malformed id", (404,))
    check_json_error(c, srv.get("/api/capture-groups/" + "A" * 27), "bad: an unknown id", (404,))
    check_json_error(c, srv.get("/api/capture-groups/%s/other" % ("A" * 27)), "bad: other route",
                     (404,))
    n2 = len(srv.get("/api/profiles?limit=1000").json()["profiles"])
    c.eq(n2, nprof, "bad: refused groups stored no snapshot (a target that failed its first "
                    "fetch: the others' snapshots were removed)")


def test_places(c, hearth, tmp, peers):
    """A group of n takes n capture places; a restart resumes every target on one schedule."""
    data = os.path.join(tmp, "data-places")
    srv = Server(hearth, data, ["--fetch-allow", "127.0.0.1", "--max-captures", "4",
                                "--max-captures-per-client", "1"]).start()
    try:
        targets = [{"name": n, "url": p.url("/debug/pprof/heap")} for n, p in peers.items()]
        r = post(srv, "/api/capture-groups", {"interval_s": 1, "count": 6, "targets": targets})
        c.eq(r.status, 201, "places: a group of 3 counts once against the client's 1 place")
        gid = r.json()["id"] if r.status == 201 else None
        r = post(srv, "/api/captures", {"interval_s": 1, "count": 3,
                                        "url": targets[0]["url"]})
        check_json_error(c, r, "places: a 2nd capture of this client", (429,))
        c.ok(r.h("Retry-After") is not None, "places: Retry-After given (429)")
        r = post(srv, "/api/capture-groups", {"interval_s": 1, "count": 3,
                                              "targets": targets[:2]})
        check_json_error(c, r, "places: 3 + 2 targets over the server's 4 captures", (429, 503))
        if not gid:
            return
        time.sleep(1.3)
        srv.stop(sig=signal.SIGKILL)
        srv = Server(hearth, data, ["--fetch-allow", "127.0.0.1"]).start()
        g = wait_group(srv, gid, timeout=30)
        c.ok(all(t["series"]["capture"]["state"] == "done" and
                 t["series"]["capture"]["restarts"] == 1 for t in g["targets"]),
             "places: after kill -9 every target resumed and ended",
             str([t["series"]["capture"] for t in g["targets"]])[:500])
        c.ok(all(t["series"]["capture"]["taken"] + t["series"]["capture"]["failed"] == 6
                 for t in g["targets"]), "places: every attempt accounted for")
        steps = [[p["name"].rsplit("#", 1)[1] for p in t["series"]["profiles"]]
                 for t in g["targets"]]
        c.ok(all(s == steps[0] for s in steps), "places: the same steps for every target",
             str(steps))
    finally:
        if srv.alive():
            srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    args = ap.parse_args()
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-groups-")
    peers = {}
    srv = None
    try:
        binary = build_peer(tmp)
        # leaking at different rates: 1.25, 12.5 and 4 MiB/s (256 KiB chunks)
        for name, every in (("source", "200ms"), ("destination", "20ms"),
                            ("orchestrator", "60ms")):
            peers[name] = Peer(binary, tmp, name, ["-leak-mb", "512", "-leak-every", every])
        data = os.path.join(tmp, "data")
        srv = Server(args.hearth, data, ["--fetch-allow", "127.0.0.1"]).start()
        gid, tok = test_three(c, srv, peers, tmp)
        if gid:
            test_gctrace(c, srv, gid, tok, peers, tmp)
        test_failing_target(c, srv, binary, tmp)
        test_stop_delete(c, srv, peers, data)
        test_bad(c, srv, peers)
        srv.stop()
        srv = None
        test_places(c, args.hearth, tmp, peers)
    finally:
        for p in peers.values():
            p.stop()
        if srv and srv.alive():
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
