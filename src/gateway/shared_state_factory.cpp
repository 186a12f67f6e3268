// Kept apart so that the Redis implementation (src/cluster/redis_*.cpp, another branch) is
// the only thing this file needs to name.
#include "gateway/shared_state_factory.hpp"

#include <stdexcept>

namespace mcp::gateway {

std::shared_ptr<cluster::SharedState> make_shared_state(const config::Config& cfg) {
  if (cfg.redis_url.empty()) return nullptr;
  // MERGE(redis): return cluster::make_redis_shared_state(cluster::RedisOptions{cfg.redis_url});
  throw std::invalid_argument("cluster.redis_url: this build has no Redis client (" +
                              config::redact_url_password(cfg.redis_url) + ")");
}

}  // namespace mcp::gateway
