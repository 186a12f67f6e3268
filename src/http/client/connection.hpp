#pragma once
// One outbound connection (plain TCP or TLS) and the per-event-loop pool of idle ones.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mcp::http::client {

using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

struct Connection {
  std::unique_ptr<boost::beast::tcp_stream> plain;  // exactly one of plain / tls is set
  std::unique_ptr<TlsStream> tls;
  std::string key;  // the pool it returns to
  bool reused = false;

  boost::beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }
  void close();
  // False when the peer closed it (or sent bytes nobody asked for) while it sat idle.
  bool still_usable();
};

// Idle connections of one event loop (an io_context service: it dies with the loop, so no
// socket outlives the context that owns it, whatever the client's lifetime).
class Pool : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;
  explicit Pool(boost::asio::execution_context& ctx) : service(ctx) {}

  // An idle connection for `key`, or null. Expired and dead ones are closed on the way.
  std::unique_ptr<Connection> take(const std::string& key, std::chrono::seconds idle_timeout);
  void put(std::unique_ptr<Connection> c, std::size_t max_idle, std::chrono::seconds idle_timeout);
  std::size_t idle_count();

 private:
  struct Idle {
    std::unique_ptr<Connection> conn;
    std::chrono::steady_clock::time_point since;
  };
  void shutdown() override;
  void sweep(std::chrono::seconds idle_timeout);  // mu_ held

  std::mutex mu_;
  std::map<std::string, std::deque<Idle>> idle_;
};

}  // namespace mcp::http::client
