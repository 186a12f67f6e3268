// mcp::Server::handle("tools/call") through a Context that talks to no client: tool lookup,
// JSON Schema validation of the arguments, the typed reader, the handler and to_json().
#include <mcp/core/json_schema.hpp>
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/server/server.hpp>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "gbench.hpp"

#include <boost/asio/io_context.hpp>

namespace {
using namespace mcp;

json::object params_of(std::string_view call) {
  return jsonrpc::parse(call).value().get_object().at("params").get_object();
}

void handle_loop(benchmark::State& state, bool validate, std::string_view call) {
  Server server({.info = {.name = "bench", .version = "1.0.0"}, .validate_arguments = validate});
  bench::add_echo_tools(server);
  bench::NullContext ctx;
  boost::asio::io_context io(1);
  const json::object params = params_of(call);
  // Sanity: the call must succeed, or we would be timing the error path.
  auto first = bench::run(io, server.handle("tools/call", params, ctx));
  if (!first || find(first.value(), "isError")) {
    state.SkipWithError("tools/call did not succeed");
    return;
  }
  for (auto _ : state) {
    auto r = bench::run(io, server.handle("tools/call", params, ctx));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

constexpr std::string_view kAddCall =
    R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}})";

void BM_Server_ToolsCallEcho(benchmark::State& state) { handle_loop(state, true, bench::kEchoCall); }
MCP_BENCHMARK(BM_Server_ToolsCallEcho);

void BM_Server_ToolsCallEcho_NoValidation(benchmark::State& state) { handle_loop(state, false, bench::kEchoCall); }
MCP_BENCHMARK(BM_Server_ToolsCallEcho_NoValidation);

void BM_Server_ToolsCallAdd(benchmark::State& state) { handle_loop(state, true, kAddCall); }
MCP_BENCHMARK(BM_Server_ToolsCallAdd);

// The schema validation alone, on echo's generated inputSchema.
void BM_Schema_ValidateEchoArgs(benchmark::State& state) {
  Server server(ServerOptions{});
  bench::add_echo_tools(server);
  json::value schema = server.find_tool("echo")->input_schema;
  json::value args = params_of(bench::kEchoCall).at("arguments");
  for (auto _ : state) benchmark::DoNotOptimize(validate_json_schema(schema, args));
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_Schema_ValidateEchoArgs);

// The io_context round trip alone (co_spawn + run of a trivial coroutine): the floor under
// every Server::handle figure above.
Task<int> trivial() { co_return 1; }
void BM_Asio_CoSpawnRun(benchmark::State& state) {
  boost::asio::io_context io(1);
  for (auto _ : state) benchmark::DoNotOptimize(bench::run(io, trivial()));
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_Asio_CoSpawnRun);

}  // namespace

BENCHMARK_MAIN();
