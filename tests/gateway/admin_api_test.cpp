// The admin API's rules without a network: who may call what, with which answer.
#include "gateway/admin_api.hpp"
#include "token_authenticator.hpp"

#include <mcp/server/server.hpp>
#include <mcp/store/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace {

struct AdminApiTest : ::testing::Test {
  std::string db = (std::filesystem::temp_directory_path() / ("admin_api_test_" + std::to_string(::getpid()) + ".db")).string();
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(db);
  mcp::config::Config cfg;
  mcp::Server server{mcp::ServerOptions{}};
  std::shared_ptr<mcp::gateway::ConnectionSet> set = std::make_shared<mcp::gateway::ConnectionSet>(server, cfg, store, nullptr,
                                                        std::make_shared<mcp::gateway::Gateway>(cfg.gateway, store));
  std::vector<mcp::net::HttpRoute> routes = mcp::gateway::admin_routes({&cfg, mcp::test::token_authenticator(), set, nullptr});

  ~AdminApiTest() override { std::filesystem::remove(db); }

  mcp::net::HttpResponse call(std::string method, std::string target, std::string token, std::string body = {}) {
    mcp::net::HttpRequest r{std::move(method), std::move(target), {{"host", "127.0.0.1:8080"}}, std::move(body), "127.0.0.1"};
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    if (!r.body.empty()) r.headers.emplace_back("content-type", "application/json");
    boost::asio::io_context io;
    mcp::net::HttpResponse out;
    boost::asio::co_spawn(io, routes.at(0).handler(std::move(r)), [&out](std::exception_ptr e, mcp::net::HttpResponse resp) {
      if (!e) out = std::move(resp);
    });
    io.run();
    return out;
  }
};

TEST_F(AdminApiTest, AnOAuthTokenNeedsTheAdminScopeEvenForAnAdmin) {
  EXPECT_EQ(routes.size(), 1u);
  EXPECT_EQ(call("GET", "/admin/v1/connections", "").status, 401);
  auto delegated = call("GET", "/admin/v1/connections", "alice:mcp:admin");
  EXPECT_EQ(delegated.status, 403);
  EXPECT_NE(delegated.body.find("insufficient_scope"), std::string::npos);
  EXPECT_NE(std::string(delegated.header("www-authenticate")).find("scope=\"admin\""), std::string::npos);
  EXPECT_EQ(call("GET", "/admin/v1/me", "alice:mcp:admin").status, 403);  // the whole API
  EXPECT_EQ(call("GET", "/admin/v1/connections", "alice:admin:admin").status, 200);
  EXPECT_EQ(call("GET", "/admin/v1/connections", "bob:admin:").status, 403);  // the scope without the role
  cfg.admin.scope = "gateway:admin";
  EXPECT_EQ(call("GET", "/admin/v1/connections", "alice:admin:admin").status, 403);
}

TEST_F(AdminApiTest, CredentialsNeedAVault) {
  auto r = call("GET", "/admin/v1/me/credentials", "carol:admin:");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("vault"), std::string::npos);
  EXPECT_EQ(call("POST", "/admin/v1/connections", "alice:admin:admin", R"({"name":"x"})").status, 400);
}

// A started ConnectionSet (its thread runs the connections) with a vault, and 127.0.0.1 allowed
// for run-time connections: nothing listens on port 9, so every upstream is down.
struct AdminConnectionsTest : AdminApiTest {
  std::shared_ptr<mcp::sources::Vault> vault = std::make_shared<mcp::sources::Vault>(store, std::string(32, 'k'));
  std::shared_ptr<mcp::gateway::ConnectionSet> running;
  std::vector<mcp::net::HttpRoute> api;
  static constexpr const char* kAdmin = "alice:admin:admin";

  AdminConnectionsTest() {
    cfg.admin.private_hosts = {"127.0.0.1"};
    running = std::make_shared<mcp::gateway::ConnectionSet>(server, cfg, store, vault,
                                                            std::make_shared<mcp::gateway::Gateway>(cfg.gateway, store));
    EXPECT_EQ(running->start(), "");
    api = mcp::gateway::admin_routes({&cfg, mcp::test::token_authenticator(), running, vault});
  }
  ~AdminConnectionsTest() override { running.reset(); }

  mcp::net::HttpResponse send(std::string method, std::string target, std::string token, std::string body = {}) {
    routes = api;
    return call(std::move(method), std::move(target), std::move(token), std::move(body));
  }
  static std::string entry(const std::string& name, const std::string& url, std::string more = {}) {
    return mcp::json::serialize(mcp::json::object{{"name", name}, {"url", url}, {"allow_private", true}}).insert(1, more);
  }
};

constexpr const char* kDown = "http://127.0.0.1:9/mcp";

// Issue 20.1: a connection whose task died (its listing threw: a 70 kB host does not fit a Host
// header) was removed through a dangling timer. The oversized host is refused now; the churn
// around it still races removals against listings in flight.
TEST_F(AdminConnectionsTest, ChurnWithAnOversizedHostNeverCrashes) {
  std::string big = "http://" + std::string(70000, 'a') + ".example/mcp";
  for (int i = 0; i < 100; ++i) {
    auto n = std::to_string(i);
    auto bad = send("POST", "/admin/v1/connections", kAdmin, mcp::json::serialize(mcp::json::object{{"name", "big" + n}, {"url", big}}));
    EXPECT_EQ(bad.status, 400) << bad.body.substr(0, 300);
    EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("ok" + n, kDown)).status, 201);
    if (i % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let its listing start
    EXPECT_EQ(send("DELETE", "/admin/v1/connections/ok" + n, kAdmin).status, 204);
    auto gone = send("DELETE", "/admin/v1/connections/big" + n, kAdmin).status;
    EXPECT_TRUE(gone == 404 || gone == 204) << gone;
  }
  EXPECT_EQ(running->describe().size(), 0u);
}

// Issue 20.9: whatever is created can be deleted through the API.
TEST_F(AdminConnectionsTest, NamesAndIdentifiersAreBoundedAtCreation) {
  auto too_long = send("POST", "/admin/v1/connections", kAdmin, entry(std::string(200, 'n'), kDown));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("name"), std::string::npos) << too_long.body;
  std::string longest(64, 'n');
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry(longest, kDown)).status, 201);
  EXPECT_EQ(send("DELETE", "/admin/v1/connections/" + longest, kAdmin).status, 204);
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("u", "http://127.0.0.1:9/" + std::string(5000, 'p'))).status, 400);
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("h", kDown, R"("auth":"api_key","api_key_header":"x y",)")).status, 400);
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("h", kDown, R"("allow":[")" + std::string(2000, '*') + R"("],)")).status, 400);
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]").status, 400);
  EXPECT_EQ(running->describe().size(), 0u);
}

// Issue 20.10: no control characters in URLs and names (they would reach log lines).
TEST_F(AdminConnectionsTest, ControlCharactersAreRefusedInUrlsAndNames) {
  for (auto url : {R"(http://127.0.0.1:9/mcp\n2026-01-01 info forged)", R"(http://127.0.0.1:9/m cp)", R"(http://127.0.0.1:9/\u001b[31m)"}) {
    auto r = send("POST", "/admin/v1/connections", kAdmin, R"({"name":"c","allow_private":true,"url":")" + std::string(url) + R"("})");
    EXPECT_EQ(r.status, 400) << url << " " << r.body;
  }
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, R"({"name":"c\nforged","url":"http://127.0.0.1:9/mcp","allow_private":true})").status, 400);
  EXPECT_EQ(running->describe().size(), 0u);
}

// Issue 20.11: intervals and timeouts within floors and ceilings, at the API, in the config
// file and in the CLI.
TEST_F(AdminConnectionsTest, IntervalsAndTimeoutsAreBounded) {
  for (auto more : {R"("refresh_s":0,)", R"("refresh_s":9,)", R"("refresh_s":86401,)", R"("timeout_ms":-5,)",
                    R"("timeout_ms":99,)", R"("timeout_ms":600001,)"}) {
    auto r = send("POST", "/admin/v1/connections", kAdmin, entry("t", kDown, more));
    EXPECT_EQ(r.status, 400) << more;
    EXPECT_TRUE(r.body.find("refresh_s") != std::string::npos || r.body.find("timeout_ms") != std::string::npos) << r.body;
  }
  EXPECT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("t", kDown, R"("refresh_s":10,"timeout_ms":100,)")).status, 201);
  EXPECT_EQ(send("DELETE", "/admin/v1/connections/t", kAdmin).status, 204);

  mcp::config::Config file;
  EXPECT_THROW(mcp::config::apply_yaml(file, "connections:\n  - {name: a, url: 'https://a.example/mcp', refresh_s: 0}\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_yaml(file, "connections:\n  - {name: a, url: 'https://a.example/mcp', timeout_ms: -5}\n"), std::runtime_error);
  EXPECT_NO_THROW(mcp::config::apply_yaml(file, "connections:\n  - {name: a, url: 'https://a.example/mcp', refresh_s: 60}\n"));

  std::istringstream in;
  std::ostringstream out, err;
  mcp::gateway::ConnectionsCommand add{"add", "t", "", entry("t", kDown, R"("refresh_s":0,)")};
  EXPECT_EQ(mcp::gateway::connections_command(cfg, store, add, in, out, err), 2);
  EXPECT_NE(err.str().find("refresh_s"), std::string::npos) << err.str();
  EXPECT_TRUE(store->list_connections().empty());
}

// Issue 20.3: one user's oversized or header-unsafe credential is refused for that user, and the
// shared connection keeps running for everyone.
TEST_F(AdminConnectionsTest, AnUnusableCredentialIsRefusedAndStopsNothing) {
  ASSERT_EQ(send("POST", "/admin/v1/connections", kAdmin, entry("shared", kDown, R"("auth":"api_key","per_user":true,)")).status, 201);
  auto path = "/admin/v1/me/credentials/shared";
  auto big = send("PUT", path, "bob:admin:", mcp::json::serialize(mcp::json::object{{"secret", std::string(70000, 'k')}}));
  EXPECT_EQ(big.status, 400);
  EXPECT_NE(big.body.find("longer than"), std::string::npos) << big.body.substr(0, 300);
  EXPECT_EQ(send("PUT", path, "bob:admin:", R"({"secret":"k\r\nInjected: 1"})").status, 400);
  EXPECT_EQ(send("PUT", path, "bob:admin:", R"({"secret":"k\u0000"})").status, 400);
  EXPECT_FALSE(vault->get("bob", "shared"));
  EXPECT_EQ(send("PUT", path, "carol:admin:", R"({"secret":"carol-key"})").status, 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its listing runs (and fails: port 9)
  EXPECT_EQ(send("GET", "/admin/v1/connections/shared", kAdmin).status, 200);
  EXPECT_EQ(send("DELETE", "/admin/v1/connections/shared", kAdmin).status, 204);
}

}  // namespace
