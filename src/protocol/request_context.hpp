#pragma once
// RequestContext: what the session-era Context (dispatcher.cpp) and the stateless one
// (stateless.cpp) share — the request's cancellation flag and wake-up, its progress token, and
// progress, log and sleep, which notify through the request's Exchange.
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/server/server.hpp>

#include <mcp/protocol/exchange.hpp>
#include <mcp/protocol/session.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace mcp::protocol {

class RequestContext : public Context {
 public:
  bool cancelled() const override { return f_->cancelled; }
  // Progress must increase (spec); a lower or equal value is dropped.
  Task<void> progress(double progress, std::optional<double> total, std::string message) override;
  Task<void> log(LogLevel level, json::value data, std::string logger) override;
  // Sleeps `d`; false when the request was cancelled first.
  Task<bool> sleep(std::chrono::milliseconds d) override;
  // The request's cancellation flag and wake-up (a wait of the dispatcher's own).
  const std::shared_ptr<Inflight>& inflight() const { return f_; }

 protected:
  RequestContext(std::shared_ptr<Exchange> ex, std::shared_ptr<Inflight> f, json::value progress_token)
      : ex_(std::move(ex)), f_(std::move(f)), token_(std::move(progress_token)) {}

  // Whether a log message at `level` reaches the client (the session's or the request's level).
  virtual bool logs(LogLevel level) const = 0;
  // True while notifications are held back (a stateless request that became a task).
  virtual bool muted() const { return false; }

  std::shared_ptr<Exchange> ex_;
  std::shared_ptr<Inflight> f_;

 private:
  json::value token_;
  std::optional<double> last_progress_;
};

}  // namespace mcp::protocol
