#pragma once
// An upstream HTTP response (or the failure to get one) → the tool result the model sees.
// Whatever the API answers is passed on: nothing here fails because the answer differs from
// what the spec promised (the server validates against outputSchema only when it is advertised,
// which is opt-in).
#include <chrono>
#include <mcp/core/result.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/server/call_info.hpp>
#include <mcp/server/types.hpp>
#include <optional>
#include <string>
#include <string_view>

#include <mcp/sources/openapi/model.hpp>

namespace mcp::openapi {

// `url` is the URL called; only its scheme, host and path are shown (a query may hold a key).
ToolResult map_response(const Operation& op, const net::ClientResponse& r, std::string_view url);
// The request never got an answer: connect/TLS/timeout/policy.
ToolResult map_failure(const Error& e, std::string_view upstream);
// What the source reports of the answer in Context::call().upstream (for the gateway's cache,
// idempotency records and audit; not shown to the client).
UpstreamReply upstream_reply(const net::ClientResponse& r);
UpstreamReply failure_reply(const Error& e);

// Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), within [0, a year] (a date
// in the past is 0, anything further than a year is a year); nullopt when absent or invalid.
inline constexpr long long kMaxRetryAfterSeconds = 86400LL * 365;
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);
std::string_view reason_phrase(int status);
std::string strip_query(std::string_view url);

}  // namespace mcp::openapi
