#!/usr/bin/env bash
# Benchmark: the server's first decode of the 1M-sample profile (issue 14,
# goal 3, "same for the server's first decode"). Each run starts a fresh
# `hearth serve` on an empty data directory, uploads the profile (POST) and
# asks for its first view (GET flamegraph, which decodes it), then reads the
# server's peak RSS (VmHWM). Prints the medians of N runs next to the same
# run's floor (`gzip -dc` of the file) and the previous figures (first-decode
# peak 99.5 MB). Not a test: it prints figures and a JSON line, never fails
# on speed.
#   tests/bench/first_decode.sh [HEARTH] [PROFILE]
# Runs: HEARTH_BENCH_RUNS (5). HEARTH_BENCH_BASE=/path/to/older/hearth also
# measures that binary (before/after in one run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
F=${2:-$root/../shared/corpus/generated/large-1m.pb.gz}
runs=${HEARTH_BENCH_RUNS:-5}
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
[ -x "$H" ] || { echo "SKIP: no hearth binary at $H"; exit 77; }
[ -f "$F" ] || { echo "SKIP: no profile at $F"; exit 77; }

W=$(mktemp -d /tmp/hearth-first.XXXXXX)
SPID=""
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s%N; }

# one BIN: prints "post_s get_s peak_kb" for a fresh server
one() {
  local bin=$1 port base i id t0 t1 t2 r rss
  rm -rf "$W/data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  "$bin" serve --listen "127.0.0.1:$port" --data "$W/data" --max-upload-mb 64 >"$W/server.log" 2>&1 &
  SPID=$!
  for ((i = 0; i < 200; i++)); do
    curl -sf -o /dev/null "$base/healthz" && break
    kill -0 "$SPID" 2>/dev/null || { echo "server failed: $(cat "$W/server.log")" >&2; exit 1; }
    sleep 0.05
  done
  t0=$(now)
  r=$(curl -s -o "$W/up.json" -w '%{http_code}' --data-binary @"$F" \
    -H 'Content-Type: application/octet-stream' "$base/api/profiles?name=first")
  t1=$(now)
  [ "$r" = 201 ] || { echo "upload failed: $r $(head -c 300 "$W/up.json")" >&2; exit 1; }
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/up.json")
  r=$(curl -s -o "$W/flame.gz" -w '%{http_code}' -H 'Accept-Encoding: gzip' "$base/api/profiles/$id/flamegraph")
  t2=$(now)
  [ "$r" = 200 ] || { echo "first view failed: $r" >&2; exit 1; }
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$SPID/status")
  kill "$SPID"; wait "$SPID" 2>/dev/null || true
  SPID=""
  awk "BEGIN{printf \"%.3f %.3f %d\n\", ($t1 - $t0) / 1e9, ($t2 - $t1) / 1e9, $rss}"
}

med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# medians BIN: "post get peak"
medians() {
  local bin=$1 i
  for ((i = 0; i < runs; i++)); do one "$bin"; done >"$W/rows"
  echo "$(awk '{print $1}' "$W/rows" | med) $(awk '{print $2}' "$W/rows" | med) $(awk '{print $3}' "$W/rows" | med)"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; runs: $runs, medians"
echo "== $F ($(stat -c %s "$F") bytes)"
for ((i = 0; i < runs; i++)); do
  t0=$(now); gzip -dc "$F" >/dev/null; t1=$(now)
  awk "BEGIN{printf \"%.3f\n\", ($t1 - $t0) / 1e9}"
done >"$W/gz"
gz_s=$(med <"$W/gz")
read -r post_s get_s peak_kb < <(medians "$H")
printf '%-28s %8s %8s %10s\n' "" "POST s" "GET s" "peak KB"
printf '%-28s %8s %8s %10s\n' "gzip -dc (the floor)" "$gz_s" "" ""
printf '%-28s %8s %8s %10s\n' "hearth serve, first view" "$post_s" "$get_s" "$peak_kb"
if [ -n "${HEARTH_BENCH_BASE:-}" ]; then
  read -r b_post b_get b_peak < <(medians "$HEARTH_BENCH_BASE")
  printf '%-28s %8s %8s %10s  (%s)\n' "base hearth serve" "$b_post" "$b_get" "$b_peak" "$HEARTH_BENCH_BASE"
fi
first=$(awk "BEGIN{printf \"%.2f\", $get_s / $gz_s}")
echo "first view (decode + flame) / gzip -dc: ${first}x (goal: as the CLI, <= 1.5x)"
echo "server peak RSS after the first decode: $((peak_kb / 1024)) MB (before issue 14's work: 99.5 MB; goal: no more)"
echo "{\"bench\":\"first-decode\",\"file\":\"$(basename "$F")\",\"gunzip_s\":$gz_s,\"post_s\":$post_s,\"first_view_s\":$get_s,\"peak_kb\":$peak_kb,\"floor_ratio\":$first}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
