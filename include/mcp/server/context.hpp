#pragma once
// Context: what a handler can do while it serves one request — report progress, log, notice
// cancellation, and ask the client (elicitation, sampling, roots). The transport implements it;
// the same handler works whichever transport or protocol revision carried the request.
#include <mcp/core/json.hpp>
#include <mcp/core/principal.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/server/call_info.hpp>
#include <mcp/server/types.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace mcp {

// One input a handler needs from the client: a server-to-client request (elicitation/create,
// sampling/createMessage, roots/list). `key` names it in a 2026-07-28 InputRequiredResult
// (empty: derived from the position); the session-based wire ignores it.
struct InputRequest {
  std::string key;
  std::string method;
  json::object params;
};

// Thrown (not an std::exception) out of a handler to answer the request with a JSON-RPC error
// instead of a result, e.g. -32021 when a needed client capability was not declared.
struct ProtocolError {
  Error error;
};

class Context {
 public:
  virtual ~Context() = default;

  // The capabilities the client declared (empty object when none).
  virtual const json::object& client_capabilities() const = 0;
  // The negotiated protocol revision, e.g. "2025-11-25".
  virtual const std::string& protocol_version() const = 0;
  // The request's session id; empty when sessionless.
  virtual const std::string& session_id() const = 0;
  // Who is behind the request.
  virtual const Principal& principal() const = 0;
  // The JSON-RPC id of the request (null when not known): with session_id() and principal()
  // it names one call, e.g. to derive an idempotency key that a retried request repeats.
  virtual const json::value& request_id() const;

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
  Task<Result<json::object>> request(std::string method, json::object params);
  // Several inputs at once; the answers in the same order. On the session-based wire these
  // are requests sent on the request's SSE stream; on the stateless wire (2026-07-28) the
  // handler is re-run on each round trip and an unanswered input ends this run with an
  // InputRequiredResult — so a handler must ask deterministically, and do its side effects
  // only after its inputs are answered.
  virtual Task<std::vector<Result<json::object>>> ask(std::vector<InputRequest> inputs) = 0;
  // From here on, run as a task when the client takes tasks (the 2026 tasks extension) and
  // the tool supports them: the caller gets a CreateTaskResult now and polls for the result;
  // inputs asked after this wait for tasks/update. Elsewhere a no-op. The server calls it
  // before the handler unless Tool::task_starts_in_handler is set.
  virtual Task<void> start_task() { co_return; }
  // What a missing client capability means here: an error result for the handler on the
  // session-based wire; on the stateless wire it throws ProtocolError(-32021).
  virtual Error missing_capability(json::object required) = 0;

  // Ends the HTTP connection carrying this request's SSE stream without ending the stream
  // (SEP-1699 polling): the client reconnects with Last-Event-ID and receives the rest.
  virtual void close_sse_stream() = 0;

  // Typed helpers over ask(); each checks the client's declared capability first.
  Task<Result<json::object>> elicit(std::string message, json::object requested_schema, std::string key = {});
  Task<Result<json::object>> elicit_url(std::string message, std::string url, std::string elicitation_id,
                                        std::string key = {});
  Task<Result<json::object>> sample(json::object params, std::string key = {});
  Task<Result<json::object>> list_roots(std::string key = {});
  // The request (or its error) that asks for `key`, checked against the client's capabilities.
  Result<InputRequest> elicit_request(std::string message, json::object requested_schema, std::string key = {});
  Result<InputRequest> sample_request(json::object params, std::string key = {});
  Result<InputRequest> list_roots_request(std::string key = {});

  bool client_supports(std::string_view capability, std::string_view sub = {}) const;

  // What the layers serving this call pass each other (trace, idempotency key, the upstream's
  // answer): one per request, filled by the transport and read and written by the gateway and
  // the sources.
  CallInfo& call() { return call_; }
  const CallInfo& call() const { return call_; }

 private:
  CallInfo call_;
};

using ToolContext = Context;

}  // namespace mcp
