// The address table behind every SSRF check: what kind of network a literal IP address is on.
#include <mcp/net/address.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace mcp::net {
namespace {

namespace ip = boost::asio::ip;

struct V4Range {
  std::uint32_t net;
  int bits;
  AddressKind kind;
};

constexpr std::uint32_t v4(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) | std::uint32_t(d);
}

// Order matters only where ranges nest (none here overlap).
constexpr std::array kV4 = {
    V4Range{v4(0, 0, 0, 0), 8, AddressKind::kBlocked},         // "this network"
    V4Range{v4(10, 0, 0, 0), 8, AddressKind::kPrivate},        // RFC 1918
    V4Range{v4(100, 64, 0, 0), 10, AddressKind::kPrivate},     // CGNAT (incl. 100.100.100.200)
    V4Range{v4(127, 0, 0, 0), 8, AddressKind::kLoopback},
    V4Range{v4(169, 254, 0, 0), 16, AddressKind::kPrivate},    // link-local, cloud metadata
    V4Range{v4(172, 16, 0, 0), 12, AddressKind::kPrivate},     // RFC 1918
    V4Range{v4(192, 0, 0, 0), 24, AddressKind::kPrivate},      // IETF protocol assignments
    V4Range{v4(192, 0, 2, 0), 24, AddressKind::kPrivate},      // TEST-NET-1
    V4Range{v4(192, 88, 99, 0), 24, AddressKind::kPrivate},    // 6to4 relay anycast
    V4Range{v4(192, 168, 0, 0), 16, AddressKind::kPrivate},    // RFC 1918
    V4Range{v4(198, 18, 0, 0), 15, AddressKind::kPrivate},     // benchmarking
    V4Range{v4(198, 51, 100, 0), 24, AddressKind::kPrivate},   // TEST-NET-2
    V4Range{v4(203, 0, 113, 0), 24, AddressKind::kPrivate},    // TEST-NET-3
    V4Range{v4(224, 0, 0, 0), 4, AddressKind::kBlocked},       // multicast
    V4Range{v4(240, 0, 0, 0), 4, AddressKind::kBlocked},       // reserved, broadcast
};

AddressKind classify_v4(std::uint32_t a) {
  for (const auto& r : kV4) {
    std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
    if ((a & mask) == r.net) return r.kind;
  }
  return AddressKind::kPublic;
}

std::uint32_t v4_at(const ip::address_v6::bytes_type& b, int i) {
  return (std::uint32_t(b[i]) << 24) | (std::uint32_t(b[i + 1]) << 16) | (std::uint32_t(b[i + 2]) << 8) |
         std::uint32_t(b[i + 3]);
}

AddressKind classify_v6(const ip::address_v6& a) {
  auto b = a.to_bytes();
  if (a.is_loopback()) return AddressKind::kLoopback;
  if (a.is_unspecified() || a.is_multicast()) return AddressKind::kBlocked;
  // Forms that carry an IPv4 address: ::ffff:a.b.c.d (mapped), 64:ff9b::/96 (NAT64),
  // ::a.b.c.d (deprecated compatible), 2002::/16 (6to4). They reach that IPv4 address.
  bool zero10 = std::all_of(b.begin(), b.begin() + 10, [](unsigned char c) { return c == 0; });
  if (zero10 && b[10] == 0xff && b[11] == 0xff) return classify_v4(v4_at(b, 12));
  if (zero10 && b[10] == 0 && b[11] == 0) return classify_v4(v4_at(b, 12));
  bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
               std::all_of(b.begin() + 4, b.begin() + 12, [](unsigned char c) { return c == 0; });
  if (nat64) return classify_v4(v4_at(b, 12));
  if (b[0] == 0x20 && b[1] == 0x02) return classify_v4(v4_at(b, 2));
  if ((b[0] & 0xfe) == 0xfc) return AddressKind::kPrivate;                   // fc00::/7 ULA (fd00:ec2::254)
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind::kPrivate;   // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind::kPrivate;   // fec0::/10 site-local
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressKind::kPrivate;  // doc
  if (b[0] == 0x01 && std::all_of(b.begin() + 1, b.begin() + 8, [](unsigned char c) { return c == 0; }))
    return AddressKind::kBlocked;  // 100::/64 discard-only
  return AddressKind::kPublic;
}

}  // namespace

AddressKind classify_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return AddressKind::kBlocked;
  if (a.is_v4()) return classify_v4(a.to_v4().to_uint());
  return classify_v6(a.to_v6());
}

}  // namespace mcp::net
