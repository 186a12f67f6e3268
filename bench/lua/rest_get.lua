-- wrk script: one REST GET (REST_PATH, default /v1/pets/7?fields=name,tag) against the mock
-- upstream, the request mcpbridge makes for tools/call getPet. Prints the BENCH line of the
-- shared harness's mcp_call.lua (same keys), so bench/openapi_load.sh parses both alike.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  local path = os.getenv("REST_PATH") or "/v1/pets/7?fields=name,tag"
  req = "GET " .. path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] .. "\r\nAccept: application/json\r\n\r\n"
  http_err = 0
end
function request() return req end
function response(status, headers, body)
  if status ~= 200 or not body:find('"name"', 1, true) then http_err = http_err + 1 end
end
function done(summary, latency, requests)
  local h = 0
  for _, th in ipairs(threads) do h = h + (th:get("http_err") or 0) end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d secs=%.3f rps=%.1f mean_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f " ..
    "http_err=%d rpc_err=0 tool_err=0 sock_connect=%d sock_read=%d sock_write=%d timeouts=%d statuses=- check=1\n",
    summary.requests, secs, summary.requests / secs, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, h, e.connect, e.read, e.write, e.timeout))
end
