#pragma once
// SSE framing for the session and stateless wires; the sink that carries the frames is the
// HTTP layer's streamed body (net::SseSink).
#include <mcp/net/sse_sink.hpp>

#include <string>
#include <string_view>

namespace mcp::protocol {

using net::SseSink;

std::string sse_event(std::string_view id, std::string_view data, int retry_ms = -1);

}  // namespace mcp::protocol
