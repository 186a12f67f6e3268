#pragma once
// `mcpbridge serve` with `openapi:` sources: load each spec, make its operations tools (or the
// three catalogue tools), and register them through the gateway's per-call policy. Then keep
// them current: SIGHUP reloads every source, a changed spec file (polled) reloads its source;
// a reload that fails to load leaves the served tools as they were.
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <string>

#include <mcp/config/config.hpp>

namespace mcpbridge {

class RunningOpenApi {
 public:
  virtual ~RunningOpenApi() = default;  // stops watching (SIGHUP, files)
};

// "" on success, else what went wrong (a spec that does not load, per-user credentials without
// a `vault`). `out` watches for SIGHUP and changed spec files until destroyed.
std::string start_openapi_sources(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store,
                                  std::shared_ptr<mcp::sources::Vault> vault, std::unique_ptr<RunningOpenApi>& out);

}  // namespace mcpbridge
