#pragma once
// The authorization server's shared state and the endpoint handlers (one file per endpoint
// group: metadata_endpoints.cpp, authorize.cpp, token.cpp, client_metadata.cpp).
#include <mcp/authz/authz.hpp>

#include "authz/host_literal.hpp"
#include "authz/jose.hpp"
#include "authz/registration_guard.hpp"
#include "authz/web.hpp"

#include <map>
#include <mutex>
#include <unordered_map>
#include <variant>

namespace mcp::authz {

struct ActiveKey {
  store::SigningKey record;
  Pkey key;
};

// Parameters of one authorization request, validated.
struct AuthRequest {
  store::OAuthClient client;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string scope;
  std::string resource;
};

struct AuthorizationServer::Impl {
  AuthzOptions opt;
  // Startup and background threads use `store`; request handlers await `db` (the same store,
  // its calls on a pool), so that an event loop never waits for it.
  std::shared_ptr<store::Store> store;
  store::AsyncStore db;
  std::string path;          // the issuer's path ("" or "/oauth")
  std::string cookie_key;    // HMAC key of the CSRF and sign-in cookies
  bool secure_cookies = false;

  mutable std::mutex keys_mu;
  std::vector<ActiveKey> keys;  // newest first; [0] signs

  // Client ID metadata documents, cached.
  struct CachedClient {
    store::OAuthClient client;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex cimd_mu;
  std::unordered_map<std::string, CachedClient> cimd_cache;

  // Failed sign-ins per user name: at most kMaxFailures in kFailureWindow seconds.
  static constexpr int kMaxFailures = 10;
  static constexpr std::int64_t kFailureWindow = 900;
  std::mutex failures_mu;
  std::unordered_map<std::string, std::pair<int, std::int64_t>> failures;  // name -> (count, window start)
  bool throttled(const std::string& name);
  void record_failure(const std::string& name, bool failed);

  // Dynamic registration: per-IP rate limit, abandoned-registration sweeper.
  RegistrationLimiter registration_limiter{opt.registrations_per_minute, opt.registration_burst};
  std::unique_ptr<AbandonedClientSweeper> sweeper;

  Impl(AuthzOptions o, store::AsyncStore s);

  std::string endpoint(std::string_view name) const { return opt.issuer + "/" + std::string(name); }
  std::string endpoint_path(std::string_view name) const { return path + "/" + std::string(name); }
  std::string hmac_csrf(std::string_view nonce, std::string_view exp) const {
    return hmac_b64url(cookie_key, "csrf|" + std::string(nonce) + "|" + std::string(exp));
  }
  std::int64_t now() const { return store::unix_now(); }

  // Keys.
  void load_keys();
  void add_key_locked();
  std::string sign(json::object claims);

  // Tokens.
  struct Issued {
    std::string access_token;
    std::string refresh_token;  // "" for client_credentials
    std::string scope;
  };
  Issued issue(const store::OAuthClient& client, const std::string& user, const std::string& scope,
               const std::string& resource, const std::string& family, bool with_refresh);
  std::variant<Principal, std::string> verify(std::string_view token, const std::string& resource_url,
                                              bool ignore_expiry = false) const;

  // Clients: the store, or a client ID metadata document for an https client_id.
  Task<std::variant<store::OAuthClient, std::string>> resolve_client(std::string client_id);
  bool redirect_allowed(const store::OAuthClient& c, const std::string& uri) const;
  // The form POSTed to the token or revocation endpoint and the client it authenticates, or
  // the error response.
  struct ClientForm {
    store::OAuthClient client;
    Form form;
  };
  Task<std::variant<ClientForm, net::HttpResponse>> authenticate_client(const net::HttpRequest& req);
  // The scopes asked for, checked against what is supported; nullopt if any is not.
  std::optional<std::string> grantable_scope(const std::string& requested, const store::OAuthClient& c) const;

  // Endpoints. The synchronous parts that use the store (register_client, grant_tokens, revoke_token)
  // run on db's pool, each in one hop.
  net::HttpResponse metadata_response(const net::HttpRequest& req) const;
  net::HttpResponse jwks_response(const net::HttpRequest& req) const;
  net::HttpResponse register_client(const net::HttpRequest& req);
  static Task<net::HttpResponse> registration(std::shared_ptr<Impl> self, net::HttpRequest req);
  static Task<net::HttpResponse> authorize(std::shared_ptr<Impl> self, net::HttpRequest req);
  static Task<net::HttpResponse> token(std::shared_ptr<Impl> self, net::HttpRequest req);
  static Task<net::HttpResponse> revoke(std::shared_ptr<Impl> self, net::HttpRequest req);
  net::HttpResponse grant_tokens(ClientForm& authed, const net::HttpRequest& req);
  net::HttpResponse revoke_token(ClientForm& authed, const net::HttpRequest& req);

  // authorize.cpp internals.
  struct AuthorizeOutcome;
  Task<std::variant<AuthRequest, net::HttpResponse>> validate_authorize(const Form& q);
  net::HttpResponse consent_page(const AuthRequest& ar, const std::string& user, const std::string& error,
                                 int status);
  static Task<net::HttpResponse> grant_code(std::shared_ptr<Impl> self, AuthRequest ar, std::string user);
  // The user the sign-in cookie names, if it is genuine and unexpired ("" if not); whether
  // that user still exists is for the caller to ask the store.
  std::string cookie_user(const net::HttpRequest& req) const;
};

// auth::verify_password on the KDF thread (one, shared); "" as `stored` (unknown user) costs the
// same and fails.
Task<bool> check_password_off_loop(std::string password, std::string stored);

std::vector<std::string> split_words(std::string_view s);
std::string join_words(const std::vector<std::string>& v);
net::HttpResponse error_page(int status, const std::string& title, const std::string& detail);

}  // namespace mcp::authz
