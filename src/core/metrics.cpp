#include <mcp/core/metrics.hpp>

namespace mcp {

Metrics& Metrics::global() {
  static Metrics m;
  return m;
}

std::string Metrics::render(std::uint64_t live_sessions) const {
  std::string s;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    s += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
         std::to_string(v) + "\n";
  };
  s += "# HELP mcpbridge_http_responses_total HTTP responses by status class.\n"
       "# TYPE mcpbridge_http_responses_total counter\n";
  for (int c = 1; c <= 5; ++c)
    s += "mcpbridge_http_responses_total{code=\"" + std::to_string(c) + "xx\"} " +
         std::to_string(http_responses[c].load(std::memory_order_relaxed)) + "\n";
  counter("mcpbridge_rpc_requests_total", "JSON-RPC requests served.", rpc_requests.load());
  counter("mcpbridge_rpc_errors_total", "JSON-RPC requests answered with an error.", rpc_errors.load());
  counter("mcpbridge_rpc_notifications_total", "JSON-RPC notifications received.", rpc_notifications.load());
  counter("mcpbridge_tool_calls_total", "tools/call requests.", tool_calls.load());
  counter("mcpbridge_tool_errors_total", "tools/call results with isError.", tool_errors.load());
  counter("mcpbridge_sessions_created_total", "Sessions opened by initialize.", sessions_created.load());
  counter("mcpbridge_sessions_expired_total", "Sessions ended by idle expiry.", sessions_expired.load());
  counter("mcpbridge_sse_streams_total", "SSE response streams opened.", sse_streams.load());
  counter("mcpbridge_sse_resumptions_total", "Streams resumed with Last-Event-ID.", sse_resumptions.load());
  counter("mcpbridge_sessions_evicted_total", "Idle sessions ended to make room for their principal's new one.",
          sessions_evicted.load());
  counter("mcpbridge_replay_events_dropped_total", "SSE events dropped from the replay store (over budget).",
          replay_events_dropped.load());
  counter("mcpbridge_replay_bytes_dropped_total", "Bytes of SSE events dropped from the replay store.",
          replay_bytes_dropped.load());
  s += "# HELP mcpbridge_replay_bytes Bytes the SSE replay store holds.\n# TYPE mcpbridge_replay_bytes gauge\n"
       "mcpbridge_replay_bytes " +
       std::to_string(replay_bytes_held.load()) + "\n";
  s += "# HELP mcpbridge_sessions Live sessions.\n# TYPE mcpbridge_sessions gauge\nmcpbridge_sessions " +
       std::to_string(live_sessions) + "\n";
  return s;
}

}  // namespace mcp
