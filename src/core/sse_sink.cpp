#include <mcp/net/sse_sink.hpp>

namespace mcp::net {

bool SseSink::push(std::string_view bytes) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    buf_ += bytes;
  }
  notifier_.notify();
  return true;
}

void SseSink::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  notifier_.notify();
}

void SseSink::abandon() {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    if (abandoned_) return;
    abandoned_ = true;
    closed_ = true;
    hook = std::move(on_abandon_);
  }
  notifier_.notify();
  if (hook) hook();
}

void SseSink::on_abandon(std::function<void()> hook) {
  bool run_now;
  {
    std::lock_guard lock(mu_);
    run_now = abandoned_;
    if (!run_now) on_abandon_ = std::move(hook);
  }
  if (run_now && hook) hook();
}

std::size_t SseSink::queued() const {
  std::lock_guard lock(mu_);
  return buf_.size();
}

bool SseSink::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

Task<SseSink::Chunk> SseSink::next(std::chrono::steady_clock::duration keepalive) {
  {
    std::lock_guard lock(mu_);
    if (!buf_.empty() || closed_) {
      Chunk c{std::move(buf_), closed_};
      buf_.clear();
      co_return c;
    }
  }
  co_await notifier_.wait(keepalive);
  std::lock_guard lock(mu_);
  Chunk c{std::move(buf_), closed_};
  buf_.clear();
  co_return c;
}

}  // namespace mcp::net
