#!/usr/bin/env bash
# No container engine runs here, so this checks what can be checked of
# packaging/container/Containerfile without one:
#   - every shared library the built binary links directly (its NEEDED entries, found where ldd
#     resolves them) comes from a Debian package (dpkg -S) that the runtime stage installs by
#     name (apt brings those packages' own dependencies);
#   - the build stage uses scripts/install-deps.sh (the same packages as every build);
#   - two stages, a non-root USER, EXPOSE 8080, --host 0.0.0.0, a HEALTHCHECK on /healthz
#     whose command, run here against the real binary, succeeds.
#   container_libs_test.sh MCPBRIDGE_BINARY CONTAINERFILE
set -euo pipefail
bin=$(realpath "$1") containerfile=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

# The runtime stage: everything after the last FROM.
runtime=$(awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$containerfile")
runtime_words=$(tr -s ' \\\t' '\n' <<<"$runtime")
build_stage=$(awk '/^FROM /{n++} n==1' "$containerfile")
[ "$(grep -c '^FROM ' "$containerfile")" -ge 2 ] || fail "not a multi-stage build"

# dpkg -S knows a library under the path its package ships it at (/usr/lib or /lib).
owner() {
  local p=$1 alt
  for alt in "$p" "$(realpath "$p")" "/usr$p" "${p#/usr}"; do
    if out=$(dpkg -S "$alt" 2>/dev/null); then
      echo "${out%%:*}"
      return 0
    fi
  done
  return 1
}

needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
mapfile -t libs < <(ldd "$bin" | awk -v needed="$needed" 'BEGIN{n=split(needed, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1}
  $2 == "=>" && $3 ~ /^\// && ($1 in want) {print $3}')
[ "${#libs[@]}" -gt 3 ] || fail "ldd found only ${#libs[@]} libraries in $bin"
missing=()
for lib in "${libs[@]}"; do
  pkg=$(owner "$lib") || fail "no Debian package owns $lib"
  pkg=${pkg%%:*}
  grep -qxF "$pkg" <<<"$runtime_words" || missing+=("$pkg ($lib)")
done
[ "${#missing[@]}" -eq 0 ] || fail "the runtime stage does not install: ${missing[*]}"
echo "ok: ${#libs[@]} libraries, each from a package the runtime stage installs"

grep -q 'scripts/install-deps.sh' <<<"$build_stage" || fail "the build stage does not run scripts/install-deps.sh"
user=$(grep -E '^USER ' <<<"$runtime" | tail -1 | awk '{print $2}')
[ -n "$user" ] || fail "no USER in the runtime stage"
case "${user%%:*}" in 0|root) fail "the runtime stage runs as root ($user)" ;; esac
grep -Eq '^EXPOSE 8080$' <<<"$runtime" || fail "no EXPOSE 8080"
grep -Eq '"--host", "0\.0\.0\.0"' <<<"$runtime" || fail "the command does not pass --host 0.0.0.0"
# The HEALTHCHECK's exec form (its CMD [...] on the next line), as the engine would run it.
health_json=$(grep -A1 '^HEALTHCHECK' <<<"$runtime" | grep -o 'CMD \[.*\]' | sed 's/^CMD //')
grep -q '/healthz' <<<"$health_json" || fail "no HEALTHCHECK on /healthz"
mapfile -t health < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$health_json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
probe=("${health[@]}")
probe[2]=${probe[2]//127.0.0.1\/8080/127.0.0.1\/$port}
[ "${probe[2]}" != "${health[2]}" ] || fail "the HEALTHCHECK does not probe 127.0.0.1:8080"
if "${probe[@]}" 2>/dev/null; then fail "the HEALTHCHECK passes with nothing listening"; fi
(cd "$tmp" && exec "$bin" serve --auth none --port "$port" >"$tmp/log" 2>&1) &
pid=$!
ok=0
for _ in $(seq 1 100); do  # up to 10 s
  if "${probe[@]}" 2>/dev/null; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; fail "mcpbridge exited"; }
  sleep 0.1
done
[ "$ok" = 1 ] || { cat "$tmp/log"; fail "the HEALTHCHECK command never succeeded"; }
echo "ok: multi-stage, USER $user, EXPOSE 8080, --host 0.0.0.0, HEALTHCHECK passes against /healthz"
