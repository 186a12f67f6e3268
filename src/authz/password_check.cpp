// Password checks off the event loop: scrypt takes a few hundred milliseconds and 32 MiB.
#include "authz/server_impl.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mcp::authz {
namespace {

// scrypt takes a few hundred milliseconds and 32 MiB: never on an event loop, and one at a time
// (a flood of sign-in posts costs one core, not every loop).
class KdfQueue {
 public:
  KdfQueue() : thread_([this] { run(); }) { thread_.detach(); }
  // false when 64 checks are already waiting (bounded: the sign-in is refused at once).
  bool push(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      if (jobs_.size() >= 64) return false;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !jobs_.empty(); });
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::thread thread_;
};

KdfQueue& kdf_queue() {
  static auto* q = new KdfQueue();  // lives for the process (its thread never ends)
  return *q;
}

// An unknown user costs the same scrypt as a known one: timing does not reveal who exists.
bool verify_known(const std::string& password, const std::string& hash) {
  static const std::string kDummy = auth::hash_password("mcpbridge-timing-equaliser");
  bool known = !hash.empty();
  bool ok = auth::verify_password(password, known ? hash : kDummy);
  return ok && known;
}

}  // namespace

// The loop polls a flag (the only thing the two threads share), so no handler crosses threads.
Task<bool> check_password_off_loop(std::string password, std::string hash) {
  struct Job {
    std::atomic<bool> done{false};
    bool ok = false;
  };
  auto job = std::make_shared<Job>();
  bool queued = kdf_queue().push([job, pw = std::move(password), h = std::move(hash)] {
    job->ok = verify_known(pw, h);
    job->done.store(true, std::memory_order_release);
  });
  if (!queued) co_return false;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (int i = 0; i < 60000 && !job->done.load(std::memory_order_acquire); ++i) {  // bounded: 10 min
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  co_return job->done.load(std::memory_order_acquire) && job->ok;
}


}  // namespace mcp::authz
