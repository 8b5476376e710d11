#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and trials: a temporary folder, owned by a non-root
# user, listening only on 127.0.0.1 on a free port (and on a socket in the folder), trust
# authentication, fsync off. Installs Debian's `postgresql` package when no initdb is found.
#
#   eval "$(scripts/pg.sh start)"   # starts a cluster; exports MZ_PG_DIR and MZ_TEST_POSTGRES
#   scripts/pg.sh stop [DIR]        # stops it and removes its folder (DIR defaults to $MZ_PG_DIR)
#   scripts/pg.sh test [ARGS…]      # start, `cargo test --workspace --test api ARGS…` on it, stop
#   scripts/pg.sh run               # start, create database mz, `scripts/run.sh` on it, stop on exit
#
# MZ_TEST_POSTGRES is the URL of the cluster's `postgres` database as its superuser `mzpg`
# (postgres://mzpg@127.0.0.1:PORT/postgres): the integration tests create one database per test
# through it. Everything this script says goes to stderr; `start` prints only the exports.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_USER=mzpg
log() { printf '\033[1;34m[pg]\033[0m %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The folder of initdb/pg_ctl/postgres: the newest Debian cluster version, else whatever is on PATH.
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  # `return 0`, never a bare `return`: in an EXIT trap a bare one returns the status the
  # script is exiting with (a failed test run), which `set -e` would turn into an exit.
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return 0; fi
  return 1
}

ensure_installed() {
  pg_bindir >/dev/null && return 0
  log "initdb not found: apt-get install postgresql"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  pg_bindir >/dev/null || die "postgresql installed but no initdb found"
}

# Runs a command as the cluster's owner: ourselves, or (as root) the system user mzpg.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$PG_USER" >/dev/null 2>&1 && return 0
  log "creating system user $PG_USER"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
}

# A port nobody listens on now (the start retries with another if it is taken meanwhile).
free_port() {
  local p i
  for i in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

cmd_start() {
  ensure_installed
  ensure_user
  local bin dir port try
  bin=$(pg_bindir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/mz-pg.XXXXXX")
  chmod 755 "$dir"
  mkdir -m 700 "$dir/data"
  if [ "$(id -u)" = 0 ]; then chown -R "$PG_USER:" "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U "$PG_USER" --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  for try in 1 2 3 4 5; do
    port=$(free_port)
    cat >"$dir/data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    if [ "$(id -u)" = 0 ]; then chown "$PG_USER:" "$dir/data/postgresql.auto.conf"; fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
      local url="postgres://$PG_USER@127.0.0.1:$port/postgres"
      echo "$url" >"$dir/url"
      log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $url (folder $dir)"
      printf 'export MZ_PG_DIR=%q\nexport MZ_TEST_POSTGRES=%q\n' "$dir" "$url"
      return 0
    fi
    log "start on port $port failed (try $try):"; tail -n 3 "$dir/server.log" >&2 || true
  done
  rm -rf "$dir"
  die "PostgreSQL did not start"
}

cmd_stop() {
  local dir=${1:-${MZ_PG_DIR:-}}
  [ -n "$dir" ] || die "stop: which cluster? (give its folder or set MZ_PG_DIR)"
  [ -f "$dir/url" ] || [ -d "$dir/data" ] || { log "no cluster in $dir"; return 0; }
  local bin; bin=$(pg_bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || log "pg_ctl stop failed"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "${1:-}" ;;
  test)
    shift
    eval "$(cmd_start)"
    trap 'set +e; cmd_stop "$MZ_PG_DIR"' EXIT
    t=$(date +%s)
    cargo test --workspace --test api "$@"
    log "integration tests on PostgreSQL took $(( $(date +%s) - t )) s"
    ;;
  run)
    eval "$(cmd_start)"
    trap 'set +e; cmd_stop "$MZ_PG_DIR"' EXIT
    "$(pg_bindir)/psql" -q -d "$MZ_TEST_POSTGRES" -c "CREATE DATABASE mz" >&2
    DATABASE_URL="${MZ_TEST_POSTGRES%/postgres}/mz" scripts/run.sh
    ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
