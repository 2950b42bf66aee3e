#!/usr/bin/env bash
# Build the web UI into src/urbangrid/web/static/dist. Offline at run time: packages come
# from the npm registry at build time, pinned by frontend/package-lock.json.
# Idempotent: does nothing when the sources, lock file and output have not changed.
set -euo pipefail
SCRIPT="$(realpath "$0")"
cd "$(dirname "$0")/../frontend"
OUT=../src/urbangrid/web/static/dist
STAMP="$OUT/.build-stamp"

# The stamp is a digest of everything the build reads (this script too: it copies files).
digest() {
  {
    cat package.json package-lock.json vite.config.ts tsconfig.json index.html "$SCRIPT"
    find src -type f | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}

# Vite needs Node.js ^20.19 or >= 22.12 (Debian 12's own nodejs is 18: take Node from
# nodejs.org or NodeSource; a site without Node installs the offline bundle, UI built in).
NODE_NEEDED="Node.js 20.19+ or 22.12+ is needed to build the web UI"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "build_frontend: npm not found ($NODE_NEEDED)" >&2
  exit 1
fi
if ! node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22 ? 0 : 1);
'; then
  echo "build_frontend: Node.js $(node --version) is too old ($NODE_NEEDED)" >&2
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
# The API documentation pages (/docs, /redoc) load Swagger UI and ReDoc from the build, not
# from a CDN (src/urbangrid/api/docs.py): the bundles, their styles and licences.
mkdir -p "$OUT/apidocs/swagger-ui" "$OUT/apidocs/redoc"
cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui-bundle.js.LICENSE.txt} \
  node_modules/swagger-ui-dist/{swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} \
  "$OUT/apidocs/swagger-ui/"
cp node_modules/redoc/bundles/{redoc.standalone.js,redoc.standalone.js.LICENSE.txt} \
  node_modules/redoc/LICENSE "$OUT/apidocs/redoc/"
echo "$want" > "$STAMP"
echo "build_frontend: built into src/urbangrid/web/static/dist"
