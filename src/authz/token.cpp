// The token endpoint (authorization_code with PKCE, refresh_token with rotation and reuse
// detection, client_credentials) and RFC 7009 revocation.
#include "authz/server_impl.hpp"

#include <mcp/core/encoding.hpp>

#include <algorithm>

namespace mcp::authz {
namespace {

constexpr std::size_t kMaxFormBytes = 16 << 10;

bool has(const std::vector<std::string>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool valid_verifier(std::string_view v) {
  // RFC 7636 §4.1: 43..128 unreserved characters.
  if (v.size() < 43 || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
  });
}

net::HttpResponse tokens(const AuthorizationServer::Impl::Issued& t, std::int64_t ttl) {
  json::object o{{"access_token", t.access_token}, {"token_type", "Bearer"}, {"expires_in", ttl}, {"scope", t.scope}};
  if (!t.refresh_token.empty()) o["refresh_token"] = t.refresh_token;
  return no_store(net::json_response(200, json::serialize(o)));
}

// The audit line of an issued token, then the response carrying it.
net::HttpResponse issued(const AuthorizationServer::Impl::Issued& t, std::int64_t ttl, const net::HttpRequest& req,
                         std::string_view grant, const store::OAuthClient& client, const std::string& subject,
                         const std::string& resource, const std::string& family) {
  auth::audit_event({{"audit", "auth.token_issued"},
                     {"grant_type", grant},
                     {"client", client.id},
                     {"subject", subject},
                     {"scope", t.scope},
                     {"audience", resource},
                     {"grant", family},
                     {"refresh_token", !t.refresh_token.empty()},
                     {"ip", req.remote_address}});
  return tokens(t, ttl);
}

std::optional<Form> read_form(const net::HttpRequest& req, net::HttpResponse& error) {
  if (req.method != "POST") {
    error = oauth_error(405, "invalid_request", "use POST");
    error.set("allow", "POST");
    return std::nullopt;
  }
  auto ct = req.header("content-type");
  if (ct.substr(0, 33) != "application/x-www-form-urlencoded") {
    error = oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    return std::nullopt;
  }
  if (req.body.size() > kMaxFormBytes) {
    error = oauth_error(413, "invalid_request", "body too large");
    return std::nullopt;
  }
  auto f = parse_form(req.body);
  if (!f) error = oauth_error(400, "invalid_request", "malformed or repeated parameters");
  return f;
}

}  // namespace

Task<std::variant<AuthorizationServer::Impl::ClientForm, net::HttpResponse>>
AuthorizationServer::Impl::authenticate_client(const net::HttpRequest& req) {
  using Out = std::variant<ClientForm, net::HttpResponse>;
  net::HttpResponse error;
  auto read = read_form(req, error);
  if (!read) co_return Out(std::move(error));
  Form form = std::move(*read);
  auto invalid = [](std::string why, bool basic) {
    auto r = oauth_error(401, "invalid_client", std::move(why));
    if (basic) r.set("www-authenticate", "Basic realm=\"mcpbridge\"");
    return Out(std::move(r));
  };
  std::string id = form_value(form, "client_id"), secret, method = "none";
  auto authz = req.header("authorization");
  if (authz.size() > 6 && (authz.substr(0, 6) == "Basic " || authz.substr(0, 6) == "basic ")) {
    auto raw = base64_decode(authz.substr(6));
    auto colon = raw ? raw->find(':') : std::string::npos;
    if (colon == std::string::npos) co_return invalid("malformed Basic credentials", true);
    // RFC 6749 §2.3.1: both parts are form-urlencoded.
    auto parts = parse_form("i=" + raw->substr(0, colon) + "&s=" + raw->substr(colon + 1));
    if (!parts) co_return invalid("malformed Basic credentials", true);
    if (!id.empty() && id != form_value(*parts, "i")) co_return invalid("client_id mismatch", true);
    id = form_value(*parts, "i");
    secret = form_value(*parts, "s");
    method = "client_secret_basic";
  } else if (form.count("client_secret")) {
    secret = form_value(form, "client_secret");
    method = "client_secret_post";
  }
  if (id.empty()) co_return invalid("client authentication required", false);
  auto found = co_await resolve_client(id);
  if (auto* why = std::get_if<std::string>(&found)) co_return invalid("unknown client: " + *why, method == "client_secret_basic");
  auto& c = std::get<store::OAuthClient>(found);
  if (c.secret_hash.empty()) {
    if (method != "none") co_return invalid("this client has no secret", method == "client_secret_basic");
    co_return Out(ClientForm{std::move(c), std::move(form)});
  }
  if (method == "none") co_return invalid("client authentication required", false);
  if (!constant_time_equal(sha256_hex(secret), c.secret_hash))
    co_return invalid("wrong client secret", method == "client_secret_basic");
  co_return Out(ClientForm{std::move(c), std::move(form)});
}

Task<net::HttpResponse> AuthorizationServer::Impl::token(std::shared_ptr<Impl> self, net::HttpRequest req) {
  auto authed = co_await self->authenticate_client(req);
  if (auto* r = std::get_if<net::HttpResponse>(&authed)) co_return std::move(*r);
  // The grant on the store's pool, in one hop: several dependent reads and writes.
  auto& client_form = std::get<ClientForm>(authed);
  co_return co_await self->db.call(
      [&self, &client_form, &req](store::Store&) { return self->grant_tokens(client_form, req); });
}

net::HttpResponse AuthorizationServer::Impl::grant_tokens(ClientForm& client_form, const net::HttpRequest& req) {
  auto& client = client_form.client;
  auto& form = client_form.form;
  auto grant = form_value(form, "grant_type");
  auto t = now();
  auto ttl = opt.access_token_ttl.count();
  auto resource = form_value(form, "resource");

  if (grant == "authorization_code") {
    auto code = form_value(form, "code");
    if (code.empty()) return oauth_error(400, "invalid_request", "code is required");
    auto c = store->use_oauth_code(sha256_hex(code), t);
    if (!c) return oauth_error(400, "invalid_grant", "unknown authorization code");
    if (c->used_at) {
      // RFC 6749 §4.1.2 / OAuth 2.1: a replayed code revokes what it issued.
      store->revoke_oauth_family(c->family, t);
      return oauth_error(400, "invalid_grant", "authorization code already used; its tokens are revoked");
    }
    if (c->expires_at <= t) return oauth_error(400, "invalid_grant", "authorization code expired");
    if (!constant_time_equal(c->client_id, client.id))
      return oauth_error(400, "invalid_grant", "the code was issued to another client");
    if (form_value(form, "redirect_uri") != c->redirect_uri)
      return oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request");
    auto verifier = form_value(form, "code_verifier");
    if (!valid_verifier(verifier)) return oauth_error(400, "invalid_grant", "code_verifier is missing or malformed");
    if (!constant_time_equal(sha256_b64url(verifier), c->code_challenge))
      return oauth_error(400, "invalid_grant", "PKCE verification failed");
    if (!resource.empty() && resource != c->resource)
      return oauth_error(400, "invalid_target", "resource differs from the authorization request");
    auto out = issue(client, c->user, c->scope, c->resource, c->family, true);
    return issued(out, ttl, req, grant, client, c->user, c->resource, c->family);
  }

  if (grant == "refresh_token") {
    auto rt = form_value(form, "refresh_token");
    if (rt.empty()) return oauth_error(400, "invalid_request", "refresh_token is required");
    auto hash = sha256_hex(rt);
    auto r = store->find_oauth_refresh(hash);
    if (!r) return oauth_error(400, "invalid_grant", "unknown refresh token");
    if (!constant_time_equal(r->client_id, client.id))
      return oauth_error(400, "invalid_grant", "the refresh token was issued to another client");
    if (r->revoked_at) return oauth_error(400, "invalid_grant", "refresh token revoked");
    auto reused = [&] {
      store->revoke_oauth_family(r->family, t);
      auth::audit_event({{"audit", "auth.refresh_reuse"},
                         {"client", client.id},
                         {"subject", r->user},
                         {"grant", r->family},
                         {"outcome", "grant_revoked"},
                         {"ip", req.remote_address}});
    };
    if (r->rotated_at) {
      reused();
      return oauth_error(400, "invalid_grant", "refresh token reused; the grant is revoked");
    }
    if (r->expires_at <= t) return oauth_error(400, "invalid_grant", "refresh token expired");
    if (!resource.empty() && resource != r->resource)
      return oauth_error(400, "invalid_target", "resource differs from the original grant");
    std::string scope = r->scope;
    if (auto asked = form_value(form, "scope"); !asked.empty()) {
      auto have = split_words(r->scope);
      for (auto& s : split_words(asked))
        if (!has(have, s)) return oauth_error(400, "invalid_scope", "scope " + s + " was not granted");
      scope = join_words(split_words(asked));
    }
    if (!store->rotate_oauth_refresh(hash, t)) {
      // Lost a race with another use of the same token: treat as reuse.
      reused();
      return oauth_error(400, "invalid_grant", "refresh token reused; the grant is revoked");
    }
    auto out = issue(client, r->user, scope, r->resource, r->family, true);
    return issued(out, ttl, req, grant, client, r->user, r->resource, r->family);
  }

  if (grant == "client_credentials") {
    if (client.secret_hash.empty() || !has(client.grant_types, "client_credentials"))
      return oauth_error(400, "unauthorized_client", "this client may not use client_credentials");
    if (!resource.empty() && resource != opt.resource)
      return oauth_error(400, "invalid_target", "unknown resource " + resource);
    auto scope = grantable_scope(form_value(form, "scope"), client);
    if (!scope) return oauth_error(400, "invalid_scope", "scope not allowed for this client");
    auto out = issue(client, client.id, *scope, opt.resource, "", false);
    return issued(out, ttl, req, grant, client, client.id, opt.resource, "");
  }

  if (grant.empty()) return oauth_error(400, "invalid_request", "grant_type is required");
  return oauth_error(400, "unsupported_grant_type", "unsupported grant_type " + grant);
}

Task<net::HttpResponse> AuthorizationServer::Impl::revoke(std::shared_ptr<Impl> self, net::HttpRequest req) {
  auto authed = co_await self->authenticate_client(req);
  if (auto* r = std::get_if<net::HttpResponse>(&authed)) co_return std::move(*r);
  auto& client_form = std::get<ClientForm>(authed);
  co_return co_await self->db.call(
      [&self, &client_form, &req](store::Store&) { return self->revoke_token(client_form, req); });
}

net::HttpResponse AuthorizationServer::Impl::revoke_token(ClientForm& client_form, const net::HttpRequest& req) {
  auto& [client, form] = client_form;
  auto token = form_value(form, "token");
  if (token.empty()) return oauth_error(400, "invalid_request", "token is required");
  auto t = now();
  // RFC 7009 §2.2: unknown or foreign tokens still get 200; nothing is revealed.
  json::object line{{"audit", "auth.revoke"}, {"client", client.id}, {"token", auth::fingerprint(token)},
                    {"ip", req.remote_address}};
  std::string outcome = "unknown_token";
  if (auto r = store->find_oauth_refresh(sha256_hex(token)); r && r->client_id == client.id) {
    store->revoke_oauth_family(r->family, t);  // the refresh token and the access tokens of its grant
    outcome = "refresh_token_revoked";
    line["subject"] = r->user;
    line["grant"] = r->family;
  } else if (auto jws = parse_jws(token)) {
    auto checked = verify(token, opt.resource, /*ignore_expiry=*/true);
    if (auto* p = std::get_if<Principal>(&checked); p && p->credential == client.id) {
      store->revoke_oauth_access(find_string(jws->payload, "jti").value_or(""), t);
      outcome = "access_token_revoked";
      line["subject"] = p->subject;
    }
  }
  line["outcome"] = outcome;
  auth::audit_event(std::move(line));
  return no_store(net::json_response(200, "{}"));
}

}  // namespace mcp::authz
