#pragma once
// An OpenAPI source: every operation of a spec becomes a tool that calls the API over
// net::HttpClient — request building, credentials (service, per-user vault, passthrough),
// retries for safe methods, 202 polling, response mapping. The loader (spec → Spec) lives
// beside it; the per-call policy (idempotency, cache, rate limits, audit) is the gateway's.
#include <chrono>
#include <functional>
#include <map>
#include <mcp/core/principal.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcp::openapi {

struct Spec;
struct Operation;

// How calls to an upstream authenticate. The gateway's own inbound credential is never sent
// unless kind is passthrough.
struct Credential {
  enum class Kind { none, bearer, basic, api_key, passthrough };
  Kind kind = Kind::none;
  std::string name;           // api_key: the header, query or cookie name
  std::string in = "header";  // api_key: header | query | cookie
  std::string secret;         // service credential (token, key, or "user:password" for basic)
  bool per_user = false;      // the secret is each principal's own, from the vault
  // passthrough: the caller's own inbound OAuth access token is sent as "Bearer", and only
  // when that token's audiences include this one (required; anything else is refused).
  std::string audience;
};

struct UpstreamOptions {
  std::string name;      // the upstream's id: vault entries, rate limits, audit, messages
  std::string base_url;  // overrides the spec's servers
  std::map<std::string, std::string> server_variables;
  Credential credential;
  std::chrono::milliseconds timeout{30000};
  std::size_t max_response_bytes = 16 << 20;
  // Retries: only for safe or idempotent methods (GET HEAD OPTIONS PUT DELETE), on 429, 502,
  // 503, 504 and network failures; backoff doubles from `backoff` up to `max_backoff` (with
  // jitter); a Retry-After longer than `max_retry_after` is reported instead of waited for.
  int max_attempts = 3;
  std::chrono::milliseconds backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds max_retry_after{30000};
  // 202 Accepted + Location: poll the Location (same origin only) with progress notifications.
  bool follow_accepted = true;
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds max_poll_time{600000};
  int max_polls = 600;
  bool output_schema = false;  // advertise outputSchema (the server then validates results)
};

// A tool ready to register, with what the gateway's policy needs to know about it.
struct SourceTool {
  Tool tool;
  ToolHandler handler;
  bool safe = false;     // GET/HEAD/OPTIONS: cacheable, no idempotency key
  std::string upstream;  // for per-upstream rate limits and audit
};

class OpenApiSource {
 public:
  OpenApiSource(std::shared_ptr<const Spec> spec, UpstreamOptions options, std::shared_ptr<net::HttpClient> client,
                std::shared_ptr<sources::Vault> vault = nullptr);
  ~OpenApiSource();

  // One tool per operation.
  std::vector<SourceTool> tools() const;
  // Three tools instead, `<prefix>search`, `<prefix>describe`, `<prefix>invoke`, for specs too
  // large to list (the model searches, reads one operation's schema, then invokes it). Search
  // ranks as the loader's search_operations does (and `mcpbridge openapi inspect --search`).
  std::vector<SourceTool> catalogue_tools(std::string prefix) const;
  // Registers tools() on `server` as they are (no gateway policy).
  void register_tools(Server& server) const;

  // Calls one operation by its tool name (what `invoke` does).
  Task<ToolResult> invoke(std::string tool_name, json::object args, Context& ctx) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// What a spec file produces (`mcpbridge openapi inspect`): its tools, or a catalogue search's
// best matches, and the operations it skipped, excluded or warned about — as text for people
// or as JSON (a tools/list result, the rest under _meta). An error when the file cannot be
// loaded at all.
struct InspectOptions {
  bool json = false;
  bool compat = false;  // schemas without $ref/$defs and 2020-12-only keywords
  std::size_t max_name_length = 64;
  // Each: a path glob when it starts with '/', an HTTP method, or an operationId / tool name.
  std::vector<std::string> include, exclude;
  std::vector<std::string> include_tags, exclude_tags;
  std::string search;  // catalogue search instead of the tool list
};
Result<std::string> inspect_file(const std::string& path, const InspectOptions& options);

}  // namespace mcp::openapi
