#pragma once
// CallInfo: what the layers serving one call tell each other, typed, instead of side channels
// in the tool's arguments or the result's _meta (docs/adr/0006-typed-call-context.md). Every
// Context carries one (Context::call()): the transport fills the trace, the server the
// deadline, the gateway sets the idempotency key for the source, and the source reports the
// upstream's answer back up. None of it reaches the client unless a layer puts it in the result
// on purpose.
#include <mcp/core/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace mcp {

// W3C Trace Context (traceparent, tracestate), from the request's params._meta when the
// client sent a valid one; empty otherwise.
struct TraceContext {
  std::string traceparent;
  std::string tracestate;
};

// What the upstream answered, as the source saw it.
struct UpstreamReply {
  int status = 0;             // HTTP status; 0: no answer (see failure) or a source without one
  std::string cache_control;  // the answer's Cache-Control, for the gateway's cache
  std::string failure;        // why there was no answer: "timeout" or "network"; else empty
};

struct CallInfo {
  TraceContext trace;
  // The call's idempotency key (the gateway's, for non-safe calls; else empty): a source sends
  // it upstream, e.g. as the Idempotency-Key header.
  std::string idempotency_key;
  UpstreamReply upstream;
  // When the caller stops waiting for this call; max(): never. The server sets it from its
  // tool call timeout (ServerOptions::tool_call_timeout), keeping an earlier one a transport
  // set; a source bounds each upstream exchange, retry and poll by it (see bound()).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  // `own` (a source's own timeout), shortened to the time left until the deadline; zero once
  // it has passed.
  std::chrono::milliseconds bound(std::chrono::milliseconds own) const;
  bool expired() const {
    return deadline != std::chrono::steady_clock::time_point::max() &&
           std::chrono::steady_clock::now() >= deadline;
  }
};

// A traceparent "00-<32 hex>-<16 hex>-<2 hex>" (lower case, ids not all zero), or a later
// version's longer form; false for anything else, which is then not propagated.
bool valid_traceparent(std::string_view v);
// The trace context of a request's params (params._meta.traceparent / tracestate).
TraceContext trace_of(const json::object& params);

}  // namespace mcp
