#pragma once
// The store: what mcpbridge persists (users, API keys, OAuth clients, grants, tokens, vault,
// connections, idempotency records), behind an interface: the embedded SQLite, or PostgreSQL
// when several replicas share it. Secrets are stored only as hashes. Calls are synchronous and
// short (indexed lookups); request handlers on an event loop await them through AsyncStore
// (async_store.hpp), which runs them on a small pool, and cache what they read on hot paths.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::store {

struct User {
  std::string id;  // the login name
  std::string team;
  std::vector<std::string> roles;
  std::string password_hash;  // "scrypt$N$r$p$salt$hash" (empty: cannot sign in)
  std::int64_t created_at = 0;
};

struct ApiKey {
  std::string id;        // public identifier, e.g. "k_3Fq9..." (shown in listings)
  std::string hash;      // SHA-256 of the secret key, hex
  std::string user;      // whose permissions it carries
  std::string team;
  std::vector<std::string> scopes;  // empty: the user's full permissions
  std::string label;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;  // 0: never
  std::int64_t revoked_at = 0;  // 0: live
};

// One principal's own secret for one upstream (the per-user credential vault), sealed with
// AES-256-GCM by mcp::sources::Vault: the store never sees it in clear.
struct VaultSecret {
  std::string subject;   // the principal's subject (user id)
  std::string upstream;  // the source's name
  std::string sealed;    // nonce || ciphertext || tag, base64
  std::int64_t updated_at = 0;
};

// A custom connection added at run time (admin API or `mcpbridge connections add`), beside
// those of the configuration file. `spec` is its configuration entry as JSON (the same keys).
struct StoredConnection {
  std::string name;
  std::string spec;
  std::string created_by;  // the principal's subject, or "cli"
  std::int64_t created_at = 0;
};

// What a non-safe tool call returned, kept so that a retry with the same Idempotency-Key gets
// the same answer instead of repeating the side effect.
struct IdempotencyRecord {
  std::string scope;        // the principal's binding
  std::string tool;
  std::string key;          // the Idempotency-Key
  std::string fingerprint;  // SHA-256 of the canonical arguments
  std::string result;       // the tool result, JSON
  std::int64_t expires_at = 0;
};

// --- The built-in OAuth authorization server (src/authz) ---------------------------------------

struct OAuthClient {
  std::string id;           // client_id
  std::string secret_hash;  // SHA-256 of the client secret, hex ("" for public clients)
  std::string name;
  std::vector<std::string> redirect_uris;
  std::string auth_method = "none";  // none | client_secret_basic | client_secret_post
  std::vector<std::string> grant_types;
  std::string scope;             // space separated; what it may ask for ("" = any supported)
  std::string metadata;          // the registration request as JSON (for display)
  std::int64_t created_at = 0;
  bool dynamic = false;  // registered through RFC 7591 (swept when abandoned)
};

// An authorization code; only its hash is kept. Single use: `used_at` set by the first exchange.
struct OAuthCode {
  std::string hash;
  std::string client_id;
  std::string user;
  std::string redirect_uri;
  std::string code_challenge;  // S256
  std::string scope;
  std::string resource;
  std::string family;  // the grant it starts: reuse of the code revokes everything in it
  std::int64_t expires_at = 0;
  std::int64_t used_at = 0;
};

// A refresh token (hash only). Rotation keeps the family; a rotated token presented again
// revokes the whole family.
struct OAuthRefresh {
  std::string hash;
  std::string family;
  std::string client_id;
  std::string user;
  std::string scope;
  std::string resource;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t rotated_at = 0;  // replaced by a newer token
  std::int64_t revoked_at = 0;
};

// An issued JWT access token, by jti: the deny list the resource server checks.
struct OAuthAccess {
  std::string jti;
  std::string family;  // "" for client_credentials
  std::string client_id;
  std::int64_t expires_at = 0;
  std::int64_t revoked_at = 0;
};

struct OAuthConsent {
  std::string user;
  std::string client_id;
  std::string scope;
  std::string resource;
  std::int64_t created_at = 0;
};

// An ES256 signing key: the private key is AES-256-GCM encrypted under the configured key.
struct SigningKey {
  std::string kid;
  std::string alg = "ES256";
  std::string public_jwk;   // JSON
  std::string private_enc;  // base64url(nonce | ciphertext | tag) of the PKCS#8 DER
  std::int64_t created_at = 0;
  std::int64_t retired_at = 0;  // no longer signs; published until its tokens expire
};

// A subscription to the store's change notices; destroying it stops it (promptly, joining its
// thread). Kinds: "api_key", "user", "consent", "oauth_client", "connection", "vault", and "*"
// (anything may have changed: the feed was (re)connected and may have missed notices).
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Calls `on_change` (on the feed's own thread) when another process, or this one, changed
  // something that cached copies must drop. nullptr: this store has no feed (SQLite: one
  // process, callers poll).
  virtual std::unique_ptr<ChangeFeed> watch(std::function<void(std::string_view kind)> on_change);

  // How many calls it serves at once (AsyncStore's pool size): its connections; 1 when calls
  // are serialised anyway (SQLite's one connection).
  virtual std::size_t concurrency() const { return 1; }

  virtual void put_user(const User& u) = 0;  // insert or replace
  virtual std::optional<User> find_user(std::string_view id) = 0;
  virtual std::vector<User> list_users() = 0;

  virtual void put_api_key(const ApiKey& k) = 0;
  virtual std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) = 0;
  virtual std::vector<ApiKey> list_api_keys() = 0;
  // Marks a key revoked; false when no live key has that id.
  virtual bool revoke_api_key(std::string_view id, std::int64_t now) = 0;

  virtual void put_oauth_client(const OAuthClient& c) = 0;  // insert or replace
  virtual std::optional<OAuthClient> find_oauth_client(std::string_view id) = 0;
  virtual std::vector<OAuthClient> list_oauth_clients() = 0;
  virtual bool remove_oauth_client(std::string_view id) = 0;  // and revokes its tokens

  virtual void put_oauth_code(const OAuthCode& c) = 0;
  // Marks the code used and returns it as it was before (used_at 0 on the first use).
  virtual std::optional<OAuthCode> use_oauth_code(std::string_view hash, std::int64_t now) = 0;

  virtual void put_oauth_refresh(const OAuthRefresh& r) = 0;
  virtual std::optional<OAuthRefresh> find_oauth_refresh(std::string_view hash) = 0;
  // Marks a live token rotated; false if it was already rotated or revoked (a race or reuse).
  virtual bool rotate_oauth_refresh(std::string_view hash, std::int64_t now) = 0;
  // Revokes every refresh and access token of a grant.
  virtual void revoke_oauth_family(std::string_view family, std::int64_t now) = 0;

  virtual void put_oauth_access(const OAuthAccess& a) = 0;
  virtual std::optional<OAuthAccess> find_oauth_access(std::string_view jti) = 0;
  virtual bool revoke_oauth_access(std::string_view jti, std::int64_t now) = 0;

  virtual void put_oauth_consent(const OAuthConsent& c) = 0;  // insert or replace
  virtual std::optional<OAuthConsent> find_oauth_consent(std::string_view user, std::string_view client_id) = 0;
  virtual std::vector<OAuthConsent> list_oauth_consents(std::string_view user) = 0;
  // Forgets the consent and revokes the grants it allowed.
  virtual bool revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) = 0;

  virtual void put_signing_key(const SigningKey& k) = 0;  // insert or replace
  virtual std::vector<SigningKey> list_signing_keys() = 0;  // newest first

  virtual int schema_version() = 0;

  // The credential vault and idempotency records. Stores that do not keep them throw
  // std::runtime_error saying so.
  virtual void put_vault_secret(const VaultSecret& s);  // insert or replace
  virtual std::optional<VaultSecret> find_vault_secret(std::string_view subject, std::string_view upstream);
  virtual std::vector<VaultSecret> list_vault_secrets(std::string_view subject);  // "" : everyone's
  virtual bool remove_vault_secret(std::string_view subject, std::string_view upstream);
  // Inserts; false when a live record with that scope, tool and key exists already.
  virtual bool put_idempotency(const IdempotencyRecord& r, std::int64_t now);
  virtual std::optional<IdempotencyRecord> find_idempotency(std::string_view scope, std::string_view tool,
                                                            std::string_view key, std::int64_t now);
  virtual void purge_idempotency(std::int64_t now);

  // Connections added at run time. put_connection inserts; false when the name is taken.
  virtual bool put_connection(const StoredConnection& c);
  virtual std::vector<StoredConnection> list_connections();
  virtual bool remove_connection(std::string_view name);

  // Deletes dynamically registered clients created before `registered_before` that never got
  // a consent or a token (and their codes); returns their ids.
  virtual std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t registered_before);
};

// Opens (creating and migrating) an SQLite database: WAL, synchronous=FULL so that a committed
// change survives kill -9 and power loss. Throws std::runtime_error on failure.
std::unique_ptr<Store> open_sqlite(const std::string& path);
// The schema version open_sqlite migrates to (the number of migrations).
int sqlite_schema_version();

// Connects to PostgreSQL (a libpq URI, postgresql://user[:password]@host[:port]/db?...) and
// migrates the schema once under an advisory lock (replicas may start together). The password
// comes from the URI, MCPBRIDGE_STORE_PASSWORD, PGPASSWORD or PGPASSFILE. Throws
// std::runtime_error (the URI in messages never carries the password).
std::unique_ptr<Store> open_postgres(const std::string& uri);

// postgresql:// or postgres:// : a PostgreSQL store; anything else is an SQLite file path.
bool is_postgres_uri(std::string_view path_or_uri);
std::unique_ptr<Store> open_store(const std::string& path_or_uri);

// A store location or any URL fit for logs and output: a URI's password (user:PASSWORD@ or
// password=...) replaced by "***"; a file path as it is.
std::string redact_uri(std::string_view path_or_uri);

std::int64_t unix_now();

}  // namespace mcp::store
