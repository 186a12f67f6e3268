#pragma once
// The Streamable HTTP transport (2025-03-26, 2025-06-18, 2025-11-25): the rules of the one MCP
// endpoint — status codes, headers, sessions, JSON or SSE answers — on Beast-free messages, so
// that they can be unit-tested and fuzzed without sockets.
#include <mcp/http/http.hpp>

#include "http/cluster_link.hpp"
#include "http/cluster_tasks.hpp"
#include "http/message.hpp"
#include "http/origin_policy.hpp"
#include <mcp/protocol/dispatcher.hpp>
#include <mcp/protocol/session_manager.hpp>
#include <mcp/protocol/stateless.hpp>
#include <mcp/protocol/subscriptions.hpp>

namespace mcp::http {

class StreamableHttp {
 public:
  StreamableHttp(Server& server, const HttpOptions& options);
  ~StreamableHttp();

  // Handles one request to the MCP endpoint. Request handlers it starts run on the caller's
  // executor.
  Task<Response> handle(Request req);

  protocol::SessionManager& sessions() { return sessions_; }
  // RFC 9728 metadata (both the root and the path-suffixed well-known URL); nullopt if the
  // path is not one of those or no authenticator is configured.
  std::optional<Response> well_known(const Request& req) const;
  // Graceful drain: standalone GET streams end with an event id and a retry: hint (the client
  // resumes them elsewhere), subscriptions/listen streams with their result; POST streams run
  // on to their responses. A GET stream opened later is handed off the same way at once.
  void drain() {
    draining_ = true;
    hub_.close_all();
    sessions_.for_each([](protocol::Session& s) { s.hand_off_standalone(); });
  }
  void shutdown() {
    if (link_) link_->stop();
    if (tasks_link_) tasks_link_->stop();
    hub_.close_all();
    sessions_.close_all();
  }

 private:
  // The POST path is split so that its coroutine frames stay small (a frame above ~1 KiB is a
  // slow-path allocation on every request): plain functions do the checks, parsing and
  // session work; coroutines only where something is awaited.
  struct Incoming {
    std::optional<json::value> body;  // set: the 2026-07-28 wire, for post_stateless
    bool batch = false;
    int requests = 0;
    std::shared_ptr<protocol::Session> session;
    std::vector<jsonrpc::Message> messages;
  };
  // CORS for browser clients (server.allowed_origins, as OriginPolicy accepts them): a
  // preflight's answer (403 for an origin not accepted), and the headers that let an accepted
  // origin's script read a response.
  Response preflight(const Request& req, std::string_view methods) const;
  void allow_origin(Response& r, const Request& req) const;
  Task<Response> handle_cors(Request req);
  Task<Response> handle_same_origin(Request req);
  // Origin and authentication: a response when the request stops here.
  std::optional<Response> admit(const Request& req, Principal& who);
  bool certified(const Request& req) const;  // mTLS names the principal
  Task<Response> handle_async(Request req);  // admit() with an asynchronous token check
  Response not_post(const Request& req, const Principal& who);
  // Several replicas (options.shared): the session is loaded first when it is not here, its
  // record written back after; see cluster_link.hpp.
  Task<Response> post_clustered(Request req, Principal who);
  Task<Response> not_post_clustered(Request req, Principal who);
  // nullopt when the request may go on (the session is here now, or no record has it).
  Task<std::optional<Response>> adopt(std::string id, Principal who);
  // GET with a Last-Event-ID of a stream written on another replica.
  Task<Response> resume_elsewhere(Request req, Principal who);
  // GET of a session here: the standalone stream claimed across replicas (cluster_claims.cpp).
  Task<Response> get_clustered(Request req, Principal who);
  Task<void> keep_claim(std::string session, std::shared_ptr<protocol::SseSink> sink);
  Task<Response> post(Request req, Principal who);
  // Everything before requests run: a response when that is all, or `in` to run.
  std::optional<Response> prepare_post(const Request& req, Principal& who, Incoming& in);
  Task<Response> run_requests(std::shared_ptr<protocol::Session> session, std::vector<jsonrpc::Message> messages,
                              bool batch, int requests);
  Task<Response> post_stateless(Request req, json::value body, Principal who);
  std::string resource_url(const Request& req) const;
  Response refuse(const auth::Refusal& r) const;
  // 403 when the principal may not call the tool a tools/call names.
  std::optional<Response> forbidden_tool(const Request& req, const Principal& who, const jsonrpc::Message& m) const;
  // SEP-2243: Mcp-Method, Mcp-Name and Mcp-Param-* must mirror the body; the reason if not.
  std::optional<std::string> check_mirrored_headers(const Request& req, const jsonrpc::Message& m) const;
  Response get(const Request& req, const Principal& who);
  Response del(const Request& req, const Principal& who);
  // Session lookup by header: the session, or the 400/404 response to send. A session opened
  // by another principal is not found.
  std::shared_ptr<protocol::Session> session_for(const Request& req, const Principal& who, Response& error);
  Response initialize(const json::value& id, const json::object& params, Principal who, std::string_view remote);
  Response sse_response(std::shared_ptr<protocol::SseSink> sink, const std::string& session_id);
  void broadcast(const std::string& method, const json::object& params, const std::string& uri);
  void notify(protocol::Session& session, const jsonrpc::Message& m);
  void deliver(const std::string& method, const json::object& params, const std::string& uri);
  static void log_spawn_error(std::exception_ptr e);  // completion of the request handlers spawned

  Server& server_;
  HttpOptions options_;
  OriginPolicy origins_;
  protocol::SessionManager sessions_;
  protocol::Dispatcher dispatcher_;
  protocol::Stateless stateless_;
  protocol::SubscriptionHub hub_;
  std::atomic<bool> draining_{false};
  std::shared_ptr<auth::Authenticator> auth_;
  std::shared_ptr<ClusterLink> link_;  // several replicas only
  std::shared_ptr<ClusterTasks> tasks_link_;
};

}  // namespace mcp::http
