#include "builtin_tools.hpp"

namespace mcpbridge {
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
}

}  // namespace mcpbridge
