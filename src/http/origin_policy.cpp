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
// `s` equals `lower` (all lower case) ignoring the case of `s`, without building a copy.
bool equals_folded(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i]) return false;
  return true;
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
  return equals_folded(h, "localhost") || h == "127.0.0.1" || h == "[::1]" || h == "::1";
}

std::optional<std::string> OriginPolicy::check(std::string_view host, std::string_view origin) const {
  // The common case (loopback bind, no lists, no Origin: every non-browser request) needs no
  // lower-cased copy of Host: strip_port() does not depend on case, is_loopback_name() ignores it.
  if (hosts_.empty() && origin.empty()) {
    if (loopback_ && !is_loopback_name(strip_port(host))) return "Host not allowed: " + std::string(host);
    return std::nullopt;
  }
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
