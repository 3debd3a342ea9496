#!/usr/bin/env bash
# Faults under `hearth serve`:
#   (a) kill -9 in the middle of many concurrent uploads (8 curl loops, new
#       bytes every time), three rounds: after each restart every listed
#       profile's raw bytes are intact (sha256 of one of the uploaded files,
#       size and ETag agree), its top view works, DATA/tmp is empty and every
#       blob on disk is whole and referenced;
#   (b) a full disk (2 MB tmpfs as the data directory): uploads end in a 507
#       (or 500) JSON error, earlier profiles and /healthz still work, no tmp
#       files stay behind, and space freed by a delete is usable again;
#   (c) an unusable data directory (read-only bind mount, empty or holding a
#       store; a path under it; a regular file) and a port in use: `hearth
#       serve` exits non-zero at once with one clear line on stderr.
# (b) and (c) need root (mount); they say SKIP otherwise.
#   faults.sh HEARTH [GEN_DIR]
# Prints `N passed, M failed` last; exit 77 when prerequisites are missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${1:-}
GEN=${2:-$root/build/gen-profiles}
pass=0 fail=0
ok() { pass=$((pass + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $*"; return 0; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check "what" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else ko "$what"; fi
}

[ -n "$H" ] && [ -x "$H" ] || { echo "SKIP: no hearth binary (usage: faults.sh HEARTH [GEN_DIR])"; exit 77; }
for t in curl python3 sha256sum; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
H=$(cd "$(dirname "$H")" && pwd)/$(basename "$H")
profiles=()
for n in medium-heap large-synth allocs heap-series.3 heap-series.2 edge-deep cpu-labels cpu; do
  [ -f "$GEN/$n.pb.gz" ] && profiles+=("$GEN/$n.pb.gz")
done
if [ ${#profiles[@]} -lt 4 ]; then
  shared=$root/../shared/corpus/generated
  for n in medium-100k heap.3 heap.2 allocs cpu-labels cpu heap.1 block; do
    [ -f "$shared/$n.pb.gz" ] && profiles+=("$shared/$n.pb.gz")
  done
fi
[ ${#profiles[@]} -ge 4 ] || { echo "SKIP: no profiles in $GEN (run tests/gen) or the shared corpus"; exit 77; }

W=$(mktemp -d /tmp/hearth-faults.XXXXXX)
SPID=""
MOUNTS=()
cleanup() {
  [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server DATA [args...]: sets SPID and PORT; 0 when /healthz answers
start_server() {
  local data=$1; shift
  local i
  PORT=$(free_port)
  "$H" serve --listen "127.0.0.1:$PORT" --data "$data" "$@" >>"$W/server.log" 2>&1 &
  SPID=$!
  for ((i = 0; i < 200; i++)); do
    if curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; then return 0; fi
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start: $(tail -n 3 "$W/server.log")"
  return 1
}

# stop_server: SIGTERM, exit status in STOP_RC (124 if it needed kill -9)
stop_server() {
  local i
  STOP_RC=0
  [ -n "$SPID" ] || return 0
  kill -TERM "$SPID" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SPID" 2>/dev/null; then
    kill -9 "$SPID"; wait "$SPID" 2>/dev/null; STOP_RC=124
  else
    wait "$SPID"; STOP_RC=$?
  fi
  SPID=""
}

upload() { # upload FILE -> prints the status code; the body goes to $W/last.json
  curl -s -o "$W/last.json" -w '%{http_code}' --max-time 60 --data-binary @"$1" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$PORT/api/profiles?name=$(basename "$1")"
}

# verify.py PORT DATA KNOWN_SHA_FILE: every listed profile intact; prints problems, exit 0 if none
cat >"$W/verify.py" <<'EOF'
import hashlib, http.client, json, os, sqlite3, sys
port, data, known_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
known = set(open(known_file).read().split())
bad = []
def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", path)
    r = c.getresponse()
    b = r.read()
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, b
profiles, cursor = [], None
while True:
    st, _, b = get("/api/profiles?limit=100" + ("&cursor=" + cursor if cursor else ""))
    if st != 200:
        bad.append("list: %d %s" % (st, b[:200])); break
    j = json.loads(b)
    profiles += j["profiles"]
    cursor = j["next"]
    if not cursor:
        break
blobs_in_use = set()
for p in profiles:
    st, h, b = get("/api/profiles/%s/raw" % p["id"])
    sha = hashlib.sha256(b).hexdigest()
    if st != 200:
        bad.append("%s raw: status %d %s" % (p["id"], st, b[:200])); continue
    if sha not in known:
        bad.append("%s raw: sha256 %s is none of the uploaded files (%d bytes)" % (p["id"], sha, len(b)))
    if len(b) != p["size"]:
        bad.append("%s raw: %d bytes, listed size %d" % (p["id"], len(b), p["size"]))
    if h.get("etag") != '"%s"' % sha:
        bad.append("%s raw: ETag %s, sha256 %s" % (p["id"], h.get("etag"), sha))
    blobs_in_use.add(sha)
    st, _, b = get("/api/profiles/%s/top" % p["id"])
    try:
        ok = st == 200 and len(json.loads(b)["rows"]) > 0
    except ValueError:
        ok = False
    if not ok:
        bad.append("%s top: status %d %s" % (p["id"], st, b[:200]))
tmp = os.listdir(os.path.join(data, "tmp"))
if tmp:
    bad.append("DATA/tmp not empty after restart: %s" % tmp[:5])
# rendered answers kept in the store (the top asked above keeps one): a blob a
# row of table derived names, for a stored profile (and base), is in use too
db = sqlite3.connect(os.path.join(data, "hearth.db"), timeout=10)
derived = {d: (b, base) for b, base, d in db.execute("SELECT blob, base, dblob FROM derived")}
db.close()
for d, (b, base) in derived.items():
    if b in blobs_in_use and (not base or base in blobs_in_use):
        blobs_in_use.add(d)
on_disk = 0
for sub in os.listdir(os.path.join(data, "blobs")):
    for f in os.listdir(os.path.join(data, "blobs", sub)):
        on_disk += 1
        body = open(os.path.join(data, "blobs", sub, f), "rb").read()
        if hashlib.sha256(body).hexdigest() != f:
            bad.append("blob %s/%s: content does not match its name (%d bytes)" % (sub, f, len(body)))
        if f not in blobs_in_use:
            bad.append("blob %s/%s: on disk but no profile refers to it" % (sub, f))
for x in bad[:20]:
    print("  " + x)
print("%d profiles, %d distinct blobs in use, %d blob files, %d problems"
      % (len(profiles), len(blobs_in_use), on_disk, len(bad)))
sys.exit(1 if bad else 0)
EOF

# variants.py OUTDIR PREFIX N LEVEL FILE...: N distinct gzip re-encodings of each file
cat >"$W/variants.py" <<'EOF'
import gzip, hashlib, os, sys
out, prefix, n, level = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for k, f in enumerate(sys.argv[5:]):
    raw = open(f, "rb").read()
    try:
        raw = gzip.decompress(raw)
    except OSError:
        pass
    for j in range(n):
        # j == 0 and odd k: the raw protobuf itself (no gzip) for some variety
        body = raw if (j == 0 and k % 2) else gzip.compress(raw, compresslevel=level, mtime=1000 + j)
        name = os.path.join(out, "%s%d-%03d.pb" % (prefix, k, j))
        open(name, "wb").write(body)
        print(hashlib.sha256(body).hexdigest())
EOF

############ (a) kill -9 during concurrent uploads
echo "== (a) kill -9 during 8 concurrent upload loops"
D=$W/a-data
mkdir -p "$W/var"
python3 "$W/variants.py" "$W/var" v 12 1 "${profiles[@]}" >"$W/known.sha" || { echo "SKIP: cannot make variants"; exit 77; }
nloops=8
rounds=${HEARTH_FAULT_ROUNDS:-3}
prev=0
for ((round = 1; round <= rounds; round++)); do
  if ! start_server "$D"; then ko "(a) round $round: server starts on the data dir"; break; fi
  for ((i = 0; i < nloops; i++)); do
    k=$((i % ${#profiles[@]}))
    (
      while :; do
        for v in "$W"/var/v$k-*.pb; do
          curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 --data-binary @"$v" \
            -H 'Content-Type: application/octet-stream' \
            "http://127.0.0.1:$PORT/api/profiles?name=loop$i" >>"$W/codes.$round" 2>/dev/null || exit 0
        done
      done
    ) &
  done
  # let uploads pile up, then pull the plug at a random moment
  sleep "$(python3 -c "import random; print(round(random.uniform(1.5, 3.5), 2))")"
  kill -9 "$SPID"
  wait "$SPID" 2>/dev/null
  SPID=""
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  n201=$(grep -c '^201' "$W/codes.$round" 2>/dev/null || true)
  # 000 and 100 (after "100 Continue"): uploads in flight when the server was killed
  nother=$(grep -vc '^201\|^000\|^100' "$W/codes.$round" 2>/dev/null || true)
  tmpn=$(find "$D/tmp" -type f | wc -l)
  echo "round $round: ${n201:-0} uploads answered 201 before the kill, ${nother:-0} other statuses, $tmpn tmp files left by the kill"
  [ "${nother:-0}" -eq 0 ] && ok "(a) round $round: no error statuses before the kill" ||
    ko "(a) round $round: statuses other than 201: $(grep -v '^201\|^000\|^100' "$W/codes.$round" | sort | uniq -c | tr '\n' ' ')"
  if ! start_server "$D"; then ko "(a) round $round: server restarts after kill -9"; break; fi
  ok "(a) round $round: server restarts after kill -9"
  nlisted=$(curl -s "http://127.0.0.1:$PORT/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["profiles"])')
  [ "$nlisted" -ge $((prev + ${n201:-0})) ] && ok "(a) round $round: every acknowledged upload survived" ||
    ko "(a) round $round: $nlisted profiles stored, but $prev earlier + ${n201:-0} uploads had answered 201 (acknowledged uploads lost)"
  echo "round $round: $nlisted profiles stored after restart ($((nlisted - prev - ${n201:-0})) committed but unanswered)"
  prev=$nlisted
  if out=$(python3 "$W/verify.py" "$PORT" "$D" "$W/known.sha"); then
    ok "(a) round $round: $(echo "$out" | tail -n 1)"
  else
    ko "(a) round $round: restart finds damaged profiles:"; echo "$out"
  fi
  stop_server
  [ "$STOP_RC" -eq 0 ] && ok "(a) SIGTERM exit 0" || ko "(a) round $round: SIGTERM exit status $STOP_RC"
done

############ (b) full disk
echo "== (b) full disk (2 MB tmpfs)"
M=$W/full
mkdir -p "$M"
if ! mount -t tmpfs -o size=2m tmpfs "$M" 2>"$W/mount.err"; then
  echo "SKIP (b): cannot mount a tmpfs (needs root): $(cat "$W/mount.err")"
else
  MOUNTS+=("$M")
  mkdir -p "$W/fill"
  fillsrc=$GEN/allocs.pb.gz
  [ -f "$fillsrc" ] || fillsrc=${profiles[2]}
  python3 "$W/variants.py" "$W/fill" f 40 0 "$fillsrc" >>"$W/known.sha"
  if start_server "$M/data"; then
    first="" first_tok="" first_file="" second="" second_tok="" status="" n=0
    for v in "$W"/fill/f0-*.pb; do
      status=$(upload "$v")
      [ "$status" = 201 ] || break
      n=$((n + 1))
      if [ -n "$first" ] && [ -z "$second" ]; then
        second=$(python3 -c 'import json; print(json.load(open("'"$W/last.json"'"))["id"])')
        second_tok=$(python3 -c 'import json; print(json.load(open("'"$W/last.json"'"))["delete_token"])')
      fi
      if [ -z "$first" ]; then
        first=$(python3 -c 'import json; print(json.load(open("'"$W/last.json"'"))["id"])')
        first_tok=$(python3 -c 'import json; print(json.load(open("'"$W/last.json"'"))["delete_token"])')
        first_file=$v
      fi
    done
    echo "uploads stored before the disk filled: $n; then status $status: $(head -c 300 "$W/last.json")"
    case $status in
      507) ok "(b) full disk -> 507" ;;
      500) ok "(b) full disk -> 500 (507 preferred)"; echo "note: 500 instead of 507" ;;
      201) ko "(b) 40 uploads of $(stat -c %s "$v") bytes all fit in 2 MB?" ;;
      *) ko "(b) full disk -> status $status (want 507)" ;;
    esac
    if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["code"] and e["message"]' "$W/last.json" 2>/dev/null; then
      ok "(b) the full-disk error is JSON"
    else ko "(b) the full-disk error is not a JSON error: $(head -c 200 "$W/last.json")"; fi
    # a second attempt while full: still a clean error, nothing left behind
    status2=$(upload "$v")
    [ "$status2" = 507 ] || [ "$status2" = 500 ] && ok "(b) still full -> $status2" || ko "(b) still full -> $status2"
    check "(b) server alive while full" kill -0 "$SPID"
    check "(b) /healthz 200 while full" curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"
    if [ -n "$first" ]; then
      got=$(curl -s "http://127.0.0.1:$PORT/api/profiles/$first/raw" | sha256sum | cut -d' ' -f1)
      want=$(sha256sum <"$first_file" | cut -d' ' -f1)
      [ "$got" = "$want" ] && ok "(b) earlier profile downloads intact while full" ||
        ko "(b) earlier profile raw sha256 $got, want $want"
      code=$(curl -s -o "$W/top.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/$first/top?si=0")
      [ "$code" = 200 ] && ok "(b) earlier profile's top view works while full" ||
        ko "(b) earlier profile top -> $code $(head -c 200 "$W/top.json")"
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles?limit=5")
      [ "$code" = 200 ] && ok "(b) list works while full" || ko "(b) list -> $code while full"
    fi
    tmpn=$(find "$M/data/tmp" -type f | wc -l)
    [ "$tmpn" -eq 0 ] && ok "(b) no tmp files left by the failed uploads" ||
      ko "(b) $tmpn tmp files left in DATA/tmp by failed uploads: $(ls "$M/data/tmp" | head -3 | tr '\n' ' ')"
    df -k "$M" | tail -n 1 | awk '{print "tmpfs: " $3 " KB used of " $2 " KB"}'
    # free space by deleting the first two profiles: new uploads work again
    # (two, not one: the upload's blob takes what one delete frees, and the
    # SQLite write-ahead log may need a few pages more for the new row)
    if [ -n "$first" ]; then
      for pair in "$first:$first_tok" "$second:$second_tok"; do
        [ "$pair" = ":" ] && continue
        code=$(curl -s -o "$W/del.json" -w '%{http_code}' -X DELETE -H "Authorization: Bearer ${pair#*:}" \
          "http://127.0.0.1:$PORT/api/profiles/${pair%%:*}")
        [ "$code" = 204 ] && ok "(b) DELETE works on a full disk" || ko "(b) DELETE on a full disk -> $code $(head -c 200 "$W/del.json")"
      done
      small=$(ls "$W"/fill/f0-*.pb | tail -n 1)
      code=$(upload "$small")
      [ "$code" = 201 ] && ok "(b) upload works again after space was freed" ||
        ko "(b) upload after freeing 2 x $(stat -c %s "$first_file") bytes -> $code $(head -c 200 "$W/last.json")"
    fi
    stop_server
    [ "$STOP_RC" -eq 0 ] && ok "(b) SIGTERM exit 0 after the full disk" || ko "(b) SIGTERM exit status $STOP_RC"
    # and the store opens again on the (still nearly full) disk
    if start_server "$M/data"; then
      ok "(b) restart on the full disk"
      if out=$(python3 "$W/verify.py" "$PORT" "$M/data" "$W/known.sha"); then
        ok "(b) after restart: $(echo "$out" | tail -n 1)"
      else ko "(b) after restart:"; echo "$out"; fi
      stop_server
    else
      ko "(b) the server does not restart on the full disk: $(tail -n 1 "$W/server.log")"
    fi
  else
    ko "(b) server starts on an empty 2 MB tmpfs"
  fi
  umount "$M" && MOUNTS=()
fi

############ (c) unusable data directories
echo "== (c) read-only and unusable data directories"
expect_refusal() { # expect_refusal WHAT ARGS...: exit non-zero within 5 s, one line on stderr
  local what=$1; shift
  local t0 rc lines
  t0=$(date +%s%N)
  timeout 10 "$H" serve --listen "127.0.0.1:$(free_port)" "$@" >"$W/c.out" 2>"$W/c.err"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  lines=$(wc -l <"$W/c.err")
  if [ $rc -eq 124 ]; then
    ko "(c) $what: hearth serve kept running (want a start-up error)"
  elif [ $rc -eq 0 ]; then
    ko "(c) $what: exit status 0"
  elif [ "$lines" -ne 1 ] || ! grep -q '^hearth serve: ' "$W/c.err"; then
    ko "(c) $what: want one 'hearth serve: ...' line on stderr, got $lines: $(head -c 300 "$W/c.err")"
  elif [ $ms -gt 5000 ]; then
    ko "(c) $what: took $ms ms to give up"
  else
    ok "(c) $what"; echo "  $what -> exit $rc: $(cat "$W/c.err")"
  fi
}
S=$W/ro-src RO=$W/ro
mkdir -p "$S/empty" "$S/store" "$RO"
# a real store to make read-only
if start_server "$S/store"; then
  upload "${profiles[3]}" >/dev/null
  stop_server
fi
if mount --bind "$S" "$RO" 2>"$W/mount.err" && MOUNTS+=("$RO") && mount -o remount,bind,ro "$RO" 2>>"$W/mount.err"; then
  if touch "$RO/empty/x" 2>/dev/null; then
    echo "SKIP (c): the read-only bind mount is writable"
  else
    expect_refusal "read-only empty data dir" --data "$RO/empty"
    expect_refusal "read-only data dir holding a store" --data "$RO/store"
    expect_refusal "missing data dir under a read-only mount" --data "$RO/empty/new"
  fi
  umount "$RO" && MOUNTS=()
else
  echo "SKIP (c) read-only: cannot bind-mount read-only (needs root): $(cat "$W/mount.err")"
fi
# these need no root
: >"$W/plainfile"
expect_refusal "data dir is a regular file" --data "$W/plainfile"
expect_refusal "data dir under a regular file" --data "$W/plainfile/sub"
# a port in use: exit 1 at once, the last line from hearth serve, the cause named
# (civetweb logs its own lines first; tolerated here, see the report)
if start_server "$W/c-busy"; then
  timeout 10 "$H" serve --listen "127.0.0.1:$PORT" --data "$W/c-busy2" >"$W/c.out" 2>"$W/c.err"
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && tail -n 1 "$W/c.err" | grep -q '^hearth serve: ' &&
     grep -qi 'in use' "$W/c.err"; then
    ok "(c) port already in use"
    [ "$(wc -l <"$W/c.err")" -eq 1 ] || echo "  note: port in use gives $(wc -l <"$W/c.err") stderr lines; the last one does not name the cause: $(tail -n 1 "$W/c.err")"
  else
    ko "(c) port already in use: exit $rc: $(head -c 300 "$W/c.err")"
  fi
  stop_server
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
