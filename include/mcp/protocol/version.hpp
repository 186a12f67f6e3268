#pragma once
// Protocol revisions this server speaks on the session-based (legacy) wire.
#include <array>
#include <string>
#include <string_view>

namespace mcp::protocol {

inline constexpr std::array<std::string_view, 3> kSessionVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
inline constexpr std::string_view kLatestSessionVersion = kSessionVersions[0];
// What a request without MCP-Protocol-Version is assumed to speak (2025-06-18 transports spec).
inline constexpr std::string_view kDefaultHeaderVersion = "2025-03-26";

bool is_supported_version(std::string_view v);
// The spec's negotiation: the client's version when we support it, else our latest.
std::string negotiate_version(std::string_view requested);

}  // namespace mcp::protocol
