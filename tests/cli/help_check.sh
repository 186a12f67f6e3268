#!/usr/bin/env bash
# The CLI's face: every command's --help text and the exit codes of common mistakes, compared
# with tests/cli/help.golden. A refactor of the CLI must leave both unchanged; a deliberate
# change regenerates the file:  tests/cli/help_check.sh BIN --update
set -euo pipefail
bin=$(realpath "$1")
golden=$(cd "$(dirname "$0")" && pwd)/help.golden
cmds=("" serve config version migrate client
      keys "keys create" "keys list" "keys revoke"
      users "users add" "users list" "users passwd"
      vault "vault set" "vault list" "vault remove"
      clients "clients add" "clients list" "clients remove"
      consents "consents list" "consents revoke"
      connections "connections list" "connections login" "connections logout" "connections add"
      "connections remove"
      openapi "openapi inspect")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/actual
{
  for c in "${cmds[@]}"; do
    echo "=== mcpbridge $c --help"
    # shellcheck disable=SC2086
    "$bin" $c --help 2>&1 | sed "s#$bin#mcpbridge#g" || true
    echo "rc=${PIPESTATUS[0]}"
  done
  # Mistakes and their exit codes (2: usage or configuration error).
  for args in "" "bogus" "serve --bogus" "serve -c $tmp/missing.yaml" "keys create" \
              "serve --auth nonsense" "config -c $tmp/missing.yaml"; do
    echo "=== mcpbridge ${args//$tmp/TMP}"
    set +e
    # shellcheck disable=SC2086
    (cd "$tmp" && "$bin" $args </dev/null >/dev/null 2>&1)
    echo "rc=$?"
    set -e
  done
  # 4: the store is unusable (its folder does not exist).
  echo "=== MCPBRIDGE_STORE=TMP/no/such/dir.db mcpbridge keys list"
  set +e
  MCPBRIDGE_STORE=$tmp/no/such/dir.db "$bin" keys list </dev/null >/dev/null 2>&1
  echo "rc=$?"
  set -e
} >"$out"
if [ "${2:-}" = --update ]; then cp "$out" "$golden"; echo "wrote $golden"; exit 0; fi
if ! diff -u "$golden" "$out"; then
  echo "the CLI's --help text or exit codes changed (see the diff above)" >&2
  exit 1
fi
