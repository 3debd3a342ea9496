#!/usr/bin/env bash
# Load benchmark of `hearth serve` (not a ctest test: it prints figures and a
# JSON line, and fails only with HEARTH_LOAD_STRICT=1 when a target is missed).
#   1. a medium profile's flame graph under wrk (-t2 -c64 -d20s, gzip):
#      requests/s, p99 latency, errors (non-2xx and socket errors);
#   2. upload of the 1M-sample profile to its first flame graph JSON (POST + GET);
#   3. the server's peak RSS (VmHWM), by phase, next to the idle server's RSS
#      and the 1M profile's raw size, and the bytes its caches report.
# Targets: zero errors, >= 2000 req/s on 2 cores, upload -> first flame < 1.5 s,
# peak RSS <= 200 MB.
#   tests/bench/load.sh [HEARTH] [MEDIUM_PROFILE] [LARGE_PROFILE]
# Profiles default to ../shared/corpus/generated/{medium-100k,large-1m}.pb.gz,
# else ones made by tests/gen. Knobs: HEARTH_LOAD_DURATION (20s),
# HEARTH_LOAD_CONNECTIONS (64), HEARTH_LOAD_THREADS (2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
MEDIUM=${2:-}
LARGE=${3:-}
DUR=${HEARTH_LOAD_DURATION:-20s}
CONN=${HEARTH_LOAD_CONNECTIONS:-64}
THREADS=${HEARTH_LOAD_THREADS:-2}

if ! command -v wrk >/dev/null; then
  echo "SKIP: wrk is not installed (Debian package wrk; add it to .ci/install)"
  exit 77
fi
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
[ -x "$H" ] || { echo "SKIP: no hearth binary at $H"; exit 77; }

shared=$root/../shared/corpus/generated
out=$root/build/bench-profiles
gen() { # gen FILE ARGS...: make FILE with tests/gen unless it exists
  local f=$1; shift
  [ -f "$f" ] && return 0
  command -v go >/dev/null || return 1
  mkdir -p "$out"
  (cd "$root/tests/gen" && GOPROXY=off go run ./cmd/hearthgen -out "$out" -real=false -bomb=false "$@" >/dev/null)
}
if [ -z "$MEDIUM" ]; then
  if [ -f "$shared/medium-100k.pb.gz" ]; then MEDIUM=$shared/medium-100k.pb.gz
  elif [ -f "$root/build/gen-profiles/medium-heap.pb.gz" ]; then MEDIUM=$root/build/gen-profiles/medium-heap.pb.gz
  elif gen "$out/medium-heap.pb.gz" -large-samples 1000000; then MEDIUM=$out/medium-heap.pb.gz
  else echo "SKIP: no medium profile (shared corpus absent, no Go)"; exit 77; fi
fi
if [ -z "$LARGE" ]; then
  if [ -f "$shared/large-1m.pb.gz" ]; then LARGE=$shared/large-1m.pb.gz
  elif gen "$out/large-synth.pb.gz" -large-samples 1000000; then LARGE=$out/large-synth.pb.gz
  else echo "SKIP: no 1M-sample profile (shared corpus absent, no Go)"; exit 77; fi
fi

W=$(mktemp -d /tmp/hearth-load.XXXXXX)
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# wrk's connections all come from 127.0.0.1: lift the per-client caps
# (--max-client-*), else they would answer most of the load with 429
"$H" serve --listen "127.0.0.1:$PORT" --data "$W/data" --max-upload-mb 64 \
  --max-client-requests 0 --max-client-connections 0 >"$W/server.log" 2>&1 &
SPID=$!
for ((i = 0; i < 200; i++)); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  kill -0 "$SPID" 2>/dev/null || { echo "server failed: $(cat "$W/server.log")"; exit 1; }
  sleep 0.05
done

# memory by phase: "name rss_kb hwm_kb" lines (VmRSS now, VmHWM so far)
mem() { awk -v n="$1" '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print n, r, h}' "/proc/$SPID/status" >>"$W/mem.txt"; }
mem idle
idle_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status")

upload() { # upload FILE -> prints the id
  local r
  r=$(curl -s -o "$W/up.json" -w '%{http_code} %{time_total}' --data-binary @"$1" \
    -H 'Content-Type: application/octet-stream' "$BASE/api/profiles?name=$(basename "$1")")
  [ "${r%% *}" = 201 ] || { echo "upload of $1 failed: $r $(head -c 300 "$W/up.json")"; exit 1; }
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/up.json"
}

echo "== hearth serve under load ($(nproc) cores; wrk -t$THREADS -c$CONN -d$DUR)"
echo "medium: $MEDIUM ($(stat -c %s "$MEDIUM") bytes)"
mid=$(upload "$MEDIUM")
mem "medium uploaded"
URL=$BASE/api/profiles/$mid/flamegraph
warm=$(curl -s -o "$W/flame.gz" -w '%{http_code} %{time_total} %{size_download}' -H 'Accept-Encoding: gzip' "$URL")
plain=$(curl -s -o /dev/null -w '%{size_download}' "$URL")
echo "flame graph: first GET ${warm#* } (status, s, gzip bytes), $plain bytes uncompressed"
wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H 'Accept-Encoding: gzip' "$URL" >"$W/wrk.txt" 2>&1 || true
mem "wrk flame (trimmed)"
cat "$W/wrk.txt"
kill -0 "$SPID" 2>/dev/null || { echo "server died under load: $(tail -n 5 "$W/server.log")"; exit 1; }

read -r rps p99_ms non2xx sockerr reqs < <(python3 - "$W/wrk.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def ms(v, u):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]
rps = re.search(r"Requests/sec:\s*([\d.]+)", t)
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\b", t, re.M)
non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", t)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
reqs = re.search(r"(\d+) requests in", t)
print(rps.group(1) if rps else "0",
      "%.2f" % ms(*p99.groups()) if p99 else "-1",
      non2xx.group(1) if non2xx else "0",
      sum(int(x) for x in sock.groups()) if sock else 0,
      reqs.group(1) if reqs else "0")
EOF
)

# the same under the whole tree (mf=0: no default trim), for comparison
full_rps=-1 full_p99=-1 full_err=-1
if [ "${HEARTH_LOAD_FULL_TREE:-1}" = 1 ]; then
  fsz=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "$URL?mf=0")
  echo; echo "whole tree (mf=0, $fsz gzip bytes):"
  wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H 'Accept-Encoding: gzip' "$URL?mf=0" >"$W/wrk0.txt" 2>&1 || true
  mem "wrk flame (whole tree)"
  grep -E 'Requests/sec|99%|Non-2xx|Socket errors' "$W/wrk0.txt" || true
  read -r full_rps full_p99 n0 s0 _ < <(python3 - "$W/wrk0.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v, u):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]
rps = re.search(r"Requests/sec:\s*([\d.]+)", t)
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\b", t, re.M)
non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", t)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
print(rps.group(1) if rps else "0", "%.2f" % ms(*p99.groups()) if p99 else "-1",
      non2xx.group(1) if non2xx else "0", sum(int(x) for x in sock.groups()) if sock else 0, 0)
PY
)
  full_err=$((n0 + s0))
fi

echo
echo "large: $LARGE ($(stat -c %s "$LARGE") bytes)"
t0=$(date +%s%N)
lid=$(upload "$LARGE")
mem "1M uploaded"
t1=$(date +%s%N)
fr=$(curl -s -o "$W/lflame.gz" -w '%{http_code} %{time_total} %{size_download}' -H 'Accept-Encoding: gzip' \
  "$BASE/api/profiles/$lid/flamegraph")
t2=$(date +%s%N)
mem "1M first flame"
[ "${fr%% *}" = 200 ] || { echo "large flame graph failed: $fr"; exit 1; }
gzip -t "$W/lflame.gz" 2>/dev/null && gzip -dc "$W/lflame.gz" | python3 -c 'import json,sys; json.load(sys.stdin)' ||
  { echo "large flame graph is not gzip JSON"; exit 1; }
up_s=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
fl_s=$(awk "BEGIN{printf \"%.3f\", ($t2 - $t1) / 1e9}")
tot_s=$(awk "BEGIN{printf \"%.3f\", ($t2 - $t0) / 1e9}")
read -r _ _ fsize <<<"$fr"
# a second view of the same profile (decoded model cached)
t3=$(date +%s%N)
curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$BASE/api/profiles/$lid/top"
mem "1M top"
t4=$(date +%s%N)
top_s=$(awk "BEGIN{printf \"%.3f\", ($t4 - $t3) / 1e9}")
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$SPID/status")
# what the caches say they hold (their budget counts every byte of their entries)
curl -s "$BASE/metrics" | awk '/^hearth_cache_bytes\{/ {print}' >"$W/cache.txt"
cache_kb=$(awk '{s += $2} END {printf "%d", s / 1024}' "$W/cache.txt")
raw_kb=$(($(gzip -dc "$LARGE" | wc -c) / 1024))
cur=$(awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status")
kill "$SPID"; wait "$SPID" && stop_rc=0 || stop_rc=$?
SPID=""

errors=$((non2xx + sockerr))
echo
echo "== summary"
printf '%-36s %s\n' "flame graph requests/s" "$rps ($reqs requests)"
printf '%-36s %s ms\n' "p99 latency" "$p99_ms"
printf '%-36s %s (non-2xx %s, socket %s)\n' "errors" "$errors" "$non2xx" "$sockerr"
printf '%-36s %s req/s, p99 %s ms, %s errors\n' "whole tree (mf=0)" "$full_rps" "$full_p99" "$full_err"
printf '%-36s %s s (POST %s s + first flame GET %s s, %s gzip bytes)\n' "1M upload -> first flame graph" "$tot_s" "$up_s" "$fl_s" "$fsize"
printf '%-36s %s s\n' "then its top view" "$top_s"
printf '%-36s %s KB (now %s KB; goal <= 204800 KB = 200 MB; idle server %s KB, 1M profile raw %s KB)\n' \
  "server peak RSS (VmHWM)" "$rss" "$cur" "$idle_kb" "$raw_kb"
printf '%-36s %s KB (%s)\n' "caches hold (/metrics)" "$cache_kb" "$(tr '\n' ' ' <"$W/cache.txt")"
echo "memory by phase (VmRSS KB, VmHWM KB):"
awk '{h = $NF; r = $(NF - 1); $NF = ""; $(NF - 1) = ""; printf "  %-34s %8s %8s\n", $0, r, h}' "$W/mem.txt"
printf '%-36s %s\n' "SIGTERM exit status" "$stop_rc"
miss=0 t_err=met t_rps=met t_up=met t_rss=met
[ "$errors" -eq 0 ] || { miss=1; t_err=MISSED; }
awk "BEGIN{exit !($rps >= 2000)}" || { miss=1; t_rps=MISSED; }
awk "BEGIN{exit !($tot_s < 1.5)}" || { miss=1; t_up=MISSED; }
[ "$rss" -le 204800 ] || { miss=1; t_rss=MISSED; }
echo "targets: zero errors $t_err; >= 2000 req/s $t_rps; upload -> first flame < 1.5 s $t_up; peak RSS <= 200 MB $t_rss"
printf '{"bench":"http-load","cores":%d,"connections":%d,"duration":"%s","medium":"%s","rps":%s,"p99_ms":%s,"non2xx":%d,"socket_errors":%d,"full_tree_rps":%s,"full_tree_p99_ms":%s,"full_tree_errors":%d,"large":"%s","upload_s":%s,"first_flame_s":%s,"upload_to_flame_s":%s,"peak_rss_kb":%d,"idle_rss_kb":%d,"large_raw_kb":%d,"cache_kb":%d,"targets_met":%s}\n' \
  "$(nproc)" "$CONN" "$DUR" "$(basename "$MEDIUM")" "$rps" "$p99_ms" "$non2xx" "$sockerr" "$full_rps" "$full_p99" "$full_err" \
  "$(basename "$LARGE")" "$up_s" "$fl_s" "$tot_s" "$rss" "$idle_kb" "$raw_kb" "$cache_kb" "$([ $miss -eq 0 ] && echo true || echo false)"
if [ "${HEARTH_LOAD_STRICT:-0}" = 1 ] && [ $miss -ne 0 ]; then exit 1; fi
exit 0
