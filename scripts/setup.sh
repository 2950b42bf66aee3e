#!/usr/bin/env bash
# Set up everything UrbanGrid needs on a fresh Debian machine: uv, the locked Python
# environment, the front-end build, and (with --browser) Chromium for the UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
    echo "== installing uv (Python package manager) from PyPI"
    python3 -m pip install --quiet "uv>=0.5"
fi

echo "== Python environment (uv.lock)"
uv sync --frozen --quiet

BROWSER_PACKAGES=(chromium fonts-noto-cjk)
missing_browser_packages() {
    for pkg in "${BROWSER_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || return 0
    done
    return 1
}
if [[ "${1:-}" == "--browser" ]] && missing_browser_packages; then
    echo "== installing Chromium and CJK fonts for the browser tests (Debian packages)"
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${BROWSER_PACKAGES[@]}" >/dev/null
fi

if [[ -x scripts/build_frontend.sh ]]; then
    echo "== web front end (npm ci + build, package-lock.json)"
    scripts/build_frontend.sh
fi
