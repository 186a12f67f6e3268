// PgStore's users and API keys. A change other replicas cache (a user's roles, a key's
// revocation) is announced in its own transaction.
#include "store/pg_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_USER_COLS "SELECT id, team, roles, password_hash, created_at FROM users"
#define MCP_KEY_COLS "SELECT id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at FROM api_keys"

User user_of(const PgRow& s) { return User{s.text(0), s.text(1), split(s.text(2)), s.text(3), s.integer(4)}; }

ApiKey key_of(const PgRow& s) {
  return ApiKey{s.text(0), s.text(1), s.text(2), s.text(3), split(s.text(4)), s.text(5),
                s.integer(6), s.integer(7), s.integer(8)};
}

}  // namespace

void PgStore::put_user(const User& u) {
  run_notify("user",
             "INSERT INTO users (id, team, roles, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) "
             "ON CONFLICT (id) DO UPDATE SET team = EXCLUDED.team, roles = EXCLUDED.roles, "
             "password_hash = EXCLUDED.password_hash, created_at = EXCLUDED.created_at",
             u.id, u.team, join(u.roles), u.password_hash, u.created_at);
}

std::optional<User> PgStore::find_user(std::string_view id) { return one(MCP_USER_COLS " WHERE id = $1", user_of, id); }

std::vector<User> PgStore::list_users() { return all(MCP_USER_COLS " ORDER BY id", user_of); }

void PgStore::put_api_key(const ApiKey& k) {
  // Announced too: a replica may have cached "unknown key" for this hash.
  run_notify("api_key",
             "INSERT INTO api_keys (id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
             k.id, k.hash, k.user, k.team, join(k.scopes), k.label, k.created_at, k.expires_at, k.revoked_at);
}

std::optional<ApiKey> PgStore::find_api_key_by_hash(std::string_view hash) {
  return one(MCP_KEY_COLS " WHERE hash = $1", key_of, hash);
}

std::vector<ApiKey> PgStore::list_api_keys() { return all(MCP_KEY_COLS " ORDER BY created_at, id", key_of); }

bool PgStore::revoke_api_key(std::string_view id, std::int64_t now) {
  return run_notify("api_key", "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", now, id) > 0;
}

}  // namespace mcp::store::detail
