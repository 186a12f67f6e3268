#!/usr/bin/env bash
# Runs examples/gateway/gateway_in_code on a free port and talks to it through the real HTTP
# endpoint with `mcpbridge client`: tools/list shows the OpenAPI source's tools and the native
# one, the native tool answers, SIGTERM stops it with exit code 0.
set -euo pipefail
example=$1 mcpbridge=$2 spec=$3
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port/mcp
"$example" "$spec" "$tmp/store.db" "$port" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do  # up to 10 s
  if "$mcpbridge" client "$url" tools/list >"$tmp/tools" 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; exit 1; }
  sleep 0.1
done
for tool in greet listTodos addTodo; do
  grep -q "\"name\":\"$tool\"" "$tmp/tools" || { echo "tools/list lacks $tool:"; cat "$tmp/tools"; exit 1; }
done
answer=$("$mcpbridge" client "$url" tools/call greet '{"name":"Ada"}')
grep -q 'Hello, Ada!' <<<"$answer" || { echo "greet answered: $answer"; exit 1; }
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "exit code $rc"; cat "$tmp/log"; exit 1; }
echo "ok: tools/list and tools/call through $url"
