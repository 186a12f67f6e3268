// The OpenAPI source end to end over a fake upstream: tools, retries, 202 polling,
// credentials (service, vault, passthrough), Idempotency-Key, catalogue mode.
#include <gtest/gtest.h>

#include <filesystem>
#include <mcp/core/encoding.hpp>
#include <mcp/sources/openapi.hpp>
#include <mcp/sources/vault.hpp>

#include "fakes.hpp"
#include <mcp/sources/openapi/model.hpp>

using namespace mcp;
using namespace mcp::openapi;
using mcp::test::CallContext;
using mcp::test::FakeHttpClient;
using mcp::test::run_task;

namespace {

std::shared_ptr<Spec> pet_spec() {
  auto spec = std::make_shared<Spec>();
  spec->title = "Petstore";
  Operation get;
  get.tool_name = "getPet";
  get.title = "Get a pet";
  get.method = "GET";
  get.path = "/pets/{id}";
  Parameter id;
  id.name = "id";
  id.property = "id";
  id.in = ParamIn::path;
  id.required = true;
  get.parameters.push_back(id);
  get.input_schema =
      json::parse(R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})").as_object();
  get.output_schema = json::parse(R"({"type":"object","properties":{"id":{"type":"string"}}})").as_object();
  get.servers.push_back(ServerUrl{"https://pets.example.com/api", {}});
  get.tags = {"pets"};
  spec->operations.push_back(get);

  Operation create;
  create.tool_name = "createPet";
  create.title = "Create a pet";
  create.description = "Adds a new pet to the store";
  create.method = "POST";
  create.path = "/pets";
  create.body = Body{"application/json", true, {}, {BodyField{"name", "name", true}}, "", {}};
  create.input_schema =
      json::parse(R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})").as_object();
  create.servers = get.servers;
  spec->operations.push_back(create);

  Operation del = get;
  del.tool_name = "deletePet";
  del.title = "Delete a pet";
  del.method = "DELETE";
  del.output_schema.reset();
  spec->operations.push_back(del);
  return spec;
}

struct Fixture {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  UpstreamOptions opt;
  Fixture() {
    opt.name = "petstore";
    opt.backoff = std::chrono::milliseconds(10);
  }
  OpenApiSource source(std::shared_ptr<sources::Vault> vault = nullptr) {
    return OpenApiSource(pet_spec(), opt, http, std::move(vault));
  }
};

ToolResult call(const OpenApiSource& s, std::string tool, json::object args, CallContext& ctx) {
  for (auto& t : s.tools())
    if (t.tool.name == tool) return run_task(t.handler(std::move(args), ctx));
  throw std::runtime_error("no tool " + tool);
}

std::string text_of(const ToolResult& r) { return std::string(r.content.at(0).as_object().at("text").as_string()); }

}  // namespace

TEST(OpenApiSource, ToolsCarryAnnotationsAndOptInOutputSchema) {
  Fixture f;
  auto tools = f.source().tools();
  ASSERT_EQ(tools.size(), 3u);
  EXPECT_EQ(tools[0].tool.name, "getPet");
  EXPECT_TRUE(tools[0].safe);
  EXPECT_EQ(tools[0].upstream, "petstore");
  EXPECT_EQ(tools[0].tool.annotations.at("readOnlyHint"), true);
  EXPECT_FALSE(tools[0].tool.output_schema);  // the API's promise is not enforced by default
  EXPECT_FALSE(tools[1].safe);
  EXPECT_EQ(tools[2].tool.annotations.at("destructiveHint"), true);
  EXPECT_EQ(tools[2].tool.annotations.at("idempotentHint"), true);
  f.opt.output_schema = true;
  EXPECT_TRUE(f.source().tools()[0].tool.output_schema);
}

TEST(OpenApiSource, CallsTheOperationAndMapsTheAnswer) {
  Fixture f;
  f.http->reply(200, R"({"id":"a/b","name":"Rex"})", {{"content-type", "application/json"}});
  CallContext ctx;
  auto r = call(f.source(), "getPet", {{"id", "a/b"}}, ctx);
  ASSERT_EQ(f.http->requests.size(), 1u);
  auto& req = f.http->requests[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://pets.example.com/api/pets/a%2Fb");
  EXPECT_TRUE(net::find_header(req.headers, "authorization").empty());  // nothing of ours is forwarded
  EXPECT_TRUE(net::find_header(req.headers, "idempotency-key").empty());
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.structured->at("name"), "Rex");
}

TEST(OpenApiSource, RetriesSafeMethodsWithBackoffAndRetryAfter) {
  Fixture f;
  f.http->reply(503);
  f.http->reply(429, "", {{"retry-after", "1"}});
  f.http->reply(200, R"({"id":"1"})", {{"content-type", "application/json"}});
  CallContext ctx;
  auto r = call(f.source(), "getPet", {{"id", "1"}}, ctx);
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(f.http->requests.size(), 3u);
  ASSERT_EQ(ctx.sleeps.size(), 2u);
  EXPECT_GE(ctx.sleeps[0].count(), 5);  // half to all of the 10 ms backoff
  EXPECT_LE(ctx.sleeps[0].count(), 10);
  EXPECT_EQ(ctx.sleeps[1], std::chrono::milliseconds(1000));  // Retry-After
}

TEST(OpenApiSource, RetriesAreBoundedAndNeverRepeatAPost) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.http->fail("connection refused");
  CallContext ctx;
  auto r = call(f.source(), "getPet", {{"id", "1"}}, ctx);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(f.http->requests.size(), 3u);
  EXPECT_NE(text_of(r).find("could not be reached"), std::string::npos);

  Fixture p;
  p.http->reply(503, "down for maintenance", {{"content-type", "text/plain"}});
  CallContext ctx2;
  auto post = call(p.source(), "createPet", {{"name", "Rex"}}, ctx2);
  EXPECT_EQ(p.http->requests.size(), 1u);
  EXPECT_TRUE(post.is_error);
  EXPECT_NE(text_of(post).find("HTTP 503"), std::string::npos);
  EXPECT_NE(text_of(post).find("down for maintenance"), std::string::npos);
}

TEST(OpenApiSource, TheContextsIdempotencyKeyBecomesTheHeader) {
  Fixture f;
  f.http->reply(201, R"({"id":"9"})", {{"content-type", "application/json"}, {"cache-control", "max-age=5"}});
  CallContext ctx;
  ctx.call().idempotency_key = "key-123";
  auto r = call(f.source(), "createPet", {{"name", "Rex"}}, ctx);
  auto& req = f.http->requests.at(0);
  EXPECT_EQ(net::find_header(req.headers, "idempotency-key"), "key-123");
  EXPECT_EQ(req.body, R"({"name":"Rex"})");
  // The answer's status and Cache-Control go back in the context, not in the result.
  EXPECT_EQ(ctx.call().upstream.status, 201);
  EXPECT_EQ(ctx.call().upstream.cache_control, "max-age=5");
  EXPECT_FALSE(r.meta.contains("io.mcpbridge/upstream"));
}

TEST(OpenApiSource, PropagatesTheTraceContext) {
  Fixture f;
  f.http->reply(201, R"({"id":"9"})", {{"content-type", "application/json"}});
  CallContext ctx;
  ctx.call().trace = trace_of(json::parse(R"({"_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"k=v"}})").as_object());
  call(f.source(), "createPet", {{"name", "Rex"}}, ctx);
  auto& req = f.http->requests.at(0);
  EXPECT_EQ(net::find_header(req.headers, "traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(net::find_header(req.headers, "tracestate"), "k=v");
  EXPECT_TRUE(net::find_header(req.headers, "idempotency-key").empty());  // none given: none sent
}

TEST(OpenApiSource, FollowsAcceptedWithProgressUntilDone) {
  Fixture f;
  f.http->reply(202, "", {{"location", "/api/jobs/1"}});
  f.http->reply(202, "", {{"location", "/api/jobs/1"}, {"retry-after", "3"}});
  f.http->reply(200, R"({"done":true})", {{"content-type", "application/json"}});
  f.opt.credential = {Credential::Kind::bearer, "", "header", "svc-token", false};
  CallContext ctx;
  auto r = call(f.source(), "createPet", {{"name", "Rex"}}, ctx);
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.structured->at("done"), true);
  ASSERT_EQ(f.http->requests.size(), 3u);
  EXPECT_EQ(f.http->requests[1].method, "GET");
  EXPECT_EQ(f.http->requests[1].url, "https://pets.example.com/api/jobs/1");
  EXPECT_EQ(net::find_header(f.http->requests[2].headers, "authorization"), "Bearer svc-token");
  EXPECT_EQ(ctx.progress_calls, (std::vector<double>{1, 2}));
  EXPECT_EQ(ctx.sleeps[1], std::chrono::milliseconds(3000));
}

TEST(OpenApiSource, PollingStopsOnCancellationAndNeverLeavesTheOrigin) {
  Fixture f;
  f.http->handler = [](const net::ClientRequest&) -> Result<net::ClientResponse> {
    return net::ClientResponse{202, {{"location", "/api/jobs/1"}}, ""};
  };
  CallContext ctx;
  ctx.cancel_after_sleeps = 3;
  auto r = call(f.source(), "createPet", {{"name", "Rex"}}, ctx);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(f.http->requests.size(), 3u);  // the POST and two polls

  Fixture g;
  g.http->reply(202, "queued", {{"location", "https://evil.example.net/steal"}, {"content-type", "text/plain"}});
  g.opt.credential = {Credential::Kind::bearer, "", "header", "svc-token", false};
  CallContext ctx2;
  auto r2 = call(g.source(), "createPet", {{"name", "Rex"}}, ctx2);
  EXPECT_EQ(g.http->requests.size(), 1u);  // the credential never goes to another origin
  EXPECT_FALSE(r2.is_error);

  Fixture h;
  h.opt.max_polls = 2;
  h.http->handler = f.http->handler;
  CallContext ctx3;
  auto r3 = call(h.source(), "createPet", {{"name", "Rex"}}, ctx3);
  EXPECT_TRUE(r3.is_error);
  EXPECT_NE(text_of(r3).find("still running"), std::string::npos);
}

TEST(OpenApiSource, ServiceCredentials) {
  struct Case {
    Credential c;
    std::string header, value, url_suffix;
  } cases[] = {
      {{Credential::Kind::bearer, "", "header", "tok", false}, "authorization", "Bearer tok", ""},
      {{Credential::Kind::basic, "", "header", "user:pa ss", false}, "authorization", "Basic dXNlcjpwYSBzcw==", ""},
      {{Credential::Kind::api_key, "X-API-Key", "header", "k1", false}, "x-api-key", "k1", ""},
      {{Credential::Kind::api_key, "session", "cookie", "k 2", false}, "cookie", "session=k%202", ""},
      {{Credential::Kind::api_key, "api_key", "query", "k&3", false}, "", "", "?api_key=k%263"},
  };
  for (auto& c : cases) {
    Fixture f;
    f.opt.credential = c.c;
    f.http->reply(200, "{}", {{"content-type", "application/json"}});
    CallContext ctx;
    call(f.source(), "getPet", {{"id", "1"}}, ctx);
    auto& req = f.http->requests.at(0);
    if (!c.header.empty()) EXPECT_EQ(net::find_header(req.headers, c.header), c.value);
    EXPECT_EQ(req.url, "https://pets.example.com/api/pets/1" + c.url_suffix);
  }
}

TEST(OpenApiSource, PerUserVaultCredentials) {
  auto path = std::filesystem::temp_directory_path() / ("opcall-vault-" + random_token(6) + ".db");
  {
    std::shared_ptr<store::Store> db = store::open_sqlite(path.string());
    auto vault = std::make_shared<sources::Vault>(db, std::string(32, 'k'));
    Fixture f;
    f.opt.credential = {Credential::Kind::bearer, "", "header", "", true};
    auto src = f.source(vault);
    CallContext alice;
    alice.who.subject = "alice";
    auto missing = call(src, "getPet", {{"id", "1"}}, alice);
    EXPECT_TRUE(missing.is_error);
    EXPECT_NE(text_of(missing).find("mcpbridge vault set --user alice --upstream petstore"), std::string::npos);
    EXPECT_TRUE(f.http->requests.empty());  // nothing sent without it

    vault->put("alice", "petstore", "alice-token");
    f.http->reply(200, "{}", {{"content-type", "application/json"}});
    EXPECT_FALSE(call(src, "getPet", {{"id", "1"}}, alice).is_error);
    EXPECT_EQ(net::find_header(f.http->requests.at(0).headers, "authorization"), "Bearer alice-token");
    CallContext bob;
    bob.who.subject = "bob";
    EXPECT_TRUE(call(src, "getPet", {{"id", "1"}}, bob).is_error);  // alice's token is only alice's
  }
  std::filesystem::remove(path);
}

// Explicit same-audience passthrough: the caller's own OAuth token goes to the upstream only
// when its audiences include the configured one; every other caller gets a tool error that
// says why, nothing is sent, and the token never appears in the message.
TEST(OpenApiSource, PassthroughOnlyWithAnAudienceToken) {
  Fixture f;
  f.opt.credential.kind = Credential::Kind::passthrough;
  f.opt.credential.audience = "https://pets.example.com";
  f.http->reply(200, "{}", {{"content-type", "application/json"}});
  auto src = f.source();
  auto oauth = [](std::string subject, std::string token, std::vector<std::string> audiences) {
    CallContext c;
    c.who.subject = std::move(subject);
    c.who.method = "oauth";
    c.who.credential = "client-1";
    c.who.audiences = std::move(audiences);
    c.who.bearer_token = std::make_shared<const std::string>(std::move(token));
    return c;
  };
  auto carol = oauth("carol", "carol-inbound-token", {"https://mcp.example.com", "https://pets.example.com"});
  EXPECT_FALSE(call(src, "getPet", {{"id", "1"}}, carol).is_error);
  ASSERT_EQ(f.http->requests.size(), 1u);
  EXPECT_EQ(net::find_header(f.http->requests.at(0).headers, "authorization"), "Bearer carol-inbound-token");

  auto dave = oauth("dave", "dave-inbound-token", {"https://mcp.example.com"});  // not for the pets API
  auto refused = call(src, "getPet", {{"id", "1"}}, dave);
  EXPECT_TRUE(refused.is_error);
  EXPECT_NE(text_of(refused).find("not issued for it"), std::string::npos) << text_of(refused);
  EXPECT_EQ(text_of(refused).find("dave-inbound-token"), std::string::npos);

  CallContext erin;  // an API key: there is no token of the caller's to pass on
  erin.who.subject = "erin";
  erin.who.method = "api_key";
  erin.who.credential = "k_1";
  auto no_token = call(src, "getPet", {{"id", "1"}}, erin);
  EXPECT_TRUE(no_token.is_error);
  EXPECT_NE(text_of(no_token).find("not connected with one"), std::string::npos) << text_of(no_token);
  EXPECT_EQ(f.http->requests.size(), 1u);  // neither refusal reached the upstream

  Fixture g;  // passthrough without a configured audience forwards nothing, whatever the token
  g.opt.credential.kind = Credential::Kind::passthrough;
  auto unconfigured = g.source();
  EXPECT_TRUE(call(unconfigured, "getPet", {{"id", "1"}}, carol).is_error);
  EXPECT_TRUE(g.http->requests.empty());
}

// Service credentials never carry the caller's inbound token, even when it has one.
TEST(OpenApiSource, InboundTokenNotForwardedWithoutPassthrough) {
  Fixture f;
  f.opt.credential.kind = Credential::Kind::bearer;
  f.opt.credential.secret = "service-token";
  f.http->reply(200, "{}", {{"content-type", "application/json"}});
  auto src = f.source();
  CallContext carol;
  carol.who.method = "oauth";
  carol.who.audiences = {"https://pets.example.com"};
  carol.who.bearer_token = std::make_shared<const std::string>("carol-inbound-token");
  EXPECT_FALSE(call(src, "getPet", {{"id", "1"}}, carol).is_error);
  EXPECT_EQ(net::find_header(f.http->requests.at(0).headers, "authorization"), "Bearer service-token");
  for (auto& [k, v] : f.http->requests.at(0).headers) EXPECT_EQ(v.find("carol-inbound-token"), std::string::npos);
}

TEST(OpenApiSource, CatalogueSearchDescribeInvoke) {
  Fixture f;
  auto src = f.source();
  auto tools = src.catalogue_tools("pets_");
  ASSERT_EQ(tools.size(), 3u);
  EXPECT_EQ(tools[0].tool.name, "pets_search");
  EXPECT_EQ(tools[2].tool.name, "pets_invoke");
  CallContext ctx;
  auto found = run_task(tools[0].handler({{"query", "create"}}, ctx));
  auto& ops = found.structured->at("operations").as_array();
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops[0].as_object().at("name"), "createPet");
  auto d = run_task(tools[1].handler({{"name", "getPet"}}, ctx));
  EXPECT_EQ(d.structured->at("path"), "/pets/{id}");
  EXPECT_TRUE(run_task(tools[1].handler({{"name", "nope"}}, ctx)).is_error);

  f.http->reply(200, R"({"id":"5"})", {{"content-type", "application/json"}});
  auto r = run_task(tools[2].handler({{"name", "getPet"}, {"arguments", {{"id", "5"}}}}, ctx));
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(f.http->requests.at(0).url, "https://pets.example.com/api/pets/5");
  auto bad = run_task(tools[2].handler({{"name", "getPet"}, {"arguments", {{"id", 5}}}}, ctx));
  EXPECT_TRUE(bad.is_error);  // checked against the operation's own schema
  EXPECT_EQ(f.http->requests.size(), 1u);
}
