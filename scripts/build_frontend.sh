#!/usr/bin/env bash
# Build the web UI into src/urbangrid/web/static/dist. Offline at run time: packages come
# from the npm registry at build time, pinned by frontend/package-lock.json.
# Idempotent: does nothing when the sources, lock file and output have not changed.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
OUT=../src/urbangrid/web/static/dist
STAMP="$OUT/.build-stamp"

# The stamp is a digest of everything the build reads.
digest() {
  {
    cat package.json package-lock.json vite.config.ts tsconfig.json index.html
    find src -type f | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}

if ! command -v npm >/dev/null; then
  echo "build_frontend: npm not found (Node.js 20+ is needed to build the web UI)" >&2
  exit 1
fi

# Reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.urbangrid-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.urbangrid-lock
fi

want="$(digest)"
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/index.html" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "build_frontend: up to date"
  exit 0
fi
npm run --silent build
echo "$want" > "$STAMP"
echo "build_frontend: built into src/urbangrid/web/static/dist"
