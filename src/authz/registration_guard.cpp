#include "authz/registration_guard.hpp"

#include <mcp/auth/auth.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace mcp::authz {

RegistrationLimiter::RegistrationLimiter(double per_minute, double burst, std::size_t max_keys)
    : per_second_(per_minute / 60.0), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

std::int64_t RegistrationLimiter::take(const std::string& ip, Clock::time_point now) {
  if (per_second_ <= 0) return 0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(ip);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Bounded: forget buckets that have refilled (forgetting them changes nothing), then any.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        double idle = std::chrono::duration<double>(now - b->second.last).count();
        b = b->second.tokens + idle * per_second_ >= burst_ ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(ip, Bucket{burst_, now}).first;
  }
  auto& b = it->second;
  double idle = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
  b.tokens = std::min(burst_, b.tokens + idle * per_second_);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_second_)));
}

AbandonedClientSweeper::AbandonedClientSweeper(std::shared_ptr<store::Store> store, std::chrono::seconds ttl,
                                               std::chrono::seconds interval)
    : store_(std::move(store)), ttl_(ttl), interval_(interval) {
  if (ttl_.count() <= 0 || interval_.count() <= 0) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      sweep();
      lock.lock();
    }
  });
}

AbandonedClientSweeper::~AbandonedClientSweeper() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> AbandonedClientSweeper::sweep() {
  if (ttl_.count() <= 0) return {};
  std::vector<std::string> ids;
  try {
    ids = store_->remove_abandoned_oauth_clients(store::unix_now() - ttl_.count());
  } catch (const std::exception& e) {
    spdlog::warn("oauth: sweeping abandoned clients failed: {}", e.what());
    return {};
  }
  for (auto& id : ids)
    auth::audit_event({{"audit", "auth.client_removed"}, {"client", id}, {"outcome", "abandoned"},
                       {"unauthorized_for_s", ttl_.count()}});
  return ids;
}

}  // namespace mcp::authz
