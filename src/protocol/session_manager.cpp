#include "protocol/session_manager.hpp"

#include <mcp/core/encoding.hpp>
#include <mcp/core/metrics.hpp>

#include <algorithm>
#include <vector>

namespace mcp::protocol {

SessionManager::SessionManager(SessionLimits limits, std::unique_ptr<EventStore> events)
    : limits_(limits), events_(events ? std::move(events) : make_memory_event_store(limits.events_per_session)) {}

std::shared_ptr<Session> SessionManager::create() {
  bool scan;
  {
    std::lock_guard lock(mu_);
    scan = sessions_.size() >= limits_.max_sessions && Session::Clock::now() >= next_expiry_;
  }
  if (scan) expire_idle();
  auto s = std::make_shared<Session>(random_token(24), *events_, limits_.retry_ms);
  std::lock_guard lock(mu_);
  if (sessions_.size() >= limits_.max_sessions) return nullptr;
  sessions_.emplace(s->id(), s);
  Metrics::add(Metrics::global().sessions_created);
  return s;
}

std::shared_ptr<Session> SessionManager::find(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

bool SessionManager::remove(std::string_view id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = std::move(it->second);
    sessions_.erase(it);
  }
  s->close();
  return true;
}

std::size_t SessionManager::expire_idle() {
  const auto now = Session::Clock::now();
  const auto cutoff = now - limits_.idle_timeout;
  std::vector<std::shared_ptr<Session>> expired;
  {
    std::lock_guard lock(mu_);
    // The earliest moment a kept session can expire: last activity only moves forward, and
    // sessions created later expire later still. One past its time but busy (an open stream,
    // a request in flight) may become idle any moment: look again in a second.
    auto next = now + limits_.idle_timeout;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto last = it->second->last_active();
      if (last < cutoff && it->second->idle()) {
        expired.push_back(std::move(it->second));
        it = sessions_.erase(it);
        continue;
      }
      next = std::min(next, last < cutoff ? now + std::chrono::seconds(1) : last + limits_.idle_timeout);
      ++it;
    }
    next_expiry_ = next;
  }
  for (auto& s : expired) s->close();
  return expired.size();
}

std::size_t SessionManager::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionManager::close_all() {
  Table all;
  {
    std::lock_guard lock(mu_);
    all.swap(sessions_);
  }
  for (auto& [id, s] : all) s->close();
}

void SessionManager::for_each(const std::function<void(Session&)>& fn) {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) fn(*s);
}

}  // namespace mcp::protocol
