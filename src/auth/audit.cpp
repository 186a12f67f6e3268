#include <mcp/auth/auth.hpp>

#include <mcp/core/encoding.hpp>

#include <spdlog/spdlog.h>

namespace mcp::auth {

void audit_event(json::object event) {
  auto logger = spdlog::get("audit");
  (logger ? logger : spdlog::default_logger())->info("{}", json::serialize(event));
}

std::string fingerprint(std::string_view secret) { return sha256_hex(secret).substr(0, 12); }

}  // namespace mcp::auth
