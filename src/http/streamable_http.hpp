#pragma once
// The Streamable HTTP transport (2025-03-26, 2025-06-18, 2025-11-25): the rules of the one MCP
// endpoint — status codes, headers, sessions, JSON or SSE answers — on Beast-free messages, so
// that they can be unit-tested and fuzzed without sockets.
#include <mcp/http/http.hpp>

#include "http/message.hpp"
#include "http/origin_policy.hpp"
#include "protocol/dispatcher.hpp"
#include "protocol/session_manager.hpp"
#include "protocol/stateless.hpp"
#include "protocol/subscriptions.hpp"

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
  void shutdown() {
    hub_.close_all();
    sessions_.close_all();
  }

 private:
  Task<Response> post(Request req, Principal who);
  Task<Response> post_stateless(const Request& req, json::value body, Principal who);
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
  Response initialize(const json::value& id, const json::object& params, Principal who);
  Response sse_response(std::shared_ptr<protocol::SseSink> sink, const std::string& session_id);
  void broadcast(const std::string& method, const json::object& params, const std::string& uri);

  Server& server_;
  HttpOptions options_;
  OriginPolicy origins_;
  protocol::SessionManager sessions_;
  protocol::Dispatcher dispatcher_;
  protocol::Stateless stateless_;
  protocol::SubscriptionHub hub_;
  std::shared_ptr<auth::Authenticator> auth_;
};

}  // namespace mcp::http
