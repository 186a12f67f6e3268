#pragma once
// Notifier: wakes one coroutine from any thread. Connections run one io_context per thread, so
// a message produced on one thread (say, a client's answer arriving on another connection) must
// wake a coroutine on another; notify() posts the wake-up to the waiter's own executor.
#include <mcp/core/task.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <mutex>

namespace mcp {

class Notifier {
 public:
  // Wakes the current waiter; if none is waiting, the next wait() returns at once.
  void notify();
  // Waits until notified or until `timeout`; true when notified. One waiter at a time.
  Task<bool> wait(std::chrono::steady_clock::duration timeout);

 private:
  std::mutex mu_;
  bool pending_ = false;
  std::shared_ptr<boost::asio::steady_timer> timer_;  // set while a coroutine waits
};

}  // namespace mcp
