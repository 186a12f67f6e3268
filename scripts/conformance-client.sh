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
. "$root/scripts/conformance-suite.sh"  # $cli, $node22
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
