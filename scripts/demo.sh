#!/usr/bin/env bash
# Set up, load the demo jurisdiction into an embedded SQLite database, and serve the web UI
# and API on http://127.0.0.1:8000 (log in as admin / Demo@2026; other users in README).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export URBANGRID_DATABASE_URL="${URBANGRID_DATABASE_URL:-sqlite:///urbangrid-demo.db}"
export URBANGRID_DEMO=1  # demo mode: the server may run with the default secret key
uv run urbangrid demo
exec uv run urbangrid serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
