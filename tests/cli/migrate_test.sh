#!/usr/bin/env bash
# `mcpbridge migrate` (what the Debian package's postinst runs on upgrade): creates and
# migrates the store named by the configuration, says its schema version, is idempotent, and
# exits 4 with the reason on a store whose schema is newer than the binary's.
set -euo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf 'store:\n  path: %s/state/s.db\n' "$tmp" >"$tmp/c.yaml"
mkdir "$tmp/state"

out=$(env -u MCPBRIDGE_STORE "$bin" migrate --config "$tmp/c.yaml")
[[ $out =~ ^store\ $tmp/state/s.db:\ schema\ version\ ([0-9]+)$ ]] || fail "first run printed: $out"
version=${BASH_REMATCH[1]}
[ "$version" -gt 0 ] || fail "schema version $version"
stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$tmp/state/s.db")
[ "$stored" = "$version" ] || fail "the file says version $stored, migrate said $version"
[ "$(stat -c %a "$tmp/state/s.db")" = 600 ] || fail "the store is mode $(stat -c %a "$tmp/state/s.db")"
again=$(env -u MCPBRIDGE_STORE "$bin" migrate --config "$tmp/c.yaml")
[ "$again" = "$out" ] || fail "second run printed: $again"

# A store from a newer mcpbridge: refused, exit code 4 (store unusable), the reason on stderr.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 999"); c.commit()' \
  "$tmp/state/s.db"
rc=0
err=$(env -u MCPBRIDGE_STORE "$bin" migrate --config "$tmp/c.yaml" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 4 ] || fail "newer schema: exit code $rc"
grep -q 'newer than this mcpbridge' <<<"$err" || fail "newer schema: $err"
echo "ok: migrate to schema version $version, idempotent, refuses a newer schema (exit 4)"
