// Custom connections against a real upstream: an mcp::HttpServer on 127.0.0.1 (trusted-proxy
// header auth, so each forwarded call shows who it came from), reached through the real HTTP
// client and the SDK client. Two users with their own credentials, a user who has not signed
// in, relayed progress, allow/deny lists, and an upstream that dies and comes back.
#include <mcp/http/client.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/upstream.hpp>

#include <mcp/core/encoding.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

namespace mcp::upstream {
namespace {

constexpr const char* kProxySecret = "upstream-proxy-secret";

// The upstream: whoami (the caller's subject), count (3 progress notifications), boom (an error).
struct Upstream {
  Server server{ServerOptions{.info = {"upstream", "1.0.0"}}};
  std::unique_ptr<HttpServer> http;
  std::uint16_t port = 0;

  Upstream() {
    server.add_tool(Tool{.name = "whoami", .description = "Who is calling"}, [](json::object, Context& ctx) -> Task<ToolResult> {
      co_return ToolResult::structured_content(json::object{{"subject", ctx.principal().subject}});
    });
    server.add_tool(Tool{.name = "count", .description = "Counts to three"}, [](json::object, Context& ctx) -> Task<ToolResult> {
      for (int i = 1; i <= 3; ++i) co_await ctx.progress(i, 3);
      co_return ToolResult::text("counted");
    });
    server.add_tool(Tool{.name = "admin_reset", .description = "Must not be exposed"},
                    [](json::object, Context&) -> Task<ToolResult> { co_return ToolResult::text("reset!"); });
    server.add_tool(Tool{.name = "wait", .description = "Waits up to 5 s, or until cancelled"},
                    [this](json::object, Context& ctx) -> Task<ToolResult> {
                      for (int i = 0; i < 50; ++i) {
                        if (!co_await ctx.sleep(std::chrono::milliseconds(100))) break;
                      }
                      if (ctx.cancelled()) saw_cancel = true;
                      co_return ToolResult::text("waited");
                    });
    start(0);
  }
  std::atomic<bool> saw_cancel{false};
  void start(std::uint16_t p) {
    HttpOptions o;
    o.port = p;
    auth::AuthOptions a;
    a.mode = auth::Mode::header;
    a.proxy_secret = kProxySecret;
    o.authenticator = std::make_shared<auth::Authenticator>(a, nullptr);
    http = std::make_unique<HttpServer>(server, o);
    http->start();
    port = http->port();
  }
  void stop() {  // like a process dying: its sockets close
    http->stop();
    http.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/mcp"; }
};

std::string creds(const std::string& user) {
  return json::serialize(json::object{{"X-Mcpbridge-User", user}, {"x-mcpbridge-proxy-secret", kProxySecret}});
}

struct Gateway {
  std::filesystem::path db_path = std::filesystem::temp_directory_path() / ("upstream-test-" + random_token(6) + ".db");
  std::shared_ptr<store::Store> db = store::open_sqlite(db_path.string());
  std::shared_ptr<sources::Vault> vault = std::make_shared<sources::Vault>(db, std::string(32, 'k'));
  Server server{ServerOptions{}};
  std::shared_ptr<net::HttpClient> http;
  std::shared_ptr<Connection> conn;

  explicit Gateway(const std::string& url, std::vector<std::string> deny = {"admin_*"}) {
    http::ClientOptions co;
    co.policy.allow_http = true;
    co.policy.allow_loopback = true;
    http = http::make_http_client(co);
    ConnectionOptions o;
    o.name = "up";
    o.url = url;
    o.auth = AuthMethod::headers;
    o.deny = std::move(deny);
    o.timeout = std::chrono::seconds(10);
    conn = std::make_shared<Connection>(o, http, vault, server);
  }
  ~Gateway() {
    conn.reset();
    db.reset();
    std::filesystem::remove(db_path);
  }
  json::object call(boost::asio::io_context& io, const std::string& user, const std::string& tool,
                    test::FakeContext* ctx_out = nullptr) {
    test::FakeContext local;
    test::FakeContext& ctx = ctx_out ? *ctx_out : local;
    ctx.principal_.subject = user;
    auto r = test::run(io, server.handle("tools/call", json::object{{"name", tool}, {"arguments", json::object{}}}, ctx));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : json::object{};
  }
};

std::string text_of(const json::object& result) {
  std::string out;
  for (auto& c : result.at("content").as_array()) out += json::value_to<std::string>(c.at("text"));
  return out;
}

TEST(Connection, EachUserReachesTheUpstreamAsThemselves) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  // Nobody has signed in: there is nobody to list the tools as.
  EXPECT_FALSE(test::run(io, gw.conn->refresh()));
  gw.vault->put("alice", "up", creds("alice"));
  gw.vault->put("bob", "up", creds("bob"));
  auto n = test::run(io, gw.conn->refresh());
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n.value(), 3u);  // whoami, count, wait; admin_reset is denied
  EXPECT_TRUE(gw.server.find_tool("up__whoami"));
  EXPECT_FALSE(gw.server.find_tool("up__admin_reset"));

  auto alice = gw.call(io, "alice", "up__whoami");
  EXPECT_EQ(alice.at("structuredContent").at("subject"), "alice");
  auto bob = gw.call(io, "bob", "up__whoami");
  EXPECT_EQ(bob.at("structuredContent").at("subject"), "bob");

  auto carol = gw.call(io, "carol", "up__whoami");
  EXPECT_TRUE(carol.at("isError").as_bool());
  EXPECT_NE(text_of(carol).find("mcpbridge connections login up --user carol"), std::string::npos) << text_of(carol);
}

TEST(Connection, ABadCredentialIsAToolErrorNotACrash) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  gw.vault->put("alice", "up", creds("alice"));
  ASSERT_TRUE(test::run(io, gw.conn->refresh()));
  gw.vault->put("mallory", "up", json::serialize(json::object{{"x-mcpbridge-user", "alice"}, {"x-mcpbridge-proxy-secret", "guess"}}));
  auto r = gw.call(io, "mallory", "up__whoami");
  EXPECT_TRUE(r.at("isError").as_bool());
  EXPECT_NE(text_of(r).find("401"), std::string::npos) << text_of(r);
  gw.vault->put("eve", "up", "not json");
  auto e = gw.call(io, "eve", "up__whoami");
  EXPECT_TRUE(e.at("isError").as_bool());
  EXPECT_NE(text_of(e).find("JSON object"), std::string::npos) << text_of(e);
}

TEST(Connection, ProgressIsRelayed) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  gw.vault->put("alice", "up", creds("alice"));
  ASSERT_TRUE(test::run(io, gw.conn->refresh()));
  test::FakeContext ctx;
  auto r = gw.call(io, "alice", "up__count", &ctx);
  EXPECT_EQ(text_of(r), "counted");
  EXPECT_EQ(ctx.progress_calls, (std::vector<double>{1, 2, 3}));
}

TEST(Connection, AnUpstreamThatDiesIsAToolErrorAndServiceReturnsWithIt) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  gw.vault->put("alice", "up", creds("alice"));
  ASSERT_TRUE(test::run(io, gw.conn->refresh()));
  EXPECT_EQ(gw.call(io, "alice", "up__whoami").at("structuredContent").at("subject"), "alice");
  auto port = up.port;
  up.stop();
  auto t0 = std::chrono::steady_clock::now();
  auto down = gw.call(io, "alice", "up__whoami");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));  // no hang
  EXPECT_TRUE(down.at("isError").as_bool());
  EXPECT_NE(text_of(down).find("up"), std::string::npos);
  up.start(port);  // a new process: the old session is gone (404), the gateway opens a new one
  auto back = gw.call(io, "alice", "up__whoami");
  ASSERT_FALSE(back.contains("isError") && back.at("isError").as_bool()) << text_of(back);
  EXPECT_EQ(back.at("structuredContent").at("subject"), "alice");
}

TEST(Connection, ACancelledCallIsCancelledUpstreamAndDoesNotWaitForIt) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  gw.vault->put("alice", "up", creds("alice"));
  ASSERT_TRUE(test::run(io, gw.conn->refresh()));
  test::FakeContext ctx;
  boost::asio::steady_timer cancel_soon(io, std::chrono::milliseconds(300));
  cancel_soon.async_wait([&](boost::system::error_code) { ctx.is_cancelled = true; });
  auto t0 = std::chrono::steady_clock::now();
  gw.call(io, "alice", "up__wait", &ctx);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  for (int i = 0; i < 40 && !up.saw_cancel; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(up.saw_cancel);
}

// The call's deadline (CallInfo::deadline) bounds the forwarded call however long the
// connection's own timeout (10 s here): the caller gets a tool error near it, and the upstream,
// still working, is told to stop.
TEST(Connection, ACallEndsAtItsDeadlineAndIsCancelledUpstream) {
  Upstream up;
  Gateway gw(up.url());
  boost::asio::io_context io;
  gw.vault->put("alice", "up", creds("alice"));
  ASSERT_TRUE(test::run(io, gw.conn->refresh()));
  test::FakeContext ctx;
  ctx.call().deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  auto r = gw.call(io, "alice", "up__wait", &ctx);  // the upstream takes 5 s
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  ASSERT_TRUE(r.contains("isError"));
  EXPECT_TRUE(r.at("isError").as_bool());
  EXPECT_NE(text_of(r).find("The upstream 'up' did not answer wait in time"), std::string::npos) << text_of(r);
  EXPECT_EQ(ctx.call().upstream.failure, "timeout");
  for (int i = 0; i < 40 && !up.saw_cancel; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(up.saw_cancel);
}

TEST(Connection, HeadersCredentialsAreChecked) {
  ConnectionOptions o;
  o.auth = AuthMethod::headers;
  EXPECT_TRUE(Connection::headers_for(o, R"({"X-Key":"v"})"));
  EXPECT_FALSE(Connection::headers_for(o, R"({"X-Key":"v\r\nInjected: 1"})"));
  EXPECT_FALSE(Connection::headers_for(o, R"({"Bad Name":"v"})"));
  EXPECT_FALSE(Connection::headers_for(o, R"({"Host":"evil"})"));
  EXPECT_FALSE(Connection::headers_for(o, R"([1])"));
  o.auth = AuthMethod::api_key;
  auto h = Connection::headers_for(o, "k-123");
  ASSERT_TRUE(h);
  EXPECT_EQ(h.value()[0], (std::pair<std::string, std::string>{"authorization", "Bearer k-123"}));
  o.api_key_header = "x-api-key";
  EXPECT_EQ(Connection::headers_for(o, "k-123").value()[0].first, "x-api-key");
  EXPECT_FALSE(Connection::headers_for(o, ""));
}

TEST(Connection, AllowAndDenyLists) {
  ConnectionOptions o;
  o.allow = {"issues_*", "search"};
  o.deny = {"issues_delete*"};
  EXPECT_TRUE(tool_allowed(o, "issues_list"));
  EXPECT_TRUE(tool_allowed(o, "search"));
  EXPECT_FALSE(tool_allowed(o, "issues_delete_all"));
  EXPECT_FALSE(tool_allowed(o, "repos_list"));
}

}  // namespace
}  // namespace mcp::upstream
