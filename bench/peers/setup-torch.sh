#!/usr/bin/env bash
# The PyTorch peer of bench/model.js: Debian's python3-torch (CPU) for
# /usr/bin/python3, and the threaded OpenBLAS that makes its matmuls fast.
# Installs them where apt-get exists and this runs as root; otherwise prints
# the command to run.
set -euo pipefail

packages='python3-torch libopenblas0-pthread'
if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "setup-torch: $(/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)') is installed"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-torch: on Debian, as root: apt-get update && apt-get install -y $packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $packages >/dev/null
echo "setup-torch: $(/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)') installed"
