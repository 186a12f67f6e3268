#include <mcp/protocol/stateless.hpp>

#include "protocol/request_context.hpp"
#include <mcp/protocol/version.hpp>

#include <mcp/core/metrics.hpp>
#include <spdlog/spdlog.h>

namespace mcp::protocol {
namespace {

bool is_stateless_version(std::string_view v) {
  for (auto s : kStatelessVersions)
    if (s == v) return true;
  return false;
}

json::array supported_versions() {
  json::array a;
  for (auto v : kStatelessVersions) a.push_back(json::string(v));
  return a;
}

// Ends this run of a handler: the client must answer these inputs first (not an exception
// type, so that handlers' catch (std::exception&) do not swallow it).
struct InputRequired {
  json::object requests;  // key -> {method, params}
};

// An answer in inputResponses fits its request's method; anything else is "not answered".
bool fits(const std::string& method, const json::value& answer) {
  if (!answer.is_object()) return false;
  const auto& o = answer.get_object();
  if (method == "elicitation/create") {
    auto a = find_string(o, "action");
    return a && (*a == "accept" || *a == "decline" || *a == "cancel");
  }
  if (method == "sampling/createMessage") return find(o, "content") && find(o, "role");
  if (method == "roots/list") {
    auto* r = find(o, "roots");
    return r && r->is_array();
  }
  return true;
}

std::string_view capability_of(std::string_view method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return {};
}

bool takes_tasks(const json::object& caps) {
  auto* ext = find_object(caps, "extensions");
  return ext && find_object(*ext, kTasksExtension);
}

json::object tasks_capability() {
  return {{"extensions", {{kTasksExtension, json::object{}}}}};
}

// What one run of a stateless request shares with the hook that cancels it.
struct RunState {
  std::shared_ptr<Inflight> inflight = std::make_shared<Inflight>();
  std::atomic<bool> in_task{false};  // once a task, closing the HTTP stream no longer cancels
};

// A request's progress token: params._meta.progressToken when a string or an integer.
json::value progress_token_of(const json::object& params) {
  if (auto* meta = find_object(params, "_meta"))
    if (auto* t = find(*meta, "progressToken"); t && (t->is_string() || t->is_int64() || t->is_uint64())) return *t;
  return nullptr;
}

// The Context of a stateless request.
class StatelessContext final : public RequestContext {
 public:
  StatelessContext(const StatelessRequest& r, std::shared_ptr<Exchange> ex, std::shared_ptr<RunState> run,
                   json::object answers, TaskStore& tasks, json::object server_meta)
      : RequestContext(std::move(ex), run->inflight, progress_token_of(r.message.params)),
        r_(r),
        run_(std::move(run)),
        answers_(std::move(answers)),
        tasks_(tasks),
        server_meta_(std::move(server_meta)) {}

  const json::object& client_capabilities() const override { return r_.client_capabilities; }
  const std::string& protocol_version() const override { return r_.version; }
  const std::string& session_id() const override { return no_session_; }
  const Principal& principal() const override { return r_.principal; }
  const json::value& request_id() const override { return r_.message.id; }
  void close_sse_stream() override {}  // no resumption on this wire: the stream stays

  void allow_task(bool eligible) { task_eligible_ = eligible; }
  const std::string& task_id() const { return task_id_; }

  Task<void> start_task() override {
    if (!task_eligible_ || !task_id_.empty()) co_return;
    auto created = tasks_.create(f_, task_id_);
    if (!created) throw ProtocolError{created.error()};
    run_->in_task = true;
    created.value()["_meta"] = server_meta_;
    ex_->send(jsonrpc::response(r_.message.id, created.value()), true);
  }

  // Only a request that asked for logging gets it (2026-07-28).
  bool logs(LogLevel level) const override { return r_.log_level && !(level < *r_.log_level); }
  // A task's notifications travel with the task, not on this request's stream.
  bool muted() const override { return !task_id_.empty(); }

  Error missing_capability(json::object required) override {
    throw ProtocolError{Error{errc_2026::kMissingClientCapability,
                              "Missing required client capability",
                              json::object{{"requiredCapabilities", std::move(required)}}}};
  }

  Task<std::vector<Result<json::object>>> ask(std::vector<InputRequest> inputs) override {
    if (!task_id_.empty()) co_return co_await ask_in_task(std::move(inputs));
    std::vector<Result<json::object>> answers;
    json::object missing;
    for (auto& in : inputs) {
      std::string key = in.key.empty() ? "input_" + std::to_string(++auto_keys_) : in.key;
      auto cap = capability_of(in.method);
      if (!cap.empty() && !client_supports(cap)) missing_capability(json::object{{cap, json::object{}}});
      auto* a = find(answers_, key);
      if (a && fits(in.method, *a)) {
        used_[key] = *a;
        answers.push_back(a->get_object());
      } else {
        missing[key] = json::object{{"method", in.method}, {"params", std::move(in.params)}};
        answers.push_back(Error{errc::kInternalError, "input pending", {}});
      }
    }
    if (!missing.empty()) throw InputRequired{std::move(missing)};
    co_return answers;
  }

  // The answers this run used, to carry into the next round's state.
  const json::object& used() const { return used_; }

 private:
  // Within a task, inputs wait for tasks/update instead of ending the run.
  Task<std::vector<Result<json::object>>> ask_in_task(std::vector<InputRequest> inputs) {
    json::object requests;
    std::vector<std::string> keys;
    for (auto& in : inputs) {
      std::string key = in.key.empty() ? "input_" + std::to_string(++auto_keys_) : in.key;
      auto cap = capability_of(in.method);
      if (!cap.empty() && !client_supports(cap)) missing_capability(json::object{{cap, json::object{}}});
      requests[key] = json::object{{"method", in.method}, {"params", std::move(in.params)}};
      keys.push_back(std::move(key));
    }
    tasks_.need_input(task_id_, requests);
    while (!f_->cancelled && tasks_.waiting(task_id_, keys)) co_await f_->wake.wait(std::chrono::seconds(5));
    json::object given = tasks_.need_input(task_id_, {});
    std::vector<Result<json::object>> answers;
    for (auto& k : keys) {
      auto* a = find(given, k);
      if (f_->cancelled || !a || !a->is_object()) answers.push_back(Error{errc::kRequestTimeout, "Task cancelled", {}});
      else answers.push_back(a->get_object());
    }
    co_return answers;
  }

  const StatelessRequest& r_;
  std::shared_ptr<RunState> run_;
  json::object answers_;
  TaskStore& tasks_;
  json::object server_meta_;
  bool task_eligible_ = false;
  std::string task_id_;
  json::object used_;
  int auto_keys_ = 0;
  const std::string no_session_;
};

Rejection reject(int status, int code, std::string message, json::value data = {}) {
  return Rejection{status, Error{code, std::move(message), std::move(data)}};
}

// What a request's state is bound to: the method and the tool, prompt or resource it names.
std::string subject_of(const jsonrpc::Message& m) {
  if (m.method == "resources/read") return std::string(find_string(m.params, "uri").value_or(""));
  return std::string(find_string(m.params, "name").value_or(""));
}

}  // namespace

bool is_stateless_request(const json::value& body, std::string_view header_version) {
  if (body.is_object()) {
    if (auto* params = find_object(body.get_object(), "params"))
      if (auto* meta = find_object(*params, "_meta"); meta && meta->contains(kMetaProtocolVersion)) return true;
  }
  return !header_version.empty() && !is_supported_version(header_version) && header_version != "2024-11-05";
}

Stateless::Stateless(Server& server, StatelessOptions options)
    : server_(server), options_(std::move(options)), sealer_(options_.request_state_key), tasks_(TaskStore::Options{}) {}

std::variant<StatelessRequest, Rejection> Stateless::admit(jsonrpc::Message m,
                                                           std::string_view header_version) const {
  if (header_version.empty())
    return reject(400, errc_2026::kHeaderMismatch, "Header mismatch: MCP-Protocol-Version header is required");
  auto* meta = find_object(m.params, "_meta");
  if (!meta) return reject(400, errc::kInvalidParams, "Invalid params: params._meta is required");
  auto version = find_string(*meta, kMetaProtocolVersion);
  if (!version)
    return reject(400, errc::kInvalidParams, "Invalid params: _meta." + std::string(kMetaProtocolVersion) + " is required");
  auto* caps = find_object(*meta, kMetaClientCapabilities);
  if (!caps)
    return reject(400, errc::kInvalidParams,
                  "Invalid params: _meta." + std::string(kMetaClientCapabilities) + " is required (an object)");
  if (*version != header_version)
    return reject(400, errc_2026::kHeaderMismatch,
                  "Header mismatch: MCP-Protocol-Version does not match _meta protocolVersion");
  if (!is_stateless_version(*version))
    return reject(400, errc_2026::kUnsupportedProtocolVersion, "Unsupported protocol version",
                  json::object{{"supported", supported_versions()}, {"requested", *version}});
  StatelessRequest r;
  r.version = std::string(*version);
  r.client_capabilities = *caps;
  if (auto level = find_string(*meta, kMetaLogLevel)) {
    r.log_level = parse_log_level(*level);
    if (!r.log_level) return reject(400, errc::kInvalidParams, "Invalid params: unknown logLevel");
  }
  r.message = std::move(m);
  return r;
}

bool Stateless::has_method(std::string_view m) const {
  return m == "server/discover" || m == "subscriptions/listen" || m == "tasks/get" || m == "tasks/update" ||
         m == "tasks/cancel" || server_.has_method(m);
}

json::object Stateless::discover() const {
  json::object caps = server_.capabilities();
  caps.erase("tasks");  // the 2025-11-25 experimental form; here tasks are an extension
  caps["extensions"] = json::object{{kTasksExtension, json::object{}}};
  json::object r{{"supportedVersions", supported_versions()}, {"capabilities", std::move(caps)}};
  if (!server_.options().instructions.empty()) r["instructions"] = server_.options().instructions;
  return r;
}

void Stateless::decorate(std::string_view method, json::object& result) const {
  if (!result.contains("resultType")) result["resultType"] = "complete";
  json::object meta;
  if (auto* m = find_object(result, "_meta")) meta = *m;
  meta[kMetaServerInfo] = server_.options().info.to_json();
  result["_meta"] = std::move(meta);
  const auto& o = server_.options();
  if (method == "resources/read") {
    result["ttlMs"] = o.read_ttl_ms;
    result["cacheScope"] = o.read_cache_scope;
  } else if (method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
             method == "resources/templates/list" || method == "server/discover") {
    result["ttlMs"] = o.list_ttl_ms;
    result["cacheScope"] = o.list_cache_scope;
  }
}

Task<Result<json::object>> Stateless::route_task_method(StatelessRequest& r) {
  auto& m = r.message;
  if (!takes_tasks(r.client_capabilities))
    co_return Error{errc_2026::kMissingClientCapability, "The tasks extension was not declared",
                    json::object{{"requiredCapabilities", tasks_capability()}}};
  auto id = find_string(m.params, "taskId");
  if (!id) co_return Error{errc::kInvalidParams, m.method + " needs a string taskId", {}};
  std::string task(*id);
  if (m.method == "tasks/get") co_return tasks_.get(task);
  if (m.method == "tasks/cancel") co_return tasks_.cancel(task);
  json::object responses;
  if (auto* in = find_object(m.params, "inputResponses")) responses = *in;
  co_return tasks_.update(task, responses);
}

Task<Result<json::object>> Stateless::route(StatelessRequest& r, Context& ctx) {
  auto& m = r.message;
  if (m.method == "server/discover") co_return discover();
  if (m.method.rfind("tasks/", 0) == 0) co_return co_await route_task_method(r);
  if (m.method == "tools/call") {
    // Tasks: a tool that supports them runs as one when the client declared the extension.
    std::string name(find_string(m.params, "name").value_or(""));
    auto support = server_.task_support(name);
    bool takes = takes_tasks(r.client_capabilities);
    if (support == "required" && !takes)
      co_return Error{errc_2026::kMissingClientCapability, "This tool runs only as a task: declare the tasks extension",
                      json::object{{"requiredCapabilities", tasks_capability()}}};
    if (takes && (support == "optional" || support == "required")) {
      auto& sc = static_cast<StatelessContext&>(ctx);
      sc.allow_task(true);
      auto tool = server_.find_tool(name);  // only tools that run as tasks pay for the copy
      if (tool && !tool->task_starts_in_handler) co_await sc.start_task();
    }
  }
  auto res = co_await server_.handle(m.method, m.params, ctx);
  // Resource not found is -32602 on this wire (SEP-2164), never -32002.
  if (!res && res.error().code == errc::kResourceNotFound)
    co_return Error{errc::kInvalidParams, res.error().message, res.error().data};
  co_return res;
}

Task<void> Stateless::serve(StatelessRequest r, std::shared_ptr<Exchange> ex) {
  auto run = std::make_shared<RunState>();
  auto inflight = run->inflight;
  // Closing the response stream cancels the request (2026-07-28) — unless it became a task.
  ex->on_client_gone([run] {
    if (run->in_task) return;
    run->inflight->cancelled = true;
    run->inflight->wake.notify();
  });
  // Multi round-trip: earlier rounds' answers come back sealed in requestState, this
  // round's in inputResponses.
  json::object answers;
  std::optional<Error> failure;
  const std::string subject = subject_of(r.message);
  if (auto* st = find(r.message.params, "requestState"); st && !st->is_null()) {
    auto opened = st->is_string() ? sealer_.open(st->get_string())
                                  : Result<json::object>(Error{errc::kInvalidParams, "Invalid requestState", {}});
    if (!opened) {
      failure = opened.error();
    } else if (find_string(opened.value(), "m") != r.message.method || find_string(opened.value(), "n") != subject) {
      failure = Error{errc::kInvalidParams, "Invalid requestState: issued for another request", {}};
    } else if (auto* a = find_object(opened.value(), "a")) {
      answers = *a;
    }
  }
  if (auto* in = find_object(r.message.params, "inputResponses"))
    for (auto& [k, v] : *in) answers[k] = v;

  StatelessContext ctx(r, ex, run, std::move(answers), tasks_,
                       json::object{{kMetaServerInfo, server_.options().info.to_json()}});
  ctx.call().trace = trace_of(r.message.params);
  Result<json::object> result = Error{errc::kInternalError, "Internal error", {}};
  std::optional<InputRequired> input;
  if (failure) {
    result = *failure;
  } else {
    try {
      result = co_await route(r, ctx);
    } catch (InputRequired& ir) {
      input = std::move(ir);
    } catch (ProtocolError& pe) {
      result = pe.error;
    } catch (const std::exception& e) {
      spdlog::error("request {} {} failed: {}", json::serialize(r.message.id), r.message.method, e.what());
    } catch (...) {
      spdlog::error("request {} {} failed with a non-standard exception", json::serialize(r.message.id),
                    r.message.method);
    }
  }
  if (input) {
    json::object state{{"m", r.message.method}, {"n", subject}, {"a", ctx.used()}};
    result = json::object{{"resultType", "input_required"},
                          {"inputRequests", std::move(input->requests)},
                          {"requestState", sealer_.seal(state, options_.request_state_ttl)}};
  }
  auto& metrics = Metrics::global();
  Metrics::add(metrics.rpc_requests);
  if (!ctx.task_id().empty()) {  // the caller has its task id; the outcome goes to the task
    if (result) {
      result.value()["resultType"] = "complete";
      tasks_.complete(ctx.task_id(), std::move(result.value()));
    } else {
      tasks_.fail(ctx.task_id(), result.error());
    }
    co_return;
  }
  if (inflight->cancelled) {  // the client closed the stream: nothing more is sent
    ex->finish_without_response();
    co_return;
  }
  if (!result) {
    Metrics::add(metrics.rpc_errors);
    int code = result.error().code;
    if (code == errc_2026::kMissingClientCapability || code == errc_2026::kHeaderMismatch ||
        code == errc_2026::kUnsupportedProtocolVersion)
      ex->set_status(400);
    ex->send(jsonrpc::error_response(r.message.id, result.error()), true);
    co_return;
  }
  decorate(r.message.method, result.value());
  ex->send(jsonrpc::response(r.message.id, result.value()), true);
}

}  // namespace mcp::protocol
