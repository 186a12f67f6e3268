#pragma once
#include <mcp/server/server.hpp>

namespace mcpbridge {
// Native tools compiled into the gateway: echo {text} and add {a, b}.
void register_builtin_tools(mcp::Server& server);
}  // namespace mcpbridge
