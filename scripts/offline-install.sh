#!/usr/bin/env bash
# Install UrbanGrid from this offline bundle: no package index, no Node.js.
#
#   ./install.sh [PREFIX]        (default /opt/urbangrid; a virtual environment is made there)
#
# Then: PREFIX/bin/urbangrid demo && PREFIX/bin/urbangrid serve   (a demo on SQLite)
#   or: see docs/deploy.md for PostgreSQL, the worker and systemd.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${1:-/opt/urbangrid}"
PYTHON="${PYTHON:-python3}"
want=$(sed -n 's/^python //p' "$HERE/BUNDLE")
have=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ "$want" != "$have" ]]; then
    echo "install: this bundle is for Python $want; $PYTHON is $have (set PYTHON=...)" >&2
    exit 1
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c "import ensurepip" 2>/dev/null; then
    echo "install: $PYTHON cannot make a virtual environment (Debian: apt install python3-venv)" >&2
    exit 1
fi
"$PYTHON" -m venv "$PREFIX"
"$PREFIX/bin/python" -m pip install --quiet --no-index --find-links "$HERE/wheels" urbangrid
echo "installed: $PREFIX/bin/urbangrid (next: $PREFIX/bin/urbangrid demo, or see docs/deploy.md)"
