#pragma once
// The resource server: who is calling (a Principal from an API key, a trusted proxy's identity
// header, or nobody when auth is off), the challenges when that fails (RFC 6750 / RFC 9728),
// the protected-resource metadata, and which tools a principal may use.
#include <mcp/core/json.hpp>
#include <mcp/core/principal.hpp>
#include <mcp/core/task.hpp>
#include <mcp/store/async_store.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace mcp::auth {

enum class Mode { none, api_key, header, oauth };

// oauth mode: checks a bearer access token for the resource `resource_url` and names its
// principal, or says why not (the description of an invalid_token challenge). The built-in
// authorization server provides one (authz::AuthorizationServer::token_verifier()).
using TokenVerifier =
    std::function<std::variant<Principal, std::string>(std::string_view token, const std::string& resource_url)>;

// The asynchronous form, for a check that asks the network (RFC 7662 introspection, a JWKS
// refetched for an unknown key). `unavailable`: the check itself could not be made (the
// introspection endpoint is down); the caller answers 503, not invalid_token.
struct TokenCheck {
  std::optional<Principal> principal;
  std::string error;  // why not, when there is no principal
  bool unavailable = false;
};
using AsyncTokenVerifier = std::function<Task<TokenCheck>(std::string token, std::string resource_url)>;

struct Permission {
  std::vector<std::string> scopes;  // any of these scopes ...
  std::vector<std::string> roles;   // ... or roles grants the tools (both empty: everyone)
  std::vector<std::string> tools;   // names; '*' matches any run of characters
};

struct AuthOptions {
  // The methods accepted on one endpoint, each credential recognised by its form: a proxy's
  // shared-secret header (header), an "mcpb_" bearer or the api_key_header (api_key), any other
  // bearer (oauth). Empty: just `mode` (none: nobody is asked).
  std::vector<Mode> methods;
  Mode mode = Mode::none;
  // api_key: besides "Authorization: Bearer <key>", a header that may carry the key.
  std::string api_key_header;
  // header: a trusted proxy names the user; it proves itself with a shared secret.
  std::string identity_header = "x-mcpbridge-user";
  std::string team_header = "x-mcpbridge-team";
  std::string roles_header = "x-mcpbridge-roles";
  std::string proxy_secret_header = "x-mcpbridge-proxy-secret";
  std::string proxy_secret;
  // RFC 9728: the canonical URL of the MCP endpoint (empty: derived from the Host header),
  // the authorization servers and the scopes to advertise.
  std::string resource;
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;
  std::vector<Permission> permissions;  // empty: every principal may use every tool
  std::chrono::seconds key_cache_ttl{5};
  TokenVerifier token_verifier;  // oauth mode  // how long a key lookup is trusted (revocation delay)
  AsyncTokenVerifier async_token_verifier;  // oauth mode; when set, used instead of token_verifier
};

// Why a request was refused, ready to send.
struct Refusal {
  int status;                    // 401 or 403
  std::string www_authenticate;  // the challenge header
  std::string error;             // invalid_token, insufficient_scope, ...
  std::string description;
};

class Authenticator {
 public:
  // `store` may be null when no mode needs it. api_key mode reads keys on a cache miss through
  // `store` (its pool): a Store alone gets a pool of its own.
  Authenticator(AuthOptions options, store::AsyncStore store);
  Authenticator(AuthOptions options, std::shared_ptr<store::Store> store);

  using HeaderLookup = std::function<std::string_view(std::string_view lower_name)>;
  // The principal, or why not. `resource_url` is the canonical URL of the endpoint called.
  std::variant<Principal, Refusal> authenticate(const HeaderLookup& header, const std::string& resource_url);
  // Whether some requests must go through authenticate_async (an AsyncTokenVerifier is configured).
  bool needs_async() const { return accepts(Mode::oauth) && options_.async_token_verifier != nullptr; }
  // Whether this request's decision awaits something: the AsyncTokenVerifier (it carries an OAuth
  // token), or the store for an API key that is not cached. Then authenticate_async(header, ...),
  // else authenticate().
  bool needs_async(const HeaderLookup& header);
  // The decision without blocking the caller's event loop; reads what it needs from `header`
  // before it returns (the request may go before the decision comes).
  Task<std::variant<Principal, Refusal>> authenticate_async(const HeaderLookup& header, std::string resource_url);
  // oauth with the AsyncTokenVerifier: `authorization` is the Authorization header (an API key
  // there is checked as authenticate() would). A check that could not be made is a 503 Refusal
  // (error temporarily_unavailable, no challenge).
  Task<std::variant<Principal, Refusal>> authenticate_async(std::string authorization, std::string resource_url);

  // The methods accepted (options().methods, else options().mode alone).
  const std::vector<Mode>& methods() const { return methods_; }
  bool accepts(Mode m) const { return std::find(methods_.begin(), methods_.end(), m) != methods_.end(); }
  // Whether clients can get a token by OAuth here: oauth accepted with an authorization server to
  // name. Only then do challenges carry resource_metadata and is the RFC 9728 document served;
  // otherwise (api_key, header) an OAuth client would try dynamic registration against nothing
  // instead of telling its user that the key is wrong.
  bool offers_oauth() const { return accepts(Mode::oauth) && !options_.authorization_servers.empty(); }
  // The RFC 9728 document for `resource_url` (served only when offers_oauth()).
  json::object protected_resource_metadata(const std::string& resource_url) const;
  std::string metadata_url(const std::string& resource_url) const;

  // Per-tool permissions.
  bool may_call(const Principal& p, std::string_view tool) const;
  // The scopes any of which would allow `tool` (for a 403 insufficient_scope challenge).
  std::vector<std::string> scopes_for(std::string_view tool) const;
  Refusal insufficient_scope(std::string_view tool, const std::string& resource_url) const;

  const AuthOptions& options() const { return options_; }

 private:
  Authenticator(store::AsyncStore db, AuthOptions options, std::shared_ptr<store::Store> store);
  struct Cached {
    std::optional<store::ApiKey> key;
    std::vector<std::string> roles;  // the user's, for a key without scopes
    std::chrono::steady_clock::time_point at;
  };
  Cached lookup_key(const std::string& hash);
  Task<Cached> lookup_key_async(std::string hash);
  // The cache's entry for `hash` if still fresh, else nullopt and the generation to keep() under.
  std::optional<Cached> cached(const std::string& hash, std::uint64_t& generation);
  void keep(const std::string& hash, const Cached& found, std::uint64_t generation);
  std::string_view presented_key(const HeaderLookup& header) const;
  std::variant<Principal, Refusal> decide_key(std::string_view key, Cached found, const std::string& resource_url);
  Task<std::variant<Principal, Refusal>> authenticate_key(std::string key, std::string resource_url);
  // The accepted method this request's credential is for (by its form); none when it has none.
  Mode method_of(const HeaderLookup& header) const;
  Refusal unauthorized(const std::string& resource_url, std::string error, std::string description) const;

  AuthOptions options_;
  std::vector<Mode> methods_;
  std::shared_ptr<store::Store> store_;
  store::AsyncStore db_;  // the same store, awaited (api_key mode)
  std::mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;
  std::uint64_t cache_generation_ = 0;  // bumped when the store says keys changed (under cache_mu_)
  // The store's change notices (a shared store: a key revoked on another replica), which drop
  // the cache at once instead of after key_cache_ttl. Last: stopped before the rest goes.
  std::unique_ptr<store::ChangeFeed> feed_;
};

// API keys: "mcpb_" + 43 random characters; the store keeps only their SHA-256.
struct NewApiKey {
  std::string secret;  // shown once
  store::ApiKey record;
};
NewApiKey make_api_key(std::string user, std::string team, std::vector<std::string> scopes, std::string label,
                       std::int64_t expires_at);
bool glob_match(std::string_view pattern, std::string_view name);

// Auth audit events (sign-ins, tokens, registrations, key failures): one line each through the
// "audit" logger (else the default one), the gateway's per-call audit style: a JSON object whose
// "audit" member names the event. Never put a secret in `event`; fingerprint() it at most.
void audit_event(json::object event);
// The first 12 hex digits of SHA-256(secret): enough to correlate lines, useless to replay.
std::string fingerprint(std::string_view secret);

// "scrypt$N$r$p$salt$hash" (scrypt N=2^15, r=8, p=1).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace mcp::auth
