#pragma once
// ASCII case folding for protocol tokens (header names, HTTP methods, media types, host names):
// locale-independent, bytes outside A-Z / a-z unchanged.
#include <string>
#include <string_view>

namespace mcp::ascii {

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace mcp::ascii
