#pragma once
// Small web pieces for the authorization server's endpoints and pages: form and query
// decoding, URL building, HTML escaping, cookies, HMAC.
#include <mcp/core/encoding.hpp>
#include <mcp/net/http_types.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::authz {

// application/x-www-form-urlencoded (also a query string). A repeated parameter makes the
// whole form invalid (RFC 6749 §3.1: parameters must not be included more than once).
using Form = std::map<std::string, std::string>;
std::optional<Form> parse_form(std::string_view text);
std::string form_value(const Form& f, const std::string& key);

std::string url_encode(std::string_view s);
// `base` + ('?' or '&') + encoded pairs.
std::string add_query(std::string base, const std::vector<std::pair<std::string, std::string>>& params);
using mcp::html_escape;  // <mcp/core/encoding.hpp>

std::string cookie(const net::HttpRequest& req, std::string_view name);
std::string hmac_b64url(std::string_view key, std::string_view data);

// The pieces of an absolute URL needed for redirect matching.
struct UrlParts {
  std::string scheme, host, port, path_and_query;
  bool fragment = false;
  bool userinfo = false;
};
std::optional<UrlParts> split_url(std::string_view url);

net::HttpResponse oauth_error(int status, std::string error, std::string description);
net::HttpResponse no_store(net::HttpResponse r);

}  // namespace mcp::authz
