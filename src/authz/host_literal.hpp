#pragma once
// What a URL's host names, decided once for every check in the authorization server: redirect
// URIs (RFC 8252 §7.3, §8.3), the loopback any-port rule, client ID metadata document URLs and
// the issuer. `host` is a URL authority's host without the port: IPv6 literals in brackets.
#include <cstdint>
#include <optional>
#include <string_view>

namespace mcp::authz {

// The value of an IPv4 literal in the one form every parser agrees on: four decimal parts
// 0..255 without leading zeros ("127.0.0.1"). Anything else is not a canonical literal.
std::optional<std::uint32_t> parse_ipv4_literal(std::string_view host);

// Whether a URL parser would read `host` as an IPv4 address (WHATWG URL "ends in a number", as
// inet_aton does): its last label is decimal or 0x-hex. "127.1", "0x7f.0.0.1", "2130706433" and
// "127.0.0.1." are such hosts but not canonical; "127.0.0.1.nip.io" is a DNS name.
bool numeric_host(std::string_view host);

// Loopback for plain-http redirect URIs: "localhost", a canonical IPv4 literal in 127.0.0.0/8,
// or "[::1]" (case-insensitive). Non-canonical spellings of loopback addresses ("127.1",
// "0x7f.0.0.1", "[::ffff:127.0.0.1]", "[0:0:0:0:0:0:0:1]") are refused: a client compares the
// redirect URI as a string, and these are the usual filter bypasses.
bool is_loopback_host(std::string_view host);

}  // namespace mcp::authz
