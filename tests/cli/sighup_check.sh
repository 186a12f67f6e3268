#!/usr/bin/env bash
# SIGHUP (the unit's ExecReload) never ends `mcpbridge serve`, even with nothing to reload (no
# OpenAPI sources, no TLS); SIGTERM then still stops it with exit code 0.
#   sighup_check.sh /path/to/mcpbridge
set -euo pipefail
bin=${1:?usage: sighup_check.sh MCPBRIDGE}
dir=$(mktemp -d); trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
MCPBRIDGE_STORE=$dir/s.db "$bin" serve --auth none --host 127.0.0.1 --port 0 >"$dir/log" 2>&1 & pid=$!
port=
for _ in $(seq 100); do
  port=$(grep -oE 'MCP endpoint http://127\.0\.0\.1:[0-9]+' "$dir/log" | grep -oE '[0-9]+$' || true)
  [ -n "$port" ] && break; sleep 0.1
done
[ -n "$port" ] || { echo "serve did not start:"; cat "$dir/log"; exit 1; }
for _ in 1 2 3; do kill -HUP "$pid"; sleep 0.2; done
kill -0 "$pid" 2>/dev/null || { echo "FAIL: SIGHUP ended serve:"; cat "$dir/log"; exit 1; }
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "FAIL: no /healthz after SIGHUP"; exit 1; }
kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: SIGTERM exit code $rc"; cat "$dir/log"; exit 1; }
echo "ok: SIGHUP ignored with nothing to reload, SIGTERM exits 0"
