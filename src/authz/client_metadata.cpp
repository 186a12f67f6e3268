// Client lookup: registered clients from the store, or a client ID metadata document when the
// client_id is an https URL (fetched through the injected HttpClient, whose UrlPolicy guards
// against SSRF; size- and time-limited; cached).
#include "authz/server_impl.hpp"

#include <mcp/net/address.hpp>

namespace mcp::authz {
namespace {

constexpr std::size_t kMaxCached = 1000;

// What a client ID URL's host names, before any connection. The HttpClient's UrlPolicy checks
// what names resolve to; literals are judged here already, as the UrlPolicy would
// (net::classify_address), so a private one is never fetched.
enum class HostClass { name, public_address, private_address, non_canonical };

HostClass classify_host(const std::string& host) {
  if (host == "localhost") return HostClass::private_address;
  std::string_view ip = host;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return HostClass::non_canonical;
    ip = ip.substr(1, ip.size() - 2);
  } else if (!parse_ipv4_literal(host)) {
    // 127.1, 0x7f.0.0.1, 2130706433: resolvers read these as addresses; only the canonical form is taken.
    return numeric_host(host) ? HostClass::non_canonical : HostClass::name;
  }
  return net::classify_address(ip) == net::AddressKind::kPublic ? HostClass::public_address
                                                                 : HostClass::private_address;
}

}  // namespace

Task<std::variant<store::OAuthClient, std::string>> AuthorizationServer::Impl::resolve_client(std::string client_id) {
  using Out = std::variant<store::OAuthClient, std::string>;
  bool url_id = client_id.rfind("https://", 0) == 0 ||
                (opt.metadata_allow_http_loopback && client_id.rfind("http://", 0) == 0);
  if (!url_id) {
    if (client_id.size() > 200) co_return Out(std::string("client_id too long"));
    auto finding = db.find_oauth_client(client_id);
    auto c = co_await std::move(finding);
    if (!c) co_return Out(std::string("unknown client_id"));
    co_return Out(std::move(*c));
  }
  if (!opt.http_client) co_return Out(std::string("client ID metadata documents are not supported here"));
  auto u = split_url(client_id);
  if (!u || client_id.size() > 2000 || u->fragment || u->userinfo || u->path_and_query == "/")
    co_return Out(std::string("a client ID URL needs a path and no fragment or user information"));
  bool loopback_ok = opt.metadata_allow_http_loopback && is_loopback_host(u->host);
  if (u->scheme != "https" && !loopback_ok)
    co_return Out(std::string("a client ID URL must be https (plain http only on loopback, in tests)"));
  auto host = classify_host(u->host);
  if (host == HostClass::non_canonical) co_return Out(std::string("client ID URL host is a non-canonical IP literal"));
  if (host == HostClass::private_address && !loopback_ok && !opt.metadata_allow_private)
    co_return Out(std::string("client ID URL points at a private address"));
  {
    std::lock_guard lock(cimd_mu);
    if (auto it = cimd_cache.find(client_id);
        it != cimd_cache.end() && std::chrono::steady_clock::now() - it->second.at < opt.metadata_cache_ttl)
      co_return Out(it->second.client);
  }
  net::ClientRequest rq;
  rq.method = "GET";
  rq.url = client_id;
  rq.headers = {{"accept", "application/json"}};
  rq.timeout = opt.metadata_timeout;
  rq.max_body_bytes = opt.metadata_max_bytes;
  auto got = co_await opt.http_client->send(std::move(rq));
  if (!got) co_return Out("client metadata could not be fetched: " + got.error().message);
  if (got->status != 200) co_return Out("client metadata fetch answered " + std::to_string(got->status));
  if (got->body.size() > opt.metadata_max_bytes) co_return Out(std::string("client metadata document too large"));
  boost::system::error_code ec;
  auto v = json::parse(got->body, ec);
  if (ec || !v.is_object()) co_return Out(std::string("client metadata is not a JSON object"));
  auto& doc = v.get_object();
  if (find_string(doc, "client_id").value_or("") != client_id)
    co_return Out(std::string("client metadata client_id does not equal its URL"));
  store::OAuthClient c;
  c.id = client_id;
  auto method = find_string(doc, "token_endpoint_auth_method").value_or("none");
  if (method != "none") co_return Out(std::string("client metadata documents may only describe public clients (none)"));
  if (find(doc, "client_secret")) co_return Out(std::string("client metadata must not contain a client_secret"));
  c.auth_method = "none";
  auto* uris = find(doc, "redirect_uris");
  if (!uris || !uris->is_array() || uris->get_array().empty() || uris->get_array().size() > 20)
    co_return Out(std::string("client metadata needs redirect_uris"));
  for (auto& r : uris->get_array()) {
    if (!r.is_string()) co_return Out(std::string("redirect_uris must be strings"));
    std::string s(r.get_string());
    if (auto why = check_redirect_uri(s); !why.empty()) co_return Out("client metadata: " + s + ": " + why);
    c.redirect_uris.push_back(std::move(s));
  }
  c.name = std::string(find_string(doc, "client_name").value_or(""));
  if (c.name.size() > 200) c.name.resize(200);
  c.grant_types = {"authorization_code", "refresh_token"};
  c.metadata = got->body;
  std::lock_guard lock(cimd_mu);
  if (cimd_cache.size() >= kMaxCached) cimd_cache.clear();
  cimd_cache[client_id] = CachedClient{c, std::chrono::steady_clock::now()};
  co_return Out(std::move(c));
}

}  // namespace mcp::authz
