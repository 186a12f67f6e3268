// The SDK's hello world: two tools over Streamable HTTP.
//   echo-server [--port N] [--threads N]
#include <mcp/mcp.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>

struct EchoArgs {
  std::string text;
};
MCP_ARGS(EchoArgs, (text, "Text to echo back"))

struct AddArgs {
  double a;
  double b;
};
MCP_ARGS(AddArgs, (a, "First addend"), (b, "Second addend"))

// A tool is a coroutine from its typed arguments to a result.
mcp::Task<mcp::ToolResult> echo(EchoArgs in, mcp::Context&) { co_return mcp::ToolResult::text(std::move(in.text)); }

mcp::Task<mcp::ToolResult> add(AddArgs in, mcp::Context&) {
  co_return mcp::ToolResult::structured_content({{"sum", in.a + in.b}});
}

int main(int argc, char** argv) {
  mcp::HttpOptions http;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: echo-server [--host H] [--port N] [--threads N] [--sse]\n"
                   "Serves the tools echo {text} and add {a, b} on http://H:N/mcp.\n";
      return 0;
    }
    if (i + 1 < argc && arg == "--port") http.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (i + 1 < argc && arg == "--host") http.host = argv[++i];
    else if (i + 1 < argc && arg == "--threads") http.threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (arg == "--sse") http.always_sse = true;
    else {
      std::cerr << "echo-server: unknown argument " << arg << " (see --help)\n";
      return 2;
    }
  }

  mcp::Server server({.info = {.name = "echo-server", .version = "1.0.0"}});
  server.add_tool<EchoArgs>("echo", "Echo the text back", echo);
  server.add_tool<AddArgs>("add", "Add two numbers", add);
  return mcp::serve(server, http);
}
