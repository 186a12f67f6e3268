#pragma once
// Client::Impl, the MCP client's state, shared by client.cpp (the protocol: initialisation,
// requests, server-to-client requests, listening) and client_transport.cpp (the wire).
#include <mcp/client/client.hpp>

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mcp::client {
namespace client_detail {

Error protocol_error(std::string message);

}  // namespace client_detail

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  using Deadline = std::chrono::steady_clock::time_point;
  std::shared_ptr<net::HttpClient> http;
  Options opt;
  std::map<std::string, RequestHandler> handlers;
  NotificationHandler on_note;
  HeaderHook header_hook;
  AuthHook auth_hook;
  bool is_stateless = false;
  std::string version;
  std::string session;
  json::object server_info, server_caps;
  std::int64_t next_id = 1;
  std::map<std::string, std::function<void(const json::object&)>> progress;
  // The listener's stream and pause() timer while they are in use, for close() to cut short:
  // shared with the coroutine that uses them and cleared however it ends (a frame destroyed
  // with its event loop too), never a pointer into a coroutine frame.
  std::shared_ptr<net::BodyStream> listening;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> tool_headers;  // SEP-2243
  std::shared_ptr<boost::asio::steady_timer> waiting;
  bool closed = false;

  // client_transport.cpp
  Task<Result<net::Headers>> headers_for(const json::object& message, std::string http_method);
  static Task<Result<std::string>> read_all(net::BodyStream* body, std::size_t limit);
  // Sends one POST and opens its response, retrying once when the auth hook refreshed
  // credentials after a 401/403.
  // `deadline` (max(): none) shortens the request's timeout (see RequestOptions::deadline).
  Task<Result<net::StreamedResponse>> post(json::object message, Deadline deadline = Deadline::max());
  // The response message to `message` (a request), reading JSON or SSE and resuming SSE.
  Task<Result<json::object>> exchange(json::object message, Deadline deadline = Deadline::max());
  Task<Result<json::object>> read_response(net::StreamedResponse res, json::value id, Deadline deadline);
  // Reads an SSE response until the message answering `id`; a stream that ends first is
  // resumed with GET and Last-Event-ID after the retry delay the server asked for.
  Task<Result<json::object>> read_sse(std::unique_ptr<net::BodyStream> body, json::value id, Deadline deadline);
  Task<Result<net::StreamedResponse>> get_stream(std::string last_event_id, Deadline deadline = Deadline::max());
  // `own`, shortened to the time left until `deadline`; zero once it passed.
  static std::chrono::milliseconds until(Deadline deadline, std::chrono::milliseconds own);

  // client.cpp
  json::object capabilities() const;
  json::object meta() const;
  // Handles one incoming message: a response is returned to the caller; requests are answered
  // and notifications delivered here.
  Task<std::optional<json::object>> dispatch(std::string data);
  Task<Result<json::object>> answer(std::string method, json::object params);
  Task<Result<json::object>> request(std::string method, json::object params, RequestOptions ro);
  // Remembers which arguments each tool mirrors into headers, and leaves out tools whose
  // annotations are malformed (one bad tool must not hide the others).
  json::object screen_tools(json::object result);
  Task<Result<json::object>> initialize();
  Task<Result<json::object>> discover();
  Task<Result<bool>> notify(std::string method, json::object params);
  // Reads the session's GET stream (`first`, when already open), reconnecting with
  // Last-Event-ID after the server's retry delay, until close() or a refusal (405: the server
  // offers no such stream).
  Task<Result<bool>> listen(std::unique_ptr<net::BodyStream> first);
  // A delay that close() cuts short.
  Task<void> pause(std::chrono::milliseconds d);
  static Task<void> run_listener(std::shared_ptr<Impl> self, std::unique_ptr<net::BodyStream> first);
  Task<void> close();
};

}  // namespace mcp::client
