// What a connection is made of: its bounds, its allow/deny lists, and the headers a credential
// becomes.
#include <mcp/sources/upstream.hpp>

#include <mcp/auth/auth.hpp>
#include <mcp/core/ascii.hpp>

#include <algorithm>
#include <array>

namespace mcp::upstream {
namespace {

bool visible(char c, bool spaces) {
  return (c > 0x20 && c < 0x7f) || (spaces && (c == ' ' || c == '\t'));
}

bool token(std::string_view s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Header values may be empty; otherwise as plain_text with spaces.
bool header_value(std::string_view v) { return v.empty() || plain_text(v, bounds::kHeaderValue, true); }

// Set by the gateway itself, never by a credential or configuration.
bool reserved_header(std::string_view lower) {
  constexpr std::array<std::string_view, 6> names = {"host", "content-length", "transfer-encoding",
                                                     "connection", "mcp-session-id", "mcp-protocol-version"};
  return std::find(names.begin(), names.end(), lower) != names.end();
}

// The host of an http(s) URL (without user info, port or IPv6 brackets).
std::string_view url_host(std::string_view url) {
  auto start = url.find("://");
  if (start == std::string_view::npos) return {};
  auto authority = url.substr(start + 3, url.find_first_of("/?#", start + 3) - (start + 3));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority[0] == '[') return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

}  // namespace

bool plain_text(std::string_view s, std::size_t max, bool spaces) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [spaces](char c) { return visible(c, spaces); });
}

std::string check_options(const ConnectionOptions& o) {
  using namespace bounds;
  if (!token(o.name, kName)) return "name: expected 1 to " + std::to_string(kName) + " letters, digits, '_' or '-'";
  if (!plain_text(o.url, kUrl)) return "url: expected at most " + std::to_string(kUrl) + " visible ASCII characters (no spaces or control characters)";
  if (o.url.rfind("https://", 0) != 0 && o.url.rfind("http://", 0) != 0) return "url: expected an http(s):// URL";
  if (auto host = url_host(o.url); host.empty() || host.size() > kHost) return "url: expected a host of 1 to " + std::to_string(kHost) + " characters";
  if (!o.api_key_header.empty() && (!token(o.api_key_header, kHeaderName) || reserved_header(ascii::lower(o.api_key_header))))
    return "api_key_header: expected a header name (letters, digits, '-', '_'; at most " + std::to_string(kHeaderName) +
           ") that the gateway does not set itself";
  if (!plain_text(o.separator, 8)) return "separator: expected 1 to 8 visible ASCII characters";
  if (!o.oauth_client_id.empty() && !plain_text(o.oauth_client_id, kText)) return "client_id: expected at most " + std::to_string(kText) + " visible ASCII characters";
  if (!o.oauth_client_secret.empty() && !plain_text(o.oauth_client_secret, kText)) return "client_secret: expected at most " + std::to_string(kText) + " visible ASCII characters";
  if (!o.oauth_scope.empty() && !plain_text(o.oauth_scope, kText, true)) return "scopes: expected at most " + std::to_string(kText) + " visible ASCII characters in all";
  for (auto* list : {&o.allow, &o.deny}) {
    const char* what = list == &o.allow ? "allow" : "deny";
    if (list->size() > kGlobs) return std::string(what) + ": at most " + std::to_string(kGlobs) + " globs";
    for (auto& g : *list)
      if (!plain_text(g, kText)) return std::string(what) + ": expected globs of 1 to " + std::to_string(kText) + " visible ASCII characters";
  }
  if (!plain_text(o.protocol_version, 32)) return "protocol_version: expected a version such as 2025-11-25";
  if (o.timeout < kMinTimeout || o.timeout > kMaxTimeout)
    return "timeout_ms: expected " + std::to_string(kMinTimeout.count()) + " to " + std::to_string(kMaxTimeout.count());
  if (o.refresh_interval < kMinRefresh || o.refresh_interval > kMaxRefresh)
    return "refresh_s: expected " + std::to_string(kMinRefresh.count()) + " to " + std::to_string(kMaxRefresh.count());
  if (o.retry_interval < std::chrono::seconds(1) || o.retry_interval > kMaxRefresh) return "retry interval: expected 1 s to a day";
  if (o.secret.size() > kCredential) return "the shared credential is longer than " + std::to_string(kCredential) + " bytes";
  return {};
}

bool tool_allowed(const ConnectionOptions& o, std::string_view tool) {
  auto match = [&](const std::vector<std::string>& globs) {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return auth::glob_match(g, tool); });
  };
  if (!o.allow.empty() && !match(o.allow)) return false;
  return !match(o.deny);
}

Result<net::Headers> Connection::headers_for(const ConnectionOptions& o, const std::string& secret) {
  using namespace bounds;
  net::Headers h;
  if (o.auth == AuthMethod::none) return h;
  if (secret.size() > kCredential)
    return Error{errc::kInvalidParams, "the credential is longer than " + std::to_string(kCredential) + " bytes", {}};
  switch (o.auth) {
    case AuthMethod::none:
      return h;
    case AuthMethod::api_key: {
      if (!plain_text(secret, kHeaderValue))
        return Error{errc::kInvalidParams, "the API key must be 1 to " + std::to_string(kHeaderValue) +
                                               " visible ASCII characters (no spaces or control characters)", {}};
      if (o.api_key_header.empty()) h.emplace_back("authorization", "Bearer " + secret);
      else h.emplace_back(o.api_key_header, secret);
      return h;
    }
    case AuthMethod::oauth: {  // the user's grant, as SignIn keeps it
      boost::system::error_code ec;
      auto v = json::parse(secret, ec);
      auto t = !ec && v.is_object() ? find_string(v.as_object(), "access_token") : std::nullopt;
      if (!t || !plain_text(*t, kHeaderValue)) return Error{errc::kInvalidParams, "the stored OAuth grant has no usable access token", {}};
      h.emplace_back("authorization", "Bearer " + std::string(*t));
      return h;
    }
    case AuthMethod::headers: {
      boost::system::error_code ec;
      auto v = json::parse(secret, ec);
      if (ec || !v.is_object() || v.as_object().empty() || v.as_object().size() > kHeaders)
        return Error{errc::kInvalidParams, "the headers credential must be a JSON object of 1 to " + std::to_string(kHeaders) +
                                               " header names to values", {}};
      for (auto& [k, val] : v.as_object()) {
        if (!token(k, kHeaderName))
          return Error{errc::kInvalidParams, "header names must be tokens (letters, digits, '-', '_') of at most " +
                                                 std::to_string(kHeaderName) + " characters", {}};
        if (!val.is_string() || !header_value(val.as_string()))
          return Error{errc::kInvalidParams, "header " + std::string(k) + ": the value must be a string of at most " +
                                                 std::to_string(kHeaderValue) + " visible ASCII characters", {}};
        auto name = ascii::lower(k);
        if (reserved_header(name)) return Error{errc::kInvalidParams, "header " + name + " is set by the gateway, not by a credential", {}};
        h.emplace_back(std::move(name), std::string(val.as_string()));
      }
      return h;
    }
  }
  return h;
}

}  // namespace mcp::upstream
