#pragma once
// The Pub/Sub side: a second connection in SUBSCRIBE mode that fans messages out to handlers.
// Every live channel is subscribed again after a reconnection; a PING every few seconds finds
// a peer that vanished without a reset. Handlers run on the redis thread; once a
// Subscription's destructor has returned its handler neither runs nor will run.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mcp/cluster/shared_state.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/redis_connection.hpp"

namespace mcp::cluster {

class RedisSubscriber : public std::enable_shared_from_this<RedisSubscriber> {
 public:
  using Handler = std::function<void(const std::string&)>;
  RedisSubscriber(boost::asio::io_context& io, RedisEndpoint endpoint, RedisConnection::Options options,
                  std::chrono::milliseconds ping_interval);
  void start();
  void stop();
  bool healthy() const { return conn_->healthy(); }
  // `channel` is the full Redis channel name.
  std::unique_ptr<Subscription> subscribe(std::string channel, Handler handler);

 private:
  struct Entry {
    Handler handler;
    std::atomic<bool> alive{true};
  };
  class Handle;
  void unsubscribe(const std::string& channel, std::uint64_t id);
  void on_push(resp::Value& v);
  void on_connected();
  void tick();

  boost::asio::io_context& io_;
  std::shared_ptr<RedisConnection> conn_;
  boost::asio::steady_timer ping_timer_;
  std::chrono::milliseconds ping_interval_;
  bool awaiting_pong_ = false;  // redis thread
  bool stopped_ = false;        // redis thread
  std::mutex mu_;               // channels_, next_id_
  std::map<std::string, std::map<std::uint64_t, std::shared_ptr<Entry>>> channels_;
  std::uint64_t next_id_ = 1;
  std::mutex dispatch_mu_;  // held while handlers run
  std::atomic<std::thread::id> redis_thread_{};
};

}  // namespace mcp::cluster
