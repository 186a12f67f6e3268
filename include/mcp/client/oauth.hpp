#pragma once
// OAuth 2.1 for the MCP client (MCP authorization, 2025-03-26 … 2025-11-25):
// discovery from the 401 challenge (RFC 9728 protected-resource metadata, path then root),
// authorization-server metadata (RFC 8414 and OpenID discovery, path-aware, with the 2025-03-26
// fallbacks), `iss` checked, registration by client ID metadata document when the server
// supports it, else dynamic registration (RFC 7591), else a pre-registered client; PKCE S256,
// the `resource` parameter (RFC 8707), scope from the challenge or scopes_supported, step-up on
// 403 insufficient_scope (bounded), refresh, and the client_credentials grant
// (client_secret_basic or private_key_jwt).
#include <mcp/client/client.hpp>

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>

namespace mcp::client {

struct OAuthOptions {
  std::string client_id;      // pre-registered; empty: CIMD or dynamic registration
  std::string client_secret;  // with client_id, for confidential clients
  std::string client_metadata_url;  // our client ID metadata document (https URL), if any
  std::string redirect_uri = "http://127.0.0.1:8976/callback";
  std::string client_name = "mcpbridge";
  std::string scope;  // empty: chosen from the challenge or the resource's scopes_supported
  // client_credentials grant instead of a user's authorization (machine to machine).
  bool client_credentials = false;
  std::string private_key_pem;  // with client_credentials: private_key_jwt (ES256) instead of a secret
  // Workload identity (RFC 7523 JWT-bearer grant, SEP-1933): a JWT from the workload's identity
  // provider, exchanged for an access token without a user; failures are not retried.
  std::string jwt_bearer_assertion;
  // Enterprise-managed authorization (SEP-990): the user's ID token from the enterprise IdP is
  // exchanged there (RFC 8693) for an ID-JAG, which the authorization server takes as a
  // JWT-bearer grant with this client's id and secret.
  std::string idp_token_endpoint, idp_client_id, idp_id_token;
  // Takes the user to the authorization URL; returns the URL the browser was redirected to
  // (carrying code and state). Unset: the URL is fetched without a browser and its redirect
  // is read, which suits servers that authorize without interaction.
  std::function<Task<Result<std::string>>(std::string authorization_url)> authorize;
  int max_step_ups = 2;
  std::function<void(std::string_view)> trace;  // why a flow failed, for debugging
};

// A client registration at one authorization server (kept and reused per issuer).
struct OAuthClientRegistration {
  std::string client_id, client_secret, auth_method;
};

// A browser sign-in begun by a server on a user's behalf (a gateway signing its users in to an
// upstream through its own callback URL): where to send the browser, and what the callback
// needs to finish. Keep it server-side; `state` and `code_verifier` are secrets.
struct AuthorizationStart {
  std::string url;  // the authorization request
  std::string state, code_verifier, redirect_uri;
  std::string issuer;         // the authorization server's issuer identifier (the callback's `iss`)
  bool iss_required = false;  // it promised `iss` in responses (RFC 9207)
  std::string token_endpoint, revocation_endpoint;
  std::string resource, scope;  // RFC 8707 resource, the scope asked for
  OAuthClientRegistration client;
  bool registered_now = false;  // the client was registered by this call: keep it
};

struct TokenSet {
  std::string access_token, refresh_token, token_type, scope;
  std::int64_t expires_at = 0;  // unix seconds; 0: not said
};

class OAuth {
 public:
  OAuth(std::shared_ptr<net::HttpClient> http, std::string resource_url, OAuthOptions options);
  ~OAuth();
  // Adds the bearer token to the client's requests and authorizes on 401/403.
  void attach(Client& client);
  // Runs the flow now (without waiting for a 401); the challenge headers may be empty.
  Task<Result<bool>> authorize(net::Headers challenge_headers, int status = 401);
  const std::string& access_token() const;
  // Discovery (the resource's 401 challenge, RFC 9728, RFC 8414) and registration — the
  // registration `known` returns for the issuer when it has one — then PKCE, state and the
  // authorization URL. For a server that finishes in its own callback (finish_authorization).
  using KnownRegistration = std::function<std::optional<OAuthClientRegistration>(const std::string& issuer)>;
  Task<Result<AuthorizationStart>> begin(KnownRegistration known);

  struct Impl;  // opaque

 private:
  std::shared_ptr<Impl> impl_;
};

// The callback of a begun sign-in: `callback_query` (the redirect's query string) must carry
// the same state and, when the server sends one, the expected `iss`; the code is exchanged.
Task<Result<TokenSet>> finish_authorization(std::shared_ptr<net::HttpClient> http, AuthorizationStart started,
                                            std::string callback_query);
// The refresh_token grant; a rotated refresh token replaces the old one in the result.
Task<Result<TokenSet>> refresh_grant(std::shared_ptr<net::HttpClient> http, std::string token_endpoint,
                                     OAuthClientRegistration client, std::string refresh_token, std::string resource);
// RFC 7009 revocation (`hint`: refresh_token or access_token).
Task<Result<bool>> revoke_token(std::shared_ptr<net::HttpClient> http, std::string revocation_endpoint,
                                OAuthClientRegistration client, std::string token, std::string hint);
// The OAuth `error` code of a failed token request (invalid_grant, invalid_client, ...), or "".
std::string oauth_error_code(const Error& e);

// Parses `Bearer k="v", k2=v2` parameters of a WWW-Authenticate header (lower-case keys).
std::map<std::string, std::string> parse_bearer_challenge(std::string_view header);

}  // namespace mcp::client
