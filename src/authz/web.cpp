#include "authz/web.hpp"

#include <mcp/core/encoding.hpp>
#include <mcp/core/json.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace mcp::authz {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int a = hex(s[i + 1]), b = hex(s[i + 2]);
      if (a < 0 || b < 0) return std::nullopt;
      out += static_cast<char>(a * 16 + b);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::optional<Form> parse_form(std::string_view text) {
  Form f;
  size_t count = 0;
  while (!text.empty()) {
    if (++count > 100) return std::nullopt;  // bounded
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto k = decode(pair.substr(0, eq));
    auto v = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!k || !v) return std::nullopt;
    if (!f.emplace(std::move(*k), std::move(*v)).second) return std::nullopt;
  }
  return f;
}

std::string form_value(const Form& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string add_query(std::string base, const std::vector<std::pair<std::string, std::string>>& params) {
  char sep = base.find('?') == std::string::npos ? '?' : '&';
  for (auto& [k, v] : params) {
    base += sep;
    base += url_encode(k) + "=" + url_encode(v);
    sep = '&';
  }
  return base;
}

std::string cookie(const net::HttpRequest& req, std::string_view name) {
  std::string_view h = req.header("cookie");
  while (!h.empty()) {
    auto semi = h.find(';');
    auto part = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view{} : h.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return {};
}

std::string hmac_b64url(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &n);
  return base64_encode(std::string_view(reinterpret_cast<char*>(md), n), true);
}

std::optional<UrlParts> split_url(std::string_view url) {
  UrlParts p;
  auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  p.scheme = std::string(url.substr(0, colon));
  for (auto& c : p.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto rest = url.substr(colon + 3);
  p.fragment = rest.find('#') != std::string_view::npos;
  auto slash = rest.find_first_of("/?#");
  auto authority = rest.substr(0, slash);
  p.path_and_query = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (auto hash = p.path_and_query.find('#'); hash != std::string::npos) p.path_and_query.resize(hash);
  if (!p.path_and_query.empty() && p.path_and_query[0] == '?') p.path_and_query = "/" + p.path_and_query;
  if (authority.find('@') != std::string_view::npos) p.userinfo = true;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    p.host = std::string(authority.substr(0, close + 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      p.port = std::string(after.substr(1));
    }
  } else {
    auto c = authority.rfind(':');
    p.host = std::string(authority.substr(0, c));
    if (c != std::string_view::npos) p.port = std::string(authority.substr(c + 1));
  }
  for (auto& c : p.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : p.port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (p.host.empty()) return std::nullopt;
  return p;
}

net::HttpResponse oauth_error(int status, std::string error, std::string description) {
  // RFC 6749 §5.2: printable ASCII only. Descriptions quote client input (a grant type, a
  // scope, a redirect URI), which may not even be UTF-8: serialised raw, the body was no JSON.
  for (auto& c : description)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  json::object o{{"error", std::move(error)}};
  if (!description.empty()) o["error_description"] = std::move(description);
  return no_store(net::json_response(status, json::serialize(o)));
}

net::HttpResponse no_store(net::HttpResponse r) {
  r.set("cache-control", "no-store");
  r.set("pragma", "no-cache");
  return r;
}

}  // namespace mcp::authz
