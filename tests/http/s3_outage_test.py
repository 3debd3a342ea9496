#!/usr/bin/env python3
"""s3_outage_test.py - the S3 blob storage going away and coming back while
the server runs (run through tests/setup/with_s3.sh; label s3).

The server reaches radosgw through a TCP relay of this test's own, so the
test can make the S3 endpoint a dead port for a few seconds without
touching the Ceph other tests share. While it is dead: uploads and raw
downloads answer 503 with Retry-After and a JSON error, each within a few
seconds (bounded retries, no hang), /readyz says 503; /healthz and the
metadata stay up. Once the relay listens again: uploads and downloads work,
/readyz is 200, all without a restart (same process), and
hearth_store_retries_total counted the retries. Also: a wrong secret is a
one-line start-up error naming radosgw's SignatureDoesNotMatch.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, check_json_error, skip, test_blobs  # noqa: E402


class Relay:
    """127.0.0.1:<port> -> target; down() closes the listener and every connection."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = None
        self.lsock = None
        self.conns = []
        self.lock = threading.Lock()

    def up(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port or 0))
        s.listen(64)
        self.port = s.getsockname()[1]
        self.lsock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def down(self):
        with self.lock:
            try:  # wakes the accept() (a close alone leaves it listening)
                self.lsock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.lsock.close()
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []

    def _accept(self, ls):
        while True:
            try:
                a, _ = ls.accept()
            except OSError:
                return
            try:
                b = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                a.close()
                continue
            with self.lock:
                self.conns += [a, b]
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self._pump, args=(x, y), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                dst.sendall(d)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    if not test_blobs("/x"):
        if os.environ.get("CI") == "true":
            print("s3_outage_test: no S3 server (HEARTH_TEST_BLOBS unset)", file=sys.stderr)
            return 1
        skip("no S3 server: run through tests/setup/with_s3.sh")
    prof = [os.path.join(a.gen, f) for f in ("cpu.pb.gz", "allocs.pb.gz", "goroutine.pb.gz")]
    for p in prof:
        if not os.path.exists(p):
            skip("generated profile missing: " + p)
    endpoint = os.environ["HEARTH_TEST_S3_ENDPOINT"]
    relay = Relay(int(endpoint.rsplit(":", 1)[1]))
    relay.up()
    c = Checks()
    # wrong credentials: a one-line start-up error, exit 1, the secret not shown
    bad = dict(os.environ, HEARTH_S3_ACCESS_KEY_ID=os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"],
               HEARTH_S3_SECRET_ACCESS_KEY="not-the-secret")
    d0 = tempfile.mkdtemp(prefix="hearth-s3-badcreds-")
    p = subprocess.run([a.hearth, "serve", "--listen", "127.0.0.1:0", "--data", d0, "--blobs",
                        test_blobs(d0), "--s3-endpoint", endpoint], env=bad, capture_output=True,
                       text=True, timeout=30, check=False)
    shutil.rmtree(d0, ignore_errors=True)
    c.eq(p.returncode, 1, "wrong secret: hearth serve exits 1")
    c.ok("SignatureDoesNotMatch" in p.stderr and "check the S3 credentials" in p.stderr and
         "not-the-secret" not in p.stderr, "wrong secret: the server's refusal, named", p.stderr)
    data = tempfile.mkdtemp(prefix="hearth-s3-outage-")
    env = dict(os.environ)
    env["HEARTH_S3_ACCESS_KEY_ID"] = os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"]
    env["HEARTH_S3_SECRET_ACCESS_KEY"] = os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]
    srv = Server(a.hearth, data, ["--blobs", test_blobs(data), "--s3-endpoint",
                                  "http://127.0.0.1:%d" % relay.port], env=env).start()
    try:
        bodies = [open(p, "rb").read() for p in prof]
        hdr = {"Content-Type": "application/octet-stream"}
        r = srv.req("POST", "/api/profiles", bodies[0], hdr)
        c.eq(r.status, 201, "upload with S3 up")
        first = r.json()["id"]
        c.eq(srv.req("GET", "/api/profiles/%s/raw" % first).body, bodies[0], "raw download")
        c.eq(srv.req("GET", "/readyz").status, 200, "/readyz with S3 up")
        pid = srv.proc.pid

        relay.down()
        t0 = time.time()
        r = srv.req("POST", "/api/profiles", bodies[1], hdr)
        took = time.time() - t0
        check_json_error(c, r, "upload with S3 down", {503})
        c.ok(r.h("retry-after") is not None, "503 has Retry-After", str(r.headers))
        c.ok("blob storage" in r.json()["error"]["message"], "the message names the blob storage",
             r.json()["error"]["message"])
        c.ok(took < 5, "the upload's 503 came in %.2f s (bounded retries)" % took)
        print("# S3 down: the upload answered 503 in %.2f s" % took)
        t0 = time.time()
        r = srv.req("GET", "/api/profiles/%s/raw" % first)
        check_json_error(c, r, "raw download with S3 down", {503})
        c.ok(r.h("retry-after") is not None, "download 503 has Retry-After")
        c.ok(time.time() - t0 < 5, "download 503 in %.2f s" % (time.time() - t0))
        c.eq(srv.req("GET", "/readyz").status, 503, "/readyz with S3 down")
        c.eq(srv.req("GET", "/healthz").status, 200, "/healthz stays up (the process is fine)")
        c.eq(srv.req("GET", "/api/profiles/" + first).status, 200, "metadata still answers")
        c.eq(srv.req("GET", "/api/profiles?limit=10").json()["profiles"][0]["id"], first,
             "the failed upload is not listed")
        time.sleep(3)

        relay.up()
        t0 = time.time()
        ok = None
        while time.time() - t0 < 10:
            r = srv.req("POST", "/api/profiles", bodies[2], hdr)
            if r.status == 201:
                ok = time.time() - t0
                break
            time.sleep(0.2)
        c.ok(ok is not None, "upload works again after S3 came back (%s s)" % ok)
        print("# S3 back: the first upload succeeded after %s s" % ok)
        if ok is not None:
            third = r.json()["id"]
            c.eq(srv.req("GET", "/api/profiles/%s/raw" % third).body, bodies[2],
                 "new profile downloads")
        c.eq(srv.req("GET", "/api/profiles/%s/raw" % first).body, bodies[0],
             "old profile downloads again")
        r = srv.req("POST", "/api/profiles", bodies[1], hdr)
        c.eq(r.status, 201, "the upload refused during the outage now works")
        c.eq(srv.req("GET", "/readyz").status, 200, "/readyz back to 200")
        c.eq(srv.proc.pid, pid, "same process: no restart")
        c.ok(srv.alive(), "server alive")
        m = srv.req("GET", "/metrics").body.decode()
        line = [x for x in m.splitlines() if x.startswith("hearth_store_retries_total ")]
        c.ok(line and int(line[0].split()[1]) >= 6, "retries counted: %s" % line)
    finally:
        srv.stop()
        relay.down()
        shutil.rmtree(data, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    sys.exit(main())
