#!/usr/bin/env bash
# The CLI never traps a user: -c/--config wherever it is given, --version, a misspelt command or
# option named with the nearest valid one, and read-only commands run from the wrong folder
# saying which store they looked for instead of creating an empty ./mcpbridge.db.
set -euo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset MCPBRIDGE_CONFIG MCPBRIDGE_STORE
# mcpbridge ARGS... in $tmp/elsewhere: "rc=N" then standard output and error.
run() { (cd "$tmp/elsewhere" && set +e && out=$("$bin" "$@" 2>&1 </dev/null); echo "rc=$?"; echo "$out"); }
mkdir "$tmp/elsewhere" "$tmp/state"
printf 'store:\n  path: %s/state/s.db\n' "$tmp" >"$tmp/c.yaml"
"$bin" users add alice --role admin -c "$tmp/c.yaml" >/dev/null 2>&1 ||
  fail "users add with -c after the command"

# --version, at the top.
out=$(run --version)
grep -qx 'rc=0' <<<"$out" && grep -q '^mcpbridge [0-9]' <<<"$out" || fail "--version: $out"

# -c before the command, between command and action, after the action: the same store.
for args in "-c $tmp/c.yaml users list" "users -c $tmp/c.yaml list" "users list -c $tmp/c.yaml" \
            "users list --config=$tmp/c.yaml" "--config $tmp/c.yaml users list"; do
  # shellcheck disable=SC2086
  out=$(run $args)
  grep -qx 'rc=0' <<<"$out" && grep -q '^alice' <<<"$out" || fail "mcpbridge $args: $out"
done

# Read-only commands in a folder with no store: non-zero, naming the store; nothing created.
for args in "users list" "keys list" "clients list" "connections list" "vault list" "consents list x" \
            "keys revoke k_x" "users passwd alice"; do
  # shellcheck disable=SC2086
  out=$(run $args)
  grep -qx 'rc=4' <<<"$out" || fail "mcpbridge $args in an empty folder: $out"
  grep -qF "no store at $tmp/elsewhere/mcpbridge.db" <<<"$out" || fail "mcpbridge $args names no store: $out"
  [ ! -e "$tmp/elsewhere/mcpbridge.db" ] || fail "mcpbridge $args created ./mcpbridge.db"
done

# Misspelt commands and options: named, with the nearest valid one.
out=$(run sevre)
grep -qx 'rc=2' <<<"$out" && grep -qF "unknown command 'mcpbridge sevre'; did you mean 'mcpbridge serve'?" <<<"$out" ||
  fail "sevre: $out"
out=$(run users lst)
grep -qx 'rc=2' <<<"$out" && grep -qF "did you mean 'mcpbridge users list'?" <<<"$out" || fail "users lst: $out"
out=$(run serve --prot 9)
grep -qx 'rc=2' <<<"$out" && grep -qF "unknown option --prot for 'mcpbridge serve'; did you mean --port?" <<<"$out" ||
  fail "serve --prot: $out"
out=$(run keys create --usr bob)
grep -qx 'rc=2' <<<"$out" && grep -qF "did you mean --user?" <<<"$out" || fail "keys create --usr: $out"
out=$(run frobnicate)
grep -qx 'rc=2' <<<"$out" && grep -qF "unknown command 'mcpbridge frobnicate'" <<<"$out" &&
  ! grep -q "did you mean" <<<"$out" || fail "frobnicate: $out"
[ ! -e "$tmp/elsewhere/mcpbridge.db" ] || fail "a usage error created ./mcpbridge.db"
echo "ok: -c anywhere, --version, suggestions, read-only commands never create a store"
