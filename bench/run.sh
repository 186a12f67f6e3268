#!/usr/bin/env bash
# bench/run.sh — the whole performance check in one command (~7 min with the defaults):
#   1. builds echo-server and bench-echo-server (Release, in build-bench/),
#   2. installs the TypeScript SDK peer if needed (tools/bench-peers, git-ignored),
#   3. tools/call echo: echo-server vs the TS SDK peer (stateful, express, JSON), both pinned to
#      core $SERVER_CPU, wrk on core $LOADGEN_CPU, alternating rounds at each connection count,
#   4. initialize storms: storm-full (initialize -> initialized -> DELETE) on both, then storm
#      (initialize only, sessions kept) on a fresh bench-echo-server (cap raised) and a fresh peer,
#   5. memory per idle session (mem_sessions.sh) on a fresh echo-server and a fresh peer,
#   6. echo-server --threads 1 vs --threads 2 (both cores; wrk shares core $LOADGEN_CPU),
#   7. a summary (bench/summary.py): req per server CPU-second, ratio to the peer, p50/p99,
#      KiB/session, sessions/s, the issue's targets met / not met, and the box's noise.
# The load harness is the shared one (../shared/bench: run.sh, mem_sessions.sh, lib/common.sh);
# it is invoked, never copied. All load goes to 127.0.0.1; every step is bounded in time.
#
# Knobs (environment):
#   SECS=8 ROUNDS=3 CONNS_LIST="16 64"   call rounds (alternating ours, peer)
#   STORM_SECS=5 THREAD_SECS=8 THREAD_CONNS=64 MEM_STEPS="1000 10000" PEER_MEM_STEPS="1000 3000"
#   SERVER_CPU=1 LOADGEN_CPU=0 PORT_BASE=18910 PEER=ts-stateful|ts-stateless
#   SKIP_BUILD=1 SKIP_PEER=1 SKIP_CALL=1 SKIP_STORM=1 SKIP_MEM=1 SKIP_THREADS=1
#   HARNESS=../shared/bench  BUILD=build-bench  PEER_DIR=tools/bench-peers  OUT=<results dir>
#   BUDGET_S=720  steps that would start after this many seconds are skipped (and reported)
#   QUIET_WAIT=15 QUIET_WAIT_TOTAL=150 QUIET_MAX=0.3   before each round, wait (at most QUIET_WAIT s,
#                 QUIET_WAIT_TOTAL s in all) for the rest of the box to use < QUIET_MAX cores: on a
#                 shared machine this buys cleaner rounds; the noise of every round is still reported
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
HARNESS="$(cd "${HARNESS:-$REPO/../shared/bench}" && pwd)"
BUILD="${BUILD:-$REPO/build-bench}"
PEER_DIR="${PEER_DIR:-$REPO/tools/bench-peers}"
SECS="${SECS:-8}"; ROUNDS="${ROUNDS:-3}"; CONNS_LIST="${CONNS_LIST:-16 64}"
STORM_SECS="${STORM_SECS:-5}"; THREAD_SECS="${THREAD_SECS:-8}"; THREAD_CONNS="${THREAD_CONNS:-64}"
MEM_STEPS="${MEM_STEPS:-1000 10000}"; PEER_MEM_STEPS="${PEER_MEM_STEPS:-1000 3000}"
SERVER_CPU="${SERVER_CPU:-1}"; LOADGEN_CPU="${LOADGEN_CPU:-0}"; PORT_BASE="${PORT_BASE:-18910}"
PEER="${PEER:-ts-stateful}"; BUDGET_S="${BUDGET_S:-720}"
OUT="${OUT:-$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
export SCRATCH="$OUT/scratch" LOADGEN_CPU
mkdir -p "$SCRATCH"
RES="$OUT/results.log"; MEM="$OUT/mem.log"; LOG="$OUT/run.log"; : >"$RES"; : >"$MEM"
T_START=$(date +%s)

say() { echo "== $*" | tee -a "$LOG"; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }
elapsed() { echo $(( $(date +%s) - T_START )); }
QUIET_WAIT="${QUIET_WAIT:-15}"; QUIET_WAIT_TOTAL="${QUIET_WAIT_TOTAL:-150}"; QUIET_MAX="${QUIET_MAX:-0.3}"
QUIET_SPENT=0
box_cores_1s() {  # busy cores of the whole box over one second (our servers are idle then)
  local a b
  a=$(awk '$1=="cpu"{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat); sleep 1
  b=$(awk '$1=="cpu"{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat)
  awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/hz}'
}
wait_quiet() {
  local waited=0 busy
  while :; do
    busy=$(box_cores_1s)
    awk -v b="$busy" -v m="$QUIET_MAX" 'BEGIN{exit !(b < m)}' && break
    if (( waited >= QUIET_WAIT || QUIET_SPENT >= QUIET_WAIT_TOTAL )); then
      echo "   (box still busy: $busy cores; going ahead)" | tee -a "$LOG"; return 0
    fi
    waited=$((waited + 1)); QUIET_SPENT=$((QUIET_SPENT + 1))
  done
  (( waited > 0 )) && echo "   (waited ${waited}s for a quiet box)" | tee -a "$LOG"
  return 0
}
in_budget() {  # in_budget STEP: false (and noted) once the time budget is spent
  if (( $(elapsed) > BUDGET_S )); then say "SKIPPED $1 (budget of ${BUDGET_S}s spent)"; echo "SKIPPED step=$1" >>"$RES"; return 1; fi
}

# --- processes we start (and only those are stopped) ---
STARTED=()
stop_pid() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { local p; for p in "${STARTED[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start NAME PORT CPUS CMD... : starts CMD pinned to CPUS, waits for PORT, sets SPID.
start() {
  local name="$1" port="$2" cpus="$3"; shift 3
  port_busy "$port" && die "port $port is in use (set PORT_BASE)"
  taskset -c "$cpus" "$@" >"$OUT/server-$name.log" 2>&1 </dev/null &
  SPID=$!
  STARTED+=("$SPID")
  for _ in $(seq 1 150); do
    port_busy "$port" && return 0
    kill -0 "$SPID" 2>/dev/null || { cat "$OUT/server-$name.log" >&2; die "$name died at start"; }
    sleep 0.1
  done
  die "$name did not listen on $port"
}

# --- 1. build ---
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  say "build (Release) in $BUILD"
  cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$LOG" 2>&1 || die "cmake failed (see $LOG)"
  ninja -C "$BUILD" -j2 echo-server bench-echo-server >>"$LOG" 2>&1 || die "build failed (see $LOG)"
fi
ECHO="$BUILD/bin/echo-server"; BECHO="$BUILD/bin/bench-echo-server"
[[ -x "$ECHO" && -x "$BECHO" ]] || die "missing $ECHO or $BECHO"
command -v wrk >/dev/null || die "wrk not installed (apt-get install wrk)"

# --- 2. the TS SDK peer: the harness's peers/ are read-only, so install its package.json deps
#        into a git-ignored folder and run ts-sdk-server.mjs from there (through a symlink) ---
HAVE_PEER=0
if [[ "${SKIP_PEER:-0}" != 1 ]]; then
  if [[ -d "$HARNESS/peers/node_modules/@modelcontextprotocol/sdk" ]]; then
    PEER_DIR="$HARNESS/peers"
  elif [[ ! -d "$PEER_DIR/node_modules/@modelcontextprotocol/sdk" ]]; then
    say "installing the TS SDK peer into $PEER_DIR (npm ci)"
    mkdir -p "$PEER_DIR"
    cp "$HARNESS/peers/package.json" "$HARNESS/peers/package-lock.json" "$PEER_DIR/"
    chmod u+w "$PEER_DIR"/package*.json
    (cd "$PEER_DIR" && npm ci --no-audit --no-fund) >>"$LOG" 2>&1 || die "npm ci failed (see $LOG)"
  fi
  [[ -e "$PEER_DIR/ts-sdk-server.mjs" ]] || ln -sf "$HARNESS/peers/ts-sdk-server.mjs" "$PEER_DIR/ts-sdk-server.mjs"
  HAVE_PEER=1
fi
case "$PEER" in
  ts-stateful) PEER_ARGS=(--mode stateful) ;;
  ts-stateless) PEER_ARGS=(--mode stateless) ;;
  *) die "PEER must be ts-stateful or ts-stateless" ;;
esac
# --preserve-symlinks-main: resolve the SDK from $PEER_DIR/node_modules, not the harness's folder.
PEER_CMD=(node --expose-gc --preserve-symlinks-main "$PEER_DIR/ts-sdk-server.mjs" --host 127.0.0.1 "${PEER_ARGS[@]}")

{
  echo "date=$(date -Is) host=$(hostname) nproc=$(nproc) kernel=$(uname -r)"
  echo "git=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD -- src include 2>/dev/null || echo +dirty) build=$BUILD"
  echo "cpu=$(awk -F: '/model name/{print $2; exit}' /proc/cpuinfo | xargs) loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "node=$(node --version 2>/dev/null) wrk=$(wrk --version 2>&1 | head -1 | awk '{print $2}')"
  echo "secs=$SECS rounds=$ROUNDS conns=\"$CONNS_LIST\" storm_secs=$STORM_SECS server_cpu=$SERVER_CPU loadgen_cpu=$LOADGEN_CPU peer=$PEER"
} >"$OUT/env.txt"
cat "$OUT/env.txt" | tee -a "$LOG"

P_CPP=$PORT_BASE; P_TS=$((PORT_BASE + 1)); P_MEM=$((PORT_BASE + 2)); P_TSMEM=$((PORT_BASE + 3))
P_STORM=$((PORT_BASE + 4)); P_TSSTORM=$((PORT_BASE + 5)); P_T1=$((PORT_BASE + 6)); P_T2=$((PORT_BASE + 7))
url() { echo "http://127.0.0.1:$1/mcp"; }
# run.sh's human line goes to the log and the screen; its RESULT line to $RES.
harness_run() {  # harness_run LABEL SCENARIO URL SECS CONNS PID [extra env...]
  local label="$1" sc="$2" u="$3" s="$4" c="$5" pid="$6"; shift 6
  env "$@" LABEL="$label" SCENARIO="$sc" RESULTS="$RES" "$HARNESS/run.sh" "$u" "$s" "$c" "$pid" 2>>"$LOG" | tee -a "$LOG"
}

# --- 3. tools/call: ours vs the peer, alternating, same run ---
if [[ "${SKIP_CALL:-0}" != 1 ]]; then
  start cpp "$P_CPP" "$SERVER_CPU" "$ECHO" --port "$P_CPP" --threads 1; CPP=$SPID
  if (( HAVE_PEER )); then start peer "$P_TS" "$SERVER_CPU" "${PEER_CMD[@]}" --port "$P_TS"; TS=$SPID; fi
  for c in $CONNS_LIST; do
    for ((r = 1; r <= ROUNDS; r++)); do
      in_budget "call c=$c round $r" || break
      say "tools/call echo c=$c round $r/$ROUNDS"
      wait_quiet
      harness_run cpp call "$(url $P_CPP)" "$SECS" "$c" "$CPP"
      (( HAVE_PEER )) && harness_run "$PEER" call "$(url $P_TS)" "$SECS" "$c" "$TS"
    done
  done
  # storm-full keeps no sessions, so the same processes can take it.
  if [[ "${SKIP_STORM:-0}" != 1 ]]; then
    for ((r = 1; r <= ROUNDS; r++)); do
      in_budget "storm-full round $r" || break
      say "storm-full (initialize -> initialized -> DELETE) c=16 round $r/$ROUNDS"
      wait_quiet
      harness_run cpp storm-full "$(url $P_CPP)" "$STORM_SECS" 16 "$CPP"
      (( HAVE_PEER )) && harness_run "$PEER" storm-full "$(url $P_TS)" "$STORM_SECS" 16 "$TS"
    done
  fi
  stop_pid "$CPP"; (( HAVE_PEER )) && stop_pid "$TS"
fi

# --- 4. storm (initialize only, every session kept): a fresh process per round ---
if [[ "${SKIP_STORM:-0}" != 1 ]]; then
  for ((r = 1; r <= ROUNDS; r++)); do
    in_budget "storm round $r" || break
    say "storm (initialize only, sessions kept) c=16 round $r/$ROUNDS: bench-echo-server --max-sessions 2000000"
    start storm "$P_STORM" "$SERVER_CPU" "$BECHO" --port "$P_STORM" --max-sessions 2000000
    wait_quiet
    harness_run cpp storm "$(url $P_STORM)" "$STORM_SECS" 16 "$SPID"
    stop_pid "$SPID"
  done
  if (( HAVE_PEER )) && in_budget "peer storm"; then
    say "storm on a fresh $PEER (one round; it keeps every session)"
    start peerstorm "$P_TSSTORM" "$SERVER_CPU" "${PEER_CMD[@]}" --port "$P_TSSTORM"
    harness_run "$PEER" storm "$(url $P_TSSTORM)" "$STORM_SECS" 16 "$SPID"
    stop_pid "$SPID"
  fi
fi

# --- 5. memory per idle session: fresh processes ---
if [[ "${SKIP_MEM:-0}" != 1 ]]; then
  if in_budget "mem cpp"; then
    say "memory: echo-server, sessions $MEM_STEPS (default cap 10,000)"
    start mem "$P_MEM" "$SERVER_CPU" "$ECHO" --port "$P_MEM"
    # shellcheck disable=SC2086
    "$HARNESS/mem_sessions.sh" "$(url $P_MEM)" "$SPID" $MEM_STEPS 2> >(sed 's/^/cpp /' >>"$MEM") | tee -a "$LOG"
    stop_pid "$SPID"
  fi
  if (( HAVE_PEER )) && in_budget "mem peer"; then
    say "memory: $PEER, sessions $PEER_MEM_STEPS (RSS also after a forced GC)"
    start peermem "$P_TSMEM" "$SERVER_CPU" "${PEER_CMD[@]}" --port "$P_TSMEM"
    # shellcheck disable=SC2086
    GC_SIGNAL=USR2 "$HARNESS/mem_sessions.sh" "$(url $P_TSMEM)" "$SPID" $PEER_MEM_STEPS \
      2> >(sed "s/^/$PEER /" >>"$MEM") | tee -a "$LOG"
    stop_pid "$SPID"
  fi
  sleep 0.5  # let the process substitutions flush
fi

# --- 6. --threads 1 vs 2 (both cores for the server; wrk is pinned to core $LOADGEN_CPU) ---
if [[ "${SKIP_THREADS:-0}" != 1 ]]; then
  ALL_CPUS="0-$(( $(nproc) - 1 ))"
  start t1 "$P_T1" "$ALL_CPUS" "$ECHO" --port "$P_T1" --threads 1; T1=$SPID
  start t2 "$P_T2" "$ALL_CPUS" "$ECHO" --port "$P_T2" --threads 2; T2=$SPID
  for ((r = 1; r <= ROUNDS; r++)); do
    in_budget "threads round $r" || break
    say "threads 1 vs 2, c=$THREAD_CONNS round $r/$ROUNDS (server on cores $ALL_CPUS)"
    wait_quiet
    harness_run cpp-threads1 call "$(url $P_T1)" "$THREAD_SECS" "$THREAD_CONNS" "$T1"
    harness_run cpp-threads2 call "$(url $P_T2)" "$THREAD_SECS" "$THREAD_CONNS" "$T2"
  done
  stop_pid "$T1"; stop_pid "$T2"
fi

echo "elapsed_s=$(elapsed) quiet_wait_s=$QUIET_SPENT loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"
python3 "$HERE/summary.py" "$OUT" | tee "$OUT/summary.md"
echo "raw results: $OUT"
