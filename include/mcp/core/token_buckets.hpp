#pragma once
// Token buckets keyed by name (a principal, a tool, an upstream, a client IP): a call takes one
// token; an empty bucket says how long until the next one. Thread-safe; the map is bounded
// (idle full buckets are dropped first). Used by the gateway's rate limits and the
// authorization server's registration limit.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcp {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // bucket size (0: one second's worth, at least 1)
};


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

}  // namespace mcp
