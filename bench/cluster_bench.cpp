// The cost of serving as one of several replicas (HttpOptions::shared) against the embedded
// mode: an echo tools/call through StreamableHttp::handle with a memory SharedState, on a
// session that lives on this replica (the common path), JSON and SSE. Process CPU time: the
// shared state's and the cluster link's threads are counted too (SSE events are appended to
// the shared log there).
#include "http/streamable_http.hpp"

#include <mcp/cluster/shared_state.hpp>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "http_bench_util.hpp"
#include "gbench.hpp"

#include <boost/asio/io_context.hpp>

namespace {
using namespace mcp;
using mcp::http::Request;
using mcp::http::Response;

using bench::drain;
using bench::kInitialize;
using bench::kInitialized;
using bench::post;

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
  std::string sid = bench::header_of(init, "Mcp-Session-Id");
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
