#pragma once
// The gateway, the product's face: assemble(Config) builds a whole gateway — store,
// authentication, authorization server, MCP server, one Gateway (the per-call policy) shared by
// every source, the OpenAPI sources, the connections, the sign-in and admin routes — and owns
// every thread it starts (docs/adr/0005-gateway-assembly.md).
//
// The per-call policy, applied to tools from any source by wrapping their handlers:
//  - idempotency: every non-safe call carries a key (the caller's `idempotency_key` argument,
//    else one derived from the principal, session, JSON-RPC id and arguments); its result is
//    recorded so a retried call gets it back instead of repeating the side effect;
//  - caching of safe reads per principal and arguments (TTL, upstream Cache-Control, LRU);
//  - rate limits per principal, per tool and per upstream (token buckets), and per principal
//    and in all across every source together, answered as a tool error with the delay to wait;
//  - an audit record per call (principal, tool, outcome, duration, upstream status).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <iosfwd>
#include <mcp/core/token_buckets.hpp>
#include <mcp/http/http.hpp>
#include <mcp/server/server.hpp>
#include <mcp/store/async_store.hpp>
#include <memory>
#include <stdexcept>
#include <string>

namespace mcp::config {
struct Config;
}
namespace mcp::cluster {
class SharedState;
}
namespace spdlog {
class formatter;
}

namespace mcp::gateway {

using mcp::RateLimit;

struct Limits {
  RateLimit per_principal;                 // each principal's calls to this upstream
  RateLimit per_tool;                      // all calls to one tool
  RateLimit per_upstream;                  // all calls to the upstream
  std::chrono::milliseconds cache_ttl{0};  // safe reads; 0: not cached
};

struct PolicyOptions {
  bool idempotency = true;
  std::string idempotency_argument = "idempotency_key";
  std::chrono::seconds idempotency_ttl{86400};
  Limits defaults;                          // for upstreams without their own
  std::map<std::string, Limits> upstreams;  // by upstream name
  // Across every source together (one bucket each, whichever source a call goes to): each
  // principal's calls, and all calls.
  RateLimit per_principal;
  RateLimit all_calls;
  // Several replicas: rate-limit buckets, cached results and idempotency in-flight claims are
  // shared through this (the local cache stays as a near cache within the same TTL); null:
  // this process alone.
  std::shared_ptr<cluster::SharedState> shared;
  std::size_t cache_max_entries = 10000;
  std::size_t cache_max_bytes = 64u << 20;
  bool audit = true;
};

struct CallTraits {
  bool safe = false;     // no side effects: cacheable, no idempotency key
  std::string upstream;  // "" for native tools
  // false: no idempotency key or record — for sources whose arguments are someone else's
  // contract (another MCP server's tools), where an added argument could collide.
  bool idempotency = true;
};

struct AuditRecord {
  std::string principal;  // subject
  std::string tool;
  std::string upstream;
  std::string outcome;  // ok, error, cached, replayed, rate_limited, conflict, in_progress
  int upstream_status = 0;
  double duration_ms = 0;
  std::string session;
};
using AuditSink = std::function<void(const AuditRecord&)>;

class Gateway {
 public:
  // `store` keeps idempotency records (shared by replicas); without one they live in memory.
  // Without `sink`, audit records are written as JSON lines on the "audit" spdlog logger (or
  // the default one).
  explicit Gateway(PolicyOptions options, std::shared_ptr<store::Store> store = nullptr, AuditSink sink = {});
  // The same, with the store's calls on `store`'s pool (shared with the other request handlers).
  Gateway(PolicyOptions options, store::AsyncStore store, AuditSink sink = {});
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The definition callers see: non-safe tools gain the optional idempotency_key argument.
  Tool decorate(Tool tool, const CallTraits& traits) const;
  ToolHandler wrap(std::string tool_name, ToolHandler inner, CallTraits traits);
  // decorate + wrap + Server::add_tool.
  void add_tool(Server& server, Tool tool, ToolHandler handler, CallTraits traits);
  // An upstream's limits, for one that comes after construction (a connection added at run time).
  void set_limits(const std::string& upstream, Limits limits);
  // PolicyOptions::per_principal and all_calls (a configuration reload).
  void set_global_limits(RateLimit per_principal, RateLimit all_calls);

  struct Stats {
    std::uint64_t calls = 0, cache_hits = 0, replays = 0, rate_limited = 0, conflicts = 0;
  };
  Stats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Deterministic JSON text (object keys sorted at every level): equal arguments, equal text.
std::string canonical_json(const json::value& v);

// A gateway built from a configuration. Nothing runs until start() (or serve()): the sources'
// watchers, the connections' thread and the HTTP event loops start there, and stop() stops
// them all (sources and connections first, then HTTP); the destructor stops.
class Assembly {
 public:
  struct Impl;
  explicit Assembly(std::unique_ptr<Impl> impl);
  ~Assembly();
  Assembly(const Assembly&) = delete;
  Assembly& operator=(const Assembly&) = delete;

  Server& server();                     // add native tools here before start()
  Gateway& gateway();                   // the one policy every source's tools go through
  const HttpOptions& http() const;      // the endpoint, its authenticator and routes
  const std::vector<net::HttpRoute>& routes() const;

  // Binds and starts; throws std::system_error when it cannot bind.
  void start();
  std::uint16_t port() const;  // the bound port (after start)
  void stop();
  // start(), then wait for SIGINT or SIGTERM, drain (mcp::drain_and_stop), stop(); SIGHUP
  // meanwhile: reload(). The process exit code: 0 drained, 1 drain cut short, 3 cannot listen.
  int serve();
  // How reload() reads the configuration again (the file, the environment, the flags); unset:
  // reload() only loads the OpenAPI sources and the TLS files again.
  void set_reader(std::function<config::Config()> read);
  // Reads the configuration again and applies what changed: log level and format, limits
  // (limits.max_body_bytes, max_header_bytes, read_timeout_s, keepalive_timeout_s), drain_s,
  // TLS files and client certificate settings, the OpenAPI sources, the configuration file's
  // connections, rate limits (each upstream's, gateway.per_principal and all_calls). Every other change is
  // logged as needing a restart. A configuration that does not read changes nothing.
  void reload();

 private:
  std::unique_ptr<Impl> impl_;
};

// Why a configuration could not be assembled, with the CLI's exit code: 2 configuration, 4 store.
struct AssemblyError : std::runtime_error {
  AssemblyError(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};

// Throws AssemblyError. The store (config.store_path) is opened, and created when missing.
std::unique_ptr<Assembly> assemble(const config::Config& config);

// The process's log lines as config.log_level / log_format say, for the default logger and the
// "audit" one; every logged value is escaped (no forged lines, no breaking out of JSON).
void setup_logging(const config::Config& config);
// The default logger's formatter (json or text), escaping as setup_logging's does.
std::unique_ptr<spdlog::formatter> log_formatter(bool json);

// The native demo tools (config.builtin_tools): echo {text} and add {a, b}.
void register_builtin_tools(Server& server);

// Administration without a running gateway (the CLI), against the store.
// `users passwd`: sets `user`'s password; removes the first-run password file if it held the
// password being replaced. "" on success, else why not.
std::string change_password(store::Store& store, const std::string& store_path, const std::string& user,
                            const std::string& password);
// `connections list|add|remove|login|logout`; returns the exit code. `spec`: add's entry
// (YAML/JSON text of a config file's connections: entry).
struct ConnectionsCommand {
  std::string action;  // list, add, remove, login, logout
  std::string name;
  std::string user;
  std::string spec;
};
int connections_command(const config::Config& cfg, std::shared_ptr<store::Store> store, const ConnectionsCommand& cmd,
                        std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace mcp::gateway
