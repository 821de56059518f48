#!/usr/bin/env bash
# Creates .venv with Python 3.10 and the exactly pinned dependencies of requirements.lock.
# Re-running with nothing changed returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.setup-stamp"
want=$(sha256sum requirements.lock | cut -c1-16)

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi

works() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python() {
  local c
  for c in "${KEQING_PYTHON:-}" python3.10 \
           "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 \
           /root/.pyenv/versions/3.10*/bin/python3.10 \
           /usr/local/bin/python3.10 /usr/bin/python3.10; do
    [ -n "$c" ] || continue
    if works "$c"; then command -v "$c" 2>/dev/null || echo "$c"; return 0; fi
  done
  return 1
}

if ! PY=$(find_python); then
  echo "setup: Python 3.10 not found (Rasa 3.6 needs >=3.8,<3.11). Install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv', or point KEQING_PYTHON at one." >&2
  exit 1
fi

if [ -x "$VENV/bin/python" ] && ! works "$VENV/bin/python"; then
  echo "setup: $VENV is not Python 3.10; recreating it" >&2
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
echo "setup: installing pinned dependencies (a few minutes the first time)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.lock
echo "$want" > "$STAMP"
echo "setup: done"
