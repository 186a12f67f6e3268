#!/usr/bin/env bash
# What TLS in process costs: `mcpbridge serve --auth none` over plain HTTP and over HTTPS (a
# throw-away ECDSA P-256 certificate), tools/call echo with the shared harness's wrk script, on
# keep-alive connections and with a new connection (so a full handshake) per request. Prints
# requests/s and requests per CPU-second of the server for each.
#   BUILD=build SECS=5 CONNS=16 bench/tls.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
harness=${HARNESS:-$here/../../shared/bench}
[[ -d $harness ]] || harness=/work/shared/bench
# shellcheck source=/dev/null
source "$harness/lib/common.sh"
BUILD=${BUILD:-$here/../build}
SECS=${SECS:-5}
CONNS=${CONNS:-16}
bin=$BUILD/bin/mcpbridge
[[ -x $bin ]] || die "$bin not built"
command -v wrk >/dev/null || die "wrk is needed"
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
export CURL_CA_BUNDLE=$tmp/cert.pem

start() {  # start NAME ARGS... -> sets pid and url
  local log=$tmp/$1.log
  shift
  MCPBRIDGE_STORE=$tmp/$RANDOM.db "$bin" serve --host 127.0.0.1 --port 0 --auth none "$@" \
    >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    url=$(sed -n 's/.*MCP endpoint \(https\?:\/\/127\.0\.0\.1:[0-9]*\/mcp\).*/\1/p' "$log" | head -1)
    [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || die "no endpoint line in $log"
  assert_loopback "$url"
}

measure() {  # measure LABEL URL PID [EXTRA_HEADER]
  local label=$1 url=$2 pid=$3 extra=${4:-}
  local sid
  sid=$(mcp_initialize "$url")
  echo "$sid" >"$tmp/sessions"
  local t0 t1 out
  t0=$(cpu_ticks "$pid")
  out=$(MCP_SESSIONS_FILE=$tmp/sessions MCP_EXTRA_HEADER=$extra timeout $((SECS + 30)) wrk -t2 -c"$CONNS" -d"${SECS}s" \
        -s "$harness/lua/mcp_call.lua" "$url" 2>&1 | grep '^BENCH' || true)
  t1=$(cpu_ticks "$pid")
  local n rps cpu
  n=$(kv requests "$out")
  rps=$(kv rps "$out")
  cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", (b - a) / hz}')
  awk -v l="$label" -v n="${n:-0}" -v r="${rps:-0}" -v c="$cpu" \
    'BEGIN{printf "%-22s %8.0f req/s  %6.2f CPU-s  %8.0f req/CPU-s", l, r, c, (c > 0 ? n / c : 0)}'
  echo "  http_err=$(kv http_err "$out") sock_errors=$(( $(kv sock_connect "$out") + $(kv sock_read "$out") + $(kv sock_write "$out") ))"
}

start http
measure "http keep-alive" "$url" "$pid"
measure "http new connection" "$url" "$pid" "Connection: close"
start https --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
measure "https keep-alive" "$url" "$pid"
measure "https new connection" "$url" "$pid" "Connection: close"
