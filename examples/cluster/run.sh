#!/usr/bin/env bash
# Several mcpbridge replicas on one machine, everything on loopback: a throw-away PostgreSQL 15,
# Redis 7, N replicas (default 3) and nginx round robin in front. docs/scale-out.md explains it.
#
#   examples/cluster/run.sh [--replicas N] [--port P] [--check] [-- serve options...]
#
# Prints the MCP URL (http://127.0.0.1:P/mcp) and an API key, then waits; Ctrl-C stops it all.
# --check: starts everything, makes one authenticated MCP call through nginx, stops, exits 0/1.
# Needs: `bash scripts/install-deps.sh` with WITH_TEST_TOOLS=1 (postgresql-15, redis-server, nginx)
# and a built mcpbridge (MCPBRIDGE_BIN, default build/bin/mcpbridge).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MCPBRIDGE_BIN:-$root/build/bin/mcpbridge}
replicas=3 port= check=0
while [ $# -gt 0 ]; do
  case $1 in
    --replicas) replicas=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --check) check=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$port" ] || port=8080
for f in "$bin" /usr/lib/postgresql/15/bin/initdb /usr/bin/redis-server /usr/sbin/nginx; do
  [ -x "$f" ] || { echo "run.sh: $f is missing (build mcpbridge; WITH_TEST_TOOLS=1 scripts/install-deps.sh)" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/mcpbridge-cluster.XXXXXX)
source "$root/examples/cluster/lib.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_postgres
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$check" = 1 ] && [ "$port" = 8080 ] && port=$(free_port)  # a check never collides with a real server
start_postgres
start_redis
pids+=("$redis_pid")

# The keys every replica must share (the vault's and the OAuth signing keys' encryption keys).
export MCPBRIDGE_VAULT_KEY=${MCPBRIDGE_VAULT_KEY:-$(head -c 32 /dev/urandom | base64)}
export MCPBRIDGE_OAUTH_KEY=${MCPBRIDGE_OAUTH_KEY:-$(head -c 32 /dev/urandom | base64)}
export MCPBRIDGE_AUTH_MODE=${MCPBRIDGE_AUTH_MODE:-api_key}

"$bin" users add demo --role admin >/dev/null
key=$("$bin" keys create --user demo --label cluster-example 2>&1 | grep -o 'mcpb_[A-Za-z0-9_-]*' | head -1)

upstreams=""
for i in $(seq 1 "$replicas"); do
  p=$(free_port)
  "$bin" serve --host 127.0.0.1 --port "$p" "$@" >"$dir/replica-$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"$'\n'
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$root/examples/cluster/nginx.conf.in" |
  awk -v up="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", up; else print }' >"$dir/nginx.conf"
/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off; master_process off;' &
pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

url="http://127.0.0.1:$port/mcp"
echo "mcpbridge: $replicas replicas behind nginx at $url (logs in $dir)"
echo "API key (user demo): $key"
if [ "$check" = 1 ]; then
  out=$(curl -s "$url" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: tools/call' -H 'mcp-name: echo' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"through nginx"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"run.sh","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}')
  echo "$out"
  grep -q 'through nginx' <<<"$out" || { echo "run.sh --check: the call through nginx failed" >&2; tail -n 5 "$dir"/replica-*.log >&2; exit 1; }
  echo "run.sh --check: ok"
  exit 0
fi
echo "Ctrl-C stops everything."
wait
