// RFC 8414 metadata (also served at the OpenID discovery path), the JWKS, and RFC 7591 dynamic
// client registration.
#include "authz/server_impl.hpp"

#include <mcp/core/encoding.hpp>

#include <algorithm>

namespace mcp::authz {
namespace {

constexpr std::size_t kMaxRegistrationBytes = 64 << 10;
constexpr std::size_t kMaxRedirectUris = 20;

net::HttpResponse only_get(const net::HttpRequest& req) {
  auto r = oauth_error(405, "invalid_request", req.method + " not allowed");
  r.set("allow", "GET");
  return r;
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.push_back(json::string(s));
  return a;
}

}  // namespace

net::HttpResponse AuthorizationServer::Impl::metadata_response(const net::HttpRequest& req) const {
  if (!req.method.empty() && req.method != "GET") return only_get(req);
  json::array auth_methods{"none", "client_secret_basic", "client_secret_post"};
  json::object m{
      {"issuer", opt.issuer},
      {"authorization_endpoint", endpoint("authorize")},
      {"token_endpoint", endpoint("token")},
      {"jwks_uri", endpoint("jwks")},
      {"revocation_endpoint", endpoint("revoke")},
      {"scopes_supported", strings(opt.scopes_supported)},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"grant_types_supported", json::array{"authorization_code", "refresh_token", "client_credentials"}},
      {"token_endpoint_auth_methods_supported", auth_methods},
      {"revocation_endpoint_auth_methods_supported", auth_methods},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"authorization_response_iss_parameter_supported", true},
      {"client_id_metadata_document_supported", opt.http_client != nullptr},
      // For clients that read the OpenID discovery document; no ID tokens are issued.
      {"subject_types_supported", json::array{"public"}},
      {"id_token_signing_alg_values_supported", json::array{"ES256"}},
  };
  if (opt.dynamic_registration) m["registration_endpoint"] = endpoint("register");
  auto r = net::json_response(200, json::serialize(m));
  r.set("cache-control", "max-age=300");
  r.set("access-control-allow-origin", "*");
  return r;
}

net::HttpResponse AuthorizationServer::Impl::jwks_response(const net::HttpRequest& req) const {
  if (!req.method.empty() && req.method != "GET") return only_get(req);
  json::array ks;
  {
    std::lock_guard lock(keys_mu);
    auto t = now();
    for (auto& k : keys) {
      // A retired key stays published while tokens it signed can still be presented.
      if (k.record.retired_at && k.record.retired_at + opt.access_token_ttl.count() + opt.clock_skew.count() < t)
        continue;
      ks.push_back(json::parse(k.record.public_jwk));
    }
  }
  auto r = net::json_response(200, json::serialize(json::object{{"keys", std::move(ks)}}));
  r.set("cache-control", "max-age=300");
  r.set("access-control-allow-origin", "*");
  return r;
}

net::HttpResponse AuthorizationServer::Impl::register_client(const net::HttpRequest& req) {
  if (!opt.dynamic_registration) return oauth_error(404, "invalid_request", "dynamic registration is disabled");
  if (req.method != "POST") {
    auto r = oauth_error(405, "invalid_request", "use POST");
    r.set("allow", "POST");
    return r;
  }
  if (auto wait = registration_limiter.take(req.remote_address, std::chrono::steady_clock::now())) {
    auth::audit_event({{"audit", "auth.register"}, {"outcome", "rate_limited"}, {"ip", req.remote_address}});
    auto r = oauth_error(429, "too_many_requests", "too many registrations from this address; retry after " +
                                                       std::to_string(wait) + " s");
    r.set("retry-after", std::to_string(wait));
    return r;
  }
  if (req.body.size() > kMaxRegistrationBytes) return oauth_error(413, "invalid_client_metadata", "too large");
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return oauth_error(400, "invalid_client_metadata", "the body must be a JSON object");
  auto& in = v.get_object();

  store::OAuthClient c;
  auto* uris = find(in, "redirect_uris");
  if (!uris || !uris->is_array() || uris->get_array().empty())
    return oauth_error(400, "invalid_redirect_uri", "redirect_uris must be a non-empty array");
  if (uris->get_array().size() > kMaxRedirectUris) return oauth_error(400, "invalid_redirect_uri", "too many redirect_uris");
  for (auto& u : uris->get_array()) {
    if (!u.is_string()) return oauth_error(400, "invalid_redirect_uri", "redirect_uris must be strings");
    std::string s(u.get_string());
    if (auto why = check_redirect_uri(s); !why.empty()) return oauth_error(400, "invalid_redirect_uri", s + ": " + why);
    if (s.find(' ') != std::string::npos) return oauth_error(400, "invalid_redirect_uri", "spaces are not allowed");
    c.redirect_uris.push_back(std::move(s));
  }
  c.auth_method = std::string(find_string(in, "token_endpoint_auth_method").value_or("client_secret_basic"));
  if (c.auth_method != "none" && c.auth_method != "client_secret_basic" && c.auth_method != "client_secret_post")
    return oauth_error(400, "invalid_client_metadata",
                       "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post");
  if (auto* g = find(in, "grant_types")) {
    if (!g->is_array()) return oauth_error(400, "invalid_client_metadata", "grant_types must be an array");
    for (auto& x : g->get_array()) {
      if (!x.is_string()) return oauth_error(400, "invalid_client_metadata", "grant_types must be strings");
      std::string gt(x.get_string());
      bool ok = gt == "authorization_code" || gt == "refresh_token" ||
                (gt == "client_credentials" && c.auth_method != "none");
      if (!ok) return oauth_error(400, "invalid_client_metadata", "unsupported grant type " + gt);
      c.grant_types.push_back(std::move(gt));
    }
  } else {
    c.grant_types = {"authorization_code", "refresh_token"};
  }
  if (auto* rt = find(in, "response_types")) {
    if (!rt->is_array()) return oauth_error(400, "invalid_client_metadata", "response_types must be an array");
    for (auto& x : rt->get_array())
      if (!x.is_string() || x.get_string() != "code")
        return oauth_error(400, "invalid_client_metadata", "only the code response type is supported");
  }
  c.name = std::string(find_string(in, "client_name").value_or(""));
  if (c.name.size() > 200) return oauth_error(400, "invalid_client_metadata", "client_name too long");
  if (auto sc = find_string(in, "scope")) {
    for (auto& s : split_words(*sc))
      if (std::find(opt.scopes_supported.begin(), opt.scopes_supported.end(), s) == opt.scopes_supported.end())
        return oauth_error(400, "invalid_client_metadata", "unsupported scope " + s);
    c.scope = std::string(*sc);
  }
  c.id = "c_" + random_token(16);
  std::string secret;
  if (c.auth_method != "none") {
    secret = "mcps_" + random_token(32);
    c.secret_hash = sha256_hex(secret);  // the secret itself is returned once, never stored
  }
  c.created_at = now();
  c.metadata = json::serialize(in);
  c.dynamic = true;
  store->put_oauth_client(c);
  auth::audit_event({{"audit", "auth.register"}, {"outcome", "ok"}, {"client", c.id}, {"client_name", c.name},
                     {"auth_method", c.auth_method}, {"redirect_uris", strings(c.redirect_uris)},
                     {"ip", req.remote_address}});

  json::object out = in;
  out["client_id"] = c.id;
  out["client_id_issued_at"] = c.created_at;
  out["token_endpoint_auth_method"] = c.auth_method;
  out["grant_types"] = strings(c.grant_types);
  out["response_types"] = json::array{"code"};
  if (!secret.empty()) {
    out["client_secret"] = secret;
    out["client_secret_expires_at"] = 0;
  }
  return no_store(net::json_response(201, json::serialize(out)));
}

// All of it on the store's pool: one hop, and the limiter's and the store's work off the loop.
Task<net::HttpResponse> AuthorizationServer::Impl::registration(std::shared_ptr<Impl> self, net::HttpRequest req) {
  co_return co_await self->db.call([&self, &req](store::Store&) { return self->register_client(req); });
}

}  // namespace mcp::authz
