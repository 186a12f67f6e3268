#!/usr/bin/env bash
# Starts the gateway on its embedded defaults (http://127.0.0.1:8080/mcp), from a fresh Debian
# 12 machine: installs the build dependencies, builds, runs `mcpbridge serve`. Extra arguments
# go to `mcpbridge serve` (see --help).
#
# Signing in: the built-in OAuth authorization server is on. The first run creates user `admin`
# with the password from MCPBRIDGE_ADMIN_PASSWORD, or else a generated one written once to
# mcpbridge.db.admin-password (0600, never logged). Connect an MCP client to
# http://127.0.0.1:8080/mcp; it opens the sign-in page in your browser: sign in as admin. Change
# the password with `build/bin/mcpbridge users passwd admin` (reads it from standard input; the
# file is then deleted). `bash scripts/serve.sh --auth none` serves without sign-in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build mcpbridge
exec build/bin/mcpbridge serve "$@"
