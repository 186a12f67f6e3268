#pragma once
// beast_server.cpp's pieces below the policy: the response head and chunk framing, an HTTP/1.1
// request parser straight into http::Request, and a connection with its watchdog.
#include "http/message.hpp"

#include <mcp/core/task.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

namespace mcp::http::beast_parts {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
// Sockets and timers bound to the io_context's own executor type: the polymorphic
// any_io_executor costs a type-erased copy and work-tracking query on every operation.
using IoExecutor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, IoExecutor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, IoExecutor>;
using TlsStream = beast::ssl_stream<Socket>;

using asio::as_tuple;
using asio::use_awaitable;

inline void append_number(std::string& s, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  s.append(digits, end);
}

// The status line and headers, in one allocation that also has room for a JSON body, which
// the callers append (this runs for every response).
inline std::string serialize_head(const http::Response& r, bool keep_alive) {
  auto reason = std::string_view(bhttp::obsolete_reason(static_cast<bhttp::status>(r.status)));
  std::size_t size = 96 + reason.size() + (r.stream ? 0 : r.body.size());
  for (auto& [k, v] : r.headers) size += k.size() + v.size() + 4;
  std::string s;
  s.reserve(size);
  s += "HTTP/1.1 ";
  if (r.status >= 0) append_number(s, static_cast<std::size_t>(r.status));
  else s += std::to_string(r.status);
  s += ' ';
  s += reason;
  s += "\r\n";
  for (auto& [k, v] : r.headers) {
    s += k;
    s += ": ";
    s += v;
    s += "\r\n";
  }
  if (r.stream) {
    s += "Transfer-Encoding: chunked\r\n";
  } else {
    s += "Content-Length: ";
    append_number(s, r.body.size());
    s += "\r\n";
  }
  if (!keep_alive) s += "Connection: close\r\n";
  s += "\r\n";
  return s;
}

// ASCII case folding of header names (std::tolower is the same in the "C" locale we run in,
// but an out-of-line call per character of every header of every request).
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char hex[20];
  int n = std::snprintf(hex, sizeof hex, "%zx\r\n", data.size());
  out.append(hex, static_cast<size_t>(n));
  out += data;
  out += "\r\n";
}

// An HTTP/1.1 request parser that fills a net::HttpRequest as it goes. Beast's request_parser
// builds a beast::http::fields (an allocation and a tree insert per header), which was then
// copied header by header into the Request: now each header is stored once, name lower-cased.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  http::Request req;

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int,
                       beast::error_code&) override {
    req.method.assign(method.data(), method.size());
    req.target.assign(target.data(), target.size());
    req.headers.reserve(8);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}  // requests only
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value, beast::error_code&) override {
    auto& [k, v] = req.headers.emplace_back();
    k.assign(name.data(), name.size());
    char* p = k.data();  // folded in place through a raw pointer: the compiler can vectorise it
    for (size_t i = 0, n = k.size(); i < n; ++i) p[i] = ascii_lower(p[i]);
    v.assign(value.data(), value.size());
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override {
    if (length) req.body.reserve(static_cast<std::size_t>(*length));  // bounded by body_limit before this
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    req.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    req.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

// One connection's stream (a socket, or TLS over one) and its timeouts. Beast's tcp_stream
// armed and cancelled a timer around every read and write; here a watchdog wakes every `tick`
// and closes the socket once the deadline of the I/O in progress has passed (at most one tick
// late). While a request is being handled no I/O is pending, and there is no deadline (as with
// tcp_stream's expiry, which applied to pending I/O only). A drain wakes every watchdog at
// once: those of idle keep-alive connections close them.
struct ConnectionBase {
  using Clock = std::chrono::steady_clock;
  explicit ConnectionBase(IoExecutor ex) : timer(ex) {}
  virtual ~ConnectionBase() = default;
  virtual Socket& socket() = 0;
  void expires_after(Clock::duration d) { deadline = Clock::now() + d; }
  void no_deadline() { deadline = Clock::time_point::max(); }
  Timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  bool done = false;
  bool idle = false;  // waiting for a next request, no byte of it read
};

template <class Stream>
struct Connection final : ConnectionBase {
  template <class... Args>
  Connection(std::shared_ptr<void> hold, Socket&& s, Args&&... args)
      : ConnectionBase(s.get_executor()), keep(std::move(hold)), stream(std::move(s), std::forward<Args>(args)...) {}
  Socket& socket() override { return beast::get_lowest_layer(stream); }
  std::shared_ptr<void> keep;  // the TLS context this connection's handshake used
  Stream stream;
};

inline Task<void> watchdog(std::shared_ptr<ConnectionBase> c, std::chrono::steady_clock::duration tick,
                    const std::atomic<bool>* draining) {
  while (!c->done) {
    c->timer.expires_after(tick);
    co_await c->timer.async_wait(as_tuple(use_awaitable));  // woken early by done, or a drain
    if (c->done) co_return;
    if (std::chrono::steady_clock::now() >= c->deadline || (c->idle && draining->load())) {
      beast::error_code ignored;
      c->socket().close(ignored);  // the pending read or write fails; the connection ends
      co_return;
    }
  }
}

}  // namespace mcp::http::beast_parts
