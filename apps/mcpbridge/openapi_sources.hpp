#pragma once
// `mcpbridge serve` with `openapi:` sources: load each spec, make its operations tools (or the
// three catalogue tools), and register them through the gateway's per-call policy.
#include "config.hpp"

#include <mcp/server/server.hpp>
#include <mcp/store/store.hpp>

#include <memory>
#include <string>

namespace mcpbridge {

// "" on success, else what went wrong (a spec that does not load, a missing vault key).
std::string register_openapi_sources(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store);

}  // namespace mcpbridge
