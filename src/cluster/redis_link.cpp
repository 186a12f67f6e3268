#include "cluster/redis_link.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <mcp/core/encoding.hpp>
#include <memory>
#include <stdexcept>
#include <vector>

#include "cluster/resp.hpp"

namespace mcp::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string RedisEndpoint::describe() const {
  bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + port + "/" + std::to_string(db);
}

RedisEndpoint parse_redis_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::invalid_argument("redis URL: not a URI");
  const auto& u = *parsed;
  if (u.scheme() == "rediss") throw std::invalid_argument("redis URL: TLS not supported (rediss://)");
  if (u.scheme() != "redis") throw std::invalid_argument("redis URL: the scheme must be redis://");
  RedisEndpoint ep;
  if (u.host_type() == boost::urls::host_type::ipv6)
    ep.host = u.host_ipv6_address().to_string();
  else
    ep.host = percent_decode(u.encoded_host());
  if (ep.host.empty()) throw std::invalid_argument("redis URL: no host");
  if (u.has_port()) {
    unsigned port = 0;
    std::string_view p = u.port();
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
      throw std::invalid_argument("redis URL: bad port");
    ep.port = std::to_string(port);
  }
  if (u.has_userinfo()) {
    ep.user = percent_decode(u.encoded_user());
    if (u.has_password()) ep.password = percent_decode(u.encoded_password());
    if (ep.password.empty() && !ep.user.empty())
      throw std::invalid_argument("redis URL: a user needs a password (redis://user:password@host)");
  }
  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    std::string_view digits = path.substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ep.db);
    if (path[0] != '/' || ec != std::errc() || end != digits.data() + digits.size() || ep.db < 0)
      throw std::invalid_argument("redis URL: the path must be a database number (/0)");
  }
  if (u.has_query() || u.has_fragment()) throw std::invalid_argument("redis URL: no query or fragment expected");
  return ep;
}

namespace {

struct Deadline {
  bool done = false;
  bool expired = false;
};

// The handshake's replies, in order; the first error reply or I/O error ends it.
Task<std::string> handshake(tcp::socket* socket, std::string request, std::size_t replies) {
  boost::system::error_code ec;
  co_await asio::async_write(*socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "write: " + ec.message();
  resp::Parser parser;
  std::array<char, 512> buf;
  std::size_t got = 0;
  while (got < replies) {
    std::size_t n = co_await socket->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "read: " + ec.message();
    parser.feed(std::string_view(buf.data(), n));
    resp::Value v;
    for (;;) {
      auto status = parser.next(v);
      if (status == resp::Parser::Status::kNeedMore) break;
      if (status == resp::Parser::Status::kError) co_return parser.error();
      if (v.is_error()) co_return "refused: " + v.str;
      ++got;
    }
  }
  co_return std::string();
}

}  // namespace

Task<std::string> open_redis_link(tcp::socket* socket, RedisEndpoint ep, std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex, timeout);
  auto deadline = std::make_shared<Deadline>();
  // The timer closes the socket and cancels the resolver: whatever step is under way ends.
  timer.async_wait([socket, &resolver, deadline](boost::system::error_code ec) {
    if (ec || deadline->done) return;
    deadline->expired = true;
    resolver.cancel();
    boost::system::error_code ignored;
    socket->close(ignored);
  });
  std::string why;
  boost::system::error_code ec;
  auto endpoints = co_await resolver.async_resolve(ep.host, ep.port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    why = "resolve " + ep.host + ": " + ec.message();
  } else {
    co_await asio::async_connect(*socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) why = "connect " + ep.host + ":" + ep.port + ": " + ec.message();
  }
  if (why.empty()) {
    socket->set_option(tcp::no_delay(true), ec);
    socket->set_option(asio::socket_base::keep_alive(true), ec);
    std::string request;
    std::size_t replies = 0;
    if (!ep.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!ep.user.empty()) auth.push_back(ep.user);
      auth.push_back(ep.password);
      resp::encode_command(request, auth);
      ++replies;
    }
    if (ep.db != 0) {
      resp::encode_command(request, {"SELECT", std::to_string(ep.db)});
      ++replies;
    }
    if (replies > 0) why = co_await handshake(socket, std::move(request), replies);
  }
  deadline->done = true;
  timer.cancel();
  if (deadline->expired) why = "connect timeout (" + std::to_string(timeout.count()) + " ms)";
  if (!why.empty()) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
  co_return why;
}

}  // namespace mcp::cluster
