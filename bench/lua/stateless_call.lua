-- wrk script: stateless (MCP 2026-07-28) tools/call echo — no session, per-request _meta and the
-- SEP-2243 headers. Unique ids per request. Loopback targets only (bench/stateless.sh checks).
local n = 0
local body_head = '{"jsonrpc":"2.0","id":'
local body_tail = ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},' ..
  '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
  '"io.modelcontextprotocol/clientCapabilities":{}}}}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo"
errors = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, body_head .. n .. body_tail)
end
function response(status, headers, body)
  if status ~= 200 or not body:find('"resultType":"complete"', 1, true) then errors = errors + 1 end
end
