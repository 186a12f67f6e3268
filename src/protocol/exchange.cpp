#include <mcp/protocol/exchange.hpp>

namespace mcp::protocol {

Exchange::Exchange(std::shared_ptr<Session> session, int requests, bool always_sse)
    : session_(std::move(session)), outstanding_(requests) {
  if (always_sse) {
    std::lock_guard lock(mu_);
    to_sse_locked();
  }
}

std::shared_ptr<Exchange> Exchange::standalone(std::shared_ptr<Session> session) {
  auto ex = std::make_shared<Exchange>(std::move(session), 1, false);
  std::lock_guard lock(ex->mu_);
  ex->sse_ = true;
  ex->stream_ = Session::kStandaloneStream;
  return ex;
}

void Exchange::to_sse_locked() {
  sse_ = true;
  if (!session_) {
    sink_ = std::make_shared<SseSink>();
    if (on_gone_) sink_->on_abandon(std::move(on_gone_));
    for (auto& r : responses_) sink_->push(sse_event({}, r));
    responses_.clear();
    if (outstanding_ <= 0) sink_->close();
    ready_.notify();
    return;
  }
  sink_ = session_->open_stream(stream_, outstanding_);
  // Answers collected while undecided go first, in order; they were already counted.
  for (auto& r : responses_) session_->emit(stream_, r, false);
  responses_.clear();
  ready_.notify();
}

void Exchange::send(std::string message, bool is_response) {
  std::lock_guard lock(mu_);
  if (!sse_) {
    if (is_response) {
      responses_.push_back(std::move(message));
      if (--outstanding_ == 0) ready_.notify();
      return;
    }
    to_sse_locked();
  }
  if (!session_) {
    sink_->push(sse_event({}, message));
    if (is_response && --outstanding_ <= 0) sink_->close();
    return;
  }
  session_->emit(stream_, message, is_response);
}

void Exchange::finish_without_response() {
  std::lock_guard lock(mu_);
  if (!sse_) {
    if (--outstanding_ == 0) ready_.notify();
    return;
  }
  if (!session_) {
    if (--outstanding_ <= 0) sink_->close();
    return;
  }
  session_->finish_without_response(stream_);
}

void Exchange::close_connection() {
  std::lock_guard lock(mu_);
  if (!sse_) to_sse_locked();
  if (!session_) return;  // no resumption without a session: the stream stays open
  session_->detach(stream_);
}

void Exchange::on_client_gone(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  if (sink_) sink_->on_abandon(std::move(hook));
  else on_gone_ = std::move(hook);
}

void Exchange::set_status(int status) {
  std::lock_guard lock(mu_);
  status_ = status;
}

Task<Exchange::Outcome> Exchange::wait() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (sse_) co_return Outcome{true, 200, {}, sink_};
      if (outstanding_ <= 0) co_return Outcome{false, status_, std::move(responses_), nullptr};
    }
    co_await ready_.wait(std::chrono::hours(24));
  }
}

}  // namespace mcp::protocol
