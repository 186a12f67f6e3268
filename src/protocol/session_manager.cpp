#include <mcp/protocol/session_manager.hpp>

#include <mcp/core/encoding.hpp>
#include <mcp/core/metrics.hpp>

#include <algorithm>
#include <vector>

namespace mcp::protocol {

std::size_t SessionLimits::principal_share() const {
  if (max_per_principal) return std::min(max_per_principal, max_sessions);
  return std::max<std::size_t>(1, max_sessions / 10);
}

namespace {
std::unique_ptr<EventStore> default_store(const SessionLimits& l) {
  return make_memory_event_store(
      EventStoreLimits{l.events_per_session, l.replay_bytes_per_session, l.replay_bytes_total});
}
}  // namespace

SessionManager::SessionManager(SessionLimits limits, std::unique_ptr<EventStore> events)
    : limits_(limits), events_(events ? std::move(events) : default_store(limits)) {}

std::shared_ptr<Session> SessionManager::take_locked(Table::iterator it) {
  auto s = std::move(it->second.session);
  auto o = owned_.find(s->owner());
  o->second.erase(it->second.pos);
  if (o->second.empty()) owned_.erase(o);
  sessions_.erase(it);
  return s;
}

std::shared_ptr<Session> SessionManager::create(std::string_view owner, Refused* why) {
  const std::size_t share = limits_.principal_share();
  bool scan;
  {
    std::lock_guard lock(mu_);
    scan = sessions_.size() >= limits_.max_sessions && Session::Clock::now() >= next_expiry_;
  }
  if (scan) expire_idle();
  auto s = std::make_shared<Session>(random_token(24), *events_, limits_.retry_ms);
  s->set_owner(std::string(owner));
  auto refuse = [&](Refused r) {
    if (why) *why = r;
    return nullptr;
  };
  std::shared_ptr<Session> evicted;
  {
    std::lock_guard lock(mu_);
    auto mine = owned_.find(owner);
    if (mine != owned_.end() && mine->second.size() >= share) {
      // At its share: its own least recently active idle session makes room, chosen among its
      // oldest idle ones (the list is in creation order) so that the cost stays bounded
      // whatever the share; busy sessions are only skipped, and each costs its owner a stream
      // or a request in flight.
      Session* oldest = nullptr;
      std::size_t candidates = 0;
      for (Session* x : mine->second) {
        if (!x->idle()) continue;
        if (!oldest || x->last_active() < oldest->last_active()) oldest = x;
        if (++candidates == kEvictionCandidates) break;
      }
      if (!oldest) return refuse(Refused::principal_share);
      evicted = take_locked(sessions_.find(oldest->id()));
    }
    // (Never after an eviction: that freed a place.)
    if (sessions_.size() >= limits_.max_sessions) return refuse(Refused::full);
    auto& owned = owned_[s->owner()];
    sessions_.emplace(s->id(), Entry{s, owned.insert(owned.end(), s.get())});
  }
  if (evicted) {
    evicted->close();
    Metrics::add(Metrics::global().sessions_evicted);
  }
  Metrics::add(Metrics::global().sessions_created);
  if (why) *why = Refused::no;
  return s;
}

std::shared_ptr<Session> SessionManager::adopt(const std::string& id, std::string_view owner) {
  if (size() >= limits_.max_sessions) expire_idle();
  std::lock_guard lock(mu_);
  // (Made only when absent: a Session's destructor drops its id's events.)
  if (auto it = sessions_.find(id); it != sessions_.end()) return it->second.session;
  if (sessions_.size() >= limits_.max_sessions) return nullptr;
  auto s = std::make_shared<Session>(id, *events_, limits_.retry_ms);
  s->set_owner(std::string(owner));
  auto& owned = owned_[s->owner()];
  sessions_.emplace(s->id(), Entry{s, owned.insert(owned.end(), s.get())});
  return s;
}

std::shared_ptr<Session> SessionManager::find(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.session;
}

bool SessionManager::remove(std::string_view id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = take_locked(it);
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
      auto last = it->second.session->last_active();
      if (last < cutoff && it->second.session->idle()) {
        auto next_it = std::next(it);
        expired.push_back(take_locked(it));
        it = next_it;
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
    owned_.clear();
  }
  for (auto& [id, e] : all) e.session->close();
}

void SessionManager::for_each(const std::function<void(Session&)>& fn) {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    all.reserve(sessions_.size());
    for (auto& [id, e] : sessions_) all.push_back(e.session);
  }
  for (auto& s : all) fn(*s);
}

}  // namespace mcp::protocol
