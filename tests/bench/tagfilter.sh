#!/usr/bin/env bash
# Benchmark (issue 12 item 1): a numeric tag filter on a 1,000,000-sample
# profile with a numeric label (bytes) on every sample. `hearth top
# -tagfocus=bytes=16b:` against the unfiltered `hearth top` in the same run
# (goal: within 2x) and against `go tool pprof -top` with the same filter.
# Not a test: it prints figures (and a JSON line) and never fails on speed.
#   tests/bench/tagfilter.sh [HEARTH]
# The profile is made by tests/bench/gen_labels.py into build/bench-profiles/
# (not in git). Runs: HEARTH_BENCH_RUNS (3) for hearth, 1 for pprof.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
f=$root/build/bench-profiles/labels-1m.pb.gz
mkdir -p "$(dirname "$f")"
[ -f "$f" ] || python3 "$here/gen_labels.py" "$f" 1000000
runs=${HEARTH_BENCH_RUNS:-3}
pprof="$(go env GOTOOLDIR)/pprof"
export TZ=UTC PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=$(mktemp -d) HOME=$(mktemp -d)
flt=-tagfocus=bytes=16b:

measure() { # prints "seconds kb" of the best (lowest wall) of N runs
  local n=$1; shift
  local best_s="" best_kb=""
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %M' -o /tmp/hearth-tagbench.time "$@" >/dev/null 2>&1
    read -r s kb </tmp/hearth-tagbench.time
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}

echo "== $f ($(stat -c %s "$f") bytes)"
read -r h_s h_kb < <(measure "$runs" "$H" top "$f")
read -r hf_s hf_kb < <(measure "$runs" "$H" top "$flt" "$f")
read -r p_s p_kb < <(measure 1 "$pprof" -symbolize=none -top "$flt" "$f")
same=no
if cmp -s <("$H" top "$flt" "$f" 2>/dev/null) <("$pprof" -symbolize=none -top "$flt" "$f" 2>/dev/null); then
  same=yes
fi
printf '%-34s %8s s %10s KB\n' "hearth top" "$h_s" "$h_kb"
printf '%-34s %8s s %10s KB\n' "hearth top $flt" "$hf_s" "$hf_kb"
printf '%-34s %8s s %10s KB\n' "pprof -top $flt" "$p_s" "$p_kb"
ratio=$(awk "BEGIN{printf \"%.2f\", $hf_s / $h_s}")
speed=$(awk "BEGIN{printf \"%.1f\", $p_s / $hf_s}")
echo "filtered / unfiltered: ${ratio}x (goal <= 2); pprof / hearth (filtered): ${speed}x; output identical to pprof: $same"
printf '{"bench":"tagfilter","hearth_s":%s,"hearth_filtered_s":%s,"pprof_filtered_s":%s,"ratio":%s,"same":"%s"}\n' \
  "$h_s" "$hf_s" "$p_s" "$ratio" "$same"
