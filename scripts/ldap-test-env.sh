#!/usr/bin/env bash
# Private LDAP directory (Debian's OpenLDAP `slapd`) for OpenHTM's LDAP login tests — never the
# system slapd: its own config, database and port, under /tmp.
#
#   eval "$(scripts/ldap-test-env.sh)"      start (or reuse) the directory, print export lines
#   scripts/ldap-test-env.sh start|env|vars|stop|status|reset
#                                           (vars: plain KEY=VALUE lines, for programs — the tests)
#
# Settings (environment):
#   HTM_TEST_LDAP_PORT=38999   TCP port on 127.0.0.1
#   HTM_TEST_LDAP_DIR=DIR      where it lives (default /tmp/htm-ldaptest-$UID-$PORT)
#   HTM_TEST_LDAP_RESET=1      reload the test directory tree on start (also: `reset`)
#
# The directory tree (dc=hospital,dc=test), with the passwords the tests use:
#   cn=admin,dc=hospital,dc=test           rootdn, password Directory-Admin-Pass-1 (tests modify groups with it)
#   cn=htm-service,ou=services,...         the search account, password Service-Search-Pass-1
#   ou=people: uid=tbiomed (in cn=htm-technicians), uid=cengineer (cn=htm-engineers),
#              uid=nurse1 (cn=htm-requesters), uid=nogroup (no group), uid=jmover (a test moves it);
#              every person's password is Directory-Pass-<uid>-1, e.g. Directory-Pass-tbiomed-1
#   ou=groups: groupOfNames cn=htm-technicians, cn=htm-engineers, cn=htm-requesters, cn=unmapped
# Access: anonymous clients may only bind (no search); the service account reads everything but
# passwords; people read their own entry. The memberof overlay maintains memberOf on people (as
# Active Directory does), so both group lookups of OpenHTM (group search, memberOf) can be tested.
#
# Installing: `apt-get install slapd ldap-utils` (scripts/test.sh does it when slapd is missing).
# Debian's postinst may configure a system slapd; this script neither uses nor needs it.
set -euo pipefail

PORT=${HTM_TEST_LDAP_PORT:-38999}
[[ $PORT =~ ^[0-9]+$ ]] || { echo "ldap-test: HTM_TEST_LDAP_PORT must be a number" >&2; exit 2; }
BASE=${HTM_TEST_LDAP_DIR:-/tmp/htm-ldaptest-${UID}-${PORT}}
URL="ldap://127.0.0.1:${PORT}"
SUFFIX="dc=hospital,dc=test"
ADMIN_DN="cn=admin,$SUFFIX"
ADMIN_PW="Directory-Admin-Pass-1"
SERVICE_DN="cn=htm-service,ou=services,$SUFFIX"
SERVICE_PW="Service-Search-Pass-1"
SLAPD=$(command -v slapd || echo /usr/sbin/slapd)

log() { printf 'ldap-test: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_tools() {
  [[ -x $SLAPD ]] || die "slapd is not installed (apt-get install slapd ldap-utils)"
  command -v ldapadd >/dev/null || die "ldap-utils is not installed (apt-get install ldap-utils)"
  command -v slappasswd >/dev/null || die "slappasswd is missing (package slapd)"
}

pid_alive() {
  local pid
  [[ -f $BASE/run/slapd.pid ]] || return 1
  pid=$(cat "$BASE/run/slapd.pid")
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null || true) == slapd ]]
}

answers() { ldapsearch -x -H "$URL" -o nettimeout=2 -b "" -s base namingContexts >/dev/null 2>&1; }

write_conf() {
  local rootpw
  rootpw=$(slappasswd -s "$ADMIN_PW")
  cat >"$BASE/slapd.conf" <<EOF
# written by scripts/ldap-test-env.sh: a throwaway directory for OpenHTM's tests
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $BASE/run/slapd.pid
argsfile $BASE/run/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
loglevel stats
logfile $BASE/slapd.log

database mdb
maxsize 67108864
suffix "$SUFFIX"
rootdn "$ADMIN_DN"
rootpw $rootpw
directory $BASE/data
index objectClass eq
index uid eq
index member eq

overlay memberof

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="$SERVICE_DN" read
  by self read
  by * none
EOF
}

tree_ldif() {
  local u
  cat <<EOF
dn: $SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
o: Test Hospital
dc: hospital

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: ou=services,$SUFFIX
objectClass: organizationalUnit
ou: services

dn: $SERVICE_DN
objectClass: person
objectClass: simpleSecurityObject
cn: htm-service
sn: service
userPassword: $(slappasswd -s "$SERVICE_PW")

EOF
  # uid:cn:displayName
  for u in "tbiomed:Terry Biomed:Terry Biomed (BMET)" "cengineer:Casey Engineer:Casey Engineer" \
    "nurse1:Nora Nurse:Nora Nurse, RN" "nogroup:Ned Nogroup:Ned Nogroup" "jmover:Jo Mover:Jo Mover"; do
    IFS=: read -r uid cn dn <<<"$u"
    cat <<EOF
dn: uid=$uid,ou=people,$SUFFIX
objectClass: inetOrgPerson
uid: $uid
cn: $cn
sn: ${cn##* }
displayName: $dn
mail: $uid@hospital.test
userPassword: $(slappasswd -s "Directory-Pass-$uid-1")

EOF
  done
  cat <<EOF
dn: cn=htm-technicians,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: htm-technicians
member: uid=tbiomed,ou=people,$SUFFIX
member: uid=jmover,ou=people,$SUFFIX

dn: cn=htm-engineers,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: htm-engineers
member: uid=cengineer,ou=people,$SUFFIX

dn: cn=htm-requesters,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: htm-requesters
member: uid=nurse1,ou=people,$SUFFIX

dn: cn=unmapped,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: unmapped
member: uid=nogroup,ou=people,$SUFFIX
EOF
}

stop() {
  if pid_alive; then
    local pid i
    pid=$(cat "$BASE/run/slapd.pid")
    log "stopping slapd (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      [[ -e /proc/$pid ]] || break
      sleep 0.1
    done
  else
    log "not running ($BASE)"
  fi
}

start() {
  need_tools
  [[ -L $BASE ]] && die "$BASE is a symlink; refusing"
  mkdir -p "$BASE/run" "$BASE/data"
  chmod 700 "$BASE"
  if pid_alive && answers; then
    if [[ ${HTM_TEST_LDAP_RESET:-0} != 1 ]]; then
      log "reusing running slapd (pid $(cat "$BASE/run/slapd.pid"), $BASE)"
      return 0
    fi
    stop
  elif pid_alive; then
    stop
  fi
  if answers; then
    die "port $PORT on 127.0.0.1 answers LDAP but is not $BASE's slapd; stop it or set HTM_TEST_LDAP_PORT"
  fi
  # a fresh database every (re)start: the data is throwaway and the tree is small
  rm -rf "$BASE/data" "$BASE/run/slapd.pid"
  mkdir -p "$BASE/data"
  write_conf
  # slapd detaches itself (a daemon in its own session), so it outlives this shell
  "$SLAPD" -f "$BASE/slapd.conf" -h "$URL/" >"$BASE/start.log" 2>&1 </dev/null ||
    { cat "$BASE/start.log" >&2; die "slapd failed to start"; }
  local i
  for i in $(seq 1 100); do
    answers && break
    sleep 0.1
  done
  answers || { tail -n 20 "$BASE/slapd.log" >&2 || true; die "slapd did not start on $URL (log: $BASE/slapd.log)"; }
  tree_ldif >"$BASE/tree.ldif"
  ldapadd -x -H "$URL" -D "$ADMIN_DN" -w "$ADMIN_PW" -f "$BASE/tree.ldif" >"$BASE/load.log" 2>&1 ||
    { cat "$BASE/load.log" >&2; die "could not load the test tree"; }
  log "slapd on $URL (pid $(cat "$BASE/run/slapd.pid"), log $BASE/slapd.log)"
}

print_env() {
  printf 'export HTM_TEST_LDAP_URL=%q HTM_TEST_LDAP_BASE_DN=%q HTM_TEST_LDAP_BIND_DN=%q HTM_TEST_LDAP_BIND_PASSWORD=%q HTM_TEST_LDAP_ADMIN_DN=%q HTM_TEST_LDAP_ADMIN_PASSWORD=%q HTM_REQUIRE_LDAP=1\n' \
    "$URL" "$SUFFIX" "$SERVICE_DN" "$SERVICE_PW" "$ADMIN_DN" "$ADMIN_PW"
}

case "${1:-start}" in
  start | env)
    start
    print_env
    ;;
  vars)
    start
    printf '%s\n' "HTM_TEST_LDAP_URL=$URL" "HTM_TEST_LDAP_BASE_DN=$SUFFIX" "HTM_TEST_LDAP_BIND_DN=$SERVICE_DN" \
      "HTM_TEST_LDAP_BIND_PASSWORD=$SERVICE_PW" "HTM_TEST_LDAP_ADMIN_DN=$ADMIN_DN" "HTM_TEST_LDAP_ADMIN_PASSWORD=$ADMIN_PW"
    ;;
  reset)
    HTM_TEST_LDAP_RESET=1 start
    print_env
    ;;
  stop) stop ;;
  status)
    if pid_alive && answers; then log "running on $URL ($BASE)"; else log "not running"; exit 3; fi
    ;;
  *)
    echo "usage: $0 [start|env|vars|reset|stop|status]" >&2
    exit 2
    ;;
esac
