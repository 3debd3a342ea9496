#!/usr/bin/env bash
# The CLI's contract: help, usage errors (exit 2), input errors (exit 1).
set -u
H=$1
pass=0 fail=0
check() { # want_rc description cmd...
  local want=$1 what=$2; shift 2
  "$@" >/tmp/hearth-usage.out 2>/tmp/hearth-usage.err
  local rc=$?
  if [ $rc -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what: exit $rc, want $want: $(head -c 200 /tmp/hearth-usage.err)"; fi
}
check 0 "--help" "$H" --help
grep -q -- '-sample_index' /tmp/hearth-usage.out && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: --help lacks -sample_index"; }
check 0 "top --help" "$H" top --help
check 2 "no command" "$H"
check 2 "unknown command" "$H" frobnicate
check 2 "top without a file" "$H" top
check 2 "unknown flag" "$H" top -frobnicate=1 x.pb.gz
check 2 "bad nodecount" "$H" top -nodecount=-3 x.pb.gz
check 2 "normalize without base" "$H" top -normalize x.pb.gz
check 1 "missing file" "$H" top /nonexistent/profile.pb.gz
[ "$(wc -l </tmp/hearth-usage.err)" -eq 1 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: missing file: not one line"; }
printf 'hello, world\nthis is not a profile\n' >/tmp/hearth-text.txt
check 1 "text that is no profile" "$H" top /tmp/hearth-text.txt
grep -q 'unrecognized profile format' /tmp/hearth-usage.err && [ "$(wc -l </tmp/hearth-usage.err)" -eq 1 ] &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: text message: $(cat /tmp/hearth-usage.err)"; }
printf 'heap profile: 1: 2 [3: 4] @ heap/1048576\n' >/tmp/hearth-legacy.txt
check 0 "legacy heap text without samples" "$H" top /tmp/hearth-legacy.txt
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
