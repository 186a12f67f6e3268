// The authorization server's core: signing keys (encrypted at rest, rotated), issuing and
// verifying RFC 9068 access tokens, metadata, JWKS and the routes.
#include "authz/server_impl.hpp"
#include "authz/claims.hpp"

#include <mcp/core/encoding.hpp>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace mcp::authz {

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w && out.size() < 64) out.push_back(w);
  return out;
}

std::string join_words(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

AuthorizationServer::Impl::Impl(AuthzOptions o, store::AsyncStore s) : opt(std::move(o)), store(s.store()), db(s) {
  if (!store) throw std::runtime_error("oauth: the authorization server needs a store");
  if (opt.key_encryption_key.size() != 32) throw std::runtime_error("oauth: the key encryption key must be 32 bytes");
  while (!opt.issuer.empty() && opt.issuer.back() == '/') opt.issuer.pop_back();
  auto u = split_url(opt.issuer);
  if (!u || (u->scheme != "https" && u->scheme != "http") || u->fragment || u->userinfo ||
      u->path_and_query.find('?') != std::string::npos)
    throw std::runtime_error("oauth: issuer must be an http(s) URL without query or fragment: " + opt.issuer);
  if (u->scheme == "http" && !is_loopback_host(u->host))
    spdlog::warn("oauth: issuer {} is not https: tokens and passwords cross the network in clear", opt.issuer);
  path = u->path_and_query == "/" ? "" : u->path_and_query;
  secure_cookies = u->scheme == "https";
  if (opt.resource.empty()) throw std::runtime_error("oauth: the resource (MCP endpoint URL) is required");
  cookie_key = hmac_b64url(opt.key_encryption_key, "mcpbridge cookie key v1");
  load_keys();
  if (opt.dynamic_registration)
    sweeper = std::make_unique<AbandonedClientSweeper>(store, opt.abandoned_client_ttl, opt.sweep_interval);
}

void AuthorizationServer::Impl::load_keys() {
  std::lock_guard lock(keys_mu);
  keys.clear();
  auto now_s = now();
  auto keep_for = opt.access_token_ttl.count() + opt.clock_skew.count();
  for (auto& rec : store->list_signing_keys()) {
    if (rec.retired_at && rec.retired_at + keep_for < now_s) continue;  // no live token can name it
    auto der = open(opt.key_encryption_key, rec.private_enc, rec.kid);
    if (!der)
      throw std::runtime_error("oauth: signing key " + rec.kid +
                               " cannot be decrypted: wrong key encryption key (MCPBRIDGE_OAUTH_KEY)?");
    auto key = load_private_der(*der);
    OPENSSL_cleanse(der->data(), der->size());
    if (!key) throw std::runtime_error("oauth: signing key " + rec.kid + " is corrupt");
    keys.push_back(ActiveKey{std::move(rec), std::move(key)});
  }
  // Rotation: the newest live key signs; a missing or old one is replaced.
  bool need = keys.empty() || keys.front().record.retired_at != 0 ||
              keys.front().record.created_at + opt.key_rotation.count() <= now_s;
  if (need) add_key_locked();
}

void AuthorizationServer::Impl::add_key_locked() {
  auto now_s = now();
  for (auto& k : keys)
    if (!k.record.retired_at) {
      k.record.retired_at = now_s;
      store->put_signing_key(k.record);
    }
  ActiveKey k;
  k.key = generate_es256();
  k.record.kid = random_token(12);
  k.record.alg = "ES256";
  k.record.public_jwk = json::serialize(public_jwk(k.key.get(), k.record.kid));
  auto der = private_der(k.key.get());
  k.record.private_enc = seal(opt.key_encryption_key, der, k.record.kid);
  OPENSSL_cleanse(der.data(), der.size());
  k.record.created_at = now_s;
  store->put_signing_key(k.record);
  keys.insert(keys.begin(), std::move(k));
}

std::string AuthorizationServer::Impl::sign(json::object claims) {
  std::lock_guard lock(keys_mu);
  if (keys.empty() || keys.front().record.created_at + opt.key_rotation.count() <= now()) add_key_locked();
  json::object header{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", keys.front().record.kid}};
  return sign_es256(header, claims, keys.front().key.get());
}

AuthorizationServer::Impl::Issued AuthorizationServer::Impl::issue(const store::OAuthClient& client,
                                                                   const std::string& user, const std::string& scope,
                                                                   const std::string& resource,
                                                                   const std::string& family, bool with_refresh) {
  auto t = now();
  auto jti = random_token(18);
  json::object claims{{"iss", opt.issuer}, {"sub", user},  {"aud", resource},  {"client_id", client.id},
                      {"scope", scope},    {"iat", t},     {"nbf", t},         {"exp", t + opt.access_token_ttl.count()},
                      {"jti", jti}};
  if (auto u = user == client.id ? std::nullopt : store->find_user(user)) {
    // RFC 9068 §2.2.3.1 roles; the team travels as a private claim.
    json::array roles;
    for (auto& r : u->roles) roles.push_back(json::string(r));
    if (!roles.empty()) claims["roles"] = std::move(roles);
    if (!u->team.empty()) claims["team"] = u->team;
  }
  Issued out;
  out.scope = scope;
  out.access_token = sign(std::move(claims));
  store->put_oauth_access(store::OAuthAccess{jti, family, client.id, t + opt.access_token_ttl.count(), 0});
  if (with_refresh) {
    out.refresh_token = "mcpr_" + random_token(32);
    store->put_oauth_refresh(store::OAuthRefresh{sha256_hex(out.refresh_token), family, client.id, user, scope,
                                                 resource, t, t + opt.refresh_token_ttl.count(), 0, 0});
  }
  return out;
}

std::variant<Principal, std::string> AuthorizationServer::Impl::verify(std::string_view token,
                                                                       const std::string& resource_url,
                                                                       bool ignore_expiry) const {
  auto jws = parse_jws(token);
  if (!jws) return std::string("malformed token");
  auto alg = find_string(jws->header, "alg").value_or("");
  auto typ = find_string(jws->header, "typ").value_or("");
  if (alg != "ES256") return std::string("unsupported token algorithm");
  if (typ != "at+jwt" && typ != "application/at+jwt") return std::string("not an access token (typ)");
  auto kid = std::string(find_string(jws->header, "kid").value_or(""));
  {
    std::lock_guard lock(keys_mu);
    auto it = std::find_if(keys.begin(), keys.end(), [&](const ActiveKey& k) { return k.record.kid == kid; });
    if (it == keys.end() || !verify_es256(*jws, it->key.get())) return std::string("bad token signature");
  }
  const auto& c = jws->payload;
  if (!constant_time_equal(find_string(c, "iss").value_or(""), opt.issuer)) return std::string("wrong issuer");
  if (!audience_includes(c, resource_url)) return std::string("token is not for this resource (audience)");
  auto exp = find(c, "exp") ? as_number(*find(c, "exp")) : std::nullopt;
  auto iat = find(c, "iat") ? as_number(*find(c, "iat")) : std::nullopt;
  auto t = static_cast<double>(now());
  if (!exp || !iat) return std::string("token lacks exp or iat");
  if (!ignore_expiry && *exp + static_cast<double>(opt.clock_skew.count()) <= t) return std::string("token expired");
  if (*iat > t + static_cast<double>(opt.clock_skew.count())) return std::string("token issued in the future");
  auto jti = find_string(c, "jti").value_or("");
  auto sub = find_string(c, "sub").value_or("");
  auto client = find_string(c, "client_id").value_or("");
  if (jti.empty() || sub.empty() || client.empty()) return std::string("token lacks jti, sub or client_id");
  auto rec = store->find_oauth_access(jti);
  if (!rec || rec->revoked_at) return std::string("token revoked");
  Principal p;
  p.subject = std::string(sub);
  p.tenant = std::string(find_string(c, "team").value_or(""));
  p.scopes = split_words(find_string(c, "scope").value_or(""));
  if (auto* roles = find(c, "roles"); roles && roles->is_array())
    for (auto& r : roles->get_array())
      if (r.is_string()) p.roles.emplace_back(r.get_string());
  p.audiences = audiences_of(c);  // kept for same-audience passthrough to upstreams
  p.method = "oauth";
  p.credential = std::string(client);
  return p;
}

std::optional<std::string> AuthorizationServer::Impl::grantable_scope(const std::string& requested,
                                                                      const store::OAuthClient& c) const {
  auto want = split_words(requested);
  if (want.empty()) want = opt.default_scopes;
  auto allowed = c.scope.empty() ? opt.scopes_supported : split_words(c.scope);
  std::vector<std::string> out;
  for (auto& s : want) {
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) return std::nullopt;
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return join_words(out);
}

bool AuthorizationServer::Impl::redirect_allowed(const store::OAuthClient& c, const std::string& uri) const {
  auto want = split_url(uri);
  if (!want) return false;
  for (auto& r : c.redirect_uris) {
    if (r == uri) return true;
    // RFC 8252 §7.3: a loopback redirect may use any port.
    auto have = split_url(r);
    if (have && have->scheme == "http" && want->scheme == "http" && is_loopback_host(have->host) &&
        have->host == want->host && have->path_and_query == want->path_and_query && !want->userinfo &&
        !want->fragment)
      return true;
  }
  return false;
}

std::string check_redirect_uri(std::string_view uri) {
  if (uri.size() > 2000) return "redirect URI too long";
  auto u = split_url(uri);
  if (!u) return "redirect URI must be an absolute URL";
  if (u->fragment) return "redirect URI must not contain a fragment";
  if (u->userinfo) return "redirect URI must not contain user information";
  if (u->scheme == "https") return "";
  if (u->scheme == "http") return is_loopback_host(u->host) ? "" : "http redirect URIs are allowed only on loopback";
  return "redirect URI must use https (or http on loopback)";
}

NewClient register_client(store::Store& store, std::string name, std::vector<std::string> redirect_uris,
                          std::string scope, std::vector<std::string> grant_types) {
  for (auto& r : redirect_uris)
    if (auto why = check_redirect_uri(r); !why.empty()) throw std::runtime_error(r + ": " + why);
  NewClient c;
  c.secret = "mcps_" + random_token(32);
  c.record.id = "c_" + random_token(12);
  c.record.secret_hash = sha256_hex(c.secret);
  c.record.name = std::move(name);
  c.record.redirect_uris = std::move(redirect_uris);
  c.record.auth_method = "client_secret_basic";
  c.record.grant_types = grant_types.empty()
                             ? std::vector<std::string>{"authorization_code", "refresh_token", "client_credentials"}
                             : std::move(grant_types);
  c.record.scope = std::move(scope);
  c.record.metadata = "{}";
  c.record.created_at = store::unix_now();
  store.put_oauth_client(c.record);
  return c;
}

net::HttpResponse error_page(int status, const std::string& title, const std::string& detail) {
  std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                     "</title></head><body><h1>" + html_escape(title) + "</h1><p>" + html_escape(detail) +
                     "</p></body></html>";
  auto r = net::text_response(status, "text/html; charset=utf-8", std::move(html));
  r.set("cache-control", "no-store");
  r.set("x-frame-options", "DENY");
  r.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  return r;
}

// --- the public face --------------------------------------------------------------------------

AuthorizationServer::AuthorizationServer(AuthzOptions options, store::AsyncStore store)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(store))) {}
AuthorizationServer::AuthorizationServer(AuthzOptions options, std::shared_ptr<store::Store> store)
    : AuthorizationServer(std::move(options), store ? store::AsyncStore(std::move(store)) : store::AsyncStore()) {}
AuthorizationServer::~AuthorizationServer() = default;

const AuthzOptions& AuthorizationServer::options() const { return impl_->opt; }

std::vector<std::string> AuthorizationServer::sweep_abandoned_clients() {
  return impl_->sweeper ? impl_->sweeper->sweep() : std::vector<std::string>{};
}

void AuthorizationServer::rotate_signing_key() {
  std::lock_guard lock(impl_->keys_mu);
  impl_->add_key_locked();
}

json::object AuthorizationServer::metadata() const {
  net::HttpRequest none;
  return json::parse(impl_->metadata_response(none).body).as_object();
}

json::object AuthorizationServer::jwks() const {
  net::HttpRequest none;
  return json::parse(impl_->jwks_response(none).body).as_object();
}

auth::TokenVerifier AuthorizationServer::token_verifier() const {
  return [s = impl_](std::string_view token, const std::string& resource_url) { return s->verify(token, resource_url); };
}

namespace {

// The check on the store's pool. The caller's frame keeps the server alive, so its last
// reference is never dropped on a pool thread.
Task<auth::TokenCheck> verify_off_loop(std::shared_ptr<AuthorizationServer::Impl> s, std::string token,
                                       std::string resource_url) {
  auth::TokenCheck out;
  try {
    auto r = co_await s->db.call([&](store::Store&) { return s->verify(token, resource_url); });
    if (auto* p = std::get_if<Principal>(&r))
      out.principal = std::move(*p);
    else
      out.error = std::get<std::string>(std::move(r));
  } catch (const std::exception& e) {
    spdlog::warn("oauth: cannot check a token: {}", e.what());
    out.unavailable = true;
    out.error = "the token store is unavailable";
  }
  co_return out;
}

}  // namespace

auth::AsyncTokenVerifier AuthorizationServer::async_token_verifier() const {
  return [s = impl_](std::string token, std::string resource_url) {
    return verify_off_loop(s, std::move(token), std::move(resource_url));
  };
}

namespace {

Task<net::HttpResponse> ready(net::HttpResponse r) { co_return r; }

// Browser-based clients (the MCP Inspector, web hosts) call these endpoints from script. They
// take no cookies, so any origin may; the sign-in page (/authorize) is not CORS-enabled.
Task<net::HttpResponse> with_cors(net::RouteHandler h, net::HttpRequest req) {
  if (req.method == "OPTIONS") {
    net::HttpResponse r;
    r.status = 204;
    r.set("access-control-allow-origin", "*");
    r.set("access-control-allow-methods", "GET, POST, OPTIONS");
    r.set("access-control-allow-headers", "authorization, content-type, mcp-protocol-version");
    r.set("access-control-max-age", "600");
    co_return r;
  }
  auto r = co_await h(std::move(req));
  if (r.header("access-control-allow-origin").empty()) r.set("access-control-allow-origin", "*");
  co_return r;
}

net::RouteHandler cors(net::RouteHandler h) {
  return [h = std::move(h)](net::HttpRequest r) { return with_cors(h, std::move(r)); };
}

}  // namespace

std::vector<net::HttpRoute> AuthorizationServer::routes() const {
  auto s = impl_;
  const auto& p = s->path;
  std::vector<net::HttpRoute> out;
  auto metadata = [s](net::HttpRequest r) { return ready(s->metadata_response(r)); };
  out.push_back({"/.well-known/oauth-authorization-server" + p, false, cors(metadata)});
  out.push_back({"/.well-known/openid-configuration" + p, false, cors(metadata)});
  if (!p.empty()) out.push_back({p + "/.well-known/openid-configuration", false, cors(metadata)});
  out.push_back({p + "/jwks", false, cors([s](net::HttpRequest r) { return ready(s->jwks_response(r)); })});
  out.push_back(
      {p + "/register", false, cors([s](net::HttpRequest r) { return Impl::registration(s, std::move(r)); })});
  out.push_back({p + "/authorize", false, [s](net::HttpRequest r) { return Impl::authorize(s, std::move(r)); }});
  out.push_back({p + "/token", false, cors([s](net::HttpRequest r) { return Impl::token(s, std::move(r)); })});
  out.push_back({p + "/revoke", false, cors([s](net::HttpRequest r) { return Impl::revoke(s, std::move(r)); })});
  return out;
}

}  // namespace mcp::authz
