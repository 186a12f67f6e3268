#pragma once
// Process-wide counters, exposed in the Prometheus text format at /metrics. Relaxed atomics:
// they are monotonic tallies, read only for reporting.
#include <atomic>
#include <cstdint>
#include <string>

namespace mcp {

struct Metrics {
  std::atomic<std::uint64_t> http_responses[6] = {};  // by status class: [1]=1xx ... [5]=5xx
  std::atomic<std::uint64_t> rpc_requests{0};
  std::atomic<std::uint64_t> rpc_errors{0};
  std::atomic<std::uint64_t> rpc_notifications{0};
  std::atomic<std::uint64_t> tool_calls{0};
  std::atomic<std::uint64_t> tool_errors{0};
  std::atomic<std::uint64_t> sessions_created{0};
  std::atomic<std::uint64_t> sessions_expired{0};
  std::atomic<std::uint64_t> sse_streams{0};
  std::atomic<std::uint64_t> sse_resumptions{0};
  std::atomic<std::uint64_t> sessions_evicted{0};      // a principal's oldest idle one, at its share
  std::atomic<std::uint64_t> replay_events_dropped{0};  // over the replay store's budgets
  std::atomic<std::uint64_t> replay_bytes_dropped{0};
  std::atomic<std::uint64_t> replay_bytes_held{0};  // a gauge: what the replay store holds now

  static Metrics& global();
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  // The Prometheus exposition, plus the given gauge of live sessions.
  std::string render(std::uint64_t live_sessions) const;
};

}  // namespace mcp
