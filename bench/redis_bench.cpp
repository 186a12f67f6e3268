// The Redis SharedState on loopback (a figure, not a timed test). Starts its own redis-server
// (tests/support/redis_server) and reports, for one SharedState (one command connection):
//   - GET round trips, one at a time and with K coroutines in flight (pipelined batches);
//   - take() (the token-bucket Lua script), one at a time and K in flight;
//   - CPU of this process and of redis-server per operation.
//   redis_bench [seconds per figure, default 2]
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <mcp/cluster/shared_state.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

double self_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double process_cpu_s(pid_t pid) {  // utime + stime from /proc/<pid>/stat
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double ut = 0, st = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) ut = std::stod(field);
    if (i == 15) {
      st = std::stod(field);
      break;
    }
  }
  return (ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Counter {
  long ops = 0;
  long errors = 0;
};

mcp::Task<void> worker(std::shared_ptr<mcp::cluster::SharedState> s, bool take, Clock::time_point end, Counter* c,
                       int id) {
  mcp::RateLimit lots{1e9, 1e9};
  std::string key = "bench:" + std::to_string(id % 64);
  while (Clock::now() < end) {
    bool ok;
    if (take) {
      auto r = co_await s->take(key, lots);
      ok = r.has_value();
    } else {
      auto r = co_await s->get(key);
      ok = r.has_value();
    }
    ++c->ops;
    if (!ok) ++c->errors;
  }
}

void figure(const char* what, std::shared_ptr<mcp::cluster::SharedState> s, bool take, int in_flight, double seconds,
            pid_t redis) {
  asio::io_context io(1);
  Counter c;
  double cpu0 = self_cpu_s(), rcpu0 = process_cpu_s(redis);
  auto start = Clock::now();
  auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < in_flight; ++i) asio::co_spawn(io, worker(s, take, end, &c, i), asio::detached);
  io.run();
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = self_cpu_s() - cpu0, rcpu = process_cpu_s(redis) - rcpu0;
  std::printf(
      "%-8s in flight %4d: %9.0f ops/s  %8.1f us/op wall  %6.2f us CPU/op mcpbridge  %6.2f us CPU/op redis"
      "  (%ld ops, %ld errors)\n",
      what, in_flight, c.ops / wall, wall * 1e6 / c.ops * in_flight, cpu * 1e6 / c.ops, rcpu * 1e6 / c.ops, c.ops,
      c.errors);
}

}  // namespace

int main(int argc, char** argv) try {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  mcp::test::RedisServer server;
  server.start();
  mcp::cluster::RedisOptions o;
  o.url = server.url();
  auto s = mcp::cluster::make_redis_shared_state(o);
  for (int i = 0; i < 500 && !s->healthy(); ++i) std::this_thread::sleep_for(10ms);
  if (!s->healthy()) throw std::runtime_error("redis did not come up");
  std::printf("redis-server %s, one SharedState, %.1f s per figure\n", o.url.c_str(), seconds);
  for (int k : {1, 16, 128}) figure("GET", s, false, k, seconds, server.pid());
  for (int k : {1, 16, 128}) figure("take()", s, true, k, seconds, server.pid());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "redis_bench: %s\n", e.what());
  return 1;
}
