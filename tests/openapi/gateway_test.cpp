// The gateway's per-call policy: idempotent replay, caching with Cache-Control, rate limits,
// audit; and the vault's encryption.
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <mcp/core/encoding.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/sources/openapi.hpp>
#include <mcp/sources/vault.hpp>

#include "fakes.hpp"
#include "gateway/result_cache.hpp"
#include <mcp/core/token_buckets.hpp>
#include <mcp/sources/openapi/model.hpp>

using namespace mcp;
using namespace mcp::gateway;
using mcp::test::CallContext;
using mcp::test::FakeHttpClient;
using mcp::test::run_task;

namespace {

// A native tool that counts its executions and answers what it is told, reporting `reply` as
// its upstream's answer the way a source does (in the call's context).
struct Counter {
  std::shared_ptr<int> runs = std::make_shared<int>(0);
  std::shared_ptr<json::object> last_args = std::make_shared<json::object>();
  std::shared_ptr<std::string> last_key = std::make_shared<std::string>();
  std::shared_ptr<ToolResult> answer = std::make_shared<ToolResult>(ToolResult::text("done"));
  std::shared_ptr<UpstreamReply> reply = std::make_shared<UpstreamReply>();
  ToolHandler handler() {
    return [runs = runs, last = last_args, key = last_key, answer = answer, reply = reply](json::object args,
                                                                                         Context& ctx) {
      ++*runs;
      *last = args;
      *key = ctx.call().idempotency_key;
      ctx.call().upstream = *reply;
      return [](ToolResult r) -> Task<ToolResult> { co_return r; }(*answer);
    };
  }
  void answer_upstream(int status, std::string cache_control = {}) {
    *answer = ToolResult::text("body " + std::to_string(status));
    answer->is_error = status >= 400;
    *reply = UpstreamReply{status, std::move(cache_control), {}};
  }
};

std::string text_of(const ToolResult& r) { return std::string(r.content.at(0).as_object().at("text").as_string()); }

}  // namespace

TEST(Gateway, NonSafeToolsGainAnIdempotencyKeyArgument) {
  Gateway g({});
  Tool t;
  t.name = "create";
  t.input_schema = json::parse(R"({"type":"object","properties":{"name":{"type":"string"}}})").as_object();
  auto post = g.decorate(t, {false, "api"});
  EXPECT_TRUE(post.input_schema.at("properties").as_object().contains("idempotency_key"));
  auto get = g.decorate(t, {true, "api"});
  EXPECT_FALSE(get.input_schema.at("properties").as_object().contains("idempotency_key"));
}

TEST(Gateway, ReplaysARetriedCallInsteadOfRepeatingIt) {
  Gateway g({});
  Counter c;
  auto h = g.wrap("create", c.handler(), {false, "api"});
  CallContext ctx;
  auto first = run_task(h({{"name", "Rex"}, {"idempotency_key", "abc"}}, ctx));
  EXPECT_EQ(*c.last_key, "abc");  // in the call's context, not the arguments
  EXPECT_FALSE(c.last_args->contains("idempotency_key"));
  ctx.rid = 2;  // a new JSON-RPC request, the same key: a retry by the model
  auto second = run_task(h({{"name", "Rex"}, {"idempotency_key", "abc"}}, ctx));
  EXPECT_EQ(*c.runs, 1);
  EXPECT_EQ(text_of(second), "done");
  EXPECT_EQ(second.meta.at("io.mcpbridge/replayed"), true);
  EXPECT_EQ(g.stats().replays, 1u);

  auto conflict = run_task(h({{"name", "Max"}, {"idempotency_key", "abc"}}, ctx));
  EXPECT_TRUE(conflict.is_error);
  EXPECT_NE(text_of(conflict).find("different arguments"), std::string::npos);
  EXPECT_EQ(*c.runs, 1);

  // Another principal's identical key is its own.
  CallContext other;
  other.who.subject = "someone-else";
  run_task(h({{"name", "Rex"}, {"idempotency_key", "abc"}}, other));
  EXPECT_EQ(*c.runs, 2);

  auto bad = run_task(h({{"name", "Rex"}, {"idempotency_key", "a\nb"}}, ctx));
  EXPECT_TRUE(bad.is_error);
  EXPECT_EQ(*c.runs, 2);
}

TEST(Gateway, DerivedKeysFollowTheJsonRpcRequest) {
  Gateway g({});
  Counter c;
  auto h = g.wrap("create", c.handler(), {false, "api"});
  CallContext ctx;
  ctx.rid = 7;
  run_task(h({{"name", "Rex"}}, ctx));
  std::string key = *c.last_key;
  EXPECT_EQ(key.rfind("mcpb-", 0), 0u);
  run_task(h({{"name", "Rex"}}, ctx));  // the same request again (a transport retry)
  EXPECT_EQ(*c.runs, 1);
  ctx.rid = 8;  // a new request: a new operation
  run_task(h({{"name", "Rex"}}, ctx));
  EXPECT_EQ(*c.runs, 2);
  EXPECT_NE(*c.last_key, key);
  ctx.rid = 7;  // a reused id with other arguments is not mistaken for a retry
  run_task(h({{"name", "Max"}}, ctx));
  EXPECT_EQ(*c.runs, 3);
}

TEST(Gateway, TransientFailuresAreNotRecorded) {
  Gateway g({});
  Counter c;
  c.answer_upstream(503);
  auto h = g.wrap("create", c.handler(), {false, "api"});
  CallContext ctx;
  run_task(h({{"idempotency_key", "k"}}, ctx));
  run_task(h({{"idempotency_key", "k"}}, ctx));
  EXPECT_EQ(*c.runs, 2);  // the upstream dedupes by the key it was sent
  c.answer_upstream(422);
  run_task(h({{"idempotency_key", "k2"}}, ctx));
  run_task(h({{"idempotency_key", "k2"}}, ctx));
  EXPECT_EQ(*c.runs, 3);  // a validation error is the answer to that request
}

TEST(Gateway, RecordsSurviveARestartInTheStore) {
  auto path = std::filesystem::temp_directory_path() / ("opcall-idem-" + random_token(6) + ".db");
  Counter c;
  {
    std::shared_ptr<store::Store> db = store::open_sqlite(path.string());
    Gateway g({}, db);
    CallContext ctx;
    run_task(g.wrap("create", c.handler(), {false, "api"})({{"idempotency_key", "once"}}, ctx));
  }
  {
    std::shared_ptr<store::Store> db = store::open_sqlite(path.string());
    Gateway g({}, db);
    CallContext ctx;
    auto r = run_task(g.wrap("create", c.handler(), {false, "api"})({{"idempotency_key", "once"}}, ctx));
    EXPECT_EQ(r.meta.at("io.mcpbridge/replayed"), true);
    EXPECT_EQ(db->schema_version(), store::sqlite_schema_version());
  }
  EXPECT_EQ(*c.runs, 1);
  std::filesystem::remove(path);
}

TEST(Gateway, CachesSafeReadsPerPrincipalAndArguments) {
  PolicyOptions o;
  o.defaults.cache_ttl = std::chrono::seconds(60);
  Gateway g(o);
  Counter c;
  c.answer_upstream(200, "private, max-age=120");
  auto h = g.wrap("get", c.handler(), {true, "api"});
  CallContext a;
  a.who.subject = "a";
  auto first = run_task(h({{"id", 1}, {"x", "y"}}, a));
  EXPECT_FALSE(first.meta.contains("io.mcpbridge/upstream"));
  auto hit = run_task(h({{"x", "y"}, {"id", 1}}, a));  // same arguments, other order
  EXPECT_EQ(*c.runs, 1);
  EXPECT_EQ(hit.meta.at("io.mcpbridge/cached"), true);
  run_task(h({{"id", 2}, {"x", "y"}}, a));
  EXPECT_EQ(*c.runs, 2);
  CallContext b;
  b.who.subject = "b";
  run_task(h({{"id", 1}, {"x", "y"}}, b));
  EXPECT_EQ(*c.runs, 3);  // never another principal's answer
  EXPECT_EQ(g.stats().cache_hits, 1u);
}

// A reloaded source re-wraps its tools under the same names: the old definition's cached
// answers are not served for the new one.
TEST(Gateway, ARewrappedToolDoesNotAnswerFromTheOldCache) {
  PolicyOptions o;
  o.defaults.cache_ttl = std::chrono::seconds(60);
  Gateway g(o);
  Counter before, after;
  auto old_handler = g.wrap("get", before.handler(), {true, "api"});
  CallContext a;
  run_task(old_handler({{"id", 1}}, a));
  run_task(old_handler({{"id", 1}}, a));
  EXPECT_EQ(*before.runs, 1);  // cached
  auto new_handler = g.wrap("get", after.handler(), {true, "api"});
  auto r = run_task(new_handler({{"id", 1}}, a));
  EXPECT_EQ(*after.runs, 1);
  EXPECT_FALSE(r.meta.contains("io.mcpbridge/cached"));
}

TEST(Gateway, CacheControlIsHonoured) {
  PolicyOptions o;
  o.defaults.cache_ttl = std::chrono::seconds(60);
  for (std::string cc : {"no-store", "no-cache", "max-age=0"}) {
    Gateway g(o);
    Counter c;
    c.answer_upstream(200, cc);
    auto h = g.wrap("get", c.handler(), {true, "api"});
    CallContext ctx;
    run_task(h({}, ctx));
    run_task(h({}, ctx));
    EXPECT_EQ(*c.runs, 2) << cc;
  }
  Gateway g(o);
  Counter c;
  c.answer_upstream(500);
  auto h = g.wrap("get", c.handler(), {true, "api"});
  CallContext ctx;
  run_task(h({}, ctx));
  run_task(h({}, ctx));
  EXPECT_EQ(*c.runs, 2);  // errors are not cached
  EXPECT_EQ(cache_lifetime("public, max-age=5", std::chrono::seconds(60)), std::chrono::seconds(5));
  EXPECT_EQ(cache_lifetime("max-age=500", std::chrono::seconds(60)), std::chrono::seconds(60));
  EXPECT_EQ(cache_lifetime("", std::chrono::seconds(60)), std::chrono::seconds(60));
}

TEST(Gateway, CacheIsBoundedLeastRecentlyUsedFirst) {
  ResultCache cache(2, 1 << 20);
  auto now = ResultCache::Clock::now();
  auto later = now + std::chrono::seconds(10);
  cache.put("a", ToolResult::text("a"), 10, later);
  cache.put("b", ToolResult::text("b"), 10, later);
  EXPECT_TRUE(cache.get("a", now));  // a is now the most recent
  cache.put("c", ToolResult::text("c"), 10, later);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.get("b", now));
  EXPECT_TRUE(cache.get("a", now));
  EXPECT_FALSE(cache.get("c", later));  // expired
  ResultCache small(100, 25);
  small.put("x", ToolResult::text("x"), 20, later);
  small.put("y", ToolResult::text("y"), 20, later);
  EXPECT_EQ(small.size(), 1u);
}

TEST(Gateway, RateLimitsAnswerWithTheDelay) {
  PolicyOptions o;
  o.defaults.per_principal = {1, 1};
  Gateway g(o);
  Counter c;
  auto h = g.wrap("get", c.handler(), {true, "api"});
  CallContext a;
  a.who.subject = "a";
  EXPECT_FALSE(run_task(h({}, a)).is_error);
  auto limited = run_task(h({}, a));
  EXPECT_TRUE(limited.is_error);
  EXPECT_NE(text_of(limited).find("retry after"), std::string::npos);
  auto wait = limited.meta.at("io.mcpbridge/retryAfterMs").as_int64();
  EXPECT_GT(wait, 900);
  EXPECT_LE(wait, 1000);
  CallContext b;
  b.who.subject = "b";
  EXPECT_FALSE(run_task(h({}, b)).is_error);  // per principal
  EXPECT_EQ(*c.runs, 2);

  PolicyOptions up;
  up.upstreams["fragile"].per_upstream = {2, 2};
  Gateway g2(up);
  auto h1 = g2.wrap("one", c.handler(), {true, "fragile"});
  auto h2 = g2.wrap("two", c.handler(), {true, "fragile"});
  auto other = g2.wrap("three", c.handler(), {true, "sturdy"});
  EXPECT_FALSE(run_task(h1({}, a)).is_error);
  EXPECT_FALSE(run_task(h2({}, b)).is_error);
  EXPECT_TRUE(run_task(h1({}, b)).is_error);
  EXPECT_FALSE(run_task(other({}, a)).is_error);
  EXPECT_EQ(g2.stats().rate_limited, 1u);
}

TEST(Gateway, TokenBucketsRefill) {
  TokenBuckets b(3);
  auto t0 = TokenBuckets::Clock::now();
  RateLimit lim{10, 2};
  EXPECT_FALSE(b.take("k", lim, t0));
  EXPECT_FALSE(b.take("k", lim, t0));
  auto w = b.take("k", lim, t0);
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, std::chrono::milliseconds(100));
  EXPECT_FALSE(b.take("k", lim, t0 + std::chrono::milliseconds(100)));
  for (int i = 0; i < 10; ++i) b.take("key" + std::to_string(i), lim, t0);
  EXPECT_LE(b.size(), 3u);  // bounded
}

TEST(Gateway, AuditsEveryCall) {
  std::vector<AuditRecord> seen;
  PolicyOptions o;
  o.defaults.per_tool = {1, 1};
  Gateway g(o, nullptr, [&](const AuditRecord& a) { seen.push_back(a); });
  Counter c;
  c.answer_upstream(201);
  auto h = g.wrap("create", c.handler(), {false, "api"});
  CallContext ctx;
  ctx.who.subject = "alice";
  run_task(h({{"idempotency_key", "z"}}, ctx));
  run_task(h({{"idempotency_key", "z"}}, ctx));
  run_task(h({{"idempotency_key", "y"}}, ctx));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].principal, "alice");
  EXPECT_EQ(seen[0].tool, "create");
  EXPECT_EQ(seen[0].upstream, "api");
  EXPECT_EQ(seen[0].outcome, "ok");
  EXPECT_EQ(seen[0].upstream_status, 201);
  EXPECT_GE(seen[0].duration_ms, 0.0);
  EXPECT_EQ(seen[1].outcome, "replayed");
  EXPECT_EQ(seen[2].outcome, "rate_limited");
}

TEST(Gateway, OneUpstreamRequestForARetriedPost) {
  auto spec = std::make_shared<openapi::Spec>();
  openapi::Operation op;
  op.tool_name = "createPet";
  op.method = "POST";
  op.path = "/pets";
  op.body = openapi::Body{"application/json", true, {}, {openapi::BodyField{"name", "name", true}}, "", {}};
  op.input_schema = json::parse(R"({"type":"object","properties":{"name":{"type":"string"}}})").as_object();
  op.servers.push_back(openapi::ServerUrl{"http://127.0.0.1:1/api", {}});
  spec->operations.push_back(op);
  auto http = std::make_shared<FakeHttpClient>();
  http->reply(201, R"({"id":"1"})", {{"content-type", "application/json"}, {"cache-control", "no-store"}});
  openapi::UpstreamOptions uo;
  uo.name = "pets";
  openapi::OpenApiSource src(spec, uo, http);
  Gateway g({});
  Server server(ServerOptions{});
  for (auto& t : src.tools()) g.add_tool(server, t.tool, t.handler, {t.safe, t.upstream});
  ASSERT_TRUE(server.find_tool("createPet")->input_schema.at("properties").as_object().contains("idempotency_key"));
  CallContext ctx;
  json::object params{{"name", "createPet"}, {"arguments", {{"name", "Rex"}}}};
  auto first = run_task(server.handle("tools/call", params, ctx));
  ASSERT_TRUE(first);
  auto second = run_task(server.handle("tools/call", params, ctx));  // same session, same request id
  ASSERT_TRUE(second);
  ASSERT_EQ(http->requests.size(), 1u);
  EXPECT_EQ(net::find_header(http->requests[0].headers, "idempotency-key").substr(0, 5), "mcpb-");
  EXPECT_EQ(first.value().at("structuredContent"), second.value().at("structuredContent"));
  EXPECT_EQ(second.value().at("_meta").as_object().at("io.mcpbridge/replayed"), true);
}

TEST(Vault, SealsWithAes256GcmBoundToOwnerAndUpstream) {
  std::string key(32, '\x01');
  auto sealed = sources::seal(key, "s3cret", "alice/api");
  EXPECT_EQ(sealed.find("s3cret"), std::string::npos);
  EXPECT_EQ(sources::open_sealed(key, sealed, "alice/api"), "s3cret");
  EXPECT_FALSE(sources::open_sealed(key, sealed, "bob/api"));
  EXPECT_FALSE(sources::open_sealed(std::string(32, '\x02'), sealed, "alice/api"));
  auto raw = *base64_decode(sealed);
  raw[14] ^= 1;
  EXPECT_FALSE(sources::open_sealed(key, base64_encode(raw), "alice/api"));
  EXPECT_NE(sources::seal(key, "s3cret", "alice/api"), sealed);  // a fresh nonce each time
}

TEST(Vault, StoresListsAndRemoves) {
  auto path = std::filesystem::temp_directory_path() / ("opcall-vault2-" + random_token(6) + ".db");
  {
    std::shared_ptr<store::Store> db = store::open_sqlite(path.string());
    sources::Vault v(db, std::string(32, 'x'));
    v.put("alice", "github", "ghp_1");
    v.put("alice", "jira", "j_1");
    v.put("bob", "github", "ghp_2");
    EXPECT_EQ(v.get("alice", "github"), "ghp_1");
    EXPECT_EQ(v.list("alice").size(), 2u);
    EXPECT_EQ(v.list().size(), 3u);
    EXPECT_TRUE(v.list()[0].sealed.empty());
    // A row moved to another owner does not open.
    auto row = db->find_vault_secret("bob", "github");
    row->subject = "mallory";
    db->put_vault_secret(*row);
    EXPECT_FALSE(v.get("mallory", "github"));
    EXPECT_TRUE(v.remove("alice", "github"));
    EXPECT_FALSE(v.get("alice", "github"));
    EXPECT_FALSE(v.remove("alice", "github"));
    sources::Vault wrong(db, std::string(32, 'y'));
    EXPECT_FALSE(wrong.get("bob", "github"));
    EXPECT_THROW(sources::Vault(db, "short"), std::invalid_argument);
  }
  std::filesystem::remove(path);
}

TEST(Gateway, ASecondCallWithTheKeyWhileTheFirstRunsIsToldToRetry) {
  Gateway g({});
  auto runs = std::make_shared<int>(0);
  ToolHandler slow = [runs](json::object, Context&) {
    ++*runs;
    return []() -> Task<ToolResult> {
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(boost::asio::use_awaitable);
      co_return ToolResult::text("created");
    }();
  };
  auto h = g.wrap("create", slow, {false, "api"});
  CallContext c1, c2;
  std::optional<ToolResult> first, second;
  boost::asio::io_context io;
  boost::asio::co_spawn(io, mcp::test::store_result(h({{"idempotency_key", "same"}}, c1), &first), boost::asio::detached);
  boost::asio::co_spawn(io, mcp::test::store_result(h({{"idempotency_key", "same"}}, c2), &second), boost::asio::detached);
  io.run();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*runs, 1);
  EXPECT_FALSE(first->is_error);
  EXPECT_TRUE(second->is_error);
  EXPECT_NE(text_of(*second).find("still in progress"), std::string::npos);
  // Once done, the same key replays.
  auto third = run_task(h({{"idempotency_key", "same"}}, c1));
  EXPECT_EQ(third.meta.at("io.mcpbridge/replayed"), true);
  EXPECT_EQ(*runs, 1);
}
