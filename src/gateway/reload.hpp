#pragma once
// SIGHUP: what a re-read configuration changes, and which of those changes a
// running gateway cannot apply (docs/operations.md, "Reloading the
// configuration").
#include <mcp/config/config.hpp>
#include <string>
#include <vector>

namespace mcp::gateway {

// The settings that differ between the configuration the gateway started with
// and `next` and that only a restart applies (the listener, the store, the
// cluster, authentication...): one "key: old -> new" line each (secrets are
// never printed: `mcpbridge config`'s form).
std::vector<std::string> changes_needing_restart(const config::Config &started, const config::Config &next);

// Equal for two entries that would run the same connection (a changed one is
// restarted).
std::string connection_fingerprint(const config::ConnectionConfig &c);
// The same for an `openapi:` entry (a changed one is loaded again, its tools
// replaced).
std::string openapi_fingerprint(const config::OpenApiSourceConfig &o);

}  // namespace mcp::gateway
