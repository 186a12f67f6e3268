#pragma once
// A throw-away PostgreSQL 15 for tests (tests/support/pg_server.sh does the work): on a free
// loopback port in a temporary directory, with a role "mcp" that has a password and may create
// databases. Not installed: the constructor throws, saying how to install it (tests FAIL then,
// never skip).
#include <string>

namespace mcp::test {

class PgServer {
 public:
  PgServer();   // a server of its own, started; throws std::runtime_error
  ~PgServer();  // stopped and removed (only when it is its own)
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // The server of this test run: the ctest fixture's (MCPBRIDGE_TEST_PG_DIR) or, run by hand,
  // one started for this process.
  static PgServer& shared();

  const std::string& uri() const { return uri_; }  // postgresql://mcp:...@127.0.0.1:PORT/mcp
  std::string fresh_database();  // a new empty database: its URI
  void stop();   // immediate shutdown (pg_ctl -m immediate)
  void start();  // again, on the same port

 private:
  explicit PgServer(std::string dir, bool owned);
  void script(const std::string& command);

  std::string dir_;
  std::string uri_;
  bool owned_ = true;
};

// Runs `sql` on `uri` (a statement without parameters); throws on failure.
void pg_exec(const std::string& uri, const std::string& sql);

}  // namespace mcp::test
