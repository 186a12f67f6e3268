#pragma once
// Test doubles for the OpenAPI caller and the gateway: an HttpClient that records every
// request and answers from a script, and a Context that records progress and sleeps.
#include <mcp/net/http_client.hpp>
#include <mcp/server/context.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

namespace mcp::test {

class FakeHttpClient final : public net::HttpClient {
 public:
  std::vector<net::ClientRequest> requests;
  std::deque<Result<net::ClientResponse>> replies;  // answered in order
  std::function<Result<net::ClientResponse>(const net::ClientRequest&)> handler;  // when no replies are queued

  void reply(int status, std::string body = {}, net::Headers headers = {}) {
    replies.push_back(net::ClientResponse{status, std::move(headers), std::move(body)});
  }
  void fail(std::string message, int code = errc::kInternalError) { replies.push_back(Error{code, std::move(message), {}}); }

  Task<Result<net::ClientResponse>> send(net::ClientRequest r) override {
    requests.push_back(r);
    if (!replies.empty()) {
      auto x = std::move(replies.front());
      replies.pop_front();
      co_return x;
    }
    if (handler) co_return handler(r);
    co_return Error{errc::kInternalError, "fake client: no reply scripted", {}};
  }
  Task<Result<net::StreamedResponse>> open(net::ClientRequest) override {
    co_return Error{errc::kInternalError, "fake client: no streams", {}};
  }
};

class CallContext final : public Context {
 public:
  Principal who;
  std::string sid = "session-1";
  json::value rid = 1;
  json::object caps;
  std::string version = "2025-11-25";
  std::vector<double> progress_calls;
  std::vector<std::chrono::milliseconds> sleeps;
  int cancel_after_sleeps = -1;  // >= 0: cancelled once that many sleeps happened
  bool is_cancelled = false;

  const json::object& client_capabilities() const override { return caps; }
  const std::string& protocol_version() const override { return version; }
  const std::string& session_id() const override { return sid; }
  const Principal& principal() const override { return who; }
  const json::value& request_id() const override { return rid; }
  Task<void> progress(double p, std::optional<double>, std::string) override {
    progress_calls.push_back(p);
    co_return;
  }
  Task<void> log(LogLevel, json::value, std::string) override { co_return; }
  bool cancelled() const override { return is_cancelled; }
  Task<bool> sleep(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    if (cancel_after_sleeps >= 0 && static_cast<int>(sleeps.size()) >= cancel_after_sleeps) is_cancelled = true;
    co_return !is_cancelled;
  }
  Task<std::vector<Result<json::object>>> ask(std::vector<InputRequest>) override { co_return std::vector<Result<json::object>>{}; }
  Error missing_capability(json::object) override { return Error{errc::kInvalidRequest, "missing", {}}; }
  void close_sse_stream() override {}
};

template <class T>
Task<void> store_result(Task<T> t, std::optional<T>* out) {
  out->emplace(co_await std::move(t));
}

template <class T>
T run_task(Task<T> t) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, store_result(std::move(t), &out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  if (!out) throw std::runtime_error("coroutine did not complete");
  return std::move(*out);
}

}  // namespace mcp::test
