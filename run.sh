#!/usr/bin/env bash
# Dépêche in one command.
#   ./run.sh            install everything into .venv, then run Dépêche: the Telegram bot when a
#                       token is set (DEPECHE_TELEGRAM__TOKEN, .env or config/local.toml), otherwise
#                       a terminal chat; the index is built from seeds/ on first use.
#   ./run.sh test       install everything, then run the test suite (what CI runs).
#   ./run.sh ARGS...    any `depeche` subcommand, e.g. ./run.sh index rebuild
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# Reinstall only when the dependencies change.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "Installing Dépêche into .venv (first run: a few minutes)…" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    # The CPU build of torch lies on this machine's disk; installed first so nothing pulls CUDA.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi

if [ "${1:-}" = "test" ]; then
    shift
    exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/depeche "$@"
