#!/usr/bin/env bash
# The whole-request cost of an OpenAPI tool call through `mcpbridge serve`, against calling the
# REST upstream directly (issue: the gateway adds at most 100 µs of server CPU per call).
#   (A) wrk → bench-mock-upstream          GET /v1/pets/7?fields=name,tag
#   (B) wrk → mcpbridge serve → upstream    tools/call getPet {petId: "7", fields: [name, tag]},
#       session-based (2025-11-25) and stateless (2026-07-28)
# Server CPU is read from /proc/<pid>/stat (utime+stime) before and after each run, for
# mcpbridge and the upstream separately; gateway µs per call = mcpbridge CPU / requests.
# Then GitHub's spec load time and peak RSS (`mcpbridge openapi inspect`, 3 runs).
# Loopback only, bounded (SECS <= 30, ROUNDS <= 9, every wait has a limit).
#   BUILD=build SECS=5 ROUNDS=3 CONNS=16 OUT=bench/results/<date> bench/openapi_load.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}; SECS=${SECS:-5}; ROUNDS=${ROUNDS:-3}; CONNS=${CONNS:-16}
HARNESS=${HARNESS:-$root/../shared/bench}
OUT=${OUT:-$root/bench/results/$(date -u +%F)}
(( SECS >= 1 && SECS <= 30 )) || { echo "SECS must be 1..30" >&2; exit 2; }
(( ROUNDS >= 1 && ROUNDS <= 9 )) || { echo "ROUNDS must be 1..9" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 2; }
BRIDGE=$BUILD/bin/mcpbridge; UPSTREAM=$BUILD/bin/bench-mock-upstream
for b in "$BRIDGE" "$UPSTREAM"; do [[ -x $b ]] || { echo "missing $b (ninja -C $BUILD mcpbridge bench-mock-upstream)" >&2; exit 2; }; done
[[ -f $HARNESS/lua/mcp_call.lua ]] || { echo "no harness at $HARNESS (set HARNESS=/path/to/shared/bench)" >&2; exit 2; }
mkdir -p "$OUT"
LOG=$OUT/openapi-load.log
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
box() { awk '$1=="cpu"{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
kv() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1==k{print $2; exit}'; }
wait_line() {  # file regex → first match (10 s at most)
  for _ in $(seq 100); do grep -oE "$2" "$1" 2>/dev/null | head -1 && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

# The upstream shares core 0 with wrk; mcpbridge has core 1.
taskset -c 0 "$UPSTREAM" --port 0 >"$tmp/up.log" 2>&1 & up=$!; pids+=("$up")
up_port=$(wait_line "$tmp/up.log" '127\.0\.0\.1:[0-9]+' | cut -d: -f2)
cat >"$tmp/config.yaml" <<EOF
tools: {builtin: false}
store: {path: $tmp/mcpbridge.db}
openapi:
  - name: pets
    spec: $root/bench/openapi_load/petstore.yaml
    base_url: http://127.0.0.1:$up_port/v1
EOF
MCPBRIDGE_AUTH_MODE=none taskset -c 1 "$BRIDGE" serve -c "$tmp/config.yaml" --port 0 >"$tmp/mcp.log" 2>&1 & mcp=$!; pids+=("$mcp")
mcp_port=$(wait_line "$tmp/mcp.log" 'MCP endpoint[^0-9]*127\.0\.0\.1:[0-9]+' | grep -oE '[0-9]+$')
REST=http://127.0.0.1:$up_port/v1/pets/7; MCP=http://127.0.0.1:$mcp_port/mcp

# Sanity: both paths answer the pet.
curl -sf "$REST?fields=name,tag" | grep -q doggie
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
sid=$(curl -s -i -X POST "$MCP" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d "$init" |
  awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}' | tr -d '\r')
[[ -n $sid ]] || { echo "initialize failed" >&2; cat "$tmp/mcp.log" >&2; exit 1; }
echo "$sid" >"$tmp/sessions"
curl -s -X POST "$MCP" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
  -H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25' \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
ARGS='{"name":"getPet","arguments":{"petId":"7","fields":["name","tag"]}'
first=$(curl -s -X POST "$MCP" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
  -H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":$ARGS}}")
grep -q doggie <<<"$first" || { echo "tools/call getPet failed: $first" >&2; exit 1; }

run() {  # label lua [env...]; prints and logs one RESULT line
  local label=$1 lua=$2 url=$3; shift 3
  local m0 u0 b0 t0 m1 u1 b1 t1 out wrk_cpu
  m0=$(ticks "$mcp"); u0=$(ticks "$up"); b0=$(box); t0=$(date +%s.%N)
  out=$( { TIMEFORMAT='%U %S'; time env "$@" taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s -s "$lua" "$url" 2>&1; } 2>"$tmp/time")
  m1=$(ticks "$mcp"); u1=$(ticks "$up"); b1=$(box); t1=$(date +%s.%N)
  wrk_cpu=$(awk '{print $1+$2}' "$tmp/time")
  local B; B=$(grep '^BENCH ' <<<"$out" | tail -1)
  [[ -n $B ]] || { echo "$out" >&2; return 1; }
  local n; n=$(kv requests "$B")
  local errs=$(( $(kv http_err "$B") + $(kv rpc_err "$B") + $(kv tool_err "$B") + $(kv timeouts "$B") ))
  awk -v l="$label" -v n="$n" -v rps="$(kv rps "$B")" -v p50="$(kv p50_ms "$B")" -v p99="$(kv p99_ms "$B")" \
      -v m=$((m1 - m0)) -v u=$((u1 - u0)) -v b=$((b1 - b0)) -v w="$wrk_cpu" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v e="$errs" 'BEGIN{
    ms = m / hz; us = u / hz; el = t1 - t0; other = b / hz / el - w / el - (ms + us) / el; if (other < 0) other = 0
    srv = (l ~ /^A/) ? us : ms
    printf "RESULT label=%s requests=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f mcpbridge_cpu_s=%.2f upstream_cpu_s=%.2f " \
           "req_per_server_cpu_s=%.0f gateway_us_per_call=%.1f upstream_us_per_call=%.1f wrk_cores=%.2f other_cores=%.2f errors=%d%s\n",
      l, n, rps, p50, p99, ms, us, (srv > 0 ? n / srv : 0), (n > 0 ? ms / n * 1e6 : 0), (n > 0 ? us / n * 1e6 : 0),
      w / el, other, e, (other > 0.15 ? " NOISY" : "") }' | if [[ -n ${NOLOG:-} ]]; then cat >/dev/null; else tee -a "$LOG"; fi
}
REST_LUA=$root/bench/lua/rest_get.lua; MCP_LUA=$HARNESS/lua/mcp_call.lua
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
A() { run "A_direct_rest" "$REST_LUA" "$REST" REST_PATH="/v1/pets/7?fields=name,tag"; }
B() { run "B_mcp_session" "$MCP_LUA" "$MCP" MCP_SESSIONS_FILE="$tmp/sessions" MCP_PROTOCOL_VERSION=2025-11-25 MCP_PARAMS="$ARGS}"; }
S() { run "B_mcp_stateless" "$MCP_LUA" "$MCP" MCP_PROTOCOL_VERSION=2026-07-28 MCP_PARAMS="$ARGS,$META}" \
      MCP_EXTRA_HEADER=$'Mcp-Method: tools/call\r\nMcp-Name: getPet'; }

echo "# $(date -u +%FT%TZ) openapi_load.sh SECS=$SECS ROUNDS=$ROUNDS CONNS=$CONNS commit=$(git -C "$root" rev-parse --short HEAD) load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
SECS_SAVED=$SECS; SECS=2; NOLOG=1; A; B; S; SECS=$SECS_SAVED; NOLOG=   # warm-up, not logged
for ((r = 1; r <= ROUNDS; r++)); do A; B; S; done

# GitHub's spec: load time and peak RSS of a whole `mcpbridge openapi inspect` (issue: < 1.5 s, < 300 MB).
GH=$root/tools/openapi-corpora/octokit/node_modules/@octokit/openapi/generated/api.github.com.json
if [[ -f $GH ]]; then
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' "$BRIDGE" openapi inspect --json "$GH" 2>"$tmp/t" >/dev/null || true
    read -r secs kb < <(tail -1 "$tmp/t")
    echo "RESULT label=github_spec_load seconds=$secs peak_rss_mb=$((kb / 1024))" | tee -a "$LOG"
  done
fi
python3 - "$LOG" <<'PY' | tee "$OUT/openapi-load-summary.md"
import re, statistics, sys
runs = {}
block = open(sys.argv[1]).read().split("\n# ")[-1]   # the last run of this script
for line in block.splitlines():
    if not line.startswith("RESULT "): continue
    kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
    runs.setdefault(kv["label"], []).append(kv)
med = lambda xs, k: statistics.median(float(x[k]) for x in xs)
print("| scenario | runs | req/s | p50 ms | p99 ms | req per server CPU-s | gateway µs/call | upstream µs/call | other cores |")
print("|---|---|---|---|---|---|---|---|---|")
for label in ("A_direct_rest", "B_mcp_session", "B_mcp_stateless"):
    xs = runs.get(label, [])
    if not xs: continue
    print(f"| {label} | {len(xs)} | {med(xs,'rps'):.0f} | {med(xs,'p50_ms'):.3f} | {med(xs,'p99_ms'):.3f} | "
          f"{med(xs,'req_per_server_cpu_s'):.0f} | {med(xs,'gateway_us_per_call'):.1f} | {med(xs,'upstream_us_per_call'):.1f} | "
          f"{min(float(x['other_cores']) for x in xs):.2f}–{max(float(x['other_cores']) for x in xs):.2f} |")
gh = runs.get("github_spec_load", [])
if gh:
    print(f"\nGitHub spec (`mcpbridge openapi inspect --json`, {len(gh)} runs): median {med(gh,'seconds'):.2f} s, "
          f"peak RSS median {med(gh,'peak_rss_mb'):.0f} MB")
PY
