#pragma once
// OAuth::Impl, the client's OAuth state, shared by the files of the flow: oauth.cpp (the flow
// and the hooks), oauth_discovery.cpp, oauth_registration.cpp, oauth_token.cpp, oauth_jose.cpp.
#include <mcp/client/oauth.hpp>
#include <mcp/core/encoding.hpp>

#include <boost/url.hpp>
#include <openssl/evp.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::client {
namespace oauth_detail {

Error auth_error(std::string m);
std::string form_encode(std::string_view s);
std::string form(const std::vector<std::pair<std::string, std::string>>& fields);  // empty values left out
std::string sha256_b64url(std::string_view s);
// An ES256 JWS over `header`.`claims` (JOSE wants the signature as r||s, not DER).
Result<std::string> sign_with(EVP_PKEY* key, const std::string& header_json, const json::object& claims);
// ES256 JWT for private_key_jwt client authentication (RFC 7523 §2.2).
Result<std::string> sign_es256(const std::string& pem, const json::object& claims);
// The public half of a P-256 key as a JWK.
json::object public_jwk(EVP_PKEY* key);
std::string origin_of(const boost::urls::url_view& u);
std::vector<std::string> split_scopes(std::string_view s);

}  // namespace oauth_detail

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

  // oauth_jose.cpp
  bool dpop_offered() const;
  Result<std::string> dpop_proof(const std::string& method, const std::string& url, const std::string& nonce,
                                 const std::string& token);

  // oauth_discovery.cpp
  Task<Result<json::object>> get_json(std::string url);
  // RFC 9728: the challenge's resource_metadata, else the path-suffixed then the root well-known.
  Task<Result<json::object>> protected_resource(std::string hinted);
  // RFC 8414 / OpenID discovery, path-aware, in the spec's order.
  // `check_issuer`: RFC 8414 §3.3 when the issuer came from protected-resource metadata; the
  // 2025-03-26 flow (server origin as base URL) predates that rule.
  Task<Result<json::object>> authorization_server(std::string as, bool check_issuer);
  std::string choose_scope(const std::map<std::string, std::string>& challenge, const json::object& prm);
  // Protected-resource metadata, then the authorization server's; sets resource_id, as_meta and
  // issuer, and returns the scope to ask for.
  Task<Result<std::string>> discover(std::map<std::string, std::string> challenge, int status);

  // oauth_registration.cpp
  // SEP-837: loopback or custom-scheme redirects mean a native application.
  std::string application_type() const;
  Task<Result<bool>> register_client();
  // Client authentication at the token endpoint: Basic when the server takes it (or said so
  // at registration), else the secret in the body, else none.
  void client_auth(std::vector<std::pair<std::string, std::string>>& fields, net::Headers& headers);

  // oauth_token.cpp
  // A token-endpoint request (RFC 6749 §3.2) authenticated as this client (client_auth).
  Task<Result<json::object>> token_request(std::string url, std::vector<std::pair<std::string, std::string>> f);
  Task<Result<json::object>> post_form(std::string url, std::string body, net::Headers extra);
  Result<bool> take_tokens(const json::object& t);
  // A grant's answer: its error, or its tokens taken and `scope` remembered as granted.
  Result<bool> granted(Result<json::object>& t, const std::string& scope);

  // oauth.cpp
  // The authorization request (PKCE S256, RFC 8707 resource); "" without an endpoint.
  std::string authorization_url(const std::string& verifier, const std::string& state, const std::string& scope) const;
  // A sign-in finished elsewhere (OAuth::begin): an unauthenticated request for the challenge,
  // discovery, registration (a known one reused), then the URL and what the callback needs.
  Task<Result<AuthorizationStart>> begin(OAuth::KnownRegistration known);
  Task<Result<bool>> run(net::Headers headers, int status);
};

}  // namespace mcp::client
