#!/usr/bin/env bash
# Benchmark: `hearth top` against the floor (`gzip -dc` of the same file) and
# against `go tool pprof -top`, in the same run; wall time, CPU time (user +
# system) and peak RSS of each (/usr/bin/time), the median of N runs, and the
# ratios next to issue 14's goals. Not a test: it prints figures (and a JSON
# line) and never fails on speed.
#   tests/bench/bench.sh [HEARTH] [PROFILE...]
# Default profile: ../shared/corpus/generated/large-1m.pb.gz, else one made
# by tests/gen (1,000,000 samples). Runs: HEARTH_BENCH_RUNS (5) for gzip and
# hearth, HEARTH_BENCH_PPROF_RUNS (1) for pprof (it takes ~20 s and 1.5 GB).
# HEARTH_BENCH_BASE=/path/to/older/hearth also measures that binary's top
# (before/after in one run). The machine may be shared: the load average is
# printed, and only the ratios of one run are meaningful.
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
runs=${HEARTH_BENCH_RUNS:-5}
pruns=${HEARTH_BENCH_PPROF_RUNS:-1}
pprof="$(go env GOTOOLDIR)/pprof"
export TZ=UTC PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=$(mktemp -d) HOME=$(mktemp -d)
tf=$(mktemp)
trap 'rm -f "$tf"' EXIT

# measure N CMD...: prints "wall cpu kb", each the median of N runs
measure() {
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

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; runs: $runs (pprof $pruns), medians"
for f in "${files[@]}"; do
  echo "== $f ($(stat -c %s "$f") bytes)"
  read -r gz_s gz_c gz_kb < <(measure "$runs" sh -c "gzip -dc '$f' >/dev/null")
  read -r h_s h_c h_kb < <(measure "$runs" "$H" top "$f")
  read -r hf_s hf_c hf_kb < <(measure "$runs" "$H" flame "$f")
  read -r p_s p_c p_kb < <(measure "$pruns" "$pprof" -symbolize=none -top "$f")
  if [ -n "${HEARTH_BENCH_BASE:-}" ]; then
    read -r b_s b_c b_kb < <(measure "$runs" "$HEARTH_BENCH_BASE" top "$f")
  fi
  printf '%-22s %8s %8s %10s\n' "" "wall s" "cpu s" "peak KB"
  printf '%-22s %8s %8s %10s\n' "gzip -dc (the floor)" "$gz_s" "$gz_c" "$gz_kb"
  printf '%-22s %8s %8s %10s\n' "hearth top" "$h_s" "$h_c" "$h_kb"
  printf '%-22s %8s %8s %10s\n' "hearth flame" "$hf_s" "$hf_c" "$hf_kb"
  printf '%-22s %8s %8s %10s\n' "go tool pprof -top" "$p_s" "$p_c" "$p_kb"
  if [ -n "${HEARTH_BENCH_BASE:-}" ]; then
    printf '%-22s %8s %8s %10s  (%s)\n' "base hearth top" "$b_s" "$b_c" "$b_kb" "$HEARTH_BENCH_BASE"
    echo "base hearth top / gzip -dc: wall $(awk "BEGIN{printf \"%.2f\", $b_s / $gz_s}")x;" \
      "peak RSS 1/$(awk "BEGIN{printf \"%.1f\", $p_kb / $b_kb}") of pprof's"
  fi
  floor=$(awk "BEGIN{printf \"%.2f\", $h_s / $gz_s}")
  floorc=$(awk "BEGIN{printf \"%.2f\", $h_c / ($gz_c > 0 ? $gz_c : 0.01)}")
  speed=$(awk "BEGIN{printf \"%.1f\", $p_s / $h_s}")
  mem=$(awk "BEGIN{printf \"%.3f\", $h_kb / $p_kb}")
  memx=$(awk "BEGIN{printf \"%.1f\", $p_kb / $h_kb}")
  echo "hearth top / gzip -dc: wall ${floor}x (goal <= 1.5x), cpu ${floorc}x"
  echo "hearth top peak RSS / pprof's: ${mem} = 1/${memx} (goal <= 1/20)"
  echo "speed-up over pprof: ${speed}x"
  echo "{\"file\":\"$(basename "$f")\",\"gunzip_s\":$gz_s,\"gunzip_cpu_s\":$gz_c,\"hearth_s\":$h_s,\"hearth_cpu_s\":$h_c,\"hearth_kb\":$h_kb,\"pprof_s\":$p_s,\"pprof_kb\":$p_kb,\"floor_ratio\":$floor,\"speedup\":$speed,\"mem_ratio\":$mem}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
