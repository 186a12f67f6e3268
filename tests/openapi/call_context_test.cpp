// The typed per-call context (docs/adr/0006-typed-call-context.md): the idempotency key goes
// down to the source and the upstream's answer comes back up in Context::call(), under the
// configured argument name, and nothing of it leaks into the client's result.
#include <gtest/gtest.h>

#include <mcp/gateway/gateway.hpp>
#include <mcp/sources/openapi.hpp>

#include "fakes.hpp"
#include <mcp/sources/openapi/model.hpp>

using namespace mcp;
using namespace mcp::gateway;
using mcp::test::CallContext;
using mcp::test::FakeHttpClient;
using mcp::test::run_task;

namespace {

std::shared_ptr<openapi::Spec> pets(std::string method) {
  auto spec = std::make_shared<openapi::Spec>();
  openapi::Operation op;
  op.tool_name = method == "GET" ? "listPets" : "createPet";
  op.method = std::move(method);
  op.path = "/pets";
  if (op.method != "GET")
    op.body = openapi::Body{"application/json", true, {}, {openapi::BodyField{"name", "name", true}}, "", {}};
  op.input_schema = json::parse(R"({"type":"object","properties":{"name":{"type":"string"}}})").as_object();
  op.servers.push_back(openapi::ServerUrl{"http://127.0.0.1:1/api", {}});
  spec->operations.push_back(op);
  return spec;
}

struct Served {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  std::vector<AuditRecord> audit;
  std::unique_ptr<Gateway> g;
  Server server{ServerOptions{}};
  Served(PolicyOptions o, std::string method) {
    g = std::make_unique<Gateway>(std::move(o), nullptr, [this](const AuditRecord& a) { audit.push_back(a); });
    openapi::UpstreamOptions uo;
    uo.name = "pets";
    openapi::OpenApiSource src(pets(std::move(method)), uo, http);
    for (auto& t : src.tools()) g->add_tool(server, t.tool, t.handler, {t.safe, t.upstream});
  }
  json::object call(std::string tool, json::object args, CallContext& ctx) {
    auto r = run_task(server.handle("tools/call", json::object{{"name", tool}, {"arguments", args}}, ctx));
    EXPECT_TRUE(r);
    return r ? r.value() : json::object{};
  }
};

bool leaks_upstream_meta(const json::object& result) {
  auto* m = result.if_contains("_meta");
  return m && m->is_object() && m->as_object().contains("io.mcpbridge/upstream");
}

}  // namespace

TEST(CallContext, AConfiguredIdempotencyArgumentReachesTheUpstreamAsTheHeader) {
  PolicyOptions o;
  o.idempotency_argument = "request_key";
  Served s(o, "POST");
  s.http->reply(201, R"({"id":"1"})", {{"content-type", "application/json"}});
  json::object props = s.server.find_tool("createPet")->input_schema.at("properties").as_object();
  ASSERT_TRUE(props.contains("request_key"));
  EXPECT_FALSE(props.contains("idempotency_key"));
  CallContext ctx;
  auto first = s.call("createPet", {{"name", "Rex"}, {"request_key", "op-42"}}, ctx);
  ASSERT_EQ(s.http->requests.size(), 1u);
  EXPECT_EQ(net::find_header(s.http->requests[0].headers, "idempotency-key"), "op-42");
  EXPECT_EQ(s.http->requests[0].body, R"({"name":"Rex"})");  // the key is not an argument of the API
  EXPECT_FALSE(leaks_upstream_meta(first));
  ASSERT_EQ(s.audit.size(), 1u);
  EXPECT_EQ(s.audit[0].upstream_status, 201);

  ctx.rid = 2;  // a retry with the same key: replayed, with the recorded status in the audit
  auto again = s.call("createPet", {{"name", "Rex"}, {"request_key", "op-42"}}, ctx);
  EXPECT_EQ(s.http->requests.size(), 1u);
  EXPECT_EQ(again.at("_meta").as_object().at("io.mcpbridge/replayed"), true);
  EXPECT_FALSE(leaks_upstream_meta(again));
  ASSERT_EQ(s.audit.size(), 2u);
  EXPECT_EQ(s.audit[1].outcome, "replayed");
  EXPECT_EQ(s.audit[1].upstream_status, 201);
}

TEST(CallContext, CacheControlComesBackInTheContextNotTheResult) {
  PolicyOptions o;
  o.defaults.cache_ttl = std::chrono::seconds(60);
  Served s(o, "GET");
  s.http->reply(200, R"({"pets":[]})", {{"content-type", "application/json"}, {"cache-control", "max-age=30"}});
  CallContext ctx;
  auto first = s.call("listPets", {}, ctx);
  EXPECT_FALSE(leaks_upstream_meta(first));
  EXPECT_TRUE(net::find_header(s.http->requests.at(0).headers, "idempotency-key").empty());  // a safe read
  auto hit = s.call("listPets", {}, ctx);
  EXPECT_EQ(s.http->requests.size(), 1u);
  EXPECT_EQ(hit.at("_meta").as_object().at("io.mcpbridge/cached"), true);
  EXPECT_FALSE(leaks_upstream_meta(hit));
  ASSERT_EQ(s.audit.size(), 2u);
  EXPECT_EQ(s.audit[1].outcome, "cached");
  EXPECT_EQ(s.audit[1].upstream_status, 200);

  for (int i = 0; i < 2; ++i)
    s.http->reply(200, R"({"pets":[]})", {{"content-type", "application/json"}, {"cache-control", "no-store"}});
  CallContext other;  // another principal: its own cache entry
  other.who.subject = "someone-else";
  s.call("listPets", {}, other);
  s.call("listPets", {}, other);
  EXPECT_EQ(s.http->requests.size(), 3u);  // no-store, read from the context, is honoured
}

TEST(CallContext, TraceparentIsTakenOnlyWhenValid) {
  const std::string good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_TRUE(valid_traceparent(good));
  EXPECT_FALSE(valid_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent(good + "-x"));  // version 00 has exactly four fields
  EXPECT_TRUE(valid_traceparent("01" + good.substr(2) + "-later"));
  EXPECT_FALSE(valid_traceparent("ff" + good.substr(2)));
  auto t = trace_of(json::object{{"_meta", {{"traceparent", good}, {"tracestate", "a=1"}}}});
  EXPECT_EQ(t.traceparent, good);
  EXPECT_EQ(t.tracestate, "a=1");
  auto bad = trace_of(json::object{{"_meta", {{"traceparent", "nope"}, {"tracestate", "a=1"}}}});
  EXPECT_TRUE(bad.traceparent.empty());
  EXPECT_TRUE(bad.tracestate.empty());
  EXPECT_TRUE(trace_of(json::object{{"_meta", {{"traceparent", good}, {"tracestate", "a\n=1"}}}}).tracestate.empty());
}
