#pragma once
// Token buckets keyed by name (principal, tool, upstream): a call takes one token; an empty
// bucket says how long until the next one. Thread-safe; the map is bounded (idle full
// buckets are dropped first).
#include <mcp/gateway/gateway.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcp::gateway {

class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TokenBuckets(std::size_t max_keys = 100000) : max_keys_(max_keys) {}
  // nullopt: allowed (a token was taken); else the wait until one is available.
  std::optional<std::chrono::milliseconds> take(const std::string& key, const RateLimit& limit, Clock::time_point now);
  std::size_t size() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mcp::gateway
