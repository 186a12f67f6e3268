#pragma once
// SqliteStore, the embedded store on SQLite 3, shared by its files: sqlite_store.cpp (opening,
// schema migrations), sqlite_users.cpp (users, API keys), sqlite_gateway.cpp (vault secrets,
// connections, idempotency records), sqlite_oauth.cpp (the authorization server's tables).
#include <sqlite3.h>

#include <mcp/store/store.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::store::detail {

// A prepared statement; the arguments after the SQL are bound to ?1, ?2, ... in order.
class Stmt {
 public:
  template <class... A>
  Stmt(sqlite3* db, const char* sql, const A&... args) : db_(db) {
    prepare(sql);
    int i = 0;
    (bind(++i, args), ...);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool step();  // true: a row is ready; false: done
  std::string text(int i) const;
  std::int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  void prepare(const char* sql);

  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Space-separated lists (roles, scopes, redirect URIs) in one column.
std::string join(const std::vector<std::string>& v);
std::vector<std::string> split(std::string_view s);

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  // sqlite_users.cpp
  void put_user(const User& u) override;
  std::optional<User> find_user(std::string_view id) override;
  std::vector<User> list_users() override;
  void put_api_key(const ApiKey& k) override;
  std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) override;
  std::vector<ApiKey> list_api_keys() override;
  bool revoke_api_key(std::string_view id, std::int64_t now) override;

  // sqlite_gateway.cpp
  void put_vault_secret(const VaultSecret& v) override;
  std::optional<VaultSecret> find_vault_secret(std::string_view subject, std::string_view upstream) override;
  std::vector<VaultSecret> list_vault_secrets(std::string_view subject) override;
  bool remove_vault_secret(std::string_view subject, std::string_view upstream) override;
  bool put_connection(const StoredConnection& c) override;
  std::vector<StoredConnection> list_connections() override;
  bool remove_connection(std::string_view name) override;
  bool put_idempotency(const IdempotencyRecord& r, std::int64_t now) override;
  std::optional<IdempotencyRecord> find_idempotency(std::string_view scope, std::string_view tool, std::string_view key,
                                                    std::int64_t now) override;
  void purge_idempotency(std::int64_t now) override;

  // sqlite_oauth.cpp
  void put_oauth_client(const OAuthClient& c) override;
  std::optional<OAuthClient> find_oauth_client(std::string_view id) override;
  std::vector<OAuthClient> list_oauth_clients() override;
  std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t registered_before) override;
  bool remove_oauth_client(std::string_view id) override;
  void put_oauth_code(const OAuthCode& c) override;
  std::optional<OAuthCode> use_oauth_code(std::string_view hash, std::int64_t now) override;
  void put_oauth_refresh(const OAuthRefresh& r) override;
  std::optional<OAuthRefresh> find_oauth_refresh(std::string_view hash) override;
  bool rotate_oauth_refresh(std::string_view hash, std::int64_t now) override;
  void revoke_oauth_family(std::string_view family, std::int64_t now) override;
  void put_oauth_access(const OAuthAccess& a) override;
  std::optional<OAuthAccess> find_oauth_access(std::string_view jti) override;
  bool revoke_oauth_access(std::string_view jti, std::int64_t now) override;
  void put_oauth_consent(const OAuthConsent& c) override;
  std::optional<OAuthConsent> find_oauth_consent(std::string_view user, std::string_view client_id) override;
  std::vector<OAuthConsent> list_oauth_consents(std::string_view user) override;
  bool revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) override;
  void put_signing_key(const SigningKey& k) override;
  std::vector<SigningKey> list_signing_keys() override;

  // sqlite_store.cpp
  int schema_version() override;

 private:
  // One statement under the lock, stepped once: how many rows it changed.
  template <class... A>
  int run(const char* sql, const A&... args) {
    std::lock_guard lock(mu_);
    Stmt(db_, sql, args...).step();
    return sqlite3_changes(db_);
  }
  // The first row of a query under the lock, read by `row`; nullopt when there is none.
  template <class Row, class... A>
  auto one(const char* sql, Row row, const A&... args) -> std::optional<decltype(row(std::declval<const Stmt&>()))> {
    std::lock_guard lock(mu_);
    Stmt s(db_, sql, args...);
    if (!s.step()) return std::nullopt;
    return row(s);
  }
  // Every row of a query under the lock, each read by `row`.
  template <class Row, class... A>
  auto all(const char* sql, Row row, const A&... args) -> std::vector<decltype(row(std::declval<const Stmt&>()))> {
    std::lock_guard lock(mu_);
    Stmt s(db_, sql, args...);
    std::vector<decltype(row(std::declval<const Stmt&>()))> out;
    while (s.step()) out.push_back(row(s));
    return out;
  }

  // BEGIN IMMEDIATE .. COMMIT, rolled back if commit() was not reached (mu_ held by the caller).
  class Transaction {
   public:
    explicit Transaction(SqliteStore& s) : s_(s) { s_.exec("BEGIN IMMEDIATE"); }
    ~Transaction();
    void commit();

   private:
    SqliteStore& s_;
    bool done_ = false;
  };

  void revoke_family_locked(std::string_view family, std::int64_t now);  // mu_ held
  void exec(const std::string& sql);
  int read_version();
  void migrate();

  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

}  // namespace mcp::store::detail
