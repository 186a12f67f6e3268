// The cost of serving as one of several replicas (HttpOptions::shared) against the embedded
// mode: an echo tools/call through StreamableHttp::handle with a memory SharedState, on a
// session that lives on this replica (the common path), JSON and SSE. Process CPU time: the
// shared state's and the cluster link's threads are counted too (SSE events are appended to
// the shared log there).
#include "http/streamable_http.hpp"

#include <mcp/cluster/shared_state.hpp>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "gbench.hpp"

#include <boost/asio/io_context.hpp>

namespace {
using namespace mcp;
using mcp::http::Request;
using mcp::http::Response;

Request post(std::string body, std::string_view session) {
  Request r;
  r.method = "POST";
  r.target = "/mcp";
  r.headers = {{"host", "127.0.0.1:18901"},
               {"content-type", "application/json"},
               {"accept", "application/json, text/event-stream"},
               {"mcp-protocol-version", "2025-06-18"},
               {"content-length", std::to_string(body.size())}};
  if (!session.empty()) r.headers.emplace_back("mcp-session-id", std::string(session));
  r.body = std::move(body);
  return r;
}

constexpr std::string_view kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1.0"}}})";
constexpr std::string_view kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

Task<std::size_t> drain(std::shared_ptr<protocol::SseSink> sink) {
  std::size_t n = 0;
  for (;;) {
    auto c = co_await sink->next(std::chrono::seconds(15));
    n += c.bytes.size();
    if (c.last) co_return n;
  }
}

// range(0): 0 embedded, 1 memory shared state; range(1): 1 for SSE answers.
void BM_Cluster_EchoCall(benchmark::State& state) {
  Server server{{.info = {.name = "bench", .version = "1.0.0"}}};
  bench::add_echo_tools(server);
  HttpOptions options;
  if (state.range(0)) options.shared = cluster::make_memory_shared_state();
  options.always_sse = state.range(1) != 0;
  boost::asio::io_context io{1};
  auto transport = std::make_unique<http::StreamableHttp>(server, options);
  auto handle = [&](Request r) { return bench::run(io, transport->handle(std::move(r))); };
  auto init = handle(post(std::string(kInitialize), ""));
  std::string sid;
  for (auto& [k, v] : init.headers)
    if (k == "Mcp-Session-Id") sid = v;
  if (sid.empty() || handle(post(std::string(kInitialized), sid)).status != 202)
    return state.SkipWithError("initialize failed");
  const Request proto = post(std::string(bench::kEchoCall), sid);
  for (auto _ : state) {
    Request r = proto;
    auto resp = handle(std::move(r));
    if (resp.stream) benchmark::DoNotOptimize(bench::run(io, drain(resp.stream)));
    else if (resp.status != 200) return state.SkipWithError("tools/call failed");
    benchmark::DoNotOptimize(resp);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) ? "cluster(memory)" : "embedded");
}
BENCHMARK(BM_Cluster_EchoCall)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->MeasureProcessCPUTime()
    ->Apply(::mcp::bench::fixed_iterations);

}  // namespace

BENCHMARK_MAIN();
