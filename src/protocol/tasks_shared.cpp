// The 2025-11-25 task methods when several replicas share task records (Dispatcher::
// share_tasks): the replica running a task writes its record at creation and at its end; any
// replica answers tasks/get, tasks/list, tasks/cancel and tasks/result from it. A cancel on a
// replica that does not run the task is recorded and announced to the one that does; a
// tasks/result waits for the end's announcement (re-reading the record now and then, since an
// announcement can be lost), bounded in time.
#include <mcp/protocol/dispatcher.hpp>

#include <set>

namespace mcp::protocol {
namespace {

using std::chrono::milliseconds;

// How long a tasks/result waits between looks at the record when no announcement comes.
constexpr milliseconds kRecheck{2000};

std::optional<json::object> parse(const std::optional<std::string>& text) {
  return text ? parse_object(*text) : std::nullopt;
}

std::string owner_of(const json::object& record) { return std::string(find_string(record, "o").value_or("")); }

std::int64_t ttl_of(const json::object& task) {
  auto* t = task.if_contains("ttl");
  return t && t->is_int64() ? t->get_int64() : 0;
}

// The record of `owner`'s task `id`; nullopt when there is none (or it is another owner's).
Task<Result<std::optional<json::object>>> load(std::shared_ptr<TaskShare> share, std::string id, std::string owner) {
  auto got = co_await share->load(std::move(id));
  if (!got) co_return got.error();
  auto record = parse(got.value());
  if (!record || owner_of(*record) != owner || !TaskStore::shared_task(*record)) co_return std::nullopt;
  co_return std::move(record);
}

}  // namespace

void Dispatcher::share_tasks(std::shared_ptr<TaskShare> share) {
  share_ = std::move(share);
  // (On the shared state's thread: TaskStore::cancel only takes its lock and wakes the work.)
  share_->on_cancel([this](const std::string& id, const std::string& owner) { tasks_.cancel(id, owner); });
}

Task<Result<bool>> Dispatcher::save_task(std::string id, bool created) {
  auto s = tasks_.shared(id);
  if (!s) co_return true;
  co_return co_await share_->put(id, s->owner, json::serialize(s->record), milliseconds(s->ttl_ms), s->ended, created);
}

Task<void> Dispatcher::sync_cancel(std::string id, std::string owner) {
  auto got = co_await load(share_, id, owner);
  if (!got || !got.value()) co_return;
  auto task = TaskStore::shared_task(*got.value());
  if (auto* st = task->if_contains("status"); st && st->is_string() && st->get_string() == "cancelled")
    tasks_.cancel(id, owner);
}

Task<Result<json::object>> Dispatcher::shared_list(std::string owner) {
  auto ids = co_await share_->owned(owner);
  if (!ids) co_return ids.error();
  json::array out;
  std::set<std::string> seen;
  for (auto& id : ids.value()) {
    if (!seen.insert(id).second) continue;
    if (auto here = tasks_.legacy_task(id, owner)) {  // running here: the freshest state
      out.push_back(std::move(here.value()));
      continue;
    }
    auto got = co_await load(share_, id, owner);
    if (!got) co_return got.error();
    if (got.value()) out.push_back(*TaskStore::shared_task(*got.value()));
  }
  co_return json::object{{"tasks", std::move(out)}};
}

Task<Result<json::object>> Dispatcher::shared_task_method(std::string method, std::string id, std::string owner,
                                                          std::shared_ptr<Inflight> inflight) {
  if (method == "tasks/result") co_return co_await shared_result(std::move(id), std::move(owner), std::move(inflight));
  if (auto here = tasks_.legacy_task(id, owner)) {
    if (method == "tasks/get") co_return here;
    auto r = tasks_.legacy_cancel(id, owner);
    if (r) {
      auto saved = co_await save_task(id, false);
      if (!saved) co_return saved.error();
      share_->announce(id, owner, false);  // those awaiting its result
    }
    co_return r;
  }
  auto got = co_await load(share_, id, owner);
  if (!got) co_return got.error();
  if (!got.value()) co_return TaskStore::unknown_task(id);
  auto record = std::move(*got.value());
  auto task = *TaskStore::shared_task(record);
  if (method == "tasks/get") co_return task;
  std::string status(find_string(task, "status").value_or(""));
  if (TaskStore::ended(status)) co_return Error{errc::kInvalidParams, "Task " + id + " has already ended (" + status + ")", {}};
  // Recorded first (any replica answers "cancelled" from now on), then the runner is told.
  record = TaskStore::cancelled_record(std::move(record));
  auto saved = co_await share_->put(id, owner, json::serialize(record), milliseconds(ttl_of(task)), true, false);
  if (!saved) co_return saved.error();
  share_->announce(id, owner, true);
  co_return *TaskStore::shared_task(record);
}

// Waits for the end (the task's own replica announces it), the request's cancellation, or the
// longer of the task's ttl and the client request timeout.
Task<Result<json::object>> Dispatcher::shared_result(std::string id, std::string owner,
                                                     std::shared_ptr<Inflight> inflight) {
  auto watching = share_->watch(id, inflight);  // before the first look: no announcement is missed
  std::optional<std::chrono::steady_clock::time_point> deadline;
  for (;;) {
    std::optional<Result<json::object>> out;
    std::int64_t ttl = 0;
    if (auto here = tasks_.legacy_task(id, owner)) {
      ttl = ttl_of(here.value());
      out = tasks_.outcome(id, owner);
    } else {
      auto got = co_await load(share_, id, owner);
      if (!got) co_return got.error();
      if (!got.value()) co_return TaskStore::unknown_task(id);
      ttl = ttl_of(*TaskStore::shared_task(*got.value()));
      out = TaskStore::shared_outcome(*got.value());
    }
    if (out) {
      if (!*out) co_return out->error();
      co_return TaskStore::related(std::move(out->value()), id);
    }
    auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + std::max(milliseconds(ttl), options_.client_request_timeout);
    if (inflight->cancelled) co_return Error{errc::kRequestTimeout, "Request cancelled", {}};
    if (now >= *deadline) co_return Error{errc::kRequestTimeout, "Task " + id + " did not end in time", {}};
    co_await inflight->wake.wait(std::min<std::chrono::steady_clock::duration>(*deadline - now, kRecheck));
  }
}

}  // namespace mcp::protocol
