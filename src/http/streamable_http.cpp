#include "http/streamable_http.hpp"

#include <mcp/protocol/version.hpp>

#include <mcp/core/encoding.hpp>

#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace asio = boost::asio;

namespace mcp::http {
namespace {

constexpr std::string_view kSessionHeader = "mcp-session-id";

// ASCII case folding, as HTTP tokens are compared (std::tolower is the same in the "C" locale
// we run in, but is an out-of-line call per character on every request).
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `s` equals `lower` (all lower case) ignoring the case of `s`.
bool equals_folded(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (ascii_lower(s[i]) != lower[i]) return false;
  return true;
}

// A media type without its parameters and surrounding spaces.
std::string_view bare_media_type(std::string_view header) {
  auto t = header.substr(0, header.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  return t;
}

bool media_type_is(std::string_view header, std::string_view type) {
  return equals_folded(bare_media_type(header), type);
}

// Whether an Accept header lists `type` (or a wildcard covering it).
bool accepts(std::string_view accept, std::string_view type) {
  std::string_view major = type.substr(0, type.find('/'));
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = bare_media_type(accept.substr(0, comma));
    // type, */* or major/* (the last without building the string "major/*").
    if (equals_folded(item, type) || item == "*/*" ||
        (item.size() == major.size() + 2 && equals_folded(item.substr(0, major.size()), major) &&
         item.substr(major.size()) == "/*"))
      return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

// a.binding() == b.binding(), without building the two strings on every request: equal fields
// give equal bindings (the common case); otherwise the strings decide, as before.
bool same_binding(const Principal& a, const Principal& b) {
  if (a.method == b.method && a.tenant == b.tenant && a.subject == b.subject && a.credential == b.credential)
    return true;
  return a.binding() == b.binding();
}

// accepts(a, "application/json") && accepts(a, "text/event-stream") in one pass over `a`
// (every POST asks both).
bool accepts_json_and_sse(std::string_view accept) {
  bool json = false, sse = false;
  while (!accept.empty() && !(json && sse)) {
    auto comma = accept.find(',');
    auto item = bare_media_type(accept.substr(0, comma));
    if (item == "*/*") return true;
    json = json || equals_folded(item, "application/json") || equals_folded(item, "application/*");
    sse = sse || equals_folded(item, "text/event-stream") || equals_folded(item, "text/*");
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return json && sse;
}

// Whether a JSON array text has more than `max` top-level elements, counted by its top-level
// commas without parsing it: a huge batch is refused at the cost of one pass over its bytes,
// before any per-message structure is built. (Malformed text is the parser's to reject.)
bool batch_longer_than(std::string_view body, std::size_t max) {
  if (max == 0) return true;
  std::size_t depth = 0, commas = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[': case '{': ++depth; break;
      case ']': case '}':
        if (depth <= 1) return false;  // the batch ended
        --depth;
        break;
      case ',':
        if (depth == 1 && ++commas >= max) return true;
        break;
      default: break;
    }
  }
  return false;
}

// The key a principal's share of sessions is counted under: its session binding, or without
// authentication (every client is "anonymous") the client's address.
std::string session_owner(const Principal& who, std::string_view remote) {
  if (who.method == "none") return "addr:" + std::string(remote);
  return who.binding();
}

}  // namespace

void StreamableHttp::log_spawn_error(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("request handler failed: {}", ex.what());
  }
}

StreamableHttp::StreamableHttp(Server& server, const HttpOptions& options)
    : server_(server),
      options_(options),
      origins_(OriginPolicy::is_loopback_name(options.host), options.allowed_hosts, options.allowed_origins),
      sessions_(protocol::SessionLimits{options.max_sessions, options.session_idle_timeout, options.sse_retry_ms,
                                        options.events_per_session, options.max_sessions_per_principal,
                                        options.replay_bytes_per_session, options.replay_bytes_total}),
      dispatcher_(server, protocol::DispatcherOptions{options.client_request_timeout}),
      stateless_(server, protocol::StatelessOptions{options.request_state_ttl, options.request_state_key}) {
  server_.set_listener([this](const std::string& m, const json::object& p, const std::string& uri) {
    broadcast(m, p, uri);
  });
  auth_ = options.authenticator;
  if (options.shared) {
    link_ = std::make_shared<ClusterLink>(
        options.shared,
        ClusterLinkOptions{options.replica_id, options.session_idle_timeout, options.events_per_session}, sessions_);
    link_->start([this](const std::string& m, const json::object& p, const std::string& uri) { deliver(m, p, uri); });
    tasks_link_ = std::make_shared<ClusterTasks>(
        options.shared, std::chrono::duration_cast<std::chrono::milliseconds>(options.session_idle_timeout));
    dispatcher_.share_tasks(tasks_link_);
    tasks_link_->start();
  }
}

StreamableHttp::~StreamableHttp() {
  server_.set_listener(nullptr);
  if (tasks_link_) tasks_link_->stop();
  if (link_) link_->join();
  sessions_.close_all();
}

void StreamableHttp::broadcast(const std::string& method, const json::object& params, const std::string& uri) {
  deliver(method, params, uri);
  if (link_) link_->broadcast(method, params, uri);  // every other replica delivers to its own
}

void StreamableHttp::deliver(const std::string& method, const json::object& params, const std::string& uri) {
  hub_.publish(method, params, uri);
  std::string msg = jsonrpc::notification(method, params);
  sessions_.for_each([&](protocol::Session& s) {
    if (!s.initialized) return;
    if (!uri.empty() && !s.subscribed(uri)) return;
    // Several replicas: a session's copies are on several; the one holding its GET stream
    // delivers (the others would log events nobody reads).
    if (link_ && !s.holds_standalone()) return;
    s.emit(protocol::Session::kStandaloneStream, msg, false);
  });
}

// A response that is already known, as the awaitable the callers expect.
static Task<Response> ready(Response r) { co_return r; }

Response StreamableHttp::preflight(const Request& req, std::string_view methods) const {
  auto origin = req.header("origin");
  if (auto why = origins_.check(req.header("host"), origin))
    return rpc_error(403, errc::kConnectionClosed, "Forbidden: " + *why);
  Response r = plain_status(204);
  r.set("Access-Control-Allow-Origin", std::string(origin));
  r.set("Access-Control-Allow-Methods", std::string(methods));
  // What MCP clients send (SEP-2243's Mcp-Param-* are named by the request, so echoed).
  std::string allowed =
      "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name";
  for (auto asked = req.header("access-control-request-headers"); !asked.empty();) {
    auto comma = asked.find(',');
    auto name = bare_media_type(asked.substr(0, comma));  // trims the spaces around it
    if (name.size() > 10 && equals_folded(name.substr(0, 10), "mcp-param-")) allowed += ", " + std::string(name);
    if (comma == std::string_view::npos) break;
    asked.remove_prefix(comma + 1);
  }
  r.set("Access-Control-Allow-Headers", std::move(allowed));
  r.set("Access-Control-Max-Age", "7200");
  r.set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return r;
}

void StreamableHttp::allow_origin(Response& r, const Request& req) const {
  auto origin = req.header("origin");
  if (origin.empty() || origins_.check(req.header("host"), origin)) return;
  r.set("Access-Control-Allow-Origin", std::string(origin));
  r.set("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate");
  r.set("Vary", "Origin");
}

// A browser's request (it sends Origin): its preflight answered, the response readable by an
// allowed origin's script (the session id, the challenge).
Task<Response> StreamableHttp::handle_cors(Request req) {
  if (req.method == "OPTIONS") co_return preflight(req, "GET, POST, DELETE");
  Request copy;  // only what allow_origin() reads: `req` moves on
  copy.headers = {{"host", std::string(req.header("host"))}, {"origin", std::string(req.header("origin"))}};
  Response r = co_await handle_same_origin(std::move(req));
  allow_origin(r, copy);
  co_return r;
}

Task<Response> StreamableHttp::handle(Request req) {
  if (!req.header("origin").empty()) return handle_cors(std::move(req));
  return handle_same_origin(std::move(req));
}

// Not a coroutine: POST (nearly every request) costs no frame of its own here.
Task<Response> StreamableHttp::handle_same_origin(Request req) {
  if (auth_ && auth_->needs_async([&req](std::string_view n) { return req.header(n); }) && !certified(req))
    return handle_async(std::move(req));
  Principal who;
  if (auto early = admit(req, who)) return ready(std::move(*early));
  if (req.method == "POST") return post(std::move(req), std::move(who));
  if (link_) return not_post_clustered(std::move(req), std::move(who));
  return ready(not_post(req, who));
}

// The check asks the network (introspection, a JWKS refetch) or the store (an API key not
// cached): awaited, never waited for on this loop.
Task<Response> StreamableHttp::handle_async(Request req) {
  if (auto why = origins_.check(req.header("host"), req.header("origin")))
    co_return rpc_error(403, errc::kConnectionClosed, "Forbidden: " + *why);
  auth::Authenticator::HeaderLookup headers = [&req](std::string_view n) { return req.header(n); };
  auto deciding = auth_->authenticate_async(headers, resource_url(req));
  auto decided = co_await std::move(deciding);
  if (auto* r = std::get_if<auth::Refusal>(&decided)) co_return refuse(*r);
  Principal who = std::move(std::get<Principal>(decided));
  if (req.method == "POST") co_return co_await post(std::move(req), std::move(who));
  if (link_) co_return co_await not_post_clustered(std::move(req), std::move(who));
  co_return not_post(req, who);
}

// mTLS: a verified client certificate names the principal of a request that brings no
// Authorization header of its own (docs/operations.md).
bool StreamableHttp::certified(const Request& req) const {
  return !req.client_certificate.empty() && req.header("authorization").empty();
}

std::optional<Response> StreamableHttp::admit(const Request& req, Principal& who) {
  if (auto why = origins_.check(req.header("host"), req.header("origin")))
    return rpc_error(403, errc::kConnectionClosed, "Forbidden: " + *why);
  if (certified(req)) {
    who.subject = req.client_certificate;
    who.method = "mtls";
    who.credential = "certificate";
    who.roles = options_.tls.client_roles;
    return std::nullopt;
  }
  if (auth_) {
    auto decided = auth_->authenticate([&](std::string_view n) { return req.header(n); }, resource_url(req));
    if (auto* r = std::get_if<auth::Refusal>(&decided)) return refuse(*r);
    who = std::move(std::get<Principal>(decided));
  }
  return std::nullopt;
}

Response StreamableHttp::not_post(const Request& req, const Principal& who) {
  // Sessions' GET streams and DELETE belong to the session-based wire only.
  auto v = req.header("mcp-protocol-version");
  if ((req.method == "GET" || req.method == "DELETE") &&
      (!options_.legacy_sessions || (!v.empty() && !protocol::is_supported_version(v)))) {
    Response r = rpc_error(405, errc::kConnectionClosed, "Method not allowed: this endpoint is stateless (POST only)");
    r.set("Allow", "POST");
    return r;
  }
  if (!v.empty() && !protocol::is_supported_version(v))
    return rpc_error(400, errc::kConnectionClosed, "Bad Request: Unsupported protocol version: " + std::string(v));
  if (req.method == "GET") return get(req, who);
  if (req.method == "DELETE") return del(req, who);
  Response r = rpc_error(405, errc::kConnectionClosed, "Method not allowed");
  r.set("Allow", "GET, POST, DELETE");
  return r;
}

std::string StreamableHttp::resource_url(const Request& req) const {
  if (auth_ && !auth_->options().resource.empty()) return auth_->options().resource;
  // The Host header is the client's: bytes that cannot be in a host (controls, spaces, non-
  // ASCII) are percent-encoded, so that the URL stays ASCII in the metadata's JSON and in the
  // WWW-Authenticate challenge (raw, they made the metadata invalid UTF-8).
  auto host = req.header("host");
  std::string url = req.scheme == "https" ? "https://" : "http://";  // https: TLS, or a trusted proxy's
  url.reserve(url.size() + host.size() + options_.path.size());
  for (char c : host) {
    auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7F) {
      url += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      url += '%';
      url += kHex[b >> 4];
      url += kHex[b & 0xF];
    }
  }
  return url + options_.path;
}

Response StreamableHttp::refuse(const auth::Refusal& r) const {
  json::object body{{"error", r.error.empty() ? "invalid_request" : r.error}};
  if (!r.description.empty()) body["error_description"] = r.description;
  Response resp = json_response(r.status, json::serialize(body));
  if (!r.www_authenticate.empty()) resp.set("WWW-Authenticate", r.www_authenticate);
  if (r.status == 503) resp.set("Retry-After", "5");
  return resp;
}

std::optional<Response> StreamableHttp::forbidden_tool(const Request& req, const Principal& who,
                                                       const jsonrpc::Message& m) const {
  if (!auth_ || m.kind != jsonrpc::Kind::request || m.method != "tools/call") return std::nullopt;
  auto name = find_string(m.params, "name").value_or("");
  if (auth_->may_call(who, name) || !server_.task_support(name)) return std::nullopt;  // unknown: reported later
  return refuse(auth_->insufficient_scope(name, resource_url(req)));
}

std::optional<Response> StreamableHttp::well_known(const Request& req) const {
  constexpr std::string_view kPrefix = "/.well-known/oauth-protected-resource";
  auto path = req.path();
  // No authorization server to name (api_key, header modes): no document, a plain 404.
  if (!auth_ || !auth_->offers_oauth() || path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto suffix = path.substr(kPrefix.size());
  if (!suffix.empty() && suffix != options_.path) return std::nullopt;
  if (req.method == "OPTIONS" && !req.header("origin").empty()) return preflight(req, "GET");
  if (req.method != "GET") {
    Response r = rpc_error(405, errc::kConnectionClosed, "Method not allowed");
    r.set("Allow", "GET");
    return r;
  }
  Response r = json_response(200, json::serialize(auth_->protected_resource_metadata(resource_url(req))));
  r.set("Cache-Control", "max-age=300");
  allow_origin(r, req);
  return r;
}

std::shared_ptr<protocol::Session> StreamableHttp::session_for(const Request& req, const Principal& who,
                                                               Response& error) {
  auto id = req.header(kSessionHeader);
  if (id.empty()) {
    error = rpc_error(400, errc::kConnectionClosed, "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  auto s = sessions_.find(id);
  if (s && !same_binding(s->principal(), who)) s = nullptr;  // never someone else's session
  if (!s) {
    error = rpc_error(404, errc::kRequestTimeout, "Session not found");
    return nullptr;
  }
  s->touch();
  if (link_) link_->touched(s);
  return s;
}

Response StreamableHttp::initialize(const json::value& id, const json::object& params, Principal who,
                                    std::string_view remote) {
  protocol::SessionManager::Refused refused{};
  auto session = sessions_.create(session_owner(who, remote), &refused);
  if (!session && refused == protocol::SessionManager::Refused::principal_share) {
    Response r = rpc_error(429, errc::kConnectionClosed,
                           "Too many sessions for this principal (" +
                               std::to_string(sessions_.limits().principal_share()) +
                               ", none idle); end one with DELETE or try again later",
                           json::serialize(id));
    r.set("Retry-After", "5");
    return r;
  }
  if (!session) {
    Response r = rpc_error(503, errc::kConnectionClosed, "Too many sessions; try again later", json::serialize(id));
    r.set("Retry-After", "5");
    return r;
  }
  session->set_principal(std::move(who));
  if (link_) link_->prepare(*session);
  auto result = dispatcher_.initialize(*session, params);
  if (!result) {
    sessions_.remove(session->id());
    return json_response(200, jsonrpc::error_response(id, result.error()));
  }
  Response r = json_response(200, jsonrpc::response(id, result.value()));
  r.set("Mcp-Session-Id", session->id());
  return r;
}

// Not a coroutine either: it hands over to the coroutine that has something to await.
Task<Response> StreamableHttp::post(Request req, Principal who) {
  if (link_) return post_clustered(std::move(req), std::move(who));
  Incoming in;
  if (auto done = prepare_post(req, who, in)) return ready(std::move(*done));
  if (in.body) return post_stateless(std::move(req), std::move(*in.body), std::move(who));
  return run_requests(std::move(in.session), std::move(in.messages), in.batch, in.requests);
}

std::optional<Response> StreamableHttp::prepare_post(const Request& req, Principal& who, Incoming& in) {
  if (!media_type_is(req.header("content-type"), "application/json"))
    return rpc_error(415, errc::kConnectionClosed, "Unsupported Media Type: Content-Type must be application/json");
  if (!accepts_json_and_sse(req.header("accept")))
    return rpc_error(406, errc::kConnectionClosed,
                     "Not Acceptable: Accept must list application/json and text/event-stream");

  // A single message is parsed into a per-request arena (see jsonrpc::request_arena); a batch,
  // whose requests run concurrently, into the default heap.
  auto first = req.body.find_first_not_of(" \t\r\n");
  bool maybe_batch = first != std::string::npos && req.body[first] == '[';
  if (maybe_batch && batch_longer_than(std::string_view(req.body).substr(first), options_.max_batch))
    return rpc_error(400, errc::kInvalidRequest,
                     "Invalid Request: a batch may hold at most " + std::to_string(options_.max_batch) + " messages");
  auto parsed = jsonrpc::parse(req.body, maybe_batch ? json::storage_ptr() : jsonrpc::request_arena());
  if (!parsed) return rpc_error(400, parsed.error().code, parsed.error().message);
  json::value& body = parsed.value();  // classified by moving params out: not read afterwards
  auto header_version = req.header("mcp-protocol-version");
  if (protocol::is_stateless_request(body, header_version)) {
    in.body.emplace(std::move(body));  // keeps the arena (assignment would copy)
    return std::nullopt;
  }
  if (!options_.legacy_sessions)
    return rpc_error(400, errc::kInvalidRequest,
                     "Bad Request: this endpoint speaks MCP 2026-07-28 (stateless); send MCP-Protocol-Version "
                     "and params._meta");
  if (!header_version.empty() && !protocol::is_supported_version(header_version))
    return rpc_error(400, errc::kConnectionClosed,
                     "Bad Request: Unsupported protocol version: " + std::string(header_version));
  const bool batch = body.is_array();
  if (batch && body.get_array().empty()) return rpc_error(400, errc::kInvalidRequest, "Invalid Request: empty batch");

  std::vector<jsonrpc::Message>& messages = in.messages;
  auto classify_all = [&](Response& err) {
    auto one = [&](json::value& v) {
      json::value id;
      auto m = jsonrpc::classify(std::move(v), &id);
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
  if (!classify_all(err)) return err;

  // initialize opens a session; it must come alone (2025-03-26 forbids it in a batch).
  for (auto& m : messages) {
    if (m.kind == jsonrpc::Kind::request && m.method == "initialize") {
      if (batch) return rpc_error(400, errc::kInvalidRequest, "Invalid Request: initialize must not be batched");
      if (req.has_header(kSessionHeader) && sessions_.find(req.header(kSessionHeader)))
        return rpc_error(400, errc::kInvalidRequest, "Invalid Request: session already initialized",
                         json::serialize(m.id));
      return initialize(m.id, m.params, std::move(who), req.remote_address);
    }
  }

  auto session = session_for(req, who, err);
  if (!session) return err;
  for (auto& m : messages)
    if (auto denied = forbidden_tool(req, who, m)) return std::move(*denied);
  if (batch && session->version() != "2025-03-26")
    return rpc_error(400, errc::kInvalidRequest,
                     "Invalid Request: JSON-RPC batches are only accepted on 2025-03-26 sessions");

  int requests = 0;
  for (auto& m : messages) {
    if (m.kind == jsonrpc::Kind::request) ++requests;
    else if (m.kind == jsonrpc::Kind::notification) notify(*session, m);
    else if (link_ && !session->has_outbound(jsonrpc::id_key(m.id))) link_->forward_answer(session->id(), m);
    else dispatcher_.on_response(*session, m);
  }
  if (requests == 0) return plain_status(202);
  in.batch = batch;
  in.requests = requests;
  in.session = std::move(session);
  return std::nullopt;
}

void StreamableHttp::notify(protocol::Session& session, const jsonrpc::Message& m) {
  // Several replicas: a cancellation of a request served elsewhere wakes it there.
  if (link_ && m.method == "notifications/cancelled")
    if (auto* id = find(m.params, "requestId"); id && (id->is_string() || id->is_int64() || id->is_uint64()) &&
                                                 !session.has_inflight(jsonrpc::id_key(*id)))
      link_->forward_cancel(session.id(), *id);
  dispatcher_.on_notification(session, m);
}

Task<Response> StreamableHttp::run_requests(std::shared_ptr<protocol::Session> session,
                                            std::vector<jsonrpc::Message> messages, bool batch, int requests) {
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
  if (!session_id.empty()) r.set("Mcp-Session-Id", session_id);
  r.stream = std::move(sink);
  return r;
}

Response StreamableHttp::get(const Request& req, const Principal& who) {
  if (!accepts(req.header("accept"), "text/event-stream"))
    return rpc_error(406, errc::kConnectionClosed, "Not Acceptable: Accept must list text/event-stream");
  Response err;
  auto session = session_for(req, who, err);
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
  if (draining_) session->hand_off_standalone();
  return sse_response(std::move(sink), session->id());
}

Response StreamableHttp::del(const Request& req, const Principal& who) {
  Response err;
  auto session = session_for(req, who, err);
  if (!session) return err;
  sessions_.remove(session->id());
  return plain_status(200);
}

}  // namespace mcp::http
