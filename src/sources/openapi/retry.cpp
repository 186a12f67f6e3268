#include "sources/openapi/retry.hpp"

#include "sources/openapi/response.hpp"

#include <algorithm>

namespace mcp::openapi {

bool retryable_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

bool retryable_status(int s) { return s == 429 || s == 502 || s == 503 || s == 504; }

std::optional<std::chrono::milliseconds> retry_delay(std::string_view method, int attempt,
                                                     const Result<net::ClientResponse>& outcome,
                                                     const UpstreamOptions& o, double jitter,
                                                     std::chrono::system_clock::time_point now) {
  using std::chrono::milliseconds;
  if (attempt >= o.max_attempts || !retryable_method(method)) return std::nullopt;
  if (outcome && !retryable_status(outcome.value().status)) return std::nullopt;
  if (outcome) {
    if (auto ra = outcome.value().header("retry-after"); !ra.empty()) {
      auto d = parse_retry_after(ra, now);
      if (d && *d > o.max_retry_after) return std::nullopt;  // too long: tell the caller instead
      if (d) return *d;
    }
  }
  // Exponential backoff with "equal jitter": between half and all of base * 2^(attempt-1).
  auto nominal = o.backoff * (1LL << std::min(attempt - 1, 20));
  nominal = std::min<milliseconds>(nominal, o.max_backoff);
  auto half = nominal / 2;
  return half + milliseconds(static_cast<long long>(static_cast<double>(half.count()) * std::clamp(jitter, 0.0, 1.0)));
}

}  // namespace mcp::openapi
