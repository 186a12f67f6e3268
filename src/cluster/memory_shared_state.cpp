// The in-process SharedState: records and capped logs in one table bounded by `max_keys`
// (the entry expiring first makes room), token buckets, and publish/subscribe delivered on a
// thread of its own — as a Redis connection's reader would — so that a handler never runs
// inside the publisher's locks and two "replicas" in one process see each other as two
// processes sharing one Redis would.
#include <mcp/cluster/shared_state.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace mcp::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// One subscription's handler; `alive` is cleared (under `mu`) when it is dropped, so that no
// delivery runs once the Subscription's destructor has returned.
struct Listener {
  std::recursive_mutex mu;
  bool alive = true;
  std::function<void(const std::string&)> handler;
};

class MemorySharedState final : public SharedState, public std::enable_shared_from_this<MemorySharedState> {
 public:
  explicit MemorySharedState(std::size_t max_keys)
      : max_keys_(std::max<std::size_t>(max_keys, 1)), buckets_(max_keys_), work_(io_.get_executor()) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~MemorySharedState() override {
    work_.reset();
    io_.stop();
    // (Dropped by a handler's last reference on its own thread: it cannot join itself.)
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else if (thread_.joinable()) thread_.join();
  }

  Task<Result<std::optional<std::string>>> get(std::string key) override {
    std::lock_guard lock(mu_);
    auto it = live_locked(key);
    if (it == table_.end() || it->second.is_log) co_return std::optional<std::string>();
    co_return std::optional<std::string>(it->second.value);
  }

  Task<Result<bool>> set(std::string key, std::string value, milliseconds ttl) override {
    std::lock_guard lock(mu_);
    Entry& e = put_locked(key, ttl);
    e.is_log = false;
    e.log.clear();
    e.value = std::move(value);
    co_return true;
  }

  Task<Result<bool>> set_if_absent(std::string key, std::string value, milliseconds ttl) override {
    std::lock_guard lock(mu_);
    if (live_locked(key) != table_.end()) co_return false;
    Entry& e = put_locked(key, ttl);
    e.value = std::move(value);
    co_return true;
  }

  Task<Result<bool>> del(std::string key) override {
    std::lock_guard lock(mu_);
    auto it = live_locked(key);
    if (it == table_.end()) co_return false;
    erase_locked(it);
    co_return true;
  }

  Task<Result<bool>> renew(std::string key, std::string value, milliseconds ttl) override {
    std::lock_guard lock(mu_);
    auto it = live_locked(key);
    if (it == table_.end() || it->second.is_log || it->second.value != value) co_return false;
    put_locked(key, ttl);
    co_return true;
  }

  Task<Result<bool>> release(std::string key, std::string value) override {
    std::lock_guard lock(mu_);
    auto it = live_locked(key);
    if (it == table_.end() || it->second.is_log || it->second.value != value) co_return false;
    erase_locked(it);
    co_return true;
  }

  Task<Result<bool>> append(std::string key, std::string entry, std::size_t max_entries, milliseconds ttl) override {
    std::lock_guard lock(mu_);
    Entry& e = put_locked(key, ttl);
    e.is_log = true;
    e.log.push_back(std::move(entry));
    while (e.log.size() > std::max<std::size_t>(max_entries, 1)) e.log.pop_front();
    co_return true;
  }

  Task<Result<std::vector<std::string>>> entries(std::string key) override {
    std::lock_guard lock(mu_);
    auto it = live_locked(key);
    std::vector<std::string> out;
    if (it != table_.end() && it->second.is_log) out.assign(it->second.log.begin(), it->second.log.end());
    co_return out;
  }

  void publish(std::string channel, std::string message) override {
    std::vector<std::shared_ptr<Listener>> to;
    {
      std::lock_guard lock(sub_mu_);
      auto range = listeners_.equal_range(channel);
      for (auto it = range.first; it != range.second; ++it) to.push_back(it->second);
    }
    if (to.empty()) return;
    boost::asio::post(io_, [to = std::move(to), message = std::move(message)] {
      for (auto& l : to) {
        std::lock_guard lock(l->mu);
        if (l->alive) l->handler(message);
      }
    });
  }

  std::unique_ptr<Subscription> subscribe(std::string channel,
                                          std::function<void(const std::string&)> handler) override {
    auto l = std::make_shared<Listener>();
    l->handler = std::move(handler);
    std::multimap<std::string, std::shared_ptr<Listener>>::iterator pos;
    {
      std::lock_guard lock(sub_mu_);
      pos = listeners_.emplace(std::move(channel), l);
    }
    return std::make_unique<Sub>(shared_from_this(), pos, std::move(l));
  }

  Task<Result<std::optional<milliseconds>>> take(std::string key, RateLimit limit) override {
    co_return buckets_.take(key, limit, Clock::now());
  }

  bool healthy() const override { return true; }
  std::string describe() const override { return "memory"; }

 private:
  struct Entry {
    std::string value;
    std::deque<std::string> log;
    bool is_log = false;
    Clock::time_point expires;
  };
  using Table = std::unordered_map<std::string, Entry>;

  class Sub final : public Subscription {
   public:
    Sub(std::shared_ptr<MemorySharedState> owner, std::multimap<std::string, std::shared_ptr<Listener>>::iterator pos,
        std::shared_ptr<Listener> l)
        : owner_(std::move(owner)), pos_(pos), l_(std::move(l)) {}
    ~Sub() override {
      {
        std::lock_guard lock(l_->mu);
        l_->alive = false;
      }
      std::lock_guard lock(owner_->sub_mu_);
      owner_->listeners_.erase(pos_);
    }

   private:
    std::shared_ptr<MemorySharedState> owner_;
    std::multimap<std::string, std::shared_ptr<Listener>>::iterator pos_;
    std::shared_ptr<Listener> l_;
  };

  // The entry under `key` unless it has expired (then it is dropped).
  Table::iterator live_locked(const std::string& key) {
    auto it = table_.find(key);
    if (it != table_.end() && it->second.expires <= Clock::now()) {
      erase_locked(it);
      return table_.end();
    }
    return it;
  }

  void erase_locked(Table::iterator it) {
    by_expiry_.erase({it->second.expires, it->first});
    table_.erase(it);
  }

  // The entry under `key` (made if absent), its expiry moved to now + ttl. At the bound,
  // expired entries go first, then the one expiring soonest.
  Entry& put_locked(const std::string& key, milliseconds ttl) {
    auto now = Clock::now();
    auto expires = now + (ttl.count() > 0 ? ttl : milliseconds(std::chrono::hours(24)));
    auto it = live_locked(key);
    if (it == table_.end()) {
      while (!by_expiry_.empty() && (table_.size() >= max_keys_ || by_expiry_.begin()->first <= now))
        erase_locked(table_.find(by_expiry_.begin()->second));
      it = table_.emplace(key, Entry{}).first;
    } else {
      by_expiry_.erase({it->second.expires, key});
    }
    it->second.expires = expires;
    by_expiry_.insert({expires, key});
    return it->second;
  }

  const std::size_t max_keys_;
  std::mutex mu_;
  Table table_;
  std::set<std::pair<Clock::time_point, std::string>> by_expiry_;
  TokenBuckets buckets_;

  std::mutex sub_mu_;
  std::multimap<std::string, std::shared_ptr<Listener>> listeners_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace

std::shared_ptr<SharedState> make_memory_shared_state(std::size_t max_keys) {
  return std::make_shared<MemorySharedState>(max_keys);
}

}  // namespace mcp::cluster
