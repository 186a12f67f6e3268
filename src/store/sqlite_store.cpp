// The embedded store on SQLite 3: opening, statements, and the schema. Schema changes are
// numbered migrations applied in order inside one transaction each; PRAGMA user_version records
// the last one applied. The tables' statements are in sqlite_users.cpp, sqlite_gateway.cpp and
// sqlite_oauth.cpp.
#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

namespace mcp::store {
namespace {

constexpr const char* kMigrations[] = {
    // 1: users and API keys
    R"(CREATE TABLE users (
         id TEXT PRIMARY KEY,
         team TEXT NOT NULL DEFAULT '',
         roles TEXT NOT NULL DEFAULT '',
         password_hash TEXT NOT NULL DEFAULT '',
         created_at INTEGER NOT NULL
       ) STRICT;
       CREATE TABLE api_keys (
         id TEXT PRIMARY KEY,
         hash TEXT NOT NULL UNIQUE,
         user_id TEXT NOT NULL,
         team TEXT NOT NULL DEFAULT '',
         scopes TEXT NOT NULL DEFAULT '',
         label TEXT NOT NULL DEFAULT '',
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL DEFAULT 0,
         revoked_at INTEGER NOT NULL DEFAULT 0
       ) STRICT;)",
    // 2: the per-user credential vault (sealed secrets) and idempotency records (with expiry)
    R"(CREATE TABLE IF NOT EXISTS vault_secrets (
         subject TEXT NOT NULL,
         upstream TEXT NOT NULL,
         sealed TEXT NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (subject, upstream)
       ) STRICT;
       CREATE TABLE IF NOT EXISTS idempotency (
         scope TEXT NOT NULL,
         tool TEXT NOT NULL,
         key TEXT NOT NULL,
         fingerprint TEXT NOT NULL,
         result TEXT NOT NULL,
         expires_at INTEGER NOT NULL,
         PRIMARY KEY (scope, tool, key)
       ) STRICT;
       CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);)",
    // 3: the built-in OAuth authorization server. Codes, refresh tokens and client secrets are
    // kept only as SHA-256 hashes; signing keys only encrypted.
    R"(CREATE TABLE oauth_clients (
         id TEXT PRIMARY KEY,
         secret_hash TEXT NOT NULL DEFAULT '',
         name TEXT NOT NULL DEFAULT '',
         redirect_uris TEXT NOT NULL DEFAULT '',
         auth_method TEXT NOT NULL DEFAULT 'none',
         grant_types TEXT NOT NULL DEFAULT '',
         scope TEXT NOT NULL DEFAULT '',
         metadata TEXT NOT NULL DEFAULT '{}',
         created_at INTEGER NOT NULL
       ) STRICT;
       CREATE TABLE oauth_codes (
         hash TEXT PRIMARY KEY,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         redirect_uri TEXT NOT NULL,
         code_challenge TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         family TEXT NOT NULL,
         expires_at INTEGER NOT NULL,
         used_at INTEGER NOT NULL DEFAULT 0
       ) STRICT;
       CREATE TABLE oauth_refresh_tokens (
         hash TEXT PRIMARY KEY,
         family TEXT NOT NULL,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         rotated_at INTEGER NOT NULL DEFAULT 0,
         revoked_at INTEGER NOT NULL DEFAULT 0
       ) STRICT;
       CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens(family);
       CREATE INDEX oauth_refresh_user_client ON oauth_refresh_tokens(user_id, client_id);
       CREATE TABLE oauth_access_tokens (
         jti TEXT PRIMARY KEY,
         family TEXT NOT NULL DEFAULT '',
         client_id TEXT NOT NULL,
         expires_at INTEGER NOT NULL,
         revoked_at INTEGER NOT NULL DEFAULT 0
       ) STRICT;
       CREATE INDEX oauth_access_family ON oauth_access_tokens(family);
       CREATE TABLE oauth_consents (
         user_id TEXT NOT NULL,
         client_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at INTEGER NOT NULL,
         PRIMARY KEY (user_id, client_id)
       ) STRICT;
       CREATE TABLE signing_keys (
         kid TEXT PRIMARY KEY,
         alg TEXT NOT NULL,
         public_jwk TEXT NOT NULL,
         private_enc TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         retired_at INTEGER NOT NULL DEFAULT 0
       ) STRICT;)",
    // 4: dynamically registered OAuth clients, so that abandoned ones can be swept;
    // the sweep asks per client whether it ever got a token or a consent.
    R"(ALTER TABLE oauth_clients ADD COLUMN dynamic INTEGER NOT NULL DEFAULT 0;
       CREATE INDEX IF NOT EXISTS oauth_access_client ON oauth_access_tokens(client_id);
       CREATE INDEX IF NOT EXISTS oauth_refresh_client ON oauth_refresh_tokens(client_id);
       CREATE INDEX IF NOT EXISTS oauth_consent_client ON oauth_consents(client_id);
       CREATE INDEX IF NOT EXISTS oauth_code_client ON oauth_codes(client_id);)",
    // 5: connections added at run time (admin API, `mcpbridge connections add`)
    R"(CREATE TABLE connections (
         name TEXT PRIMARY KEY,
         spec TEXT NOT NULL,
         created_by TEXT NOT NULL DEFAULT '',
         created_at INTEGER NOT NULL
       ) STRICT;)",
};

}  // namespace

namespace detail {

void Stmt::prepare(const char* sql) {
  if (sqlite3_prepare_v2(db_, sql, -1, &s_, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

std::string Stmt::text(int i) const {
  auto* p = sqlite3_column_text(s_, i);
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

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

SqliteStore::SqliteStore(const std::string& path) {
  // A new database is created owner-only: it holds password hashes and token hashes. SQLite
  // gives its -wal and -shm files the database file's mode.
  if (path != ":memory:" && !path.empty())
    if (int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + err);
  }
  // A constructor that throws runs no destructor: the handle is closed here (a store from a
  // newer mcpbridge is refused by migrate()).
  try {
    sqlite3_busy_timeout(db_, 5000);  // the CLI and the server may write at the same time
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

int SqliteStore::schema_version() {
  std::lock_guard lock(mu_);
  return read_version();
}

SqliteStore::Transaction::~Transaction() {
  if (!done_) {
    try {
      s_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}

void SqliteStore::Transaction::commit() {
  s_.exec("COMMIT");
  done_ = true;
}

void SqliteStore::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

int SqliteStore::read_version() {
  Stmt s(db_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void SqliteStore::migrate() {
  int have = read_version();
  int want = static_cast<int>(std::size(kMigrations));
  if (have > want) throw std::runtime_error("database schema is newer than this mcpbridge (" + std::to_string(have) + ")");
  for (int v = have; v < want; ++v) {
    exec("BEGIN IMMEDIATE");  // another process may be migrating too: re-read under the lock
    try {
      if (read_version() > v) {
        exec("COMMIT");
        continue;
      }
      exec(kMigrations[v]);
      exec("PRAGMA user_version = " + std::to_string(v + 1));
      exec("COMMIT");
    } catch (...) {
      exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace detail

namespace {
[[noreturn]] void unsupported(const char* what) {
  throw std::runtime_error(std::string("this store does not keep ") + what);
}
}  // namespace

void Store::put_vault_secret(const VaultSecret&) { unsupported("vault secrets"); }
std::optional<VaultSecret> Store::find_vault_secret(std::string_view, std::string_view) { unsupported("vault secrets"); }
std::vector<VaultSecret> Store::list_vault_secrets(std::string_view) { unsupported("vault secrets"); }
bool Store::remove_vault_secret(std::string_view, std::string_view) { unsupported("vault secrets"); }
bool Store::put_idempotency(const IdempotencyRecord&, std::int64_t) { unsupported("idempotency records"); }
std::optional<IdempotencyRecord> Store::find_idempotency(std::string_view, std::string_view, std::string_view,
                                                         std::int64_t) {
  unsupported("idempotency records");
}
void Store::purge_idempotency(std::int64_t) { unsupported("idempotency records"); }
std::vector<std::string> Store::remove_abandoned_oauth_clients(std::int64_t) { unsupported("abandoned-client records"); }
bool Store::put_connection(const StoredConnection&) { unsupported("connections"); }
std::vector<StoredConnection> Store::list_connections() { unsupported("connections"); }
bool Store::remove_connection(std::string_view) { unsupported("connections"); }

std::unique_ptr<Store> open_sqlite(const std::string& path) { return std::make_unique<detail::SqliteStore>(path); }
int sqlite_schema_version() { return static_cast<int>(std::size(kMigrations)); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mcp::store
