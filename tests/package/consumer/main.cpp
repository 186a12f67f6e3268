// A minimal MCP server built against the installed SDK: one typed tool over Streamable HTTP.
//   consumer PORT     serves http://127.0.0.1:PORT/mcp until SIGTERM
#include <mcp/mcp.hpp>

#include <cstdlib>

struct GreetArgs {
  std::string name;
};
MCP_ARGS(GreetArgs, (name, "Who to greet"))

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  mcp::Server server({.info = {.name = "consumer", .version = "1.0.0"}});
  server.add_tool<GreetArgs>("greet", "Greet someone",
                             [](GreetArgs in, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
                               co_return mcp::ToolResult::text("Hello from the package, " +
                                                               in.name + "!");
                             });
  return mcp::serve(server, {.host = "127.0.0.1",
                             .port = static_cast<std::uint16_t>(std::atoi(argv[1]))});
}
