#!/usr/bin/env bash
# Private PostgreSQL cluster for OpenHTM's tests (never the system service on 5432).
#
#   source scripts/pg-test-env.sh        start (or reuse) the cluster, then export
#                                        HTM_TEST_PG_URL, HTM_REQUIRE_PG=1 and HTM_TEST_PG_PORT
#   eval "$(scripts/pg-test-env.sh)"     the same, from any shell
#   scripts/pg-test-env.sh start|stop|status|url|psql [psql args...]
#
# Settings (environment):
#   HTM_TEST_PG_PORT=54329   TCP port on 127.0.0.1
#   HTM_TEST_PG_DIR=DIR      where the cluster lives (default /tmp/htm-pgtest-$UID-$PORT, see below)
#   HTM_TEST_PG_RESET=1      drop and recreate the database htm_test on start
#
# Cluster: superuser `postgres` (trust, over the private unix socket only), role `htm` / password
# `htm` (SUPERUSER, so tests may CREATE DATABASE / SCHEMA), database `htm_test` owned by htm,
# listening on 127.0.0.1 only, durability off (fsync, synchronous_commit, full_page_writes) since
# the data is throwaway, max_connections=200.
#
# Where it lives, and why not under target/: the cluster is one per PORT on the machine, in
# /tmp/htm-pgtest-$UID-$PORT/{data,run,log} (override: HTM_TEST_PG_DIR). Reasons:
#  - initdb/postgres refuse to run as root, so as root the cluster runs as the `postgres` OS user,
#    which must be able to traverse every parent directory. A checkout under /root (0700) or made
#    with umask 077 is not traversable; /tmp always is, and we never chmod the user's directories.
#  - unix socket paths are limited to ~107 bytes; a deep checkout path can exceed it.
#  - the port is machine-wide: with one data dir per checkout, a second checkout (a CI clone next
#    to the dev tree) would find 54329 taken by the other checkout's cluster. Keyed by port, every
#    checkout on the machine reuses the same cluster.
#  - `cargo clean` would delete a data dir under target/ under a running server.
# The data is disposable: a missing or broken data dir is re-initialised automatically.
#
# When sourced, this file only defines htm_* / _htm_* functions and variables and never calls
# `exit` or changes shell options of the caller; the actual work runs in a child bash with
# `set -euo pipefail`. With HTM_PG_ENV_LIB_ONLY=1 it only defines the functions (scripts/test.sh).

_HTM_PG_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

_htm_pg_log() { printf 'pg-test: %s\n' "$*" >&2; }

# Newest PostgreSQL server bin dir (/usr/lib/postgresql/N/bin), or status 1 if none is installed.
htm_pg_bindir() {
  local d v best="" bestv=-1
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] || continue
    v=${d#/usr/lib/postgresql/}
    v=${v%%/*}
    [[ $v =~ ^[0-9]+$ ]] || continue
    if ((v > bestv)); then best=$d bestv=$v; fi
  done
  [[ -n $best ]] || return 1
  printf '%s\n' "$best"
}

# apt-get install the given packages (noninteractive; `apt-get update` once per shell).
htm_apt_install() {
  (($# > 0)) || return 0
  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
      _htm_pg_log "need root (or sudo) to install: $*"
      return 1
    fi
  fi
  local t0=$SECONDS
  if [[ -z ${_HTM_APT_UPDATED:-} ]]; then
    _htm_pg_log "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    _HTM_APT_UPDATED=1
  fi
  _htm_pg_log "apt-get install -y $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" || return 1
  _htm_pg_log "installed $* in $((SECONDS - t0))s"
}

# Compute the cluster's locations into globals (no side effects).
_htm_pg_vars() {
  HTM_TEST_PG_PORT=${HTM_TEST_PG_PORT:-54329}
  if ! [[ $HTM_TEST_PG_PORT =~ ^[0-9]+$ ]]; then
    _htm_pg_log "HTM_TEST_PG_PORT must be a number, got '$HTM_TEST_PG_PORT'"
    return 1
  fi
  _HTM_PG_BASE=${HTM_TEST_PG_DIR:-/tmp/htm-pgtest-${UID}-${HTM_TEST_PG_PORT}}
  _HTM_PG_DATA=$_HTM_PG_BASE/data
  _HTM_PG_RUN=$_HTM_PG_BASE/run
  _HTM_PG_LOG=$_HTM_PG_BASE/log/postgres.log
  if ((EUID == 0)); then _HTM_PG_OWNER=postgres; else _HTM_PG_OWNER=$(id -un); fi
  HTM_TEST_PG_URL="postgres://htm:htm@127.0.0.1:${HTM_TEST_PG_PORT}/htm_test"
}

# Run a command as the cluster's owner, from a directory it can enter.
_htm_pg_as_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# psql as the superuser over the private socket; extra args are passed on (e.g. -d DB -c SQL).
htm_pg_psql() {
  _htm_pg_vars || return 1
  local bin
  bin=$(htm_pg_bindir) || { _htm_pg_log "PostgreSQL is not installed"; return 1; }
  "$bin/psql" -X -q -h "$_HTM_PG_RUN" -p "$HTM_TEST_PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 "$@"
}

# URL for another database on the test cluster (as role htm).
htm_pg_url() {
  _htm_pg_vars || return 1
  printf 'postgres://htm:htm@127.0.0.1:%s/%s\n' "$HTM_TEST_PG_PORT" "${1:-htm_test}"
}

htm_pg_createdb() { htm_pg_psql -c "CREATE DATABASE \"$1\" OWNER htm"; }
htm_pg_dropdb() { htm_pg_psql -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }

htm_pg_status() {
  _htm_pg_vars || return 1
  local bin
  bin=$(htm_pg_bindir) || { _htm_pg_log "PostgreSQL is not installed"; return 1; }
  [[ -f $_HTM_PG_DATA/PG_VERSION ]] || { _htm_pg_log "no cluster at $_HTM_PG_DATA"; return 3; }
  _htm_pg_as_owner "$bin/pg_ctl" -D "$_HTM_PG_DATA" status
}

htm_pg_stop() {
  _htm_pg_vars || return 1
  local bin
  bin=$(htm_pg_bindir) || return 0
  [[ -f $_HTM_PG_DATA/postmaster.pid ]] || { _htm_pg_log "not running ($_HTM_PG_DATA)"; return 0; }
  _htm_pg_as_owner "$bin/pg_ctl" -D "$_HTM_PG_DATA" -m fast -w -t 60 stop >&2
}

# The real work; runs in a child `bash -euo pipefail` (see htm_pg_start).
_htm_pg_start_impl() {
  die() { _htm_pg_log "ERROR: $*"; exit 1; }
  _htm_pg_vars

  local bin
  if ! bin=$(htm_pg_bindir); then
    _htm_pg_log "PostgreSQL server binaries missing (/usr/lib/postgresql/*/bin/initdb): installing"
    htm_apt_install postgresql || die "could not install postgresql"
    bin=$(htm_pg_bindir) || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb"
  fi
  local major=${bin#/usr/lib/postgresql/}
  major=${major%%/*}

  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /var/lib/postgresql --shell /bin/sh postgres ||
      die "no postgres OS user and could not create one"
    command -v runuser >/dev/null || die "runuser (util-linux) not found"
  fi

  # --- the private directory: ours, not a symlink, reachable by the owner
  [[ -L $_HTM_PG_BASE ]] && die "$_HTM_PG_BASE is a symlink; refusing"
  mkdir -p "$_HTM_PG_BASE"
  local owner
  owner=$(stat -c %U "$_HTM_PG_BASE")
  [[ $owner == "$_HTM_PG_OWNER" || $owner == "$(id -un)" ]] ||
    die "$_HTM_PG_BASE belongs to $owner; remove it or set HTM_TEST_PG_DIR"
  mkdir -p "$_HTM_PG_RUN" "${_HTM_PG_LOG%/*}"
  if ((EUID == 0)); then
    chown -R postgres:postgres "$_HTM_PG_BASE"
  fi
  chmod 700 "$_HTM_PG_BASE" "$_HTM_PG_RUN"
  _htm_pg_as_owner test -w "$_HTM_PG_BASE" ||
    die "user $_HTM_PG_OWNER cannot reach $_HTM_PG_BASE (a parent directory is not traversable); set HTM_TEST_PG_DIR elsewhere, e.g. under /tmp"
  if ((${#_HTM_PG_RUN} > 90)); then
    die "socket dir path too long for a unix socket: $_HTM_PG_RUN (set HTM_TEST_PG_DIR to a shorter path)"
  fi

  # --- is it already running?
  local running=0
  if [[ -f $_HTM_PG_DATA/postmaster.pid ]] &&
    _htm_pg_as_owner "$bin/pg_ctl" -D "$_HTM_PG_DATA" status >/dev/null 2>&1; then
    local pid comm state
    pid=$(head -n1 "$_HTM_PG_DATA/postmaster.pid")
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    if [[ $comm == postgres && $state != Z ]]; then
      local i
      for i in $(seq 1 20); do
        if "$bin/pg_isready" -q -h "$_HTM_PG_RUN" -p "$HTM_TEST_PG_PORT" -U postgres -d postgres; then
          running=1
          break
        fi
        sleep 0.5
      done
      ((running)) || die "a postgres (pid $pid) owns $_HTM_PG_DATA but does not answer on $_HTM_PG_RUN; see $_HTM_PG_LOG"
      _htm_pg_log "reusing running cluster (pid $pid, $_HTM_PG_DATA)"
    else
      # pid file of a killed server: its pid is a zombie not yet reaped (seen here after kill -9:
      # pg_ctl status then still says "running"), or now belongs to another process
      _htm_pg_log "removing stale postmaster.pid (pid $pid is ${state:+$state/}${comm:-gone}, not a live postgres)"
      rm -f "$_HTM_PG_DATA/postmaster.pid"
    fi
  fi

  if ((!running)); then
    # --- (re)initialise if missing, broken or from another major version
    if [[ ! -f $_HTM_PG_DATA/PG_VERSION || $(cat "$_HTM_PG_DATA/PG_VERSION") != "$major" ||
      ! -f $_HTM_PG_DATA/htm-test.conf ]]; then
      _htm_pg_log "initdb $_HTM_PG_DATA (PostgreSQL $major)"
      rm -rf "$_HTM_PG_DATA"
      mkdir -p "$_HTM_PG_DATA"
      if ((EUID == 0)); then chown postgres:postgres "$_HTM_PG_DATA"; fi
      chmod 700 "$_HTM_PG_DATA"
      _htm_pg_as_owner "$bin/initdb" -D "$_HTM_PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync --no-instructions \
        >"$_HTM_PG_BASE/log/initdb.log" 2>&1 ||
        {
          cat "$_HTM_PG_BASE/log/initdb.log" >&2
          die "initdb failed"
        }
      echo "include = 'htm-test.conf'   # settings of scripts/pg-test-env.sh" >>"$_HTM_PG_DATA/postgresql.conf"
    fi
    # settings are rewritten on every start, so changing them here takes effect on the next start
    cat >"$_HTM_PG_DATA/htm-test.conf" <<EOF
# written by scripts/pg-test-env.sh on every start: a throwaway cluster tuned for tests
listen_addresses = '127.0.0.1'
port = $HTM_TEST_PG_PORT
unix_socket_directories = '$_HTM_PG_RUN'
unix_socket_permissions = 0700
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
shared_buffers = 128MB
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_min_messages = warning
log_min_error_statement = error
EOF
    if ((EUID == 0)); then chown postgres:postgres "$_HTM_PG_DATA/htm-test.conf"; fi

    # something else on the port? (pg_isready: 0 accepting, 1 rejecting, 2 no answer)
    local rc=0
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$HTM_TEST_PG_PORT" -U postgres -d postgres -t 2 || rc=$?
    if ((rc <= 1)); then
      die "port $HTM_TEST_PG_PORT on 127.0.0.1 is taken by another PostgreSQL server (not $_HTM_PG_DATA); stop it or set HTM_TEST_PG_PORT"
    fi
    # sockets/locks of a killed server: our socket dir is private, so anything there is ours
    rm -f "$_HTM_PG_RUN"/.s.PGSQL.*
    _htm_pg_log "starting PostgreSQL $major on 127.0.0.1:$HTM_TEST_PG_PORT (log: $_HTM_PG_LOG)"
    if ! _htm_pg_as_owner "$bin/pg_ctl" -D "$_HTM_PG_DATA" -l "$_HTM_PG_LOG" -w -t 60 -s start >&2; then
      tail -n 30 "$_HTM_PG_LOG" >&2 || true
      die "pg_ctl start failed"
    fi
  fi

  # --- role htm / database htm_test (idempotent)
  htm_pg_psql -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'htm') THEN
        CREATE ROLE htm LOGIN SUPERUSER PASSWORD 'htm';
      END IF;
    END \$\$;" || die "could not create role htm"
  if [[ ${HTM_TEST_PG_RESET:-0} == 1 ]]; then
    htm_pg_psql -c "DROP DATABASE IF EXISTS htm_test WITH (FORCE)" || die "could not drop htm_test"
  fi
  if [[ -z $(htm_pg_psql -At -c "SELECT 1 FROM pg_database WHERE datname = 'htm_test'") ]]; then
    htm_pg_createdb htm_test || die "could not create database htm_test"
  fi
  # the way the tests connect: TCP + password
  PGCONNECT_TIMEOUT=10 "$bin/psql" -X -q -At "$HTM_TEST_PG_URL" -c 'SELECT 1' >/dev/null ||
    die "cannot log in with $HTM_TEST_PG_URL"
}

# Start (or reuse) the cluster and export the variables into the current shell.
htm_pg_start() {
  _htm_pg_vars || return 1
  HTM_PG_ENV_LIB_ONLY=1 bash -euo pipefail -c '. "$1"; _htm_pg_start_impl' _ "$_HTM_PG_SELF" ||
    {
      _htm_pg_log "could not start the test cluster"
      return 1
    }
  export HTM_TEST_PG_PORT HTM_TEST_PG_URL
  export HTM_REQUIRE_PG=1
  _htm_pg_log "ready: HTM_TEST_PG_URL=$HTM_TEST_PG_URL"
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  # sourced: positional parameters are the caller's, so ignore them
  if [[ -z ${HTM_PG_ENV_LIB_ONLY:-} ]]; then
    htm_pg_start
  fi
else
  set -euo pipefail
  case "${1:-start}" in
    start | env)
      htm_pg_start
      printf 'export HTM_TEST_PG_PORT=%q HTM_TEST_PG_URL=%q HTM_REQUIRE_PG=1\n' \
        "$HTM_TEST_PG_PORT" "$HTM_TEST_PG_URL"
      ;;
    stop) htm_pg_stop ;;
    status) htm_pg_status ;;
    url) htm_pg_url "${2:-htm_test}" ;;
    psql)
      shift
      htm_pg_psql "$@"
      ;;
    *)
      echo "usage: $0 [start|stop|status|url [DB]|psql [ARGS...]]   (or: source $0)" >&2
      exit 2
      ;;
  esac
fi
