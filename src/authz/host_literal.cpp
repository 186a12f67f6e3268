#include "authz/host_literal.hpp"

#include <cctype>
#include <mcp/core/ascii.hpp>
#include <string>

namespace mcp::authz {
namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<std::uint32_t> parse_ipv4_literal(std::string_view host) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    auto dot = host.find('.');
    auto label = host.substr(0, dot);
    if (part < 3 ? dot == std::string_view::npos : dot != std::string_view::npos) return std::nullopt;
    if (!digits(label) || label.size() > 3 || (label.size() > 1 && label[0] == '0')) return std::nullopt;
    unsigned n = 0;
    for (char c : label) n = n * 10 + static_cast<unsigned>(c - '0');
    if (n > 255) return std::nullopt;
    value = (value << 8) | n;
    host = dot == std::string_view::npos ? std::string_view{} : host.substr(dot + 1);
  }
  return value;
}

bool numeric_host(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // one trailing dot is ignored
  auto last = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  if (digits(last)) return true;
  if (last.size() < 2 || last[0] != '0' || (last[1] != 'x' && last[1] != 'X')) return false;
  for (char c : last.substr(2))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;  // "0x" alone counts too (WHATWG: zero)
}

bool is_loopback_host(std::string_view host) {
  auto h = ascii::lower(host);
  if (h == "localhost" || h == "[::1]") return true;
  auto v4 = parse_ipv4_literal(h);
  return v4 && (*v4 >> 24) == 127;
}

}  // namespace mcp::authz
