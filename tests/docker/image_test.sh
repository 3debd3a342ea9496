#!/usr/bin/env bash
# tests/docker/image_test.sh: build docker/Dockerfile with podman and run what
# the image holds, without a container engine. ctest: docker.image, label
# `docker` (not part of the default run; .ci/test runs it last).
#
#   sudo bash tests/docker/image_test.sh [--work DIR] [--profile FILE]
#
# 1. Base images: `debootstrap --variant=minbase bookworm`, tarred and
#    `podman import`ed as docker.io/library/debian:bookworm and (with the
#    official image's slimming: no docs, man pages, locales) :bookworm-slim.
#    The tarballs are cached in WORK/base; an image already in podman's store
#    is used as is (HEARTH_DOCKER_REBASE=1 redoes both).
# 2. podman build --pull=never --isolation=chroot --format docker (the docker
#    format keeps HEALTHCHECK, which OCI image configs cannot hold).
# 3. podman create + podman export into WORK/rootfs; user, entrypoint, command,
#    environment, volumes, ports and healthcheck from `podman image inspect`.
# 4. The image's command runs in that tree as a container would: new mount,
#    PID (it is PID 1) and network namespaces, read-only root, tmpfs /tmp,
#    a minimal /dev, a fresh data directory bind-mounted on the volume,
#    `chroot --userspec=<image user>`, exactly the image's environment. HTTP
#    checks run inside its network namespace, the healthcheck as `docker exec`
#    would (nsenter). Three runs on the same data directory: upload and view;
#    restart and find the profile again; docker/compose.yaml's environment
#    plus a base path and an upload token.
#
# Needs root, podman, debootstrap, unshare/nsenter (util-linux), curl,
# python3; exits 77 (SKIP) without them. Prints `N passed, M failed`.
# Environment: HEARTH_DOCKER_IMAGE (hearth:test), HEARTH_DEBIAN_MIRROR,
# HEARTH_DEBIAN_SECURITY_MIRROR, HEARTH_DOCKER_REBASE=1, HEARTH_DOCKER_KEEP=1
# (keep the exported tree and data directories), HEARTH_DOCKER_CA (the CA
# bundle npm trusts in the build, passed as the `ca` build secret; default
# $NODE_EXTRA_CA_CERTS, $SSL_CERT_FILE or /etc/ssl/certs/ca-certificates.crt).
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${HEARTH_DOCKER_WORK:-$SRC/build/docker-test}
PROFILE=""
while [ $# -gt 0 ]; do
  case $1 in
    --work) WORK=$2; shift 2 ;;
    --work=*) WORK=${1#*=}; shift ;;
    --profile) PROFILE=$2; shift 2 ;;
    --profile=*) PROFILE=${1#*=}; shift ;;
    *) echo "usage: $0 [--work DIR] [--profile FILE]" >&2; exit 2 ;;
  esac
done
IMAGE=${HEARTH_DOCKER_IMAGE:-hearth:test}
SUITE=bookworm
MIRROR=${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SEC_MIRROR=${HEARTH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# bytes, uncompressed (podman/docker "MB" are 10^6): the slim base (~78 MB), the
# binary and its libraries (~25 MB), and Graphviz's libgvc6 with cairo, pango, gd
# and a font for the call-graph images (~56 MB), and libarchive13 for archive uploads
# (~41 MB: it brings libxml2, which brings ICU's data); measured 199.1 MB
SIZE_LIMIT=210000000
STOP_LIMIT_MS=5000

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (podman build, chroot, mounts)"
for t in podman debootstrap unshare nsenter chroot curl python3 ip ss pgrep tar; do
  command -v "$t" >/dev/null 2>&1 || skip "needs $t (apt-get install podman debootstrap curl python3 iproute2 procps)"
done
CHROOT=$(command -v chroot)
case $WORK in /*) ;; *) WORK=$PWD/$WORK ;; esac
case $WORK/ in  # the exported tree must not land in the build context
  "$SRC"/build/* | "$SRC"/build-*/*) ;;
  "$SRC"/*) echo "FAIL: --work $WORK is in the build context ($SRC); use build*/ or a directory outside it"
            echo "0 passed, 1 failed"; exit 1 ;;
esac
mkdir -p "$WORK/base" || exit 1

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
T_START=$(now_ms)
PASS=0
FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

CID=""
CT_UPID=""
CT_PID=""
ROOT=$WORK/rootfs
cleanup() {
  if [ -n "$CT_UPID" ] && kill -0 "$CT_UPID" 2>/dev/null; then
    [ -n "$CT_PID" ] && kill -KILL "$CT_PID" 2>/dev/null
    kill -KILL "$CT_UPID" 2>/dev/null
    wait "$CT_UPID" 2>/dev/null
  fi
  [ -n "$CID" ] && podman rm -f -v "$CID" >/dev/null 2>&1
  if [ -z "${HEARTH_DOCKER_KEEP:-}" ]; then
    rm -rf "$ROOT" "$WORK"/data-*
  fi
}
trap cleanup EXIT

DEBOOTSTRAP_NOTE="not needed (base images already in podman's store)"
finish() {
  local total=$(( $(now_ms) - T_START ))
  {
    echo "== summary"
    echo "image:        $IMAGE"
    [ -n "${IMG_SIZE:-}" ] && echo "image size:   $IMG_SIZE bytes ($(awk -v b="$IMG_SIZE" 'BEGIN{printf "%.1f", b/1e6}') MB; debian:bookworm-slim base ${BASE_SIZE:-?} bytes, Hearth's layers $(( IMG_SIZE - ${BASE_SIZE:-0} )) bytes)"
    echo "debootstrap:  $DEBOOTSTRAP_NOTE"
    [ -n "${BUILD_MS:-}" ] && echo "podman build: $(secs "$BUILD_MS") s (log: $WORK/build.log)"
    [ -n "${STOP_TIMES:-}" ] && echo "SIGTERM->exit: ${STOP_TIMES% } ms"
    echo "total:        $(secs "$total") s"
    echo "$PASS passed, $FAIL failed"
  } | tee "$WORK/summary.txt"
  [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
  exit $?
}

# ---- 1. base images ---------------------------------------------------------
slimify() {  # what the official -slim images drop (debuerreotype-slimify)
  local r=$1
  mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
EOF
  find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$r/usr/share/doc" -mindepth 1 -depth -type d -empty -delete
  local d
  for d in info linda lintian/overrides locale man groff; do
    [ -d "$r/usr/share/$d" ] && find "$r/usr/share/$d" -mindepth 1 -delete
  done
  return 0
}

make_base_tarballs() {
  local rootfs=$WORK/base/rootfs t0 ms
  rm -rf "$rootfs"
  echo "debootstrap --variant=minbase $SUITE ($MIRROR)..."
  t0=$(now_ms)
  if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$WORK/base/debootstrap.log" 2>&1; then
    tail -20 "$WORK/base/debootstrap.log"
    return 1
  fi
  ms=$(( $(now_ms) - t0 ))
  echo "$ms" >"$WORK/base/debootstrap.ms"
  # What the official images carry: all three suites, apt that cleans up.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SEC_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
         "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
         "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/machine-id"
  tar --numeric-owner -C "$rootfs" -cf "$WORK/base/debian-$SUITE.tar.tmp" . &&
    mv "$WORK/base/debian-$SUITE.tar.tmp" "$WORK/base/debian-$SUITE.tar" || return 1
  slimify "$rootfs"
  tar --numeric-owner -C "$rootfs" -cf "$WORK/base/debian-$SUITE-slim.tar.tmp" . &&
    mv "$WORK/base/debian-$SUITE-slim.tar.tmp" "$WORK/base/debian-$SUITE-slim.tar" || return 1
  rm -rf "$rootfs"
  DEBOOTSTRAP_NOTE="$(secs "$ms") s (this run)"
}

bases_ok=1
need_tarballs=0
for tag in "$SUITE" "$SUITE-slim"; do
  if [ -n "${HEARTH_DOCKER_REBASE:-}" ] || ! podman image exists "docker.io/library/debian:$tag"; then
    [ -s "$WORK/base/debian-$tag.tar" ] || need_tarballs=1
    [ -n "${HEARTH_DOCKER_REBASE:-}" ] && need_tarballs=1
  fi
done
if [ "$need_tarballs" -eq 1 ]; then
  make_base_tarballs || bases_ok=0
elif [ -s "$WORK/base/debootstrap.ms" ]; then
  DEBOOTSTRAP_NOTE="$(secs "$(cat "$WORK/base/debootstrap.ms")") s when the cached tarballs in $WORK/base were made"
fi
if [ "$bases_ok" -eq 1 ]; then
  for tag in "$SUITE" "$SUITE-slim"; do
    if [ -n "${HEARTH_DOCKER_REBASE:-}" ] || ! podman image exists "docker.io/library/debian:$tag"; then
      podman import --quiet \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        "$WORK/base/debian-$tag.tar" "docker.io/library/debian:$tag" >/dev/null || bases_ok=0
    fi
  done
fi
if [ "$bases_ok" -eq 1 ]; then pass "base images debian:$SUITE and debian:$SUITE-slim"; else fail "base images"; finish; fi
BASE_SIZE=$(podman image inspect --format '{{.Size}}' "docker.io/library/debian:$SUITE-slim")

# ---- 2. build ---------------------------------------------------------------
# npm's downloads trust this machine's CA bundle (a TLS-intercepting proxy).
CA=${HEARTH_DOCKER_CA:-${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}
SECRET=()
[ -s "$CA" ] && SECRET=(--secret "id=ca,src=$CA")
echo "podman build -f docker/Dockerfile -t $IMAGE ${SECRET[*]} (log: $WORK/build.log)..."
t0=$(now_ms)
if podman build --pull=never --isolation=chroot --format docker "${SECRET[@]}" \
     -f "$SRC/docker/Dockerfile" -t "$IMAGE" "$SRC" >"$WORK/build.log" 2>&1; then
  BUILD_MS=$(( $(now_ms) - t0 ))
  pass "podman build ($(secs "$BUILD_MS") s)"
else
  BUILD_MS=$(( $(now_ms) - t0 ))
  tail -40 "$WORK/build.log"
  fail "podman build"
  finish
fi
grep -E '^(100% tests passed|[0-9]+% tests passed)' "$WORK/build.log" | tail -1 | sed 's/^/build stage unit tests: /'

# ---- 3. what the image holds ------------------------------------------------
podman image inspect "$IMAGE" >"$WORK/inspect.json" || { fail "podman image inspect"; finish; }
eval "$(python3 - "$WORK/inspect.json" <<'PY'
import json, shlex, sys
d = json.load(open(sys.argv[1]))[0]
c = d.get("Config") or {}
hc = d.get("Healthcheck") or d.get("HealthCheck") or c.get("Healthcheck") or {}
q = shlex.quote
for k, v in (("IMG_SIZE", str(d.get("Size", 0))), ("IMG_USER", c.get("User") or ""),
             ("IMG_WORKDIR", c.get("WorkingDir") or ""), ("IMG_STOPSIGNAL", c.get("StopSignal") or ""),
             ("IMG_VOLUMES", " ".join(sorted(c.get("Volumes") or {}))),
             ("IMG_PORTS", " ".join(sorted(c.get("ExposedPorts") or {})))):
    print(f"{k}={q(v)}")
for k, v in (("IMG_ENTRYPOINT", c.get("Entrypoint") or []), ("IMG_CMD", c.get("Cmd") or []),
             ("IMG_ENV", c.get("Env") or []), ("IMG_HEALTH", hc.get("Test") or [])):
    print(f"{k}=(" + " ".join(q(x) for x in v) + ")")
PY
)" || { fail "reading the image config"; finish; }
echo "image: user=$IMG_USER entrypoint=${IMG_ENTRYPOINT[*]} cmd=${IMG_CMD[*]} volumes=$IMG_VOLUMES ports=$IMG_PORTS"
echo "image: env=${IMG_ENV[*]}"
echo "image: healthcheck=${IMG_HEALTH[*]}"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$IMAGE"
check "image size $IMG_SIZE bytes < $SIZE_LIMIT" [ "$IMG_SIZE" -gt 0 -a "$IMG_SIZE" -lt "$SIZE_LIMIT" ]

img_env() {  # the value of an image environment variable (last one wins)
  local kv v=""
  for kv in "${IMG_ENV[@]}"; do [ "${kv%%=*}" = "$1" ] && v=${kv#*=}; done
  printf '%s' "$v"
}
LISTEN=$(img_env HEARTH_LISTEN)
PORT=${LISTEN##*:}
DATA_IN=$(img_env HEARTH_DATA)
check "HEARTH_LISTEN=0.0.0.0:<port> ($LISTEN)" [ "${LISTEN%:*}" = "0.0.0.0" -a -n "$PORT" ]
check "EXPOSE $PORT ($IMG_PORTS)" [ "$IMG_PORTS" = "$PORT/tcp" ]
check "VOLUME is HEARTH_DATA ($IMG_VOLUMES, $DATA_IN)" [ -n "$DATA_IN" -a "$IMG_VOLUMES" = "$DATA_IN" ]
check "HEALTHCHECK defined (${IMG_HEALTH[*]})" [ "${#IMG_HEALTH[@]}" -ge 2 -a "${IMG_HEALTH[0]:-}" != NONE ]
check "stop signal SIGTERM (${IMG_STOPSIGNAL:-default})" [ -z "$IMG_STOPSIGNAL" -o "$IMG_STOPSIGNAL" = SIGTERM -o "$IMG_STOPSIGNAL" = 15 ]
case ${IMG_HEALTH[0]:-} in
  CMD) HEALTH_CMD=("${IMG_HEALTH[@]:1}") ;;
  CMD-SHELL) HEALTH_CMD=(/bin/sh -c "${IMG_HEALTH[1]}") ;;
  *) HEALTH_CMD=(false) ;;
esac

rm -rf "$ROOT" && mkdir -p "$ROOT"
CID=$(podman create --no-healthcheck "$IMAGE" 2>"$WORK/create.log") || { cat "$WORK/create.log"; fail "podman create"; finish; }
if podman export "$CID" | tar --numeric-owner -C "$ROOT" -xf -; then
  pass "podman export ($(du -sm "$ROOT" | cut -f1) MB tree)"
else
  fail "podman export"; finish
fi
podman rm -v "$CID" >/dev/null && CID=""

# The image's user, resolved in the image's own /etc/passwd and /etc/group.
u=${IMG_USER%%:*}
g=""; case $IMG_USER in *:*) g=${IMG_USER#*:} ;; esac
pwent() { awk -F: -v k="$1" -v f="$2" '$f == k { print; exit }' "$ROOT/etc/passwd"; }
if [ -z "$u" ]; then u=0; fi
if [[ $u =~ ^[0-9]+$ ]]; then UID_=$u; ent=$(pwent "$u" 3); else ent=$(pwent "$u" 1); UID_=$(echo "$ent" | cut -d: -f3); fi
if [ -z "$g" ]; then GID_=$(echo "$ent" | cut -d: -f4); GID_=${GID_:-0}
elif [[ $g =~ ^[0-9]+$ ]]; then GID_=$g
else GID_=$(awk -F: -v k="$g" '$1 == k { print $3; exit }' "$ROOT/etc/group"); fi
CT_HOME=$(echo "$ent" | cut -d: -f6); CT_HOME=${CT_HOME:-/}
UNAME=$(echo "$ent" | cut -d: -f1)
GROUPS_=$GID_
[ -n "$UNAME" ] && for sg in $(awk -F: -v n="$UNAME" '{ split($4, m, ","); for (i in m) if (m[i] == n) print $3 }' "$ROOT/etc/group"); do GROUPS_="$GROUPS_,$sg"; done
check "image user is not root ($IMG_USER -> $UID_:$GID_)" [ -n "$UID_" -a "$UID_" != 0 -a -n "$GID_" ]
check "the image holds no build tools or sources" \
  bash -c 'for f in usr/bin/gcc usr/bin/cc usr/bin/cmake usr/bin/npm usr/bin/node usr/bin/protoc-c src; do
             [ -e "$1/$f" ] && { echo "image has /$f"; exit 1; }; done; exit 0' _ "$ROOT"
BIN=$(chroot "$ROOT" /bin/sh -c "PATH=$(img_env PATH); command -v ${IMG_ENTRYPOINT[0]:-${IMG_CMD[0]}}")
check "every shared library of $BIN resolves" \
  bash -c 'out=$(chroot "$1" /usr/bin/ldd "$2") && ! grep -q "not found" <<<"$out"' _ "$ROOT" "$BIN"
VOL_OWNER=$(stat -c %u:%g "$ROOT$DATA_IN")

# The container's environment: the image's, then HOME and PATH as engines add them.
CT_ENV=("${IMG_ENV[@]}")
[ -n "$(img_env HOME)" ] || CT_ENV+=("HOME=$CT_HOME")
[ -n "$(img_env PATH)" ] || CT_ENV+=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
CT_ARGV=("${IMG_ENTRYPOINT[@]}" "${IMG_CMD[@]}")

# Inside new mount/PID/net namespaces: the container's mounts, then exec.
CT_INIT='
set -e
root=$1 data=$2 vol=$3 user=$4 groups=$5 wd=$6 n=$7
shift 7
ip link set lo up
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,mode=0755 tmpfs "$root/dev"
for d in null zero full random urandom tty; do
  : >"$root/dev/$d"; mount --bind "/dev/$d" "$root/dev/$d"
done
mkdir "$root/dev/shm" "$root/dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"
mount --bind "$data" "$root$vol"
envs=("${@:1:$n}")
shift "$n"
if [ -n "$wd" ] && [ "$wd" != / ]; then
  exec env -i "$CHROOT" --userspec="$user" --groups="$groups" "$root" /usr/bin/env -i -C "$wd" "${envs[@]}" "$@"
fi
exec env -i "${envs[@]}" "$CHROOT" --userspec="$user" --groups="$groups" "$root" "$@"
'

start_ct() {  # start_ct DATA_DIR LOG [EXTRA_ENV...]: the container, its command
  local data=$1 log=$2
  shift 2
  local envs=("${CT_ENV[@]}" "$@")
  CHROOT=$CHROOT unshare --mount --pid --net --fork --kill-child -- \
    bash -c "$CT_INIT" ct "$ROOT" "$data" "$DATA_IN" "$UID_:$GID_" "$GROUPS_" "$IMG_WORKDIR" \
    "${#envs[@]}" "${envs[@]}" "${CT_ARGV[@]}" >"$log" 2>&1 &
  CT_UPID=$!
  CT_PID=""
  CT_RUN_ENV=("${envs[@]}")
  for _ in $(seq 100); do
    CT_PID=$(pgrep -P "$CT_UPID" | head -1)
    [ -n "$CT_PID" ] && break
    sleep 0.05
  done
  [ -n "$CT_PID" ]
}
ct_curl() { nsenter --target "$CT_PID" --net -- curl -sS --max-time 20 "$@"; }
ct_exec() {  # like `docker exec`: the container's namespaces, root, user and environment
  nsenter --target "$CT_PID" --mount --net --pid -- env -i "${CT_RUN_ENV[@]}" \
    "$CHROOT" --userspec="$UID_:$GID_" --groups="$GROUPS_" "$ROOT" "$@"
}
wait_healthy() {  # wait_healthy BASE: /healthz answers 200 within 15 s
  local code
  for _ in $(seq 150); do
    kill -0 "$CT_UPID" 2>/dev/null || return 1
    code=$(ct_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1/healthz" 2>/dev/null)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}
STOP_TIMES=""
stop_ct() {  # SIGTERM to the container's PID 1: exit status 0 within STOP_LIMIT_MS
  local t0 ms rc
  t0=$(now_ms)
  kill -TERM "$CT_PID" 2>/dev/null
  while kill -0 "$CT_UPID" 2>/dev/null; do
    ms=$(( $(now_ms) - t0 ))
    if [ "$ms" -gt "$STOP_LIMIT_MS" ]; then
      kill -KILL "$CT_PID" 2>/dev/null; wait "$CT_UPID" 2>/dev/null
      echo "still running ${STOP_LIMIT_MS} ms after SIGTERM: killed"
      CT_UPID=""; return 1
    fi
    sleep 0.02
  done
  wait "$CT_UPID"; rc=$?
  ms=$(( $(now_ms) - t0 ))
  CT_UPID=""
  STOP_TIMES="$STOP_TIMES$ms "
  echo "exit status $rc, $ms ms after SIGTERM"
  [ "$rc" -eq 0 ]
}
web_not_served() {  # web_not_served BASE: the files of web/ the server does not answer 200 for
  local f code
  for f in $(cd "$SRC/web" && find . -type f | sed 's|^\./||'); do
    code=$(ct_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1/$f")
    [ "$code" = 200 ] || printf ' %s(%s)' "$f" "$code"
  done
}
json_get() {  # json_get FILE PYTHON_EXPR(d)
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
status_of() {  # status_of PID Uid|Gid|Groups: the real id, or the group list
  awk -v k="$2:" '$1 == k { if (k == "Groups:") { $1 = ""; print substr($0, 2) } else print $2 }' "/proc/$1/status"
}
health_without_server() {  # the image's healthcheck in an empty network namespace
  unshare --net -- bash -c '
    ip link set lo up
    chroot=$1 user=$2 groups=$3 root=$4 n=$5
    shift 5
    envs=("${@:1:$n}")
    shift "$n"
    exec env -i "${envs[@]}" "$chroot" --userspec="$user" --groups="$groups" "$root" "$@"' \
    _ "$CHROOT" "$UID_:$GID_" "$GROUPS_" "$ROOT" "${#CT_ENV[@]}" "${CT_ENV[@]}" "${HEALTH_CMD[@]}" \
    >"$WORK/health-down.log" 2>&1
}

# A profile to upload: ours from tests/gen, else one from the shared corpus.
if [ -z "$PROFILE" ]; then
  if command -v go >/dev/null 2>&1 &&
     (cd "$SRC/tests/gen" && GOPROXY=off GOFLAGS=-mod=mod go run ./cmd/hearthgen -out "$WORK/gen" \
        -real=false -bomb=false -large-samples 0 >"$WORK/gen.log" 2>&1); then
    PROFILE=$WORK/gen/medium-heap.pb.gz
  else
    PROFILE=$(ls "$SRC"/../shared/corpus/generated/heap*.pb.gz 2>/dev/null | head -1)
  fi
fi
[ -s "$PROFILE" ] || { fail "no profile to upload (tests/gen needs Go; or --profile FILE)"; finish; }
echo "profile: $PROFILE ($(stat -c %s "$PROFILE") bytes)"

# ---- 4. run 1: a fresh data volume ------------------------------------------
DATA=$WORK/data-$$
rm -rf "$DATA" && mkdir -p "$DATA" && chown "$VOL_OWNER" "$DATA"  # as a new named volume
echo "== run 1: $(printf '%q ' "${CT_ARGV[@]}")as $UID_:$GID_, fresh $DATA on $DATA_IN"
if start_ct "$DATA" "$WORK/run1.log" && wait_healthy ""; then
  pass "run 1: /healthz 200"
  check "run 1: listens on $LISTEN" bash -c 'nsenter --target "$1" --net -- ss -ltnH | grep -q "$2 "' _ "$CT_PID" "$LISTEN"
  ct_groups=$(status_of "$CT_PID" Groups | tr ' ' '\n' | sed '/^$/d' | sort -un | paste -sd,)
  check "run 1: PID 1 runs as $UID_:$GID_ with groups $GROUPS_ ($(status_of "$CT_PID" Uid):$(status_of "$CT_PID" Gid), groups $ct_groups)" \
    [ "$(status_of "$CT_PID" Uid)" = "$UID_" -a "$(status_of "$CT_PID" Gid)" = "$GID_" -a "$ct_groups" = "$(tr , '\n' <<<"$GROUPS_" | sort -un | paste -sd,)" ]
  code=$(ct_curl -o "$WORK/ui.html" -w '%{http_code}' "http://127.0.0.1:$PORT/")
  check "run 1: GET / is the UI ($code)" bash -c '[ "$1" = 200 ] && grep -qi "<html" "$2"' _ "$code" "$WORK/ui.html"
  missing=$(web_not_served "")
  check "run 1: every file of web/ is served from the binary${missing:+ (not:$missing)}" [ -z "$missing" ]
  if [ -f "$SRC/package.json" ]; then  # npm files (CMakeLists.txt: "vendor/NAME=node_modules/...")
    missing=""
    for f in $(grep -o '"vendor/[^="]*=' "$SRC/CMakeLists.txt" | tr -d '"='); do
      code=$(ct_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/$f")
      [ "$code" = 200 ] || missing="$missing $f($code)"
    done
    check "run 1: the UI's npm files are embedded${missing:+ (not:$missing)}" \
      [ -z "$missing" -a "$(grep -c 'node_modules missing' "$WORK/build.log")" = 0 ]
  fi
  code=$(ct_curl -o "$WORK/upload.json" -w '%{http_code}' -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$PROFILE" "http://127.0.0.1:$PORT/api/profiles?name=image-test")
  ID=$(json_get "$WORK/upload.json" 'd["id"]')
  check "run 1: upload 201 (id ${ID:-none})" [ "$code" = 201 -a -n "$ID" ]
  code=$(ct_curl -o "$WORK/top1.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/$ID/top")
  rows=$(json_get "$WORK/top1.json" 'len(d["rows"])')
  check "run 1: GET /api/profiles/ID/top 200 with rows ($code, ${rows:-0} rows)" [ "$code" = 200 -a "${rows:-0}" -gt 0 ]
  code=$(ct_curl -o "$WORK/flame1.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/$ID/flamegraph")
  check "run 1: flamegraph 200 ($code)" [ "$code" = 200 ]
  check "run 1: data on the volume, owned by $UID_ (hearth.db, blobs/)" \
    bash -c '[ "$(stat -c %u "$1/hearth.db")" = "$2" ] && [ -n "$(find "$1/blobs" -type f)" ]' _ "$DATA" "$UID_"
  if ct_exec "${HEALTH_CMD[@]}" >"$WORK/health1.log" 2>&1; then pass "run 1: healthcheck '${HEALTH_CMD[*]}' exits 0"
  else fail "run 1: healthcheck '${HEALTH_CMD[*]}' ($(cat "$WORK/health1.log"))"; fi
  check "run 1: SIGTERM" stop_ct
else
  fail "run 1: not healthy within 15 s"; cat "$WORK/run1.log"
  [ -n "$CT_UPID" ] && { kill -KILL "$CT_PID" "$CT_UPID" 2>/dev/null; wait "$CT_UPID" 2>/dev/null; CT_UPID=""; }
fi
sed 's/^/  run 1 log: /' "$WORK/run1.log"; echo

# ---- run 2: the same volume, a new process -----------------------------------
echo "== run 2: restart on the same data directory"
if start_ct "$DATA" "$WORK/run2.log" && wait_healthy ""; then
  pass "run 2: /healthz 200"
  code=$(ct_curl -o "$WORK/meta2.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/${ID:-none}")
  check "run 2: the profile is still there ($code)" [ "$code" = 200 -a "$(json_get "$WORK/meta2.json" 'd["id"]')" = "${ID:-}" ]
  code=$(ct_curl -o "$WORK/list2.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles")
  check "run 2: and listed ($code)" bash -c '[ "$1" = 200 ] && grep -q "\"$2\"" "$3"' _ "$code" "${ID:-none}" "$WORK/list2.json"
  code=$(ct_curl -o "$WORK/raw2.bin" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/${ID:-none}/raw")
  check "run 2: raw bytes identical to the upload ($code)" bash -c '[ "$1" = 200 ] && cmp -s "$2" "$3"' _ "$code" "$PROFILE" "$WORK/raw2.bin"
  code=$(ct_curl -o "$WORK/top2.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/profiles/${ID:-none}/top")
  check "run 2: same top view as run 1 ($code)" bash -c '[ "$1" = 200 ] && cmp -s "$2" "$3"' _ "$code" "$WORK/top1.json" "$WORK/top2.json"
  check "run 2: SIGTERM" stop_ct
else
  fail "run 2: not healthy within 15 s"; cat "$WORK/run2.log"
  [ -n "$CT_UPID" ] && { kill -KILL "$CT_PID" "$CT_UPID" 2>/dev/null; wait "$CT_UPID" 2>/dev/null; CT_UPID=""; }
fi
sed 's/^/  run 2 log: /' "$WORK/run2.log"; echo

# ---- run 3: docker/compose.yaml's environment, a base path, a token ---------
# The service's environment with each ${VAR:-default} at its default, and the
# compose file's port, volume and healthcheck against the image's.
COMPOSE_ENV=()
COMPOSE_PROBLEMS="cannot read docker/compose.yaml"
eval "$(python3 - "$SRC/docker/compose.yaml" "$PORT" "$DATA_IN" "${IMG_HEALTH[@]}" <<'PY'
import re, shlex, sys
path, port, vol, health = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
text = open(path).read()
def interp(v):
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", str(v))
problems = []
try:
    import yaml
    svc = yaml.safe_load(text)["services"]["hearth"]
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    ports = [interp(p) for p in svc.get("ports") or []]
    if not any(p.split(":")[-1].split("/")[0] == port for p in ports):
        problems.append(f"no port mapping to {port}: {ports}")
    if not any(str(v).split(":")[1] == vol for v in svc.get("volumes") or []):
        problems.append(f"no volume on {vol}")
    t = (svc.get("healthcheck") or {}).get("test")
    if t != health:
        problems.append(f"healthcheck {t} is not the image's {health}")
except ImportError:  # no PyYAML: read the environment lines only
    env = dict(re.findall(r'^\s+(HEARTH_\w+):\s*"?(.*?)"?\s*$', text, re.M))
env = {k: interp(v) for k, v in env.items()}
print("COMPOSE_ENV=(" + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + ")")
print("COMPOSE_PROBLEMS=" + shlex.quote("; ".join(problems)))
PY
)" || { COMPOSE_ENV=(); COMPOSE_PROBLEMS="cannot read docker/compose.yaml"; }
check "compose.yaml: port, volume and healthcheck match the image${COMPOSE_PROBLEMS:+ ($COMPOSE_PROBLEMS)}" [ -z "$COMPOSE_PROBLEMS" ]
check "compose.yaml: sets HEARTH_* variables (${#COMPOSE_ENV[@]})" [ "${#COMPOSE_ENV[@]}" -ge 5 ]
BASE=/hearth
TOKEN=image-test-token
echo "== run 3: compose environment + HEARTH_BASE_PATH=$BASE HEARTH_UPLOAD_TOKEN=..."
if start_ct "$DATA" "$WORK/run3.log" "${COMPOSE_ENV[@]}" "HEARTH_BASE_PATH=$BASE" "HEARTH_UPLOAD_TOKEN=$TOKEN" &&
   wait_healthy "$BASE"; then
  pass "run 3: $BASE/healthz 200"
  code=$(ct_curl -o "$WORK/ui3.html" -w '%{http_code}' "http://127.0.0.1:$PORT$BASE/")
  check "run 3: the UI under $BASE/ ($code)" bash -c '[ "$1" = 200 ] && grep -q "$2/" "$3"' _ "$code" "$BASE" "$WORK/ui3.html"
  missing=$(web_not_served "$BASE")
  check "run 3: every file of web/ under $BASE/${missing:+ (not:$missing)}" [ -z "$missing" ]
  code=$(ct_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$BASE/api/profiles/${ID:-none}/top")
  check "run 3: the profile's view under $BASE ($code)" [ "$code" = 200 ]
  code=$(ct_curl -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$PROFILE" "http://127.0.0.1:$PORT$BASE/api/profiles")
  check "run 3: upload without the token refused ($code)" [ "$code" = 401 ]
  code=$(ct_curl -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$PROFILE" "http://127.0.0.1:$PORT$BASE/api/profiles")
  check "run 3: upload with the token ($code)" [ "$code" = 201 ]
  if ct_exec "${HEALTH_CMD[@]}" >"$WORK/health3.log" 2>&1; then pass "run 3: healthcheck exits 0 with the base path"
  else fail "run 3: healthcheck with the base path ($(cat "$WORK/health3.log"))"; fi
  check "run 3: SIGTERM" stop_ct
else
  fail "run 3: not healthy within 15 s"; cat "$WORK/run3.log"
  [ -n "$CT_UPID" ] && { kill -KILL "$CT_PID" "$CT_UPID" 2>/dev/null; wait "$CT_UPID" 2>/dev/null; CT_UPID=""; }
fi
sed 's/^/  run 3 log: /' "$WORK/run3.log"; echo

# The healthcheck reports a stopped server.
if health_without_server; then fail "healthcheck exits 0 with no server listening"
else pass "healthcheck fails when nothing listens ($(tail -1 "$WORK/health-down.log"))"; fi

finish
