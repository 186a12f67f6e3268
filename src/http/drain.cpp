// Graceful drain after a stop signal (docs/operations.md, "Signals"): the
// listener is closed at once, requests in progress finish within the drain
// timeout, a second signal cuts it short.
#include <mcp/http/http.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace mcp {

int drain_and_stop(HttpServer &http, const sigset_t &signals) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  auto deadline = started + http.drain_timeout();
  http.begin_drain();
  spdlog::info("draining: no new connections, {} requests in progress, up to "
               "{} s (a second signal stops at once)",
               http.requests_in_progress(), http.drain_timeout().count());
  int code = 0;
  for (;;) {
    auto busy = http.requests_in_progress();
    if (busy == 0) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    Clock::now() - started)
                    .count();
      spdlog::info("drained in {} ms: every request finished", ms);
      break;
    }
    if (Clock::now() >= deadline) {
      spdlog::warn(
          "drain timeout ({} s): stopping {} requests still in progress",
          http.drain_timeout().count(), busy);
      code = 1;
      break;
    }
    timespec poll{
        0,
        50'000'000}; // requests are counted, not awaited: look again in 50 ms
    int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig > 0) {
      spdlog::warn(
          "signal {} during the drain: stopping {} requests still in progress",
          sig, busy);
      code = 1;
      break;
    }
  }
  http.stop();
  return code;
}

} // namespace mcp
