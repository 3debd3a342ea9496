#!/usr/bin/env bash
# Fetch-from-URL end to end: `hearth serve` fetches profiles from a live Go
# program (tests/peer, net/http/pprof on 127.0.0.1) through POST /api/fetch,
# and refuses what it must (cloud metadata, itself, non-profiles, foreign
# origins) with JSON errors that never echo the remote body.
#   fetch_peer_test.sh HEARTH_BIN
# Exits 77 (SKIP) without go, curl or python3; prints "N passed, M failed".
set -u
H=${1:?usage: fetch_peer_test.sh HEARTH_BIN}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

for tool in go curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found"; exit 77
  fi
done
PEER_SRC=$(cd "$(dirname "$0")/../peer" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hearth-fetch.XXXXXX")
PEER_PID="" HEARTH_PID=""
cleanup() {
  for p in $HEARTH_PID $PEER_PID; do
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the peer ----------------------------------------------------------------
[ -n "${HOME:-}" ] || export GOCACHE="$T/gocache"
if ! (cd "$PEER_SRC" && GOPROXY=off GOFLAGS=-mod=mod go build -o "$T/peer" .) 2>"$T/build.log"; then
  echo "FAIL: go build tests/peer: $(head -c 500 "$T/build.log")"
  echo "0 passed, 1 failed"; exit 1
fi
"$T/peer" -listen 127.0.0.1:0 -portfile "$T/peer.port" -max-lifetime 5m 2>"$T/peer.log" &
PEER_PID=$!
for _ in $(seq 100); do [ -s "$T/peer.port" ] && break; sleep 0.1; done
if [ ! -s "$T/peer.port" ]; then
  echo "FAIL: the peer wrote no port: $(head -c 500 "$T/peer.log")"
  echo "0 passed, 1 failed"; exit 1
fi
PP=$(tr -d '\n' <"$T/peer.port")
PEER="http://127.0.0.1:$PP"

# ---- the server (on a free port; retried in case another process takes it) ----
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
HP=""
for attempt in 1 2 3; do
  HP=$(free_port)
  "$H" serve --listen "127.0.0.1:$HP" --data "$T/data" --fetch-allow 127.0.0.1 \
    2>"$T/hearth.log" &
  HEARTH_PID=$!
  up=0
  for _ in $(seq 100); do
    if ! kill -0 "$HEARTH_PID" 2>/dev/null; then break; fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/healthz")" = 200 ]; then
      up=1; break
    fi
    sleep 0.1
  done
  [ $up = 1 ] && break
  kill "$HEARTH_PID" 2>/dev/null; wait "$HEARTH_PID" 2>/dev/null; HEARTH_PID=""
done
if [ -z "$HEARTH_PID" ]; then
  echo "FAIL: hearth serve did not come up: $(head -c 1000 "$T/hearth.log")"
  echo "0 passed, 1 failed"; exit 1
fi
BASE="http://127.0.0.1:$HP"

# ---- helpers -------------------------------------------------------------------
# req METHOD PATH [BODY [curl args...]]: sets CODE; the body is in $T/resp.
req() {
  local m=$1 p=$2 d=${3-}
  shift $(($# < 3 ? $# : 3))
  if [ -n "$d" ]; then
    CODE=$(curl -sS -m 60 -o "$T/resp" -w '%{http_code}' -X "$m" \
      -H 'Content-Type: application/json' --data-binary "$d" "$@" "$BASE$p" 2>"$T/curl.err")
  else
    CODE=$(curl -sS -m 60 -o "$T/resp" -w '%{http_code}' -X "$m" "$@" "$BASE$p" 2>"$T/curl.err")
  fi
}
# fetch URL NAME [curl args...]: POST /api/fetch
fetch() {
  local url=$1 name=$2
  shift 2
  req POST /api/fetch "{\"url\":\"$url\",\"name\":\"$name\"}" "$@"
}
# py EXPR: evaluate a Python expression with d = the JSON response (exit 1 if
# the body is not JSON or the expression is false).
py() {
  python3 - "$T/resp" "$1" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not JSON: %s" % e, file=sys.stderr)
    sys.exit(1)
v = eval(sys.argv[2])
if isinstance(v, bool):
    sys.exit(0 if v else 1)
print(v)
EOF
}
body() { head -c 400 "$T/resp"; }
# HEARTH_TEST_VERBOSE=1 shows every answer
if [ -n "${HEARTH_TEST_VERBOSE:-}" ]; then
  eval "$(declare -f req | sed '1s/req/req_quiet/')"
  req() { req_quiet "$@"; echo "  $1 $2 -> $CODE $(head -c 300 "$T/resp")"; }
fi
# is_error STATUS_RE: a JSON error {"error":{"code","message"}} with a status matching
is_error() {
  [[ $CODE =~ ^($1)$ ]] &&
    py 'isinstance(d["error"]["code"], str) and isinstance(d["error"]["message"], str)' 2>/dev/null
}
msg() { py 'd["error"]["message"]' 2>/dev/null; }

# ---- a heap profile: 201, then main.leakyCache in its top rows ---------------------
sleep 1 # let the peer leak and collect garbage at least once
fetch "$PEER/debug/pprof/heap" "peer heap"
if [ "$CODE" = 201 ] && py 'isinstance(d["id"], str) and d["id"] != ""' 2>/dev/null; then
  ok
  HEAP_ID=$(py 'd["id"]')
  # the fetched URL is "source_url" in the server as built ("url" is the share link)
  if py '(d["name"] == "peer heap" and d["size"] > 0 and isinstance(d["delete_token"], str)
          and d.get("source_url", d["url"]).endswith("/debug/pprof/heap")
          and "inuse_space" in [s["type"] for s in d["sample_types"]])'; then ok
  else ko "heap fetch: unexpected metadata: $(body)"; fi
  found=0
  for _ in 1 2 3; do
    req GET "/api/profiles/$HEAP_ID/top"
    if [ "$CODE" = 200 ] && py 'any(r["name"] == "main.leakyCache" and r["flat"] > 0 for r in d["rows"])' 2>/dev/null; then
      found=1; break
    fi
    # a heap profile shows the heap as of the last GC: fetch a fresh one
    sleep 1
    fetch "$PEER/debug/pprof/heap?gc=1" "peer heap (gc)"
    [ "$CODE" = 201 ] && HEAP_ID=$(py 'd["id"]')
  done
  if [ $found = 1 ]; then ok; else ko "main.leakyCache not in the heap top rows: $CODE $(body)"; fi
else
  ko "POST /api/fetch heap: $CODE $(body)"
fi

# ---- a 1 s CPU profile: 201 with a cpu sample type, main.spin on top ----------------
fetch "$PEER/debug/pprof/profile?seconds=1" "peer cpu"
if [ "$CODE" = 201 ] && py '"cpu" in [s["type"] for s in d["sample_types"]]' 2>/dev/null; then
  ok
  CPU_ID=$(py 'd["id"]')
  req GET "/api/profiles/$CPU_ID/top"
  if [ "$CODE" = 200 ] && py 'd["sample"]["type"] == "cpu" and any(r["name"] == "main.spin" for r in d["rows"])' 2>/dev/null; then ok
  else ko "main.spin not in the CPU top rows: $CODE $(body)"; fi
else
  ko "POST /api/fetch cpu profile: $CODE $(body)"
fi

# ---- refusals ----------------------------------------------------------------------------
# cloud metadata: 403, at once (refused before connecting)
start=$(date +%s%N)
fetch "http://169.254.169.254/latest/meta-data/" "metadata"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if is_error 403 && [ "$ms" -lt 3000 ]; then ok
else ko "metadata fetch: want a 403 JSON error at once, got $CODE in ${ms} ms: $(body)"; fi

# ourselves
fetch "$BASE/healthz" "self"
if is_error 403 && msg | grep -q 'this server'; then ok
else ko "self fetch: want 403 'this server', got $CODE: $(body)"; fi

# the pprof HTML index is not a profile; the error names the failure and
# contains nothing of the page
for path in "/debug/pprof/"; do
  fetch "$PEER$path" "not a profile"
  if is_error '400|415' && ! msg | grep -qE '<|Types of profiles|Profile Descriptions|heap profile: |MemStats'; then ok
  else ko "fetch $path: want a 400/415 JSON error without page text, got $CODE: $(body)"; fi
done

# the legacy ?debug=1 heap text is read as pprof reads it, and says so
fetch "$PEER/debug/pprof/heap?debug=1" "legacy heap"
if [ "$CODE" = 201 ] && py 'd["converted_from"] == "go heap text (?debug=1)" and [s["type"] for s in d["sample_types"]] == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]' 2>/dev/null; then ok
else ko "fetch heap?debug=1: want 201 converted from go heap text, got $CODE: $(body)"; fi

# HTTP 404 from the target: an error naming the status, not the body
fetch "$PEER/no/such/page" "404"
if is_error '4[0-9][0-9]|5[0-9][0-9]' && msg | grep -q 'HTTP 404' && ! msg | grep -q 'page not found'; then ok
else ko "fetch of a 404: want an error naming HTTP 404, got $CODE: $(body)"; fi

# seconds= above --max-fetch-seconds (default 60) and a non-http scheme: 400
fetch "$PEER/debug/pprof/profile?seconds=9999" "too long"
if is_error 400 && msg | grep -q 'seconds'; then ok
else ko "seconds=9999: want 400, got $CODE: $(body)"; fi
fetch "file:///etc/passwd" "file"
if is_error 400 && ! msg | grep -q 'root:'; then ok
else ko "file:// URL: want 400, got $CODE: $(body)"; fi

# a cross-site page driving the fetch: 403
fetch "$PEER/debug/pprof/heap" "evil" -H 'Origin: https://evil.example'
if is_error 403; then ok
else ko "POST /api/fetch with Origin: https://evil.example: want 403, got $CODE: $(body)"; fi

# the server survived all of it
req GET /healthz
if [ "$CODE" = 200 ]; then ok; else ko "/healthz after the fetch tests: $CODE"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
