#include "authz/registration_guard.hpp"

#include <mcp/auth/auth.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace mcp::authz {

RegistrationLimiter::RegistrationLimiter(double per_minute, double burst, std::size_t max_keys)
    : limit_{per_minute / 60.0, std::max(1.0, burst)}, buckets_(max_keys) {}

std::int64_t RegistrationLimiter::take(const std::string& ip, Clock::time_point now) {
  auto wait = buckets_.take(ip, limit_, now);
  if (!wait) return 0;
  return std::max<std::int64_t>(1, (wait->count() + 999) / 1000);  // whole seconds, for Retry-After
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
