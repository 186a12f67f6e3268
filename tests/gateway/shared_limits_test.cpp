// One Gateway for every source (gateway::assemble): the cache bound and the gateway-wide rate
// limits hold across an OpenAPI source and a connection together. Before, each connection had
// a Gateway of its own (its own cache and buckets), so a connection's cached result never
// pushed an OpenAPI source's out, and no bucket spanned sources.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>
#include <thread>

#include "openapi/fakes.hpp"

namespace {

using mcp::json::object;
namespace fs = std::filesystem;

// Two real upstreams on 127.0.0.1: a REST API (GET /items) and an MCP server with one
// read-only tool; each counts the calls that reach it.
struct Upstreams {
  std::shared_ptr<std::atomic<int>> rest_hits = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> mcp_hits = std::make_shared<std::atomic<int>>(0);
  mcp::Server rest_server{mcp::ServerOptions{}};
  mcp::Server mcp_server{mcp::ServerOptions{}};
  std::unique_ptr<mcp::HttpServer> rest, mcp;

  Upstreams() {
    mcp::HttpOptions ro;
    ro.port = 0;
    ro.routes.push_back(
        {"/items", false,
         [hits = rest_hits](mcp::net::HttpRequest) -> mcp::Task<mcp::net::HttpResponse> {
           ++*hits;
           co_return mcp::net::json_response(200, R"({"items":[1,2]})");
         }});
    rest = std::make_unique<mcp::HttpServer>(rest_server, ro);
    rest->start();
    mcp::Tool t;
    t.name = "lookup";
    t.description = "A read-only lookup";
    t.annotations["readOnlyHint"] = true;
    mcp_server.add_tool(t, [hits = mcp_hits](object, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
      ++*hits;
      co_return mcp::ToolResult::text("found");
    });
    mcp::HttpOptions mo;
    mo.port = 0;
    mcp = std::make_unique<mcp::HttpServer>(mcp_server, mo);
    mcp->start();
  }
};

struct SharedLimits : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("shared_limits_" + std::to_string(::getpid()));
  Upstreams up;
  mcp::config::Config cfg;

  SharedLimits() {
    fs::create_directories(dir);
    std::ofstream(dir / "items.yaml")
        << "openapi: 3.0.3\ninfo: {title: Items, version: '1'}\npaths:\n  /items:\n"
           "    get:\n      operationId: listItems\n"
           "      responses: {'200': {description: ok}}\n";
    cfg.auth.mode = mcp::auth::Mode::none;
    cfg.builtin_tools = false;
    cfg.store_path = (dir / "store.db").string();
    cfg.http.port = 0;
    mcp::config::OpenApiSourceConfig items;
    items.spec = (dir / "items.yaml").string();
    items.upstream.name = "items";
    items.upstream.base_url = "http://127.0.0.1:" + std::to_string(up.rest->port());
    items.limits.cache_ttl = std::chrono::minutes(1);
    cfg.openapi.push_back(items);
    mcp::config::ConnectionConfig conn;
    conn.options.name = "conn";
    conn.options.url = "http://127.0.0.1:" + std::to_string(up.mcp->port()) + "/mcp";
    conn.allow_private = true;
    conn.limits.cache_ttl = std::chrono::minutes(1);
    cfg.connections.push_back(conn);
  }
  ~SharedLimits() override { fs::remove_all(dir); }

  // The assembled gateway, once the connection has listed its tool (bounded wait).
  std::unique_ptr<mcp::gateway::Assembly> assemble() {
    auto a = mcp::gateway::assemble(cfg);
    a->start();
    for (int i = 0; i < 200 && !a->server().find_tool("conn__lookup"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    EXPECT_TRUE(a->server().find_tool("conn__lookup"));
    return a;
  }

  static object call(mcp::gateway::Assembly& a, const std::string& tool) {
    mcp::test::CallContext ctx;
    auto r = mcp::test::run_task(
        a.server().handle("tools/call", object{{"name", tool}, {"arguments", object{}}}, ctx));
    EXPECT_TRUE(r.has_value());
    return r ? *r : object{};
  }
  // The OpenAPI source's one tool (named by the loader from operationId listItems).
  static std::string rest_tool(mcp::gateway::Assembly& a) {
    mcp::test::CallContext ctx;
    auto r = mcp::test::run_task(a.server().handle("tools/list", object{}, ctx));
    if (r)
      for (auto& t : r->at("tools").as_array())
        if (auto name = std::string(t.at("name").as_string()); name.rfind("conn__", 0) != 0)
          return name;
    ADD_FAILURE() << "no OpenAPI tool listed";
    return {};
  }
  static bool is_error(const object& r) { return r.contains("isError") && r.at("isError") == true; }
};

TEST_F(SharedLimits, TheCacheBoundHoldsAcrossSources) {
  cfg.gateway.cache_max_entries = 1;  // one cached result in the whole gateway
  auto a = assemble();
  auto items = rest_tool(*a);
  auto first = call(*a, items);
  ASSERT_FALSE(is_error(first)) << mcp::json::serialize(first);
  call(*a, items);
  EXPECT_EQ(*up.rest_hits, 1);  // the second came from the cache
  EXPECT_FALSE(is_error(call(*a, "conn__lookup")));
  EXPECT_EQ(*up.mcp_hits, 1);
  // The connection's result took the one place: the OpenAPI source's went.
  call(*a, items);
  EXPECT_EQ(*up.rest_hits, 2);
  EXPECT_EQ(a->gateway().stats().cache_hits, 1u);
}

TEST_F(SharedLimits, OneBucketSpansSources) {
  cfg.gateway.per_principal = {0.001, 1};  // one call, then a long wait, whichever source
  auto a = assemble();
  EXPECT_FALSE(is_error(call(*a, rest_tool(*a))));
  auto refused = call(*a, "conn__lookup");
  EXPECT_TRUE(is_error(refused));
  EXPECT_NE(mcp::json::serialize(refused).find("Rate limit reached for your calls"),
            std::string::npos);
  EXPECT_EQ(*up.mcp_hits, 0);  // refused before the upstream
  EXPECT_EQ(a->gateway().stats().rate_limited, 1u);
}

TEST(GatewayLimitsConfig, ReadFromTheGatewaySection) {
  mcp::config::Config c;
  mcp::config::apply_yaml(c, "gateway:\n  per_principal: {per_second: 2, burst: 3}\n  all_calls: {per_second: 9}\n");
  EXPECT_EQ(c.gateway.per_principal.per_second, 2);
  EXPECT_EQ(c.gateway.per_principal.burst, 3);
  EXPECT_EQ(c.gateway.all_calls.per_second, 9);
  EXPECT_THROW(mcp::config::apply_yaml(c, "gateway:\n  all_calls: {per_minute: 9}\n"), std::runtime_error);
}

}  // namespace
