// No store call on an event loop: while a request waits for the store (every call sleeps 300 ms,
// as a slow or paused database would), the server's only event loop (threads 1) answers another
// request at once. Covers an API key not cached, the OAuth endpoints, the admin API and /readyz.
#include "gateway/admin_api.hpp"
#include "slow_store.hpp"

#include <mcp/auth/auth.hpp>
#include <mcp/authz/authz.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/async_store.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <unistd.h>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr int kSlowMs = 300;

struct Reply {
  int status = 0;
  std::string body;
};

// One request per connection (Connection: close), read to EOF.
Reply send(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
           std::vector<std::string> headers = {}) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (auto& h : headers) req += h + "\r\n";
  asio::write(s, asio::buffer(req + "\r\n" + body));
  std::string raw;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(raw), ec);
  Reply r;
  if (raw.size() > 12) r.status = std::stoi(raw.substr(9, 3));
  if (auto end = raw.find("\r\n\r\n"); end != std::string::npos) r.body = raw.substr(end + 4);
  return r;
}

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

class StoreOffload : public ::testing::Test {
 protected:
  std::string path =
      (std::filesystem::temp_directory_path() / ("store_offload_" + std::to_string(::getpid()) + ".db")).string();
  std::shared_ptr<mcp::test::SlowStore> slow;
  mcp::store::AsyncStore db;
  mcp::Server server{mcp::ServerOptions{}};
  mcp::config::Config cfg;
  std::shared_ptr<mcp::authz::AuthorizationServer> as;
  std::shared_ptr<mcp::auth::Authenticator> authn;
  std::unique_ptr<mcp::HttpServer> http;
  std::string key;  // alice's API key
  mcp::authz::NewClient service, web;

  void SetUp() override {
    std::filesystem::remove(path);
    std::shared_ptr<mcp::store::Store> inner = mcp::store::open_sqlite(path);
    inner->put_user({"alice", "eng", {"admin"}, "", 1});
    auto k = mcp::auth::make_api_key("alice", "eng", {}, "test", 0);
    inner->put_api_key(k.record);
    key = k.secret;
    service = mcp::authz::register_client(*inner, "service", {}, "mcp", {"client_credentials"});
    web = mcp::authz::register_client(*inner, "web", {"http://127.0.0.1:7777/cb"}, "mcp", {});
    slow = std::make_shared<mcp::test::SlowStore>(inner);
    db = mcp::store::AsyncStore(slow);

    mcp::authz::AuthzOptions o;
    o.issuer = "http://127.0.0.1:9";
    o.resource = "http://127.0.0.1:9/mcp";
    o.key_encryption_key = std::string(32, 'k');
    as = std::make_shared<mcp::authz::AuthorizationServer>(o, db);
    mcp::auth::AuthOptions a;
    a.mode = mcp::auth::Mode::api_key;
    authn = std::make_shared<mcp::auth::Authenticator>(a, db);
    auto vault = std::make_shared<mcp::sources::Vault>(slow, std::string(32, 'v'));

    mcp::HttpOptions h;
    h.port = 0;
    h.threads = 1;  // one event loop: anything blocking it delays every other request
    h.authenticator = authn;
    h.routes = as->routes();
    for (auto& r : mcp::gateway::admin_routes({&cfg, authn, nullptr, vault, db})) h.routes.push_back(std::move(r));
    h.readiness.emplace_back("store", [db = db] { return db.answers(); });
    http = std::make_unique<mcp::HttpServer>(server, h);
    http->start();
  }

  void TearDown() override {
    http->stop();
    db.drain();
    std::filesystem::remove(path);
  }

  // `request` sent while the store is slow; once its first store call has begun, /healthz is
  // timed on the same loop. Expects the request to have waited for the store and /healthz not.
  Reply while_store_waits(std::function<Reply()> request) {
    slow->entered = 0;
    slow->delay_ms = kSlowMs;
    auto began = Clock::now();
    auto pending = std::async(std::launch::async, std::move(request));
    for (int i = 0; i < 400 && slow->entered == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_GT(slow->entered.load(), 0) << "the request never reached the store";
    auto asked = Clock::now();
    auto health = send(http->port(), "GET", "/healthz");
    auto health_ms = ms_since(asked);
    auto reply = pending.get();
    auto request_ms = ms_since(began);
    slow->delay_ms = 0;
    EXPECT_EQ(health.status, 200);
    EXPECT_LT(health_ms, 100) << "/healthz waited for another request's store call";
    EXPECT_GE(request_ms, kSlowMs) << "the request did not wait for the store";
    return reply;
  }

  std::string bearer() const { return "Authorization: Bearer " + key; }
};

TEST_F(StoreOffload, AnApiKeyNotCachedIsLookedUpOffTheLoop) {
  auto r = while_store_waits([this] {
    return send(http->port(), "POST", "/mcp",
                R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
                R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
                {bearer(), "Content-Type: application/json", "Accept: application/json, text/event-stream"});
  });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("protocolVersion"), std::string::npos) << r.body;
  // Cached now: decided without the store.
  slow->delay_ms = kSlowMs;
  slow->entered = 0;
  auto again = send(http->port(), "POST", "/mcp", R"({"jsonrpc":"2.0","id":2,"method":"ping"})",
                    {bearer(), "Content-Type: application/json", "Accept: application/json, text/event-stream",
                     "MCP-Protocol-Version: 2025-06-18"});
  slow->delay_ms = 0;
  EXPECT_EQ(slow->entered.load(), 0);
  EXPECT_NE(again.status, 401) << again.body;
}

TEST_F(StoreOffload, AnUnknownApiKeyIsRefusedOffTheLoop) {
  auto r = while_store_waits([this] {
    return send(http->port(), "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                {"Authorization: Bearer mcpb_unknown", "Content-Type: application/json",
                 "Accept: application/json, text/event-stream"});
  });
  EXPECT_EQ(r.status, 401) << r.body;
}

TEST_F(StoreOffload, TheTokenEndpointAwaitsTheStore) {
  auto basic = "Authorization: Basic " + mcp::base64_encode(service.record.id + ":" + service.secret);
  auto r = while_store_waits([&] {
    return send(http->port(), "POST", "/token", "grant_type=client_credentials&scope=mcp",
                {basic, "Content-Type: application/x-www-form-urlencoded"});
  });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("access_token"), std::string::npos) << r.body;
}

TEST_F(StoreOffload, TheAuthorizationPageAndRegistrationAwaitTheStore) {
  std::string challenge(43, 'A');
  auto page = while_store_waits([&] {
    return send(http->port(), "GET",
                "/authorize?response_type=code&client_id=" + web.record.id +
                    "&redirect_uri=http%3A%2F%2F127.0.0.1%3A7777%2Fcb&code_challenge=" + challenge +
                    "&code_challenge_method=S256");
  });
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Authorize access"), std::string::npos);
  auto reg = while_store_waits([&] {
    return send(http->port(), "POST", "/register", R"({"redirect_uris":["http://127.0.0.1:7777/cb"]})",
                {"Content-Type: application/json"});
  });
  EXPECT_EQ(reg.status, 201) << reg.body;
}

TEST_F(StoreOffload, TheAdminApiHandlesRequestsOffTheLoop) {
  ASSERT_EQ(send(http->port(), "GET", "/admin/v1/me", "", {bearer()}).status, 200);  // the key cached
  auto r = while_store_waits([this] { return send(http->port(), "GET", "/admin/v1/me/credentials", "", {bearer()}); });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("credentials"), std::string::npos) << r.body;
}

TEST_F(StoreOffload, ReadyzAwaitsTheStore) {
  auto r = while_store_waits([this] { return send(http->port(), "GET", "/readyz"); });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("store":true)"), std::string::npos) << r.body;
}

// A tool call's per-user credential (the vault, on a cache miss): read on the store's pool, the
// loop goes on meanwhile (a timer due in 50 ms fires long before the 300 ms read ends); then
// cached, answered inline.
TEST(VaultOffload, ACacheMissIsReadOffTheLoop) {
  auto path = (std::filesystem::temp_directory_path() / ("vault_offload_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  auto slow = std::make_shared<mcp::test::SlowStore>(std::shared_ptr<mcp::store::Store>(mcp::store::open_sqlite(path)));
  mcp::store::AsyncStore db(slow);
  auto vault = std::make_shared<mcp::sources::Vault>(slow, std::string(32, 'v'));
  vault->put("alice", "crm", "alice-secret");
  vault->await_on(db);
  slow->delay_ms = kSlowMs;
  asio::io_context io;
  long timer_ms = -1, read_ms = -1, cached_ms = -1;
  std::optional<std::string> got, again;
  auto t0 = Clock::now();
  asio::steady_timer tick(io, std::chrono::milliseconds(50));
  tick.async_wait([&](boost::system::error_code) { timer_ms = ms_since(t0); });
  asio::co_spawn(
      io,
      [](std::shared_ptr<mcp::sources::Vault> v, std::optional<std::string>* got, std::optional<std::string>* again,
         long* read_ms, long* cached_ms, Clock::time_point t0) -> mcp::Task<void> {
        *got = co_await v->get_async("alice", "crm");
        *read_ms = ms_since(t0);
        auto t1 = Clock::now();
        *again = co_await v->get_async("alice", "crm");
        *cached_ms = ms_since(t1);
      }(vault, &got, &again, &read_ms, &cached_ms, t0),
      [](std::exception_ptr e) { EXPECT_FALSE(e); });
  io.run();
  EXPECT_EQ(got, std::optional<std::string>("alice-secret"));
  EXPECT_EQ(again, got);
  EXPECT_GE(read_ms, kSlowMs - 20);
  EXPECT_GE(timer_ms, 0);
  EXPECT_LT(timer_ms, 150) << "the loop waited for the store";
  EXPECT_LT(cached_ms, 50);
  EXPECT_EQ(slow->entered.load(), 1);  // the second answer came from the cache
  db.drain();
  std::filesystem::remove(path);
}

// The seam itself: results and exceptions come back to the caller's executor.
TEST(AsyncStore, ResumesTheCallerWithTheResultOrTheException) {
  auto path = (std::filesystem::temp_directory_path() / ("async_store_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  mcp::store::AsyncStore db(std::shared_ptr<mcp::store::Store>(mcp::store::open_sqlite(path)));
  asio::io_context io;
  std::thread::id caller = std::this_thread::get_id(), ran_on, resumed_on;
  bool threw = false;
  std::optional<mcp::store::User> found;
  asio::co_spawn(
      io,
      [](mcp::store::AsyncStore db, std::thread::id* ran_on, std::thread::id* resumed_on, bool* threw,
         std::optional<mcp::store::User>* found) -> mcp::Task<void> {
        co_await db.call([ran_on](mcp::store::Store& s) {
          *ran_on = std::this_thread::get_id();
          s.put_user({"bob", "", {}, "", 1});
        });
        *resumed_on = std::this_thread::get_id();
        auto finding = db.find_user("bob");
        *found = co_await std::move(finding);
        try {
          co_await db.call([](mcp::store::Store&) -> int { throw std::runtime_error("down"); });
        } catch (const std::runtime_error& e) {
          *threw = std::string(e.what()) == "down";
        }
      }(db, &ran_on, &resumed_on, &threw, &found),
      [](std::exception_ptr e) { EXPECT_FALSE(e); });
  io.run();
  EXPECT_NE(ran_on, caller);
  EXPECT_EQ(resumed_on, caller);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "bob");
  EXPECT_TRUE(threw);
  db.drain();
  std::filesystem::remove(path);
}

}  // namespace
