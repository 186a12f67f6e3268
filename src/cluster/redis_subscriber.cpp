#include "cluster/redis_subscriber.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <vector>

namespace mcp::cluster {

namespace asio = boost::asio;

class RedisSubscriber::Handle final : public Subscription {
 public:
  Handle(std::weak_ptr<RedisSubscriber> owner, std::string channel, std::uint64_t id)
      : owner_(std::move(owner)), channel_(std::move(channel)), id_(id) {}
  ~Handle() override {
    if (auto owner = owner_.lock()) owner->unsubscribe(channel_, id_);
  }

 private:
  std::weak_ptr<RedisSubscriber> owner_;
  std::string channel_;
  std::uint64_t id_;
};

RedisSubscriber::RedisSubscriber(asio::io_context& io, RedisEndpoint endpoint, RedisConnection::Options options,
                                 std::chrono::milliseconds ping_interval)
    : io_(io),
      conn_(std::make_shared<RedisConnection>(io, std::move(endpoint), std::move(options))),
      ping_timer_(io),
      ping_interval_(ping_interval) {}

void RedisSubscriber::start() {
  // The connection lives no longer than this object's callers allow: weak references only.
  std::weak_ptr<RedisSubscriber> weak = weak_from_this();
  conn_->set_push_handler([weak](resp::Value& v) {
    if (auto self = weak.lock()) self->on_push(v);
  });
  conn_->set_on_connected([weak] {
    if (auto self = weak.lock()) self->on_connected();
  });
  conn_->start();
  asio::post(io_, [self = shared_from_this()] {
    self->redis_thread_ = std::this_thread::get_id();
    self->tick();
  });
}

void RedisSubscriber::stop() {
  asio::post(io_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->ping_timer_.cancel();
  });
  conn_->stop();
}

std::unique_ptr<Subscription> RedisSubscriber::subscribe(std::string channel, Handler handler) {
  auto entry = std::make_shared<Entry>();
  entry->handler = std::move(handler);
  std::lock_guard lock(mu_);
  std::uint64_t id = next_id_++;
  auto& handlers = channels_[channel];
  handlers.emplace(id, std::move(entry));
  // Posted under the lock: SUBSCRIBE and UNSUBSCRIBE of one channel reach Redis in the order
  // the handler map changed.
  if (handlers.size() == 1) conn_->send({{"SUBSCRIBE", channel}}, {});
  return std::make_unique<Handle>(weak_from_this(), std::move(channel), id);
}

void RedisSubscriber::unsubscribe(const std::string& channel, std::uint64_t id) {
  {
    std::lock_guard lock(mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    auto e = it->second.find(id);
    if (e == it->second.end()) return;
    e->second->alive = false;
    it->second.erase(e);
    if (it->second.empty()) {
      channels_.erase(it);
      conn_->send({{"UNSUBSCRIBE", channel}}, {});
    }
  }
  // A handler running now on the redis thread finishes before this returns (unless this is
  // that thread: the handler is dropping its own subscription).
  if (redis_thread_.load() != std::this_thread::get_id()) std::lock_guard wait(dispatch_mu_);
}

void RedisSubscriber::on_connected() {
  std::vector<std::string> command{"SUBSCRIBE"};
  {
    std::lock_guard lock(mu_);
    for (const auto& [channel, handlers] : channels_) command.push_back(channel);
  }
  awaiting_pong_ = false;
  if (command.size() > 1) conn_->send_now({std::move(command)}, {});
}

void RedisSubscriber::on_push(resp::Value& v) {
  using T = resp::Value::Type;
  if (v.type == T::kSimple && v.str == "PONG") {  // PING outside subscribe mode
    awaiting_pong_ = false;
    return;
  }
  if (v.type != T::kArray || v.elements.empty() || v.elements[0].type != T::kBulk) return;
  const std::string& kind = v.elements[0].str;
  if (kind == "pong") {
    awaiting_pong_ = false;
    return;
  }
  if (kind != "message" || v.elements.size() != 3) return;
  const std::string& channel = v.elements[1].str;
  std::vector<std::shared_ptr<Entry>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    for (const auto& [id, entry] : it->second) targets.push_back(entry);
  }
  std::lock_guard running(dispatch_mu_);
  for (const auto& entry : targets) {
    if (!entry->alive) continue;
    try {
      entry->handler(v.elements[2].str);
    } catch (const std::exception& e) {
      spdlog::error("redis: a subscription handler of {} threw: {}", channel, e.what());
    }
  }
}

void RedisSubscriber::tick() {
  if (stopped_) return;
  if (awaiting_pong_) {
    awaiting_pong_ = false;
    conn_->drop("no PONG within " + std::to_string(ping_interval_.count()) + " ms");
  } else if (conn_->healthy()) {
    awaiting_pong_ = true;
    conn_->send_now({{"PING"}}, {});
  }
  ping_timer_.expires_after(ping_interval_);
  ping_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->tick();
  });
}

}  // namespace mcp::cluster
