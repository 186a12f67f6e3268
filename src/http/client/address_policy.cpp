// The SSRF guard of the outbound client: which resolved addresses a request may reach.
#include <mcp/http/client.hpp>

#include <string>

namespace mcp::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace

bool address_allowed(const net::UrlPolicy& policy, std::string_view host, std::string_view ip) {
  auto h = lower(host);
  for (const auto& allowed : policy.allowed_hosts)
    if (lower(allowed) == h) return true;
  switch (net::classify_address(ip)) {
    case net::AddressKind::kPublic: return true;
    case net::AddressKind::kLoopback: return policy.allow_loopback;
    case net::AddressKind::kPrivate: return policy.allow_private;
    case net::AddressKind::kBlocked: return false;
  }
  return false;
}

}  // namespace mcp::http
