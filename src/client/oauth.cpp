// The MCP client's OAuth flow (see include/mcp/client/oauth.hpp for the order of discovery).
#include <mcp/client/oauth.hpp>

#include <mcp/core/encoding.hpp>

#include <boost/url.hpp>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <chrono>

namespace mcp::client {
namespace {

namespace urls = boost::urls;

Error auth_error(std::string m) { return Error{errc::kConnectionClosed, "authorization: " + std::move(m), {}}; }

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

std::string sha256_b64url(std::string_view s) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<char*>(md), n), true);
}

// An ES256 JWS over `header`.`claims` (JOSE wants the signature as r||s, not DER).
Result<std::string> sign_with(EVP_PKEY* key, const std::string& header_json, const json::object& claims) {
  auto input = base64_encode(header_json, true) + "." + base64_encode(json::serialize(claims), true);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  std::string der;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (ok) {
    der.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    der.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return auth_error("signing failed");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return auth_error("bad ECDSA signature");
  unsigned char raw[64] = {};
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + base64_encode(std::string_view(reinterpret_cast<char*>(raw), 64), true);
}

// ES256 JWT for private_key_jwt client authentication (RFC 7523 §2.2).
Result<std::string> sign_es256(const std::string& pem, const json::object& claims) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return auth_error("cannot read the private key");
  auto jwt = sign_with(key, R"({"alg":"ES256","typ":"JWT"})", claims);
  EVP_PKEY_free(key);
  return jwt;
}

// The public half of a P-256 key as a JWK.
json::object public_jwk(EVP_PKEY* key) {
  BIGNUM *x = nullptr, *y = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  unsigned char bx[32] = {}, by[32] = {};
  if (x) BN_bn2binpad(x, bx, 32);
  if (y) BN_bn2binpad(y, by, 32);
  BN_free(x);
  BN_free(y);
  return json::object{{"kty", "EC"},
                      {"crv", "P-256"},
                      {"x", base64_encode(std::string_view(reinterpret_cast<char*>(bx), 32), true)},
                      {"y", base64_encode(std::string_view(reinterpret_cast<char*>(by), 32), true)}};
}

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

}  // namespace

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

struct OAuth::Impl : std::enable_shared_from_this<OAuth::Impl> {
  std::shared_ptr<net::HttpClient> http;
  std::string resource;  // the MCP endpoint URL
  OAuthOptions opt;
  std::string access_token, refresh_token;
  std::string resource_id;  // as the protected-resource metadata publishes it (RFC 8707 value)
  std::string client_id, client_secret, auth_method;  // the registration in use
  struct Registration {
    std::string id, secret, method;
  };
  std::map<std::string, Registration> registrations;  // by issuer: never reused across servers
  json::object as_meta;
  std::string issuer;
  std::string granted_scope;
  int step_ups = 0;
  bool jwt_bearer_tried = false;  // a refused assertion is not sent again
  // DPoP (RFC 9449), used when the authorization server offers ES256 proofs.
  EVP_PKEY* dpop_key = nullptr;
  bool dpop_bound = false;  // the access token is DPoP-bound: present it with proofs
  std::string as_nonce, rs_nonce;

  ~Impl() { EVP_PKEY_free(dpop_key); }

  bool dpop_offered() const {
    if (auto* algs = as_meta.if_contains("dpop_signing_alg_values_supported"); algs && algs->is_array())
      for (auto& a : algs->as_array())
        if (a.is_string() && a.as_string() == "ES256") return true;
    return false;
  }

  Result<std::string> dpop_proof(const std::string& method, const std::string& url, const std::string& nonce,
                                 const std::string& token) {
    if (!dpop_key) dpop_key = EVP_EC_gen("P-256");
    if (!dpop_key) return auth_error("cannot make a DPoP key");
    auto htu = url.substr(0, url.find_first_of("?#"));
    json::object header{{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", public_jwk(dpop_key)}};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    json::object claims{{"jti", random_token(16)}, {"htm", method}, {"htu", htu}, {"iat", now}};
    if (!nonce.empty()) claims["nonce"] = nonce;
    if (!token.empty()) claims["ath"] = sha256_b64url(token);
    return sign_with(dpop_key, json::serialize(header), claims);
  }

  Task<Result<json::object>> get_json(std::string url) {
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

  // A token-endpoint request (RFC 6749 §3.2) authenticated as this client (client_auth).
  Task<Result<json::object>> token_request(std::string url, std::vector<std::pair<std::string, std::string>> f) {
    net::Headers h;
    client_auth(f, h);
    std::string body = form(f);
    auto t = co_await post_form(std::move(url), std::move(body), std::move(h));
    co_return t;
  }

  Task<Result<json::object>> post_form(std::string url, std::string body, net::Headers extra) {
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

  // RFC 9728: the challenge's resource_metadata, else the path-suffixed then the root well-known.
  Task<Result<json::object>> protected_resource(std::string hinted) {
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

  // RFC 8414 / OpenID discovery, path-aware, in the spec's order.
  // `check_issuer`: RFC 8414 §3.3 when the issuer came from protected-resource metadata; the
  // 2025-03-26 flow (server origin as base URL) predates that rule.
  Task<Result<json::object>> authorization_server(std::string as, bool check_issuer) {
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

  // SEP-837: loopback or custom-scheme redirects mean a native application.
  std::string application_type() const {
    auto u = urls::parse_uri(opt.redirect_uri);
    if (!u) return "native";
    auto scheme = std::string(u->scheme());
    auto host = std::string(u->host());
    if ((scheme != "http" && scheme != "https") || host == "localhost" || host == "127.0.0.1" || host == "[::1]")
      return "native";
    return "web";
  }

  Task<Result<bool>> register_client() {
    if (!opt.client_id.empty()) {
      client_id = opt.client_id;
      client_secret = opt.client_secret;
      co_return Result<bool>(true);
    }
    if (auto it = registrations.find(issuer); it != registrations.end()) {
      client_id = it->second.id;
      client_secret = it->second.secret;
      auth_method = it->second.method;
      co_return Result<bool>(true);
    }
    client_id.clear();
    client_secret.clear();
    auth_method.clear();
    auto* cimd = as_meta.if_contains("client_id_metadata_document_supported");
    if (!opt.client_metadata_url.empty() && cimd && cimd->is_bool() && cimd->as_bool()) {
      client_id = opt.client_metadata_url;
      registrations[issuer] = Registration{client_id, "", "none"};
      co_return Result<bool>(true);
    }
    auto reg = find_string(as_meta, "registration_endpoint");
    if (!reg) co_return Result<bool>(auth_error("no way to register: no client id, CIMD or registration endpoint"));
    json::object body{{"client_name", opt.client_name},
                      {"redirect_uris", json::array{json::value(opt.redirect_uri)}},
                      {"grant_types", json::array{"authorization_code", "refresh_token"}},
                      {"response_types", json::array{"code"}},
                      {"token_endpoint_auth_method", "none"},
                      {"application_type", application_type()}};
    net::ClientRequest r;
    r.method = "POST";
    r.url = std::string(*reg);
    r.headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
    r.body = json::serialize(body);
    r.timeout = std::chrono::seconds(15);
    auto res = co_await http->send(std::move(r));
    if (!res) co_return Result<bool>(res.error());
    boost::system::error_code ec;
    auto v = json::parse(res->body, ec);
    if ((res->status != 201 && res->status != 200) || ec || !v.is_object())
      co_return Result<bool>(auth_error("registration failed: HTTP " + std::to_string(res->status)));
    client_id = std::string(find_string(v.as_object(), "client_id").value_or(""));
    client_secret = std::string(find_string(v.as_object(), "client_secret").value_or(""));
    auth_method = std::string(find_string(v.as_object(), "token_endpoint_auth_method").value_or(""));
    if (client_id.empty()) co_return Result<bool>(auth_error("registration returned no client_id"));
    registrations[issuer] = Registration{client_id, client_secret, auth_method};
    co_return Result<bool>(true);
  }

  // Client authentication at the token endpoint: Basic when the server takes it (or said so
  // at registration), else the secret in the body, else none.
  void client_auth(std::vector<std::pair<std::string, std::string>>& fields, net::Headers& headers) {
    std::string method = auth_method;
    if (method.empty()) {
      std::vector<std::string> supported;
      if (auto* m = as_meta.if_contains("token_endpoint_auth_methods_supported"); m && m->is_array())
        for (auto& x : m->as_array())
          if (x.is_string()) supported.emplace_back(x.as_string());
      auto has = [&](const char* s) { return std::find(supported.begin(), supported.end(), s) != supported.end(); };
      if (client_secret.empty()) method = "none";
      else if (supported.empty() || has("client_secret_basic")) method = "client_secret_basic";
      else if (has("client_secret_post")) method = "client_secret_post";
      else method = "client_secret_basic";
    }
    if (method == "client_secret_basic" && !client_secret.empty()) {
      headers.emplace_back("authorization",
                           "Basic " + base64_encode(form_encode(client_id) + ":" + form_encode(client_secret)));
    } else {
      fields.emplace_back("client_id", client_id);
      if (method == "client_secret_post") fields.emplace_back("client_secret", client_secret);
    }
  }

  Result<bool> take_tokens(const json::object& t) {
    auto at = find_string(t, "access_token");
    if (!at) return auth_error("token response without access_token");
    access_token = std::string(*at);
    auto type = std::string(find_string(t, "token_type").value_or("Bearer"));
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    dpop_bound = type == "dpop";
    if (auto rt = find_string(t, "refresh_token")) refresh_token = std::string(*rt);
    return true;
  }

  std::string choose_scope(const std::map<std::string, std::string>& challenge, const json::object& prm) {
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

  // Protected-resource metadata, then the authorization server's; sets resource_id, as_meta and
  // issuer, and returns the scope to ask for.
  Task<Result<std::string>> discover(std::map<std::string, std::string> challenge, int status) {
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

  // The authorization request (PKCE S256, RFC 8707 resource); "" without an endpoint.
  std::string authorization_url(const std::string& verifier, const std::string& state, const std::string& scope) const {
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

  // A sign-in finished elsewhere (OAuth::begin): an unauthenticated request for the challenge,
  // discovery, registration (a known one reused), then the URL and what the callback needs.
  Task<Result<AuthorizationStart>> begin(OAuth::KnownRegistration known) {
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

  Task<Result<bool>> run(net::Headers headers, int status) {
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
      if (!t) co_return Result<bool>(t.error());
      granted_scope = scope;
      co_return take_tokens(*t);
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
      if (!t) co_return Result<bool>(t.error());
      jwt_bearer_tried = false;
      granted_scope = scope;
      co_return take_tokens(*t);
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
      if (!t) co_return Result<bool>(t.error());
      granted_scope = scope;
      co_return take_tokens(*t);
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
    if (!t) co_return Result<bool>(t.error());
    granted_scope = scope;
    co_return take_tokens(*t);
  }
};

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
