// SqlStore's users, API keys and gateway tables (per-user vault secrets, run-time connections,
// idempotency records), for both backends. Insert-if-absent is one statement (ON CONFLICT), so
// two replicas cannot both win. A change that other replicas cache (a user's roles, a key's
// revocation, a secret, a connection) is announced in its own transaction.
#include "store/sql_store.hpp"

#include <sstream>

namespace mcp::store::detail {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

namespace {

#define MCP_USER_COLS "SELECT id, team, roles, password_hash, created_at FROM users"
#define MCP_KEY_COLS "SELECT id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at FROM api_keys"
#define MCP_VAULT_COLS "SELECT subject, upstream, sealed, updated_at FROM vault_secrets"

User user_of(const SqlRow& s) { return User{s.text(0), s.text(1), split(s.text(2)), s.text(3), s.integer(4)}; }

ApiKey key_of(const SqlRow& s) {
  return ApiKey{s.text(0), s.text(1), s.text(2), s.text(3), split(s.text(4)), s.text(5),
                s.integer(6), s.integer(7), s.integer(8)};
}

VaultSecret vault_of(const SqlRow& s) { return VaultSecret{s.text(0), s.text(1), s.text(2), s.integer(3)}; }

StoredConnection connection_of(const SqlRow& s) {
  return StoredConnection{s.text(0), s.text(1), s.text(2), s.integer(3)};
}

IdempotencyRecord idempotency_of(const SqlRow& s) {
  return IdempotencyRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
}

}  // namespace

void SqlStore::put_user(const User& u) {
  run_notify("user",
             "INSERT INTO users (id, team, roles, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) "
             "ON CONFLICT (id) DO UPDATE SET team = excluded.team, roles = excluded.roles, "
             "password_hash = excluded.password_hash, created_at = excluded.created_at",
             u.id, u.team, join(u.roles), u.password_hash, u.created_at);
}

std::optional<User> SqlStore::find_user(std::string_view id) { return one(MCP_USER_COLS " WHERE id = $1", user_of, id); }

std::vector<User> SqlStore::list_users() { return all(MCP_USER_COLS " ORDER BY id", user_of); }

void SqlStore::put_api_key(const ApiKey& k) {
  // Announced too: a replica may have cached "unknown key" for this hash.
  run_notify("api_key",
             "INSERT INTO api_keys (id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
             k.id, k.hash, k.user, k.team, join(k.scopes), k.label, k.created_at, k.expires_at, k.revoked_at);
}

std::optional<ApiKey> SqlStore::find_api_key_by_hash(std::string_view hash) {
  return one(MCP_KEY_COLS " WHERE hash = $1", key_of, hash);
}

std::vector<ApiKey> SqlStore::list_api_keys() { return all(MCP_KEY_COLS " ORDER BY created_at, id", key_of); }

bool SqlStore::revoke_api_key(std::string_view id, std::int64_t now) {
  return run_notify("api_key", "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", now, id) > 0;
}

void SqlStore::put_vault_secret(const VaultSecret& v) {
  run_notify("vault",
             "INSERT INTO vault_secrets (subject, upstream, sealed, updated_at) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT (subject, upstream) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
             v.subject, v.upstream, v.sealed, v.updated_at);
}

std::optional<VaultSecret> SqlStore::find_vault_secret(std::string_view subject, std::string_view upstream) {
  return one(MCP_VAULT_COLS " WHERE subject = $1 AND upstream = $2", vault_of, subject, upstream);
}

std::vector<VaultSecret> SqlStore::list_vault_secrets(std::string_view subject) {
  if (subject.empty()) return all(MCP_VAULT_COLS " ORDER BY subject, upstream", vault_of);
  return all(MCP_VAULT_COLS " WHERE subject = $1 ORDER BY subject, upstream", vault_of, subject);
}

bool SqlStore::remove_vault_secret(std::string_view subject, std::string_view upstream) {
  return run_notify("vault", "DELETE FROM vault_secrets WHERE subject = $1 AND upstream = $2", subject, upstream) > 0;
}

bool SqlStore::put_connection(const StoredConnection& c) {
  return run_notify("connection",
                    "INSERT INTO connections (name, spec, created_by, created_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (name) DO NOTHING",
                    c.name, c.spec, c.created_by, c.created_at) > 0;
}

std::vector<StoredConnection> SqlStore::list_connections() {
  return all("SELECT name, spec, created_by, created_at FROM connections ORDER BY name", connection_of);
}

bool SqlStore::remove_connection(std::string_view name) {
  return run_notify("connection", "DELETE FROM connections WHERE name = $1", name) > 0;
}

bool SqlStore::put_idempotency(const IdempotencyRecord& r, std::int64_t now) {
  // Inserted, or replacing an expired record; a live one wins (no row changed).
  return run("INSERT INTO idempotency (scope, tool, key, fingerprint, result, expires_at) "
             "VALUES ($1, $2, $3, $4, $5, $6) "
             "ON CONFLICT (scope, tool, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
             "result = excluded.result, expires_at = excluded.expires_at WHERE idempotency.expires_at <= $7",
             r.scope, r.tool, r.key, r.fingerprint, r.result, r.expires_at, now) > 0;
}

std::optional<IdempotencyRecord> SqlStore::find_idempotency(std::string_view scope, std::string_view tool,
                                                            std::string_view key, std::int64_t now) {
  return one("SELECT scope, tool, key, fingerprint, result, expires_at FROM idempotency "
             "WHERE scope = $1 AND tool = $2 AND key = $3 AND expires_at > $4",
             idempotency_of, scope, tool, key, now);
}

void SqlStore::purge_idempotency(std::int64_t now) { run("DELETE FROM idempotency WHERE expires_at <= $1", now); }

}  // namespace mcp::store::detail
