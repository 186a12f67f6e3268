#include "http/forwarded.hpp"

#include <mcp/http/http.hpp>

#include <boost/asio/ip/address.hpp>

#include <stdexcept>

namespace mcp::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<ip::address> parse_ip(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::array<unsigned char, 16> as_v6_bytes(const ip::address& a) {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

// Every value of a (lower-case) header, the repeated ones joined as one comma-separated list.
std::vector<std::string_view> list_of(const net::Headers& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (auto& [k, v] : headers) {
    if (k != name) continue;
    std::string_view rest = v;
    for (;;) {
      auto comma = rest.find(',');
      out.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

struct Hop {
  std::string_view node, proto, host;
};

// RFC 7239 elements: "for=...;proto=...;host=..., for=...". Quoted values hold no commas in
// the forms we use (addresses, schemes, hosts), so splitting on ',' and ';' is enough.
std::vector<Hop> forwarded_hops(const net::Headers& headers) {
  std::vector<Hop> hops;
  for (auto element : list_of(headers, "forwarded")) {
    Hop h;
    std::string_view rest = element;
    for (;;) {
      auto semi = rest.find(';');
      auto pair = trim(rest.substr(0, semi));
      auto eq = pair.find('=');
      if (eq != std::string_view::npos) {
        std::string key(trim(pair.substr(0, eq)));
        for (auto& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        auto value = unquote(pair.substr(eq + 1));
        if (key == "for") h.node = value;
        else if (key == "proto") h.proto = value;
        else if (key == "host") h.host = value;
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
    hops.push_back(h);
  }
  return hops;
}

// X-Forwarded-Proto/-Host lists line up with X-Forwarded-For when each proxy appended to all
// three; otherwise the last value is the one the nearest proxy set.
std::string_view aligned(const std::vector<std::string_view>& values, std::size_t hops, std::size_t i) {
  if (values.empty()) return {};
  return values.size() == hops ? values[i] : values.back();
}

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

std::optional<std::string> forwarded_address(std::string_view node) {
  node = unquote(node);
  if (node.empty()) return std::nullopt;
  if (node.front() == '[') {
    auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    node = node.substr(1, close - 1);
  } else if (auto colon = node.find(':'); colon != std::string_view::npos && node.find(':', colon + 1) == node.npos) {
    node = node.substr(0, colon);  // IPv4:port
  }
  auto a = parse_ip(node);
  if (!a) return std::nullopt;  // "unknown", "_obfuscated", garbage
  return a->to_string();
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (auto& e : entries) {
    if (auto why = check_trusted_proxy(e); !why.empty()) throw std::invalid_argument(why);
    std::string_view text = e;
    auto slash = text.find('/');
    auto a = ip::make_address(std::string(text.substr(0, slash)));  // as written: its prefix counts its bits
    Network n;
    n.bytes = as_v6_bytes(a);
    unsigned bits = a.is_v4() ? 32 : 128;
    unsigned prefix = slash == std::string_view::npos ? bits : static_cast<unsigned>(std::stoul(e.substr(slash + 1)));
    n.prefix = prefix + (a.is_v4() ? 96 : 0);
    networks_.push_back(n);
  }
}

bool TrustedProxies::contains(std::string_view address) const {
  if (networks_.empty()) return false;
  auto a = parse_ip(address);
  if (!a) return false;
  auto bytes = as_v6_bytes(*a);
  for (auto& n : networks_) {
    unsigned full = n.prefix / 8, rest = n.prefix % 8;
    bool match = std::equal(bytes.begin(), bytes.begin() + full, n.bytes.begin());
    if (match && rest) {
      auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
      match = (bytes[full] & mask) == (n.bytes[full] & mask);
    }
    if (match) return true;
  }
  return false;
}

void TrustedProxies::apply(net::HttpRequest& req) const {
  if (!contains(req.remote_address)) return;
  std::vector<Hop> hops = forwarded_hops(req.headers);
  bool legacy = hops.empty();
  std::vector<std::string_view> protos, hosts;
  if (legacy) {
    for (auto f : list_of(req.headers, "x-forwarded-for")) hops.push_back({f, {}, {}});
    protos = list_of(req.headers, "x-forwarded-proto");
    hosts = list_of(req.headers, "x-forwarded-host");
  }
  // From the nearest hop outwards: past trusted proxies, up to the first address that is not
  // one (the client); an unreadable entry ends the walk at the last address we could trust.
  std::optional<std::size_t> chosen;
  std::string client;
  for (std::size_t i = hops.size(); i-- > 0;) {
    auto a = forwarded_address(hops[i].node);
    if (!a) break;
    chosen = i;
    client = *a;
    if (!contains(client)) break;
  }
  std::string_view proto, host;
  if (chosen) {
    req.remote_address = client;
    proto = legacy ? aligned(protos, hops.size(), *chosen) : hops[*chosen].proto;
    host = legacy ? aligned(hosts, hops.size(), *chosen) : hops[*chosen].host;
  } else if (legacy) {  // a proxy that names the scheme and host but not the client
    proto = protos.empty() ? std::string_view() : protos.back();
    host = hosts.empty() ? std::string_view() : hosts.back();
  }
  if (auto p = lower(proto); p == "http" || p == "https") req.scheme = p;
  if (valid_host(host)) {
    std::string value(host);
    bool replaced = false;
    for (auto& [k, v] : req.headers)
      if (k == "host") v = value, replaced = true;
    if (!replaced) req.headers.emplace_back("host", value);
  }
}

}  // namespace mcp::http

namespace mcp {

std::string check_trusted_proxy(const std::string& entry) {
  std::string_view text = entry;
  auto slash = text.find('/');
  auto address = text.substr(0, slash);
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return "'" + entry + "' is not an IP address or a CIDR network";
  if (slash == std::string_view::npos) return {};
  auto digits = text.substr(slash + 1);
  unsigned max = a.is_v4() ? 32 : 128;
  if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != digits.npos ||
      std::stoul(std::string(digits)) > max)
    return "'" + entry + "': the prefix length must be 0 to " + std::to_string(max);
  return {};
}

}  // namespace mcp
