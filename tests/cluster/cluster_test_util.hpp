#pragma once
// Helpers of the cluster tests: run a coroutine to completion on a private io_context, and
// wait (bounded) for a condition.
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

template <class T>
Task<void> store_result(Task<T> t, std::optional<T>* out) {
  out->emplace(co_await std::move(t));
}

template <class T>
T run_on(boost::asio::io_context& io, Task<T> t) {
  std::optional<T> out;
  boost::asio::co_spawn(io, store_result(std::move(t), &out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
  if (!out) throw std::runtime_error("coroutine did not complete");
  return std::move(*out);
}

template <class T>
T run(Task<T> t) {
  boost::asio::io_context io;
  return run_on(io, std::move(t));
}

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
