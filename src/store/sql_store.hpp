#pragma once
// SqlStore: the store's statements and row mapping, written once for both backends over a
// minimal executor. A backend supplies a session (run one statement with bound values, read its
// rows, announce a change), its schema bookkeeping and the few statements its dialect cannot
// share (SqlDialect, remove_abandoned_oauth_clients). Files: sql_store.cpp (users, API keys,
// vault, connections, idempotency), sql_oauth.cpp (the authorization server's tables),
// sql_schema.cpp (the migrations of both dialects). Values are bound as $1, $2, ...: PostgreSQL's
// positional parameters, and to SQLite named parameters that its session binds by that name.
#include <array>
#include <cstdint>
#include <functional>
#include <mcp/store/store.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mcp::store::detail {

// A value bound to a statement: text (an empty one binds as '', never NULL) or an integer.
using SqlArg = std::variant<std::string_view, std::int64_t>;

// A result row, read by column index (every column is TEXT or a 64-bit integer).
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;
};

// Statements on one connection, inside the transaction the store opened for them if any.
class SqlSession {
 public:
  using Each = std::function<void(const SqlRow&)>;
  virtual ~SqlSession() = default;
  // Runs one statement, calls `each` (when set) for every row; returns the rows it changed.
  virtual int exec(const char* sql, std::span<const SqlArg> args, const Each& each) = 0;
  // Announces a change of `kind` to other replicas when the transaction commits (PostgreSQL's
  // NOTIFY); nothing on a store without a change feed.
  virtual void notify(const char* kind) = 0;

  template <class... A>
  int run(const char* sql, const A&... a) {
    return exec(sql, bind(a...), nullptr);
  }
  template <class Read, class... A>
  auto all(const char* sql, Read read, const A&... a) {
    std::vector<decltype(read(std::declval<const SqlRow&>()))> out;
    exec(sql, bind(a...), [&](const SqlRow& r) { out.push_back(read(r)); });
    return out;
  }
  template <class Read, class... A>
  auto one(const char* sql, Read read, const A&... a) -> std::optional<decltype(read(std::declval<const SqlRow&>()))> {
    auto rows = all(sql, read, a...);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }

 private:
  static std::string_view value(std::string_view v) { return v; }
  static std::int64_t value(std::int64_t v) { return v; }
  template <class... A>
  static std::array<SqlArg, sizeof...(A)> bind(const A&... a) {
    return {SqlArg(value(a))...};
  }
};

// What the dialects write differently beyond the shared statements.
struct SqlDialect {
  const char* put_signing_key;   // insert or replace $1..$6; a replaced key counts as newest again
  const char* newest_key_order;  // orders signing keys created in the same second, newest first
};

// A dynamically registered client (alias o) that never got a consent or a token; $1: registered
// before. Codes alone do not count: one is issued only after a consent.
#define MCP_SQL_ABANDONED_CLIENT                                                    \
  "o.dynamic = 1 AND o.created_at < $1"                                             \
  " AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens a WHERE a.client_id = o.id)"  \
  " AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.client_id = o.id)" \
  " AND NOT EXISTS (SELECT 1 FROM oauth_consents c WHERE c.client_id = o.id)"

enum class SqlFlavor { kSqlite, kPostgres };
// The schema's numbered migrations in a dialect (sql_schema.cpp).
const std::vector<std::string>& migrations(SqlFlavor flavor);

// Space-separated lists (roles, scopes, redirect URIs) in one column.
std::string join(const std::vector<std::string>& v);
std::vector<std::string> split(std::string_view s);

class SqlStore : public Store {
 public:
  explicit SqlStore(const SqlDialect& dialect) : dialect_(dialect) {}

  // sql_store.cpp
  void put_user(const User& u) override;
  std::optional<User> find_user(std::string_view id) override;
  std::vector<User> list_users() override;
  void put_api_key(const ApiKey& k) override;
  std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) override;
  std::vector<ApiKey> list_api_keys() override;
  bool revoke_api_key(std::string_view id, std::int64_t now) override;
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

  // sql_oauth.cpp
  void put_oauth_client(const OAuthClient& c) override;
  std::optional<OAuthClient> find_oauth_client(std::string_view id) override;
  std::vector<OAuthClient> list_oauth_clients() override;
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

 protected:
  // Runs `body` on one connection; inside a transaction when `tx` (committed when `body`
  // returns, rolled back when it throws).
  virtual void session(bool tx, const std::function<void(SqlSession&)>& body) = 0;

  // One statement: how many rows it changed.
  template <class... A>
  int run(const char* sql, const A&... a) {
    int n = 0;
    session(false, [&](SqlSession& s) { n = s.run(sql, a...); });
    return n;
  }
  // One statement and, when it changed something, a change notice, in one transaction.
  template <class... A>
  int run_notify(const char* kind, const char* sql, const A&... a) {
    int n = 0;
    session(true, [&](SqlSession& s) {
      n = s.run(sql, a...);
      if (n > 0) s.notify(kind);
    });
    return n;
  }
  template <class Read, class... A>
  auto all(const char* sql, Read read, const A&... a) {
    decltype(std::declval<SqlSession&>().all(sql, read, a...)) out;
    session(false, [&](SqlSession& s) { out = s.all(sql, read, a...); });
    return out;
  }
  template <class Read, class... A>
  auto one(const char* sql, Read read, const A&... a) {
    decltype(std::declval<SqlSession&>().one(sql, read, a...)) out;
    session(false, [&](SqlSession& s) { out = s.one(sql, read, a...); });
    return out;
  }

 private:
  const SqlDialect& dialect_;
};

}  // namespace mcp::store::detail
