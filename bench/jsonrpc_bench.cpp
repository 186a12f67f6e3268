// JSON-RPC framing of one tools/call: parse the body, classify it, serialise the response.
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/server/types.hpp>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "gbench.hpp"

namespace {
using namespace mcp;

const json::value& echo_result() {
  static const json::value r = ToolResult::text("hello").to_json();
  return r;
}

void BM_JsonRpc_Parse(benchmark::State& state) {
  for (auto _ : state) {
    auto v = jsonrpc::parse(bench::kEchoCall);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bench::kEchoCall.size()));
}
MCP_BENCHMARK(BM_JsonRpc_Parse);

void BM_JsonRpc_Classify(benchmark::State& state) {
  auto v = jsonrpc::parse(bench::kEchoCall).value();
  for (auto _ : state) {
    json::value id;
    auto m = jsonrpc::classify(v, &id);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_JsonRpc_Classify);

void BM_JsonRpc_IdKey(benchmark::State& state) {
  json::value id = 1000000001;
  for (auto _ : state) benchmark::DoNotOptimize(jsonrpc::id_key(id));
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_JsonRpc_IdKey);

void BM_JsonRpc_SerializeResponse(benchmark::State& state) {
  json::value id = 1000000001;
  for (auto _ : state) benchmark::DoNotOptimize(jsonrpc::response(id, echo_result()));
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_JsonRpc_SerializeResponse);

void BM_JsonRpc_ToolResultToJson(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ToolResult::text("hello").to_json());
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_JsonRpc_ToolResultToJson);

// The whole framing cost of one request: body in, response bytes out.
void BM_JsonRpc_ToolsCallRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    auto v = jsonrpc::parse(bench::kEchoCall);
    json::value id;
    auto m = jsonrpc::classify(v.value(), &id);
    auto out = jsonrpc::response(m.value().id, ToolResult::text("hello").to_json());
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_JsonRpc_ToolsCallRoundTrip);

}  // namespace

BENCHMARK_MAIN();
