// The admin API's rules without a network: who may call what, with which answer.
#include "gateway/admin_api.hpp"

#include <mcp/server/server.hpp>
#include <mcp/store/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace {

// An oauth-mode authenticator whose tokens are "<subject>:<scope,...>:<role,...>".
std::shared_ptr<mcp::auth::Authenticator> oauth_authenticator() {
  mcp::auth::AuthOptions o;
  o.mode = mcp::auth::Mode::oauth;
  o.resource = "http://127.0.0.1:8080/mcp";
  o.token_verifier = [](std::string_view token, const std::string&) -> std::variant<mcp::Principal, std::string> {
    auto a = token.find(':'), b = token.find(':', a + 1);
    if (a == std::string_view::npos || b == std::string_view::npos) return std::string("bad token");
    mcp::Principal p;
    p.subject = std::string(token.substr(0, a));
    p.method = "oauth";
    if (b > a + 1) p.scopes = {std::string(token.substr(a + 1, b - a - 1))};
    if (b + 1 < token.size()) p.roles = {std::string(token.substr(b + 1))};
    return p;
  };
  return std::make_shared<mcp::auth::Authenticator>(o, nullptr);
}

struct AdminApiTest : ::testing::Test {
  std::string db = (std::filesystem::temp_directory_path() / ("admin_api_test_" + std::to_string(::getpid()) + ".db")).string();
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(db);
  mcp::config::Config cfg;
  mcp::Server server{mcp::ServerOptions{}};
  std::shared_ptr<mcp::gateway::ConnectionSet> set = std::make_shared<mcp::gateway::ConnectionSet>(server, cfg, store, nullptr,
                                                        std::make_shared<mcp::gateway::Gateway>(cfg.gateway, store));
  std::vector<mcp::net::HttpRoute> routes = mcp::gateway::admin_routes({&cfg, oauth_authenticator(), set, nullptr});

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

}  // namespace
