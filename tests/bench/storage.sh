#!/usr/bin/env bash
# Storage benchmark (not a ctest test): the same hearth binary on SQLite +
# files under --data, then on PostgreSQL + S3, with the same profile:
#   upload      POST /api/profiles of N copies of PROFILE (each re-gzipped with
#               its own header time, so every upload is a new blob)
#   first view  GET flamegraph of each just after its upload (decoded profile
#               still in the profile cache: mostly metadata lookups)
#   cold view   GET flamegraph of each after a restart (metadata + blob read
#               from the store, decode, render)
#   cached      wrk on one flame graph already in the view cache (req/s)
# Medians of N, then the ratios PostgreSQL+S3 / SQLite+files.
#   tests/bench/storage.sh [HEARTH] [PROFILE]
# Knobs: HEARTH_BENCH_N (9), HEARTH_BENCH_WRK (10s), HEARTH_CEPH_DIR (the
# running radosgw of tests/setup/ceph.sh start; default /tmp/hearth-ceph-$UID).
# PostgreSQL: a throw-away cluster of its own (tests/setup/postgres.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
PROFILE=${2:-$root/../shared/corpus/generated/medium-100k.pb.gz}
N=${HEARTH_BENCH_N:-9}
DUR=${HEARTH_BENCH_WRK:-10s}
CEPH=${HEARTH_CEPH_DIR:-/tmp/hearth-ceph-$(id -u)}

command -v wrk >/dev/null || { echo "SKIP: wrk is not installed"; exit 77; }
[ -x "$H" ] || { echo "SKIP: no hearth binary at $H"; exit 77; }
[ -f "$PROFILE" ] || { echo "SKIP: no profile $PROFILE"; exit 77; }
[ -r "$CEPH/env" ] || {
  echo "SKIP: no S3 server: run HEARTH_CEPH_DIR=$CEPH tests/setup/ceph.sh start first"; exit 77; }

W=$(mktemp -d /tmp/hearth-bench-storage.XXXXXX)
chmod 0755 "$W"   # the PostgreSQL server runs as postgres when we are root
PG=$W/pg
cleanup() {
  bash "$root/tests/setup/postgres.sh" stop "$PG" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
bash "$root/tests/setup/postgres.sh" start "$PG" >/dev/null
[ -S "$PG/.s.PGSQL.5432" ] || { echo "SKIP: PostgreSQL did not start (tests/setup/postgres.sh)"; exit 77; }
psql -q "postgresql://postgres@/postgres?host=$PG" -c "CREATE DATABASE bench" >/dev/null
set -a; . "$CEPH/env"; set +a

python3 - "$H" "$PROFILE" "$N" "$DUR" "$W" "postgresql://postgres@/bench?host=$PG" <<'PY'
import gzip, http.client, json, os, re, socket, statistics, subprocess, sys, time
H, PROFILE, N, DUR, W, PGURL = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
raw = gzip.decompress(open(PROFILE, "rb").read())
variants = [gzip.compress(raw, compresslevel=6, mtime=1000 + i) for i in range(N)]
env = dict(os.environ, HEARTH_S3_ACCESS_KEY_ID=os.environ["HEARTH_TEST_S3_ACCESS_KEY_ID"],
           HEARTH_S3_SECRET_ACCESS_KEY=os.environ["HEARTH_TEST_S3_SECRET_ACCESS_KEY"])
CONFIGS = [
    ("sqlite+files", []),
    ("postgresql+s3", ["--metadata", PGURL, "--blobs",
                       "s3://hearth-test/bench-%d-%d" % (os.getpid(), int(time.time())),
                       "--s3-endpoint", os.environ["HEARTH_TEST_S3_ENDPOINT"]]),
]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start(data, args):
    port = free_port()
    log = open(os.path.join(W, "serve-%d.log" % port), "wb")
    p = subprocess.Popen([H, "serve", "--listen", "127.0.0.1:%d" % port, "--data", data] + args,
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(400):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return p, port
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("hearth serve did not start: " + open(log.name).read()[-500:])

def timed(port, method, path, body=None, want=200):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    c.request(method, path, body, {"Content-Type": "application/octet-stream"} if body else {})
    r = c.getresponse()
    data = r.read()
    dt = (time.perf_counter() - t0) * 1000
    if r.status != want:
        raise SystemExit("%s %s: %d %s" % (method, path, r.status, data[:200]))
    return dt, data

res = {}
for name, args in CONFIGS:
    data = os.path.join(W, name)
    p, port = start(data, args)
    ups, firsts, ids = [], [], []
    for i, v in enumerate(variants):
        dt, body = timed(port, "POST", "/api/profiles?name=v%d" % i, v, 201)
        ups.append(dt)
        ids.append(json.loads(body)["id"])
        dt, _ = timed(port, "GET", "/api/profiles/%s/flamegraph" % ids[-1])
        firsts.append(dt)
    p.terminate(); p.wait()
    p, port = start(data, args)
    colds = [timed(port, "GET", "/api/profiles/%s/flamegraph" % i)[0] for i in ids]
    url = "http://127.0.0.1:%d/api/profiles/%s/flamegraph" % (port, ids[0])
    w = subprocess.run(["wrk", "-t2", "-c16", "-d" + DUR, "-H", "Accept-Encoding: gzip", url],
                       capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", w).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", w)
    p.terminate(); p.wait()
    res[name] = {"upload_ms": statistics.median(ups), "first_view_ms": statistics.median(firsts),
                 "cold_view_ms": statistics.median(colds), "cached_rps": rps,
                 "cached_errors": int(bad.group(1)) if bad else 0}

print("profile: %s (%d bytes), N=%d, wrk -t2 -c16 -d%s, %d cores" %
      (PROFILE, len(variants[0]), N, DUR, os.cpu_count()))
print("%-14s %12s %15s %14s %14s" % ("store", "upload ms", "first view ms", "cold view ms", "cached req/s"))
for name, _ in CONFIGS:
    r = res[name]
    print("%-14s %12.1f %15.1f %14.1f %14.0f%s" % (name, r["upload_ms"], r["first_view_ms"], r["cold_view_ms"],
          r["cached_rps"], "  (%d errors)" % r["cached_errors"] if r["cached_errors"] else ""))
a, b = res["sqlite+files"], res["postgresql+s3"]
print("ratio pg+s3 / sqlite+files: upload %.2fx, first view %.2fx, cold view %.2fx, cached %.2fx" %
      (b["upload_ms"] / a["upload_ms"], b["first_view_ms"] / a["first_view_ms"],
       b["cold_view_ms"] / a["cold_view_ms"], b["cached_rps"] / a["cached_rps"]))
print(json.dumps(res))
PY
