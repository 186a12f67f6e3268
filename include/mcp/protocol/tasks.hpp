#pragma once
// Tasks: a long tool call answered at once with a task id, then polled. Two wire forms share
// this store: the 2026-07-28 extension io.modelcontextprotocol/tasks (SEP-2663: tasks/get,
// tasks/update, tasks/cancel) and the 2025-11-25 experimental tasks (tasks/get, tasks/result,
// tasks/list, tasks/cancel), whose tasks belong to a session (`owner`). In memory; records
// expire a ttl after they end.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>

#include <mcp/protocol/session.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcp::protocol {

inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";

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
