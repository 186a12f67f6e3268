// assemble(): a whole gateway from one Config, in this order: store, authentication (and the
// built-in authorization server or the external issuer's check), the MCP server with its tool
// filter, ONE Gateway, the OpenAPI sources, the connections, the sign-in and admin routes, the
// HTTP server. The Assembly owns every thread they run: the sources' watcher, the connections'
// thread, the gateway's store thread, the external issuer's refresher, the HTTP event loops.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <mcp/authz/authz.hpp>
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/sources/vault.hpp>
#include <mutex>

#include "gateway/admin_api.hpp"
#include "gateway/bootstrap.hpp"
#include "gateway/connection_set.hpp"
#include "gateway/external_issuer.hpp"
#include "gateway/openapi_set.hpp"
#include "gateway/reload.hpp"
#include "gateway/shared_state_factory.hpp"

namespace mcp::gateway {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitListen = 3;
constexpr int kExitStore = 4;

sigset_t stop_signals(bool hangup) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (hangup) sigaddset(&set, SIGHUP);
  return set;
}

// Threads inherit the signal mask of the thread that makes them: those made while this lives
// leave SIGINT, SIGTERM and SIGHUP to serve()'s sigwait (else one could take the signal and die).
class StopSignalsBlocked {
 public:
  StopSignalsBlocked() {
    sigset_t set = stop_signals(true);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~StopSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

[[noreturn]] void fail(int code, const std::string& why) { throw AssemblyError(code, why); }

}  // namespace

// Members in the order they are made; destroyed the other way round (HTTP first, store last).
struct Assembly::Impl {
  config::Config as_read;  // as given to assemble(): what a reload compares with
  std::function<config::Config()> reader;
  config::Config cfg;
  std::shared_ptr<store::Store> store;
  store::AsyncStore db;  // the same store, for request handlers: its calls on a pool
  std::shared_ptr<cluster::SharedState> shared;  // several replicas only
  std::shared_ptr<authz::AuthorizationServer> authorization_server;
  std::shared_ptr<void> external_check;  // the external issuer's JWKS refresher or introspection
  std::unique_ptr<Server> server;
  std::shared_ptr<sources::Vault> vault;
  std::shared_ptr<Gateway> gateway;
  std::unique_ptr<RunningOpenApi> openapi;
  std::shared_ptr<ConnectionSet> connections;
  std::unique_ptr<HttpServer> http;
  std::mutex mu;
  bool started = false, stopped = false;

  void reload_openapi(config::Config& next);

  void open_store() {
    if (store) return;
    try {
      store = store::open_store(cfg.store_path);  // SQLite file, or postgresql:// URI
      db = store::AsyncStore(store);
    } catch (const std::exception& e) {
      fail(kExitStore, e.what());
    }
  }

  // auth mode oauth: the external issuer's check, or the built-in authorization server and
  // its first-run admin user.
  void authorization() {
    if (!cfg.external.issuer.empty()) {
      try {
        config::resolve_oauth(cfg, cfg.http.port);
        external_check = start_external_check(cfg);
      } catch (const std::exception& e) {
        fail(kExitUsage, e.what());
      }
      return;
    }
    open_store();
    try {
      config::resolve_oauth(cfg, cfg.http.port);
      // Client ID metadata documents are fetched with the default policy: HTTPS to public
      // addresses only, no redirects, size and time limits (auth.oauth.client_metadata may
      // allow private addresses and an extra CA, for development and tests).
      cfg.oauth.http_client = client_metadata_http_client(cfg);
      cfg.oauth.metadata_allow_private = cfg.client_metadata_allow_private;
      authorization_server = std::make_shared<authz::AuthorizationServer>(cfg.oauth, db);
    } catch (const std::exception& e) {
      fail(kExitUsage, e.what());
    }
    for (auto& r : authorization_server->routes()) cfg.http.routes.push_back(std::move(r));
    cfg.auth.token_verifier = authorization_server->token_verifier();
    // A remote store: each request's deny-list lookup is a round trip, made off the event loop.
    if (store::is_postgres_uri(cfg.store_path))
      cfg.auth.async_token_verifier = authorization_server->async_token_verifier();
    Bootstrap boot;
    try {
      boot = bootstrap_admin(*store, cfg.store_path, config::process_env());
    } catch (const std::exception& e) {
      fail(kExitUsage, e.what());
    }
    for (auto& line : boot.log) spdlog::warn("oauth: {}", line);
    spdlog::info(
        "oauth: built-in authorization server, issuer {} (metadata "
        "{}/.well-known/oauth-authorization-server)",
        cfg.oauth.issuer, cfg.oauth.issuer);
    spdlog::info(
        "oauth: connect an MCP client to {}; it opens the sign-in page in your browser: sign in as "
        "{} "
        "(more users: `mcpbridge users add NAME --password-stdin`; no auth: --auth none)",
        cfg.auth.resource, boot.user.empty() ? "a user from `mcpbridge users list`" : boot.user);
  }

  void authentication() {
    cfg.auth.methods = config::auth_methods(cfg);  // auth.mode's shorthand spelled out
    auto accepts = [&](auth::Mode m) {
      return std::find(cfg.auth.methods.begin(), cfg.auth.methods.end(), m) != cfg.auth.methods.end();
    };
    if (accepts(auth::Mode::oauth)) authorization();
    if (cfg.auth.methods.empty()) return;
    if (accepts(auth::Mode::api_key)) open_store();
    if (accepts(auth::Mode::header) && cfg.auth.proxy_secret.empty())
      fail(kExitUsage,
           "auth method header needs MCPBRIDGE_PROXY_SECRET (the trusted proxy's shared secret)");
    cfg.http.authenticator = std::make_shared<auth::Authenticator>(cfg.auth, db);
  }

  // cluster.redis_url: sessions, events, wake-ups, rate limits and cached results are shared
  // with the other replicas; /readyz asks the store and the shared state.
  void cluster() {
    try {
      shared = make_shared_state(cfg);
    } catch (const std::exception& e) {
      fail(kExitUsage, e.what());
    }
    if (shared) {
      cfg.http.shared = shared;
      cfg.http.replica_id = cfg.replica_id;
      cfg.gateway.shared = shared;
      spdlog::info("cluster: replicas share state through {}", shared->describe());
    }
    if (store)
      cfg.http.readiness.emplace_back("store", [db = db] { return db.answers(); });
  }

  void sources() {
    // The store is always open when serving: connections added at run time (admin API, CLI)
    // live there, and the vault every source shares (one cache, so a credential stored through
    // the admin API is used at once).
    open_store();
    try {
      vault = open_vault(cfg, store, true);  // made next to the store on first use
      if (vault) vault->await_on(db);         // tool calls read it off the event loop
    } catch (const std::exception& e) {
      fail(kExitUsage, e.what());
    }
    cluster();
    // One policy for every source: rate limits and the cache bound hold across them all.
    gateway = std::make_shared<Gateway>(cfg.gateway, db);
    for (auto& o : cfg.openapi)
      gateway->set_limits(o.upstream.name, o.limits);  // as the YAML reader does
    if (!cfg.openapi.empty())
      if (auto err = start_openapi_sources(*server, cfg, gateway, vault, openapi); !err.empty())
        fail(kExitUsage, err);
    connections = std::make_shared<ConnectionSet>(*server, cfg, store, vault, gateway);
    if (auto err = connections->start(); !err.empty()) fail(kExitUsage, err);
    for (auto& r : admin_routes({&cfg, cfg.http.authenticator, connections, vault, db}))
      cfg.http.routes.push_back(std::move(r));
  }
};

// A reload's `openapi:` entries: the same ones load again (a spec may have changed); changed
// ones replace the running sources once they all load (else the previous tools stay).
void Assembly::Impl::reload_openapi(config::Config& next) {
  std::string before, after;
  for (auto& o : cfg.openapi) before += openapi_fingerprint(o) + '\n';
  for (auto& o : next.openapi) after += openapi_fingerprint(o) + '\n';
  if (before == after) {
    if (openapi)
      if (auto err = openapi->reload_all("SIGHUP"); !err.empty())
        spdlog::error("openapi reload (SIGHUP) failed, still serving the previous tools: {}", err);
    return;
  }
  std::unique_ptr<RunningOpenApi> fresh;
  if (!next.openapi.empty())
    if (auto err = start_openapi_sources(*server, next, gateway, vault, fresh); !err.empty()) {
      spdlog::error("reload: openapi failed, still serving the previous sources: {}", err);
      return;
    }
  std::vector<std::string> gone = openapi ? openapi->tool_names() : std::vector<std::string>{};
  if (openapi) openapi->stop();
  if (fresh)
    for (auto& name : fresh->tool_names()) std::erase(gone, name);
  if (!gone.empty()) server->replace_tools(gone, {});
  for (auto& o : next.openapi) gateway->set_limits(o.upstream.name, o.limits);
  spdlog::info("reload: openapi: {} sources now ({} before), {} tools removed", next.openapi.size(),
               cfg.openapi.size(), gone.size());
  openapi = std::move(fresh);
  if (openapi) openapi->watch();
  cfg.openapi = next.openapi;
}

std::unique_ptr<Assembly> assemble(const config::Config& config) {
  StopSignalsBlocked quiet;
  auto a = std::make_unique<Assembly::Impl>();
  a->as_read = config;
  a->cfg = config;
  a->authentication();
  a->server = std::make_unique<Server>(a->cfg.server);
  // The assembly, not the transport, decides who may see and call which tool.
  if (auto authn = a->cfg.http.authenticator)
    a->server->set_tool_filter(
        [authn](const Principal& p, const std::string& tool) { return authn->may_call(p, tool); });
  if (config::serves_builtin_tools(a->cfg))
    register_builtin_tools(*a->server);
  else if (!a->cfg.builtin_tools)
    spdlog::info("the demo tools (echo, add, whoami) are not served beside the configured sources; "
                 "tools.builtin: true serves them");
  a->sources();
  try {
    a->http = std::make_unique<HttpServer>(*a->server, a->cfg.http);
  } catch (const std::invalid_argument& e) {  // the TLS files or trusted_proxies
    fail(kExitUsage, e.what());
  }
  return std::make_unique<Assembly>(std::move(a));
}

Assembly::Assembly(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Assembly::~Assembly() { stop(); }

Server& Assembly::server() { return *impl_->server; }
Gateway& Assembly::gateway() { return *impl_->gateway; }
const HttpOptions& Assembly::http() const { return impl_->cfg.http; }
const std::vector<net::HttpRoute>& Assembly::routes() const { return impl_->cfg.http.routes; }
std::uint16_t Assembly::port() const { return impl_->http->port(); }

void Assembly::start() {
  auto& I = *impl_;
  {
    std::lock_guard lock(I.mu);
    if (I.started) return;
    I.started = true;
  }
  StopSignalsBlocked quiet;
  if (I.openapi) I.openapi->watch();
  I.connections->run();
  try {
    I.http->start();
  } catch (...) {
    stop();
    throw;
  }
}

void Assembly::stop() {
  auto& I = *impl_;
  {
    std::lock_guard lock(I.mu);
    if (I.stopped) return;
    I.stopped = true;
  }
  // Sources first (no reload or listing lands in a server being shut down), then HTTP.
  if (I.openapi) I.openapi->stop();
  I.connections->stop();
  I.http->stop();
  I.db.drain();  // store calls in flight finish while the loops they resume on still exist
}

int Assembly::serve() {
  // Signals are taken synchronously on this thread; every other thread has them blocked.
  sigset_t set = stop_signals(true);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    start();
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    return kExitListen;
  }
  int sig = 0;
  for (;;) {
    sigwait(&set, &sig);
    if (sig != SIGHUP) break;
    spdlog::info("SIGHUP: reloading the configuration");
    reload();
  }
  spdlog::info("signal {}: draining, then shutting down", sig);
  // Sources and connections run on while requests finish; then everything stops.
  int code = drain_and_stop(*impl_->http, stop_signals(false));
  stop();
  return code;
}

void Assembly::set_reader(std::function<config::Config()> read) { impl_->reader = std::move(read); }

void Assembly::reload() {
  auto& I = *impl_;
  if (!I.reader) {  // an embedding without a configuration file: the sources and TLS files only
    if (I.openapi)
      if (auto err = I.openapi->reload_all("SIGHUP"); !err.empty())
        spdlog::error("openapi reload (SIGHUP) failed, still serving the previous tools: {}", err);
    I.http->reconfigure(I.cfg.http);
    return;
  }
  config::Config next;
  try {
    next = I.reader();
    config::resolve_openapi_secrets(next);
    config::resolve_connection_secrets(next);
  } catch (const std::exception& e) {
    spdlog::error("reload: the configuration does not read, nothing changed: {}", e.what());
    return;
  }
  for (auto& line : changes_needing_restart(I.as_read, next))
    spdlog::warn("reload: {} not applied: it needs a restart", line);
  if (next.log_level != I.cfg.log_level || next.log_format != I.cfg.log_format) {
    spdlog::info("reload: log level {} -> {}, format {} -> {}", I.cfg.log_level, next.log_level, I.cfg.log_format,
                 next.log_format);
    setup_logging(next);
    I.cfg.log_level = next.log_level;
    I.cfg.log_format = next.log_format;
  }
  I.http->reconfigure(next.http);
  auto rate = [](const RateLimit& r) { return std::to_string(r.per_second) + "/s burst " + std::to_string(r.burst); };
  if (rate(next.gateway.per_principal) != rate(I.cfg.gateway.per_principal) ||
      rate(next.gateway.all_calls) != rate(I.cfg.gateway.all_calls))
    spdlog::info("reload: gateway.per_principal {} -> {}, gateway.all_calls {} -> {}", rate(I.cfg.gateway.per_principal),
                 rate(next.gateway.per_principal), rate(I.cfg.gateway.all_calls), rate(next.gateway.all_calls));
  I.gateway->set_global_limits(next.gateway.per_principal, next.gateway.all_calls);
  I.cfg.gateway.per_principal = next.gateway.per_principal;
  I.cfg.gateway.all_calls = next.gateway.all_calls;
  I.reload_openapi(next);
  I.connections->reconfigure(next.connections);
}

}  // namespace mcp::gateway
