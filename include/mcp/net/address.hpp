#pragma once
// What kind of network an IP address is on: the table every SSRF check consults (the outbound
// client's UrlPolicy, the authorization server's client ID metadata URLs). Pure; table-tested.
#include <string_view>

namespace mcp::net {

enum class AddressKind {
  kPublic,
  kLoopback,  // 127.0.0.0/8, ::1
  kPrivate,   // RFC 1918, link-local (incl. 169.254.169.254), CGNAT, ULA, documentation, ...
  kBlocked,   // unspecified, multicast, broadcast, reserved: never connected to
};

// `ip` is a textual IPv4 or IPv6 address (IPv4-mapped and NAT64 forms are classified by the
// IPv4 address inside). Text that is not an address is kBlocked.
AddressKind classify_address(std::string_view ip);

}  // namespace mcp::net
