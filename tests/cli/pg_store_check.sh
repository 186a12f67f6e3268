#!/usr/bin/env bash
# The CLI and two replicas on one PostgreSQL store (MCPBRIDGE_STORE=postgresql://...):
# `users add`, `keys create/list/revoke` work against it; `config` never prints the password;
# a key created by the CLI works on both replicas and, revoked by the CLI, is refused by both
# within a second although each replica caches keys for 5 s (the change feed drops the cache).
#   pg_store_check.sh MCPBRIDGE_BIN PG_DIR   (PG_DIR: tests/support/pg_server.sh's directory)
set -euo pipefail
bin=$(realpath "$1")
pgdir=${2:?the test PostgreSQL directory}
psql=${PG_BIN:-/usr/lib/postgresql/15/bin}/psql
[ -f "$pgdir/uri" ] || { echo "no test PostgreSQL in $pgdir (the pg_server fixture starts it)" >&2; exit 1; }
base=$(cat "$pgdir/uri")
db=cli_$$
"$psql" -X -q "$base" -c "CREATE DATABASE $db" >/dev/null
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$psql" -X -q "$base" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

export MCPBRIDGE_STORE=${base%/*}/$db
export MCPBRIDGE_VAULT_KEY=$(head -c 32 /dev/urandom | base64)
password=${base#*://*:}
password=${password%%@*}

"$bin" users add alice --role dev >/dev/null
secret=$("$bin" keys create --user alice --label ci)
[[ $secret == mcpb_* ]] || fail "keys create printed '$secret'"
list=$("$bin" keys list)
grep -q "alice" <<<"$list" || fail "keys list: $list"
grep -q "$secret" <<<"$list" && fail "keys list shows the secret"
id=$(awk '{print $1; exit}' <<<"$list")
shown=$("$bin" config)
grep -q -- "$password" <<<"$shown" && fail "mcpbridge config prints the store password"
grep -q "mcp:\*\*\*@127.0.0.1" <<<"$shown" || fail "mcpbridge config does not show the store: $shown"

# Two replicas on the same store.
ports=()
for i in 1 2; do
  : >"$tmp/serve$i.log"  # exists before the background job opens it (sed reads it at once)
  "$bin" serve --auth api_key --port 0 >"$tmp/serve$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2; do
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's#.*MCP endpoint http://127.0.0.1:\([0-9]*\)/mcp.*#\1#p' "$tmp/serve$i.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$tmp/serve$i.log" >&2; fail "replica $i did not start"; }
  ports+=("$port")
done
grep -q -- "$password" "$tmp"/serve*.log && fail "a replica logged the store password"

status() {  # status PORT: the HTTP status of an initialize with the key
  curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$1/mcp" \
    -H "Authorization: Bearer $secret" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
}
for p in "${ports[@]}"; do
  s=$(status "$p")
  [ "$s" = 200 ] || fail "replica on $p answered $s to a live key"
done

"$bin" keys revoke "$id" >/dev/null
start=$(date +%s%N)
for p in "${ports[@]}"; do
  until [ "$(status "$p")" = 401 ]; do
    (( ($(date +%s%N) - start) / 1000000 < 1000 )) || fail "replica on $p still accepts the revoked key after 1 s"
    sleep 0.05
  done
done
echo "revoked key refused by both replicas after $(( ($(date +%s%N) - start) / 1000000 )) ms"
"$bin" keys revoke "$id" >/dev/null 2>&1 && fail "a key was revoked twice"

# oauth mode (the default) on a shared store needs the shared key-encryption key: no file is
# made beside a URI. (The issuer is nominal: nothing here signs in.)
export MCPBRIDGE_OAUTH_ISSUER=http://127.0.0.1:9
rc=0
timeout 30 "$bin" serve --port 0 >"$tmp/nokey.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$tmp/nokey.log" >&2; fail "serve without MCPBRIDGE_OAUTH_KEY exited $rc"; }
grep -q MCPBRIDGE_OAUTH_KEY "$tmp/nokey.log" || fail "the error does not name MCPBRIDGE_OAUTH_KEY"
: >"$tmp/oauth.log"
MCPBRIDGE_OAUTH_KEY=$(head -c 32 /dev/urandom | base64) "$bin" serve --port 0 >"$tmp/oauth.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 100); do
  port=$(sed -n 's#.*MCP endpoint http://127.0.0.1:\([0-9]*\)/mcp.*#\1#p' "$tmp/oauth.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/oauth.log" >&2; fail "serve in oauth mode did not start"; }
s=$(status "$port")
[ "$s" = 401 ] || fail "oauth mode answered $s to an API key as a token"
echo OK
