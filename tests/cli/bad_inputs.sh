#!/usr/bin/env bash
# Hostile and broken inputs through the CLI: every bad file is refused with
# exit status 1 and one line on stderr, quickly, within bounded memory, and
# never with a crash. Hostile names come out as valid JSON.
#   bad_inputs.sh HEARTH GEN_DIR
set -u
H=$1 GEN=$2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

if [ ! -d "$GEN/bad" ]; then
  echo "SKIP: no generated profiles in $GEN (needs Go)"; exit 77
fi

for f in "$GEN"/bad/*; do
  err=$(mktemp)
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$err.rss" timeout 60 "$H" top "$f" >/dev/null 2>"$err"
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  rss=$(tail -n 1 "$err.rss" 2>/dev/null || echo 0)
  lines=$(wc -l <"$err")
  if [ $rc -ne 1 ]; then
    ko "$(basename "$f"): exit status $rc (want 1): $(head -c 300 "$err")"
  elif [ "$lines" -ne 1 ] || ! grep -q '^hearth: ' "$err"; then
    ko "$(basename "$f"): want one 'hearth: ...' line on stderr, got: $(head -c 300 "$err")"
  elif [ "$rss" -gt "${HEARTH_RSS_LIMIT_KB:-800000}" ]; then
    ko "$(basename "$f"): peak RSS ${rss} KB"
  else
    ok
  fi
  case "$(basename "$f")" in
    *bomb*) echo "bomb refused in ${ms} ms, peak RSS ${rss} KB: $(cat "$err")" ;;
  esac
  rm -f "$err" "$err.rss"
done

# A tighter cap refuses the bomb sooner and with less memory.
if [ -f "$GEN/bad/bad-bomb.pb.gz" ]; then
  /usr/bin/time -f '%M' -o /tmp/hearth-bomb.rss "$H" top -max_decompressed=16777216 \
    "$GEN/bad/bad-bomb.pb.gz" >/dev/null 2>/tmp/hearth-bomb.err
  rc=$? rss=$(tail -n 1 /tmp/hearth-bomb.rss)
  if [ $rc -eq 1 ] && grep -q 'max_decompressed' /tmp/hearth-bomb.err && [ "$rss" -lt "${HEARTH_BOMB_RSS_LIMIT_KB:-100000}" ]; then
    ok
  else
    ko "bomb with -max_decompressed=16MiB: rc=$rc rss=$rss $(cat /tmp/hearth-bomb.err)"
  fi
fi

# Hostile names (quotes, backslashes, <script>, invalid UTF-8) stay valid JSON.
f="$GEN/edge-cpp-names.pb.gz"
if [ -f "$f" ]; then
  for cmd in "top --json" "flame" "graph"; do
    if $H $cmd "$f" | python3 -c 'import json,sys; json.load(sys.stdin)'; then ok
    else ko "invalid JSON from hearth $cmd on $(basename "$f")"; fi
  done
  if $H graph -dot "$f" | grep -q '<script>'; then
    if $H graph -dot "$f" | grep -E 'tooltip="[^"]*[^\\]"[^ \]]' >/dev/null; then
      ko "unescaped quote in DOT output"
    else ok; fi
  else ok; fi
fi

# Every generated good profile renders every view without error.
for f in "$GEN"/*.pb.gz; do
  for cmd in "top" "top --json" "flame" "graph" "graph -dot"; do
    if ! timeout 120 $H $cmd "$f" >/dev/null 2>/tmp/hearth-view.err; then
      ko "hearth $cmd $(basename "$f"): $(head -c 300 /tmp/hearth-view.err)"
    else ok; fi
  done
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
