#!/usr/bin/env bash
# Benchmark of the text and profile reports: each `hearth -REPORT` against
# `go tool pprof -REPORT` on the same profile in the same run; wall time,
# CPU time (user + sys: meaningful when the machine is shared) and peak RSS
# of each, and the ratios. Not a test: it prints figures (and a JSON line
# per report) and never fails on speed.
#   tests/bench/reports.sh [HEARTH] [PROFILE] [REPORT...]
# Default profile: ../shared/corpus/generated/large-1m.pb.gz; default
# reports: text traces tree peek raw callgrind proto topproto comments.
# pprof runs once per report (~40 s each on 1M samples); hearth runs
# HEARTH_BENCH_RUNS times (default 1), the best wall time kept. The last
# column says whether both ratios meet the goal (HEARTH_BENCH_GOAL, 10x).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-$root/build/hearth}
F=${2:-$root/../shared/corpus/generated/large-1m.pb.gz}
shift 2 || shift $# || true
reports=("$@")
[ ${#reports[@]} -gt 0 ] || reports=(text traces tree peek raw callgrind proto topproto comments)
runs=${HEARTH_BENCH_RUNS:-1}
pprof="$(go env GOTOOLDIR)/pprof"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=$tmp HOME=$tmp

measure() { # prints "wall cpu kb" of the run with the lowest wall time of N
  local n=$1; shift
  local best="" i
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" ||
      { echo "failed: $* ($(head -c 200 "$tmp/err"))" >&2; echo "0 0 0"; return; }
    read -r s u y kb <"$tmp/time"
    local cpu
    cpu=$(awk "BEGIN{printf \"%.2f\", $u + $y}")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < ${best%% *})}"; then best="$s $cpu $kb"; fi
  done
  echo "$best"
}

ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.1f\", $1 / $2; else print \"-\" }"; }
# the goal (issue 12): every report >= 10x faster than pprof's, wall and CPU
goal=${HEARTH_BENCH_GOAL:-10}
meets() { awk "BEGIN{ if (\"$1\" != \"-\" && $1 >= $goal && \"$2\" != \"-\" && $2 >= $goal) print \"ok\"; else print \"BELOW\" }"; }

echo "== $F ($(stat -c %s "$F") bytes), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %10s %8s %9s | %10s %8s %9s | %7s %7s %6s  %s\n' report "hearth s" "cpu s" "RSS MB" \
  "pprof s" "cpu s" "RSS MB" "wall x" "cpu x" "mem" "goal ${goal}x"
for r in "${reports[@]}"; do
  flag=-$r
  [ "$r" = peek ] && flag='-peek=main\.'
  # pprof has no work budget: lift hearth's (max_view_ms) for the comparison
  read -r hs hc hk < <(measure "$runs" "$H" "$flag" -max_view_ms=3600000 "$F")
  read -r ps pc pk < <(measure 1 "$pprof" -symbolize=none "$flag" "$F")
  wx=$(ratio "$ps" "$hs") cx=$(ratio "$pc" "$hc")
  printf '%-10s %10s %8s %9.0f | %10s %8s %9.0f | %7s %7s %6s  %s\n' "$r" "$hs" "$hc" \
    "$(awk "BEGIN{print $hk/1024}")" "$ps" "$pc" "$(awk "BEGIN{print $pk/1024}")" \
    "$wx" "$cx" "$(awk "BEGIN{ if ($pk > 0) printf \"%.2f\", $hk / $pk; else print \"-\" }")" \
    "$(meets "$wx" "$cx")"
  echo "{\"report\":\"$r\",\"hearth_s\":$hs,\"hearth_cpu_s\":$hc,\"hearth_kb\":$hk,\"pprof_s\":$ps,\"pprof_cpu_s\":$pc,\"pprof_kb\":$pk}" >>"$tmp/json"
done
cat "$tmp/json"
