"""Shared helpers of the hostile-client tests (tests/hostile/test_*.py).

Builds on tests/http/harness.py (server process, HTTP requests, check
counting) and adds what attacks need: the server's memory from /proc, a
health probe with a deadline, and the common command line.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
import harness  # noqa: E402
from harness import Checks, Server, request, skip  # noqa: E402,F401


def args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True, help="directory of generated profiles")
    ap.add_argument("--corpus", default="", help="../shared/corpus (optional)")
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap.parse_args()


def proc_status_kb(pid, field):
    """VmRSS / VmHWM / Threads ... of a process, in kB (or a count)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def rss_mb(srv):
    return proc_status_kb(srv.proc.pid, "VmRSS") / 1024.0


def peak_mb(srv):
    return proc_status_kb(srv.proc.pid, "VmHWM") / 1024.0


def health_ms(srv, timeout=5.0):
    """Milliseconds /healthz took to answer 200, or None if it did not in time."""
    t0 = time.monotonic()
    try:
        r = request(srv.port, "GET", "/healthz", timeout=timeout)
    except OSError:
        return None
    if r.status != 200:
        return None
    return (time.monotonic() - t0) * 1000.0


def upload(srv, path_or_bytes, name="p", token=None):
    """Upload a profile; returns the JSON answer (with id and token) or raises."""
    data = path_or_bytes
    if isinstance(path_or_bytes, str):
        with open(path_or_bytes, "rb") as f:
            data = f.read()
    h = {"Content-Type": "application/octet-stream"}
    if token:
        h["Authorization"] = "Bearer " + token
    r = request(srv.port, "POST", "/api/profiles?name=" + name, body=data, headers=h)
    if r.status != 201:
        raise RuntimeError("upload failed: %d %s" % (r.status, r.body[:300]))
    return r.json()


def is_json_error(r, statuses):
    """A clear JSON error: status in statuses and {"error":{"code","message"}}."""
    if r.status not in statuses:
        return False
    try:
        j = r.json()
    except ValueError:
        return False
    return isinstance(j, dict) and "error" in j and "message" in j["error"]
