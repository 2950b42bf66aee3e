#!/usr/bin/env bash
# Set up and run the whole test suite: ruff; pytest on SQLite (every test); the database tests
# again on PostgreSQL; then the pure tests and a server smoke run on the newest supported
# Python (3.13) when the machine has it.
#
# PostgreSQL: URBANGRID_TEST_PG_URL if set; else the local server on 127.0.0.1:5432 when user
# postgres gets in without a password; else a throwaway cluster of our own (initdb in a temp
# directory, trust auth, a free port), removed at the end. A fresh machine needs only Debian's
# postgresql package.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
[[ -x .tools/uv/bin/uv ]] && export PATH="$PWD/.tools/uv/bin:$PATH"
export UV_PYTHON_DOWNLOADS=never

LOCAL_PG="postgresql://postgres@127.0.0.1:5432/postgres"
pg_answers() { psql "$1" -w -tAc "select 1" >/dev/null 2>&1; }

PG_BIN="" PG_DIR="" PG_AS=()
stop_throwaway_postgres() {
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null || true
    rm -rf "$PG_DIR"
}
throwaway_postgres() {
    local port
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [[ -z "$PG_BIN" ]]; then
        echo "no PostgreSQL here: install Debian's postgresql package" >&2
        exit 1
    fi
    PG_DIR=$(mktemp -d /tmp/urbangrid-pg.XXXXXX)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [[ $(id -u) -eq 0 ]]; then  # initdb refuses to run as root
        chown postgres: "$PG_DIR"
        PG_AS=(runuser -u postgres --)
    fi
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
    trap stop_throwaway_postgres EXIT
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
        "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
        start >/dev/null
    PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "== throwaway PostgreSQL cluster at 127.0.0.1:$port ($PG_DIR)"
}

PG_URL="${URBANGRID_TEST_PG_URL:-}"
if [[ -z "$PG_URL" && "${URBANGRID_TEST_PG:-}" != throwaway ]]; then
    if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
        for version in $(ls /etc/postgresql 2>/dev/null); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
        done
        for _ in $(seq 1 15); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    fi
    pg_answers "$LOCAL_PG" && PG_URL="$LOCAL_PG"
fi
[[ -z "$PG_URL" ]] && throwaway_postgres

echo "== ruff"
uv run ruff check src tests bench
uv run ruff format --check src tests bench

mkdir -p test-output
echo "== pytest on SQLite (all tests)"
uv run pytest -p no:cacheprovider "$@"

echo "== pytest on PostgreSQL (database tests)"
URBANGRID_TEST_DATABASE_URL="$PG_URL" uv run pytest -p no:cacheprovider -m db "$@"

# The newest supported Python, from the machine (pyenv or PATH); never downloaded.
# (A pyenv shim may exist without working, so each candidate is asked its version.)
PY313=""
for candidate in $(command -v python3.13 || true) \
    $(ls "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 /usr/bin/python3.13 2>/dev/null || true); do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
        PY313="$candidate"
        break
    fi
done
if [[ -n "$PY313" ]]; then
    echo "== pytest on Python 3.13 (pure tests and the server smoke run)"
    UV_PROJECT_ENVIRONMENT=.venv-py3.13 uv sync --frozen --quiet --python "$PY313"
    UV_PROJECT_ENVIRONMENT=.venv-py3.13 uv run --frozen --python "$PY313" pytest \
        -p no:cacheprovider -m "not db and not browser" --ignore=tests/test_benchmarks.py "$@"
else
    echo "== Python 3.13 not on this machine: its run is skipped"
fi
