#pragma once
// SqliteStore, the embedded store on SQLite 3: SqlStore's statements on one connection under a
// mutex (sqlite_store.cpp: opening, statements, schema migrations).
#include <sqlite3.h>

#include <mutex>
#include <string>

#include "store/sql_store.hpp"

namespace mcp::store::detail {

// A prepared statement; a row of its results once step() said one is ready.
class Stmt final : public SqlRow {
 public:
  Stmt(sqlite3* db, const char* sql);
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() override { sqlite3_finalize(s_); }

  // Binds args[i] to the parameter named $<i+1> (SQLite takes "$1" as a name).
  void bind(std::span<const SqlArg> args);
  bool step();  // true: a row is ready; false: done
  bool read_only() const { return sqlite3_stmt_readonly(s_) != 0; }
  std::string text(int i) const override;
  std::int64_t integer(int i) const override { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

class SqliteStore final : public SqlStore {
 public:
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  int schema_version() override;
  std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t registered_before) override;

 private:
  void session(bool tx, const std::function<void(SqlSession&)>& body) override;
  void exec(const std::string& sql);
  int read_version();
  void migrate();

  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

}  // namespace mcp::store::detail
