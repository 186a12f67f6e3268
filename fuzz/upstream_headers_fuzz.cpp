// Fuzzes the parsers of upstream header values: Cache-Control (gateway cache_lifetime) and
// Retry-After (parse_retry_after, seconds or an HTTP-date), each at several TTLs and clocks
// (1994, now, near the end of system_clock's nanosecond range in 2262).
// Oracles: no signed overflow or other UB (ASan + UBSan, -fno-sanitize-recover); the cache
// lifetime lies in [0, max(ttl, 0)]; a Retry-After delay, when there is one, lies in
// [0, kMaxRetryAfterSeconds].
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "gateway/result_cache.hpp"
#include "sources/openapi/response.hpp"

namespace {

using namespace std::chrono;

[[noreturn]] void fail(const char* what, std::string_view detail, long long got) {
  std::fprintf(stderr, "upstream_headers_fuzz oracle failed: %s (%lld): %.*s\n", what, got,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view v(reinterpret_cast<const char*>(data), size);
  for (milliseconds ttl :
       {milliseconds(0), milliseconds(-5), milliseconds(60'000), duration_cast<milliseconds>(hours(24 * 3650)),
        milliseconds(std::numeric_limits<long long>::max() / 2)}) {
    auto life = mcp::gateway::cache_lifetime(v, ttl);
    if (life < milliseconds(0) || life > std::max(ttl, milliseconds(0)))
      fail("cache lifetime out of [0, ttl]", v, life.count());
  }
  const auto end = system_clock::time_point::max() - hours(24);
  for (auto now :
       {system_clock::from_time_t(784111777), system_clock::now(), end, system_clock::time_point::min() + hours(24)}) {
    auto d = mcp::openapi::parse_retry_after(v, now);
    if (d && (*d < milliseconds(0) || *d > seconds(mcp::openapi::kMaxRetryAfterSeconds)))
      fail("retry-after out of [0, a year]", v, d->count());
  }
  return 0;
}
