#!/usr/bin/env bash
# The SDK as installed: `cmake --install --component sdk` into a staging prefix, then the
# project in tests/package/consumer/ built against it twice — through find_package(mcpbridge
# CONFIG) and through pkg-config (mcpbridge.pc) — and each build served and called over HTTP.
#   sdk_consumer_test.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR MCPBRIDGE_BINARY
# WORK_DIR stays the same between runs (ccache then hits); it is emptied first.
set -euo pipefail
build=$(realpath "$1") consumer=$(realpath "$2") work=$3 mcpbridge=$(realpath "$4")
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" --component sdk >/dev/null
[ ! -e "$prefix/bin/mcpbridge" ] || fail "the sdk component installs the server"
[ -f "$prefix/include/mcp/mcp.hpp" ] || fail "no include/mcp/mcp.hpp"
[ ! -e "$prefix/include/mcp/gateway" ] || fail "the gateway's headers are installed with the SDK"
config=$(find "$prefix" -name mcpbridgeConfig.cmake)
pc=$(find "$prefix" -name mcpbridge.pc)
{ [ -n "$config" ] && [ -n "$pc" ]; } || fail "no mcpbridgeConfig.cmake or mcpbridge.pc under $prefix"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Only the staging prefix may provide mcpbridge (not an installed copy, not a package registry).
cmake -S "$consumer" -B "$work/cmake" -G Ninja "${launcher[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "the consumer does not configure"; }
found=$(sed -n 's/^mcpbridge_DIR:PATH=//p' "$work/cmake/CMakeCache.txt")
[ "$found" = "$(dirname "$config")" ] || fail "find_package found $found, not $(dirname "$config")"
nice -n 19 cmake --build "$work/cmake" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; fail "the consumer does not build with find_package"; }

flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs mcpbridge) ||
  fail "pkg-config cannot resolve mcpbridge"
# shellcheck disable=SC2086  # the flags are words
nice -n 19 ${launcher:+ccache} g++ -std=c++20 -o "$work/consumer-pc" "$consumer/main.cpp" $flags \
  >"$work/pc.log" 2>&1 || { tail -40 "$work/pc.log"; fail "the consumer does not build with pkg-config"; }

# Each build serves its tool; `mcpbridge client` calls it.
serve_and_call() {
  local exe=$1 port pid answer rc=0
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$exe" "$port" >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do  # up to 10 s
    answer=$("$mcpbridge" client "http://127.0.0.1:$port/mcp" tools/call greet '{"name":"Ada"}' 2>/dev/null) && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; fail "$exe exited"; }
    sleep 0.1
  done
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  grep -q 'Hello from the package, Ada!' <<<"$answer" || fail "$exe answered: $answer"
  [ "$rc" -eq 0 ] || fail "$exe exited with $rc on SIGTERM"
  echo "ok: $(basename "$exe") serves greet"
}
serve_and_call "$work/cmake/consumer"
serve_and_call "$work/consumer-pc"
