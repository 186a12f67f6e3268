#pragma once
// The shared state of several replicas from the configuration (cluster.redis_url).
#include <mcp/cluster/shared_state.hpp>
#include <mcp/config/config.hpp>

namespace mcp::gateway {

// nullptr without cluster.redis_url (one process: nothing shared). Throws
// std::invalid_argument for a malformed URL.
std::shared_ptr<cluster::SharedState> make_shared_state(const config::Config& cfg);

}  // namespace mcp::gateway
