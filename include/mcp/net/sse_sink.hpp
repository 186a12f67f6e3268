#pragma once
// SseSink: the body of one streaming HTTP response. Producers on any thread append encoded
// SSE frames; the connection that owns the response drains them — everything queued since its
// last write goes out in one write (coalescing) — until the sink is closed.
#include <mcp/core/notifier.hpp>
#include <mcp/core/task.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace mcp::net {

class SseSink {
 public:
  // Queues bytes; false when the sink is already closed (the bytes are dropped).
  bool push(std::string_view bytes);
  // Ends the response once what is queued has been written.
  void close();
  bool closed() const;
  std::size_t queued() const;  // bytes not yet taken by the connection
  // Connection side: the client went away. Closes the sink and runs the hook, once.
  void abandon();
  // What abandoning means for the producer (the stateless wire cancels the request).
  void on_abandon(std::function<void()> hook);

  struct Chunk {
    std::string bytes;  // may be empty (nothing arrived before the keep-alive interval)
    bool last = false;  // the response ends after these bytes
  };
  // Connection side: waits up to `keepalive` for bytes.
  Task<Chunk> next(std::chrono::steady_clock::duration keepalive);

 private:
  mutable std::mutex mu_;
  std::string buf_;
  bool closed_ = false;
  bool abandoned_ = false;
  std::function<void()> on_abandon_;
  Notifier notifier_;
};

}  // namespace mcp::net
