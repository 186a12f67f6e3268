#pragma once
// The MCP client over Streamable HTTP, for both generations of the protocol:
//  - session era (2025-03-26 … 2025-11-25): initialize, Mcp-Session-Id, MCP-Protocol-Version,
//    JSON or SSE responses, resumption with Last-Event-ID after the server's retry delay,
//    server→client requests answered by the handlers below, DELETE on close;
//  - stateless era (2026-07-28): server/discover, per-request _meta, Mcp-Method / Mcp-Name
//    headers, input_required results answered by the same handlers and retried with
//    requestState.
// Transport is a net::HttpClient (mcp::http::make_http_client, or a fake in tests).
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/net/http_client.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mcp::client {

inline constexpr const char* kStatelessVersion = "2026-07-28";
inline constexpr const char* kLatestSessionVersion = "2025-11-25";

struct Options {
  std::string url;  // the MCP endpoint
  std::string name = "mcpbridge-client";
  std::string version = "0.1.0";
  // The revision asked for: a session-era date, or kStatelessVersion. With `fallback` a
  // stateless client falls back to initialize when the server does not know server/discover.
  std::string protocol_version = kLatestSessionVersion;
  bool fallback = true;
  net::Headers headers;  // sent on every request (authorization, custom headers)
  std::chrono::milliseconds request_timeout{60000};
  // Session era: open the GET stream after initialize and answer what arrives on it
  // (servers send requests not tied to one of ours there).
  bool listen = true;
  int max_reconnects = 5;       // resuming one broken SSE response
  int max_input_rounds = 10;    // input_required round trips for one call
  std::size_t max_message_bytes = 16 << 20;
  // Called with each message sent ("> ...") and received ("< ..."), for debugging.
  std::function<void(std::string_view)> trace;
};

// A server→client request (sampling/createMessage, elicitation/create, roots/list): the result
// object, or an Error sent back as the JSON-RPC error.
using RequestHandler = std::function<Task<Result<json::object>>(json::object params)>;
using NotificationHandler = std::function<void(const std::string& method, const json::object& params)>;
// Called before each HTTP request to the endpoint (with its method); may add or replace
// headers (OAuth tokens, DPoP proofs).
using HeaderHook = std::function<Task<Result<net::Headers>>(net::Headers, std::string method)>;
// Called on 401/403 with the response; true means "retry" (credentials were refreshed).
using AuthHook = std::function<Task<bool>(int status, net::Headers response_headers)>;

struct RequestOptions {
  json::value progress_token;  // non-null: ask for progress notifications
  std::function<void(const json::object& params)> on_progress;
  // Told the JSON-RPC id of each attempt as it is sent (to cancel it with cancel()).
  std::function<void(const json::value& id)> on_sent;
  // When to stop waiting (max(): Options::request_timeout alone). Each POST gets the shorter of
  // request_timeout and the time left; an SSE answer is abandoned once it passes (kRequestTimeout).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class Client {
 public:
  Client(std::shared_ptr<net::HttpClient> http, Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept = default;
  Client& operator=(Client&&) noexcept = default;

  // Declares a capability and answers its requests (the capability name is derived from the
  // method: "sampling/createMessage" → sampling, "elicitation/create" → elicitation,
  // "roots/list" → roots). Register before connect().
  void on_request(std::string method, RequestHandler handler);
  void on_notification(NotificationHandler handler);
  void set_header_hook(HeaderHook hook);
  void set_auth_hook(AuthHook hook);

  // initialize (+ notifications/initialized) or server/discover; returns the server's result.
  Task<Result<json::object>> connect();
  // Any request; the result object of a complete result (input_required is resolved here).
  Task<Result<json::object>> request(std::string method, json::object params, RequestOptions options = {});
  Task<Result<bool>> notify(std::string method, json::object params);

  Task<Result<json::object>> ping();
  Task<Result<json::object>> list_tools(std::string cursor = {});
  Task<Result<json::array>> list_all_tools();  // follows nextCursor (bounded)
  Task<Result<json::object>> call_tool(std::string name, json::object arguments, RequestOptions options = {});
  Task<Result<json::object>> list_resources(std::string cursor = {});
  Task<Result<json::object>> read_resource(std::string uri);
  Task<Result<json::object>> list_prompts(std::string cursor = {});
  Task<Result<json::object>> get_prompt(std::string name, json::object arguments);
  Task<Result<bool>> cancel(json::value request_id, std::string reason);
  Task<Result<bool>> set_logging_level(std::string level);

  // Reads the session's GET stream until close() (session era; connect() starts one already
  // when Options::listen is set).
  Task<Result<bool>> listen();
  // Ends the session (DELETE) and any open stream.
  Task<void> close();

  bool stateless() const;
  const std::string& protocol_version() const;  // negotiated
  const std::string& session_id() const;
  const json::object& server_info() const;
  const json::object& server_capabilities() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Fills an elicitation's answer from its requestedSchema defaults (SEP-1034).
json::object defaults_from_schema(const json::object& requested_schema);

}  // namespace mcp::client
