// HttpServer over real loopback sockets: the connection timeouts (a per-connection watchdog
// closes the socket once the deadline of the I/O in progress has passed) and keep-alive.
#include <mcp/http/http.hpp>
#include <mcp/server/server.hpp>

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace mcp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

HttpOptions options() {
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.read_timeout = std::chrono::seconds(1);
  o.keepalive_timeout = std::chrono::seconds(1);
  return o;
}

// Reads until the server closes the connection (or `limit` passes); how long that took.
Clock::duration time_to_close(tcp::socket& s, std::chrono::seconds limit) {
  auto start = Clock::now();
  s.non_blocking(true);
  char buf[4096];
  while (Clock::now() - start < limit) {
    boost::system::error_code ec;
    s.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (ec) break;  // EOF or reset: closed
  }
  return Clock::now() - start;
}

TEST(HttpServer, ClosesAnIdleKeepAliveConnection) {
  Server server({});
  HttpServer http(server, options());
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  auto took = time_to_close(s, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::milliseconds(2500));  // 1 s plus at most one watchdog tick
  http.stop();
}

TEST(HttpServer, ClosesAConnectionWhoseRequestNeverCompletes) {
  Server server({});
  HttpServer http(server, options());
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  std::string head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
  asio::write(s, asio::buffer(head));  // a body that never arrives
  auto took = time_to_close(s, std::chrono::seconds(5));
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  http.stop();
}

TEST(HttpServer, KeepAliveConnectionServesSeveralRequests) {
  Server server({});
  HttpServer http(server, options());
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  for (int i = 0; i < 3; ++i) {
    std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(s, asio::buffer(req));
    std::string got;
    char buf[1024];
    while (got.find("ok\n") == std::string::npos) {
      auto n = s.read_some(asio::buffer(buf));
      got.append(buf, n);
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // idle, but below the timeout
  }
  http.stop();
}

// Reads until the server closes the connection (or 5 s pass).
std::string read_all(tcp::socket& s) {
  std::string got;
  auto start = Clock::now();
  s.non_blocking(true);
  char buf[4096];
  while (Clock::now() - start < std::chrono::seconds(5)) {
    boost::system::error_code ec;
    auto n = s.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) break;
    got.append(buf, n);
  }
  return got;
}

// A Content-Length above the limit was closed silently (Beast reports it while reading the
// header); it gets the documented 413 with a JSON body, as chunked bodies do, then a close.
TEST(HttpServer, ContentLengthAboveTheLimitGets413) {
  Server server({});
  auto o = options();
  o.max_body_bytes = 1024;
  HttpServer http(server, o);
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  std::string head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: 1048576\r\n\r\n" + std::string(4096, ' ');
  asio::write(s, asio::buffer(head));  // part of the body: the rest is never sent
  auto got = read_all(s);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_NE(got.find("Payload Too Large"), std::string::npos) << got;
  EXPECT_NE(got.find("application/json"), std::string::npos) << got;
  http.stop();
}

TEST(HttpServer, ChunkedBodyAboveTheLimitGets413) {
  Server server({});
  auto o = options();
  o.max_body_bytes = 1024;
  HttpServer http(server, o);
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  std::string req = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, ' ') + "\r\n";
  asio::write(s, asio::buffer(req));
  auto got = read_all(s);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  http.stop();
}

// One POST of a JSON-RPC message on a fresh connection; the response's head and body.
std::string post(std::uint16_t port, const std::string& body, const std::string& session = "") {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::string req = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                    "MCP-Protocol-Version: 2025-11-25\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n";
  if (!session.empty()) req += "Mcp-Session-Id: " + session + "\r\n";
  asio::write(s, asio::buffer(req + "\r\n" + body));
  return read_all(s);
}

// A server stopped and destroyed while a task runs: its record (and the task's wake-up timer on
// the server's loop) goes before the loops do (under ASan a timer outliving its loop's services
// is a use-after-free).
TEST(HttpServer, StopsWithATaskStillRunning) {
  Server server({});
  Tool slow;
  slow.name = "slow";
  slow.description = "sleeps";
  slow.execution = json::object{{"taskSupport", "optional"}};
  server.add_tool(slow, [](json::object, Context& ctx) -> Task<ToolResult> {
    co_await ctx.sleep(std::chrono::seconds(30));
    co_return ToolResult::text("slept");
  });
  auto http = std::make_unique<HttpServer>(server, options());
  http->start();
  auto init = post(http->port(), R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  auto at = init.find("Mcp-Session-Id: ");
  if (at == std::string::npos) at = init.find("mcp-session-id: ");
  ASSERT_NE(at, std::string::npos) << init;
  auto session = init.substr(at + 16, init.find("\r\n", at) - at - 16);
  post(http->port(), R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session);
  auto created = post(http->port(), R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{},"task":{"ttl":60000}}})", session);
  EXPECT_NE(created.find("\"working\""), std::string::npos) << created;
  http->stop();
  http.reset();
}

}  // namespace
}  // namespace mcp
