#pragma once
// Shared by the micro-benchmarks: drive a coroutine to completion on a reused io_context, a
// Context that talks to no client, and the tools of examples/echo_server.cpp.
#include <mcp/core/task.hpp>
#include <mcp/server/context.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/server/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace mcp {
// Declared by newer headers; only named in the variants below that match such headers.
struct InputRequest;
struct Principal;
}

namespace mcp::bench {

inline void rethrow_if(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

template <class T>
Task<void> store_into(Task<T> t, std::optional<T>* out) {
  out->emplace(co_await std::move(t));
}

// Runs `t` and everything it spawns on `io` until no work is left; returns its value.
template <class T>
T run(boost::asio::io_context& io, Task<T> t) {
  std::optional<T> out;
  boost::asio::co_spawn(io, store_into(std::move(t), &out), rethrow_if);
  io.restart();
  io.run();
  if (!out) throw std::runtime_error("coroutine did not complete");
  return std::move(*out);
}

// The Context a request gets when served outside any session: no progress, no client, the
// anonymous principal. Context's interface is still moving (request() -> ask() +
// missing_capability(), principal()); the variants below are picked at compile time so that
// the benchmarks build against either form.
template <class C>
concept AsksInputs = requires(C& c, json::object o) { c.missing_capability(o); };
template <class C>
concept HasPrincipal = requires(const C& c) { c.principal(); };

template <class C>
struct Deferred {  // names that exist only in the newer API, looked up at instantiation
  using InputRequest = mcp::InputRequest;
  using Principal = mcp::Principal;
};

template <class C, bool = HasPrincipal<C>>
class WithPrincipal : public C {};

template <class C>
class WithPrincipal<C, true> : public C {
 public:
  const typename Deferred<C>::Principal& principal() const override {
    static const typename Deferred<C>::Principal anonymous{};
    return anonymous;
  }
};

template <class C>
class NullContextBase : public WithPrincipal<C> {
 public:
  json::object caps;
  std::string version = "2025-06-18";
  std::string sid = "bench-session";

  const json::object& client_capabilities() const override { return caps; }
  const std::string& protocol_version() const override { return version; }
  const std::string& session_id() const override { return sid; }
  Task<void> progress(double, std::optional<double>, std::string) override { co_return; }
  Task<void> log(LogLevel, json::value, std::string) override { co_return; }
  bool cancelled() const override { return false; }
  Task<bool> sleep(std::chrono::milliseconds) override { co_return true; }
  void close_sse_stream() override {}
};

template <class C, bool = AsksInputs<C>>
class BasicNullContext;

template <class C>
class BasicNullContext<C, false> final : public NullContextBase<C> {
 public:
  Task<Result<json::object>> request(std::string method, json::object) override {
    co_return Error{errc::kMethodNotFound, "no client for " + method, {}};
  }
};

template <class C>
class BasicNullContext<C, true> final : public NullContextBase<C> {
 public:
  Task<std::vector<Result<json::object>>> ask(std::vector<typename Deferred<C>::InputRequest> inputs) override {
    std::vector<Result<json::object>> out;
    for (std::size_t i = 0; i < inputs.size(); ++i) out.emplace_back(Error{errc::kMethodNotFound, "no client", {}});
    co_return out;
  }
  Error missing_capability(json::object) override { return Error{errc::kInvalidRequest, "no client", {}}; }
};

using NullContext = BasicNullContext<Context>;

// The gateway's demo tools (echo {text}, add {a, b}, whoami): the ones `mcpbridge serve` offers.
inline void add_echo_tools(Server& server) { gateway::register_builtin_tools(server); }

// What the load harness (wrk + mcp_call.lua) sends.
inline constexpr std::string_view kEchoCall =
    R"({"jsonrpc":"2.0","id":1000000001,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}})";

}  // namespace mcp::bench
