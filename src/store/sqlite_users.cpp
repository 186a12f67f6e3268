// SqliteStore's users and API keys.
#include "store/sqlite_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_USER_COLS "SELECT id, team, roles, password_hash, created_at FROM users"
#define MCP_KEY_COLS "SELECT id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at FROM api_keys"

User user_of(const Stmt& s) { return User{s.text(0), s.text(1), split(s.text(2)), s.text(3), s.integer(4)}; }

ApiKey key_of(const Stmt& s) {
  return ApiKey{s.text(0), s.text(1), s.text(2), s.text(3), split(s.text(4)), s.text(5),
                s.integer(6), s.integer(7), s.integer(8)};
}

}  // namespace

void SqliteStore::put_user(const User& u) {
  run("INSERT OR REPLACE INTO users (id, team, roles, password_hash, created_at) VALUES (?,?,?,?,?)", u.id, u.team,
      join(u.roles), u.password_hash, u.created_at);
}

std::optional<User> SqliteStore::find_user(std::string_view id) {
  return one(MCP_USER_COLS " WHERE id = ?", user_of, id);
}

std::vector<User> SqliteStore::list_users() { return all(MCP_USER_COLS " ORDER BY id", user_of); }

void SqliteStore::put_api_key(const ApiKey& k) {
  run("INSERT INTO api_keys (id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at) "
      "VALUES (?,?,?,?,?,?,?,?,?)",
      k.id, k.hash, k.user, k.team, join(k.scopes), k.label, k.created_at, k.expires_at, k.revoked_at);
}

std::optional<ApiKey> SqliteStore::find_api_key_by_hash(std::string_view hash) {
  return one(MCP_KEY_COLS " WHERE hash = ?", key_of, hash);
}

std::vector<ApiKey> SqliteStore::list_api_keys() { return all(MCP_KEY_COLS " ORDER BY created_at, id", key_of); }

bool SqliteStore::revoke_api_key(std::string_view id, std::int64_t now) {
  return run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0", now, id) > 0;
}

}  // namespace mcp::store::detail
