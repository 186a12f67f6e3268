#pragma once
// Helpers of the cluster tests: the unit tests' coroutine runner (test::run), and a bounded
// wait for a condition.
#include "../unit/test_util.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <mcp/core/task.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace mcp::test {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace mcp::test
