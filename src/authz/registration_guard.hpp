#pragma once
// Guards on RFC 7591 dynamic registration, which anyone may call: a token bucket per client IP
// (a flood cannot fill the store) and a sweeper thread deleting registrations that never led
// to an authorization (abandoned by a client that registered and went away).
#include <mcp/core/token_buckets.hpp>
#include <mcp/store/store.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace mcp::authz {

class RegistrationLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // per_minute 0: unlimited. burst: the bucket size (at least 1).
  RegistrationLimiter(double per_minute, double burst, std::size_t max_keys = 10000);
  // 0 when allowed (a token was taken); else the whole seconds until one is available.
  std::int64_t take(const std::string& ip, Clock::time_point now);

 private:
  RateLimit limit_;
  TokenBuckets buckets_;
};

class AbandonedClientSweeper {
 public:
  // ttl or interval 0: no thread.
  AbandonedClientSweeper(std::shared_ptr<store::Store> store, std::chrono::seconds ttl, std::chrono::seconds interval);
  ~AbandonedClientSweeper();
  // One sweep now; the ids removed (each logged as an audit line).
  std::vector<std::string> sweep();

 private:
  std::shared_ptr<store::Store> store_;
  std::chrono::seconds ttl_, interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mcp::authz
