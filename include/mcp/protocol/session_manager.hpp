#pragma once
// SessionManager: creates sessions (CSPRNG ids), finds them, ends them, expires idle ones and
// caps how many are alive, overall and per owner (the principal that opens them), so that one
// principal cannot take every session. Delivers the server's broadcasts to each session.
#include <mcp/protocol/event_store.hpp>
#include <mcp/protocol/session.hpp>

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcp::protocol {

struct SessionLimits {
  std::size_t max_sessions = 10000;
  std::chrono::seconds idle_timeout{1800};
  int retry_ms = 1000;  // SSE retry: the reconnection delay we ask of clients
  std::size_t events_per_session = 512;
  // A principal's share of max_sessions; 0: max(1, max_sessions / 10).
  std::size_t max_per_principal = 0;
  // The replay store's byte budgets (see EventStoreLimits).
  std::size_t replay_bytes_per_session = 4 << 20;
  std::size_t replay_bytes_total = 256 << 20;

  std::size_t principal_share() const;
};

class SessionManager {
 public:
  explicit SessionManager(SessionLimits limits, std::unique_ptr<EventStore> events = nullptr);

  enum class Refused { no, full, principal_share };
  // A session owned by `owner` (a principal's key). At the owner's share its own oldest idle
  // session is ended to make room; nullptr when none of its own is idle (principal_share) or
  // the overall cap is reached after expiring idle sessions (full).
  std::shared_ptr<Session> create(std::string_view owner = {}, Refused* why = nullptr);
  // A session opened on another replica, made here under its own id (several replicas): the
  // one already here if a concurrent request made it first; nullptr when full.
  std::shared_ptr<Session> adopt(const std::string& id, std::string_view owner);
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
  // Looked up by the Mcp-Session-Id header on every request: a transparent hash lets find()
  // take the header's string_view without building a std::string.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  // Each owner's sessions (at most its share), in creation order: counted and searched for the
  // idle one to end. A session's entry holds its place there, so removal is O(1).
  using Owned = std::list<Session*>;
  static constexpr std::size_t kEvictionCandidates = 32;
  struct Entry {
    std::shared_ptr<Session> session;
    Owned::iterator pos;
  };
  using Table = std::unordered_map<std::string, Entry, IdHash, std::equal_to<>>;
  Table sessions_;
  std::unordered_map<std::string, Owned, IdHash, std::equal_to<>> owned_;
  // Takes the session out of both tables (under mu_); the caller closes it outside the lock.
  std::shared_ptr<Session> take_locked(Table::iterator it);
  // At the cap, create() scans for idle sessions only once one may have expired: expire_idle()
  // records when that can first happen, so a storm against a full table is O(1) per refusal.
  Session::Clock::time_point next_expiry_;
};

}  // namespace mcp::protocol
