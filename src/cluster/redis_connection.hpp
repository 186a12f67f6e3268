#pragma once
// One pipelined connection to Redis, driven on the shared state's own io_context (one thread).
// Commands from any thread are queued, written in batches and matched to replies in order.
// Every command is bounded: a reply later than the command timeout fails the command (its
// reply is skipped when it comes); an I/O error fails everything pending, and the connection
// comes back by itself with exponential backoff. While it is known to be down, commands fail
// at once instead of waiting.
//
// Push mode (set_push_handler) is for Pub/Sub: every reply goes to the push handler and
// commands expect no reply of their own.
#include <atomic>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <mcp/cluster/shared_state.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis_link.hpp"
#include "cluster/resp.hpp"

namespace mcp::cluster {

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Command = std::vector<std::string>;
  using Replies = std::vector<resp::Value>;

  struct Options {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{1000};
    std::chrono::milliseconds max_backoff{5000};
    std::size_t max_pending = 100000;  // batches waiting for their replies
    std::string name = "redis";        // in log lines
  };

  // A move-only callback with the replies of one batch (an Error when it failed as a whole).
  class Completion {
   public:
    Completion() = default;
    template <class F>
    explicit Completion(F f) : impl_(std::make_unique<Impl<F>>(std::move(f))) {}
    explicit operator bool() const { return impl_ != nullptr; }
    void operator()(Result<Replies> r) {
      auto impl = std::move(impl_);
      impl->call(std::move(r));
    }

   private:
    struct Base {
      virtual ~Base() = default;
      virtual void call(Result<Replies> r) = 0;
    };
    template <class F>
    struct Impl final : Base {
      explicit Impl(F f) : f(std::move(f)) {}
      void call(Result<Replies> r) override { f(std::move(r)); }
      F f;
    };
    std::unique_ptr<Base> impl_;
  };

  RedisConnection(boost::asio::io_context& io, RedisEndpoint endpoint, Options options);
  ~RedisConnection();

  // Before start(): replies go to `push` (on the redis thread) instead of to commands.
  void set_push_handler(std::function<void(resp::Value&)> push) { push_ = std::move(push); }
  // Before start(): runs on the redis thread after each handshake, before queued commands are
  // written; it may call send_now().
  void set_on_connected(std::function<void()> hook) { on_connected_ = std::move(hook); }
  void start();
  // Thread-safe: fails what is pending, closes, no reconnection.
  void stop();
  // Thread-safe: closes the current connection (it reconnects), e.g. when a keepalive is missed.
  void drop(std::string why);
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

  // Thread-safe: pipelines `commands` in order; `done` gets their replies on the redis thread.
  void send(std::vector<Command> commands, Completion done);
  // On the redis thread only: as send(), without the hop.
  void send_now(std::vector<Command> commands, Completion done);

  // send(), awaited: resumes on the awaiting handler's own executor.
  template <class Token>
  auto async_exec(std::vector<Command> commands, Token&& token) {
    return boost::asio::async_initiate<Token, void(Result<Replies>)>(
        [self = shared_from_this()](auto handler, std::vector<Command> commands) {
          // Keeps the awaiting executor's context running until the answer is posted to it.
          auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                          boost::asio::execution::outstanding_work.tracked);
          self->send(std::move(commands), Completion([handler = std::move(handler), work](Result<Replies> r) mutable {
                       (void)work;
                       boost::asio::post(boost::asio::append(std::move(handler), std::move(r)));
                     }));
        },
        token, std::move(commands));
  }
  Task<Result<Replies>> exec(std::vector<Command> commands) {
    return async_exec(std::move(commands), boost::asio::use_awaitable);
  }

 private:
  struct Pending {
    std::size_t expected;
    Replies replies;
    std::chrono::steady_clock::time_point deadline;
    Completion done;  // empty once the batch failed (a timeout): its replies are skipped
  };
  static Task<void> run(std::shared_ptr<RedisConnection> self);
  Task<std::string> read_loop();
  Task<void> pause(std::chrono::milliseconds d);
  void on_reply(resp::Value v);
  void start_write();
  void arm_timer();
  void on_timer();
  void fail_all(const std::string& why);
  void close_socket();

  boost::asio::io_context& io_;
  RedisEndpoint endpoint_;
  Options options_;
  std::function<void(resp::Value&)> push_;
  std::function<void()> on_connected_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timeout_timer_;
  boost::asio::steady_timer backoff_timer_;
  resp::Parser parser_;
  std::string out_;              // encoded commands not yet written
  std::deque<Pending> pending_;  // sent or queued, awaiting replies, in order
  bool writing_ = false;
  bool timer_armed_ = false;
  bool connected_ = false;  // handshake done, socket usable
  bool attempted_ = false;  // a connection attempt has finished (fail fast when down)
  bool stopped_ = false;
  bool unexpected_ = false;       // a reply with no command: the stream is out of step
  std::uint64_t generation_ = 0;  // of the socket, for stale write completions
  std::atomic<bool> healthy_{false};
  std::string last_error_;  // logged once per outage
};

}  // namespace mcp::cluster
