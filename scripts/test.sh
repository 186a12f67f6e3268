#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs (Debian
# packages, the pinned npm peers), builds, and runs every test through ctest — unit tests,
# fuzz-corpus replays, interop with the official TypeScript SDK client, and the official
# conformance suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
WITH_TEST_TOOLS=1 bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMCP_BUILD_TESTS=ON -DMCP_BUILD_BENCH=ON >/dev/null
ninja -C build
ctest --test-dir build --output-on-failure -j2 "$@"
