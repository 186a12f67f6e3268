// The embedded store on SQLite 3. Schema changes are numbered migrations applied in order
// inside one transaction each; PRAGMA user_version records the last one applied.
#include <mcp/store/store.hpp>

#include <sqlite3.h>

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
};

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

std::unique_ptr<Store> open_sqlite(const std::string& path) { return std::make_unique<SqliteStore>(path); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mcp::store
