// The store on PostgreSQL: opening, the schema (the SQLite store's migrations, numbered alike,
// recorded in schema_migrations and applied in one transaction under an advisory lock so that
// replicas starting together do not race), and the change feed (LISTEN on its own connection).
#include <poll.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include "store/pg_store.hpp"

namespace mcp::store {
namespace {

constexpr const char* kPgMigrations[] = {
    // 1: users and API keys
    R"(CREATE TABLE users (
         id TEXT PRIMARY KEY,
         team TEXT NOT NULL DEFAULT '',
         roles TEXT NOT NULL DEFAULT '',
         password_hash TEXT NOT NULL DEFAULT '',
         created_at BIGINT NOT NULL
       );
       CREATE TABLE api_keys (
         id TEXT PRIMARY KEY,
         hash TEXT NOT NULL UNIQUE,
         user_id TEXT NOT NULL,
         team TEXT NOT NULL DEFAULT '',
         scopes TEXT NOT NULL DEFAULT '',
         label TEXT NOT NULL DEFAULT '',
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL DEFAULT 0,
         revoked_at BIGINT NOT NULL DEFAULT 0
       );)",
    // 2: the per-user credential vault (sealed secrets) and idempotency records (with expiry)
    R"(CREATE TABLE vault_secrets (
         subject TEXT NOT NULL,
         upstream TEXT NOT NULL,
         sealed TEXT NOT NULL,
         updated_at BIGINT NOT NULL,
         PRIMARY KEY (subject, upstream)
       );
       CREATE TABLE idempotency (
         scope TEXT NOT NULL,
         tool TEXT NOT NULL,
         key TEXT NOT NULL,
         fingerprint TEXT NOT NULL,
         result TEXT NOT NULL,
         expires_at BIGINT NOT NULL,
         PRIMARY KEY (scope, tool, key)
       );
       CREATE INDEX idempotency_expiry ON idempotency (expires_at);)",
    // 3: the built-in OAuth authorization server (hashes only; signing keys encrypted). Signing
    // keys list newest first; `seq` breaks ties within a second (SQLite's rowid).
    R"(CREATE TABLE oauth_clients (
         id TEXT PRIMARY KEY,
         secret_hash TEXT NOT NULL DEFAULT '',
         name TEXT NOT NULL DEFAULT '',
         redirect_uris TEXT NOT NULL DEFAULT '',
         auth_method TEXT NOT NULL DEFAULT 'none',
         grant_types TEXT NOT NULL DEFAULT '',
         scope TEXT NOT NULL DEFAULT '',
         metadata TEXT NOT NULL DEFAULT '{}',
         created_at BIGINT NOT NULL
       );
       CREATE TABLE oauth_codes (
         hash TEXT PRIMARY KEY,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         redirect_uri TEXT NOT NULL,
         code_challenge TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         family TEXT NOT NULL,
         expires_at BIGINT NOT NULL,
         used_at BIGINT NOT NULL DEFAULT 0
       );
       CREATE TABLE oauth_refresh_tokens (
         hash TEXT PRIMARY KEY,
         family TEXT NOT NULL,
         client_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL,
         rotated_at BIGINT NOT NULL DEFAULT 0,
         revoked_at BIGINT NOT NULL DEFAULT 0
       );
       CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens(family);
       CREATE INDEX oauth_refresh_user_client ON oauth_refresh_tokens(user_id, client_id);
       CREATE TABLE oauth_access_tokens (
         jti TEXT PRIMARY KEY,
         family TEXT NOT NULL DEFAULT '',
         client_id TEXT NOT NULL,
         expires_at BIGINT NOT NULL,
         revoked_at BIGINT NOT NULL DEFAULT 0
       );
       CREATE INDEX oauth_access_family ON oauth_access_tokens(family);
       CREATE TABLE oauth_consents (
         user_id TEXT NOT NULL,
         client_id TEXT NOT NULL,
         scope TEXT NOT NULL DEFAULT '',
         resource TEXT NOT NULL DEFAULT '',
         created_at BIGINT NOT NULL,
         PRIMARY KEY (user_id, client_id)
       );
       CREATE SEQUENCE signing_keys_order;
       CREATE TABLE signing_keys (
         kid TEXT PRIMARY KEY,
         alg TEXT NOT NULL,
         public_jwk TEXT NOT NULL,
         private_enc TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         retired_at BIGINT NOT NULL DEFAULT 0,
         seq BIGINT NOT NULL DEFAULT nextval('signing_keys_order')
       );)",
    // 4: dynamically registered OAuth clients, so that abandoned ones can be swept
    R"(ALTER TABLE oauth_clients ADD COLUMN dynamic BIGINT NOT NULL DEFAULT 0;
       CREATE INDEX oauth_access_client ON oauth_access_tokens(client_id);
       CREATE INDEX oauth_refresh_client ON oauth_refresh_tokens(client_id);
       CREATE INDEX oauth_consent_client ON oauth_consents(client_id);
       CREATE INDEX oauth_code_client ON oauth_codes(client_id);
       CREATE INDEX oauth_code_expiry ON oauth_codes(expires_at);
       CREATE INDEX oauth_refresh_expiry ON oauth_refresh_tokens(expires_at);
       CREATE INDEX oauth_access_expiry ON oauth_access_tokens(expires_at);)",
    // 5: connections added at run time (admin API, `mcpbridge connections add`)
    R"(CREATE TABLE connections (
         name TEXT PRIMARY KEY,
         spec TEXT NOT NULL,
         created_by TEXT NOT NULL DEFAULT '',
         created_at BIGINT NOT NULL
       );)",
};

}  // namespace

namespace detail {

PgStore::PgStore(PgTarget target) : pool_(std::move(target)) { migrate(); }

void PgStore::migrate() {
  auto c = pool_.acquire();
  PgTx tx(c);
  // Held until COMMIT: a second replica waits here, then finds the schema current.
  c.exec("SELECT pg_advisory_xact_lock($1)", PgParams(kMigrationLock));
  c.exec_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  auto r = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  int have = static_cast<int>(r.integer(0, 0));
  int want = static_cast<int>(std::size(kPgMigrations));
  if (have > want)
    throw std::runtime_error("postgresql store " + pool_.target().shown + ": schema version " + std::to_string(have) +
                             " is newer than this mcpbridge (" + std::to_string(want) + ")");
  for (int v = have; v < want; ++v) {
    c.exec_script(kPgMigrations[v]);
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
