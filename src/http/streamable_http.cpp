#include "http/streamable_http.hpp"

#include "protocol/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace asio = boost::asio;

namespace mcp::http {
namespace {

constexpr std::string_view kSessionHeader = "mcp-session-id";

bool media_type_is(std::string_view header, std::string_view type) {
  auto semi = header.find(';');
  auto t = header.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  if (t.size() != type.size()) return false;
  for (size_t i = 0; i < t.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(t[i])) != type[i]) return false;
  return true;
}

// Whether an Accept header lists `type` (or a wildcard covering it).
bool accepts(std::string_view accept, std::string_view type) {
  std::string_view major = type.substr(0, type.find('/'));
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    if (media_type_is(item, type) || media_type_is(item, "*/*") ||
        media_type_is(item, std::string(major) + "/*"))
      return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

Response plain_status(int status) {
  Response r;
  r.status = status;
  return r;
}

void log_spawn_error(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("request handler failed: {}", ex.what());
  }
}

}  // namespace

StreamableHttp::StreamableHttp(Server& server, const HttpOptions& options)
    : server_(server),
      options_(options),
      origins_(OriginPolicy::is_loopback_name(options.host), options.allowed_hosts, options.allowed_origins),
      sessions_(protocol::SessionLimits{options.max_sessions, options.session_idle_timeout, options.sse_retry_ms,
                                        options.events_per_session}),
      dispatcher_(server, protocol::DispatcherOptions{options.client_request_timeout}) {
  server_.set_listener([this](const std::string& m, const json::object& p, const std::string& uri) {
    broadcast(m, p, uri);
  });
}

StreamableHttp::~StreamableHttp() {
  server_.set_listener(nullptr);
  sessions_.close_all();
}

void StreamableHttp::broadcast(const std::string& method, const json::object& params, const std::string& uri) {
  std::string msg = jsonrpc::notification(method, params);
  sessions_.for_each([&](protocol::Session& s) {
    if (!s.initialized) return;
    if (!uri.empty() && !s.subscribed(uri)) return;
    s.emit(protocol::Session::kStandaloneStream, msg, false);
  });
}

Task<Response> StreamableHttp::handle(Request req) {
  if (auto why = origins_.check(req.header("host"), req.header("origin")))
    co_return rpc_error(403, errc::kConnectionClosed, "Forbidden: " + *why);
  if (auto v = req.header("mcp-protocol-version"); !v.empty() && !protocol::is_supported_version(v))
    co_return rpc_error(400, errc::kConnectionClosed,
                        "Bad Request: Unsupported protocol version: " + std::string(v));
  if (req.method == "POST") co_return co_await post(std::move(req));
  if (req.method == "GET") co_return get(req);
  if (req.method == "DELETE") co_return del(req);
  Response r = rpc_error(405, errc::kConnectionClosed, "Method not allowed");
  r.set("Allow", "GET, POST, DELETE");
  co_return r;
}

std::shared_ptr<protocol::Session> StreamableHttp::session_for(const Request& req, Response& error) {
  auto id = req.header(kSessionHeader);
  if (id.empty()) {
    error = rpc_error(400, errc::kConnectionClosed, "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  auto s = sessions_.find(id);
  if (!s) {
    error = rpc_error(404, errc::kRequestTimeout, "Session not found");
    return nullptr;
  }
  s->touch();
  return s;
}

Response StreamableHttp::initialize(const json::value& id, const json::object& params) {
  auto session = sessions_.create();
  if (!session) {
    Response r = rpc_error(503, errc::kConnectionClosed, "Too many sessions; try again later", json::serialize(id));
    r.set("Retry-After", "5");
    return r;
  }
  auto result = dispatcher_.initialize(*session, params);
  if (!result) {
    sessions_.remove(session->id());
    return json_response(200, jsonrpc::error_response(id, result.error()));
  }
  Response r = json_response(200, jsonrpc::response(id, result.value()));
  r.set("Mcp-Session-Id", session->id());
  return r;
}

Task<Response> StreamableHttp::post(Request req) {
  if (!media_type_is(req.header("content-type"), "application/json"))
    co_return rpc_error(415, errc::kConnectionClosed, "Unsupported Media Type: Content-Type must be application/json");
  auto accept = req.header("accept");
  if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream"))
    co_return rpc_error(406, errc::kConnectionClosed,
                        "Not Acceptable: Accept must list application/json and text/event-stream");

  auto parsed = jsonrpc::parse(req.body);
  if (!parsed) co_return rpc_error(400, parsed.error().code, parsed.error().message);
  const json::value& body = parsed.value();
  const bool batch = body.is_array();
  if (batch && body.get_array().empty()) co_return rpc_error(400, errc::kInvalidRequest, "Invalid Request: empty batch");

  std::vector<jsonrpc::Message> messages;
  auto classify_all = [&](Response& err) {
    auto one = [&](const json::value& v) {
      json::value id;
      auto m = jsonrpc::classify(v, &id);
      if (!m) {
        err = rpc_error(400, m.error().code, m.error().message, json::serialize(id));
        return false;
      }
      messages.push_back(std::move(m.value()));
      return true;
    };
    if (!batch) return one(body);
    for (auto& v : body.get_array())
      if (!one(v)) return false;
    return true;
  };
  Response err;
  if (!classify_all(err)) co_return err;

  // initialize opens a session; it must come alone (2025-03-26 forbids it in a batch).
  for (auto& m : messages) {
    if (m.kind == jsonrpc::Kind::request && m.method == "initialize") {
      if (batch) co_return rpc_error(400, errc::kInvalidRequest, "Invalid Request: initialize must not be batched");
      if (req.has_header(kSessionHeader) && sessions_.find(req.header(kSessionHeader)))
        co_return rpc_error(400, errc::kInvalidRequest, "Invalid Request: session already initialized",
                            json::serialize(m.id));
      co_return initialize(m.id, m.params);
    }
  }

  auto session = session_for(req, err);
  if (!session) co_return err;
  if (batch && session->version() != "2025-03-26")
    co_return rpc_error(400, errc::kInvalidRequest,
                        "Invalid Request: JSON-RPC batches are only accepted on 2025-03-26 sessions");

  int requests = 0;
  for (auto& m : messages) {
    if (m.kind == jsonrpc::Kind::request) ++requests;
    else if (m.kind == jsonrpc::Kind::notification) dispatcher_.on_notification(*session, m);
    else dispatcher_.on_response(*session, m);
  }
  if (requests == 0) co_return plain_status(202);

  auto exchange = std::make_shared<protocol::Exchange>(session, requests, options_.always_sse);
  auto ex = co_await asio::this_coro::executor;
  for (auto& m : messages)
    if (m.kind == jsonrpc::Kind::request)
      asio::co_spawn(ex, dispatcher_.serve(session, std::move(m), exchange), log_spawn_error);

  auto outcome = co_await exchange->wait();
  if (outcome.sse) co_return sse_response(std::move(outcome.sink), session->id());
  if (outcome.responses.empty()) co_return plain_status(202);  // every request was cancelled
  std::string out;
  if (batch) {
    out = "[";
    for (size_t i = 0; i < outcome.responses.size(); ++i) {
      if (i) out += ',';
      out += outcome.responses[i];
    }
    out += ']';
  } else {
    out = std::move(outcome.responses.front());
  }
  Response r = json_response(200, std::move(out));
  r.set("Mcp-Session-Id", session->id());
  co_return r;
}

Response StreamableHttp::sse_response(std::shared_ptr<protocol::SseSink> sink, const std::string& session_id) {
  Response r;
  r.status = 200;
  r.set("Content-Type", "text/event-stream");
  r.set("Cache-Control", "no-cache, no-transform");
  r.set("X-Accel-Buffering", "no");  // proxies must not buffer the stream
  r.set("Mcp-Session-Id", session_id);
  r.stream = std::move(sink);
  return r;
}

Response StreamableHttp::get(const Request& req) {
  if (!accepts(req.header("accept"), "text/event-stream"))
    return rpc_error(406, errc::kConnectionClosed, "Not Acceptable: Accept must list text/event-stream");
  Response err;
  auto session = session_for(req, err);
  if (!session) return err;
  auto sink = std::make_shared<protocol::SseSink>();
  auto last = req.header("last-event-id");
  auto result = last.empty() ? session->attach_standalone(sink) : session->resume(last, sink);
  switch (result) {
    case protocol::Session::Attach::conflict:
      return rpc_error(409, errc::kConnectionClosed, "Conflict: only one SSE stream is allowed per session");
    case protocol::Session::Attach::unknown_event:
      return rpc_error(400, errc::kConnectionClosed, "Bad Request: unknown or expired Last-Event-ID");
    case protocol::Session::Attach::ok:
      break;
  }
  return sse_response(std::move(sink), session->id());
}

Response StreamableHttp::del(const Request& req) {
  Response err;
  auto session = session_for(req, err);
  if (!session) return err;
  sessions_.remove(session->id());
  return plain_status(200);
}

}  // namespace mcp::http
