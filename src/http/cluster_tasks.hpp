#pragma once
// ClusterTasks: the 2025-11-25 tasks' records in shared state (protocol::TaskShare over
// cluster::SharedState; docs/scale-out.md). A record per task ("task:<id>", JSON) and, per
// owning session, the list of its task ids ("tasks:<session>", a capped log); announcements of
// cancels and ends on one channel that every replica follows.
#include <mcp/cluster/shared_state.hpp>
#include <mcp/protocol/tasks.hpp>

#include <map>
#include <mutex>

namespace mcp::http {

class ClusterTasks final : public protocol::TaskShare, public std::enable_shared_from_this<ClusterTasks> {
 public:
  // `keep`: how long a session's task list, and the record of a task still running, live
  // after their last write (an ended task's record lives its own ttl).
  ClusterTasks(std::shared_ptr<cluster::SharedState> shared, std::chrono::milliseconds keep);
  // Follows the announcements. stop() before the dispatcher goes: no handler runs once it has
  // returned.
  void start();
  void stop();

  Task<Result<bool>> put(std::string id, std::string owner, std::string record, std::chrono::milliseconds ttl,
                         bool ended, bool created) override;
  Task<Result<std::optional<std::string>>> load(std::string id) override;
  Task<Result<std::vector<std::string>>> owned(std::string owner) override;
  void announce(std::string id, std::string owner, bool cancelled) override;
  std::shared_ptr<void> watch(std::string id, std::shared_ptr<protocol::Inflight> who) override;
  void on_cancel(std::function<void(const std::string& id, const std::string& owner)> fn) override;

 private:
  using Watchers = std::multimap<std::string, std::weak_ptr<protocol::Inflight>>;
  void on_message(const std::string& message);
  void unwatch(Watchers::iterator it);

  std::shared_ptr<cluster::SharedState> shared_;
  std::chrono::milliseconds keep_;
  std::function<void(const std::string&, const std::string&)> on_cancel_;

  std::mutex alive_mu_;  // held while a handler runs; stop() takes it to end them
  bool stopped_ = false;
  std::unique_ptr<cluster::Subscription> sub_;

  std::mutex mu_;
  Watchers watchers_;
};

}  // namespace mcp::http
