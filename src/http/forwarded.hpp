#pragma once
// Forwarded (RFC 7239) and X-Forwarded-For/-Proto/-Host, believed only from trusted proxies.
#include <mcp/net/http_types.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Addresses and CIDR networks; throws std::invalid_argument naming a bad entry.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool contains(std::string_view address) const;

  // When req.remote_address (the peer) is trusted: the client address is the nearest one in
  // the forwarded chain that is not itself a trusted proxy, and the scheme and Host are the
  // ones that proxy received. Otherwise the request is left as it is.
  void apply(net::HttpRequest& req) const;

 private:
  struct Network {
    std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    unsigned prefix = 0;                    // over the 128 bits
  };
  std::vector<Network> networks_;
};

// An IP address in canonical form (IPv4-mapped IPv6 as IPv4), or nullopt. Accepts the forms a
// forwarded "for" takes: "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:80", "::1" (quotes removed).
std::optional<std::string> forwarded_address(std::string_view node);

}  // namespace mcp::http
