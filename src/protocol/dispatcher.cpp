#include <mcp/protocol/dispatcher.hpp>

#include "protocol/request_context.hpp"
#include <mcp/protocol/version.hpp>

#include <mcp/core/metrics.hpp>

#include <spdlog/spdlog.h>

namespace mcp::protocol {
namespace {

// The Context of a request served within a session.
class SessionContext final : public RequestContext {
 public:
  SessionContext(std::shared_ptr<Session> s, std::shared_ptr<Exchange> ex, std::shared_ptr<Inflight> f,
                 json::value progress_token, std::chrono::milliseconds timeout)
      : RequestContext(std::move(ex), std::move(f), std::move(progress_token)), s_(std::move(s)), timeout_(timeout) {}

  const json::object& client_capabilities() const override { return s_->client_capabilities(); }
  const std::string& protocol_version() const override { return s_->version(); }
  const std::string& session_id() const override { return s_->id(); }
  const Principal& principal() const override { return s_->principal(); }
  const json::value& request_id() const override { return id_; }
  void set_request_id(json::value id) { id_ = std::move(id); }
  bool logs(LogLevel level) const override { return static_cast<int>(level) >= s_->log_level.load(); }

  Error missing_capability(json::object required) override {
    std::string names;
    for (auto& [k, v] : required) names += (names.empty() ? "" : ", ") + std::string(k);
    return Error{errc::kInvalidRequest, "The client did not declare the capability this needs: " + names,
                 json::object{{"requiredCapabilities", std::move(required)}}};
  }

  Task<std::vector<Result<json::object>>> ask(std::vector<InputRequest> inputs) override {
    std::vector<Result<json::object>> answers;
    for (auto& in : inputs) answers.push_back(co_await send_request(std::move(in.method), std::move(in.params)));
    co_return answers;
  }

  Task<Result<json::object>> send_request(std::string method, json::object params) {
    if (!s_->initialized)
      co_return Error{errc::kInvalidRequest, "The client has not sent notifications/initialized yet", {}};
    auto pending = std::make_shared<PendingReply>();
    pending->owner = f_;
    json::value id = s_->register_outbound(pending);
    ex_->send(jsonrpc::request(id, method, params), false);
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      if (auto answer = s_->take_answer(*pending)) co_return std::move(*answer);
      if (f_->cancelled) {
        s_->forget_outbound(id);
        co_return Error{errc::kRequestTimeout, "Request cancelled", {}};
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        s_->forget_outbound(id);
        json::object c{{"requestId", id}, {"reason", "timed out"}};
        ex_->send(jsonrpc::notification("notifications/cancelled", c), false);
        co_return Error{errc::kRequestTimeout, "The client did not answer " + method + " in time", {}};
      }
      co_await f_->wake.wait(deadline - now);
    }
  }

  void close_sse_stream() override { ex_->close_connection(); }

 private:
  std::shared_ptr<Session> s_;
  std::chrono::milliseconds timeout_;
  json::value id_;
};

Error invalid_params(std::string m) { return Error{errc::kInvalidParams, std::move(m), {}}; }

}  // namespace

Dispatcher::Dispatcher(Server& server, DispatcherOptions options) : server_(server), options_(options) {}

Result<json::object> Dispatcher::initialize(Session& session, const json::object& params) {
  auto requested = find_string(params, "protocolVersion");
  if (!requested) return invalid_params("initialize needs a string protocolVersion");
  json::object caps, info;
  if (auto* c = find_object(params, "capabilities")) caps = *c;
  if (auto* i = find_object(params, "clientInfo")) info = *i;
  std::string version = negotiate_version(*requested);
  session.set_negotiated(version, std::move(caps), std::move(info));
  json::object result{{"protocolVersion", version},
                      {"capabilities", server_.capabilities()},
                      {"serverInfo", server_.options().info.to_json()}};
  if (!server_.options().instructions.empty()) result["instructions"] = server_.options().instructions;
  return result;
}

Task<void> Dispatcher::serve_as_task(std::shared_ptr<Session> session, jsonrpc::Message m,
                                     std::shared_ptr<Exchange> ex) {
  auto work = std::make_shared<Inflight>();
  std::string task_id;
  std::optional<std::int64_t> ttl;
  if (auto* t = find_object(m.params, "task"))
    if (auto it = t->find("ttl"); it != t->end() && it->value().is_int64()) ttl = it->value().get_int64();
  auto created = tasks_.create(work, task_id, session->id(), ttl);
  if (created && share_) {  // the record exists before the client can ask another replica
    auto saved = co_await save_task(task_id, true);
    if (!saved) {
      tasks_.cancel(task_id, session->id());
      created = saved.error();
    }
  }
  if (!created) {
    ex->send(jsonrpc::error_response(m.id, created.error()), true);
    co_return;
  }
  ex->send(jsonrpc::response(m.id, created.value()), true);
  // The work goes on after the answer; what it sends goes to the standalone stream.
  SessionContext ctx(session, Exchange::standalone(session), work, json::value(), options_.client_request_timeout);
  ctx.set_request_id(m.id);
  ctx.call().trace = trace_of(m.params);
  m.params.erase("task");
  Result<json::object> r = Error{errc::kInternalError, "Internal error", {}};
  try {
    r = co_await server_.handle("tools/call", std::move(m.params), ctx);
  } catch (const ProtocolError& e) {
    r = e.error;
  } catch (const std::exception& e) {
    spdlog::error("task {} failed: {}", task_id, e.what());
  } catch (...) {
    spdlog::error("task {} failed with a non-standard exception", task_id);
  }
  if (share_) co_await sync_cancel(task_id, session->id());
  if (r) tasks_.complete(task_id, std::move(r.value()));
  else tasks_.fail(task_id, r.error());
  if (share_) {
    auto saved = co_await save_task(task_id, false);
    if (!saved) spdlog::warn("task {}: its end not shared: {}", task_id, saved.error().message);
    share_->announce(task_id, session->id(), false);
  }
}

// serve()'s frame is allocated per request, and one above ~1 KiB takes glibc's slow path: what
// needs no awaiting lives in these plain functions rather than in its frame.
namespace {

// A tools/call's task mode: refused (the answer is sent), run as a task, or run normally.
enum class TaskMode { refused, task, normal };
TaskMode task_mode(const Server& server, const jsonrpc::Message& m, Exchange& ex) {
  std::string name(find_string(m.params, "name").value_or(""));
  auto support = server.task_support(name);
  bool tool = support.has_value();
  bool as_task = find_object(m.params, "task") != nullptr;
  std::optional<Error> refuse;
  if (tool && as_task && support != "optional" && support != "required")
    refuse = Error{errc::kMethodNotFound, "Tool " + name + " does not support task-augmented calls", {}};
  else if (tool && !as_task && support == "required")
    refuse = Error{errc::kMethodNotFound, "Tool " + name + " must be called as a task (params.task)", {}};
  if (refuse) {
    ex.send(jsonrpc::error_response(m.id, *refuse), true);
    return TaskMode::refused;
  }
  return tool && as_task ? TaskMode::task : TaskMode::normal;
}

json::value progress_token(const json::object& params) {
  if (auto* meta = find_object(params, "_meta"))
    if (auto* t = find(*meta, "progressToken"); t && (t->is_string() || t->is_int64() || t->is_uint64())) return *t;
  return nullptr;
}

Result<json::object> internal_error() { return Error{errc::kInternalError, "Internal error", {}}; }

void log_failure(const jsonrpc::Message& m, const char* what) {
  if (what) spdlog::error("request {} {} failed: {}", json::serialize(m.id), m.method, what);
  else spdlog::error("request {} {} failed with a non-standard exception", json::serialize(m.id), m.method);
}

// Metrics and the answer, once the request is done.
void finish(const jsonrpc::Message& m, const Result<json::object>& r, const Inflight& inflight, Exchange& ex) {
  auto& metrics = Metrics::global();
  Metrics::add(metrics.rpc_requests);
  if (!r) Metrics::add(metrics.rpc_errors);
  if (m.method == "tools/call") {
    Metrics::add(metrics.tool_calls);
    if (r) {
      auto* e = find(r.value(), "isError");
      if (e && e->is_bool() && e->get_bool()) Metrics::add(metrics.tool_errors);
    }
  }
  if (inflight.cancelled) {
    ex.finish_without_response();
    return;
  }
  ex.send(r ? jsonrpc::response(m.id, r.value()) : jsonrpc::error_response(m.id, r.error()), true);
}

}  // namespace

Task<void> Dispatcher::serve(std::shared_ptr<Session> session, jsonrpc::Message m, std::shared_ptr<Exchange> ex) {
  if (m.method == "tools/call") {
    auto mode = task_mode(server_, m, *ex);
    if (mode == TaskMode::refused) co_return;
    if (mode == TaskMode::task) {
      co_await serve_as_task(std::move(session), std::move(m), std::move(ex));
      co_return;
    }
  }
  std::string key = jsonrpc::id_key(m.id);
  auto inflight = session->begin_request(key);
  SessionContext ctx(session, ex, inflight, progress_token(m.params), options_.client_request_timeout);
  ctx.set_request_id(m.id);
  ctx.call().trace = trace_of(m.params);
  Result<json::object> r = internal_error();
  try {
    // Feature methods (tools/call above all) go straight to the server, without route()'s
    // coroutine frame; route() handles none of them before its own has_method() check.
    if (server_.has_method(m.method)) r = co_await server_.handle(m.method, std::move(m.params), ctx);
    else r = co_await route(*session, m, ctx);
  } catch (const ProtocolError& e) {
    r = e.error;
  } catch (const std::exception& e) {
    log_failure(m, e.what());
  } catch (...) {
    log_failure(m, nullptr);
  }
  session->end_request(key);
  finish(m, r, *inflight, *ex);
}

Task<Result<json::object>> Dispatcher::route(Session& s, jsonrpc::Message& m, Context& ctx) {
  const std::string& method = m.method;
  if (method == "ping") co_return json::object{};
  if (method == "initialize") co_return Error{errc::kInvalidRequest, "Session already initialized", {}};
  if (method == "logging/setLevel") {
    auto level = find_string(m.params, "level");
    auto parsed = level ? parse_log_level(*level) : std::nullopt;
    if (!parsed) co_return invalid_params("level must be one of debug, info, notice, warning, error, critical, alert, emergency");
    s.set_log_level(static_cast<int>(*parsed));
    co_return json::object{};
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    auto uri = find_string(m.params, "uri");
    if (!uri) co_return invalid_params(method + " needs a string 'uri'");
    std::string u(*uri);
    if (method == "resources/subscribe") {
      if (!server_.knows_resource(u))
        co_return Error{errc::kResourceNotFound, "Resource not found", json::object{{"uri", u}}};
      s.subscribe(u);
    } else {
      s.unsubscribe(u);
    }
    co_return json::object{};
  }
  if (method.rfind("tasks/", 0) == 0) co_return co_await route_task_method(s, m, ctx);
  if (server_.has_method(method)) co_return co_await server_.handle(method, std::move(m.params), ctx);
  co_return Error{errc::kMethodNotFound, "Method not found: " + method, {}};
}

Task<Result<json::object>> Dispatcher::route_task_method(Session& s, jsonrpc::Message& m, Context& ctx) {
  if (m.method == "tasks/list" && share_) co_return co_await shared_list(s.id());
  if (m.method == "tasks/list") co_return json::object{{"tasks", tasks_.legacy_list(s.id())}};
  if (m.method != "tasks/get" && m.method != "tasks/result" && m.method != "tasks/cancel")
    co_return Error{errc::kMethodNotFound, "Method not found: " + m.method, {}};
  auto id = find_string(m.params, "taskId");
  if (!id) co_return invalid_params(m.method + " needs a string taskId");
  std::string task(*id);
  if (share_)  // (route() is only called with serve()'s SessionContext)
    co_return co_await shared_task_method(m.method, task, s.id(), static_cast<RequestContext&>(ctx).inflight());
  if (m.method == "tasks/get") co_return tasks_.legacy_task(task, s.id());
  if (m.method == "tasks/cancel") co_return tasks_.legacy_cancel(task, s.id());
  // tasks/result waits for the end, then answers what the tool call would have.
  for (;;) {
    if (auto out = tasks_.outcome(task, s.id())) {
      if (!*out) co_return out->error();
      co_return TaskStore::related(std::move(out->value()), task);
    }
    if (!co_await ctx.sleep(std::chrono::milliseconds(100))) co_return Error{errc::kRequestTimeout, "Request cancelled", {}};
  }
}

void Dispatcher::on_notification(Session& s, const jsonrpc::Message& m) {
  Metrics::add(Metrics::global().rpc_notifications);
  if (m.method == "notifications/initialized") {
    if (!s.initialized) s.mark_initialized();
  } else if (m.method == "notifications/cancelled") {
    if (auto* id = find(m.params, "requestId"); id && (id->is_string() || id->is_int64() || id->is_uint64()))
      s.cancel_request(jsonrpc::id_key(*id));
  }
  // Others (roots/list_changed, progress for our requests) need no action here.
}

void Dispatcher::on_response(Session& s, const jsonrpc::Message& m) {
  Result<json::object> answer = m.kind == jsonrpc::Kind::error ? Result<json::object>(m.error)
                                : m.result.is_object()         ? Result<json::object>(m.result.get_object())
                                                               : Result<json::object>(json::object{});
  if (!s.resolve_outbound(jsonrpc::id_key(m.id), std::move(answer)))
    spdlog::debug("session {}: answer to unknown request {}", s.id(), json::serialize(m.id));
}

}  // namespace mcp::protocol
