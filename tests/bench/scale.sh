#!/usr/bin/env bash
# Scaling curve (issue 14, goal 4): `hearth top` and `go tool pprof -top` on
# synthetic profiles of 100k, 1M and 4M samples; wall time, CPU time and
# peak RSS of each (median of HEARTH_BENCH_RUNS (3) runs for hearth, of
# HEARTH_BENCH_PPROF_RUNS (1) for pprof), and how each grows against the
# input. Not a test: it prints figures and never fails on speed.
#   tests/bench/scale.sh [HEARTH]
# The profiles are made once with the corpus generator
# (../shared/corpus/gen, cmd/synth; same shape as large-1m.pb.gz, scaled)
# and cached in build/bench-profiles/ (never committed). HEARTH_SCALE_PPROF=0
# skips pprof (at 4M samples it needs about 6 GB and minutes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
gen=${HEARTH_CORPUS_GEN:-$root/../shared/corpus/gen}
out=$root/build/bench-profiles
runs=${HEARTH_BENCH_RUNS:-3}
pruns=${HEARTH_BENCH_PPROF_RUNS:-1}
mkdir -p "$out"
if [ ! -x "$out/synth" ]; then
  [ -d "$gen/cmd/synth" ] || { echo "scale.sh: no corpus generator at $gen" >&2; exit 77; }
  (cd "$gen" && GOFLAGS=-mod=mod GOPROXY=off go build -o "$out/synth" ./cmd/synth)
fi
# name samples stacks functions depth (the 1M row is large-1m.pb.gz's recipe)
sizes=("100k 100000 8000 5000 64" "1m 1000000 80000 50000 64" "4m 4000000 300000 150000 96")
for row in "${sizes[@]}"; do
  read -r name n st fn dp <<<"$row"
  f=$out/synth-$name.pb.gz
  [ -f "$f" ] || "$out/synth" -out "$f" -seed 1 -samples "$n" -stacks "$st" -functions "$fn" \
    -depth "$dp" -meandepth 16 -zipf 1.5 -labels 0.2 -duration 900000000000 >/dev/null
done

pprof="$(go env GOTOOLDIR)/pprof"
export TZ=UTC PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=$(mktemp -d) HOME=$(mktemp -d)
tf=$(mktemp)
trap 'rm -f "$tf"' EXIT
measure() { # N CMD...: "wall cpu kb", medians of N runs
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null 2>&1
    cat "$tf"
  done | awk '{w[NR] = $1; c[NR] = $2 + $3; m[NR] = $4}
    function med(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((n + 1) / 2)]
    }
    END { printf "%.2f %.2f %d\n", med(w, NR), med(c, NR), med(m, NR) }'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-6s %10s %11s | %8s %8s %9s | %8s %8s %10s | %7s\n' samples "gz bytes" "raw bytes" \
  "h wall" "h cpu" "h KB" "p wall" "p cpu" "p KB" "p/h mem"
for row in "${sizes[@]}"; do
  read -r name n _ <<<"$row"
  f=$out/synth-$name.pb.gz
  raw=$(gzip -dc "$f" | wc -c)
  read -r h_s h_c h_kb < <(measure "$runs" "$H" top "$f")
  if [ "${HEARTH_SCALE_PPROF:-1}" = 1 ]; then
    read -r p_s p_c p_kb < <(measure "$pruns" "$pprof" -symbolize=none -top "$f")
  else
    p_s=0 p_c=0 p_kb=0
  fi
  printf '%-6s %10s %11s | %8s %8s %9s | %8s %8s %10s | %7s\n' "$name" "$(stat -c %s "$f")" "$raw" \
    "$h_s" "$h_c" "$h_kb" "$p_s" "$p_c" "$p_kb" \
    "$(awk "BEGIN{if ($h_kb > 0 && $p_kb > 0) printf \"%.1f\", $p_kb / $h_kb; else print \"-\"}")"
  echo "{\"samples\":$n,\"gz_bytes\":$(stat -c %s "$f"),\"raw_bytes\":$raw,\"hearth_s\":$h_s,\"hearth_cpu_s\":$h_c,\"hearth_kb\":$h_kb,\"pprof_s\":$p_s,\"pprof_cpu_s\":$p_c,\"pprof_kb\":$p_kb}" >>"$out/scale.jsonl"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (rows appended to $out/scale.jsonl)"

# The server's curve: a fresh `hearth serve` per profile (upload limits
# and the view time limit raised for the 4M one), then the upload (POST, decoded and cached), the
# first flame graph and the first top view (both computed, gzip): wall time
# of each and the server's peak RSS (VmHWM) after each. HEARTH_SCALE_SERVER=0
# skips it.
if [ "${HEARTH_SCALE_SERVER:-1}" = 1 ]; then
  sw=$(mktemp -d /tmp/hearth-scale.XXXXXX)
  spid=""
  stop_server() { [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null; spid=""; }
  trap 'stop_server; rm -rf "$sw" "$tf"' EXIT
  hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$spid/status"; }
  since() { awk "BEGIN{printf \"%.2f\", ($(date +%s%N) - $1) / 1e9}"; }
  echo
  echo "server: a fresh hearth serve per profile (--max-upload-mb 256 --max-decompressed-mb 2048 --max-view-ms 120000)"
  printf '%-6s %10s %11s | %8s %8s %8s | %9s %9s %9s %9s | %7s\n' samples "gz bytes" "raw bytes" \
    "up s" "flame s" "top s" "idle KB" "up KB" "flame KB" "top KB" "RSS/raw"
  for row in "${sizes[@]}"; do
    read -r name n _ <<<"$row"
    f=$out/synth-$name.pb.gz
    raw=$(gzip -dc "$f" | wc -c)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -rf "$sw/data"
    "$H" serve --listen "127.0.0.1:$port" --data "$sw/data" --max-upload-mb 256 \
      --max-decompressed-mb 2048 --max-view-ms 120000 >"$sw/server.log" 2>&1 &
    spid=$!
    for ((i = 0; i < 200; i++)); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
      sleep 0.05
    done
    idle=$(hwm)
    t=$(date +%s%N)
    code=$(curl -s -o "$sw/up.json" -w '%{http_code}' --data-binary @"$f" \
      -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/api/profiles?name=$name")
    up_s=$(since "$t") up_kb=$(hwm)
    [ "$code" = 201 ] || { echo "upload of $f: HTTP $code $(head -c 300 "$sw/up.json")"; exit 1; }
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$sw/up.json")
    t=$(date +%s%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/api/profiles/$id/flamegraph")
    fl_s=$(since "$t") fl_kb=$(hwm)
    [ "$code" = 200 ] || { echo "flame graph of $f: HTTP $code"; exit 1; }
    t=$(date +%s%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/api/profiles/$id/top")
    top_s=$(since "$t") top_kb=$(hwm)
    [ "$code" = 200 ] || { echo "top of $f: HTTP $code"; exit 1; }
    stop_server
    printf '%-6s %10s %11s | %8s %8s %8s | %9s %9s %9s %9s | %7s\n' "$name" "$(stat -c %s "$f")" "$raw" \
      "$up_s" "$fl_s" "$top_s" "$idle" "$up_kb" "$fl_kb" "$top_kb" \
      "$(awk "BEGIN{printf \"%.2f\", $top_kb * 1024 / $raw}")"
    echo "{\"server\":true,\"samples\":$n,\"gz_bytes\":$(stat -c %s "$f"),\"raw_bytes\":$raw,\"upload_s\":$up_s,\"first_flame_s\":$fl_s,\"first_top_s\":$top_s,\"idle_kb\":$idle,\"upload_kb\":$up_kb,\"flame_kb\":$fl_kb,\"top_kb\":$top_kb}" >>"$out/scale.jsonl"
  done
  echo "(RSS/raw: peak RSS per byte of the gunzipped profile; it should not grow with the input)"
fi
