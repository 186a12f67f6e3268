// The CPU the gateway adds to one OpenAPI tool call, over a fake upstream that answers at
// once: request building (path/query/body encoding, credential), the gateway's policy
// (idempotency key + record, cache lookup, rate-limit buckets, audit to a sink), and the
// response mapping (JSON parse → structuredContent + text). Target (issue 5): ≤ 100 µs.
//   BM_Upstream_Baseline   the fake client's send alone (what "calling the upstream directly" costs here)
//   BM_Source_Get/Post     the source's handler (build + send + map), no policy
//   BM_Gateway_Get/Post    the same through the gateway (POST: derived Idempotency-Key, recorded)
//   BM_Gateway_CacheHit    a safe read answered from the gateway's cache
//   BM_Server_GatewayPost  Server::handle("tools/call") with argument validation, end to end
#include <benchmark/benchmark.h>

#include <boost/asio/detached.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/sources/openapi.hpp>

#include "fakes.hpp"
#include "gbench.hpp"
#include <mcp/sources/openapi/model.hpp>

namespace {
using namespace mcp;
using mcp::test::CallContext;

// A response the size of a typical REST object (~2 KiB of JSON).
std::string issue_json() {
  json::object o{{"id", 1234567},
                 {"number", 42},
                 {"state", "open"},
                 {"title", "Crash when the list is empty"},
                 {"locked", false},
                 {"comments", 3},
                 {"created_at", "2026-11-23T10:00:00Z"}};
  json::array labels;
  for (int i = 0; i < 5; ++i)
    labels.push_back(json::object{{"id", i}, {"name", "label-" + std::to_string(i)}, {"color", "ededed"}});
  o["labels"] = labels;
  o["body"] = std::string(1200, 'x');
  o["user"] = json::object{{"login", "octocat"}, {"id", 1}, {"type", "User"}, {"site_admin", false}};
  return json::serialize(o);
}

class InstantUpstream final : public net::HttpClient {
 public:
  std::string body = issue_json();
  Task<Result<net::ClientResponse>> send(net::ClientRequest r) override {
    benchmark::DoNotOptimize(r.url.data());
    co_return net::ClientResponse{r.method == "POST" ? 201 : 200, {{"content-type", "application/json"}}, body};
  }
  Task<Result<net::StreamedResponse>> open(net::ClientRequest) override {
    co_return Error{errc::kInternalError, "no streams", {}};
  }
};

std::shared_ptr<openapi::Spec> spec() {
  using namespace openapi;
  auto s = std::make_shared<Spec>();
  auto path_param = [](std::string n) {
    Parameter p;
    p.name = p.property = n;
    p.in = ParamIn::path;
    p.required = true;
    p.style = "simple";
    return p;
  };
  auto query = [](std::string n, bool explode) {
    Parameter p;
    p.name = p.property = n;
    p.in = ParamIn::query;
    p.style = "form";
    p.explode = explode;
    return p;
  };
  Operation list;
  list.tool_name = "issues_list";
  list.method = "GET";
  list.path = "/repos/{owner}/{repo}/issues";
  list.parameters = {path_param("owner"), path_param("repo"), query("state", true), query("labels", false),
                     query("per_page", true)};
  list.input_schema = json::parse(R"({"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"},
      "state":{"type":"string"},"labels":{"type":"array","items":{"type":"string"}},"per_page":{"type":"integer"}},
      "required":["owner","repo"]})")
                          .as_object();
  list.servers.push_back(ServerUrl{"https://api.github.com", {}});
  s->operations.push_back(list);
  Operation create = list;
  create.tool_name = "issues_create";
  create.method = "POST";
  create.parameters = {path_param("owner"), path_param("repo")};
  create.body =
      Body{"application/json",
           true,
           {},
           {BodyField{"title", "title", true}, BodyField{"body", "body", false}, BodyField{"labels", "labels", false}},
           "",
           {}};
  create.input_schema =
      json::parse(R"({"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"},
      "title":{"type":"string"},"body":{"type":"string"},"labels":{"type":"array","items":{"type":"string"}}},
      "required":["owner","repo","title"]})")
          .as_object();
  s->operations.push_back(create);
  return s;
}

const json::object kListArgs{{"owner", "octo org"},
                             {"repo", "hello/world"},
                             {"state", "open"},
                             {"labels", json::array{"bug", "p1"}},
                             {"per_page", 50}};
const json::object kCreateArgs{{"owner", "octo org"},
                               {"repo", "hello/world"},
                               {"title", "It crashed"},
                               {"body", "Steps: open the app, tap the empty list."},
                               {"labels", json::array{"bug"}}};

struct Bench {
  std::shared_ptr<InstantUpstream> upstream = std::make_shared<InstantUpstream>();
  openapi::OpenApiSource source;
  std::vector<openapi::SourceTool> tools;
  boost::asio::io_context io{1};
  CallContext ctx;
  Bench(openapi::UpstreamOptions o = {})
      : source(spec(), with_credential(std::move(o)), upstream), tools(source.tools()) {}
  static openapi::UpstreamOptions with_credential(openapi::UpstreamOptions o) {
    o.name = "github";
    o.credential = {openapi::Credential::Kind::bearer, "", "header", "ghp_0123456789abcdef", false};
    return o;
  }
  ToolResult run(const ToolHandler& h, json::object args) {
    std::optional<ToolResult> out;
    boost::asio::co_spawn(io, mcp::test::store_result(h(std::move(args), ctx), &out), boost::asio::detached);
    io.restart();
    io.run();
    return std::move(*out);
  }
};

void BM_Upstream_Baseline(benchmark::State& state) {
  Bench b;
  for (auto _ : state) {
    std::optional<Result<net::ClientResponse>> out;
    net::ClientRequest r;
    r.url = "https://api.github.com/repos/octo/hello/issues";
    boost::asio::co_spawn(b.io, mcp::test::store_result(b.upstream->send(std::move(r)), &out), boost::asio::detached);
    b.io.restart();
    b.io.run();
    benchmark::DoNotOptimize(out);
  }
}
MCP_BENCHMARK(BM_Upstream_Baseline);

void source_loop(benchmark::State& state, int tool, const json::object& args) {
  Bench b;
  if (b.run(b.tools[tool].handler, args).is_error) return state.SkipWithError("call failed");
  for (auto _ : state) benchmark::DoNotOptimize(b.run(b.tools[tool].handler, args));
  state.SetItemsProcessed(state.iterations());
}
void BM_Source_Get(benchmark::State& state) { source_loop(state, 0, kListArgs); }
MCP_BENCHMARK(BM_Source_Get);
void BM_Source_Post(benchmark::State& state) { source_loop(state, 1, kCreateArgs); }
MCP_BENCHMARK(BM_Source_Post);

gateway::PolicyOptions policy() {
  gateway::PolicyOptions p;
  p.defaults.per_principal = {1e9, 1e9};  // limits checked, never hit
  p.defaults.per_tool = {1e9, 1e9};
  p.defaults.per_upstream = {1e9, 1e9};
  return p;
}

void gateway_loop(benchmark::State& state, int tool, const json::object& args, bool cache) {
  Bench b;
  auto p = policy();
  if (cache) p.defaults.cache_ttl = std::chrono::seconds(3600);
  gateway::Gateway g(p, nullptr, [](const gateway::AuditRecord& a) { benchmark::DoNotOptimize(a.duration_ms); });
  auto h = g.wrap(b.tools[tool].tool.name, b.tools[tool].handler, {b.tools[tool].safe, "github"});
  if (b.run(h, args).is_error) return state.SkipWithError("call failed");
  std::int64_t id = 1;
  for (auto _ : state) {
    b.ctx.rid = ++id;  // a new JSON-RPC request each time: a new derived key, a new record
    benchmark::DoNotOptimize(b.run(h, args));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_Gateway_Get(benchmark::State& state) { gateway_loop(state, 0, kListArgs, false); }
MCP_BENCHMARK(BM_Gateway_Get);
void BM_Gateway_Post(benchmark::State& state) { gateway_loop(state, 1, kCreateArgs, false); }
MCP_BENCHMARK(BM_Gateway_Post);
void BM_Gateway_CacheHit(benchmark::State& state) { gateway_loop(state, 0, kListArgs, true); }
MCP_BENCHMARK(BM_Gateway_CacheHit);

void BM_Server_GatewayPost(benchmark::State& state) {
  Bench b;
  Server server(ServerOptions{});
  gateway::Gateway g(policy(), nullptr, [](const gateway::AuditRecord& a) { benchmark::DoNotOptimize(a.duration_ms); });
  for (auto& t : b.tools) g.add_tool(server, t.tool, t.handler, {t.safe, t.upstream});
  json::object params{{"name", "issues_create"}, {"arguments", kCreateArgs}};
  std::int64_t id = 1;
  for (auto _ : state) {
    b.ctx.rid = ++id;
    std::optional<Result<json::object>> out;
    boost::asio::co_spawn(b.io, mcp::test::store_result(server.handle("tools/call", params, b.ctx), &out),
                          boost::asio::detached);
    b.io.restart();
    b.io.run();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_Server_GatewayPost);

}  // namespace

BENCHMARK_MAIN();
