#!/usr/bin/env bash
# cli.limits_readme: the README's Limits block is `hearth limits` (the one
# table of server/lib/limits.c), and `hearth serve --help` shows the limits
# table's defaults for the options derived from it.
# usage: limits_readme.sh HEARTH README
set -u
H=$1 README=$2
fail=0
want=$(mktemp) got=$(mktemp)
trap 'rm -f "$want" "$got"' EXIT
"$H" limits > "$want" || { echo "FAIL: hearth limits exited $?"; exit 1; }
sed -n '/^<!-- hearth limits: begin -->$/,/^<!-- hearth limits: end -->$/p' "$README" \
  | sed '1d;$d' > "$got"
if [ ! -s "$got" ]; then
  echo "FAIL: no '<!-- hearth limits: begin/end -->' block in $README"
  fail=1
elif ! diff -u "$got" "$want"; then
  echo "FAIL: README's limits block differs from 'hearth limits' (above: - README, + hearth)"
  fail=1
fi
# the server's options bound by a limits row default to it (MiB)
mib() { "$H" limits | awk -F'|' -v n="\`$1\`" '$2 ~ n { gsub(/ /, "", $3); print $3 }'; }
help=$("$H" serve --help)
for pair in max-upload-mb:max_input max-decompressed-mb:max_decompressed; do
  flag=${pair%%:*} lim=${pair##*:}
  v=$(mib "$lim")
  d=$(printf '%s\n' "$help" | awk -v f="--$flag" '$1 == f { print $4 }')
  if [ "${v%MiB}" != "$d" ] || [ "${v%MiB}" = "$v" ]; then
    echo "FAIL: --$flag defaults to '$d', the limits table's $lim is '$v'"
    fail=1
  fi
done
# --max-view-ms takes max_view_ms as it is (milliseconds)
v=$(mib max_view_ms | tr -d ,)
d=$(printf '%s\n' "$help" | awk '$1 == "--max-view-ms" { print $4 }')
if [ -z "$v" ] || [ "$v" != "$d" ]; then
  echo "FAIL: --max-view-ms defaults to '$d', the limits table's max_view_ms is '$v'"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: README limits = hearth limits; serve --help defaults follow the table"
exit $fail
