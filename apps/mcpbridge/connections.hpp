#pragma once
// `mcpbridge serve` with `connections:`: each connection lists its upstream's tools (now and
// then, and on list_changed) on a thread of its own and registers them on the server; calls
// run on the server's threads with each caller's own credentials.
#include "config.hpp"

#include <mcp/server/server.hpp>
#include <mcp/store/store.hpp>

#include <iosfwd>
#include <memory>
#include <string>

namespace mcpbridge {

class RunningConnections {
 public:
  virtual ~RunningConnections() = default;  // stops the refreshers
};

// Starts the configured connections; "" on success, else what is wrong (missing vault key,
// shared secret). `out` keeps them running until destroyed.
std::string start_connections(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store,
                              std::unique_ptr<RunningConnections>& out);

// `mcpbridge connections list|login|logout`; returns the exit code.
int connections_command(const Config& cfg, std::shared_ptr<mcp::store::Store> store, const std::string& action,
                        const std::string& name, const std::string& user, std::istream& in, std::ostream& out,
                        std::ostream& err);

}  // namespace mcpbridge
