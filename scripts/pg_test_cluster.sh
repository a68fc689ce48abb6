#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for the test suite.
#
#   scripts/pg_test_cluster.sh start [STATE_FILE]   install if missing, start, print HOTSPOTS_TEST_PG=...
#   scripts/pg_test_cluster.sh stop  [STATE_FILE]   stop the cluster and remove its folder
#
# The cluster lives in a fresh temporary folder owned by the `postgres` user, listens on 127.0.0.1
# only, trusts local connections and is thrown away on stop. Nothing is left behind.
# `eval "$(scripts/pg_test_cluster.sh start)"` exports the URL into the calling shell.
set -euo pipefail

STATE="${2:-${TMPDIR:-/tmp}/hotspots-pg-test-cluster.state}"
PG_VERSION="${PG_VERSION:-15}"
BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
DB=hotspots_test

say() { echo "pg_test_cluster: $*" >&2; }

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

install_if_missing() {
    local postgis_control="/usr/share/postgresql/${PG_VERSION}/extension/postgis.control"
    if [ -x "$BIN/initdb" ] && [ -f "$postgis_control" ]; then
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        say "PostgreSQL ${PG_VERSION} with PostGIS is not installed and installing needs root:"
        say "  apt-get install postgresql-${PG_VERSION} postgresql-${PG_VERSION}-postgis-3"
        exit 1
    fi
    say "installing PostgreSQL ${PG_VERSION} and PostGIS from Debian (first run only)..."
    local log
    log="$(mktemp)"
    if ! { apt-get update -qq \
        && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "postgresql-${PG_VERSION}" "postgresql-${PG_VERSION}-postgis-3" \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgis; }; } \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        say "could not install PostgreSQL and PostGIS"
        exit 1
    fi
    rm -f "$log"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    install_if_missing
    id postgres >/dev/null 2>&1 || { say "no 'postgres' user: install the postgresql package"; exit 1; }
    local dir port
    dir="$(mktemp -d "${TMPDIR:-/tmp}/hotspots-pg-XXXXXX")"
    chown postgres: "$dir"
    chmod 700 "$dir"
    port="$(free_port)"
    as_postgres "$BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-instructions >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
    as_postgres "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB"
    as_postgres "$BIN/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d "$DB" \
        -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    printf '%s\n' "$dir" >"$STATE"
    echo "export HOTSPOTS_TEST_PG=postgresql://postgres@127.0.0.1:${port}/${DB}"
}

stop() {
    [ -f "$STATE" ] || { say "no cluster recorded in $STATE"; return 0; }
    local dir
    dir="$(cat "$STATE")"
    if [ -d "$dir/data" ]; then
        as_postgres "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in */hotspots-pg-*) rm -rf "$dir" ;; esac
    rm -f "$STATE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop [STATE_FILE]" >&2; exit 2 ;;
esac
