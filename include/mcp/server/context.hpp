#pragma once
// Context: what a handler can do while it serves one request — report progress, log, notice
// cancellation, and ask the client (elicitation, sampling, roots). The transport implements it;
// the same handler works whichever transport or protocol revision carried the request.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/server/types.hpp>

#include <chrono>
#include <string>

namespace mcp {

class Context {
 public:
  virtual ~Context() = default;

  // The capabilities the client declared (empty object when none).
  virtual const json::object& client_capabilities() const = 0;
  // The negotiated protocol revision, e.g. "2025-11-25".
  virtual const std::string& protocol_version() const = 0;
  // Who asked (the request's session id; empty when sessionless).
  virtual const std::string& session_id() const = 0;

  // notifications/progress for the request's progressToken; a no-op when it has none.
  virtual Task<void> progress(double progress, std::optional<double> total = std::nullopt,
                              std::string message = {}) = 0;
  // notifications/message, dropped when below the client's logging level.
  virtual Task<void> log(LogLevel level, json::value data, std::string logger = {}) = 0;

  // True once the client cancelled the request; the result will then not be sent.
  virtual bool cancelled() const = 0;
  // Sleeps, returning early (false) on cancellation.
  virtual Task<bool> sleep(std::chrono::milliseconds d) = 0;

  // A raw server-to-client request; the answer's `result` object or its error.
  virtual Task<Result<json::object>> request(std::string method, json::object params) = 0;

  // Ends the HTTP connection carrying this request's SSE stream without ending the stream
  // (SEP-1699 polling): the client reconnects with Last-Event-ID and receives the rest.
  virtual void close_sse_stream() = 0;

  // Typed helpers over request(); each checks the client's declared capability first and
  // returns a clear error when it is missing.
  Task<Result<json::object>> elicit(std::string message, json::object requested_schema);
  Task<Result<json::object>> elicit_url(std::string message, std::string url, std::string elicitation_id);
  Task<Result<json::object>> sample(json::object params);
  Task<Result<json::object>> list_roots();

  bool client_supports(std::string_view capability, std::string_view sub = {}) const;
};

using ToolContext = Context;

}  // namespace mcp
