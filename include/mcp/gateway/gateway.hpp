#pragma once
// The gateway's per-call policy, applied to tools from any source by wrapping their handlers:
//  - idempotency: every non-safe call carries a key (the caller's `idempotency_key` argument,
//    else one derived from the principal, session, JSON-RPC id and arguments); its result is
//    recorded so a retried call gets it back instead of repeating the side effect;
//  - caching of safe reads per principal and arguments (TTL, upstream Cache-Control, LRU);
//  - rate limits per principal, per tool and per upstream (token buckets), answered as a tool
//    error with the delay to wait;
//  - an audit record per call (principal, tool, outcome, duration, upstream status).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mcp/core/token_buckets.hpp>
#include <mcp/server/server.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <string>

namespace mcp::gateway {

// The _meta key sources put the upstream's answer under: {"status": 200, "cacheControl": ...}.
inline constexpr std::string_view kUpstreamMeta = "io.mcpbridge/upstream";

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
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The definition callers see: non-safe tools gain the optional idempotency_key argument.
  Tool decorate(Tool tool, const CallTraits& traits) const;
  ToolHandler wrap(std::string tool_name, ToolHandler inner, CallTraits traits);
  // decorate + wrap + Server::add_tool.
  void add_tool(Server& server, Tool tool, ToolHandler handler, CallTraits traits);

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

}  // namespace mcp::gateway
