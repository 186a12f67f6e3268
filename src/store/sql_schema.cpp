// The schema, one text for both dialects: numbered migrations applied in order (SQLite records
// the last one in PRAGMA user_version, PostgreSQL in schema_migrations). In the text, {int} is
// a 64-bit integer column (SQLite INTEGER, PostgreSQL BIGINT) and {strict} SQLite's STRICT table
// option; what only one dialect needs follows its migration.
#include <string>

#include "store/sql_store.hpp"

namespace mcp::store::detail {
namespace {

struct Migration {
  const char* shared;
  const char* postgres_only;
};

constexpr Migration kMigrations[] = {
    // 1: users and API keys
    {R"(CREATE TABLE users (
         id TEXT PRIMARY KEY,
         team TEXT NOT NULL DEFAULT '',
         roles TEXT NOT NULL DEFAULT '',
         password_hash TEXT NOT NULL DEFAULT '',
         created_at {int} NOT NULL
       ){strict};
       CREATE TABLE api_keys (
         id TEXT PRIMARY KEY,
         hash TEXT NOT NULL UNIQUE,
         user_id TEXT NOT NULL,
         team TEXT NOT NULL DEFAULT '',
         scopes TEXT NOT NULL DEFAULT '',
         label TEXT NOT NULL DEFAULT '',
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL DEFAULT 0,
         revoked_at {int} NOT NULL DEFAULT 0
       ){strict};)",
     nullptr},
    // 2: the per-user credential vault (sealed secrets) and idempotency records (with expiry)
    {R"(CREATE TABLE IF NOT EXISTS vault_secrets (
         subject TEXT NOT NULL,
         upstream TEXT NOT NULL,
         sealed TEXT NOT NULL,
         updated_at {int} NOT NULL,
         PRIMARY KEY (subject, upstream)
       ){strict};
       CREATE TABLE IF NOT EXISTS idempotency (
         scope TEXT NOT NULL,
         tool TEXT NOT NULL,
         key TEXT NOT NULL,
         fingerprint TEXT NOT NULL,
         result TEXT NOT NULL,
         expires_at {int} NOT NULL,
         PRIMARY KEY (scope, tool, key)
       ){strict};
       CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);)",
     nullptr},
    // 3: the built-in OAuth authorization server. Codes, refresh tokens and client secrets are
    // kept only as SHA-256 hashes; signing keys only encrypted.
    {R"(CREATE TABLE oauth_clients (
         id TEXT PRIMARY KEY,
         secret_hash TEXT NOT NULL DEFAULT '',
         name TEXT NOT NULL DEFAULT '',
         redirect_uris TEXT NOT NULL DEFAULT '',
         auth_method TEXT NOT NULL DEFAULT 'none',
         grant_types TEXT NOT NULL DEFAULT '',
         scope TEXT NOT NULL DEFAULT '',
         metadata TEXT NOT NULL DEFAULT '{}',
         created_at {int} NOT NULL
       ){strict};
       CREATE TABLE oauth_codes (
         hash TEXT PRIMARY KEY,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         redirect_uri TEXT NOT NULL,
         code_challenge TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         family TEXT NOT NULL,
         expires_at {int} NOT NULL,
         used_at {int} NOT NULL DEFAULT 0
       ){strict};
       CREATE TABLE oauth_refresh_tokens (
         hash TEXT PRIMARY KEY,
         family TEXT NOT NULL,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL,
         rotated_at {int} NOT NULL DEFAULT 0,
         revoked_at {int} NOT NULL DEFAULT 0
       ){strict};
       CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens(family);
       CREATE INDEX oauth_refresh_user_client ON oauth_refresh_tokens(user_id, client_id);
       CREATE TABLE oauth_access_tokens (
         jti TEXT PRIMARY KEY,
         family TEXT NOT NULL DEFAULT '',
         client_id TEXT NOT NULL,
         expires_at {int} NOT NULL,
         revoked_at {int} NOT NULL DEFAULT 0
       ){strict};
       CREATE INDEX oauth_access_family ON oauth_access_tokens(family);
       CREATE TABLE oauth_consents (
         user_id TEXT NOT NULL,
         client_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at {int} NOT NULL,
         PRIMARY KEY (user_id, client_id)
       ){strict};
       CREATE TABLE signing_keys (
         kid TEXT PRIMARY KEY,
         alg TEXT NOT NULL,
         public_jwk TEXT NOT NULL,
         private_enc TEXT NOT NULL,
         created_at {int} NOT NULL,
         retired_at {int} NOT NULL DEFAULT 0
       ){strict};)",
     // Signing keys list newest first; `seq` breaks ties within a second (SQLite's rowid).
     R"(CREATE SEQUENCE signing_keys_order;
        ALTER TABLE signing_keys ADD COLUMN seq BIGINT NOT NULL DEFAULT nextval('signing_keys_order');)"},
    // 4: dynamically registered OAuth clients, so that abandoned ones can be swept;
    // the sweep asks per client whether it ever got a token or a consent.
    {R"(ALTER TABLE oauth_clients ADD COLUMN dynamic {int} NOT NULL DEFAULT 0;
       CREATE INDEX IF NOT EXISTS oauth_access_client ON oauth_access_tokens(client_id);
       CREATE INDEX IF NOT EXISTS oauth_refresh_client ON oauth_refresh_tokens(client_id);
       CREATE INDEX IF NOT EXISTS oauth_consent_client ON oauth_consents(client_id);
       CREATE INDEX IF NOT EXISTS oauth_code_client ON oauth_codes(client_id);)",
     R"(CREATE INDEX oauth_code_expiry ON oauth_codes(expires_at);
        CREATE INDEX oauth_refresh_expiry ON oauth_refresh_tokens(expires_at);
        CREATE INDEX oauth_access_expiry ON oauth_access_tokens(expires_at);)"},
    // 5: connections added at run time (admin API, `mcpbridge connections add`)
    {R"(CREATE TABLE connections (
         name TEXT PRIMARY KEY,
         spec TEXT NOT NULL,
         created_by TEXT NOT NULL DEFAULT '',
         created_at {int} NOT NULL
       ){strict};)",
     nullptr},
};

std::string render(const Migration& m, SqlFlavor flavor) {
  const bool pg = flavor == SqlFlavor::kPostgres;
  std::string out = m.shared;
  auto replace_all = [&out](std::string_view from, std::string_view to) {
    for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
      out.replace(at, from.size(), to);
  };
  replace_all("{int}", pg ? "BIGINT" : "INTEGER");
  replace_all("{strict}", pg ? "" : " STRICT");
  if (pg && m.postgres_only) out.append("\n").append(m.postgres_only);
  return out;
}

std::vector<std::string> render_all(SqlFlavor flavor) {
  std::vector<std::string> out;
  for (const auto& m : kMigrations) out.push_back(render(m, flavor));
  return out;
}

}  // namespace

const std::vector<std::string>& migrations(SqlFlavor flavor) {
  static const std::vector<std::string> sqlite = render_all(SqlFlavor::kSqlite);
  static const std::vector<std::string> postgres = render_all(SqlFlavor::kPostgres);
  return flavor == SqlFlavor::kPostgres ? postgres : sqlite;
}

}  // namespace mcp::store::detail
