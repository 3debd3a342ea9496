#!/usr/bin/env bash
# ceph.sh start|stop - a throw-away one-node Ceph (one monitor, one memstore
# OSD, no cephx) with radosgw on 127.0.0.1, for the S3 tests: radosgw checks
# SigV4 signatures, so a test that passes here proves the requests are signed.
#
# Everything lives under $HEARTH_CEPH_DIR (default /tmp/hearth-ceph-$UID;
# ctest gives one per build tree);
# `start` writes $HEARTH_CEPH_DIR/env (endpoint and credentials, sourced by
# the tests) once radosgw answers; `stop` kills the daemons by their pid
# files and removes the folder. Needs root (the daemons' packages run as
# root here) and Debian's ceph-mon ceph-osd radosgw ceph-common packages:
# without them it exits 77 (skipped) locally, 1 in CI (CI=true), where a
# missing S3 server must fail the run rather than pass it silently.
set -euo pipefail
D=${HEARTH_CEPH_DIR:-/tmp/hearth-ceph-$(id -u)}
# Ports: free ones unless given (two runs on one machine must not meet).
PORT=${HEARTH_CEPH_PORT:-}
MON_V2=${HEARTH_CEPH_MON_V2:-}
MON_V1=${HEARTH_CEPH_MON_V1:-}

missing() {
    if [ "${CI:-}" = true ]; then
        echo "ceph.sh: $1: the S3 tests cannot run (a failure in CI)" >&2
        exit 1
    fi
    echo "ceph.sh: $1: S3 tests skipped (apt-get install ceph-mon ceph-osd radosgw ceph-common)" >&2
    exit 77
}

# A signed request to radosgw with the test user; prints the HTTP status.
s3() {
    curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 \
        -u HEARTHTESTKEY:HEARTHTESTSECRET "$@"
}

stop() {
    local pids="" alive=0 i p
    [ -d "$D/run" ] && pids=$(cat "$D"/run/*.pid 2>/dev/null || true)
    if [ -n "$pids" ]; then
        kill $pids 2>/dev/null || true
        for i in $(seq 100); do
            alive=0
            for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
            [ $alive = 0 ] && break
            sleep 0.1
        done
        [ $alive = 1 ] && kill -9 $pids 2>/dev/null || true
    fi
    rm -rf "$D"
}

start() {
    local t0 t1 t2 t3 fsid osd_uuid id c i
    for t in monmaptool ceph-mon ceph-osd ceph radosgw radosgw-admin curl; do
        command -v "$t" >/dev/null || missing "$t is not installed"
    done
    [ "$(id -u)" = 0 ] || missing "not root (the Ceph daemons run as root here)"
    stop
    if [ -z "$PORT$MON_V2$MON_V1" ]; then
        read -r PORT MON_V2 MON_V1 < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
    fi
    mkdir -p "$D"/mon "$D"/osd "$D"/run "$D"/log
    fsid=$(cat /proc/sys/kernel/random/uuid)
    # The memstore OSD keeps objects in memory (1 GiB cap): nothing touches the disk.
    cat >"$D/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# without these radosgw loops on "get_initial_auth_request returned -13"
ms mon client mode = crc secure
ms client mode = crc secure
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
run dir = $D/run
pid file = $D/run/\$name.pid
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
mon data = $D/mon/\$id
osd data = $D/osd/\$id
[client.rgw.hearth]
rgw frontends = beast endpoint=127.0.0.1:$PORT
CONF
    c=(-c "$D/ceph.conf")
    t0=$(date +%s%N)
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]" \
        "$D/monmap" >/dev/null
    ceph-mon "${c[@]}" --mkfs -i a --monmap "$D/monmap"
    ceph-mon "${c[@]}" -i a
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    id=$(timeout 60 ceph "${c[@]}" osd new "$osd_uuid")
    mkdir -p "$D/osd/$id"
    ceph-osd "${c[@]}" -i "$id" --mkfs --osd-uuid "$osd_uuid" 2>>"$D/log/mkfs.log"
    ceph-osd "${c[@]}" -i "$id" 2>>"$D/log/start.log"
    for i in $(seq 300); do
        timeout 10 ceph "${c[@]}" osd stat 2>/dev/null | grep -q "1 up" && break
        [ "$i" = 300 ] && { echo "ceph.sh: the OSD did not come up in 60 s (see $D/log)" >&2; exit 1; }
        sleep 0.2
    done
    t1=$(date +%s%N)
    radosgw "${c[@]}" -n client.rgw.hearth
    for i in $(seq 600); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
        [ "$i" = 600 ] && { echo "ceph.sh: radosgw did not answer in 120 s (see $D/log)" >&2; exit 1; }
        sleep 0.2
    done
    radosgw-admin "${c[@]}" user create --uid=hearth --display-name=hearth \
        --access-key=HEARTHTESTKEY --secret=HEARTHTESTSECRET >/dev/null
    # The first bucket and the first write of a fresh radosgw take seconds:
    # pay that here, not in the first test (a capture's timing would feel it).
    t2=$(date +%s%N)
    local sum url=http://127.0.0.1:$PORT
    sum=$(printf warm | sha256sum | cut -d' ' -f1)
    for b in hearth-test hearth-unit; do
        s3 -X PUT -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$url/$b" \
            | grep -qE '^(200|409)$' || { echo "ceph.sh: cannot create bucket $b" >&2; exit 1; }
    done
    for i in 1 2 3; do
        s3 -X PUT -H "x-amz-content-sha256: $sum" --data-binary warm "$url/hearth-test/warm$i" \
            | grep -q '^200$' || { echo "ceph.sh: the warm-up write failed" >&2; exit 1; }
        s3 -X DELETE -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$url/hearth-test/warm$i" >/dev/null
    done
    t3=$(date +%s%N)
    cat >"$D/env" <<ENV
HEARTH_TEST_S3_ENDPOINT=http://127.0.0.1:$PORT
HEARTH_TEST_S3_ACCESS_KEY_ID=HEARTHTESTKEY
HEARTH_TEST_S3_SECRET_ACCESS_KEY=HEARTHTESTSECRET
HEARTH_TEST_CEPH_DIR=$D
ENV
    echo "ceph.sh: radosgw on http://127.0.0.1:$PORT: mon+osd up $(((t1 - t0) / 1000000)) ms," \
        "radosgw and its user $(((t2 - t0) / 1000000)) ms, buckets made and warmed up" \
        "$(((t3 - t0) / 1000000)) ms; env in $D/env"
}

case "${1:-}" in
start) start ;;
stop) stop; echo "ceph.sh: stopped" ;;
*) echo "usage: ceph.sh start|stop" >&2; exit 2 ;;
esac
