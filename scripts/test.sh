#!/usr/bin/env bash
# OpenHTM's test command (CI runs it through .ci/run). Works on a fresh Debian 12 machine (it
# installs what is missing) and is fast on a prepared one; safe to rerun.
#
#   scripts/test.sh
#
# Steps, in order, each with a timed banner; the first failing step stops the run:
#   0. apt-get install postgresql / chromium / poppler-utils, only when missing
#   1. private PostgreSQL cluster on 127.0.0.1:$HTM_TEST_PG_PORT (scripts/pg-test-env.sh), left
#      running for the next run; exports HTM_TEST_PG_URL and HTM_REQUIRE_PG=1
#  1b. private LDAP directory (Debian's slapd) on 127.0.0.1:$HTM_TEST_LDAP_PORT with a fresh test
#      tree (scripts/ldap-test-env.sh reset), left running; exports HTM_TEST_LDAP_* and HTM_REQUIRE_LDAP=1
#   2. cargo fmt --all -- --check
#   3. cargo clippy --workspace --all-targets -- -D warnings
#   4. cargo test --workspace --no-fail-fast
#   5. cargo build --release -p htm-cli            (target/release/htm, for 6 and 7)
#   6. browser smoke test: node e2e/smoke.mjs      (Playwright + Debian's /usr/bin/chromium)
#   7. ../shared/checks/contract_foundation.py, if present, on SQLite and on PostgreSQL
#   8. interoperability checks: every tests/interop/check_*.py, run by the Python of
#      scripts/py-env.sh (a virtualenv with independent references: fhir.resources, icalendar,
#      aiosmtpd, biip, schemathesis), on SQLite and on PostgreSQL, with the same arguments as
#      the contract check: HTM_BIN DB_URL WORKDIR
#
# Environment:
#   HTM_SKIP_LINT=1       skip 2 and 3          HTM_SKIP_E2E=1       skip 6 (and the chromium install)
#   HTM_SKIP_CONTRACT=1   skip 7                HTM_TEST_STOP_PG=1   stop the cluster at the end
#   HTM_SKIP_INTEROP=1    skip 8                HTM_INTEROP_ONLY=x    run only tests/interop/check_x.py
#   HTM_INTEROP_SERIAL=1  run each interop check's SQLite and PostgreSQL runs one after the other
#   HTM_TEST_PG_PORT      cluster port (default 54329); see scripts/pg-test-env.sh for the rest
#   HTM_TEST_PG_KEEP_DB=1 keep the htm_test database (default: dropped and recreated each run)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=scripts/pg-test-env.sh
HTM_PG_ENV_LIB_ONLY=1 source scripts/pg-test-env.sh

START_US=${EPOCHREALTIME/./}
SUMMARY=()     # "status  duration  name"
CURRENT=""     # step being run, for the summary on an abort
CONTRACT_DB="" # PostgreSQL database of the contract check, dropped at exit
KEEP_GOING=0   # 1: a failing step is recorded (FAILED_RC) and the run goes on
FAILED_RC=0

fmt_us() { # microseconds -> "1m02.3s" / "4.5s"
  local us=$1 s
  s=$((us / 1000000))
  if ((s >= 60)); then
    printf '%dm%02d.%ds' $((s / 60)) $((s % 60)) $((us % 1000000 / 100000))
  else
    printf '%d.%ds' "$s" $((us % 1000000 / 100000))
  fi
}
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
banner() { printf '\n%s==> %s%s  (%s)\n' "$BOLD" "$*" "$PLAIN" "$(date +%H:%M:%S)"; }

# step NAME CMD...: run CMD in a subshell with errexit active, record status and time; exit on
# failure unless KEEP_GOING=1. (Never call step from a condition — `if step`, `step ||` — since bash
# then ignores errexit inside it.)
step() {
  local name=$1 t0 rc dur
  shift
  CURRENT=$name
  banner "$name"
  t0=${EPOCHREALTIME/./}
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  dur=$(fmt_us $((${EPOCHREALTIME/./} - t0)))
  CURRENT=""
  if ((rc == 0)); then
    printf '<== %s: ok in %s\n' "$name" "$dur"
    SUMMARY+=("$(printf '%-5s %9s  %s' ok "$dur" "$name")")
  else
    printf '<== %s: FAILED (exit %d) after %s\n' "$name" "$rc" "$dur"
    SUMMARY+=("$(printf '%-5s %9s  %s' FAIL "$dur" "$name")")
    FAILED_RC=$rc
    if ((KEEP_GOING == 0)); then exit "$rc"; fi
  fi
}
skip() {
  printf '\n==> %s: skipped (%s)\n' "$1" "$2"
  SUMMARY+=("$(printf '%-5s %9s  %s' skip - "$1 ($2)")")
}

on_exit() {
  local rc=$?
  set +e
  if [[ -n $CURRENT ]]; then SUMMARY+=("$(printf '%-5s %9s  %s' FAIL - "$CURRENT (interrupted)")"); fi
  if [[ -n $CONTRACT_DB ]]; then htm_pg_dropdb "$CONTRACT_DB" >/dev/null 2>&1; fi
  if [[ ${HTM_TEST_STOP_PG:-0} == 1 ]]; then htm_pg_stop; fi
  printf '\n==> summary\n'
  local line
  for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line"; done
  printf 'scripts/test.sh: %s, total %s\n' "$( ((rc == 0)) && echo 'all steps passed' || echo "FAILED (exit $rc)")" \
    "$(fmt_us $((${EPOCHREALTIME/./} - START_US)))"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SKIP_LINT=${HTM_SKIP_LINT:-0}
SKIP_E2E=${HTM_SKIP_E2E:-0}
SKIP_CONTRACT=${HTM_SKIP_CONTRACT:-0}
SKIP_INTEROP=${HTM_SKIP_INTEROP:-0}
CONTRACT=$ROOT/../shared/checks/contract_foundation.py
[[ -f $CONTRACT ]] || CONTRACT=""

# ---------------------------------------------------------------- 0. system packages
system_packages() {
  local need=()
  htm_pg_bindir >/dev/null || need+=(postgresql)
  if [[ $SKIP_E2E != 1 && ! -x /usr/bin/chromium ]]; then need+=(chromium); fi
  # pdftoppm / pdftotext: the survey-pack tests rasterise and read the PDF they generate.
  if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null; then need+=(poppler-utils); fi
  # slapd / ldap-utils: the LDAP login tests run a private directory (scripts/ldap-test-env.sh).
  # Debian's postinst may set up a system slapd; the tests neither use nor need it.
  if [[ ! -x /usr/sbin/slapd ]] || ! command -v ldapadd >/dev/null; then need+=(slapd ldap-utils); fi
  # openssl: the TLS tests make a self-signed certificate (transport_security.rs, check_tls.py).
  command -v openssl >/dev/null || need+=(openssl)
  if ((${#need[@]} == 0)); then
    echo "nothing to install: $(htm_pg_bindir)/initdb is there, so is pdftoppm$([[ $SKIP_E2E == 1 ]] || echo ', so is /usr/bin/chromium')"
    return 0
  fi
  htm_apt_install "${need[@]}"
}
step "system packages (postgresql, chromium, poppler-utils)" system_packages

# ---------------------------------------------------------------- 1. PostgreSQL
if [[ ${HTM_TEST_PG_KEEP_DB:-0} != 1 ]]; then export HTM_TEST_PG_RESET=1; fi
step "private PostgreSQL cluster" htm_pg_start
unset HTM_TEST_PG_RESET
_htm_pg_vars # step ran in a subshell: set the same variables here
export HTM_TEST_PG_PORT HTM_TEST_PG_URL HTM_REQUIRE_PG=1
command -v psql >/dev/null || export PATH="$(htm_pg_bindir):$PATH"
echo "HTM_TEST_PG_URL=$HTM_TEST_PG_URL HTM_REQUIRE_PG=$HTM_REQUIRE_PG"

# ---------------------------------------------------------------- 1b. LDAP directory
step "private LDAP directory (slapd)" scripts/ldap-test-env.sh reset
eval "$(scripts/ldap-test-env.sh env 2>/dev/null)" # reuses it; exports HTM_TEST_LDAP_* HTM_REQUIRE_LDAP=1
echo "HTM_TEST_LDAP_URL=$HTM_TEST_LDAP_URL HTM_REQUIRE_LDAP=$HTM_REQUIRE_LDAP"

# ---------------------------------------------------------------- 2-4. Rust
if [[ $SKIP_LINT == 1 ]]; then
  skip "cargo fmt --check" "HTM_SKIP_LINT=1"
  skip "cargo clippy" "HTM_SKIP_LINT=1"
else
  step "cargo fmt --all -- --check" cargo fmt --all -- --check
  step "cargo clippy --workspace --all-targets -- -D warnings" \
    cargo clippy --workspace --all-targets -- -D warnings
fi
# --no-fail-fast: report every crate's failures, not only the first failing crate's
step "cargo test --workspace" cargo test --workspace --no-fail-fast

# ---------------------------------------------------------------- 5. release binary
HTM_BIN=$ROOT/target/release/htm
if [[ $SKIP_E2E == 1 && $SKIP_INTEROP == 1 && ($SKIP_CONTRACT == 1 || -z $CONTRACT) ]]; then
  skip "cargo build --release -p htm-cli" "nothing needs it"
else
  step "cargo build --release -p htm-cli" cargo build --release -p htm-cli
fi

# ---------------------------------------------------------------- 6. browser smoke test
e2e() {
  if [[ ! -d e2e/node_modules/playwright-core || e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix e2e --no-audit --no-fund
  fi
  HTM_BIN=$HTM_BIN node e2e/smoke.mjs
}
if [[ $SKIP_E2E == 1 ]]; then
  skip "e2e smoke (chromium)" "HTM_SKIP_E2E=1"
else
  step "e2e smoke (chromium)" e2e
fi

# ---------------------------------------------------------------- 7. contract checks
contract_sqlite() {
  local work
  work=$(mktemp -d "$ROOT/target/contract-sqlite.XXXXXX")
  echo "workdir: $work"
  python3 "$CONTRACT" "$HTM_BIN" "sqlite://$work/check-sqlite/htm.db" "$work/check-sqlite"
  rm -rf "$work"
}
contract_postgres() {
  local work
  work=$(mktemp -d "$ROOT/target/contract-pg.XXXXXX")
  echo "workdir: $work, database: $CONTRACT_DB"
  python3 "$CONTRACT" "$HTM_BIN" "$(htm_pg_url "$CONTRACT_DB")" "$work/check-pg"
  rm -rf "$work"
}
if [[ $SKIP_CONTRACT == 1 ]]; then
  skip "contract check" "HTM_SKIP_CONTRACT=1"
elif [[ -z $CONTRACT ]]; then
  skip "contract check" "no ../shared/checks/contract_foundation.py"
else
  mkdir -p target
  # both databases are checked even when the first fails; the run fails if either did.
  # A failed check keeps its workdir (target/contract-*) for a look.
  KEEP_GOING=1
  step "contract check on SQLite" contract_sqlite
  CONTRACT_DB=htm_contract_$(date +%s)_$RANDOM
  htm_pg_createdb "$CONTRACT_DB"
  step "contract check on PostgreSQL" contract_postgres
  htm_pg_dropdb "$CONTRACT_DB" >/dev/null
  CONTRACT_DB=""
  KEEP_GOING=0
  if ((FAILED_RC != 0)); then exit "$FAILED_RC"; fi
fi

# ---------------------------------------------------------------- 8. interoperability checks
# Each check runs on SQLite and on PostgreSQL side by side (most of their time is waiting: time
# budgets, sleeps between kills, servers starting), each into its own log, printed when both end;
# check_load measures latency, so its two runs go one after the other (as does every check with
# HTM_INTEROP_SERIAL=1).
interop_check() { # SCRIPT DB_URL WORKDIR
  "$PY" "$1" "$HTM_BIN" "$2" "$3"
  rm -rf "$3"
}
interop_one() { # SCRIPT DB_URL WORKDIR LOG: run, then write "rc microseconds" to LOG.rc
  local t0=${EPOCHREALTIME/./} rc
  set +e
  "$PY" "$1" "$HTM_BIN" "$2" "$3" >"$4" 2>&1
  rc=$?
  set -e
  echo "$rc $((${EPOCHREALTIME/./} - t0))" >"$4.rc"
  if ((rc == 0)); then rm -rf "$3"; fi
}
interop_pair() { # SCRIPT NAME
  local check=$1 name=$2 ws wp db rc us label log
  ws=$(mktemp -d "$ROOT/target/interop-sqlite.XXXXXX")
  wp=$(mktemp -d "$ROOT/target/interop-pg.XXXXXX")
  db=htm_interop_$(date +%s)_$RANDOM
  htm_pg_createdb "$db"
  CONTRACT_DB=$db
  CURRENT="$name on SQLite and PostgreSQL"
  banner "$name on SQLite and PostgreSQL (side by side)"
  interop_one "$check" "sqlite://$ws/htm.db" "$ws" "$ws.log" &
  interop_one "$check" "$(htm_pg_url "$db")" "$wp" "$wp.log" &
  wait
  CURRENT=""
  for label in SQLite PostgreSQL; do
    if [[ $label == SQLite ]]; then log=$ws.log; else log=$wp.log; fi
    printf -- '--- %s on %s\n' "$name" "$label"
    cat "$log"
    read -r rc us <"$log.rc" || { rc=1; us=0; }
    rm -f "$log" "$log.rc"
    if ((rc == 0)); then
      printf '<== %s on %s: ok in %s\n' "$name" "$label" "$(fmt_us "$us")"
      SUMMARY+=("$(printf '%-5s %9s  %s' ok "$(fmt_us "$us")" "$name on $label")")
    else
      printf '<== %s on %s: FAILED (exit %d) after %s\n' "$name" "$label" "$rc" "$(fmt_us "$us")"
      SUMMARY+=("$(printf '%-5s %9s  %s' FAIL "$(fmt_us "$us")" "$name on $label")")
      FAILED_RC=$rc
    fi
  done
  htm_pg_dropdb "$db" >/dev/null
  CONTRACT_DB=""
}
if [[ $SKIP_INTEROP == 1 ]]; then
  skip "interop checks" "HTM_SKIP_INTEROP=1"
else
  step "python virtualenv (scripts/py-env.sh)" scripts/py-env.sh
  PY=$(scripts/py-env.sh)
  mkdir -p target
  KEEP_GOING=1
  for check in tests/interop/check_*.py; do
    [[ -f $check ]] || continue
    name=$(basename "$check" .py)
    if [[ -n ${HTM_INTEROP_ONLY:-} && $name != "check_${HTM_INTEROP_ONLY}" ]]; then continue; fi
    if [[ ${HTM_INTEROP_SERIAL:-0} != 1 && $name != check_load ]]; then
      interop_pair "$check" "$name"
      continue
    fi
    work=$(mktemp -d "$ROOT/target/interop-sqlite.XXXXXX")
    step "$name on SQLite" interop_check "$check" "sqlite://$work/htm.db" "$work"
    CONTRACT_DB=htm_interop_$(date +%s)_$RANDOM
    htm_pg_createdb "$CONTRACT_DB"
    work=$(mktemp -d "$ROOT/target/interop-pg.XXXXXX")
    step "$name on PostgreSQL" interop_check "$check" "$(htm_pg_url "$CONTRACT_DB")" "$work"
    htm_pg_dropdb "$CONTRACT_DB" >/dev/null
    CONTRACT_DB=""
  done
  KEEP_GOING=0
  if ((FAILED_RC != 0)); then exit "$FAILED_RC"; fi
fi
