// PgStore's gateway tables: per-user vault secrets, run-time connections and idempotency
// records. Insert-if-absent is one statement (ON CONFLICT), so two replicas cannot both win.
#include "store/pg_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_VAULT_COLS "SELECT subject, upstream, sealed, updated_at FROM vault_secrets"

VaultSecret vault_of(const PgRow& s) { return VaultSecret{s.text(0), s.text(1), s.text(2), s.integer(3)}; }

StoredConnection connection_of(const PgRow& s) {
  return StoredConnection{s.text(0), s.text(1), s.text(2), s.integer(3)};
}

IdempotencyRecord idempotency_of(const PgRow& s) {
  return IdempotencyRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
}

}  // namespace

void PgStore::put_vault_secret(const VaultSecret& v) {
  run_notify("vault",
             "INSERT INTO vault_secrets (subject, upstream, sealed, updated_at) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT (subject, upstream) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at",
             v.subject, v.upstream, v.sealed, v.updated_at);
}

std::optional<VaultSecret> PgStore::find_vault_secret(std::string_view subject, std::string_view upstream) {
  return one(MCP_VAULT_COLS " WHERE subject = $1 AND upstream = $2", vault_of, subject, upstream);
}

std::vector<VaultSecret> PgStore::list_vault_secrets(std::string_view subject) {
  if (subject.empty()) return all(MCP_VAULT_COLS " ORDER BY subject, upstream", vault_of);
  return all(MCP_VAULT_COLS " WHERE subject = $1 ORDER BY subject, upstream", vault_of, subject);
}

bool PgStore::remove_vault_secret(std::string_view subject, std::string_view upstream) {
  return run_notify("vault", "DELETE FROM vault_secrets WHERE subject = $1 AND upstream = $2", subject, upstream) > 0;
}

bool PgStore::put_connection(const StoredConnection& c) {
  return run_notify("connection",
                    "INSERT INTO connections (name, spec, created_by, created_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (name) DO NOTHING",
                    c.name, c.spec, c.created_by, c.created_at) > 0;
}

std::vector<StoredConnection> PgStore::list_connections() {
  return all("SELECT name, spec, created_by, created_at FROM connections ORDER BY name", connection_of);
}

bool PgStore::remove_connection(std::string_view name) {
  return run_notify("connection", "DELETE FROM connections WHERE name = $1", name) > 0;
}

bool PgStore::put_idempotency(const IdempotencyRecord& r, std::int64_t now) {
  // Inserted, or replacing an expired record; a live one wins (no row changed).
  return run("INSERT INTO idempotency (scope, tool, key, fingerprint, result, expires_at) "
             "VALUES ($1, $2, $3, $4, $5, $6) "
             "ON CONFLICT (scope, tool, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
             "result = EXCLUDED.result, expires_at = EXCLUDED.expires_at WHERE idempotency.expires_at <= $7",
             r.scope, r.tool, r.key, r.fingerprint, r.result, r.expires_at, now) > 0;
}

std::optional<IdempotencyRecord> PgStore::find_idempotency(std::string_view scope, std::string_view tool,
                                                           std::string_view key, std::int64_t now) {
  return one("SELECT scope, tool, key, fingerprint, result, expires_at FROM idempotency "
             "WHERE scope = $1 AND tool = $2 AND key = $3 AND expires_at > $4",
             idempotency_of, scope, tool, key, now);
}

void PgStore::purge_idempotency(std::int64_t now) { run("DELETE FROM idempotency WHERE expires_at <= $1", now); }

}  // namespace mcp::store::detail
