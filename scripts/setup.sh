#!/usr/bin/env bash
# Set up everything UrbanGrid needs on a fresh Debian 12 or 13 machine: uv (in a virtual
# environment of its own, never into the system Python), the locked Python environment, the
# front-end build, and (with --browser) Chromium for the UI tests. Debian packages it needs
# (python3-venv, chromium, fonts) are installed with apt-get, through sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
apt_install() {
    echo "== installing Debian packages: $*"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# uv: the one on PATH, else ours in .tools/uv (a venv: Debian's Python refuses pip
# installs into the system, PEP 668).
UV_HOME="$PWD/.tools/uv"
if ! command -v uv >/dev/null 2>&1; then
    if [[ ! -x "$UV_HOME/bin/uv" ]]; then
        echo "== installing uv into $UV_HOME (a virtual environment of its own)"
        if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
            apt_install python3-venv
        fi
        python3 -m venv "$UV_HOME"
        "$UV_HOME/bin/pip" install --quiet "uv>=0.5"
    fi
    export PATH="$UV_HOME/bin:$PATH"
fi
# A Python uv finds on the machine; it never downloads an interpreter.
export UV_PYTHON_DOWNLOADS=never

echo "== Python environment (uv.lock)"
uv sync --frozen --quiet

BROWSER_PACKAGES=(chromium fonts-noto-cjk)
if [[ "${1:-}" == "--browser" ]]; then
    missing=()
    for pkg in "${BROWSER_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
    if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
fi

if [[ -x scripts/build_frontend.sh ]]; then
    echo "== web front end (npm ci + build, package-lock.json)"
    scripts/build_frontend.sh
fi
