#pragma once
// The mcpbridge SDK: define an MCP server's tools, resources and prompts, then serve it over
// Streamable HTTP.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/http/http.hpp>
#include <mcp/server/context.hpp>
#include <mcp/server/server.hpp>
#include <mcp/server/typed.hpp>
#include <mcp/server/types.hpp>
