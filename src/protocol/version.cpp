#include <mcp/protocol/version.hpp>

namespace mcp::protocol {

bool is_supported_version(std::string_view v) {
  for (auto s : kSessionVersions)
    if (s == v) return true;
  return false;
}

std::string negotiate_version(std::string_view requested) {
  return std::string(is_supported_version(requested) ? requested : kLatestSessionVersion);
}

}  // namespace mcp::protocol
