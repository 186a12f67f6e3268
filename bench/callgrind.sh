#!/usr/bin/env bash
# bench/callgrind.sh [SECONDS=5] [CONNS=16] [-- echo-server args]
# bench/callgrind.sh micro BENCH_BINARY [FILTER]   (e.g. micro streamable_http_bench PostToolsCall$)
# Instruction counts per request of echo-server under a wrk load: noise-free (valgrind counts
# instructions, not time), so it works on a busy box where timings don't. Starts echo-server
# under `valgrind --tool=callgrind` with collection off, opens a session and warms up, zeroes
# and enables collection for a fixed-length wrk run, dumps, and prints Ir/request plus the top
# functions (self and inclusive). User space only: syscalls and the kernel's TCP work are not
# counted. Output: $OUT (default /tmp/mcp-bench-callgrind)/callgrind.out.*
#   SCENARIO=call|storm-full|add|list|ping (run.sh scenarios)  PORT=18985  OUT=dir  TOP=40
#   SERVER_BIN=path (default build-bench/bin/echo-server; e.g. a saved "before" binary)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
HARNESS="${HARNESS:-$REPO/../shared/bench}"
BUILD="${BUILD:-$REPO/build-bench}"
SECS="${1:-5}"; CONNS="${2:-16}"; shift $(( $# >= 2 ? 2 : $# )); [[ "${1:-}" == -- ]] && shift
PORT="${PORT:-18985}"; OUT="${OUT:-/tmp/mcp-bench-callgrind}"; TOP="${TOP:-40}"
SCENARIO="${SCENARIO:-call}"
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)" >&2; exit 1; }
mkdir -p "$OUT"

# Micro mode: instructions per iteration of each Google Benchmark matching FILTER, as the
# difference between runs of N1 and N2 iterations (MCP_BENCH_ITERATIONS), so set-up cancels out.
if [[ "$SECS" == micro ]]; then
  BIN="$CONNS"; FILTER="${1:-.}"; N1="${N1:-200}"; N2="${N2:-1200}"
  [[ -x "$BIN" ]] || BIN="$BUILD/bin/$BIN"
  ir_of() {  # ir_of BM ITERATIONS
    local f="$OUT/micro.$1.$2.out"
    MCP_BENCH_ITERATIONS=$2 valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="*${1}*" \
      "$BIN" --benchmark_filter="^${1}(/|\$)" >/dev/null 2>&1
    callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'
  }
  for bm in $("$BIN" --benchmark_list_tests=true --benchmark_filter="$FILTER"); do
    a=$(ir_of "$bm" "$N1"); b=$(ir_of "$bm" "$N2")
    printf '%-45s Ir/iteration=%s\n' "$bm" "$(( (b - a) / (N2 - N1) ))"
  done
  exit 0
fi
rm -f "$OUT"/callgrind.out.*
export SCRATCH="${SCRATCH:-/tmp/mcp-bench-callgrind-scratch}"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out.%p" \
  "${SERVER_BIN:-$BUILD/bin/echo-server}" --port "$PORT" "$@" >"$OUT/server.log" 2>&1 &
VG=$!   # valgrind execs nothing: this is the process callgrind_control talks to
trap 'kill -INT $VG 2>/dev/null || true; wait $VG 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/mcp"
# Warm-up (allocator pools, Asio's recycled frames), then measure from zero.
SCENARIO=$SCENARIO WARMUP=0 "$HARNESS/run.sh" "$URL" 2 "$CONNS" >/dev/null 2>&1
callgrind_control -i on "$VG" >/dev/null   # instrumentation (and counting) from here on
callgrind_control -z "$VG" >/dev/null
RES=$(mktemp); SCENARIO=$SCENARIO WARMUP=0 RESULTS="$RES" "$HARNESS/run.sh" "$URL" "$SECS" "$CONNS" 2>/dev/null
callgrind_control -d "$VG" >/dev/null
REQS=$(tr ' ' '\n' <"$RES" | awk -F= '$1=="requests"{print $2}'); rm -f "$RES"
# run.sh's own initialize + notifications/initialized + DELETE are in the window too (3 requests).
sleep 1
FILE=$(ls -S "$OUT"/callgrind.out.* | head -1)   # the dump (.1), not the empty start-up part
callgrind_annotate "$FILE" >"$OUT/self.txt" 2>/dev/null
callgrind_annotate --inclusive=yes "$FILE" >"$OUT/inclusive.txt" 2>/dev/null
TOTAL=$(awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}' "$OUT/self.txt")
echo "scenario=$SCENARIO conns=$CONNS requests=$REQS Ir=$TOTAL Ir_per_request=$(( TOTAL / (REQS + 3) ))  ($FILE)"
echo "--- self (top $TOP) ---"
grep -E '^ *[0-9,]+ \(' "$OUT/self.txt" | sed -n "2,$((TOP + 1))p" | cut -c1-200
echo "--- inclusive (top $TOP) ---"
grep -E '^ *[0-9,]+ \(' "$OUT/inclusive.txt" | sed -n "2,$((TOP + 1))p" | cut -c1-200
