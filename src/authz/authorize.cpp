// The authorization endpoint: request validation (RFC 6749 §4.1.2.1 error handling), the
// server-rendered sign-in and consent page with its CSRF cookie, remembered consent, and the
// code redirect with RFC 9207 `iss`.
#include "authz/server_impl.hpp"

#include <mcp/core/encoding.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mcp::authz {
namespace {

constexpr std::int64_t kCsrfTtl = 600;
constexpr const char* kCsrfCookie = "mcpb_csrf";
constexpr const char* kSessionCookie = "mcpb_session";

bool is_b64url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

net::HttpResponse redirect(const std::string& location) {
  net::HttpResponse r;
  r.status = 302;
  r.set("location", location);
  r.set("cache-control", "no-store");
  return r;
}

// What the CSRF token is bound to: the whole authorization request.
std::string binding(const Form& f) {
  std::string b;
  for (auto* k : {"client_id", "redirect_uri", "code_challenge", "scope", "resource", "state"})
    b += form_value(f, k) + '\n';
  return b;
}

bool covers(const store::OAuthConsent& c, const AuthRequest& ar) {
  if (c.resource != ar.resource) return false;
  auto have = split_words(c.scope);
  for (auto& s : split_words(ar.scope))
    if (std::find(have.begin(), have.end(), s) == have.end()) return false;
  return true;
}

std::string cookie_attrs(const std::string& path, bool secure, std::int64_t max_age) {
  return "; Path=" + (path.empty() ? std::string("/") : path) + "; Max-Age=" + std::to_string(max_age) +
         "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
}

}  // namespace

bool AuthorizationServer::Impl::throttled(const std::string& name) {
  std::lock_guard lock(failures_mu);
  auto it = failures.find(name);
  return it != failures.end() && it->second.first >= kMaxFailures && now() - it->second.second < kFailureWindow;
}

void AuthorizationServer::Impl::record_failure(const std::string& name, bool failed) {
  std::lock_guard lock(failures_mu);
  if (!failed) {
    failures.erase(name);
    return;
  }
  if (failures.size() > 10000) failures.clear();  // bounded
  auto& [count, start] = failures[name];
  if (now() - start >= kFailureWindow) count = 0, start = now();
  ++count;
}

Task<std::variant<AuthRequest, net::HttpResponse>> AuthorizationServer::Impl::validate_authorize(const Form& q) {
  using Out = std::variant<AuthRequest, net::HttpResponse>;
  AuthRequest ar;
  auto client_id = form_value(q, "client_id");
  if (client_id.empty()) co_return Out(error_page(400, "Invalid request", "client_id is missing."));
  auto client = co_await resolve_client(client_id);
  if (auto* why = std::get_if<std::string>(&client))
    co_return Out(error_page(400, "Unknown client", "This application is not registered: " + *why));
  ar.client = std::move(std::get<store::OAuthClient>(client));
  ar.redirect_uri = form_value(q, "redirect_uri");
  if (ar.redirect_uri.empty() && ar.client.redirect_uris.size() == 1) ar.redirect_uri = ar.client.redirect_uris[0];
  // Until the redirect URI is known good, errors are shown here, never sent to it.
  if (ar.redirect_uri.empty())
    co_return Out(error_page(400, "Invalid request", "redirect_uri is missing."));
  if (!redirect_allowed(ar.client, ar.redirect_uri))
    co_return Out(error_page(400, "Invalid redirect URI",
                             "The redirect URI is not registered for this application: " + ar.redirect_uri));
  ar.state = form_value(q, "state");
  auto fail = [&](std::string error, std::string description) {
    std::vector<std::pair<std::string, std::string>> p{{"error", std::move(error)},
                                                       {"error_description", std::move(description)}};
    if (!ar.state.empty()) p.emplace_back("state", ar.state);
    p.emplace_back("iss", opt.issuer);
    return Out(redirect(add_query(ar.redirect_uri, p)));
  };
  if (form_value(q, "response_type") != "code")
    co_return fail("unsupported_response_type", "only response_type=code is supported");
  if (std::find(ar.client.grant_types.begin(), ar.client.grant_types.end(), "authorization_code") ==
      ar.client.grant_types.end())
    co_return fail("unauthorized_client", "this client may not use the authorization code grant");
  auto method = form_value(q, "code_challenge_method");
  ar.code_challenge = form_value(q, "code_challenge");
  if (ar.code_challenge.empty()) co_return fail("invalid_request", "code_challenge is required (PKCE)");
  if (method != "S256") co_return fail("invalid_request", "code_challenge_method must be S256 (plain is not supported)");
  if (ar.code_challenge.size() != 43 || !is_b64url(ar.code_challenge))
    co_return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier");
  ar.resource = form_value(q, "resource");
  if (ar.resource.empty()) ar.resource = opt.resource;
  if (ar.resource != opt.resource) co_return fail("invalid_target", "unknown resource " + ar.resource);
  auto scope = grantable_scope(form_value(q, "scope"), ar.client);
  if (!scope) co_return fail("invalid_scope", "scope not supported for this client");
  ar.scope = *scope;
  co_return Out(std::move(ar));
}

std::string AuthorizationServer::Impl::cookie_user(const net::HttpRequest& req) const {
  auto c = cookie(req, kSessionCookie);
  auto d1 = c.find('.'), d2 = c.rfind('.');
  if (d1 == std::string::npos || d1 == d2) return {};
  auto user = base64_decode(c.substr(0, d1));
  auto exp = c.substr(d1 + 1, d2 - d1 - 1);
  if (!user || exp.empty() || exp.size() > 12 || !std::all_of(exp.begin(), exp.end(), ::isdigit)) return {};
  if (!constant_time_equal(c.substr(d2 + 1), hmac_b64url(cookie_key, "session|" + *user + "|" + exp))) return {};
  if (std::stoll(exp) <= now()) return {};
  return *user;
}

net::HttpResponse AuthorizationServer::Impl::consent_page(const AuthRequest& ar, const std::string& user,
                                                          const std::string& error, int status) {
  auto nonce = random_token(18);
  auto exp = std::to_string(now() + kCsrfTtl);
  Form f{{"client_id", ar.client.id}, {"redirect_uri", ar.redirect_uri}, {"code_challenge", ar.code_challenge},
         {"scope", ar.scope},         {"resource", ar.resource},         {"state", ar.state}};
  auto csrf = hmac_b64url(cookie_key, "form|" + nonce + "|" + binding(f));
  auto hidden = [](const char* name, const std::string& v) {
    return "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + html_escape(v) + "\">";
  };
  std::string name = ar.client.name.empty() ? ar.client.id : ar.client.name;
  std::string scopes;
  for (auto& s : split_words(ar.scope)) scopes += "<li><code>" + html_escape(s) + "</code></li>";
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width\"><title>Sign in to mcpbridge</title><style>body{font-family:sans-serif;"
      "max-width:28em;margin:3em auto;padding:0 1em}label{display:block;margin:.6em 0}input[type=text],"
      "input[type=password]{width:100%;padding:.4em}.err{color:#b00}button{padding:.5em 1.2em;margin-right:.5em}"
      "</style></head><body><h1>Authorize access</h1>";
  if (!error.empty()) html += "<p class=\"err\" role=\"alert\">" + html_escape(error) + "</p>";
  html += "<p><strong>" + html_escape(name) + "</strong> (<code>" + html_escape(ar.client.id) +
          "</code>) asks to use <code>" + html_escape(ar.resource) + "</code> on your behalf with these scopes:</p><ul>" +
          scopes + "</ul><p>It will be sent back to <code>" + html_escape(ar.redirect_uri) + "</code>.</p>";
  html += "<form method=\"post\" action=\"" + html_escape(endpoint("authorize")) + "\">";
  html += hidden("response_type", "code") + hidden("client_id", ar.client.id) +
          hidden("redirect_uri", ar.redirect_uri) + hidden("code_challenge", ar.code_challenge) +
          hidden("code_challenge_method", "S256") + hidden("scope", ar.scope) + hidden("resource", ar.resource) +
          hidden("state", ar.state) + hidden("csrf_token", csrf);
  if (user.empty())
    html += "<label>User <input type=\"text\" name=\"username\" autocomplete=\"username\" required autofocus></label>"
            "<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" "
            "required></label>";
  else
    html += "<p>Signed in as <strong>" + html_escape(user) + "</strong>.</p>";
  html += "<button type=\"submit\" name=\"action\" value=\"approve\">Allow</button>"
          "<button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button></form></body></html>";
  auto r = net::text_response(status, "text/html; charset=utf-8", std::move(html));
  r.set("cache-control", "no-store");
  r.set("x-frame-options", "DENY");
  r.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  r.set("set-cookie", std::string(kCsrfCookie) + "=" + nonce + "." + exp + "." +
                          hmac_b64url(cookie_key, "csrf|" + nonce + "|" + exp) +
                          cookie_attrs(endpoint_path("authorize"), secure_cookies, kCsrfTtl));
  return r;
}

Task<net::HttpResponse> AuthorizationServer::Impl::grant_code(std::shared_ptr<Impl> self, AuthRequest ar,
                                                              std::string user) {
  auto code = random_token(32);
  store::OAuthCode c{sha256_hex(code), ar.client.id, user,       ar.redirect_uri, ar.code_challenge,
                     ar.scope,         ar.resource,  random_token(16), self->now() + self->opt.code_ttl.count(), 0};
  auto putting = self->db.put_oauth_code(std::move(c));
  co_await std::move(putting);
  std::vector<std::pair<std::string, std::string>> p{{"code", code}};
  if (!ar.state.empty()) p.emplace_back("state", ar.state);
  p.emplace_back("iss", self->opt.issuer);  // RFC 9207
  co_return redirect(add_query(ar.redirect_uri, p));
}

Task<net::HttpResponse> AuthorizationServer::Impl::authorize(std::shared_ptr<Impl> self, net::HttpRequest req) {
  if (req.method != "GET" && req.method != "POST") {
    auto r = error_page(405, "Method not allowed", "Use GET or POST.");
    r.set("allow", "GET, POST");
    co_return r;
  }
  bool post = req.method == "POST";
  auto form = parse_form(post ? std::string_view(req.body) : req.query());
  if (!form) co_return error_page(400, "Invalid request", "The request parameters are malformed or repeated.");

  if (post) {
    // CSRF first: the cookie proves this browser got the page; the field is bound to it and to
    // every parameter of the request shown.
    auto c = cookie(req, kCsrfCookie);
    auto d1 = c.find('.'), d2 = c.rfind('.');
    bool ok = d1 != std::string::npos && d1 != d2;
    if (ok) {
      auto nonce = c.substr(0, d1), exp = c.substr(d1 + 1, d2 - d1 - 1);
      ok = constant_time_equal(c.substr(d2 + 1), self->hmac_csrf(nonce, exp)) && !exp.empty() && exp.size() < 13 &&
           std::all_of(exp.begin(), exp.end(), ::isdigit) && std::stoll(exp) > self->now() &&
           constant_time_equal(form_value(*form, "csrf_token"),
                               hmac_b64url(self->cookie_key, "form|" + nonce + "|" + binding(*form)));
    }
    if (!ok) co_return error_page(403, "Forbidden", "The form expired or did not come from this server; start again.");
  }

  auto checked = co_await self->validate_authorize(*form);
  if (auto* r = std::get_if<net::HttpResponse>(&checked)) co_return std::move(*r);
  auto& ar = std::get<AuthRequest>(checked);
  auto user = self->cookie_user(req);
  if (!user.empty()) {
    auto finding = self->db.find_user(user);  // a user removed since signs in again
    if (!co_await std::move(finding)) user.clear();
  }

  if (!post) {
    if (!user.empty()) {
      auto finding = self->db.find_oauth_consent(user, ar.client.id);
      if (auto consent = co_await std::move(finding); consent && covers(*consent, ar))
        co_return co_await grant_code(self, ar, user);
    }
    co_return self->consent_page(ar, user, "", 200);
  }

  if (form_value(*form, "action") != "approve") {
    std::vector<std::pair<std::string, std::string>> p{{"error", "access_denied"},
                                                       {"error_description", "the user denied access"}};
    if (!ar.state.empty()) p.emplace_back("state", ar.state);
    p.emplace_back("iss", self->opt.issuer);
    co_return redirect(add_query(ar.redirect_uri, p));
  }
  bool fresh_sign_in = false;
  if (user.empty()) {
    auto name = form_value(*form, "username");
    if (name.size() > 200) name.resize(200);
    std::string shown = name;  // what the form sent: no control characters into the log
    for (auto& ch : shown)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
    auto sign_in = [&](std::string_view outcome) {
      auth::audit_event({{"audit", "auth.sign_in"}, {"outcome", outcome}, {"user", shown},
                         {"client", ar.client.id}, {"ip", req.remote_address}});
    };
    if (self->throttled(name)) {
      sign_in("throttled");
      co_return self->consent_page(ar, "", "Too many failed sign-ins for this user; try again later.", 429);
    }
    std::optional<store::User> u;
    if (!name.empty()) {
      auto finding = self->db.find_user(name);
      u = co_await std::move(finding);
    }
    // Named first: GCC 12 mishandles temporaries inside a co_await expression.
    std::string password = form_value(*form, "password");
    std::string stored = u ? u->password_hash : std::string();
    auto verifying = check_password_off_loop(std::move(password), std::move(stored));
    bool ok = co_await std::move(verifying);
    self->record_failure(name, !ok);
    sign_in(ok ? "ok" : "failed");
    if (!ok)
      co_return self->consent_page(ar, "", "Invalid user name or password.", 401);
    user = u->id;
    fresh_sign_in = true;
  }
  auto consenting =
      self->db.put_oauth_consent(store::OAuthConsent{user, ar.client.id, ar.scope, ar.resource, self->now()});
  co_await std::move(consenting);
  auth::audit_event({{"audit", "auth.consent"}, {"user", user}, {"client", ar.client.id}, {"scope", ar.scope},
                     {"audience", ar.resource}, {"ip", req.remote_address}});
  auto r = co_await grant_code(self, ar, user);
  if (fresh_sign_in) {
    auto exp = std::to_string(self->now() + self->opt.login_session_ttl.count());
    auto u64 = base64_encode(user, true);
    r.set("set-cookie", std::string(kSessionCookie) + "=" + u64 + "." + exp + "." +
                            hmac_b64url(self->cookie_key, "session|" + user + "|" + exp) +
                            cookie_attrs(self->endpoint_path("authorize"), self->secure_cookies,
                                         self->opt.login_session_ttl.count()));
  }
  co_return r;
}

}  // namespace mcp::authz
