#!/usr/bin/env bash
# Set up everything rolegraph needs on a fresh Debian machine. Idempotent: each
# step is skipped when it is already done.
#   scripts/setup.sh run    Python environment and Java (HermiT), for the main job
#   scripts/setup.sh test   also Debian's chromium (browser tests) and Virtuoso 7 (remote-store tests)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}
PY=${PYTHON:-python3}

say() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else say "need root to run: $*"; exit 1
    fi
}

apt_updated=0
apt_install() {
    if [ $apt_updated = 0 ]; then
        as_root apt-get update -qq >/dev/null
        apt_updated=1
    fi
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Python >= 3.11 and a virtual environment with the project installed.
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "rolegraph needs Python 3.11 or newer (found: $("$PY" --version 2>&1))"; exit 1
fi
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$PY" -m venv .venv
fi
stamp=.venv/.setup-done
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing rolegraph and its Python dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    touch "$stamp"
fi
# The package's bytecode, written now: an editable install leaves it to the first import, and a
# machine with PYTHONDONTWRITEBYTECODE set would compile kg/ again on every command (30 ms of a
# 0.2 s `rolegraph query`). compileall skips what is up to date (under 0.1 s).
.venv/bin/python -m compileall -q kg >/dev/null || say "could not write the bytecode of kg/ (a read-only checkout?): commands compile it as they run"

# Java for HermiT (owlready2 runs it in a JVM).
if ! command -v java >/dev/null 2>&1; then
    apt_install default-jre-headless
fi

# Graphviz's dot draws the role networks of `rolegraph report`, offline.
if ! command -v dot >/dev/null 2>&1; then
    apt_install graphviz
fi

if [ "$purpose" = test ]; then
    # Debian's chromium for the browser tests (Playwright cannot download a browser here).
    if [ ! -x /usr/bin/chromium ]; then
        apt_install chromium
    fi

    # --- servers: Virtuoso 7 for the remote-store tests (tests/test_remote.py starts and
    # stops its own instance on loopback ports; the Oxigraph server comes with the Python
    # test extras). The -bin package holds virtuoso-t and isql-vt; the virtuoso-opensource
    # package would also install a system service and ask for a DBA password.
    if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
        if [ $apt_updated = 0 ]; then
            as_root apt-get update -qq >/dev/null
            apt_updated=1
        fi
        virtuoso_pkg=""
        for pkg in virtuoso-opensource-7-bin virtuoso-opensource-7 virtuoso-opensource; do
            policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
            if printf '%s\n' "$policy" | grep 'Candidate: [0-9]' >/dev/null; then
                virtuoso_pkg=$pkg; break
            fi
        done
        if [ -z "$virtuoso_pkg" ]; then
            say "no Virtuoso package in the apt sources (looked for virtuoso-opensource-7-bin, virtuoso-opensource-7, virtuoso-opensource)"
            exit 1
        fi
        apt_install "$virtuoso_pkg"
    fi
fi
say "ready"
