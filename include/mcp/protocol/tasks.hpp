#pragma once
// Tasks: a long tool call answered at once with a task id, then polled. Two wire forms share
// this store: the 2026-07-28 extension io.modelcontextprotocol/tasks (SEP-2663: tasks/get,
// tasks/update, tasks/cancel) and the 2025-11-25 experimental tasks (tasks/get, tasks/result,
// tasks/list, tasks/cancel), whose tasks belong to a session (`owner`). In memory; records
// expire a ttl after they end. With several replicas the 2025-11-25 tasks' records are also
// written to a TaskShare, so that any replica answers for them (docs/scale-out.md).
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>

#include <mcp/protocol/session.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcp::protocol {

inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";

// Where the replicas of a gateway share task records (http/cluster_tasks.hpp): the replica
// running a task writes its record (JSON, see TaskStore::shared); any replica reads it. Only
// wake-ups travel: a cancel to the replica running the task, an end to those awaiting it.
class TaskShare {
 public:
  virtual ~TaskShare() = default;
  // Writes task `id`'s record; `ended`: its last state (kept `ttl`), else it still runs.
  // `created`: the first write, which also lists the task under its owner.
  virtual Task<Result<bool>> put(std::string id, std::string owner, std::string record, std::chrono::milliseconds ttl,
                                 bool ended, bool created) = 0;
  virtual Task<Result<std::optional<std::string>>> load(std::string id) = 0;
  // The ids of the owner's tasks, oldest first (some may have expired).
  virtual Task<Result<std::vector<std::string>>> owned(std::string owner) = 0;
  // Tells every replica that task `id` was cancelled (its runner stops it) or ended.
  virtual void announce(std::string id, std::string owner, bool cancelled) = 0;
  // Wakes `who` on every announcement about `id` until the handle is dropped.
  virtual std::shared_ptr<void> watch(std::string id, std::shared_ptr<Inflight> who) = 0;
  // What a cancel announced by another replica does here (set before announcements arrive).
  virtual void on_cancel(std::function<void(const std::string& id, const std::string& owner)> fn) = 0;
};

class TaskStore {
 public:
  struct Options {
    std::int64_t ttl_ms = 300000;       // when the client asks for none
    std::int64_t min_ttl_ms = 1000;     // a requested ttl is clamped into [min, max]
    std::int64_t max_ttl_ms = 3600000;
    std::int64_t poll_interval_ms = 250;
    std::size_t max_tasks = 10000;
  };
  explicit TaskStore(Options o) : options_(o) {}

  // A new working task whose work is `inflight`; its CreateTaskResult. `requested_ttl_ms`
  // (the client's params.task.ttl) is honoured within the store's bounds; the answer says the
  // ttl actually granted.
  Result<json::object> create(std::shared_ptr<Inflight> inflight, std::string& id_out,
                              const std::string& owner = {}, std::optional<std::int64_t> requested_ttl_ms = {});
  // tasks/get: the task's state, or -32602 for an unknown id (or another owner's).
  Result<json::object> get(const std::string& id, const std::string& owner = {});
  // tasks/update: hands answers to pending inputs (others are ignored).
  Result<json::object> update(const std::string& id, const json::object& input_responses,
                              const std::string& owner = {});
  // tasks/cancel: a running task becomes cancelled; a finished one is left as it is.
  Result<json::object> cancel(const std::string& id, const std::string& owner = {});

  // The 2025-11-25 forms: a Task object; the owner's tasks; cancel that refuses a finished
  // task (-32602); and the outcome once the task has ended (nullopt while it runs).
  Result<json::object> legacy_task(const std::string& id, const std::string& owner);
  json::array legacy_list(const std::string& owner);
  Result<json::object> legacy_cancel(const std::string& id, const std::string& owner);
  std::optional<Result<json::object>> outcome(const std::string& id, const std::string& owner);

  // A task of any owner, for a TaskShare: {"o": owner, "task": the Task object, "result" or
  // "error" once it has ended}; nullopt for an unknown id.
  struct Shared {
    std::string owner;
    json::object record;
    std::int64_t ttl_ms = 0;
    bool ended = false;
  };
  std::optional<Shared> shared(const std::string& id);
  // A record read from a TaskShare: its Task object, and the outcome once it has ended.
  static std::optional<json::object> shared_task(const json::object& record);
  static std::optional<Result<json::object>> shared_outcome(const json::object& record);
  static bool ended(std::string_view status);
  // The record of a task cancelled on a replica that does not run it.
  static json::object cancelled_record(json::object record);
  static Error unknown_task(const std::string& id);
  // tasks/result's answer: the call's result, related to its task.
  static json::object related(json::object result, const std::string& id);

  // The work's side.
  void complete(const std::string& id, json::object result);
  void fail(const std::string& id, Error error);
  // Marks `requests` (key -> {method, params}) pending; the answers already given, by key.
  json::object need_input(const std::string& id, const json::object& requests);
  // True while some of `keys` are still unanswered.
  bool waiting(const std::string& id, const std::vector<std::string>& keys);

 private:
  struct Record {
    std::string owner;
    std::string status = "working";
    std::int64_t ttl_ms = 0;
    std::chrono::system_clock::time_point created, updated;
    json::object result;
    std::optional<Error> error;
    json::object pending;  // key -> request
    json::object answers;  // key -> answer
    std::shared_ptr<Inflight> inflight;
  };
  bool terminal(const Record& r) const;
  void sweep_locked();
  json::object describe_locked(const std::string& id, const Record& r) const;
  json::object legacy_locked(const std::string& id, const Record& r) const;
  Record* find_locked(const std::string& id, const std::string& owner);
  Record* any_locked(const std::string& id) {
    auto it = tasks_.find(id);
    return it == tasks_.end() ? nullptr : &it->second;
  }

  Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, Record> tasks_;
};

}  // namespace mcp::protocol
