#include "http/cluster_tasks.hpp"

namespace mcp::http {
namespace {

constexpr std::string_view kChannel = "mcp.tasks";
constexpr std::size_t kTasksPerSession = 1000;  // listed; older ones drop off the list

std::string record_key(std::string_view id) { return "task:" + std::string(id); }
std::string list_key(std::string_view owner) { return "tasks:" + std::string(owner); }

std::string str(const json::object& o, std::string_view k) { return std::string(find_string(o, k).value_or("")); }

}  // namespace

ClusterTasks::ClusterTasks(std::shared_ptr<cluster::SharedState> shared, std::chrono::milliseconds keep)
    : shared_(std::move(shared)), keep_(keep) {}

void ClusterTasks::start() {
  std::weak_ptr<ClusterTasks> weak = weak_from_this();
  sub_ = shared_->subscribe(std::string(kChannel), [weak](const std::string& m) {
    if (auto self = weak.lock()) self->on_message(m);
  });
}

void ClusterTasks::stop() {
  {
    std::lock_guard lock(alive_mu_);
    stopped_ = true;
  }
  sub_.reset();
}

Task<Result<bool>> ClusterTasks::put(std::string id, std::string owner, std::string record,
                                     std::chrono::milliseconds ttl, bool ended, bool created) {
  // A running task's record lives at least as long as its session could (its runner rewrites
  // it at the end); a crashed runner's is gone after that.
  auto r = co_await shared_->set(record_key(id), std::move(record), ended ? ttl : std::max(ttl, keep_));
  if (!r || !created) co_return r;
  co_return co_await shared_->append(list_key(owner), std::move(id), kTasksPerSession,
                                     keep_ + std::chrono::milliseconds(std::chrono::hours(1)));
}

Task<Result<std::optional<std::string>>> ClusterTasks::load(std::string id) {
  co_return co_await shared_->get(record_key(id));
}

Task<Result<std::vector<std::string>>> ClusterTasks::owned(std::string owner) {
  co_return co_await shared_->entries(list_key(owner));
}

void ClusterTasks::announce(std::string id, std::string owner, bool cancelled) {
  json::object m{{"id", std::move(id)}, {"o", std::move(owner)}, {"c", cancelled}};
  shared_->publish(std::string(kChannel), json::serialize(m));
}

std::shared_ptr<void> ClusterTasks::watch(std::string id, std::shared_ptr<protocol::Inflight> who) {
  Watchers::iterator it;
  {
    std::lock_guard lock(mu_);
    it = watchers_.emplace(std::move(id), who);
  }
  struct Handle {
    Handle(std::weak_ptr<ClusterTasks> o, Watchers::iterator i) : owner(std::move(o)), it(i) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
      if (auto self = owner.lock()) self->unwatch(it);
    }
    std::weak_ptr<ClusterTasks> owner;
    Watchers::iterator it;
  };
  return std::make_shared<Handle>(weak_from_this(), it);
}

void ClusterTasks::unwatch(Watchers::iterator it) {
  std::lock_guard lock(mu_);
  watchers_.erase(it);
}

void ClusterTasks::on_cancel(std::function<void(const std::string&, const std::string&)> fn) {
  on_cancel_ = std::move(fn);
}

// On the shared state's thread: quick (a cancel only flags the work and wakes it).
void ClusterTasks::on_message(const std::string& message) {
  std::lock_guard alive(alive_mu_);
  if (stopped_) return;
  auto notice = parse_object(message);
  if (!notice) return;
  auto& o = *notice;
  const std::string id = str(o, "id");
  auto* c = o.if_contains("c");
  if (c && c->is_bool() && c->get_bool() && on_cancel_) on_cancel_(id, str(o, "o"));
  std::vector<std::shared_ptr<protocol::Inflight>> wake;
  {
    std::lock_guard lock(mu_);
    auto range = watchers_.equal_range(id);
    for (auto it = range.first; it != range.second; ++it)
      if (auto w = it->second.lock()) wake.push_back(std::move(w));
  }
  for (auto& w : wake) w->wake.notify();
}

}  // namespace mcp::http
