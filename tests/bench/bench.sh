#!/usr/bin/env bash
# Benchmark: `hearth top` against `go tool pprof -top` on the same large
# profile in the same run; wall time and peak RSS of each, and the ratios.
# Not a test: it prints figures (and a JSON line) and never fails on speed.
#   tests/bench/bench.sh [HEARTH] [PROFILE...]
# Default profile: ../shared/corpus/generated/large-1m.pb.gz, else one made
# by tests/gen (1,000,000 samples). Runs: HEARTH_BENCH_RUNS (3) for hearth,
# 1 for pprof (it takes ~17 s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
shift || true
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  if [ -f "$root/../shared/corpus/generated/large-1m.pb.gz" ]; then
    files=("$root/../shared/corpus/generated/large-1m.pb.gz")
  else
    out=$root/build/bench-profiles
    mkdir -p "$out"
    [ -f "$out/large-synth.pb.gz" ] || (cd "$root/tests/gen" && GOPROXY=off go run ./cmd/hearthgen \
      -out "$out" -real=false -bomb=false -large-samples 1000000 >/dev/null)
    files=("$out/large-synth.pb.gz")
  fi
fi
runs=${HEARTH_BENCH_RUNS:-3}
pprof="$(go env GOTOOLDIR)/pprof"
export TZ=UTC PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=$(mktemp -d) HOME=$(mktemp -d)

measure() { # prints "seconds kb" of the best (lowest wall) of N runs
  local n=$1; shift
  local best_s="" best_kb=""
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %M' -o /tmp/hearth-bench.time "$@" >/dev/null 2>&1
    read -r s kb </tmp/hearth-bench.time
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}

for f in "${files[@]}"; do
  echo "== $f ($(stat -c %s "$f") bytes)"
  read -r gz_s gz_kb < <(measure "$runs" sh -c "gzip -dc '$f' >/dev/null")
  read -r h_s h_kb < <(measure "$runs" "$H" top "$f")
  read -r hf_s hf_kb < <(measure "$runs" "$H" flame "$f")
  read -r p_s p_kb < <(measure 1 "$pprof" -symbolize=none -top "$f")
  speed=$(awk "BEGIN{printf \"%.1f\", $p_s / $h_s}")
  mem=$(awk "BEGIN{printf \"%.2f\", $h_kb / $p_kb}")
  printf '%-28s %8s s %10s KB\n' "gunzip only" "$gz_s" "$gz_kb"
  printf '%-28s %8s s %10s KB\n' "hearth top" "$h_s" "$h_kb"
  printf '%-28s %8s s %10s KB\n' "hearth flame" "$hf_s" "$hf_kb"
  printf '%-28s %8s s %10s KB\n' "go tool pprof -top" "$p_s" "$p_kb"
  echo "speed-up: ${speed}x (target >= 20x); memory: ${mem} of pprof's (target <= 0.20);" \
       "hearth top / gunzip: $(awk "BEGIN{printf \"%.1f\", $h_s / $gz_s}")x"
  echo "{\"file\":\"$(basename "$f")\",\"hearth_s\":$h_s,\"hearth_kb\":$h_kb,\"pprof_s\":$p_s,\"pprof_kb\":$p_kb,\"gunzip_s\":$gz_s,\"speedup\":$speed,\"mem_ratio\":$mem}"
done
