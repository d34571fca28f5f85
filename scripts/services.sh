#!/usr/bin/env bash
# Starts (and stops) the real services the scale-out tests need, each on a
# free loopback port in a temporary directory: a PostgreSQL 15 cluster
# (Debian's; it refuses to run as root, so it runs as the `postgres` user)
# and a redis-server. Installs redis-server when missing.
#
#   eval "$(bash scripts/services.sh start DIR)"   # prints export lines
#   bash scripts/services.sh stop DIR
#
# Exports OWIDGET_TEST_PG_URL (a superuser URL: tests create one database
# each), OWIDGET_TEST_REDIS_URL, and the binaries tests use to start their
# own throwaway instances (to kill -9 them): OWIDGET_TEST_REDIS_SERVER,
# OWIDGET_TEST_PG_BIN. A service that cannot start fails the command with a
# message: these tests are never skipped in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[services] $*" >&2; }
die() { log "$*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_missing() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  pg_bin >/dev/null || missing+=(postgresql)
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's package starts a redis on 6379 at install; we never use it.
}

# Runs a PostgreSQL binary as the `postgres` user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1
  install_missing
  mkdir -p "$dir"
  local bin; bin=$(pg_bin) || die "PostgreSQL server binaries not found under /usr/lib/postgresql"

  # PostgreSQL: a fresh cluster, trust auth on loopback, no fsync (tests).
  # Its directory is a top-level temporary one: the postgres user must be
  # able to reach it, whatever the modes of DIR's parents.
  local pgdir pgport; pgdir=$(mktemp -d /tmp/owidget-pg.XXXXXX); pgport=$(free_port)
  echo "$pgdir" >"$dir/pg-dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pgdir"
    chmod 700 "$pgdir"
  fi
  as_pg "$bin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale -N \
    >"$dir/pg-initdb.log" 2>&1 || { cat "$dir/pg-initdb.log" >&2; die "initdb failed"; }
  as_pg "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >"$dir/pg-start.log" 2>&1 \
    || { cat "$dir/pg-start.log" "$pgdir/server.log" >&2 2>/dev/null; die "PostgreSQL did not start"; }
  echo "$bin" >"$dir/pg-bin"

  # redis-server: no persistence, loopback only.
  local rport; rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
    || die "redis-server did not start"
  local i
  for i in $(seq 1 100); do
    redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG && break
    [ "$i" = 100 ] && { cat "$dir/redis.log" >&2; die "redis-server did not answer PING within 10 s"; }
    sleep 0.1
  done

  log "PostgreSQL on 127.0.0.1:$pgport, redis on 127.0.0.1:$rport (dir $dir)"
  echo "export OWIDGET_TEST_PG_URL=postgres://postgres@127.0.0.1:$pgport/postgres"
  echo "export OWIDGET_TEST_PG_BIN=$bin"
  echo "export OWIDGET_TEST_REDIS_URL=redis://127.0.0.1:$rport/"
  echo "export OWIDGET_TEST_REDIS_SERVER=$(command -v redis-server)"
}

stop() {
  local dir=$1
  if [ -f "$dir/pg-dir" ]; then
    local pgdir; pgdir=$(cat "$dir/pg-dir")
    if [ -f "$dir/pg-bin" ] && [ -d "$pgdir/data" ]; then
      as_pg "$(cat "$dir/pg-bin")/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$pgdir" in /tmp/owidget-pg.*) rm -rf "$pgdir" ;; esac
  fi
  if [ -f "$dir/redis.pid" ]; then
    local pid i; pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    # Wait (at most 10 s) until it has exited: it writes its log while
    # shutting down, which would race a removal of DIR.
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
}

case "${1:-}" in
  start) start "${2:?usage: services.sh start DIR}" ;;
  stop) stop "${2:?usage: services.sh stop DIR}" ;;
  *) die "usage: services.sh start|stop DIR" ;;
esac
