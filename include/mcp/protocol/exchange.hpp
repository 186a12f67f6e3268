#pragma once
// Exchange: the response to one POST that carried requests. It starts undecided: when every
// request is answered before anything else needs sending, the answer is one JSON body (the
// cheap path); the first notification, server-to-client request or stream close switches it
// to an SSE stream of the session, which then carries everything that follows.
// Without a session (the stateless 2026-07-28 wire) the stream is the response's own: no
// event ids, no resumption, and the client closing it cancels the request.
#include <mcp/core/notifier.hpp>
#include <mcp/core/task.hpp>

#include <mcp/protocol/session.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mcp::protocol {

class Exchange {
 public:
  // `session` may be null: a stateless exchange.
  Exchange(std::shared_ptr<Session> session, int requests, bool always_sse);
  // Messages of work that outlived its request (a 2025-11-25 task) go to the session's
  // standalone GET stream.
  static std::shared_ptr<Exchange> standalone(std::shared_ptr<Session> session);

  // From request handlers (any thread).
  void send(std::string message, bool is_response);
  void finish_without_response();
  void close_connection();  // SEP-1699: end the connection, keep the stream
  // The HTTP status of a JSON answer (the stateless wire answers some errors with 400/404).
  void set_status(int status);
  // Session-less only: what the client closing the stream means (cancel the request).
  void on_client_gone(std::function<void()> hook);

  struct Outcome {
    bool sse = false;
    int status = 200;
    std::vector<std::string> responses;  // JSON mode
    std::shared_ptr<SseSink> sink;       // SSE mode
  };
  // HTTP side: waits until the JSON answer is complete or the exchange became a stream.
  Task<Outcome> wait();

 private:
  void to_sse_locked();

  std::shared_ptr<Session> session_;
  std::mutex mu_;
  bool sse_ = false;
  int outstanding_;
  int status_ = 200;
  std::function<void()> on_gone_;
  std::vector<std::string> responses_;
  std::uint64_t stream_ = 0;
  std::shared_ptr<SseSink> sink_;
  Notifier ready_;
};

}  // namespace mcp::protocol
