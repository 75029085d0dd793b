#!/usr/bin/env bash
# Makes WebGPU work on this machine: npm packages, and on machines without a
# GPU Mesa's software Vulkan driver (lavapipe). Dawn refuses bookworm's own
# Mesa 22.x, so the driver comes from bookworm-backports.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/webgpu ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The browser test drives Debian's chromium through playwright-core; never a downloaded browser.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium (for the browser test)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: the browser test needs /usr/bin/chromium; on Debian, as root: apt-get install -y chromium" >&2
  fi
fi

export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
if node scripts/probe-adapter.js >/dev/null 2>&1; then
  echo "setup: WebGPU adapter: $(node scripts/probe-adapter.js 2>/dev/null)"
  exit 0
fi

install_cmd='apt-get update && apt-get install -y -t bookworm-backports libvulkan1 mesa-vulkan-drivers'
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup: Dawn found no WebGPU adapter. Install a Vulkan driver; on Debian bookworm, as root:" >&2
  echo "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list" >&2
  echo "  $install_cmd" >&2
  exit 1
fi

echo "setup: no WebGPU adapter; installing Mesa lavapipe from bookworm-backports"
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports libvulkan1 mesa-vulkan-drivers >/dev/null

if ! node scripts/probe-adapter.js; then
  echo "setup: lavapipe installed but Dawn still finds no adapter" >&2
  exit 1
fi
