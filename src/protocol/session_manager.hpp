#pragma once
// SessionManager: creates sessions (CSPRNG ids), finds them, ends them, expires idle ones and
// caps how many are alive. Delivers the server's broadcasts to each session.
#include "protocol/event_store.hpp"
#include "protocol/session.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mcp::protocol {

struct SessionLimits {
  std::size_t max_sessions = 10000;
  std::chrono::seconds idle_timeout{1800};
  int retry_ms = 1000;  // SSE retry: the reconnection delay we ask of clients
  std::size_t events_per_session = 512;
};

class SessionManager {
 public:
  explicit SessionManager(SessionLimits limits, std::unique_ptr<EventStore> events = nullptr);

  // nullptr when the cap is reached (after expiring idle sessions).
  std::shared_ptr<Session> create();
  std::shared_ptr<Session> find(std::string_view id);
  bool remove(std::string_view id);
  std::size_t expire_idle();
  std::size_t size() const;
  void close_all();
  void for_each(const std::function<void(Session&)>& fn);
  const SessionLimits& limits() const { return limits_; }

 private:
  SessionLimits limits_;
  std::unique_ptr<EventStore> events_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace mcp::protocol
