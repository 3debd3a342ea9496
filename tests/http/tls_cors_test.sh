#!/usr/bin/env bash
# tls_cors_test.sh - HTTPS without a proxy (--tls-cert/--tls-key) and CORS
# opt-in (--cors-origins), through curl as a user would:
#   TLS: a self-signed certificate made with `openssl req`; an upload and its
#   views over https with --cacert; plain http to the TLS port fails without
#   an answer and the server keeps serving; each bad certificate or key is a
#   one-line start-up error naming the file (exit 1), a lone --tls-cert a
#   usage error (exit 2).
#   CORS: off by default (no Access-Control-* header, cross-origin writes
#   403, OPTIONS 405); with a list, listed origins get the headers, 204
#   preflights and their writes through; unlisted ones get none, 403.
# usage: tls_cors_test.sh HEARTH GEN_DIR   (exit 77: openssl or curl missing)
set -u
H=$1 GEN=$2
for t in openssl curl python3; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
PROF=$GEN/heap.pb.gz
[ -f "$PROF" ] || PROF=$(ls "$GEN"/*.pb.gz 2>/dev/null | head -1)
[ -f "$PROF" ] || { echo "SKIP: no generated profile in $GEN"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
T=$(mktemp -d)
SRV=
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # scheme args...: start a server on $P, wait for /healthz
  local scheme=$1 i; shift
  P=$(port)
  "$H" serve --listen 127.0.0.1:$P --data "$T/data" "$@" >"$T/serve.log" 2>&1 &
  SRV=$!
  for i in $(seq 100); do
    curl -sf --cacert "$T/cert.pem" "$scheme://localhost:$P/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  bad "server did not start: $(cat "$T/serve.log")"
  return 1
}
stop() { kill "$SRV"; wait "$SRV"; local rc=$?; SRV=; [ $rc -eq 0 ] && ok || bad "server exit $rc after SIGTERM"; }

# ---- TLS ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null \
  || { bad "openssl req failed"; echo "$pass passed, $fail failed"; exit 1; }
openssl genrsa -out "$T/other-key.pem" 2048 2>/dev/null
echo "not a certificate" >"$T/junk.pem"

start https --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
out=$(curl -sS --cacert "$T/cert.pem" -H 'Content-Type: application/octet-stream' \
      --data-binary @"$PROF" "https://localhost:$P/api/profiles?name=tls" -w '\n%{http_code}')
code=${out##*$'\n'}
[ "$code" = 201 ] && ok || bad "upload over https: $code ${out:0:200}"
id=$(printf '%s' "${out%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
[ -n "$id" ] && ok || bad "no id in the upload answer"
for v in top flamegraph callgraph; do
  code=$(curl -sS --cacert "$T/cert.pem" -o "$T/view.json" -w '%{http_code}' "https://localhost:$P/api/profiles/$id/$v")
  [ "$code" = 200 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/view.json" && ok \
    || bad "GET $v over https: $code"
done
cmp -s <(curl -sS --cacert "$T/cert.pem" "https://localhost:$P/api/profiles/$id/raw") "$PROF" && ok \
  || bad "raw over https differs from the upload"
# an untrusted certificate is refused by the client (it really is TLS with our cert)
curl -sS "https://localhost:$P/healthz" -o /dev/null 2>/dev/null && bad "curl trusted a self-signed cert without --cacert" || ok
# plain http to the TLS port: no HTTP answer, and the server lives on
curl -sS -m 5 "http://127.0.0.1:$P/healthz" -o "$T/plain.out" 2>"$T/plain.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 28 ] && ok || bad "plain http to the TLS port: curl exit $rc (want a closed connection, not a timeout)"
code=$(curl -sS --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' "https://localhost:$P/healthz")
[ "$code" = 200 ] && ok || bad "server after a plain http request: $code"
# hearth healthcheck (the image's HEALTHCHECK) speaks TLS with the same settings
out=$("$H" healthcheck --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" 2>&1)
[ $? -eq 0 ] && [ "$out" = ok ] && ok || bad "healthcheck over TLS: $out"
# TLS 1.1 is refused
curl -sS --cacert "$T/cert.pem" --tlsv1.1 --tls-max 1.1 "https://localhost:$P/healthz" -o /dev/null 2>/dev/null \
  && bad "TLS 1.1 accepted" || ok
stop

# bad certificates and keys: one line naming the file, exit 1
badstart() { # want_rc want_text args...
  local want=$1 text=$2; shift 2
  timeout 10 "$H" serve --listen 127.0.0.1:$(port) --data "$T/data" "$@" >/dev/null 2>"$T/err"
  local rc=$?
  [ $rc -eq "$want" ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "$text" "$T/err" && ok \
    || bad "$* -> exit $rc, want $want with '$text': $(cat "$T/err")"
}
badstart 1 "TLS: cannot use $T/junk.pem: no start line" --tls-cert "$T/junk.pem" --tls-key "$T/key.pem"
badstart 1 "TLS: cannot use $T/junk.pem: " --tls-cert "$T/cert.pem" --tls-key "$T/junk.pem"
badstart 1 "TLS: cannot read $T/missing.pem: No such file or directory" --tls-cert "$T/missing.pem" --tls-key "$T/key.pem"
badstart 1 "TLS: cannot use $T/other-key.pem: key values mismatch" --tls-cert "$T/cert.pem" --tls-key "$T/other-key.pem"
badstart 2 "--tls-cert and --tls-key go together" --tls-cert "$T/cert.pem"

# ---- CORS ----
# hdrs METHOD PATH ORIGIN [curl args]: the status line and the headers
hdrs() {
  local m=$1 path=$2 origin=$3; shift 3
  curl -sS -o "$T/body" -D - -X "$m" -H "Origin: $origin" "$@" "http://127.0.0.1:$P$path" | tr -d '\r'
}
has() { grep -qi "^$1" <<<"$2"; }
upload() { # origin [extra curl args]: status of an upload from that origin
  curl -sS -o "$T/body" -w '%{http_code}' -H "Origin: $1" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$PROF" "${@:2}" "http://127.0.0.1:$P/api/profiles"
}

# default: no CORS at all
start http
h=$(hdrs GET /healthz https://dash.example)
has "HTTP/1.1 200" "$h" && ! has "access-control-" "$h" && ok || bad "CORS off: GET answered with $h"
h=$(hdrs OPTIONS /api/profiles https://dash.example -H 'Access-Control-Request-Method: POST')
has "HTTP/1.1 405" "$h" && ! has "access-control-" "$h" && ok || bad "CORS off: preflight: $h"
[ "$(upload https://dash.example)" = 403 ] && grep -q cross-origin "$T/body" && ok || bad "CORS off: cross-origin upload not refused: $(cat "$T/body")"
[ "$(upload "http://localhost:$P" -H "Host: localhost:$P")" = 201 ] && ok || bad "same-origin upload refused: $(cat "$T/body")"
stop

start http --cors-origins "https://dash.example, http://localhost:3000"
for o in https://dash.example http://localhost:3000; do
  h=$(hdrs GET /healthz "$o")
  has "access-control-allow-origin: $o\$" "$h" && has "vary: origin" "$h" && ok || bad "listed $o: GET headers: $h"
  h=$(hdrs OPTIONS /api/profiles "$o" -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization, content-type')
  has "HTTP/1.1 204" "$h" && has "access-control-allow-origin: $o\$" "$h" \
    && has "access-control-allow-methods: GET, HEAD, POST, PUT, DELETE\$" "$h" \
    && has "access-control-allow-headers: Authorization, Content-Type, If-None-Match\$" "$h" \
    && has "access-control-max-age: 600" "$h" && ok || bad "listed $o: preflight: $h"
done
# a listed origin's write goes through (a browser sends Sec-Fetch-Site: cross-site)
code=$(upload https://dash.example -H 'Sec-Fetch-Site: cross-site' -D "$T/up.h")
[ "$code" = 201 ] && grep -qi "^access-control-allow-origin: https://dash.example" "$T/up.h" && ok \
  || bad "listed origin's upload: $code $(cat "$T/body")"
id=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["id"], d["delete_token"])' "$T/body" 2>/dev/null)
# ... and its delete, with the token
set -- $id
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H 'Origin: https://dash.example' \
       -H 'Sec-Fetch-Site: cross-site' -H "Authorization: Bearer ${2:-x}" "http://127.0.0.1:$P/api/profiles/${1:-x}")
[ "$code" = 204 ] && ok || bad "listed origin's delete: $code"
# unlisted origins: no CORS header, preflight 403, writes refused
for o in https://evil.example https://dash.example.evil.example http://dash.example null; do
  h=$(hdrs GET /healthz "$o")
  ! has "access-control-" "$h" && ok || bad "unlisted $o got CORS headers: $h"
  h=$(hdrs OPTIONS /api/profiles "$o" -H 'Access-Control-Request-Method: POST')
  has "HTTP/1.1 403" "$h" && ! has "access-control-" "$h" && ok || bad "unlisted $o: preflight: $h"
  [ "$(upload "$o" -H 'Sec-Fetch-Site: cross-site')" = 403 ] && ok || bad "unlisted $o: upload not refused"
done
# no Origin at all (curl, scripts): as before, no CORS header
h=$(curl -sS -D - -o /dev/null "http://127.0.0.1:$P/healthz" | tr -d '\r')
! has "access-control-" "$h" && ok || bad "no Origin got CORS headers"
stop
badstart 2 "--cors-origins takes scheme://host[:port]" --cors-origins "dash.example"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
