#pragma once
// Helpers shared by the unit tests: drive a coroutine to completion on a private io_context,
// and a minimal mcp::Context for calling mcp::Server directly.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <mcp/core/task.hpp>
#include <mcp/server/context.hpp>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace mcp::test {

template <class T>
Task<void> store_into(Task<T> t, std::optional<T>* out) {
  out->emplace(co_await std::move(t));
}

inline void rethrow_if(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs `t` (and everything it spawns) on `io` until no work is left; returns its value.
template <class T>
T run(boost::asio::io_context& io, Task<T> t) {
  std::optional<T> out;
  boost::asio::co_spawn(io, store_into(std::move(t), &out), rethrow_if);
  io.restart();
  io.run();
  if (!out) throw std::runtime_error("coroutine did not complete");
  return std::move(*out);
}

template <class T>
T run(Task<T> t) {
  boost::asio::io_context io;
  return run(io, std::move(t));
}

inline void run_void(boost::asio::io_context& io, Task<void> t) {
  boost::asio::co_spawn(io, std::move(t), rethrow_if);
  io.restart();
  io.run();
}

// Context grows pure virtuals as the SDK grows (principal() arrives with auth); the shim
// implements principal() only when the Context in the tree declares it, so the fake builds
// against either.
template <class Base>
concept HasPrincipal = requires(const Base& b) {
  b.principal();
};

template <class Base>
class ContextShim : public Base {};

template <class Base>
requires HasPrincipal<Base>
class ContextShim<Base> : public Base {
 public:
  using PrincipalType = std::remove_cvref_t<decltype(std::declval<const Base&>().principal())>;
  const PrincipalType& principal() const override { return principal_; }
  PrincipalType principal_{};
};

// A Context that records what a handler does and never talks to a client.
class FakeContext final : public ContextShim<Context> {
 public:
  json::object caps;
  std::string version = "2025-11-25";
  std::string sid = "test-session";
  std::vector<double> progress_calls;
  std::vector<json::value> logs;
  bool is_cancelled = false;

  const json::object& client_capabilities() const override { return caps; }
  const std::string& protocol_version() const override { return version; }
  const std::string& session_id() const override { return sid; }
  Task<void> progress(double p, std::optional<double>, std::string) override {
    progress_calls.push_back(p);
    co_return;
  }
  Task<void> log(LogLevel, json::value data, std::string) override {
    logs.push_back(std::move(data));
    co_return;
  }
  bool cancelled() const override { return is_cancelled; }
  Task<bool> sleep(std::chrono::milliseconds) override { co_return !is_cancelled; }
  Task<std::vector<Result<json::object>>> ask(std::vector<InputRequest> inputs) override {
    std::vector<Result<json::object>> out;
    for (auto& in : inputs) out.push_back(Error{errc::kMethodNotFound, "fake context: no client for " + in.method, {}});
    co_return out;
  }
  Error missing_capability(json::object required) override {
    return Error{errc::kInvalidRequest, "missing capability", json::value(std::move(required))};
  }
  void close_sse_stream() override {}
};

}  // namespace mcp::test
