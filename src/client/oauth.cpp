// The MCP client's OAuth flow (see include/mcp/client/oauth.hpp for the order of discovery):
// on a challenge, refresh, discover, then the grant the options ask for; and the hooks that
// put the token on the client's requests.
#include "client/oauth_impl.hpp"

#include <chrono>

namespace mcp::client {

using namespace oauth_detail;
namespace urls = boost::urls;

namespace oauth_detail {

Error auth_error(std::string m) { return Error{errc::kConnectionClosed, "authorization: " + std::move(m), {}}; }

}  // namespace oauth_detail

std::string OAuth::Impl::authorization_url(const std::string& verifier, const std::string& state, const std::string& scope) const {
  auto authz = std::string(find_string(as_meta, "authorization_endpoint").value_or(""));
  if (authz.empty()) return {};
  auto q = form({{"response_type", "code"},
                 {"client_id", client_id},
                 {"redirect_uri", opt.redirect_uri},
                 {"code_challenge", sha256_b64url(verifier)},
                 {"code_challenge_method", "S256"},
                 {"state", state},
                 {"scope", scope},
                 {"resource", resource_id}});
  return authz + (authz.find('?') == std::string::npos ? "?" : "&") + q;
}

Task<Result<AuthorizationStart>> OAuth::Impl::begin(OAuth::KnownRegistration known) {
  auto self = shared_from_this();
  net::ClientRequest probe;
  probe.method = "POST";
  probe.url = resource;
  probe.headers = {{"content-type", "application/json"}, {"accept", "application/json, text/event-stream"}};
  probe.body = R"({"jsonrpc":"2.0","id":0,"method":"ping"})";
  probe.timeout = std::chrono::seconds(15);
  probe.max_body_bytes = 1 << 16;
  auto res = co_await http->send(std::move(probe));
  if (!res) co_return Result<AuthorizationStart>(res.error());
  auto challenge = parse_bearer_challenge(res->header("www-authenticate"));
  auto discovered = co_await discover(challenge, 401);
  if (!discovered) co_return Result<AuthorizationStart>(discovered.error());
  AuthorizationStart out;
  out.issuer = std::string(find_string(as_meta, "issuer").value_or(issuer));
  if (opt.client_id.empty() && known) {
    if (auto r = known(out.issuer)) registrations[issuer] = Registration{r->client_id, r->client_secret, r->auth_method};
  }
  bool had = !opt.client_id.empty() || registrations.count(issuer);
  auto reg = co_await register_client();
  if (!reg) co_return Result<AuthorizationStart>(reg.error());
  out.registered_now = !had;
  out.client = OAuthClientRegistration{client_id, client_secret, auth_method};
  if (out.client.auth_method.empty()) {  // what client_auth() would choose, kept for later requests
    std::vector<std::pair<std::string, std::string>> f;
    net::Headers h;
    client_auth(f, h);
    out.client.auth_method = client_secret.empty() ? "none" : h.empty() ? "client_secret_post" : "client_secret_basic";
  }
  out.code_verifier = random_token(32);
  out.state = random_token(24);
  out.scope = *discovered;
  out.url = authorization_url(out.code_verifier, out.state, out.scope);
  if (out.url.empty()) co_return Result<AuthorizationStart>(auth_error("authorization server has no authorization endpoint"));
  out.redirect_uri = opt.redirect_uri;
  auto* iss_flag = as_meta.if_contains("authorization_response_iss_parameter_supported");
  out.iss_required = iss_flag && iss_flag->is_bool() && iss_flag->as_bool();
  out.token_endpoint = std::string(find_string(as_meta, "token_endpoint").value_or(""));
  out.revocation_endpoint = std::string(find_string(as_meta, "revocation_endpoint").value_or(""));
  if (out.token_endpoint.empty()) co_return Result<AuthorizationStart>(auth_error("authorization server has no token endpoint"));
  out.resource = resource_id;
  co_return Result<AuthorizationStart>(std::move(out));
}

Task<Result<bool>> OAuth::Impl::run(net::Headers headers, int status) {
  auto self = shared_from_this();
  auto challenge = parse_bearer_challenge(net::find_header(headers, "www-authenticate"));
  if (status == 401 && challenge["error"] == "use_dpop_nonce") {  // RFC 9449 §9: retry with it
    auto nonce = std::string(net::find_header(headers, "dpop-nonce"));
    if (nonce.empty() || nonce == rs_nonce) co_return Result<bool>(auth_error("DPoP nonce challenge without a new nonce"));
    rs_nonce = nonce;
    co_return Result<bool>(true);
  }
  if (status == 403) {
    if (challenge["error"] != "insufficient_scope" || ++step_ups > opt.max_step_ups)
      co_return Result<bool>(auth_error("forbidden"));
  } else if (!refresh_token.empty() && !as_meta.empty()) {
    // An expired token: refresh first, the full flow only if that fails.
    std::vector<std::pair<std::string, std::string>> f{{"grant_type", "refresh_token"},
                                                       {"refresh_token", refresh_token},
                                                       {"resource", resource_id}};
    std::string endpoint(find_string(as_meta, "token_endpoint").value_or(""));
    auto t = co_await token_request(endpoint, std::move(f));
    refresh_token.clear();
    if (t && take_tokens(*t)) co_return Result<bool>(true);
  }
  auto discovered = co_await discover(challenge, status);
  if (!discovered) co_return Result<bool>(discovered.error());
  auto scope = *discovered;
  auto token_endpoint = std::string(find_string(as_meta, "token_endpoint").value_or(""));
  if (token_endpoint.empty()) co_return Result<bool>(auth_error("authorization server has no token endpoint"));

  if (!opt.idp_id_token.empty()) {
    std::vector<std::pair<std::string, std::string>> x{
        {"grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"},
        {"requested_token_type", "urn:ietf:params:oauth:token-type:id-jag"},
        {"subject_token", opt.idp_id_token},
        {"subject_token_type", "urn:ietf:params:oauth:token-type:id_token"},
        {"audience", std::string(find_string(as_meta, "issuer").value_or(issuer))},
        {"resource", resource_id},
        {"client_id", opt.idp_client_id},
        {"scope", scope}};
    std::string xbody = form(x);
    net::Headers none;
    auto jag = co_await post_form(opt.idp_token_endpoint, xbody, none);
    if (!jag) co_return Result<bool>(jag.error());
    auto assertion = find_string(*jag, "access_token");
    if (!assertion) co_return Result<bool>(auth_error("the IdP returned no ID-JAG"));
    client_id = opt.client_id;
    client_secret = opt.client_secret;
    auth_method = client_secret.empty() ? "none" : "client_secret_basic";
    std::vector<std::pair<std::string, std::string>> f{{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                                       {"assertion", std::string(*assertion)},
                                                       {"scope", scope},
                                                       {"resource", resource_id}};
    auto t = co_await token_request(token_endpoint, std::move(f));
    co_return granted(t, scope);
  }
  if (!opt.jwt_bearer_assertion.empty()) {
    if (jwt_bearer_tried) co_return Result<bool>(auth_error("the JWT-bearer grant was refused before"));
    jwt_bearer_tried = true;
    std::vector<std::pair<std::string, std::string>> f{{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                                       {"assertion", opt.jwt_bearer_assertion},
                                                       {"client_id", opt.client_id},
                                                       {"scope", scope},
                                                       {"resource", resource_id}};
    std::string body = form(f);
    net::Headers none;
    auto t = co_await post_form(token_endpoint, body, none);
    if (t) jwt_bearer_tried = false;
    co_return granted(t, scope);
  }
  if (opt.client_credentials) {
    client_id = opt.client_id;
    client_secret = opt.client_secret;
    std::vector<std::pair<std::string, std::string>> f{{"grant_type", "client_credentials"},
                                                       {"scope", scope},
                                                       {"resource", resource_id}};
    net::Headers h;
    if (!opt.private_key_pem.empty()) {
      auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      json::object claims{{"iss", client_id}, {"sub", client_id}, {"aud", issuer},
                          {"iat", now},       {"exp", now + 300},  {"jti", random_token(16)}};
      auto jwt = sign_es256(opt.private_key_pem, claims);
      if (!jwt) co_return Result<bool>(jwt.error());
      f.emplace_back("client_id", client_id);
      f.emplace_back("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      f.emplace_back("client_assertion", *jwt);
    } else {
      client_auth(f, h);
    }
    std::string body = form(f);
    auto t = co_await post_form(token_endpoint, body, h);
    co_return granted(t, scope);
  }

  auto reg = co_await register_client();
  if (!reg) co_return reg;
  auto verifier = random_token(32);
  auto state = random_token(16);
  auto url = authorization_url(verifier, state, scope);
  if (url.empty()) co_return Result<bool>(auth_error("authorization server has no authorization endpoint"));
  std::string landed;
  if (opt.authorize) {
    auto r = co_await opt.authorize(url);
    if (!r) co_return Result<bool>(r.error());
    landed = *r;
  } else {
    net::ClientRequest r;
    r.url = url;
    r.timeout = std::chrono::seconds(15);
    auto res = co_await http->send(std::move(r));
    if (!res) co_return Result<bool>(res.error());
    landed = std::string(res->header("location"));
    if (landed.empty()) co_return Result<bool>(auth_error("authorization endpoint did not redirect (HTTP " + std::to_string(res->status) + ")"));
  }
  auto back = urls::parse_uri_reference(landed);
  if (!back) co_return Result<bool>(auth_error("bad redirect " + landed));
  std::string code, got_state, iss;
  for (auto param : back->params()) {
    if (param.key == "code") code = param.value;
    else if (param.key == "state") got_state = param.value;
    else if (param.key == "iss") iss = param.value;
    else if (param.key == "error") co_return Result<bool>(auth_error("authorization denied: " + std::string(param.value)));
  }
  if (!constant_time_equal(got_state, state)) co_return Result<bool>(auth_error("state mismatch"));
  // RFC 9207: iss must name the server we started with; when the server says it sends iss,
  // a response without one is refused too (mix-up attacks).
  auto* iss_flag = as_meta.if_contains("authorization_response_iss_parameter_supported");
  bool iss_promised = iss_flag && iss_flag->is_bool() && iss_flag->as_bool();
  auto expected_iss = std::string(find_string(as_meta, "issuer").value_or(""));
  if (iss_promised && iss.empty()) co_return Result<bool>(auth_error("authorization response lacks iss"));
  if (!iss.empty() && iss != expected_iss)
    co_return Result<bool>(auth_error("iss mismatch in the authorization response: " + iss));
  if (code.empty()) co_return Result<bool>(auth_error("no code in the authorization response"));
  std::vector<std::pair<std::string, std::string>> f{{"grant_type", "authorization_code"},
                                                     {"code", code},
                                                     {"redirect_uri", opt.redirect_uri},
                                                     {"code_verifier", verifier},
                                                     {"resource", resource_id}};
  auto t = co_await token_request(token_endpoint, std::move(f));
  co_return granted(t, scope);
}

OAuth::OAuth(std::shared_ptr<net::HttpClient> http, std::string resource_url, OAuthOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->http = std::move(http);
  impl_->resource = std::move(resource_url);
  impl_->resource_id = impl_->resource;
  impl_->opt = std::move(options);
}
OAuth::~OAuth() = default;

const std::string& OAuth::access_token() const { return impl_->access_token; }

Task<Result<bool>> OAuth::authorize(net::Headers challenge_headers, int status) {
  auto impl = impl_;
  co_return co_await impl->run(std::move(challenge_headers), status);
}

Task<Result<AuthorizationStart>> OAuth::begin(KnownRegistration known) {
  auto impl = impl_;
  co_return co_await impl->begin(std::move(known));
}

namespace {
Task<Result<net::Headers>> add_bearer(std::shared_ptr<OAuth::Impl> impl, net::Headers h, std::string method) {
  if (!impl->access_token.empty()) {
    std::erase_if(h, [](const auto& kv) { return kv.first == "authorization" || kv.first == "dpop"; });
    if (impl->dpop_bound) {
      auto proof = impl->dpop_proof(method, impl->resource, impl->rs_nonce, impl->access_token);
      if (!proof) co_return Result<net::Headers>(proof.error());
      h.emplace_back("authorization", "DPoP " + impl->access_token);
      h.emplace_back("dpop", *proof);
    } else {
      h.emplace_back("authorization", "Bearer " + impl->access_token);
    }
  }
  co_return Result<net::Headers>(std::move(h));
}
Task<bool> on_challenge(std::shared_ptr<OAuth::Impl> impl, int status, net::Headers headers) {
  auto r = co_await impl->run(std::move(headers), status);
  if (!r && impl->opt.trace) impl->opt.trace(r.error().message);
  co_return r.has_value();
}
}  // namespace

void OAuth::attach(Client& client) {
  std::weak_ptr<Impl> weak = impl_;
  client.set_header_hook([weak](net::Headers h, std::string method) -> Task<Result<net::Headers>> {
    auto impl = weak.lock();
    if (!impl) return [](net::Headers x) -> Task<Result<net::Headers>> { co_return Result<net::Headers>(std::move(x)); }(std::move(h));
    return add_bearer(std::move(impl), std::move(h), std::move(method));
  });
  client.set_auth_hook([weak](int status, net::Headers headers) -> Task<bool> {
    auto impl = weak.lock();
    if (!impl) return []() -> Task<bool> { co_return false; }();
    return on_challenge(std::move(impl), status, std::move(headers));
  });
}

}  // namespace mcp::client
