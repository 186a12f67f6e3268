// Keep-alive pooling: idle connections are checked before reuse (a peer that closed while we
// were idle shows up as EOF on a non-blocking peek) and expire after idle_timeout.
#include "http/client/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace mcp::http::client {

void Connection::close() {
  boost::system::error_code ec;
  tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  tcp().socket().close(ec);
}

bool Connection::still_usable() {
  auto& s = tcp().socket();
  if (!s.is_open()) return false;
  char c;
  auto n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::unique_ptr<Connection> Pool::take(const std::string& key, std::chrono::seconds idle_timeout) {
  std::lock_guard lock(mu_);
  sweep(idle_timeout);
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& q = it->second;
  while (!q.empty()) {  // most recently used first: the one least likely to be closed
    auto c = std::move(q.back().conn);
    q.pop_back();
    if (c->still_usable()) {
      if (q.empty()) idle_.erase(it);
      c->reused = true;
      return c;
    }
    c->close();
  }
  idle_.erase(it);
  return nullptr;
}

void Pool::put(std::unique_ptr<Connection> c, std::size_t max_idle, std::chrono::seconds idle_timeout) {
  std::lock_guard lock(mu_);
  sweep(idle_timeout);
  if (max_idle == 0) {
    c->close();
    return;
  }
  auto& q = idle_[c->key];
  while (q.size() >= max_idle) {
    q.front().conn->close();
    q.pop_front();
  }
  q.push_back(Idle{std::move(c), std::chrono::steady_clock::now()});
}

std::size_t Pool::idle_count() {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto& [k, q] : idle_) n += q.size();
  return n;
}

void Pool::sweep(std::chrono::seconds idle_timeout) {
  auto cutoff = std::chrono::steady_clock::now() - idle_timeout;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& q = it->second;
    while (!q.empty() && q.front().since < cutoff) {
      q.front().conn->close();
      q.pop_front();
    }
    it = q.empty() ? idle_.erase(it) : std::next(it);
  }
}

void Pool::shutdown() {
  std::lock_guard lock(mu_);
  for (auto& [k, q] : idle_)
    for (auto& i : q) i.conn->close();
  idle_.clear();
}

}  // namespace mcp::http::client
