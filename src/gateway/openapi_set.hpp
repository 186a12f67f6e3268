#pragma once
// The gateway's `openapi:` sources: load each spec, make its operations tools (or the three
// catalogue tools), and register them through the assembly's one Gateway. Then keep them
// current: a configuration reload (SIGHUP, Assembly::reload) reloads every source, a changed
// spec file (polled) reloads its source; a reload that fails to load leaves the served tools as
// they were.
#include <mcp/gateway/gateway.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <string>
#include <vector>

#include <mcp/config/config.hpp>


namespace mcp::gateway {

class RunningOpenApi {
 public:
  virtual ~RunningOpenApi() = default;  // stop()
  // The spec files' watch, on a thread of its own.
  virtual void watch() = 0;
  virtual void stop() = 0;  // idempotent
  // Loads every source again now: "" or why not (the previous tools stay).
  virtual std::string reload_all(const char* why) = 0;
  virtual std::vector<std::string> tool_names() const = 0;  // what the sources serve
};

// Loads every source and registers its tools through `gateway`. "" on success, else what went
// wrong (a spec that does not load, per-user credentials without a `vault`); `out` then
// watches once told to.
std::string start_openapi_sources(mcp::Server& server, config::Config& cfg, std::shared_ptr<Gateway> gateway,
                                  std::shared_ptr<mcp::sources::Vault> vault, std::unique_ptr<RunningOpenApi>& out);

}  // namespace mcp::gateway
