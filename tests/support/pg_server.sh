#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for the tests, on a free loopback port, in DIR:
#   pg_server.sh start DIR   initdb (first time), start, role "mcp" (password "mcp-test-pw",
#                            may create databases) and database "mcp"; writes DIR/uri
#   pg_server.sh stop DIR    stops it at once (pg_ctl -m immediate); DIR is kept (start again).
#                            fsync=off (speed) keeps what was committed across this stop, since
#                            the OS keeps the WAL; synchronous_commit=off would lose it
#   pg_server.sh clean DIR   stops it and removes DIR
# initdb refuses root: as root, the cluster belongs to the "postgres" user Debian's package makes.
set -euo pipefail
cmd=${1:?start|stop|clean}
dir=$(realpath -m "${2:?directory}")
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "PostgreSQL 15 is not installed ($bin/initdb): run WITH_TEST_TOOLS=1 scripts/install-deps.sh" >&2
  exit 3
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      printf 'postgres-test-pw\n' >"$dir/pw"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir/pw"
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" -E UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    started=0
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$(cat "$dir/port" 2>/dev/null || echo $((20000 + RANDOM % 40000)))
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        started=1
        break
      fi
      [ -f "$dir/uri" ] && break  # a restart keeps its port: do not wander off
      rm -f "$dir/port"
    done
    if [ "$started" != 1 ]; then
      echo "PostgreSQL did not start; its log:" >&2
      tail -20 "$dir/server.log" >&2 || true
      exit 1
    fi
    if [ ! -f "$dir/uri" ]; then
      as_owner "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE mcp LOGIN CREATEDB PASSWORD 'mcp-test-pw'" -c "CREATE DATABASE mcp OWNER mcp" >/dev/null
      echo "postgresql://mcp:mcp-test-pw@127.0.0.1:$port/mcp" >"$dir/uri"
    fi
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    true
    ;;
  clean)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|clean DIR" >&2
    exit 2
    ;;
esac
