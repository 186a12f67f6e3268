#pragma once
// The store, awaitable: what a request handler asks the store it awaits, so that an event loop
// never waits for a database. Each call runs on a small thread pool of its own (as many threads
// as the store serves at once: a PostgreSQL store's connections, MCPBRIDGE_STORE_POOL; one for
// SQLite, whose connection is used by one thread at a time) and the awaiting coroutine resumes
// on its own executor with the result, or the exception the store threw. Why a pool rather than
// libpq's non-blocking mode on Asio sockets: docs/adr/0008-awaitable-store.md.
#include <mcp/core/task.hpp>
#include <mcp/store/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <type_traits>

namespace mcp::store {

namespace detail {
// On the pool. `s` is a raw pointer: the awaiting frame owns the store and the pool, so their
// last reference is never dropped on a pool thread (a pool cannot join itself).
template <class R, class F>
Task<R> on_store_pool(Store* s, F f) {
  if constexpr (std::is_void_v<R>)
    f(*s);
  else
    co_return f(*s);
}
}  // namespace detail

class AsyncStore {
 public:
  AsyncStore() = default;  // none: callers check operator bool
  // A pool of `threads` threads for `store` (0: store->concurrency()). A copy shares both.
  explicit AsyncStore(std::shared_ptr<Store> store, std::size_t threads = 0);

  explicit operator bool() const { return store_ != nullptr; }
  // The synchronous store, for callers on no event loop (startup, the CLI, background threads).
  const std::shared_ptr<Store>& store() const { return store_; }

  // f(Store&) on the pool; resumes the caller on its executor with f's result or exception. f
  // may refer to the caller's locals: the caller's frame waits until f has returned.
  template <class F>
  Task<std::invoke_result_t<F&, Store&>> call(F f) const {
    return run(*this, std::move(f));
  }

  // The calls request paths make one at a time.
  Task<std::optional<ApiKey>> find_api_key_by_hash(std::string hash) const;
  Task<std::optional<User>> find_user(std::string id) const;
  Task<std::optional<OAuthClient>> find_oauth_client(std::string id) const;
  Task<std::optional<OAuthConsent>> find_oauth_consent(std::string user, std::string client_id) const;
  Task<void> put_oauth_consent(OAuthConsent c) const;
  Task<void> put_oauth_code(OAuthCode c) const;
  Task<std::optional<IdempotencyRecord>> find_idempotency(std::string scope, std::string tool, std::string key,
                                                          std::int64_t now) const;
  Task<bool> put_idempotency(IdempotencyRecord r, std::int64_t now) const;
  // /readyz: true once a read has answered; throws what the store threw.
  Task<bool> answers() const;

  // Waits for the calls in flight and stops the pool (shutdown, after the event loops have
  // stopped: a call's completion must not outlive the loop it resumes on). Later calls throw.
  void drain() const;

 private:
  template <class F, class R = std::invoke_result_t<F&, Store&>>
  static Task<R> run(AsyncStore self, F f) {
    if (!self.store_) throw std::logic_error("store: no store to call");
    if (self.pool_->drained) throw std::runtime_error("store: shutting down");
    auto ex = self.pool_->threads.get_executor();
    if constexpr (std::is_void_v<R>)
      co_await boost::asio::co_spawn(ex, detail::on_store_pool<R>(self.store_.get(), std::move(f)),
                                     boost::asio::use_awaitable);
    else
      co_return co_await boost::asio::co_spawn(ex, detail::on_store_pool<R>(self.store_.get(), std::move(f)),
                                               boost::asio::use_awaitable);
  }

  struct Pool {
    explicit Pool(std::size_t n) : threads(n) {}
    boost::asio::thread_pool threads;
    std::atomic<bool> drained{false};
  };
  std::shared_ptr<Store> store_;
  std::shared_ptr<Pool> pool_;
};

}  // namespace mcp::store
