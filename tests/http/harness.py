"""Shared helpers for the HTTP tests (python3 standard library only).

Starts a real `hearth serve` on a free port with a temporary data
directory, speaks HTTP/1.1 through http.client, counts checks, and prints
`N passed, M failed` last. Imported by e2e.py and bad_http.py.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77

SECURITY_HEADERS = {
    "x-content-type-options": lambda v: v.strip().lower() == "nosniff",
    "content-security-policy": lambda v: "frame-ancestors 'none'" in v,
    "referrer-policy": lambda v: v.strip().lower() == "no-referrer",
}


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


class Checks:
    """Counts pass/fail; prints each failure at once (and passes with -v)."""

    def __init__(self, verbose=False):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose
        self.failures = []

    def ok(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            if self.verbose:
                print("ok   " + what)
        else:
            self.failed += 1
            line = "FAIL " + what + ((": " + short(detail) if not isinstance(detail, str) else ": " + detail) if detail else "")
            self.failures.append(line)
            print(line[:2000], flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.ok(got == want, what, "got %s, want %s" % (short(got), short(want)))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 else 1)


def short(v, n=300):
    s = repr(v)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def test_blobs(data_dir):
    """With HEARTH_TEST_BLOBS=s3://BUCKET/PREFIX (tests/setup/with_s3.sh): the --blobs URL of a
    server on data_dir (a prefix of its own: separate databases never share blobs); else None."""
    base = os.environ.get("HEARTH_TEST_BLOBS")
    if not base:
        return None
    import hashlib
    return "%s/%s" % (base, hashlib.sha256(os.path.abspath(data_dir).encode()).hexdigest()[:12])


def blob_exists(data_dir, sha):
    """Whether the server on data_dir holds blob sha: its file, or (S3) a signed GET answering 200."""
    url = test_blobs(data_dir)
    if not url:
        return os.path.exists(os.path.join(data_dir, "blobs", sha[:2], sha))
    code = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
         "aws:amz:us-east-1:s3", "-u", "%s:%s" % (os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"],
                                                  os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]),
         "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
         "%s/%s/%s" % (os.environ["HEARTH_TEST_S3_ENDPOINT"], url[len("s3://"):], sha)],
        capture_output=True, text=True, check=False).stdout
    if code not in ("200", "404"):
        raise RuntimeError("blob_exists: the S3 server answered %r" % code)
    return code == "200"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Resp:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case name -> value (repeats joined by ", ")
        self.body = body

    def h(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s %s>" % (self.status, self.reason, short(self.body[:300]))


def request(port, method, path, body=None, headers=None, timeout=120, chunked=False,
            host="127.0.0.1"):
    """One request on a fresh connection. Returns a Resp, or raises OSError."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if chunked:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            step = 64 * 1024
            data = body or b""
            try:
                for i in range(0, len(data), step):
                    piece = data[i:i + step]
                    conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer (413) and close before reading it all
        else:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                try:
                    conn.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
        r = conn.getresponse()
        data = r.read() if method != "HEAD" else b""
        hd = {}
        for k, v in r.getheaders():
            k = k.lower()
            hd[k] = hd[k] + ", " + v if k in hd else v
        return Resp(r.status, r.reason, hd, data)
    finally:
        conn.close()


def multipart(filename, data, field="file", boundary=None):
    boundary = boundary or "----hearthtest%08x" % (hash(filename) & 0xFFFFFFFF)
    pre = ("--%s\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n"
           % (boundary, boundary, field, filename)).encode()
    post = ("\r\n--%s--\r\n" % boundary).encode()
    return pre + data + post, "multipart/form-data; boundary=" + boundary


def metadata_args(data_dir):
    """`--metadata URL` when HEARTH_TEST_METADATA is set (tests/setup/with_pg.sh):
    its {db} becomes a database of this data directory's own, created on first
    use, so each directory starts empty and a restart finds its rows again."""
    url = os.environ.get("HEARTH_TEST_METADATA", "")
    if "{db}" not in url:
        return ["--metadata", url] if url else []
    import hashlib
    db = "t_" + hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:20]
    r = subprocess.run(["psql", "-qAt", url.replace("{db}", "postgres"), "-c",
                        "SELECT 1 FROM pg_database WHERE datname = '%s'" % db],
                       capture_output=True, text=True, check=True)
    if r.stdout.strip() != "1":
        subprocess.run(["psql", "-q", url.replace("{db}", "postgres"), "-c",
                        "CREATE DATABASE %s" % db], capture_output=True, check=True)
    return ["--metadata", url.replace("{db}", db)]


class Server:
    """A `hearth serve` child process on 127.0.0.1:<free port>."""

    def __init__(self, hearth, data_dir, args=(), env=None):
        self.hearth = hearth
        self.data = data_dir
        self.args = list(args)
        self.env = env
        self.proc = None
        self.port = None
        self.log_path = None
        self._log = None

    def start(self, timeout=20):
        last = ""
        for _ in range(5):
            self.port = free_port()
            fd, self.log_path = tempfile.mkstemp(prefix="hearth-serve-", suffix=".log")
            self._log = os.fdopen(fd, "w+b")
            env = dict(os.environ if self.env is None else self.env)
            blobs = []
            if test_blobs(self.data) and "--blobs" not in self.args:  # the suite again, on S3
                blobs = ["--blobs", test_blobs(self.data),
                         "--s3-endpoint", os.environ["HEARTH_TEST_S3_ENDPOINT"]]
                env["HEARTH_S3_ACCESS_KEY_ID"] = os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"]
                env["HEARTH_S3_SECRET_ACCESS_KEY"] = os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"]
            self.proc = subprocess.Popen(
                [self.hearth, "serve", "--listen", "127.0.0.1:%d" % self.port,
                 "--data", self.data] + metadata_args(self.data) + self.args + blobs,
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env)
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = request(self.port, "GET", "/healthz", timeout=2)
                    if r.status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            last = self.log()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("hearth serve did not answer /healthz: " + last)
            if "cannot listen" not in last:
                raise RuntimeError("hearth serve exited with %s: %s" % (self.proc.returncode, last))
        raise RuntimeError("hearth serve could not get a port: " + last)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Signal the server; returns (exit status or None if it had to be killed, seconds)."""
        if self.proc is None:
            return None, 0.0
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        return rc, time.time() - t0

    def req(self, method, path, body=None, headers=None, **kw):
        return request(self.port, method, path, body, headers, **kw)

    def get(self, path, headers=None, **kw):
        return self.req("GET", path, None, headers, **kw)

    def close_log(self):
        if self._log:
            self._log.close()
            self._log = None
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass


def check_security_headers(c, r, what):
    for name, good in SECURITY_HEADERS.items():
        v = r.h(name)
        c.ok(v is not None and good(v), "%s: header %s" % (what, name), "got %r" % (v,))


def check_json_error(c, r, what, statuses):
    """A JSON error body {"error":{"code","message"}} with one of the statuses."""
    good = c.ok(r.status in statuses, what + ": status", "got %d, want one of %s; body %s"
                % (r.status, sorted(statuses), short(r.body[:300])))
    if r.status < 400:
        return False  # not an error at all: one failure is enough
    try:
        j = r.json()
        e = j.get("error") if isinstance(j, dict) else None
        good &= c.ok(isinstance(e, dict) and isinstance(e.get("code"), str) and
                     isinstance(e.get("message"), str) and e["message"] != "",
                     what + ": JSON error body", short(r.body[:300]))
    except ValueError:
        good &= c.ok(False, what + ": JSON error body", "not JSON: " + short(r.body[:300]))
    ct = r.h("content-type") or ""
    good &= c.ok(ct.startswith("application/json"), what + ": error Content-Type", ct)
    return good
