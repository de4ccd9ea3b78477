#!/bin/sh
# Records the real gunicorn's answers for parity's tests (not needed to run them).
#
#   scripts/record-gunicorn.sh            # venv in $GUNICORN_VENV (default /tmp/parity-gunicorn-venv)
#
# Installs gunicorn 27.0.1 into the venv if it is missing, then runs
# scripts/record_gunicorn.py, which rewrites tests/recorded/gunicorn/.
# gunicorn executes config files: only run this on parity's own fixtures.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${GUNICORN_VENV:-/tmp/parity-gunicorn-venv}
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/gunicorn" ] || ! "$venv/bin/gunicorn" --version 2>/dev/null | grep -q '27\.0\.1'; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet 'gunicorn==27.0.1'
fi
# Run from an empty directory with a clean environment: PORT and
# WEB_CONCURRENCY would otherwise leak into the defaults.
cd "$(mktemp -d)"
env -i PATH="$venv/bin:/usr/bin:/bin" HOME="$PWD" \
    "$venv/bin/python" "$here/scripts/record_gunicorn.py" "$venv/bin/gunicorn"
