#!/usr/bin/env bash
# install.sh - Hearth installed like a Debian service, and its one version.
#   `cmake --install BUILD --prefix TMP`: the binary, the man page (rendered
#   with man -l), the systemd unit (systemd-analyze verify, ExecStart = the
#   installed binary) and the settings file; a second install keeps an edited
#   settings file. The version of CMake's project(VERSION) is the one of
#   `hearth --version`, `hearth serve --version`, package.json and the image
#   label. `hearth serve --config FILE` reads the installed file's format,
#   with flags > environment > file (which port answers tells).
# usage: install.sh BUILD_DIR SOURCE_DIR   (exit 77: systemd-analyze, man or
# help2man missing)
set -u
B=$1 S=$2
for t in systemd-analyze man help2man curl python3; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

P=$T/prefix
cmake --install "$B" --prefix "$P" >"$T/install.log" 2>&1 || { bad "cmake --install: $(tail -3 "$T/install.log")"; }
for f in bin/hearth share/man/man1/hearth.1 lib/systemd/system/hearth.service etc/default/hearth; do
  [ -f "$P/$f" ] && ok || bad "$f not installed"
done
[ -x "$P/bin/hearth" ] && ok || bad "bin/hearth not executable"
[ "$(find "$P" -type f | wc -l)" -eq 4 ] && ok || bad "unexpected files: $(find "$P" -type f)"
[ "$(stat -c %a "$P/etc/default/hearth")" = 600 ] && ok || bad "settings file mode $(stat -c %a "$P/etc/default/hearth"), want 600 (it may hold the upload token)"

# the unit runs the installed binary and reads the installed settings
U=$P/lib/systemd/system/hearth.service
grep -qx "ExecStart=$P/bin/hearth serve" "$U" && ok || bad "ExecStart: $(grep ExecStart "$U")"
grep -qx "EnvironmentFile=-$P/etc/default/hearth" "$U" && ok || bad "EnvironmentFile: $(grep EnvironmentFile "$U")"
for k in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes StateDirectory=hearth DynamicUser=yes \
         MemoryDenyWriteExecute=yes; do
  grep -qx "$k" "$U" && ok || bad "unit lacks $k"
done
# verify: exit 0 and not one warning (a misspelt or unknown setting only warns)
MANPATH=$P/share/man systemd-analyze verify "$U" >"$T/verify.out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/verify.out" ] && ok || bad "systemd-analyze verify (exit $rc): $(head -5 "$T/verify.out")"
# ... and it can fail: a bad setting planted in a copy is reported
sed 's/^ProtectSystem=strict/ProtectSystem=very/' "$U" >"$T/hearth.service"
MANPATH=$P/share/man systemd-analyze verify "$T/hearth.service" >"$T/verify2.out" 2>&1
grep -q "hearth.service:[0-9]*: .*very" "$T/verify2.out" && ok || bad "verify missed a planted bad setting"

# the man page renders, and carries every server option
man -l "$P/share/man/man1/hearth.1" >"$T/man.txt" 2>"$T/man.err"
[ $? -eq 0 ] && [ ! -s "$T/man.err" ] && ok || bad "man -l: $(head -3 "$T/man.err")"
for w in "SERVER OPTIONS" "CONFIGURATION" "HEARTH_TLS_CERT" "HEARTH_CORS_ORIGINS" "--config" "/etc/default/hearth"; do
  grep -qF -- "$w" "$T/man.txt" && ok || bad "man page lacks $w"
done
n_opts=$("$P/bin/hearth" serve --help | grep -c '^  --')
n_man=$(grep -c '^ *--[a-z0-9-]* *HEARTH_' "$T/man.txt")
[ "$n_opts" -gt 20 ] && [ "$n_opts" -eq "$n_man" ] && ok || bad "man page has $n_man options, serve --help $n_opts"

# a second install keeps the operator's settings
echo "HEARTH_THREADS=3" >>"$P/etc/default/hearth"
cmake --install "$B" --prefix "$P" >/dev/null 2>&1
grep -qx "HEARTH_THREADS=3" "$P/etc/default/hearth" && ok || bad "reinstall overwrote etc/default/hearth"

# one version everywhere
V=$(sed -n 's/^project(hearth VERSION \([0-9.]*\).*/\1/p' "$S/CMakeLists.txt")
[ -n "$V" ] && ok || bad "no project(VERSION) in CMakeLists.txt"
out=$("$P/bin/hearth" --version)
[[ "$out" =~ ^hearth\ $V(\ \(commit\ [0-9a-f]{12}(-dirty)?\))?$ ]] && ok || bad "hearth --version: $out (want $V)"
if git -C "$S" rev-parse HEAD >/dev/null 2>&1; then
  [[ "$out" == *"commit $(git -C "$S" rev-parse --short=12 HEAD)"* ]] && ok || bad "--version lacks the commit: $out"
fi
[ "$("$P/bin/hearth" serve --version)" = "$out" ] && ok || bad "hearth serve --version differs"
pj=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$S/package.json")
[ "$pj" = "$V" ] && ok || bad "package.json version $pj, CMake $V"
lbl=$(sed -n 's/.*org\.opencontainers\.image\.version="\([^"]*\)".*/\1/p' "$S/docker/Dockerfile")
[ "$lbl" = "$V" ] && ok || bad "docker/Dockerfile image.version label '$lbl', CMake $V"
man -l "$P/share/man/man1/hearth.1" 2>/dev/null | grep -q "Hearth $V" && ok || bad "man page lacks version $V"

# --config with the installed binary: flags > environment > file > defaults
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(port) p2=$(port) p3=$(port)
cat >"$T/hearth.conf" <<CONF
# test settings
HEARTH_LISTEN=127.0.0.1:$p1
HEARTH_DATA="$T/data"
CONF
answers() { # port: does /healthz answer there within 5 s?
  local i
  for i in $(seq 50); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
run() { # want_port env... -- args...
  local want=$1; shift
  env "$@" &
  local pid=$!
  pids+=($pid)
  answers "$want" && ok || bad "$*: nothing on port $want"
  kill $pid; wait $pid 2>/dev/null
}
run $p1 "$P/bin/hearth" serve --config "$T/hearth.conf"
run $p2 HEARTH_LISTEN=127.0.0.1:$p2 "$P/bin/hearth" serve --config "$T/hearth.conf"
run $p3 HEARTH_LISTEN=127.0.0.1:$p2 "$P/bin/hearth" serve --listen 127.0.0.1:$p3 --config "$T/hearth.conf"
[ -d "$T/data" ] && ok || bad "HEARTH_DATA from the file not used"
# strict: a one-line error naming the file and line, exit 2
printf 'HEARTH_LISTEN=127.0.0.1:1\nHEARTH_TRHEADS=4\n' >"$T/bad.conf"
"$P/bin/hearth" serve --config "$T/bad.conf" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF "$T/bad.conf:2: unknown setting \"HEARTH_TRHEADS\"" "$T/err" \
  && ok || bad "bad config: exit $rc, $(cat "$T/err")"
printf 'HEARTH_CACHE_MB=lots\n' >"$T/bad.conf"
"$P/bin/hearth" serve --config "$T/bad.conf" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -qF "bad.conf:1: --cache-mb (HEARTH_CACHE_MB) needs a non-negative integer" "$T/err" \
  && ok || bad "bad value: exit $rc, $(cat "$T/err")"
# the installed settings file (all comments, plus the line added above) is valid
"$P/bin/hearth" serve --config "$P/etc/default/hearth" --listen 127.0.0.1:1 --data /nonexistent/x >/dev/null 2>"$T/err"
grep -q "etc/default/hearth" "$T/err" && bad "installed settings file refused: $(cat "$T/err")" || ok

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
