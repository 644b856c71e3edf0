#!/usr/bin/env bash
# Creates (or reuses) the Python virtualenv the interoperability checks run in:
#   target/pyenv, with the packages pinned in scripts/requirements-interop.txt.
# Prints the path of its python on stdout (everything else goes to stderr). Reinstalls only when
# the requirements file changed. On a Debian machine without venv support it installs
# python3-venv (apt-get, as scripts/test.sh does for PostgreSQL).
#
#   PY=$(scripts/py-env.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ=$ROOT/scripts/requirements-interop.txt
VENV=${HTM_PYENV:-$ROOT/target/pyenv}
STAMP=$VENV/.requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)

log() { printf 'py-env: %s\n' "$*" >&2; }

if [[ -x $VENV/bin/python && -f $STAMP && $(cat "$STAMP") == "$want" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  # shellcheck source=scripts/pg-test-env.sh
  HTM_PG_ENV_LIB_ONLY=1 source "$ROOT/scripts/pg-test-env.sh"
  htm_apt_install python3-venv python3-pip >&2
fi
if [[ ! -x $VENV/bin/python ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
fi
log "installing $(grep -cvE '^\s*(#|$)' "$REQ") pinned packages"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" >&2
echo "$want" >"$STAMP"
echo "$VENV/bin/python"
