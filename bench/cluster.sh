#!/usr/bin/env bash
# Cluster mode against embedded mode, in the same run (issue 13: cluster ≤ 1.5× embedded CPU
# per call). Two `mcpbridge serve`, each alone on core 1 while it is measured, wrk on core 0:
#   embedded: SQLite + memory                      (CPU: mcpbridge)
#   cluster:  PostgreSQL + Redis (examples/cluster/lib.sh)  (CPU: mcpbridge + Redis + PostgreSQL)
# Scenarios: an echo tools/call on a 2025-11-25 session, and an OpenAPI tool call (getPet against
# bench-mock-upstream, upstream CPU not counted on either side). Then the memory 10,000 idle
# sessions take in Redis (INFO memory, before/after opening them with the shared harness'
# open_sessions.mjs). Loopback only; bounded (SECS ≤ 30, ROUNDS ≤ 9).
#   BUILD=build SECS=5 ROUNDS=3 CONNS=16 SESSIONS_N=10000 OUT=bench/results/<date> bench/cluster.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}; SECS=${SECS:-5}; ROUNDS=${ROUNDS:-3}; CONNS=${CONNS:-16}; SESSIONS_N=${SESSIONS_N:-10000}
HARNESS=${HARNESS:-$root/../shared/bench}
OUT=${OUT:-$root/bench/results/$(date -u +%F)}
(( SECS >= 1 && SECS <= 30 )) || { echo "SECS must be 1..30" >&2; exit 2; }
(( ROUNDS >= 1 && ROUNDS <= 9 )) || { echo "ROUNDS must be 1..9" >&2; exit 2; }
(( SESSIONS_N >= 0 && SESSIONS_N <= 20000 )) || { echo "SESSIONS_N must be 0..20000" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 2; }
BRIDGE=$BUILD/bin/mcpbridge; UPSTREAM=$BUILD/bin/bench-mock-upstream
for b in "$BRIDGE" "$UPSTREAM"; do [[ -x $b ]] || { echo "missing $b (ninja -C $BUILD mcpbridge bench-mock-upstream)" >&2; exit 2; }; done
[[ -f $HARNESS/lua/mcp_call.lua ]] || { echo "no harness at $HARNESS (set HARNESS=/path/to/shared/bench)" >&2; exit 2; }
mkdir -p "$OUT"; LOG=$OUT/cluster.log
dir=$(mktemp -d /tmp/mcpbridge-clusterbench.XXXXXX); pids=()
source "$root/examples/cluster/lib.sh"
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; stop_postgres; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)
ticks() { local t=0 p; for p in ${1//,/ }; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
kv() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1==k{print $2; exit}'; }
wait_line() {
  for _ in $(seq 100); do grep -oE "$2" "$1" 2>/dev/null | head -1 && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

taskset -c 0 "$UPSTREAM" --port 0 >"$dir/up.log" 2>&1 & pids+=($!)
up_port=$(wait_line "$dir/up.log" '127\.0\.0\.1:[0-9]+' | cut -d: -f2)
start_postgres; start_redis; pids+=("$redis_pid")
export MCPBRIDGE_VAULT_KEY=$(head -c 32 /dev/urandom | base64) MCPBRIDGE_OAUTH_KEY=$(head -c 32 /dev/urandom | base64)
cat >"$dir/config.yaml" <<YAML
sessions: {max: 30000, max_per_principal: 30000}
openapi:
  - name: pets
    spec: $root/bench/openapi_load/petstore.yaml
    base_url: http://127.0.0.1:$up_port/v1
YAML
serve() {  # name [env...] → pid and port in $dir/<name>.{pid,port}
  local name=$1; shift
  env "$@" MCPBRIDGE_AUTH_MODE=none taskset -c 1 "$BRIDGE" serve -c "$dir/config.yaml" --port 0 --threads 1 >"$dir/$name.log" 2>&1 &
  pids+=($!); echo $! >"$dir/$name.pid"
  wait_line "$dir/$name.log" 'MCP endpoint[^0-9]*127\.0\.0\.1:[0-9]+' | grep -oE '[0-9]+$' >"$dir/$name.port"
}
serve cluster
serve embedded MCPBRIDGE_STORE="$dir/embedded.db" MCPBRIDGE_REDIS_URL=
for name in cluster embedded; do taskset -apc 1 "$(cat "$dir/$name.pid")" >/dev/null; done
taskset -apc 1 "$redis_pid" >/dev/null; for p in $(pg_all_pids | tr , ' '); do taskset -apc 1 "$p" >/dev/null; done

H=(-H 'content-type: application/json' -H 'accept: application/json, text/event-stream')
session() {  # url → session id (initialized)
  local sid
  sid=$(curl -s -i -X POST "$1" "${H[@]}" -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
    awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}' | tr -d '\r')
  [[ -n $sid ]] || { echo "initialize against $1 failed" >&2; return 1; }
  curl -s -X POST "$1" "${H[@]}" -H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25' \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
  echo "$sid"
}
ECHO='{"name":"echo","arguments":{"text":"hello"}}'
PET='{"name":"getPet","arguments":{"petId":"7","fields":["name","tag"]}}'
run() {  # label url params
  local label=$1 url=$2 params=$3 name=${1%%_*} sid srv t0 t1 out B n
  sid=$(session "$url"); echo "$sid" >"$dir/sessions"
  srv=$(cat "$dir/$name.pid"); [[ $name == cluster ]] && srv="$srv,$redis_pid,$(pg_all_pids)"
  t0=$(ticks "$srv")
  out=$(MCP_SESSIONS_FILE="$dir/sessions" MCP_PROTOCOL_VERSION=2025-11-25 MCP_PARAMS="$params" \
        taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s -s "$HARNESS/lua/mcp_call.lua" "$url" 2>&1)
  t1=$(ticks "$srv")
  B=$(grep '^BENCH ' <<<"$out" | tail -1); [[ -n $B ]] || { echo "$out" >&2; return 1; }
  n=$(kv requests "$B")
  local errs=$(( $(kv http_err "$B") + $(kv rpc_err "$B") + $(kv tool_err "$B") + $(kv timeouts "$B") ))
  awk -v l="$label" -v n="$n" -v rps="$(kv rps "$B")" -v p50="$(kv p50_ms "$B")" -v c=$((t1 - t0)) -v hz="$hz" -v e="$errs" 'BEGIN{
    s = c / hz; printf "RESULT label=%s requests=%d rps=%.0f p50_ms=%.3f server_cpu_s=%.2f us_per_call=%.1f req_per_server_cpu_s=%.0f errors=%d\n",
      l, n, rps, p50, s, (n > 0 ? s / n * 1e6 : 0), (s > 0 ? n / s : 0), e }' | tee -a "$LOG"
}
C=http://127.0.0.1:$(cat "$dir/cluster.port")/mcp; E=http://127.0.0.1:$(cat "$dir/embedded.port")/mcp
echo "# $(date -u +%FT%TZ) cluster.sh SECS=$SECS ROUNDS=$ROUNDS CONNS=$CONNS commit=$(git -C "$root" rev-parse --short HEAD) load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
for ((r = 1; r <= ROUNDS; r++)); do
  run embedded_echo "$E" "$ECHO"; run cluster_echo "$C" "$ECHO"
  run embedded_openapi "$E" "$PET"; run cluster_openapi "$C" "$PET"
done

# Memory of idle sessions in Redis.
if (( SESSIONS_N > 0 )); then
  used() { "${redis_cli[@]}" info memory | awk -F: '$1=="used_memory"{print $2+0}'; }
  m0=$(used); keys0=$("${redis_cli[@]}" dbsize)
  node "$HARNESS/tools/open_sessions.mjs" "$C" "$SESSIONS_N" 16 "$dir/ids" >/dev/null
  m1=$(used); keys1=$("${redis_cli[@]}" dbsize)
  awk -v n="$SESSIONS_N" -v a="$m0" -v b="$m1" -v k=$((keys1 - keys0)) 'BEGIN{
    printf "RESULT label=redis_idle_sessions sessions=%d redis_bytes=%d bytes_per_session=%.0f keys=%d\n", n, b - a, (b - a) / n, k }' | tee -a "$LOG"
fi
python3 - "$LOG" <<'PY' | tee "$OUT/cluster-summary.md"
import statistics, sys
block = open(sys.argv[1]).read().split("\n# ")[-1]
runs = {}
for line in block.splitlines():
    if line.startswith("RESULT "):
        kv = dict(x.split("=", 1) for x in line.split()[1:])
        runs.setdefault(kv["label"], []).append(kv)
med = lambda l, k: statistics.median(float(x[k]) for x in runs[l])
print("| call | embedded µs CPU/call | cluster µs CPU/call (mcpbridge+Redis+PostgreSQL) | cluster / embedded |")
print("|---|---|---|---|")
for s in ("echo", "openapi"):
    if f"embedded_{s}" in runs and f"cluster_{s}" in runs:
        e, c = med(f"embedded_{s}", "us_per_call"), med(f"cluster_{s}", "us_per_call")
        print(f"| {s} | {e:.1f} | {c:.1f} | {c / e:.2f}× |")
if "redis_idle_sessions" in runs:
    r = runs["redis_idle_sessions"][-1]
    print(f"\n{r['sessions']} idle sessions: {int(r['redis_bytes']) / 2**20:.1f} MiB in Redis ({r['bytes_per_session']} B each, {r['keys']} keys)")
PY
