// StreamableHttp::handle — the transport rules of the MCP endpoint on Beast-free messages:
// Host/Origin and version checks, content negotiation, JSON-RPC parse + classify, session
// lookup, Exchange, Dispatcher::serve (spawned), Server::handle, and the JSON (or SSE) answer.
// Driven with co_spawn + io_context::run on one thread; no sockets, no HTTP parsing.
#include "http/streamable_http.hpp"

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "http_bench_util.hpp"
#include "gbench.hpp"

#include <boost/asio/io_context.hpp>

#include <string>

namespace {
using namespace mcp;
using mcp::http::Request;
using mcp::http::Response;

using bench::drain;
using bench::header_of;
using bench::kInitialize;
using bench::kInitialized;
using bench::post;

struct Fixture {
  Server server{{.info = {.name = "bench", .version = "1.0.0"}}};
  HttpOptions options;
  std::unique_ptr<http::StreamableHttp> transport;
  boost::asio::io_context io{1};
  std::string sid;

  explicit Fixture(bool always_sse) {
    bench::add_echo_tools(server);
    options.always_sse = always_sse;
    transport = std::make_unique<http::StreamableHttp>(server, options);
  }
  Response handle(Request r) { return bench::run(io, transport->handle(std::move(r))); }
  bool open_session() {
    auto init = handle(post(std::string(kInitialize), ""));
    sid = header_of(init, "Mcp-Session-Id");
    if (init.status != 200 || sid.empty()) return false;
    return handle(post(std::string(kInitialized), sid)).status == 202;
  }
};


void BM_StreamableHttp_PostToolsCall(benchmark::State& state) {
  Fixture f(false);
  if (!f.open_session()) return state.SkipWithError("initialize failed");
  const Request proto = post(std::string(bench::kEchoCall), f.sid);
  auto check = f.handle(proto);
  if (check.status != 200 || check.body.find("\"hello\"") == std::string::npos)
    return state.SkipWithError("tools/call failed");
  for (auto _ : state) {
    Request r = proto;  // the copy stands for building the Request from the parsed HTTP message
    auto resp = f.handle(std::move(r));
    benchmark::DoNotOptimize(resp);
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_StreamableHttp_PostToolsCall);

// Same with --sse: every answer becomes a one-event SSE stream (stored for resumption).
void BM_StreamableHttp_PostToolsCall_Sse(benchmark::State& state) {
  Fixture f(true);
  if (!f.open_session()) return state.SkipWithError("initialize failed");
  const Request proto = post(std::string(bench::kEchoCall), f.sid);
  for (auto _ : state) {
    Request r = proto;
    auto resp = f.handle(std::move(r));
    if (!resp.stream) return state.SkipWithError("expected an SSE answer");
    benchmark::DoNotOptimize(bench::run(f.io, drain(resp.stream)));
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_StreamableHttp_PostToolsCall_Sse);

// A notification (202, nothing spawned).
void BM_StreamableHttp_PostNotification(benchmark::State& state) {
  Fixture f(false);
  if (!f.open_session()) return state.SkipWithError("initialize failed");
  const Request proto = post(std::string(kInitialized), f.sid);
  for (auto _ : state) {
    Request r = proto;
    benchmark::DoNotOptimize(f.handle(std::move(r)));
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_StreamableHttp_PostNotification);

// A session's whole life as the storm-full scenario drives it: initialize, initialized, DELETE.
void BM_StreamableHttp_SessionLifecycle(benchmark::State& state) {
  Fixture f(false);
  const Request init = post(std::string(kInitialize), "");
  for (auto _ : state) {
    Request r = init;
    auto resp = f.handle(std::move(r));
    auto sid = header_of(resp, "Mcp-Session-Id");
    auto ack = f.handle(post(std::string(kInitialized), sid));
    Request del;
    del.method = "DELETE";
    del.target = "/mcp";
    del.headers = {{"host", "127.0.0.1:18901"}, {"mcp-protocol-version", "2025-06-18"}, {"mcp-session-id", sid}};
    auto gone = f.handle(std::move(del));
    if (resp.status != 200 || ack.status != 202 || gone.status != 200)
      return state.SkipWithError("session lifecycle failed");
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_StreamableHttp_SessionLifecycle);

// initialize alone (the `storm` scenario): sessions pile up, so the table is cleared between
// batches outside the timed region, before they reach one principal's default share (1,000 of
// the default cap of 10,000), beyond which each initialize would end an older session.
void BM_StreamableHttp_Initialize(benchmark::State& state) {
  Fixture f(false);
  const Request init = post(std::string(kInitialize), "");
  std::size_t n = 0;
  for (auto _ : state) {
    if (++n % 1000 == 0) {
      state.PauseTiming();
      f.transport->sessions().close_all();
      state.ResumeTiming();
    }
    Request r = init;
    auto resp = f.handle(std::move(r));
    if (resp.status != 200) return state.SkipWithError("initialize failed");
  }
  state.SetItemsProcessed(state.iterations());
}
MCP_BENCHMARK(BM_StreamableHttp_Initialize);

}  // namespace

BENCHMARK_MAIN();
