#!/usr/bin/env bash
# The report commands: pprof's spelling anywhere on the line, -output, --help
# listing every report, usage errors, and URL sources (a local HTTP server).
# Usage: reports.sh HEARTH GEN_DIR
set -u
H=$1
G=$2
P=$G/cpu-labels.pb.gz
[ -f "$P" ] || { echo "SKIP: $P missing"; exit 77; }
T=$(mktemp -d /tmp/hearth-reports.XXXXXX)
SRV=
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { # want_rc description cmd... (stdout in $T/out, stderr in $T/err)
  local want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want: $(head -c 200 "$T/err")"; fi
}
same() { # description fileA fileB
  if cmp -s "$2" "$3"; then ok; else bad "$1: outputs differ"; fi
}

# every report is a subcommand and a pprof-spelled flag, anywhere on the line
for r in top text traces tree raw callgrind kcachegrind proto topproto comments; do
  run 0 "$r FILE" "$H" "$r" -sample_index=1 "$P"; cp "$T/out" "$T/a"
  run 0 "-$r FILE" "$H" "-$r" -sample_index=1 "$P"; same "-$r vs $r" "$T/a" "$T/out"
  run 0 "FILE -$r" "$H" "$P" -sample_index=1 "--$r"; same "FILE --$r vs $r" "$T/a" "$T/out"
done
run 0 "text = top" "$H" -text "$P"; cp "$T/out" "$T/a"
run 0 "top" "$H" top "$P"; same "-text vs top" "$T/a" "$T/out"
run 0 "peek subcommand" "$H" peek -peek=main "$P"; cp "$T/out" "$T/a"
run 0 "-peek flag" "$H" -peek main "$P"; same "peek -peek=RE vs -peek RE" "$T/a" "$T/out"
grep -q 'calls calls% + context' "$T/out" && ok || bad "peek: no tree legend"
run 0 "graph -dot = -dot" "$H" graph -dot "$P"; cp "$T/out" "$T/a"
run 0 "-dot" "$H" -dot "$P"; same "graph -dot vs -dot" "$T/a" "$T/out"

# -output=FILE writes the report there and nothing to stdout
run 0 "traces" "$H" traces "$P"; cp "$T/out" "$T/a"
run 0 "-output=FILE" "$H" -traces -output="$T/o.txt" "$P"
same "-output file vs stdout" "$T/a" "$T/o.txt"
[ ! -s "$T/out" ] && ok || bad "-output: stdout not empty"
run 0 "-output FILE (proto)" "$H" proto -output "$T/o.pb.gz" "$P"
[ "$(head -c 2 "$T/o.pb.gz" | od -An -tx1 | tr -d ' ')" = "1f8b" ] && ok || bad "-proto -output: not gzip"
run 0 "reload -proto output" "$H" top "$T/o.pb.gz"
run 1 "-output into a missing directory" "$H" top -output=/nonexistent/dir/x "$P"
[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "-output failure: not one line"

# reports past 1 MiB stream out in pieces: the same bytes to stdout and to -output,
# and a full disk is one error line and exit 1
L=$G/large-synth.pb.gz
if [ -f "$L" ]; then
  for r in traces raw; do
    run 0 "$r (large)" "$H" "-$r" "$L"; cp "$T/out" "$T/a"; cp "$T/out" "$T/large.$r"
    [ "$(wc -c <"$T/a")" -gt 2097152 ] && ok || bad "$r of $L: not past 2 MiB"
    run 0 "$r -output (large)" "$H" "-$r" -output="$T/o.txt" "$L"
    same "$r streamed: -output file vs stdout" "$T/a" "$T/o.txt"
    if [ -w /dev/full ]; then
      run 1 "$r to a full disk" "$H" "-$r" -output=/dev/full "$L"
      [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q 'writing /dev/full failed' "$T/err" && ok ||
        bad "$r to a full disk: not one error line: $(head -c 300 "$T/err")"
    fi
  done
  run 0 "-traces (large, pipe)" sh -c "'$H' -traces '$L' | cat >'$T/p.txt'"
  same "-traces through a pipe" "$T/large.traces" "$T/p.txt"
else
  bad "$L missing"
fi

# --help lists every report and the new flags
run 0 "--help" "$H" --help
for w in top text traces tree peek raw callgrind kcachegrind proto topproto comments flame graph dot \
         -output -seconds -timeout -sample_index; do
  grep -q -- "$w" "$T/out" && ok || bad "--help lacks $w"
done
run 0 "report --help" "$H" -traces --help

# usage errors: exit 2, one line
for args in "-frobnicate $P" "-top -traces $P" "peek $P" "-peek= $P" "$P" "top" "-seconds=x $P" \
            "-timeout=-1 $P"; do
  # shellcheck disable=SC2086
  run 2 "usage: $args" "$H" $args
  [ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "usage: $args: not one line"
done
run 2 "unknown command" "$H" frobnicate "$P"
# input errors: exit 1, one line
run 1 "peek without a match" "$H" -peek='^no_such_function$' "$P"
grep -q 'no matches found for regexp' "$T/err" && ok || bad "peek: message"
run 1 "raw with -hide" "$H" -raw -hide=runtime "$P"
run 1 "bad peek regexp" "$H" -peek='(' "$P"
[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "bad peek regexp: not one line"

# callgrind output loads in valgrind's callgrind_annotate
if command -v callgrind_annotate >/dev/null; then
  run 0 "callgrind" "$H" -callgrind -output="$T/callgrind.out" "$P"
  run 0 "callgrind_annotate" callgrind_annotate "$T/callgrind.out"
  grep -q 'Events shown' "$T/out" && ok || bad "callgrind_annotate: no event summary"
elif [ -n "${CI:-}" ]; then
  bad "callgrind_annotate missing in CI (.ci/install installs valgrind)"
else
  echo "note: callgrind_annotate not installed; skipped that check"
fi

# diffs: a node whose flat and cum cancel to 0 is dropped, but its edges stay, as
# in pprof: -tree lists main (cum 20ms - 20ms) as the caller of b and c
E=$G/edge-diff-base.pb.gz
if [ -f "$E" ]; then
  run 0 "tree -normalize -base" "$H" -tree -normalize -base="$E" "$G/edge-diff-new.pb.gz"
  cat >"$T/want" <<'TREE'
File: app
Type: cpu
Time: Nov 14, 2023 at 10:13pm (UTC)
Duration: 1.50s, Total samples = 40ms ( 2.67%)
Showing nodes accounting for 0, 0% of 40ms total
----------------------------------------------------------+-------------
      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 
----------------------------------------------------------+-------------
                                              20ms   100% |   main
      20ms 50.00% 50.00%       20ms 50.00%                | b
----------------------------------------------------------+-------------
                                             -20ms   100% |   main
     -20ms 50.00%     0%      -20ms 50.00%                | c
----------------------------------------------------------+-------------
TREE
  same "tree of a diff: edges from a dropped node" "$T/want" "$T/out"
else
  bad "$E missing"
fi
# -callgrind of a diff: a call to a dropped node has its file and an empty cfn
run 0 "callgrind -diff_base" "$H" callgrind -diff_base="$G/heap-series.0.pb.gz" -sample_index=3 "$G/heap-series.1.pb.gz"
awk '/^cfn=$/ { n++; if (prev !~ /^cfl=\(/) bad++; getline c; getline w
                if (c !~ /^calls=0 / || w !~ /^\* \* /) bad++ }
     { prev = $0 } END { exit !(n > 0 && bad == 0) }' "$T/out" && ok ||
  bad "callgrind of a diff: no well-formed call to a dropped node"

# a profile file of 128 KiB or more runs with huge pages (an advised heap
# where THP is "madvise"): the same bytes as without
zcat "$G/large-synth.pb.gz" >"$T/big.pb"
[ "$(wc -c <"$T/big.pb")" -ge 2097152 ] && ok || bad "big.pb: under 2 MiB"
for r in proto traces; do
  run 0 "$r (huge pages)" "$H" "-$r" "$T/big.pb"; cp "$T/out" "$T/a"
  run 0 "$r (HEARTH_NO_HUGEPAGES)" env HEARTH_NO_HUGEPAGES=1 "$H" "-$r" "$T/big.pb"
  same "$r with and without huge pages" "$T/a" "$T/out"
done

# URL sources, through a local HTTP server
if command -v python3 >/dev/null; then
  mkdir -p "$T/www/debug/pprof"
  cp "$P" "$T/www/debug/pprof/profile"
  cp "$G/allocs.pb.gz" "$T/www/debug/pprof/heap"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$T/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >"$T/http.log" 2>&1) &
  SRV=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break; sleep 0.1; done
  run 0 "top FILE" "$H" top "$G/allocs.pb.gz"; cp "$T/out" "$T/a"
  run 0 "top URL" "$H" top "http://127.0.0.1:$PORT/debug/pprof/heap"; same "top URL vs FILE" "$T/a" "$T/out"
  run 0 "traces FILE" "$H" -traces "$P"; cp "$T/out" "$T/a"
  run 0 "-traces host:port/path -seconds=2" "$H" -traces -seconds=2 -timeout=20 "127.0.0.1:$PORT/debug/pprof/profile?x=1&seconds=30"
  same "traces URL vs FILE" "$T/a" "$T/out"
  grep -q 'GET /debug/pprof/profile?x=1&seconds=2 ' "$T/http.log" && ok || bad "-seconds=2: not in the request: $(tail -2 "$T/http.log")"
  run 0 "-base=URL" "$H" top -base="http://127.0.0.1:$PORT/debug/pprof/heap" "$G/allocs.pb.gz"
  run 1 "URL answering 404" "$H" top "http://127.0.0.1:$PORT/nope"
  grep -q 'HTTP 404' "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "404: message: $(cat "$T/err")"
  run 1 "URL with nothing listening" "$H" top "http://127.0.0.1:1/debug/pprof/heap"
  [ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "refused: not one line"
  run 1 "URL that is not a profile" "$H" top "http://127.0.0.1:$PORT/"
else
  echo "note: python3 missing; URL sources not tested"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
