// SqliteStore's gateway tables: per-user vault secrets, run-time connections and idempotency
// records.
#include "store/sqlite_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_VAULT_COLS "SELECT subject, upstream, sealed, updated_at FROM vault_secrets"

VaultSecret vault_of(const Stmt& s) { return VaultSecret{s.text(0), s.text(1), s.text(2), s.integer(3)}; }

StoredConnection connection_of(const Stmt& s) {
  return StoredConnection{s.text(0), s.text(1), s.text(2), s.integer(3)};
}

IdempotencyRecord idempotency_of(const Stmt& s) {
  return IdempotencyRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
}

}  // namespace

void SqliteStore::put_vault_secret(const VaultSecret& v) {
  run("INSERT OR REPLACE INTO vault_secrets (subject, upstream, sealed, updated_at) VALUES (?,?,?,?)", v.subject,
      v.upstream, v.sealed, v.updated_at);
}

std::optional<VaultSecret> SqliteStore::find_vault_secret(std::string_view subject, std::string_view upstream) {
  return one(MCP_VAULT_COLS " WHERE subject = ? AND upstream = ?", vault_of, subject, upstream);
}

std::vector<VaultSecret> SqliteStore::list_vault_secrets(std::string_view subject) {
  // An empty string_view may have a null data(), which SQLite binds as NULL: two statements.
  if (subject.empty()) return all(MCP_VAULT_COLS " ORDER BY subject, upstream", vault_of);
  return all(MCP_VAULT_COLS " WHERE subject = ? ORDER BY subject, upstream", vault_of, subject);
}

bool SqliteStore::remove_vault_secret(std::string_view subject, std::string_view upstream) {
  return run("DELETE FROM vault_secrets WHERE subject = ? AND upstream = ?", subject, upstream) > 0;
}

bool SqliteStore::put_connection(const StoredConnection& c) {
  return run("INSERT OR IGNORE INTO connections (name, spec, created_by, created_at) VALUES (?,?,?,?)", c.name, c.spec,
             c.created_by, c.created_at) > 0;
}

std::vector<StoredConnection> SqliteStore::list_connections() {
  return all("SELECT name, spec, created_by, created_at FROM connections ORDER BY name", connection_of);
}

bool SqliteStore::remove_connection(std::string_view name) {
  return run("DELETE FROM connections WHERE name = ?", name) > 0;
}

bool SqliteStore::put_idempotency(const IdempotencyRecord& r, std::int64_t now) {
  std::lock_guard lock(mu_);
  // An expired record with the same key is replaced; a live one wins.
  Stmt(db_, "DELETE FROM idempotency WHERE scope = ? AND tool = ? AND key = ? AND expires_at <= ?", r.scope, r.tool,
       r.key, now)
      .step();
  Stmt(db_,
       "INSERT OR IGNORE INTO idempotency (scope, tool, key, fingerprint, result, expires_at) VALUES (?,?,?,?,?,?)",
       r.scope, r.tool, r.key, r.fingerprint, r.result, r.expires_at)
      .step();
  return sqlite3_changes(db_) > 0;
}

std::optional<IdempotencyRecord> SqliteStore::find_idempotency(std::string_view scope, std::string_view tool,
                                                               std::string_view key, std::int64_t now) {
  return one("SELECT scope, tool, key, fingerprint, result, expires_at FROM idempotency "
             "WHERE scope = ? AND tool = ? AND key = ? AND expires_at > ?",
             idempotency_of, scope, tool, key, now);
}

void SqliteStore::purge_idempotency(std::int64_t now) { run("DELETE FROM idempotency WHERE expires_at <= ?", now); }

}  // namespace mcp::store::detail
