#!/usr/bin/env bash
# Build the offline bundle: urbangrid-<version>-offline.tar.gz with the urbangrid wheel (the
# web UI built in), a wheel of every dependency for the target Python and this platform, and
# install.sh. On the intranet machine: unpack, run ./install.sh, then `urbangrid demo` or
# `urbangrid init` and `urbangrid serve` (no index, no Node.js there).
#
#   scripts/bundle.sh [--python PYTHON] [--out DIR]
#
# PYTHON is the interpreter of the target machine's version (default python3); the build
# machine needs Node.js (for the UI) and a package index (PyPI or a mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PYTHON=python3
OUT="$ROOT/dist"
while (($#)); do
    case "$1" in
        --python) PYTHON="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        *) echo "bundle: unknown option $1 (--python PYTHON, --out DIR)" >&2; exit 2 ;;
    esac
done
[[ -x .tools/uv/bin/uv ]] && export PATH="$PWD/.tools/uv/bin:$PATH"
command -v uv >/dev/null || { echo "bundle: uv not found: run scripts/setup.sh" >&2; exit 1; }

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
NAME="urbangrid-$VERSION-offline"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/$NAME"
mkdir -p "$STAGE/wheels" "$OUT"

echo "== web UI"
scripts/build_frontend.sh
[[ -f src/urbangrid/web/static/dist/index.html ]] || { echo "bundle: the UI did not build" >&2; exit 1; }

echo "== urbangrid wheel (UI included)"
uv build --wheel --out-dir "$WORK/built" --quiet
cp "$WORK"/built/urbangrid-*.whl "$STAGE/wheels/"
# (grep reads the whole list: with -q it would stop early and, under pipefail, fail the test)
if ! unzip -Z1 "$STAGE"/wheels/urbangrid-*.whl | grep -Fx "urbangrid/web/static/dist/index.html" >/dev/null; then
    echo "bundle: the wheel lacks the built UI" >&2
    exit 1
fi

echo "== dependency wheels for $("$PYTHON" -V) on $(uname -m)"
uv export --frozen --no-dev --no-hashes --no-emit-project --format requirements-txt \
    --quiet > "$STAGE/requirements.txt"
"$PYTHON" -m venv "$WORK/pip"
"$WORK/pip/bin/python" -m pip install --quiet --upgrade pip
# Binary wheels where the index has them; the few source-only packages are built to wheels.
"$WORK/pip/bin/python" -m pip wheel --quiet --wheel-dir "$STAGE/wheels" \
    -r "$STAGE/requirements.txt" 2> >(grep -v "is ignored: it is neither a file" >&2)

cp scripts/offline-install.sh "$STAGE/install.sh"
chmod +x "$STAGE/install.sh"
mkdir -p "$STAGE/docs"
cp README.md "$STAGE/"
cp docs/deploy.md docs/import.md "$STAGE/docs/" 2>/dev/null || true
cp -r deploy "$STAGE/" 2>/dev/null || true
{
    echo "urbangrid $VERSION"
    echo "python $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    echo "platform $(uname -s)-$(uname -m)"
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$STAGE/BUNDLE"

tar -C "$WORK" -czf "$OUT/$NAME.tar.gz" "$NAME"
echo "bundle: $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1), $(ls "$STAGE/wheels" | wc -l) wheels)"
