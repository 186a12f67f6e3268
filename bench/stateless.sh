#!/usr/bin/env bash
# Stateless (2026-07-28) tools/call vs the session-based path on the same echo-server, and vs
# the TS SDK's stateless mode: requests per server-CPU-second, server pinned to core 1, wrk on
# core 0, loopback only, bounded. Needs wrk, a built echo-server, and tools/bench-peers (bench/run.sh
# installs it).
#   bench/stateless.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}; secs=${2:-5}; conns=${3:-16}
shared=$root/../shared/bench
cpu() { awk '{print $14+$15}' /proc/$1/stat; }  # utime+stime, clock ticks
hz=$(getconf CLK_TCK)
measure() {  # name pid url lua [env...]
  local name=$1 pid=$2 url=$3 lua=$4; shift 4
  local c0; c0=$(cpu "$pid")
  local out; out=$(env "$@" taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" -s "$lua" "$url" 2>&1)
  local c1; c1=$(cpu "$pid")
  local reqs; reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  local cpus; cpus=$(echo "scale=3; ($c1-$c0)/$hz" | bc)
  local per; per=$(echo "scale=0; $reqs/$cpus" | bc)
  printf '%-28s %9s requests  %6s CPU-s  %7s req/CPU-s  %s\n' "$name" "$reqs" "$cpus" "$per" \
    "$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')"
}
taskset -c 1 "$build/bin/echo-server" --port 18990 >/dev/null 2>&1 & ours=$!
taskset -c 1 node --preserve-symlinks-main "$root/tools/bench-peers/ts-sdk-server.mjs" --port 18991 --mode stateless \
  >/dev/null 2>&1 & peer=$!
trap 'kill $ours $peer 2>/dev/null || true' EXIT
sleep 3
sid=$(curl -s -i -X POST http://127.0.0.1:18990/mcp -H 'content-type: application/json' \
  -H 'accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}' |
  awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}' | tr -d '\r')
sfile=$(mktemp); echo "$sid" > "$sfile"
measure "ours: stateless 2026-07-28" "$ours" http://127.0.0.1:18990/mcp "$root/bench/lua/stateless_call.lua"
measure "ours: session 2025-11-25" "$ours" http://127.0.0.1:18990/mcp "$shared/lua/mcp_call.lua" \
  MCP_SESSIONS_FILE="$sfile" MCP_PROTOCOL_VERSION=2025-11-25
measure "TS SDK: stateless mode" "$peer" http://127.0.0.1:18991/mcp "$shared/lua/mcp_call.lua" \
  MCP_PROTOCOL_VERSION=2025-11-25
rm -f "$sfile"
