// bench-echo-server: examples/echo_server.cpp (same tools, same defaults) plus knobs the load
// scenarios need that the example does not expose — chiefly --max-sessions, because the
// `storm` scenario (initialize per request, sessions kept) passes the default cap of 10,000
// within a second and would then measure 503s instead of session creation.
//   bench-echo-server [--host H] [--port N] [--threads N] [--sse] [--max-sessions N]
#include <mcp/mcp.hpp>

#include "bench_util.hpp"

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
    else if (i + 1 < argc && arg == "--max-sessions") http.max_sessions = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--sse") http.always_sse = true;
    else {
      std::cerr << "usage: bench-echo-server [--host H] [--port N] [--threads N] [--sse] [--max-sessions N]\n";
      return 2;
    }
  }
  mcp::Server server({.info = {.name = "echo-server", .version = "1.0.0"}});
  mcp::bench::add_echo_tools(server);
  return mcp::serve(server, http);
}
