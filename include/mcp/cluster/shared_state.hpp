#pragma once
// SharedState: what the replicas of one gateway share (docs/scale-out.md): short-lived records
// with an expiry (session records, cached results, single-flight locks), capped append-only
// logs (SSE events kept for Last-Event-ID), publish/subscribe (wake-ups, list_changed, change
// notices) and atomic token buckets (rate limits). Redis in a cluster; an in-process
// implementation when one machine serves alone and in tests (two "replicas" in one process
// sharing one instance behave as two processes sharing one Redis).
//
// Every operation is bounded in time: a backend that does not answer within its timeout gives
// an Error (code kUnavailable) instead of a hang. Tasks may be awaited on any executor; they
// resume on the awaiting coroutine's executor. Subscription handlers run on the shared state's
// own thread: they must be quick and thread-safe (post real work to an executor).
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/core/token_buckets.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcp::cluster {

using std::chrono::milliseconds;

// The error code of a backend that is down, slow or refused the command.
inline constexpr int kUnavailable = -32001;

class Subscription {
 public:
  virtual ~Subscription() = default;  // unsubscribes
};

class SharedState {
 public:
  virtual ~SharedState() = default;

  // --- records with an expiry (ttl > 0) ---
  virtual Task<Result<std::optional<std::string>>> get(std::string key) = 0;
  virtual Task<Result<bool>> set(std::string key, std::string value, milliseconds ttl) = 0;
  // Sets only when absent (a lock, a claim); true when this call set it.
  virtual Task<Result<bool>> set_if_absent(std::string key, std::string value, milliseconds ttl) = 0;
  // True when the key existed.
  virtual Task<Result<bool>> del(std::string key) = 0;
  // A claim's holder (the value it set): its expiry moved to now + ttl, or the key removed —
  // only while the key still holds `value` (a holder whose claim expired and was taken by
  // another never extends or drops the other's); true when it did.
  virtual Task<Result<bool>> renew(std::string key, std::string value, milliseconds ttl) = 0;
  virtual Task<Result<bool>> release(std::string key, std::string value) = 0;

  // --- capped logs: the newest `max_entries` entries are kept; the whole log expires `ttl`
  // after its last append ---
  virtual Task<Result<bool>> append(std::string key, std::string entry, std::size_t max_entries, milliseconds ttl) = 0;
  // Every entry still kept, oldest first (empty for an unknown key).
  virtual Task<Result<std::vector<std::string>>> entries(std::string key) = 0;

  // --- publish / subscribe (at most once: a replica that is down misses what it is sent) ---
  virtual void publish(std::string channel, std::string message) = 0;
  virtual std::unique_ptr<Subscription> subscribe(std::string channel,
                                                  std::function<void(const std::string& message)> handler) = 0;

  // --- token buckets, atomic across replicas: nullopt when a token was taken, else the wait
  // until one is available ---
  virtual Task<Result<std::optional<milliseconds>>> take(std::string key, RateLimit limit) = 0;

  // Reachable now (for /readyz and metrics); false after a failed command until one succeeds.
  virtual bool healthy() const = 0;
  // "memory" or "redis://host:port/db" (never a password).
  virtual std::string describe() const = 0;
};

// In-process shared state: bounded (`max_keys` records and logs together, oldest expiry first).
std::shared_ptr<SharedState> make_memory_shared_state(std::size_t max_keys = 100000);

struct RedisOptions {
  std::string url;  // redis://[[user]:password@]host:port[/db]
  std::string key_prefix = "mcpbridge:";
  milliseconds connect_timeout{2000};
  milliseconds command_timeout{1000};
  milliseconds max_backoff{5000};  // reconnection backoff doubles up to this
};
// Redis 7 through its own connections on Asio (its own thread). Throws std::invalid_argument
// for a malformed URL; an unreachable server is not an error here (healthy() says so, commands
// fail with kUnavailable until it comes back).
std::shared_ptr<SharedState> make_redis_shared_state(RedisOptions options);

}  // namespace mcp::cluster
