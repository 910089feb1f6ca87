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
step() { printf '==> %s\n' "$*" >&2; }
pip_quiet() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }

if [ ! -x .venv/bin/python ]; then
    step "creating the virtual environment .venv"
    "$python" -m venv .venv
fi
# Reinstall only when the dependencies change.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    started=$SECONDS
    step "installing Dépêche into .venv (first run: a few minutes)"
    step "  1/3 pip"
    pip_quiet --upgrade pip
    # The CPU build of torch lies on this machine's disk; installed first so nothing pulls CUDA.
    step "  2/3 torch (CPU build)"
    pip_quiet torch==2.13.0
    step "  3/3 Dépêche and its dependencies (editable, with the test tools)"
    pip_quiet -e '.[test]'
    rm -f .venv/.installed-*
    touch "$stamp"
    step "installed in $((SECONDS - started)) s"
fi

if [ "${1:-}" = "test" ]; then
    shift
    step "running the test suite: 4 to 9 minutes on a 2-core machine (the host's speed varies), one line per test"
    # Two workers, each running a whole file at a time (module fixtures such as the eval's index
    # are built once), the longest files first (tests/conftest.py); `-n 0` runs in one process.
    exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"
fi
if [ $# -eq 0 ]; then
    step "starting Dépêche (the first start builds the index from seeds/: about half a minute)"
fi
exec .venv/bin/depeche "$@"
