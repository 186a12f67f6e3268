#pragma once
// PgStore, the store on PostgreSQL (libpq), shared by its files: pg_conn.cpp (connections, the
// pool, statements), pg_store.cpp (opening, schema migrations, the change feed, the statements
// only PostgreSQL has); the tables' statements are SqlStore's (sql_store.hpp). Every value is
// bound as a parameter ($1, $2, ...); nothing is concatenated into SQL. What must be atomic
// across replicas is one conditional statement or one transaction.
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sql_store.hpp"

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

// One row of a result, for SqlStore's row readers.
class PgRow final : public SqlRow {
 public:
  PgRow(const PgResult& r, int row) : r_(r), row_(row) {}
  std::string text(int i) const override { return r_.text(row_, i); }
  std::int64_t integer(int i) const override { return r_.integer(row_, i); }

 private:
  const PgResult& r_;
  int row_;
};

// Parameters in text form; empty string_views bind as '' (never NULL).
class PgParams {
 public:
  template <class... A>
  explicit PgParams(const A&... args) {
    values_.reserve(sizeof...(args));
    (add(args), ...);
  }
  explicit PgParams(std::span<const SqlArg> args);
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
  void commit();

 private:
  PgConn& c_;
  bool done_ = false;
};

class PgStore final : public SqlStore {
 public:
  explicit PgStore(PgTarget target);

  int schema_version() override;
  std::unique_ptr<ChangeFeed> watch(std::function<void(std::string_view kind)> on_change) override;
  std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t registered_before) override;
  std::size_t concurrency() const override { return pool_.target().pool_size; }

 private:
  void session(bool tx, const std::function<void(SqlSession&)>& body) override;
  void migrate();

  PgPool pool_;
};

// The channel of change notices (NOTIFY), and the migrations' advisory lock key.
inline constexpr const char* kChangeChannel = "mcpbridge_changes";
inline constexpr std::int64_t kMigrationLock = 0x6d63706272646721;  // "mcpbrdg!"

}  // namespace mcp::store::detail
