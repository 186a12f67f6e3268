// A connection's task against failures from below: a listing that throws (issue 20.1: the Beast
// client throws "field value too large" for a header that does not fit) must neither end the
// task nor leave anything behind for stop() and retire() to touch, however they race it; and a
// user's credential that cannot make a request must not keep the tools from everyone (20.3).
#include <mcp/http/client.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/upstream.hpp>

#include <mcp/core/encoding.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace mcp::upstream {
namespace {

namespace asio = boost::asio;

// Every request throws, after `delay` (so that stop() can land while a listing is under way).
class ThrowingHttp final : public net::HttpClient {
 public:
  std::atomic<int> requests{0};
  std::chrono::milliseconds delay{0};

  Task<Result<net::ClientResponse>> send(net::ClientRequest) override {
    co_await pause();
    throw std::length_error("field value too large");
  }
  Task<Result<net::StreamedResponse>> open(net::ClientRequest) override {
    co_await pause();
    throw std::length_error("field value too large");
  }

 private:
  Task<void> pause() {
    ++requests;
    asio::steady_timer t(co_await asio::this_coro::executor, delay);
    co_await t.async_wait(asio::use_awaitable);
  }
};

template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// An event loop on a thread of its own, like the ConnectionSet's; stopped and joined however the
// test ends (pending tasks are destroyed with it).
struct Loop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    work.reset();
    io.stop();
    thread.join();
  }
};

TEST(ConnectionLifetime, AListingThatThrowsNeitherEndsTheTaskNorOutlivesRemoval) {
  Server server{ServerOptions{}};
  std::atomic<int> ended{0}, died{0};
  Loop loop;
  auto& io = loop.io;
  constexpr int kRounds = 100;
  for (int i = 0; i < kRounds; ++i) {
    auto http = std::make_shared<ThrowingHttp>();
    http->delay = std::chrono::milliseconds(i % 2);  // odd rounds: removed while listing
    ConnectionOptions o;
    o.name = "c" + std::to_string(i);
    o.url = "http://127.0.0.1:9/mcp";
    auto conn = std::make_shared<Connection>(o, http, nullptr, server);
    asio::co_spawn(io, conn->run(), [&](std::exception_ptr e) {
      ++ended;
      if (e) ++died;
    });
    ASSERT_TRUE(eventually([&] { return http->requests > 0; }));
    bool alive = true;
    if (i % 2 == 0) {
      // The task outlives the throw: asked to list again, it does.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      conn->refresh_soon();
      alive = eventually([&] { return http->requests > 1; }, std::chrono::seconds(2));
      EXPECT_TRUE(alive) << "round " << i << ": the task died with its listing";
    }
    if (i % 4 == 1) conn->stop();  // stop() then retire(): both reach the task
    conn->retire();  // (a dead task's timer was cancelled here after its frame was freed)
    conn.reset();
    if (!alive) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the posted cancel runs
      return;
    }
  }
  EXPECT_TRUE(eventually([&] { return ended == kRounds; })) << ended << " of " << kRounds << " tasks ended";
  EXPECT_EQ(died, 0);
}

constexpr const char* kProxySecret = "lifetime-proxy-secret";

// An upstream naming its caller (trusted-proxy header auth).
struct Upstream {
  Server server{ServerOptions{.info = {"upstream", "1.0.0"}}};
  std::unique_ptr<HttpServer> http;
  Upstream() {
    server.add_tool(Tool{.name = "whoami", .description = "Who is calling"}, [](json::object, Context& ctx) -> Task<ToolResult> {
      co_return ToolResult::structured_content(json::object{{"subject", ctx.principal().subject}});
    });
    HttpOptions o;
    o.port = 0;
    auth::AuthOptions a;
    a.mode = auth::Mode::header;
    a.proxy_secret = kProxySecret;
    o.authenticator = std::make_shared<auth::Authenticator>(a, nullptr);
    http = std::make_unique<HttpServer>(server, o);
    http->start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(http->port()) + "/mcp"; }
};

TEST(ConnectionLifetime, OneUsersUnusableCredentialKeepsTheToolsFromNobody) {
  Upstream up;
  auto db_path = std::filesystem::temp_directory_path() / ("lifetime-test-" + random_token(6) + ".db");
  std::shared_ptr<store::Store> db = store::open_sqlite(db_path.string());
  auto vault = std::make_shared<sources::Vault>(db, std::string(32, 'k'));
  http::ClientOptions co;
  co.policy.allow_http = true;
  co.policy.allow_loopback = true;
  Server server{ServerOptions{}};
  ConnectionOptions o;
  o.name = "up";
  o.url = up.url();
  o.auth = AuthMethod::headers;
  o.timeout = std::chrono::seconds(10);
  auto conn = std::make_shared<Connection>(o, http::make_http_client(co), vault, server);
  // "aaron" sorts first: his 70 kB header (stored before the API checked sizes) is the one the
  // listing would have used, and the Beast client throws on it.
  vault->put("aaron", "up", json::serialize(json::object{{"x-big", std::string(70000, 'v')}}));
  vault->put("alice", "up", json::serialize(json::object{{"X-Mcpbridge-User", "alice"}, {"x-mcpbridge-proxy-secret", kProxySecret}}));
  asio::io_context io;
  auto n = test::run(io, conn->refresh());
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n.value(), 1u);
  auto call = [&](const std::string& user) {
    test::FakeContext ctx;
    ctx.principal_.subject = user;
    auto r = test::run(io, server.handle("tools/call", json::object{{"name", "up__whoami"}, {"arguments", json::object{}}}, ctx));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : json::object{};
  };
  auto aaron = call("aaron");
  EXPECT_TRUE(aaron.at("isError").as_bool());
  EXPECT_NE(json::serialize(aaron).find("longer than"), std::string::npos) << json::serialize(aaron);
  EXPECT_EQ(call("alice").at("structuredContent").at("subject"), "alice");
  conn.reset();
  db.reset();
  std::filesystem::remove(db_path);
}

}  // namespace
}  // namespace mcp::upstream
