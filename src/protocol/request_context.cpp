// RequestContext: progress, log and sleep shared by the session-era and stateless Contexts.
#include "protocol/request_context.hpp"

namespace mcp::protocol {

Task<void> RequestContext::progress(double progress, std::optional<double> total, std::string message) {
  if (token_.is_null() || f_->cancelled || muted()) co_return;
  if (last_progress_ && progress <= *last_progress_) co_return;
  last_progress_ = progress;
  json::object p{{"progressToken", token_}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = std::move(message);
  ex_->send(jsonrpc::notification("notifications/progress", p), false);
}

Task<void> RequestContext::log(LogLevel level, json::value data, std::string logger) {
  if (!logs(level) || f_->cancelled || muted()) co_return;
  json::object p{{"level", to_string(level)}, {"data", std::move(data)}};
  if (!logger.empty()) p["logger"] = std::move(logger);
  ex_->send(jsonrpc::notification("notifications/message", p), false);
}

Task<bool> RequestContext::sleep(std::chrono::milliseconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (!f_->cancelled) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return true;
    co_await f_->wake.wait(deadline - now);
  }
  co_return false;
}

}  // namespace mcp::protocol
