#include <mcp/core/notifier.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace mcp {

void Notifier::notify() {
  std::lock_guard lock(mu_);
  pending_ = true;
  if (timer_) asio::post(timer_->get_executor(), [t = timer_] { t->cancel(); });
}

Task<bool> Notifier::wait(std::chrono::steady_clock::duration timeout) {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mu_);
    if (pending_) {
      pending_ = false;
      co_return true;
    }
    timer->expires_after(timeout);
    timer_ = timer;
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(mu_);
  timer_.reset();
  bool woken = pending_;
  pending_ = false;
  co_return woken;
}

}  // namespace mcp
