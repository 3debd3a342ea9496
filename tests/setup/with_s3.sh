#!/usr/bin/env bash
# with_s3.sh NAME CMD... - run CMD against the S3 server tests/setup/ceph.sh
# started (its env file), with blobs in bucket hearth-test and a prefix of
# this run's own (NAME-<time>-<pid>), so tests share one Ceph and never see
# each other's objects. Exports for CMD:
#   HEARTH_TEST_S3_ENDPOINT, HEARTH_TEST_S3_ACCESS_KEY_ID,
#   HEARTH_TEST_S3_SECRET_ACCESS_KEY  (test_blobs s3)
#   HEARTH_TEST_BLOBS=s3://hearth-test/NAME-...  (tests/http/harness.py's Server)
#   HEARTH_TEST_CEPH_DIR  (a test that stops and restarts radosgw)
# No S3 server: exit 77 (skipped) locally, 1 in CI (CI=true).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: with_s3.sh NAME CMD..." >&2; exit 2; }
name=$1; shift
D=${HEARTH_CEPH_DIR:-/tmp/hearth-ceph-$(id -u)}
if [ ! -r "$D/env" ]; then
    echo "with_s3.sh: no S3 server ($D/env missing: tests/setup/ceph.sh start did not run or failed)" >&2
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi
set -a
. "$D/env"
HEARTH_TEST_BLOBS=s3://hearth-test/$name-$(date +%s)-$$
set +a
exec "$@"
