#pragma once
// The store: what mcpbridge persists (users, API keys; later OAuth clients, grants, tokens),
// behind an interface so that PostgreSQL can replace the embedded SQLite. Secrets are stored
// only as hashes. Calls are synchronous and short (indexed lookups); callers on an event loop
// cache what they read on hot paths.
#include <cstdint>
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

class Store {
 public:
  virtual ~Store() = default;

  virtual void put_user(const User& u) = 0;  // insert or replace
  virtual std::optional<User> find_user(std::string_view id) = 0;
  virtual std::vector<User> list_users() = 0;

  virtual void put_api_key(const ApiKey& k) = 0;
  virtual std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) = 0;
  virtual std::vector<ApiKey> list_api_keys() = 0;
  // Marks a key revoked; false when no live key has that id.
  virtual bool revoke_api_key(std::string_view id, std::int64_t now) = 0;

  virtual int schema_version() = 0;
};

// Opens (creating and migrating) an SQLite database: WAL, synchronous=FULL so that a committed
// change survives kill -9 and power loss. Throws std::runtime_error on failure.
std::unique_ptr<Store> open_sqlite(const std::string& path);

std::int64_t unix_now();

}  // namespace mcp::store
