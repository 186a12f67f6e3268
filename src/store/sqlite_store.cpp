// The embedded store on SQLite 3: opening, statements, and the schema (sql_schema.cpp): numbered
// migrations applied in order inside one transaction each; PRAGMA user_version records the last
// one applied. The statements themselves are SqlStore's (sql_store.cpp, sql_oauth.cpp), run on
// the one connection under mu_.
#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace mcp::store {
namespace detail {
namespace {

// INSERT OR REPLACE gives a replaced key a new rowid: newest again.
const SqlDialect kSqliteDialect{
    "INSERT OR REPLACE INTO signing_keys (kid, alg, public_jwk, private_enc, created_at, retired_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    "rowid DESC"};

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(sqlite3* db) : db_(db) {}
  int exec(const char* sql, std::span<const SqlArg> args, const Each& each) override {
    Stmt s(db_, sql);
    s.bind(args);
    while (s.step())
      if (each) each(s);
    return s.read_only() ? 0 : sqlite3_changes(db_);
  }
  void notify(const char*) override {}  // one process: callers poll

 private:
  sqlite3* db_;
};

}  // namespace

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db_, sql, -1, &s_, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
}

void Stmt::bind(std::span<const SqlArg> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    int at = sqlite3_bind_parameter_index(s_, ("$" + std::to_string(i + 1)).c_str());
    if (at == 0) continue;  // not used by this statement
    if (auto* v = std::get_if<std::string_view>(&args[i]))
      sqlite3_bind_text(s_, at, v->data() ? v->data() : "", static_cast<int>(v->size()), SQLITE_TRANSIENT);
    else
      sqlite3_bind_int64(s_, at, std::get<std::int64_t>(args[i]));
  }
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

SqliteStore::SqliteStore(const std::string& path) : SqlStore(kSqliteDialect) {
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

void SqliteStore::session(bool tx, const std::function<void(SqlSession&)>& body) {
  std::lock_guard lock(mu_);
  SqliteSession s(db_);
  if (!tx) return body(s);
  exec("BEGIN IMMEDIATE");
  try {
    body(s);
    exec("COMMIT");
  } catch (...) {
    try {
      exec("ROLLBACK");
    } catch (...) {  // nothing to roll back: the failure already ended the transaction
    }
    throw;
  }
}

std::vector<std::string> SqliteStore::remove_abandoned_oauth_clients(std::int64_t registered_before) {
  // One writer at a time (BEGIN IMMEDIATE): what is selected is what is deleted.
  std::vector<std::string> ids;
  session(true, [&](SqlSession& s) {
    ids = s.all("SELECT id FROM oauth_clients o WHERE " MCP_SQL_ABANDONED_CLIENT " LIMIT 10000",
                [](const SqlRow& r) { return r.text(0); }, registered_before);
    for (auto& id : ids) {
      s.run("DELETE FROM oauth_codes WHERE client_id = $1", id);
      s.run("DELETE FROM oauth_clients WHERE id = $1", id);
    }
  });
  return ids;
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
  const auto& steps = migrations(SqlFlavor::kSqlite);
  int want = static_cast<int>(steps.size());
  if (have > want) throw std::runtime_error("database schema is newer than this mcpbridge (" + std::to_string(have) + ")");
  for (int v = have; v < want; ++v) {
    exec("BEGIN IMMEDIATE");  // another process may be migrating too: re-read under the lock
    try {
      if (read_version() > v) {
        exec("COMMIT");
        continue;
      }
      exec(steps[v]);
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
int sqlite_schema_version() { return static_cast<int>(detail::migrations(detail::SqlFlavor::kSqlite).size()); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mcp::store
