// bench-echo-server: the gateway's built-in tools (echo, add, whoami) with the defaults of
// examples/echo_server.cpp, plus knobs the load
// scenarios need that the example does not expose — chiefly --max-sessions, because the
// `storm` scenario (initialize per request, sessions kept) passes the default cap of 10,000
// within a second and would then measure 503s instead of session creation.
//   bench-echo-server [--host H] [--port N] [--threads N] [--sse] [--max-sessions N]
#include <mcp/core/encoding.hpp>
#include <mcp/mcp.hpp>

#include "bench_util.hpp"

#include <ctime>
#include <cstdlib>
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  mcp::HttpOptions http;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 < argc && arg == "--port") http.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (i + 1 < argc && arg == "--host") http.host = argv[++i];
    else if (i + 1 < argc && arg == "--threads") http.threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (i + 1 < argc && arg == "--max-sessions")  // one load generator: its share is the cap
      http.max_sessions = http.max_sessions_per_principal = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--sse") http.always_sse = true;
    else {
      std::cerr << "usage: bench-echo-server [--host H] [--port N] [--threads N] [--sse] [--max-sessions N]\n";
      return 2;
    }
  }
  mcp::Server server({.info = {.name = "echo-server", .version = "1.0.0"}});
  mcp::bench::add_echo_tools(server);
  // spin {us}: burns `us` microseconds of this thread's CPU (SHA-256 rounds), so that a load run
  // measures the server's use of its threads rather than the load generator (which, on a small
  // box, needs most of a core to drive echo at full speed).
  mcp::Tool spin;
  spin.name = "spin";
  spin.description = "Burn the given microseconds of CPU, then answer";
  spin.input_schema = {{"type", "object"},
                       {"properties", {{"us", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100000}}}}},
                       {"required", mcp::json::array{"us"}}};
  server.add_tool(std::move(spin), [](mcp::json::object args, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
    auto us = args.at("us").to_number<std::int64_t>();
    auto cpu_now = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return std::int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
    };
    std::string digest = "spin";
    auto until = cpu_now() + us;
    while (cpu_now() < until) digest = mcp::sha256_hex(digest);
    co_return mcp::ToolResult::text(digest.substr(0, 8));
  });
  return mcp::serve(server, http);
}
