#pragma once
// Where a Redis server is (parsed from a redis:// URL) and how one connection to it is opened:
// resolve, connect, AUTH and SELECT, all within one timeout.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <mcp/core/task.hpp>
#include <string>
#include <string_view>

namespace mcp::cluster {

struct RedisEndpoint {
  std::string host;
  std::string port = "6379";
  std::string user;      // empty: AUTH with the password only (the "default" user)
  std::string password;  // empty: no AUTH
  int db = 0;

  // redis://host:port/db, never the user or the password.
  std::string describe() const;
};

// redis://[[user]:password@]host[:port][/db] (user and password percent-decoded). Throws
// std::invalid_argument for anything else; rediss:// says "TLS not supported".
RedisEndpoint parse_redis_url(std::string_view url);

// Opens `socket` (closed on entry) to `ep` and runs the handshake. Empty on success, else why
// it failed (no secret in it); on failure the socket is closed.
Task<std::string> open_redis_link(boost::asio::ip::tcp::socket* socket, RedisEndpoint ep,
                                  std::chrono::milliseconds timeout);

}  // namespace mcp::cluster
