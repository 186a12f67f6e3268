#pragma once
// The gateway's custom connections: those of the configuration file, and those added at run
// time (the admin API, `mcpbridge connections add`) which the store keeps. Each lists its
// upstream's tools (now and then, and on list_changed) on the set's own thread and registers them
// on the server through the assembly's one Gateway; calls run on the server's threads with each
// caller's own credentials.
#include <mcp/config/config.hpp>

#include <mcp/core/json.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/store.hpp>

#include <chrono>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace mcp::gateway {

using config::Config;
using config::ConnectionConfig;
using config::connection_from_yaml;
using config::load_or_create_vault_key;
using config::resolve_connection_secrets;

// A connection and where it came from.
struct NamedConnection {
  ConnectionConfig config;
  std::string origin;      // "config" (the file) or "api" (added at run time, kept in the store)
  std::string created_by;  // api: who added it
};

// What a run-time change came to: an HTTP-like status (200, 201, 204, 400, 404, 409) and why.
struct Outcome {
  int status = 200;
  std::string message;
};

// Whether a connection may be added at run time: no `env`/`file` secrets (they would expose the
// server's environment and files to whoever may add connections), private addresses only for
// hosts the operator listed (admin.private_hosts), a name no other source uses.
Outcome check_runtime_connection(const Config& cfg, const ConnectionConfig& c);

class ConnectionSet {
 public:
  // `vault` may be null (then only connections without per-user credentials can run). Every
  // connection's tools go through `gateway` (its limits registered there).
  ConnectionSet(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store,
                std::shared_ptr<mcp::sources::Vault> vault, std::shared_ptr<Gateway> gateway);
  ~ConnectionSet();  // stop()

  // Prepares the configuration's connections (an error there is fatal: returned) and the
  // stored ones (a stored one that no longer works is logged and skipped); adds the sign-in
  // routes to cfg.http.routes.
  std::string start();
  // Runs them and follows the store, on the set's own thread.
  void run();
  // Stops every connection and the thread (idempotent).
  void stop();

  // Run-time changes (the admin API): checked, persisted, applied at once.
  Outcome add(const std::string& spec_text, const std::string& created_by);
  Outcome remove(const std::string& name);
  // Applies what another process (the CLI) changed in the store.
  void sync();
  // A configuration reload: the file's connections become `next` — new ones start, removed
  // ones stop, changed ones restart (connection_fingerprint); the others run on untouched.
  // Logs each change.
  void reconfigure(std::vector<ConnectionConfig> next);
  // Someone stored a credential for `name`: list its tools again if it has none yet.
  void signed_in(const std::string& name);

  mcp::json::array describe() const;  // name, url, auth, origin, tools, ...
  // The connection called `name`, if it is running.
  std::optional<NamedConnection> find(const std::string& name) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The configuration's connections, then the store's (entries that no longer parse are skipped,
// with a line in `problems` when given).
std::vector<NamedConnection> all_connections(const Config& cfg, mcp::store::Store& store,
                                             std::vector<std::string>* problems = nullptr);

// The vault for per-user credentials, or null when there is no key (`create`: one is made in a
// 0600 file next to the store when none is configured); throws std::runtime_error when the key
// is unusable.
std::shared_ptr<mcp::sources::Vault> open_vault(const Config& cfg, std::shared_ptr<mcp::store::Store> store, bool create);

}  // namespace mcp::gateway
