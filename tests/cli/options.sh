#!/usr/bin/env bash
# pprof's report options through the CLI (issue 12 item 4, issue 13 item 3):
# a bad value of any option is one 'hearth: ...' line on stderr and exit 2
# (a bad regexp, found when the profile is read, exit 1); good values give
# the numbers Go 1.19's pprof gives (checked here on a fixed profile; the
# oracle's kinds options/tags/tagroot compare the whole corpus).
#   options.sh HEARTH GEN_DIR
set -u
H=$1 GEN=$2
P=$GEN/edge-labels.pb.gz
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
[ -f "$P" ] || { echo "SKIP: no generated profiles in $GEN"; exit 77; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT

want_fail() { # WANT_RC CMD... : exit status WANT_RC and one 'hearth: ' line
  local want=$1; shift
  "$H" "$@" >/dev/null 2>"$err"; local rc=$?
  if [ $rc -ne "$want" ]; then ko "$*: exit $rc, want $want: $(head -c 200 "$err")"
  elif [ "$(wc -l <"$err")" -ne 1 ] || ! grep -q '^hearth: ' "$err"; then
    ko "$*: want one 'hearth:' line, got: $(head -c 200 "$err")"
  else ok; fi
}
for bad in -divide_by=0 -divide_by=x -divide_by= -divide_by=inf -mean=maybe -trim=2 \
           -drop_negative=yes2 -relative_percentages=nope -call_tree=x -compact_labels=-1 \
           -flat=huh -mean_delay=x -nodefraction=2; do
  want_fail 2 top "$bad" "$P"
done
want_fail 2 tags -bogus_option=1 "$P"
want_fail 2 top -prune_from "$P"   # a value is needed: the file is taken as it
for bad in '-prune_from=(' '-tagshow=[' '-taghide=a**' ; do
  want_fail 1 top "$bad" "$P"
done
want_fail 1 tags '-tagshow=(' "$P"

has() { # WHAT TEXT-TO-FIND CMD...
  local what=$1 needle=$2; shift 2
  if "$H" "$@" 2>"$err" | grep -qF -- "$needle"; then ok; else ko "$what: no '$needle' in $*"; fi
}
# exact pprof numbers on edge-labels (cpu, 320ms total)
has tagroot '         0     0%   100%      120ms 37.50%  t1' top -trim=false -tagroot=thread "$P"
has tagroot-unknown '      130ms 40.62%  <unknown>' top -trim=false -tagroot=thread "$P"
has tags-total ' thread: Total 190.0ms' tags "$P"
has tags-line '         120.0ms (63.16%): t1' tags "$P"
has tagshow ' key: Total 290.0ms' tags -tagshow=^key$ "$P"
if "$H" tags -taghide=thread "$P" | grep -q thread; then ko "taghide kept thread"; else ok; fi
has tags-json '"key":"thread","numeric":false,"unit":"","total":190000000' tags --json "$P"
has divide_by 'Showing nodes accounting for 106.67ms' top -divide_by=3 "$P"
has mean 'Type: mean_cpu' top -mean "$P"
if "$H" top -compact_labels "$P" | grep -q '^Type:'; then ko "compact_labels kept Type:"; else ok; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
