// The store on PostgreSQL: opening, the schema (sql_schema.cpp; numbered as in SQLite, recorded
// in schema_migrations and applied in one transaction under an advisory lock so that replicas
// starting together do not race), the change feed (LISTEN on its own connection), and the
// statements that only PostgreSQL can make one atomic statement.
#include <poll.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include "store/pg_store.hpp"

namespace mcp::store {
namespace detail {
namespace {

// A replaced key counts as newest again (as SQLite's INSERT OR REPLACE gives it a new rowid).
const SqlDialect kPgDialect{
    "INSERT INTO signing_keys (kid, alg, public_jwk, private_enc, created_at, retired_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, public_jwk = excluded.public_jwk, "
    "private_enc = excluded.private_enc, created_at = excluded.created_at, retired_at = excluded.retired_at, "
    "seq = nextval('signing_keys_order')",
    "seq DESC"};

class PgSession final : public SqlSession {
 public:
  explicit PgSession(PgConn& c) : c_(c) {}
  int exec(const char* sql, std::span<const SqlArg> args, const Each& each) override {
    auto r = c_.exec(sql, PgParams(args));
    if (each)
      for (int i = 0; i < r.rows(); ++i) each(PgRow(r, i));
    return r.affected();
  }
  void notify(const char* kind) override { c_.exec("SELECT pg_notify($1, $2)", PgParams(kChangeChannel, kind)); }

 private:
  PgConn& c_;
};

}  // namespace

PgStore::PgStore(PgTarget target) : SqlStore(kPgDialect), pool_(std::move(target)) { migrate(); }

void PgStore::session(bool tx, const std::function<void(SqlSession&)>& body) {
  auto c = pool_.acquire();
  PgSession s(c);
  if (!tx) return body(s);
  PgTx t(c);
  body(s);
  t.commit();
}

std::vector<std::string> PgStore::remove_abandoned_oauth_clients(std::int64_t registered_before) {
  // One statement: two replicas sweeping at once each report only what they deleted.
  return all("WITH gone AS (DELETE FROM oauth_clients WHERE id IN (SELECT id FROM oauth_clients o WHERE "
             MCP_SQL_ABANDONED_CLIENT " LIMIT 10000) RETURNING id), "
             "codes AS (DELETE FROM oauth_codes WHERE client_id IN (SELECT id FROM gone)) "
             "SELECT id FROM gone ORDER BY id",
             [](const SqlRow& r) { return r.text(0); }, registered_before);
}

void PgStore::migrate() {
  auto c = pool_.acquire();
  PgTx tx(c);
  // Held until COMMIT: a second replica waits here, then finds the schema current.
  c.exec("SELECT pg_advisory_xact_lock($1)", PgParams(kMigrationLock));
  c.exec_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  auto r = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  int have = static_cast<int>(r.integer(0, 0));
  const auto& steps = migrations(SqlFlavor::kPostgres);
  int want = static_cast<int>(steps.size());
  if (have > want)
    throw std::runtime_error("postgresql store " + pool_.target().shown + ": schema version " + std::to_string(have) +
                             " is newer than this mcpbridge (" + std::to_string(want) + ")");
  for (int v = have; v < want; ++v) {
    c.exec_script(steps[v].c_str());
    c.exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
           PgParams(static_cast<std::int64_t>(v + 1), unix_now()));
  }
  tx.commit();
}

int PgStore::schema_version() {
  auto c = pool_.acquire();
  return static_cast<int>(c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
}

namespace {

// LISTEN on a dedicated connection, on its own thread. poll() with a short timeout so that
// destruction is prompt; a lost connection is made again with backoff, then "*" is reported
// (notices sent meanwhile are lost, so everything may have changed).
class PgChangeFeed final : public ChangeFeed {
 public:
  PgChangeFeed(PgTarget target, std::function<void(std::string_view)> on_change)
      : target_(std::move(target)), on_change_(std::move(on_change)), thread_([this] { loop(); }) {}
  ~PgChangeFeed() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void loop() {
    auto stopped = [this] { return stop_.load(); };
    std::chrono::milliseconds backoff{100};
    while (!stop_) {
      PGconn* c = listen(stopped);
      if (!c) {
        sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        continue;
      }
      backoff = std::chrono::milliseconds(100);
      on_change_("*");  // anything may have changed before LISTEN took effect
      follow(c);
      PQfinish(c);
    }
  }

  PGconn* listen(const std::function<bool()>& stopped) {
    PGconn* c = target_.start_connect();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(target_.connect_timeout_s);
    if (c && finish_connect(c, deadline, stopped)) {
      quiet_notices(c);
      PGresult* r = PQexec(c, "LISTEN mcpbridge_changes");
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (ok) return c;
    }
    PQfinish(c);
    return nullptr;
  }

  void follow(PGconn* c) {
    while (!stop_) {
      pollfd p{PQsocket(c), POLLIN, 0};
      int n = ::poll(&p, 1, 100);
      if (n == 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || !PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) return;
      while (PGnotify* note = PQnotifies(c)) {
        std::string kind = note->extra ? note->extra : "*";
        PQfreemem(note);
        on_change_(kind);
      }
    }
  }

  void sleep_for(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  PgTarget target_;
  std::function<void(std::string_view)> on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace

std::unique_ptr<ChangeFeed> PgStore::watch(std::function<void(std::string_view kind)> on_change) {
  return std::make_unique<PgChangeFeed>(pool_.target(), std::move(on_change));
}

}  // namespace detail

std::unique_ptr<ChangeFeed> Store::watch(std::function<void(std::string_view)>) { return nullptr; }

bool is_postgres_uri(std::string_view s) { return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0; }

std::unique_ptr<Store> open_postgres(const std::string& uri) {
  return std::make_unique<detail::PgStore>(detail::PgTarget::from_uri(uri));
}

std::unique_ptr<Store> open_store(const std::string& path_or_uri) {
  if (is_postgres_uri(path_or_uri)) return open_postgres(path_or_uri);
  return open_sqlite(path_or_uri);
}

std::string redact_uri(std::string_view s) {
  if (s.find("://") == std::string_view::npos) return std::string(s);  // a file path
  std::string out(s);
  // userinfo: scheme://user:PASSWORD@host (the authority ends at the first '/', '?' or '#').
  auto start = out.find("://") + 3;
  auto end = out.find_first_of("/?#", start);
  auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
  if (at != std::string::npos && at >= start) {
    auto colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=PASSWORD&...
  for (auto q = out.find('?'); q != std::string::npos;) {
    auto p = out.find("password=", q);
    if (p == std::string::npos) break;
    if (out[p - 1] != '?' && out[p - 1] != '&') {
      q = p + 1;
      continue;
    }
    auto v = p + 9;
    auto e = out.find('&', v);
    out.replace(v, (e == std::string::npos ? out.size() : e) - v, "***");
    q = v;
  }
  return out;
}

}  // namespace mcp::store
