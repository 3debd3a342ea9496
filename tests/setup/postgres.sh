#!/usr/bin/env bash
# postgres.sh start|stop|url DIR - a throw-away PostgreSQL cluster for the
# tests that run against PostgreSQL (ctest fixture "postgres"): data and unix
# socket under DIR, no TCP listener, fsync off (nothing here must survive).
# As root the server runs as the postgres user (runuser); otherwise as the
# caller. `url` prints the --metadata URL pattern the harness fills in
# ({db}: one database per data directory).
#
# PostgreSQL missing: in CI (CI=true) a failure; locally `start` says so and
# exits 0, and tests/setup/with_pg.sh then exits 77 (skip) with the reason.
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop|url DIR}
dir=${2:?usage: postgres.sh start|stop|url DIR}

pgbin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if ! bin=$(pgbin); then
    if [ "${CI:-}" = true ]; then
      echo "postgres.sh: PostgreSQL is not installed (CI installs postgresql: .ci/install)" >&2
      exit 1
    fi
    echo "postgres.sh: PostgreSQL is not installed: the .pg tests will be skipped" >&2
    rm -rf "$dir"
    exit 0
  fi
  "$0" stop "$dir" 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # max_connections: every test server holds one connection per data directory
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
    echo "postgres.sh: PostgreSQL did not start:" >&2
    cat "$dir/log" >&2 || true
    exit 1
  fi
  echo "$bin" >"$dir/bin"
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $dir"
  ;;
stop)
  [ -f "$dir/bin" ] || exit 0
  bin=$(cat "$dir/bin")
  as_owner "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
pause)  # stop the server but keep the cluster (the "database down" tests)
  bin=$(cat "$dir/bin")
  as_owner "$bin/pg_ctl" -D "$dir/data" stop -m fast -w >/dev/null
  ;;
resume)
  bin=$(cat "$dir/bin")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  ;;
url)
  echo "postgresql://postgres@/{db}?host=$dir"
  ;;
*)
  echo "usage: postgres.sh start|stop|pause|resume|url DIR" >&2
  exit 2
  ;;
esac
