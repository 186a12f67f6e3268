// The embedded store on SQLite 3. Schema changes are numbered migrations applied in order
// inside one transaction each; PRAGMA user_version records the last one applied.
#include <mcp/store/store.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
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

#define MCP_CLIENT_COLS \
  "SELECT id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, created_at, dynamic " \
  "FROM oauth_clients"

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

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::string text(int i) const {
    auto* p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) {
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
    sqlite3_busy_timeout(db_, 5000);  // the CLI and the server may write at the same time
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    migrate();
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  void put_user(const User& u) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO users (id, team, roles, password_hash, created_at) VALUES (?,?,?,?,?)");
    s.bind(1, u.id).bind(2, u.team).bind(3, join(u.roles)).bind(4, u.password_hash).bind(5, u.created_at).step();
  }

  std::optional<User> find_user(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT id, team, roles, password_hash, created_at FROM users WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return user_of(s);
  }

  std::vector<User> list_users() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT id, team, roles, password_hash, created_at FROM users ORDER BY id");
    std::vector<User> out;
    while (s.step()) out.push_back(user_of(s));
    return out;
  }

  void put_api_key(const ApiKey& k) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO api_keys (id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at) "
           "VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(1, k.id).bind(2, k.hash).bind(3, k.user).bind(4, k.team).bind(5, join(k.scopes)).bind(6, k.label);
    s.bind(7, k.created_at).bind(8, k.expires_at).bind(9, k.revoked_at).step();
  }

  std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at "
                "FROM api_keys WHERE hash = ?");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    return key_of(s);
  }

  std::vector<ApiKey> list_api_keys() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT id, hash, user_id, team, scopes, label, created_at, expires_at, revoked_at "
                "FROM api_keys ORDER BY created_at, id");
    std::vector<ApiKey> out;
    while (s.step()) out.push_back(key_of(s));
    return out;
  }

  bool revoke_api_key(std::string_view id, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
    s.bind(1, now).bind(2, id).step();
    return sqlite3_changes(db_) > 0;
  }

  void put_vault_secret(const VaultSecret& v) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO vault_secrets (subject, upstream, sealed, updated_at) VALUES (?,?,?,?)");
    s.bind(1, v.subject).bind(2, v.upstream).bind(3, v.sealed).bind(4, v.updated_at).step();
  }

  std::optional<VaultSecret> find_vault_secret(std::string_view subject, std::string_view upstream) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT subject, upstream, sealed, updated_at FROM vault_secrets WHERE subject = ? AND upstream = ?");
    s.bind(1, subject).bind(2, upstream);
    if (!s.step()) return std::nullopt;
    return VaultSecret{s.text(0), s.text(1), s.text(2), s.integer(3)};
  }

  std::vector<VaultSecret> list_vault_secrets(std::string_view subject) override {
    std::lock_guard lock(mu_);
    // An empty string_view may have a null data(), which SQLite binds as NULL: two statements.
    Stmt s(db_, subject.empty() ? "SELECT subject, upstream, sealed, updated_at FROM vault_secrets ORDER BY subject, upstream"
                                : "SELECT subject, upstream, sealed, updated_at FROM vault_secrets WHERE subject = ? "
                                  "ORDER BY subject, upstream");
    if (!subject.empty()) s.bind(1, subject);
    std::vector<VaultSecret> out;
    while (s.step()) out.push_back(VaultSecret{s.text(0), s.text(1), s.text(2), s.integer(3)});
    return out;
  }

  bool remove_vault_secret(std::string_view subject, std::string_view upstream) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM vault_secrets WHERE subject = ? AND upstream = ?");
    s.bind(1, subject).bind(2, upstream).step();
    return sqlite3_changes(db_) > 0;
  }

  bool put_connection(const StoredConnection& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR IGNORE INTO connections (name, spec, created_by, created_at) VALUES (?,?,?,?)");
    s.bind(1, c.name).bind(2, c.spec).bind(3, c.created_by).bind(4, c.created_at).step();
    return sqlite3_changes(db_) > 0;
  }

  std::vector<StoredConnection> list_connections() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT name, spec, created_by, created_at FROM connections ORDER BY name");
    std::vector<StoredConnection> out;
    while (s.step()) out.push_back(StoredConnection{s.text(0), s.text(1), s.text(2), s.integer(3)});
    return out;
  }

  bool remove_connection(std::string_view name) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM connections WHERE name = ?");
    s.bind(1, name).step();
    return sqlite3_changes(db_) > 0;
  }

  bool put_idempotency(const IdempotencyRecord& r, std::int64_t now) override {
    std::lock_guard lock(mu_);
    // An expired record with the same key is replaced; a live one wins.
    Stmt d(db_, "DELETE FROM idempotency WHERE scope = ? AND tool = ? AND key = ? AND expires_at <= ?");
    d.bind(1, r.scope).bind(2, r.tool).bind(3, r.key).bind(4, now).step();
    Stmt s(db_, "INSERT OR IGNORE INTO idempotency (scope, tool, key, fingerprint, result, expires_at) "
                "VALUES (?,?,?,?,?,?)");
    s.bind(1, r.scope).bind(2, r.tool).bind(3, r.key).bind(4, r.fingerprint).bind(5, r.result).bind(6, r.expires_at);
    s.step();
    return sqlite3_changes(db_) > 0;
  }

  std::optional<IdempotencyRecord> find_idempotency(std::string_view scope, std::string_view tool, std::string_view key,
                                                    std::int64_t now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT scope, tool, key, fingerprint, result, expires_at FROM idempotency "
                "WHERE scope = ? AND tool = ? AND key = ? AND expires_at > ?");
    s.bind(1, scope).bind(2, tool).bind(3, key).bind(4, now);
    if (!s.step()) return std::nullopt;
    return IdempotencyRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
  }

  void purge_idempotency(std::int64_t now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM idempotency WHERE expires_at <= ?");
    s.bind(1, now).step();
  }

  // --- OAuth ---------------------------------------------------------------------------------

  void put_oauth_client(const OAuthClient& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT OR REPLACE INTO oauth_clients (id, secret_hash, name, redirect_uris, auth_method, grant_types, "
           "scope, metadata, created_at, dynamic) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, c.id).bind(2, c.secret_hash).bind(3, c.name).bind(4, join(c.redirect_uris)).bind(5, c.auth_method);
    s.bind(6, join(c.grant_types)).bind(7, c.scope).bind(8, c.metadata).bind(9, c.created_at);
    s.bind(10, static_cast<std::int64_t>(c.dynamic)).step();
  }

  std::optional<OAuthClient> find_oauth_client(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, MCP_CLIENT_COLS " WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return client_of(s);
  }

  std::vector<OAuthClient> list_oauth_clients() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, MCP_CLIENT_COLS " ORDER BY created_at, id");
    std::vector<OAuthClient> out;
    while (s.step()) out.push_back(client_of(s));
    return out;
  }

  std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t registered_before) override {
    // Never authorized: no consent, no token, ever (codes alone do not count: one is issued
    // only after a consent).
    static constexpr const char* kAbandoned =
        "dynamic = 1 AND created_at < ?1"
        " AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens a WHERE a.client_id = oauth_clients.id)"
        " AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.client_id = oauth_clients.id)"
        " AND NOT EXISTS (SELECT 1 FROM oauth_consents c WHERE c.client_id = oauth_clients.id)";
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    std::vector<std::string> ids;
    const std::string sql = std::string("SELECT id FROM oauth_clients WHERE ") + kAbandoned + " LIMIT 10000";
    Stmt q(db_, sql.c_str());
    q.bind(1, registered_before);
    while (q.step()) ids.push_back(q.text(0));
    for (auto& id : ids) {
      Stmt c(db_, "DELETE FROM oauth_codes WHERE client_id = ?");
      c.bind(1, id).step();
      Stmt d(db_, "DELETE FROM oauth_clients WHERE id = ?");
      d.bind(1, id).step();
    }
    tx.commit();
    return ids;
  }

  bool remove_oauth_client(std::string_view id) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    Stmt s(db_, "DELETE FROM oauth_clients WHERE id = ?");
    s.bind(1, id).step();
    bool removed = sqlite3_changes(db_) > 0;
    auto now = unix_now();
    Stmt r(db_, "UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at = 0");
    r.bind(1, now).bind(2, id).step();
    Stmt a(db_, "UPDATE oauth_access_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at = 0");
    a.bind(1, now).bind(2, id).step();
    Stmt c(db_, "DELETE FROM oauth_consents WHERE client_id = ?");
    c.bind(1, id).step();
    tx.commit();
    return removed;
  }

  void put_oauth_code(const OAuthCode& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, "
           "expires_at, used_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, c.hash).bind(2, c.client_id).bind(3, c.user).bind(4, c.redirect_uri).bind(5, c.code_challenge);
    s.bind(6, c.scope).bind(7, c.resource).bind(8, c.family).bind(9, c.expires_at).bind(10, c.used_at).step();
    // Old codes are useless after a while (kept a day for reuse detection).
    Stmt gc(db_, "DELETE FROM oauth_codes WHERE expires_at < ?");
    gc.bind(1, unix_now() - 86400).step();
  }

  std::optional<OAuthCode> use_oauth_code(std::string_view hash, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    Stmt s(db_,
           "SELECT hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, expires_at, used_at "
           "FROM oauth_codes WHERE hash = ?");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    OAuthCode c{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                s.integer(8), s.integer(9)};
    if (c.used_at == 0) {
      Stmt u(db_, "UPDATE oauth_codes SET used_at = ? WHERE hash = ?");
      u.bind(1, now).bind(2, hash).step();
    }
    tx.commit();
    return c;
  }

  void put_oauth_refresh(const OAuthRefresh& r) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO oauth_refresh_tokens (hash, family, client_id, user_id, scope, resource, created_at, "
           "expires_at, rotated_at, revoked_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, r.hash).bind(2, r.family).bind(3, r.client_id).bind(4, r.user).bind(5, r.scope).bind(6, r.resource);
    s.bind(7, r.created_at).bind(8, r.expires_at).bind(9, r.rotated_at).bind(10, r.revoked_at).step();
    Stmt gc(db_, "DELETE FROM oauth_refresh_tokens WHERE expires_at < ?");  // expired: cannot be replayed
    gc.bind(1, unix_now() - 86400).step();
  }

  std::optional<OAuthRefresh> find_oauth_refresh(std::string_view hash) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT hash, family, client_id, user_id, scope, resource, created_at, expires_at, rotated_at, revoked_at "
           "FROM oauth_refresh_tokens WHERE hash = ?");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    return OAuthRefresh{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                        s.integer(6), s.integer(7), s.integer(8), s.integer(9)};
  }

  bool rotate_oauth_refresh(std::string_view hash, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "UPDATE oauth_refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at = 0 AND revoked_at = 0");
    s.bind(1, now).bind(2, hash).step();
    return sqlite3_changes(db_) > 0;
  }

  void revoke_oauth_family(std::string_view family, std::int64_t now) override {
    std::lock_guard lock(mu_);
    revoke_family_locked(family, now);
  }

  void put_oauth_access(const OAuthAccess& a) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT INTO oauth_access_tokens (jti, family, client_id, expires_at, revoked_at) VALUES (?,?,?,?,?)");
    s.bind(1, a.jti).bind(2, a.family).bind(3, a.client_id).bind(4, a.expires_at).bind(5, a.revoked_at).step();
    Stmt gc(db_, "DELETE FROM oauth_access_tokens WHERE expires_at < ?");  // expired: nothing to deny
    gc.bind(1, unix_now() - 3600).step();
  }

  std::optional<OAuthAccess> find_oauth_access(std::string_view jti) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT jti, family, client_id, expires_at, revoked_at FROM oauth_access_tokens WHERE jti = ?");
    s.bind(1, jti);
    if (!s.step()) return std::nullopt;
    return OAuthAccess{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)};
  }

  bool revoke_oauth_access(std::string_view jti, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "UPDATE oauth_access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at = 0");
    s.bind(1, now).bind(2, jti).step();
    return sqlite3_changes(db_) > 0;
  }

  void put_oauth_consent(const OAuthConsent& c) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT OR REPLACE INTO oauth_consents (user_id, client_id, scope, resource, created_at) VALUES (?,?,?,?,?)");
    s.bind(1, c.user).bind(2, c.client_id).bind(3, c.scope).bind(4, c.resource).bind(5, c.created_at).step();
  }

  std::optional<OAuthConsent> find_oauth_consent(std::string_view user, std::string_view client_id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT user_id, client_id, scope, resource, created_at FROM oauth_consents "
                "WHERE user_id = ? AND client_id = ?");
    s.bind(1, user).bind(2, client_id);
    if (!s.step()) return std::nullopt;
    return OAuthConsent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
  }

  std::vector<OAuthConsent> list_oauth_consents(std::string_view user) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT user_id, client_id, scope, resource, created_at FROM oauth_consents "
                "WHERE user_id = ? ORDER BY client_id");
    s.bind(1, user);
    std::vector<OAuthConsent> out;
    while (s.step()) out.push_back(OAuthConsent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)});
    return out;
  }

  bool revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    Stmt d(db_, "DELETE FROM oauth_consents WHERE user_id = ? AND client_id = ?");
    d.bind(1, user).bind(2, client_id).step();
    bool removed = sqlite3_changes(db_) > 0;
    std::vector<std::string> families;
    {
      Stmt f(db_, "SELECT DISTINCT family FROM oauth_refresh_tokens WHERE user_id = ? AND client_id = ?");
      f.bind(1, user).bind(2, client_id);
      while (f.step()) families.push_back(f.text(0));
    }
    for (auto& fam : families) revoke_family_locked(fam, now);
    tx.commit();
    return removed;
  }

  void put_signing_key(const SigningKey& k) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO signing_keys (kid, alg, public_jwk, private_enc, created_at, retired_at) "
                "VALUES (?,?,?,?,?,?)");
    s.bind(1, k.kid).bind(2, k.alg).bind(3, k.public_jwk).bind(4, k.private_enc).bind(5, k.created_at);
    s.bind(6, k.retired_at).step();
  }

  std::vector<SigningKey> list_signing_keys() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT kid, alg, public_jwk, private_enc, created_at, retired_at FROM signing_keys "
                "ORDER BY created_at DESC, rowid DESC");
    std::vector<SigningKey> out;
    while (s.step()) out.push_back(SigningKey{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5)});
    return out;
  }

  int schema_version() override {
    std::lock_guard lock(mu_);
    return read_version();
  }

 private:
  static User user_of(const Stmt& s) { return User{s.text(0), s.text(1), split(s.text(2)), s.text(3), s.integer(4)}; }
  static ApiKey key_of(const Stmt& s) {
    return ApiKey{s.text(0), s.text(1), s.text(2), s.text(3), split(s.text(4)), s.text(5),
                  s.integer(6), s.integer(7), s.integer(8)};
  }

  static OAuthClient client_of(const Stmt& s) {
    OAuthClient c{s.text(0), s.text(1), s.text(2), split(s.text(3)), s.text(4), split(s.text(5)),
                  s.text(6), s.text(7), s.integer(8)};
    c.dynamic = s.integer(9) != 0;
    return c;
  }

  // Called with mu_ held.
  void revoke_family_locked(std::string_view family, std::int64_t now) {
    Stmt r(db_, "UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0");
    r.bind(1, now).bind(2, family).step();
    Stmt a(db_, "UPDATE oauth_access_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0");
    a.bind(1, now).bind(2, family).step();
  }

  // BEGIN IMMEDIATE .. COMMIT, rolled back if commit() was not reached (mu_ held by the caller).
  class Transaction {
   public:
    explicit Transaction(SqliteStore& s) : s_(s) { s_.exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
      if (!done_) {
        try {
          s_.exec("ROLLBACK");
        } catch (...) {
        }
      }
    }
    void commit() {
      s_.exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& s_;
    bool done_ = false;
  };

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + msg);
    }
  }

  int read_version() {
    Stmt s(db_, "PRAGMA user_version");
    s.step();
    return static_cast<int>(s.integer(0));
  }

  void migrate() {
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

  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

}  // namespace

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

std::unique_ptr<Store> open_sqlite(const std::string& path) { return std::make_unique<SqliteStore>(path); }
int sqlite_schema_version() { return static_cast<int>(std::size(kMigrations)); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mcp::store
