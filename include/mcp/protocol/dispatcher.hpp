#pragma once
// Dispatcher: what each JSON-RPC message means once the transport has framed it — lifecycle
// (initialize, initialized, ping), utilities (logging level, cancellation, subscriptions, the
// client's answers to our requests) and, for everything else, the server's registries.
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/server/server.hpp>

#include <mcp/protocol/exchange.hpp>
#include <mcp/protocol/session.hpp>
#include <mcp/protocol/tasks.hpp>

#include <chrono>
#include <memory>

namespace mcp::protocol {

struct DispatcherOptions {
  // How long a server-to-client request (elicitation, sampling, roots) waits for its answer.
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(10)};
};

class Dispatcher {
 public:
  Dispatcher(Server& server, DispatcherOptions options);

  // The initialize request: negotiates into `session`; the result or an error.
  Result<json::object> initialize(Session& session, const json::object& params);
  // Serves one request; its response (or nothing, when cancelled) goes through `exchange`.
  Task<void> serve(std::shared_ptr<Session> session, jsonrpc::Message request, std::shared_ptr<Exchange> exchange);
  void on_notification(Session& session, const jsonrpc::Message& m);
  void on_response(Session& session, const jsonrpc::Message& m);

  Server& server() { return server_; }
  // Several replicas: the 2025-11-25 tasks' records go to `share` too, and tasks/get, list,
  // cancel and result answer for a task running on any replica (tasks_shared.cpp).
  void share_tasks(std::shared_ptr<TaskShare> share);

 private:
  Task<Result<json::object>> route(Session& session, jsonrpc::Message& m, Context& ctx);
  Task<Result<json::object>> route_task_method(Session& session, jsonrpc::Message& m, Context& ctx);
  // tools/call with params.task (2025-11-25): answers with the task, then runs the tool.
  Task<void> serve_as_task(std::shared_ptr<Session> session, jsonrpc::Message m, std::shared_ptr<Exchange> ex);

  // tasks_shared.cpp: writes the local task's record; before a task's end, a cancel recorded
  // by another replica (whose wake-up may have been lost) is taken over.
  Task<Result<bool>> save_task(std::string id, bool created);
  Task<void> sync_cancel(std::string id, std::string owner);
  Task<Result<json::object>> shared_task_method(std::string method, std::string id, std::string owner,
                                                std::shared_ptr<Inflight> inflight);
  Task<Result<json::object>> shared_list(std::string owner);
  Task<Result<json::object>> shared_result(std::string id, std::string owner, std::shared_ptr<Inflight> inflight);

  Server& server_;
  DispatcherOptions options_;
  TaskStore tasks_{TaskStore::Options{}};
  std::shared_ptr<TaskShare> share_;
};

}  // namespace mcp::protocol
