#pragma once
// The completion handler of a top-level co_spawn: an exception that ended the coroutine is
// logged (error level) as "<what>: <reason>" instead of being lost.
#include <spdlog/spdlog.h>

#include <exception>

namespace mcp::http {

class LogFailure {
 public:
  explicit constexpr LogFailure(const char* what) : what_(what) {}
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("{}: {}", what_, ex.what());
    }
  }

 private:
  const char* what_;
};

}  // namespace mcp::http
