// A gateway assembled in code, as an SDK user would: one OpenAPI source (todo.yaml beside
// this file) and one native tool, behind the same policy, routes and endpoint as `mcpbridge serve`.
//   gateway-in-code SPEC STORE_PATH PORT      (runs until SIGINT or SIGTERM)
#include <iostream>
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>

struct GreetArgs {
  std::string name;
};
MCP_ARGS(GreetArgs, (name, "Who to greet"))

int main(int argc, char** argv) {
  if (argc != 4) return std::cerr << "usage: gateway-in-code SPEC STORE_PATH PORT\n", 2;
  mcp::config::Config cfg;
  cfg.auth.mode = mcp::auth::Mode::none;  // a local demo: nobody to authenticate
  cfg.builtin_tools = false;
  cfg.store_path = argv[2];
  cfg.http.port = static_cast<std::uint16_t>(std::stoi(argv[3]));
  mcp::config::OpenApiSourceConfig todo;
  todo.spec = argv[1];
  todo.upstream.name = "todo";
  cfg.openapi.push_back(todo);
  auto gateway = mcp::gateway::assemble(cfg);  // throws mcp::gateway::AssemblyError
  gateway->server().add_tool<GreetArgs>(
      "greet", "Greet someone", [](GreetArgs in, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
        co_return mcp::ToolResult::text("Hello, " + in.name + "!");
      });
  return gateway->serve();
}
