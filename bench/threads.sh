#!/usr/bin/env bash
# threads.sh [SECS=8] [ROUNDS=3] [US=200] [CONNS=32] — does the server use the threads it is given?
#
# On a 2-core box wrk needs most of a core to drive `echo` at full speed, so `--threads 2` vs
# `--threads 1` on echo measures wrk, not us. Here each tools/call burns US microseconds of
# server CPU (bench-echo-server's `spin` tool), so one server thread saturates long before wrk
# does, and a second thread has a whole core to use. Both servers run unpinned on every core,
# wrk on core 0; rounds alternate. Prints req/s for each and the ratio.
#   BUILD=build HARNESS=../shared/bench bench/threads.sh
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="$(cd "${HARNESS:-$REPO/../shared/bench}" && pwd)"
BIN="${BUILD:-$REPO/build}/bin/bench-echo-server"
SECS="${1:-8}"; ROUNDS="${2:-3}"; US="${3:-200}"; CONNS="${4:-32}"
[[ -x "$BIN" ]] || { echo "threads.sh: $BIN missing (ninja -C build bench-echo-server)" >&2; exit 2; }
P1=18961; P2=18962
"$BIN" --port $P1 --threads 1 >/dev/null 2>&1 & S1=$!
"$BIN" --port $P2 --threads 2 >/dev/null 2>&1 & S2=$!
trap 'kill $S1 $S2 2>/dev/null || true' EXIT
sleep 1
export SCENARIO=call MCP_PARAMS="{\"name\":\"spin\",\"arguments\":{\"us\":$US}}" LOADGEN_CPU=0 WARMUP=1
rate() {  # label port pid → req/s
  LABEL="$1" "$HARNESS/run.sh" "http://127.0.0.1:$2/mcp" "$SECS" "$CONNS" "$3" 2>&1 >/dev/null |
    grep '^RESULT' | tee -a "${RESULTS:-/dev/null}" | sed -n "s/.* rps=\([0-9.]*\).*/\1/p"
}
for r in $(seq "$ROUNDS"); do
  a=$(rate threads1 $P1 $S1); b=$(rate threads2 $P2 $S2)
  echo "round $r: spin ${US}us c=$CONNS  --threads 1: $a req/s   --threads 2: $b req/s   ratio $(python3 -c "print(f'{$b/$a:.2f}x')")"
done
