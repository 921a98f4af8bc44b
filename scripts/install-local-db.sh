#!/usr/bin/env bash
# Installs the local MongoDB-wire server (SecantusDB, WiredTiger storage) into ./.venv.
# Used by `npm start` and `npm test` when MONGODB_URI is not set; production uses MongoDB.
set -euo pipefail
cd "$(dirname "$0")/.."
# Pinned: SecantusDB is a beta that releases often.
SECANTUS_VERSION="0.7.0b3"
VENV=".venv"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/secantusd-py" ] && "$VENV/bin/python" -c "import importlib.metadata as m,sys; sys.exit(m.version('secantusdb')!='$SECANTUS_VERSION')" 2>/dev/null; then
  exit 0
fi
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "python3 (3.10+) is needed to install the local database; or set MONGODB_URI to a MongoDB server." >&2
  exit 1
fi
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "secantusdb==$SECANTUS_VERSION"
echo "installed SecantusDB $SECANTUS_VERSION into $VENV"
