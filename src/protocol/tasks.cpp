#include <mcp/protocol/tasks.hpp>

#include <mcp/core/encoding.hpp>

#include <algorithm>
#include <ctime>

namespace mcp::protocol {
namespace {

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

json::object ack() { return {{"resultType", "complete"}}; }

}  // namespace

Error TaskStore::unknown_task(const std::string& id) {
  return Error{errc::kInvalidParams, "Unknown task: " + id, json::object{{"taskId", id}}};
}

json::object TaskStore::related(json::object r, const std::string& id) {
  json::object meta;
  if (auto* m = find_object(r, "_meta")) meta = *m;
  meta["io.modelcontextprotocol/related-task"] = json::object{{"taskId", id}};
  r["_meta"] = std::move(meta);
  return r;
}

json::object TaskStore::cancelled_record(json::object record) {
  json::object task = shared_task(record).value_or(json::object{});
  task["status"] = "cancelled";
  task["lastUpdatedAt"] = iso8601(std::chrono::system_clock::now());
  task.erase("statusMessage");
  record["task"] = std::move(task);
  record.erase("result");
  record.erase("error");
  return record;
}

bool TaskStore::ended(std::string_view status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

bool TaskStore::terminal(const Record& r) const { return ended(r.status); }

void TaskStore::sweep_locked() {
  auto now = std::chrono::system_clock::now();
  std::erase_if(tasks_, [&](const auto& kv) {
    return terminal(kv.second) && kv.second.updated + std::chrono::milliseconds(kv.second.ttl_ms) < now;
  });
}

TaskStore::Record* TaskStore::find_locked(const std::string& id, const std::string& owner) {
  auto it = tasks_.find(id);
  return it == tasks_.end() || it->second.owner != owner ? nullptr : &it->second;
}

json::object TaskStore::legacy_locked(const std::string& id, const Record& r) const {
  json::object o{{"taskId", id},
                 {"status", r.status},
                 {"createdAt", iso8601(r.created)},
                 {"lastUpdatedAt", iso8601(r.updated)},
                 {"ttl", r.ttl_ms},
                 {"pollInterval", options_.poll_interval_ms}};
  if (r.status == "failed" && r.error) o["statusMessage"] = r.error->message;
  return o;
}

Result<json::object> TaskStore::legacy_task(const std::string& id, const std::string& owner) {
  std::lock_guard lock(mu_);
  sweep_locked();
  auto* r = find_locked(id, owner);
  if (!r) return unknown_task(id);
  return legacy_locked(id, *r);
}

json::array TaskStore::legacy_list(const std::string& owner) {
  std::lock_guard lock(mu_);
  sweep_locked();
  std::vector<std::pair<std::chrono::system_clock::time_point, json::object>> found;
  for (auto& [id, r] : tasks_)
    if (r.owner == owner) found.emplace_back(r.created, legacy_locked(id, r));
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first < b.first; });
  json::array out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

Result<json::object> TaskStore::legacy_cancel(const std::string& id, const std::string& owner) {
  {
    std::lock_guard lock(mu_);
    auto* r = find_locked(id, owner);
    if (!r) return unknown_task(id);
    if (terminal(*r)) return Error{errc::kInvalidParams, "Task " + id + " has already ended (" + r->status + ")", {}};
  }
  cancel(id, owner);
  return legacy_task(id, owner);
}

std::optional<TaskStore::Shared> TaskStore::shared(const std::string& id) {
  std::lock_guard lock(mu_);
  auto* r = any_locked(id);
  if (!r) return std::nullopt;
  Shared out{r->owner, {{"o", r->owner}, {"task", legacy_locked(id, *r)}}, r->ttl_ms, terminal(*r)};
  if (r->status == "completed") out.record["result"] = r->result;
  if (r->status == "failed" && r->error)
    out.record["error"] = json::object{{"code", r->error->code}, {"message", r->error->message}, {"data", r->error->data}};
  return out;
}

std::optional<json::object> TaskStore::shared_task(const json::object& record) {
  auto* t = record.if_contains("task");
  if (!t || !t->is_object()) return std::nullopt;
  return t->get_object();
}

std::optional<Result<json::object>> TaskStore::shared_outcome(const json::object& record) {
  auto task = shared_task(record);
  auto* st = task ? task->if_contains("status") : nullptr;
  std::string_view status = st && st->is_string() ? std::string_view(st->get_string()) : std::string_view();
  if (status == "completed") {
    auto* r = record.if_contains("result");
    return Result<json::object>(r && r->is_object() ? r->get_object() : json::object{});
  }
  if (status == "failed") {
    Error e{errc::kInternalError, "Task failed", {}};
    if (auto* x = record.if_contains("error"); x && x->is_object()) {
      auto& o = x->get_object();
      if (auto* c = o.if_contains("code"); c && c->is_int64()) e.code = static_cast<int>(c->get_int64());
      if (auto* m = o.if_contains("message"); m && m->is_string()) e.message = m->get_string();
      if (auto* d = o.if_contains("data")) e.data = *d;
    }
    return Result<json::object>(std::move(e));
  }
  if (status == "cancelled") return Result<json::object>(Error{errc::kInternalError, "Task was cancelled", {}});
  return std::nullopt;
}

std::optional<Result<json::object>> TaskStore::outcome(const std::string& id, const std::string& owner) {
  std::lock_guard lock(mu_);
  auto* r = find_locked(id, owner);
  if (!r) return Result<json::object>(unknown_task(id));
  if (r->status == "completed") return Result<json::object>(r->result);
  if (r->status == "failed") return Result<json::object>(r->error.value_or(Error{errc::kInternalError, "Task failed", {}}));
  if (r->status == "cancelled") return Result<json::object>(Error{errc::kInternalError, "Task was cancelled", {}});
  return std::nullopt;
}

json::object TaskStore::describe_locked(const std::string& id, const Record& r) const {
  json::object o{{"taskId", id},
                 {"status", r.status},
                 {"createdAt", iso8601(r.created)},
                 {"lastUpdatedAt", iso8601(r.updated)},
                 {"ttlMs", r.ttl_ms},
                 {"pollIntervalMs", options_.poll_interval_ms}};
  if (r.status == "input_required") o["inputRequests"] = r.pending;
  if (r.status == "completed") o["result"] = r.result;
  if (r.status == "failed" && r.error) o["error"] = json::object{{"code", r.error->code}, {"message", r.error->message}};
  return o;
}

Result<json::object> TaskStore::create(std::shared_ptr<Inflight> inflight, std::string& id_out,
                                       const std::string& owner, std::optional<std::int64_t> requested_ttl_ms) {
  std::lock_guard lock(mu_);
  sweep_locked();
  if (tasks_.size() >= options_.max_tasks)
    return Error{errc::kInternalError, "Too many tasks; try again later", {}};
  id_out = random_token(18);
  Record r;
  r.created = r.updated = std::chrono::system_clock::now();
  r.inflight = std::move(inflight);
  r.owner = owner;
  r.ttl_ms = requested_ttl_ms ? std::clamp(*requested_ttl_ms, options_.min_ttl_ms, options_.max_ttl_ms) : options_.ttl_ms;
  auto o = owner.empty() ? describe_locked(id_out, r) : json::object{{"task", legacy_locked(id_out, r)}};
  tasks_.emplace(id_out, std::move(r));
  if (owner.empty()) o["resultType"] = "task";
  return o;
}

Result<json::object> TaskStore::get(const std::string& id, const std::string& owner) {
  std::lock_guard lock(mu_);
  sweep_locked();
  auto* r = find_locked(id, owner);
  if (!r) return unknown_task(id);
  auto o = describe_locked(id, *r);
  o["resultType"] = "complete";
  return o;
}

Result<json::object> TaskStore::update(const std::string& id, const json::object& responses,
                                       const std::string& owner) {
  std::shared_ptr<Inflight> wake;
  {
    std::lock_guard lock(mu_);
    auto* r = find_locked(id, owner);
    if (!r) return unknown_task(id);
    bool changed = false;
    for (auto& [k, v] : responses) {
      if (!r->pending.contains(k) || !v.is_object()) continue;  // unknown keys are ignored
      r->answers[k] = v;
      r->pending.erase(k);
      changed = true;
    }
    if (changed) {
      if (r->pending.empty() && r->status == "input_required") r->status = "working";
      r->updated = std::chrono::system_clock::now();
      wake = r->inflight;
    }
  }
  if (wake) wake->wake.notify();
  return ack();
}

Result<json::object> TaskStore::cancel(const std::string& id, const std::string& owner) {
  std::shared_ptr<Inflight> f;
  {
    std::lock_guard lock(mu_);
    auto* r = find_locked(id, owner);
    if (!r) return unknown_task(id);
    if (!terminal(*r)) {
      r->status = "cancelled";
      r->pending = {};
      r->updated = std::chrono::system_clock::now();
      f = r->inflight;
    }
  }
  if (f) {
    f->cancelled = true;
    f->wake.notify();
  }
  return ack();
}

void TaskStore::complete(const std::string& id, json::object result) {
  std::lock_guard lock(mu_);
  auto* r = any_locked(id);
  if (!r || terminal(*r)) return;  // a cancelled task keeps its status
  r->status = "completed";
  r->result = std::move(result);
  r->pending = {};
  r->updated = std::chrono::system_clock::now();
}

void TaskStore::fail(const std::string& id, Error error) {
  std::lock_guard lock(mu_);
  auto* r = any_locked(id);
  if (!r || terminal(*r)) return;
  r->status = "failed";
  r->error = std::move(error);
  r->pending = {};
  r->updated = std::chrono::system_clock::now();
}

json::object TaskStore::need_input(const std::string& id, const json::object& requests) {
  std::lock_guard lock(mu_);
  auto* r = any_locked(id);
  if (!r || terminal(*r)) return {};
  for (auto& [k, req] : requests)
    if (!r->answers.contains(k)) r->pending[k] = req;
  if (!r->pending.empty()) {
    r->status = "input_required";
    r->updated = std::chrono::system_clock::now();
  }
  return r->answers;
}

bool TaskStore::waiting(const std::string& id, const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  auto* r = any_locked(id);
  if (!r || terminal(*r)) return false;
  for (auto& k : keys)
    if (!r->answers.contains(k)) return true;
  return false;
}

}  // namespace mcp::protocol
