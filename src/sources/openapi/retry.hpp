#pragma once
// When a failed upstream call is tried again, and after how long. Only safe or idempotent
// methods are retried (a POST that timed out may have happened); only answers that say "try
// later" (429, 502, 503, 504) or no answer at all; Retry-After is honoured up to a bound.
#include <mcp/core/result.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/sources/openapi.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace mcp::openapi {

bool retryable_method(std::string_view method);
bool retryable_status(int status);

// The delay before attempt `attempt + 1`, or nullopt to stop and answer with `outcome`.
// `attempt` counts the attempts made (1 after the first); `jitter` in [0, 1) spreads the
// backoff between half and all of its nominal value.
std::optional<std::chrono::milliseconds> retry_delay(std::string_view method, int attempt,
                                                     const Result<net::ClientResponse>& outcome,
                                                     const UpstreamOptions& options, double jitter,
                                                     std::chrono::system_clock::time_point now);

}  // namespace mcp::openapi
