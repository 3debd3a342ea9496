#!/usr/bin/env bash
# with_pg.sh DIR COMMAND... - run a test against the PostgreSQL cluster of
# tests/setup/postgres.sh in DIR: HEARTH_TEST_METADATA tells the harness
# (tests/http/harness.py) to give each data directory its own database there.
# No cluster: a failure in CI (CI=true), else exit 77 (skip) with the reason.
set -euo pipefail
dir=${1:?usage: with_pg.sh DIR COMMAND...}
shift
if [ ! -f "$dir/bin" ] || [ ! -S "$dir/.s.PGSQL.5432" ]; then
  if [ "${CI:-}" = true ]; then
    echo "with_pg.sh: no PostgreSQL cluster in $dir (the fixture postgres.start failed)" >&2
    exit 1
  fi
  echo "SKIP: PostgreSQL is not installed or did not start (tests/setup/postgres.sh)"
  exit 77
fi
export HEARTH_TEST_METADATA="postgresql://postgres@/{db}?host=$dir"
export HEARTH_TEST_PG_DIR="$dir"
exec "$@"
