// OAuth discovery: the bearer challenge, protected-resource metadata (RFC 9728) and the
// authorization server's metadata (RFC 8414 / OpenID), and the scope to ask for.
#include "client/oauth_impl.hpp"

namespace mcp::client {

using namespace oauth_detail;
namespace urls = boost::urls;

namespace oauth_detail {

std::string origin_of(const urls::url_view& u) {
  return std::string(u.scheme()) + "://" + std::string(u.encoded_host_and_port());
}

std::vector<std::string> split_scopes(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace oauth_detail

Task<Result<json::object>> OAuth::Impl::get_json(std::string url) {
  net::ClientRequest r;
  r.url = url;
  r.headers = {{"accept", "application/json"}};
  r.timeout = std::chrono::seconds(15);
  r.max_body_bytes = 1 << 20;
  auto res = co_await http->send(std::move(r));
  if (!res) co_return Result<json::object>(res.error());
  if (res->status != 200) co_return Result<json::object>(auth_error("GET " + url + ": HTTP " + std::to_string(res->status)));
  boost::system::error_code ec;
  auto v = json::parse(res->body, ec);
  if (ec || !v.is_object()) co_return Result<json::object>(auth_error(url + " is not a JSON object"));
  co_return Result<json::object>(std::move(v.as_object()));
}

Task<Result<json::object>> OAuth::Impl::protected_resource(std::string hinted) {
  std::vector<std::string> tries;
  if (!hinted.empty()) tries.push_back(hinted);
  auto u = urls::parse_uri(resource);
  if (!u) co_return Result<json::object>(auth_error("bad resource URL"));
  auto path = std::string(u->encoded_path());
  if (!path.empty() && path != "/") tries.push_back(origin_of(*u) + "/.well-known/oauth-protected-resource" + path);
  tries.push_back(origin_of(*u) + "/.well-known/oauth-protected-resource");
  for (auto& t : tries) {
    auto r = co_await get_json(t);
    if (r) co_return r;
  }
  co_return Result<json::object>(auth_error("no protected resource metadata"));
}

Task<Result<json::object>> OAuth::Impl::authorization_server(std::string as, bool check_issuer) {
  auto u = urls::parse_uri(as);
  if (!u) co_return Result<json::object>(auth_error("bad authorization server URL " + as));
  auto origin = origin_of(*u);
  auto path = std::string(u->encoded_path());
  if (path == "/") path.clear();
  std::vector<std::string> tries;
  if (!path.empty()) {
    tries.push_back(origin + "/.well-known/oauth-authorization-server" + path);
    tries.push_back(origin + "/.well-known/openid-configuration" + path);
    tries.push_back(origin + path + "/.well-known/openid-configuration");
  } else {
    tries.push_back(origin + "/.well-known/oauth-authorization-server");
    tries.push_back(origin + "/.well-known/openid-configuration");
  }
  for (auto& t : tries) {
    auto r = co_await get_json(t);
    if (!r) continue;
    auto iss = find_string(*r, "issuer");
    auto want = std::string(as);
    auto trim = [](std::string s) {
      while (!s.empty() && s.back() == '/') s.pop_back();
      return s;
    };
    if (check_issuer && iss && trim(std::string(*iss)) != trim(want))
      co_return Result<json::object>(auth_error("issuer mismatch: metadata says " + std::string(*iss) + ", expected " + want));
    co_return r;
  }
  // 2025-03-26 fallback: default endpoints at the server's origin.
  json::object fallback{{"issuer", origin},
                        {"authorization_endpoint", origin + "/authorize"},
                        {"token_endpoint", origin + "/token"},
                        {"registration_endpoint", origin + "/register"}};
  co_return Result<json::object>(std::move(fallback));
}

std::string OAuth::Impl::choose_scope(const std::map<std::string, std::string>& challenge, const json::object& prm) {
  if (!opt.scope.empty()) return opt.scope;
  if (auto it = challenge.find("scope"); it != challenge.end()) return it->second;
  if (auto* s = prm.if_contains("scopes_supported"); s && s->is_array()) {
    std::string out;
    for (auto& x : s->as_array())
      if (x.is_string()) out += (out.empty() ? "" : " ") + std::string(x.as_string());
    return out;
  }
  return {};
}

Task<Result<std::string>> OAuth::Impl::discover(std::map<std::string, std::string> challenge, int status) {
  json::object prm;
  std::string as;
  std::string hinted = challenge.count("resource_metadata") ? challenge["resource_metadata"] : "";
  auto p = co_await protected_resource(hinted);
  if (p) {
    prm = *p;
    if (auto r = find_string(prm, "resource")) {
      resource_id = std::string(*r);
      auto trim = [](std::string s) {
        while (!s.empty() && s.back() == '/') s.pop_back();
        return s;
      };
      if (trim(std::string(*r)) != trim(resource) && resource.rfind(trim(std::string(*r)), 0) != 0)
        co_return Result<std::string>(auth_error("protected resource metadata is for " + std::string(*r) + ", not " + resource));
    }
    if (auto* a = prm.if_contains("authorization_servers"); a && a->is_array() && !a->as_array().empty() &&
                                                          a->as_array()[0].is_string())
      as = std::string(a->as_array()[0].as_string());
  }
  bool from_prm = !as.empty();
  if (as.empty()) {  // 2025-03-26: the MCP server's origin is the authorization server
    auto u = urls::parse_uri(resource);
    if (!u) co_return Result<std::string>(auth_error("bad resource URL"));
    as = origin_of(*u);
  }
  auto meta = co_await authorization_server(as, from_prm);
  if (!meta) co_return Result<std::string>(meta.error());
  as_meta = *meta;
  issuer = as;
  auto scope = choose_scope(challenge, prm);
  if (status == 403 && !granted_scope.empty()) {  // step-up keeps what was granted
    for (auto& s : split_scopes(granted_scope))
      if (scope.find(s) == std::string::npos) scope += " " + s;
  }
  co_return Result<std::string>(std::move(scope));
}

std::map<std::string, std::string> parse_bearer_challenge(std::string_view h) {
  std::map<std::string, std::string> out;
  auto sp = h.find(' ');
  if (sp == std::string_view::npos) return out;
  h.remove_prefix(sp + 1);
  std::size_t i = 0;
  for (int guard = 0; guard < 64 && i < h.size(); ++guard) {
    while (i < h.size() && (h[i] == ' ' || h[i] == ',')) ++i;
    auto eq = h.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key(h.substr(i, eq - i));
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    i = eq + 1;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      while (i < h.size() && h[i] != '"') {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i++];
      }
      ++i;
    } else {
      while (i < h.size() && h[i] != ',' && h[i] != ' ') value += h[i++];
    }
    out[key] = value;
  }
  return out;
}

}  // namespace mcp::client
