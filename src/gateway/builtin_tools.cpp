#include <mcp/gateway/gateway.hpp>

namespace mcp::gateway {
namespace {
struct EchoArgs {
  std::string text;
};
struct AddArgs {
  double a;
  double b;
};
// Described in the structs' own namespace: the descriptions are found by argument lookup.
MCP_ARGS(EchoArgs, (text, "Text to echo back"))
MCP_ARGS(AddArgs, (a, "First addend"), (b, "Second addend"))
}  // namespace

void register_builtin_tools(mcp::Server& server) {
  server.add_tool<EchoArgs>("echo", "Echo the text back unchanged",
                            [](EchoArgs in, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
                              co_return mcp::ToolResult::text(std::move(in.text));
                            });
  server.add_tool<AddArgs>("add", "Add two numbers; the result is structured as {sum}",
                           [](AddArgs in, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
                             co_return mcp::ToolResult::structured_content({{"sum", in.a + in.b}});
                           });
  // Who the gateway thinks is calling: a check for operators wiring up auth and connections.
  mcp::Tool whoami;
  whoami.name = "whoami";
  whoami.description = "Who is calling, as this gateway sees it: {subject, team, method, roles, scopes}";
  whoami.annotations = {{"readOnlyHint", true}};
  server.add_tool(std::move(whoami), [](mcp::json::object, mcp::Context& ctx) -> mcp::Task<mcp::ToolResult> {
    const auto& p = ctx.principal();
    mcp::json::array roles(p.roles.begin(), p.roles.end()), scopes(p.scopes.begin(), p.scopes.end());
    co_return mcp::ToolResult::structured_content(
        {{"subject", p.subject}, {"team", p.tenant}, {"method", p.method}, {"roles", roles}, {"scopes", scopes}});
  });
}

}  // namespace mcp::gateway
