#!/usr/bin/env bash
# Set up and run the whole test suite: ruff, then pytest on SQLite (every test), then the
# database tests again on PostgreSQL (127.0.0.1:5432, user postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser

PG_URL="${URBANGRID_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "== starting PostgreSQL"
    for version in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

echo "== ruff"
uv run ruff check src tests bench
uv run ruff format --check src tests bench

mkdir -p test-output
echo "== pytest on SQLite (all tests)"
uv run pytest -p no:cacheprovider "$@"

echo "== pytest on PostgreSQL (database tests)"
URBANGRID_TEST_DATABASE_URL="$PG_URL" uv run pytest -p no:cacheprovider -m db "$@"
