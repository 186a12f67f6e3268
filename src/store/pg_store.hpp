#pragma once
// PgStore, the store on PostgreSQL (libpq), shared by its files: pg_conn.cpp (connections, the
// pool, statements), pg_store.cpp (opening, schema migrations, the change feed), pg_users.cpp,
// pg_gateway.cpp and pg_oauth.cpp (the tables, as in the SQLite store). Every value is bound as
// a parameter ($1, $2, ...); nothing is concatenated into SQL. What must be atomic across
// replicas is one conditional statement or one transaction.
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mcp/store/store.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::store::detail {

// How to reach the server: the URI plus our defaults (connect_timeout, statement_timeout, TCP
// keepalives, a password from MCPBRIDGE_STORE_PASSWORD when the URI has none).
struct PgTarget {
  std::string uri;
  std::string shown;  // the URI without its password, for messages
  std::string password;  // from MCPBRIDGE_STORE_PASSWORD ("" : libpq's PGPASSWORD / PGPASSFILE)
  int connect_timeout_s = 5;
  int statement_timeout_ms = 10000;
  std::size_t pool_size = 4;
  std::chrono::milliseconds acquire_timeout{5000};

  static PgTarget from_uri(const std::string& uri);
  // Starts a non-blocking connection (PQconnectStartParams); the caller drives PQconnectPoll.
  PGconn* start_connect() const;
  // A connected connection or a std::runtime_error; bounded by connect_timeout_s.
  PGconn* connect() const;
};

// Server notices (e.g. "terminating connection") are not printed on stderr.
void quiet_notices(PGconn* c);

// Waits (poll) until PQconnectPoll finishes or `deadline`; `stop` is checked every 100 ms.
bool finish_connect(PGconn* c, std::chrono::steady_clock::time_point deadline, const std::function<bool()>& stop);

// A query's result; rows are read as text (the columns are TEXT or BIGINT).
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  ~PgResult() { PQclear(r_); }
  int rows() const { return PQntuples(r_); }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  int affected() const;  // rows an INSERT/UPDATE/DELETE changed

 private:
  PGresult* r_;
};

// A row cursor for the row readers (so that they read like the SQLite ones).
struct PgRow {
  const PgResult& r;
  int row;
  std::string text(int i) const { return r.text(row, i); }
  std::int64_t integer(int i) const { return r.integer(row, i); }
};

// Parameters in text form; empty string_views bind as '' (never NULL).
class PgParams {
 public:
  template <class... A>
  explicit PgParams(const A&... args) {
    values_.reserve(sizeof...(args));
    (add(args), ...);
  }
  void add(std::string_view v) { values_.emplace_back(v); }
  void add(const std::string& v) { values_.emplace_back(v); }
  void add(const char* v) { values_.emplace_back(v); }
  void add(std::int64_t v) { values_.push_back(std::to_string(v)); }
  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::string> values_;
};

class PgPool;

// One connection lent by the pool; returned on destruction (dropped if it broke).
class PgConn {
 public:
  PgConn(PgPool& pool, PGconn* c) : pool_(&pool), c_(c) {}
  PgConn(PgConn&& o) noexcept : pool_(o.pool_), c_(o.c_), broken_(o.broken_) { o.c_ = nullptr; }
  PgConn& operator=(PgConn&&) = delete;
  ~PgConn();

  // One statement with bound parameters; throws std::runtime_error on failure.
  PgResult exec(const char* sql, const PgParams& params = PgParams());
  // Several statements without parameters (migrations, BEGIN/COMMIT).
  void exec_script(const char* sql);

 private:
  PgResult finish(const char* what);
  PgPool* pool_;
  PGconn* c_;
  bool broken_ = false;  // its state is unknown (a timeout): closed, never reused
};

// A few connections, made on demand; waits a bounded time for a free one. After a failure to
// connect, new attempts wait a growing backoff (calls meanwhile fail at once, clearly).
class PgPool {
 public:
  explicit PgPool(PgTarget target) : target_(std::move(target)) {}
  ~PgPool();
  PgConn acquire();
  const PgTarget& target() const { return target_; }

 private:
  friend class PgConn;
  void give_back(PGconn* c, bool broken);
  PGconn* connect_with_backoff();

  PgTarget target_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<PGconn*> idle_;
  std::size_t open_ = 0;  // lent + idle + being made
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
};

// BEGIN .. COMMIT on one connection; rolled back when commit() was not reached.
class PgTx {
 public:
  explicit PgTx(PgConn& c) : c_(c) { c_.exec_script("BEGIN"); }
  ~PgTx();
  void notify(const char* kind);  // a change notice sent when the transaction commits
  void commit();

 private:
  PgConn& c_;
  bool done_ = false;
};

class PgStore final : public Store {
 public:
  explicit PgStore(PgTarget target);

  // pg_users.cpp
  void put_user(const User& u) override;
  std::optional<User> find_user(std::string_view id) override;
  std::vector<User> list_users() override;
  void put_api_key(const ApiKey& k) override;
  std::optional<ApiKey> find_api_key_by_hash(std::string_view hash) override;
  std::vector<ApiKey> list_api_keys() override;
  bool revoke_api_key(std::string_view id, std::int64_t now) override;

  // pg_gateway.cpp
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

  // pg_oauth.cpp
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

  // pg_store.cpp
  int schema_version() override;
  std::unique_ptr<ChangeFeed> watch(std::function<void(std::string_view kind)> on_change) override;
  std::size_t concurrency() const override { return pool_.target().pool_size; }

 private:
  // One statement: how many rows it changed.
  template <class... A>
  int run(const char* sql, const A&... args) {
    auto c = pool_.acquire();
    return c.exec(sql, PgParams(args...)).affected();
  }
  // One statement and a change notice, in one transaction: how many rows it changed.
  template <class... A>
  int run_notify(const char* kind, const char* sql, const A&... args) {
    auto c = pool_.acquire();
    PgTx tx(c);
    int n = c.exec(sql, PgParams(args...)).affected();
    if (n > 0) tx.notify(kind);
    tx.commit();
    return n;
  }
  template <class Row, class... A>
  auto one(const char* sql, Row row, const A&... args) -> std::optional<decltype(row(std::declval<const PgRow&>()))> {
    auto c = pool_.acquire();
    auto r = c.exec(sql, PgParams(args...));
    if (r.rows() == 0) return std::nullopt;
    return row(PgRow{r, 0});
  }
  template <class Row, class... A>
  auto all(const char* sql, Row row, const A&... args) -> std::vector<decltype(row(std::declval<const PgRow&>()))> {
    auto c = pool_.acquire();
    auto r = c.exec(sql, PgParams(args...));
    std::vector<decltype(row(std::declval<const PgRow&>()))> out;
    out.reserve(r.rows());
    for (int i = 0; i < r.rows(); ++i) out.push_back(row(PgRow{r, i}));
    return out;
  }
  void migrate();

  PgPool pool_;
};

// The channel of change notices (NOTIFY), and the migrations' advisory lock key.
inline constexpr const char* kChangeChannel = "mcpbridge_changes";
inline constexpr std::int64_t kMigrationLock = 0x6d63706272646721;  // "mcpbrdg!"

// Space-separated lists (roles, scopes, redirect URIs) in one column (sqlite_store.cpp).
std::string join(const std::vector<std::string>& v);
std::vector<std::string> split(std::string_view s);

}  // namespace mcp::store::detail
