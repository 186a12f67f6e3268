#pragma once
// The built-in OAuth 2.1 authorization server: RFC 8414 metadata, RFC 7591 dynamic client
// registration, client ID metadata documents, authorization code + PKCE (S256 only) with a
// server-rendered sign-in and consent page over local users, refresh-token rotation with reuse
// detection, client_credentials, RFC 7009 revocation, and RFC 9068 JWT access tokens (ES256)
// published through a JWKS with key rotation. Its endpoints are plain routes
// (HttpOptions::routes); its tokens are checked by the resource server through
// token_verifier() (auth::AuthOptions::token_verifier, auth mode oauth).
//
// At rest: codes, refresh tokens and client secrets only as SHA-256 hashes; signing keys
// AES-256-GCM encrypted under `key_encryption_key`.
#include <mcp/auth/auth.hpp>
#include <mcp/core/principal.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/net/http_types.hpp>
#include <mcp/store/async_store.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mcp::authz {

struct AuthzOptions {
  // The public URL of the issuer ("https://mcp.example.com"); the endpoints live under its path.
  std::string issuer;
  // The MCP endpoint's canonical URL: the only `resource` (RFC 8707) tokens are issued for.
  std::string resource;
  std::vector<std::string> scopes_supported{"mcp"};
  std::vector<std::string> default_scopes{"mcp"};  // granted when a client asks for none

  std::chrono::seconds access_token_ttl{3600};
  std::chrono::seconds refresh_token_ttl{30 * 86400};
  std::chrono::seconds code_ttl{60};
  std::chrono::seconds key_rotation{30 * 86400};  // a new signing key after this long
  std::chrono::seconds clock_skew{30};
  std::chrono::seconds login_session_ttl{8 * 3600};  // the sign-in cookie

  // 32 raw bytes: encrypts signing keys at rest and keys the CSRF and sign-in cookies (HKDF'd
  // apart). Required.
  std::string key_encryption_key;

  bool dynamic_registration = true;
  // Dynamic registration is open to anyone: per client IP a token bucket (0: unlimited) ...
  double registrations_per_minute = 10;
  double registration_burst = 20;
  // ... and registrations that never get a consent or a token are deleted after this long
  // (0: kept), checked every `sweep_interval`.
  std::chrono::seconds abandoned_client_ttl{24 * 3600};
  std::chrono::seconds sweep_interval{3600};

  // Client ID metadata documents (client_id is an https URL). Null client: not supported.
  std::shared_ptr<net::HttpClient> http_client;
  std::size_t metadata_max_bytes = 5 * 1024;
  std::chrono::milliseconds metadata_timeout{5000};
  std::chrono::seconds metadata_cache_ttl{300};
  bool metadata_allow_http_loopback = false;  // tests only: http://127.0.0.1 client ids
  // Development and tests: client ID URLs on literal private/loopback hosts are not refused up
  // front (the HttpClient's UrlPolicy must allow them too).
  bool metadata_allow_private = false;
};

// A pre-registered client and its secret (shown once).
struct NewClient {
  store::OAuthClient record;
  std::string secret;
};

class AuthorizationServer {
 public:
  // Loads (or creates) the signing keys; throws std::runtime_error on a bad configuration or
  // a key that cannot be decrypted.
  // Its endpoints await the store through `store` (its pool); a Store alone gets a pool of its own.
  AuthorizationServer(AuthzOptions options, store::AsyncStore store);
  AuthorizationServer(AuthzOptions options, std::shared_ptr<store::Store> store);
  ~AuthorizationServer();

  // /.well-known/oauth-authorization-server, /.well-known/openid-configuration, /register,
  // /authorize, /token, /revoke, /jwks (under the issuer's path).
  std::vector<net::HttpRoute> routes() const;

  // The resource server's check (signature, typ, iss, aud, exp, deny list).
  auth::TokenVerifier token_verifier() const;
  // The same check off the caller's event loop, on the store's pool: for a remote store, whose
  // deny-list lookup is a network round trip. A store that fails makes the check
  // `unavailable` (the request gets a 503), never an exception on the loop.
  auth::AsyncTokenVerifier async_token_verifier() const;

  json::object metadata() const;
  json::object jwks() const;
  // Signs with a new key from now on; the old one stays published until its tokens expire.
  void rotate_signing_key();

  const AuthzOptions& options() const;
  // Deletes abandoned dynamic registrations now (also done every sweep_interval); their ids.
  std::vector<std::string> sweep_abandoned_clients();

  struct Impl;  // src/authz/server_impl.hpp

 private:
  std::shared_ptr<Impl> impl_;
};

// --- External authorization server -------------------------------------------------------------
// Tokens from another issuer: JWT access tokens checked against its JWKS (RS256, ES256, EdDSA),
// given inline or fetched from `jwks_uri` through `http_client` (its UrlPolicy is the SSRF
// guard). With neither, `jwks_uri` is discovered from the issuer's RFC 8414 metadata (or its
// OpenID configuration), whose `issuer` must equal ours. The keys are refetched periodically
// (the response's Cache-Control max-age, kept within [min_refresh, refresh_interval]) and, at
// most once per `min_refresh`, when a token names an unknown kid (key rotation). A failed fetch
// keeps the last good keys.
struct ExternalIssuerOptions {
  std::string issuer;
  std::string audience;  // the resource; empty: the resource URL of each request
  std::string jwks_uri;
  std::string jwks_json;  // inline JWKS (pinned keys); used when jwks_uri is empty
  std::vector<std::string> algorithms{"RS256", "ES256", "EdDSA"};
  std::chrono::seconds clock_skew{60};
  std::chrono::seconds refresh_interval{3600};
  std::chrono::seconds min_refresh{30};
  std::chrono::milliseconds fetch_timeout{10000};
  std::shared_ptr<net::HttpClient> http_client;
};

class JwksVerifier {
 public:
  // Throws std::runtime_error if inline keys do not parse.
  explicit JwksVerifier(ExternalIssuerOptions options);
  ~JwksVerifier();
  // Fetches the JWKS (discovering jwks_uri first if needed); an Error when it cannot. Safe
  // beside verify().
  Task<Result<std::size_t>> refresh();
  // Starts a thread that keeps the keys fresh (periodically, and soon after an unknown kid);
  // the first fetch completes before start() returns (an Error if it failed: the thread keeps
  // trying every min_refresh).
  Result<std::size_t> start();
  void stop();
  // Synchronous: an unknown kid is refused at once and asks the refresher thread for a fetch.
  auth::TokenVerifier token_verifier() const;
  // Asynchronous: an unknown kid refetches the JWKS on the caller's loop (rate-limited) and
  // checks again, so the first token signed with a rotated key is accepted.
  auth::AsyncTokenVerifier async_token_verifier() const;
  std::variant<Principal, std::string> verify(std::string_view token, const std::string& resource_url) const;
  // The jwks_uri in use (configured or discovered; "" before discovery).
  std::string jwks_uri() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// RFC 7662 token introspection: opaque (or any) access tokens checked by POSTing them to the
// issuer's introspection endpoint, authenticated with client_secret_basic. `active: false` is
// invalid_token; an active token must carry our audience in `aud` and an unexpired `exp` (when
// present). Positive answers are cached (by the token's SHA-256) until min(exp, cache_ttl);
// negative ones are not. An endpoint that cannot be reached, or answers other than 200 with a
// JSON object, makes the check unavailable (the resource server answers 503).
struct IntrospectionOptions {
  std::string endpoint;
  std::string client_id;
  std::string client_secret;
  std::string issuer;    // when set, a response's `iss` (if present) must equal it
  std::string audience;  // empty: the resource URL of each request
  std::chrono::seconds cache_ttl{60};
  std::chrono::seconds clock_skew{60};
  std::chrono::milliseconds timeout{5000};
  std::size_t max_cached = 10000;
  std::shared_ptr<net::HttpClient> http_client;
};

class IntrospectionVerifier {
 public:
  // Throws std::runtime_error without an endpoint or an HTTP client.
  explicit IntrospectionVerifier(IntrospectionOptions options);
  auth::AsyncTokenVerifier async_token_verifier() const;
  Task<auth::TokenCheck> check(std::string token, std::string resource_url) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// Registers a confidential client (`mcpbridge clients add`).
NewClient register_client(store::Store& store, std::string name, std::vector<std::string> redirect_uris,
                          std::string scope, std::vector<std::string> grant_types);
// "" when acceptable, else why not: https, or http on a loopback host (RFC 8252 §7.3), absolute,
// no fragment.
std::string check_redirect_uri(std::string_view uri);

}  // namespace mcp::authz
