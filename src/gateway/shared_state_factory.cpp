// The shared state of several replicas: Redis when `cluster.redis_url` is set, else none (one
// process, everything in memory).
#include "gateway/shared_state_factory.hpp"

#include <mcp/cluster/shared_state.hpp>

namespace mcp::gateway {

std::shared_ptr<cluster::SharedState> make_shared_state(const config::Config& cfg) {
  if (cfg.redis_url.empty()) return nullptr;
  cluster::RedisOptions o;
  o.url = cfg.redis_url;
  return cluster::make_redis_shared_state(std::move(o));
}

}  // namespace mcp::gateway
