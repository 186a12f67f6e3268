#include <mcp/core/token_buckets.hpp>

#include <algorithm>
#include <cmath>

namespace mcp {

std::optional<std::chrono::milliseconds> TokenBuckets::take(const std::string& key, const RateLimit& limit,
                                                            Clock::time_point now) {
  if (limit.per_second <= 0) return std::nullopt;
  double burst = limit.burst > 0 ? limit.burst : std::max(1.0, limit.per_second);
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Drop buckets that have refilled: forgetting them changes nothing.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        double elapsed = std::chrono::duration<double>(now - b->second.last).count();
        if (b->second.tokens + elapsed * limit.per_second >= burst)
          b = buckets_.erase(b);
        else
          ++b;
      }
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
  b.tokens = std::min(burst, b.tokens + elapsed * limit.per_second);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  double wait_s = (1.0 - b.tokens) / limit.per_second;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_s * 1000.0)));
}

std::size_t TokenBuckets::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace mcp
