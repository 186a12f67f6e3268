#include "http/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace mcp::http {
namespace {
std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r;
}
}  // namespace

OriginPolicy::OriginPolicy(bool loopback_bind, std::vector<std::string> hosts, std::vector<std::string> origins)
    : loopback_(loopback_bind) {
  for (auto& h : hosts) hosts_.push_back(lower(h));
  for (auto& o : origins) {
    std::string l = lower(o);
    while (!l.empty() && l.back() == '/') l.pop_back();
    origins_.push_back(l);
  }
}

std::string_view OriginPolicy::strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool OriginPolicy::is_loopback_name(std::string_view h) {
  std::string l = lower(h);
  return l == "localhost" || l == "127.0.0.1" || l == "[::1]" || l == "::1";
}

std::optional<std::string> OriginPolicy::check(std::string_view host, std::string_view origin) const {
  std::string h = lower(host);
  if (!hosts_.empty()) {
    bool ok = std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end() ||
              std::find(hosts_.begin(), hosts_.end(), std::string(strip_port(h))) != hosts_.end();
    if (!ok) return "Host not allowed: " + std::string(host);
  } else if (loopback_ && !is_loopback_name(strip_port(h))) {
    return "Host not allowed: " + std::string(host);
  }
  if (origin.empty()) return std::nullopt;  // non-browser clients send none
  std::string o = lower(origin);
  if (std::find(origins_.begin(), origins_.end(), o) != origins_.end()) return std::nullopt;
  auto sep = o.find("://");
  if (sep == std::string::npos) return "Origin not allowed: " + std::string(origin);
  std::string_view authority = std::string_view(o).substr(sep + 3);
  authority = authority.substr(0, authority.find('/'));
  if (origins_.empty() && loopback_ && hosts_.empty()) {
    if (is_loopback_name(strip_port(authority))) return std::nullopt;
    return "Origin not allowed: " + std::string(origin);
  }
  if (authority == h) return std::nullopt;  // same origin as the (accepted) Host
  return "Origin not allowed: " + std::string(origin);
}

}  // namespace mcp::http
