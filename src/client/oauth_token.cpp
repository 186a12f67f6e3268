// Token exchange: token-endpoint requests (DPoP nonce retry), the grants begun elsewhere
// (finish_authorization, refresh_grant) and revocation (RFC 7009).
#include "client/oauth_impl.hpp"

#include <chrono>

namespace mcp::client {

using namespace oauth_detail;
namespace urls = boost::urls;

namespace oauth_detail {

std::string form_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    if (!out.empty()) out += '&';
    out += form_encode(k) + "=" + form_encode(v);
  }
  return out;
}

}  // namespace oauth_detail

Task<Result<json::object>> OAuth::Impl::token_request(std::string url, std::vector<std::pair<std::string, std::string>> f) {
  net::Headers h;
  client_auth(f, h);
  std::string body = form(f);
  auto t = co_await post_form(std::move(url), std::move(body), std::move(h));
  co_return t;
}

Task<Result<json::object>> OAuth::Impl::post_form(std::string url, std::string body, net::Headers extra) {
  bool dpop = dpop_offered() && url == std::string(find_string(as_meta, "token_endpoint").value_or(""));
  for (int attempt = 0; attempt < 2; ++attempt) {
    net::ClientRequest r;
    r.method = "POST";
    r.url = url;
    r.headers = extra;
    r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    r.headers.emplace_back("accept", "application/json");
    if (dpop) {
      auto proof = dpop_proof("POST", url, as_nonce, "");
      if (!proof) co_return Result<json::object>(proof.error());
      r.headers.emplace_back("dpop", *proof);
    }
    r.body = body;
    r.timeout = std::chrono::seconds(15);
    auto res = co_await http->send(std::move(r));
    if (!res) co_return Result<json::object>(res.error());
    if (auto n = res->header("dpop-nonce"); !n.empty()) as_nonce = std::string(n);
    boost::system::error_code ec;
    auto v = json::parse(res->body, ec);
    bool wants_nonce = !ec && v.is_object() && find_string(v.as_object(), "error") == "use_dpop_nonce";
    if (dpop && res->status == 400 && wants_nonce && attempt == 0) continue;  // RFC 9449 §8
    if (res->status != 200 || ec || !v.is_object()) {
      auto e = auth_error("token endpoint: HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 200));
      if (!ec && v.is_object()) e.data = v;  // {error, error_description}: oauth_error_code()
      co_return Result<json::object>(std::move(e));
    }
    co_return Result<json::object>(std::move(v.as_object()));
  }
  co_return Result<json::object>(auth_error("token endpoint kept asking for a DPoP nonce"));
}

Result<bool> OAuth::Impl::take_tokens(const json::object& t) {
  auto at = find_string(t, "access_token");
  if (!at) return auth_error("token response without access_token");
  access_token = std::string(*at);
  auto type = std::string(find_string(t, "token_type").value_or("Bearer"));
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  dpop_bound = type == "dpop";
  if (auto rt = find_string(t, "refresh_token")) refresh_token = std::string(*rt);
  return true;
}

Result<bool> OAuth::Impl::granted(Result<json::object>& t, const std::string& scope) {
  if (!t) return t.error();
  granted_scope = scope;
  return take_tokens(*t);
}

namespace {

// A token-endpoint session for a grant begun earlier: no discovery, the endpoint and client given.
std::shared_ptr<OAuth::Impl> grant_session(std::shared_ptr<net::HttpClient> http, const std::string& token_endpoint,
                                           const OAuthClientRegistration& c) {
  auto impl = std::make_shared<OAuth::Impl>();
  impl->http = std::move(http);
  impl->as_meta = json::object{{"token_endpoint", token_endpoint}};
  impl->client_id = c.client_id;
  impl->client_secret = c.client_secret;
  impl->auth_method = c.auth_method;
  return impl;
}

TokenSet token_set(const json::object& t, std::string old_refresh) {
  TokenSet out;
  out.access_token = std::string(find_string(t, "access_token").value_or(""));
  out.refresh_token = std::string(find_string(t, "refresh_token").value_or(old_refresh));
  out.token_type = std::string(find_string(t, "token_type").value_or("Bearer"));
  out.scope = std::string(find_string(t, "scope").value_or(""));
  if (auto* e = t.if_contains("expires_in"); e && e->is_number() && e->to_number<double>() > 0) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    out.expires_at = now + static_cast<std::int64_t>(e->to_number<double>());
  }
  return out;
}

}  // namespace

Task<Result<TokenSet>> finish_authorization(std::shared_ptr<net::HttpClient> http, AuthorizationStart started,
                                            std::string callback_query) {
  auto query = "?" + callback_query;
  auto back = urls::parse_uri_reference(query);
  if (!back) co_return Result<TokenSet>(auth_error("bad callback query"));
  std::string code, got_state, iss, error, description;
  bool has_iss = false;
  for (auto p : back->params()) {
    if (p.key == "code") code = p.value;
    else if (p.key == "state") got_state = p.value;
    else if (p.key == "iss") {
      iss = p.value;
      has_iss = true;
    }
    else if (p.key == "error") error = p.value;
    else if (p.key == "error_description") description = p.value;
  }
  if (got_state.empty() || !constant_time_equal(got_state, started.state)) co_return Result<TokenSet>(auth_error("state mismatch"));
  // RFC 9207 (mix-up attacks): iss names the server the sign-in began at; required when promised.
  if (started.iss_required && !has_iss) co_return Result<TokenSet>(auth_error("authorization response lacks iss"));
  if (has_iss && iss != started.issuer) co_return Result<TokenSet>(auth_error("iss mismatch in the authorization response: " + iss));
  if (!error.empty()) {
    if (!description.empty()) error += " (" + description + ")";
    co_return Result<TokenSet>(auth_error("authorization denied: " + error));
  }
  if (code.empty()) co_return Result<TokenSet>(auth_error("no code in the authorization response"));
  auto impl = grant_session(std::move(http), started.token_endpoint, started.client);
  std::vector<std::pair<std::string, std::string>> f{{"grant_type", "authorization_code"},
                                                     {"code", code},
                                                     {"redirect_uri", started.redirect_uri},
                                                     {"code_verifier", started.code_verifier},
                                                     {"resource", started.resource}};
  auto t = co_await impl->token_request(started.token_endpoint, std::move(f));
  if (!t) co_return Result<TokenSet>(t.error());
  auto out = token_set(*t, "");
  if (out.access_token.empty()) co_return Result<TokenSet>(auth_error("token response without access_token"));
  if (out.scope.empty()) out.scope = started.scope;
  co_return Result<TokenSet>(std::move(out));
}

Task<Result<TokenSet>> refresh_grant(std::shared_ptr<net::HttpClient> http, std::string token_endpoint,
                                     OAuthClientRegistration client, std::string refresh_token, std::string resource) {
  auto impl = grant_session(std::move(http), token_endpoint, client);
  std::vector<std::pair<std::string, std::string>> f{
      {"grant_type", "refresh_token"}, {"refresh_token", refresh_token}, {"resource", resource}};
  auto t = co_await impl->token_request(token_endpoint, std::move(f));
  if (!t) co_return Result<TokenSet>(t.error());
  auto out = token_set(*t, refresh_token);
  if (out.access_token.empty()) co_return Result<TokenSet>(auth_error("token response without access_token"));
  co_return Result<TokenSet>(std::move(out));
}

Task<Result<bool>> revoke_token(std::shared_ptr<net::HttpClient> http, std::string revocation_endpoint,
                                OAuthClientRegistration client, std::string token, std::string hint) {
  auto impl = grant_session(http, revocation_endpoint, client);
  std::vector<std::pair<std::string, std::string>> f{{"token", token}, {"token_type_hint", hint}};
  net::Headers h;
  impl->client_auth(f, h);
  net::ClientRequest r;
  r.method = "POST";
  r.url = revocation_endpoint;
  r.headers = h;
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  r.body = form(f);
  r.timeout = std::chrono::seconds(15);
  auto res = co_await http->send(std::move(r));
  if (!res) co_return Result<bool>(res.error());
  if (res->status != 200) co_return Result<bool>(auth_error("revocation endpoint: HTTP " + std::to_string(res->status)));
  co_return Result<bool>(true);  // RFC 7009 §2.2: 200 also for tokens it did not know
}

std::string oauth_error_code(const Error& e) {
  if (!e.data.is_object()) return {};
  return std::string(find_string(e.data.as_object(), "error").value_or(""));
}

}  // namespace mcp::client
