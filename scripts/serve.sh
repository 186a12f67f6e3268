#!/usr/bin/env bash
# Starts the gateway on its embedded defaults (http://127.0.0.1:8080/mcp), from a fresh Debian
# 12 machine: installs the build dependencies, builds, runs `mcpbridge serve`. Extra arguments
# go to `mcpbridge serve` (see --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build mcpbridge
exec build/bin/mcpbridge serve "$@"
