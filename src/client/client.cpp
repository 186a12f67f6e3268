// The MCP client's protocol: initialisation (session era) or discovery (stateless era),
// requests and their input_required retries, server-to-client requests and notifications,
// listening and closing; the wire is client_transport.cpp.
#include "client/client_impl.hpp"
#include "client/sse_parser.hpp"

#include <mcp/core/encoding.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace mcp::client {

namespace client_detail {
Error protocol_error(std::string message) { return Error{errc::kConnectionClosed, std::move(message), {}}; }
}  // namespace client_detail

using client_detail::protocol_error;

namespace {

namespace asio = boost::asio;

constexpr std::array kSessionVersions = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
constexpr std::string_view kMeta = "io.modelcontextprotocol/";
constexpr int kUnsupportedVersion = -32022;

Error error_from(const json::object& e) {
  Error out;
  if (auto* c = e.if_contains("code"); c && c->is_int64()) out.code = static_cast<int>(c->as_int64());
  out.message = std::string(find_string(e, "message").value_or("error"));
  if (auto* d = e.if_contains("data")) out.data = *d;
  return out;
}

bool tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// SEP-2243: the tool's x-mcp-header annotations as (property, header name) pairs, or nullopt
// when one is malformed (empty, not a token, on a non-primitive or number, duplicated
// case-insensitively) — such tools are left out.
std::optional<std::vector<std::pair<std::string, std::string>>> mirrored_params(const json::object& tool) {
  std::vector<std::pair<std::string, std::string>> out;
  auto* schema = find_object(tool, "inputSchema");
  auto* props = schema ? find_object(*schema, "properties") : nullptr;
  if (!props) return out;
  std::vector<std::string> seen;
  for (const auto& [name, p] : *props) {
    if (!p.is_object()) continue;
    auto* h = p.as_object().if_contains("x-mcp-header");
    if (!h) continue;
    if (!h->is_string() || h->as_string().empty()) return std::nullopt;
    std::string header(h->as_string());
    if (!std::all_of(header.begin(), header.end(), tchar)) return std::nullopt;
    auto type = find_string(p.as_object(), "type").value_or("");
    if (type != "string" && type != "integer" && type != "boolean") return std::nullopt;
    std::string folded = header;
    for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(seen.begin(), seen.end(), folded) != seen.end()) return std::nullopt;
    seen.push_back(folded);
    out.emplace_back(std::string(name), header);
  }
  return out;
}

std::string capability_of(std::string_view method) {
  auto slash = method.find('/');
  return std::string(method.substr(0, slash));
}

}  // namespace

json::object defaults_from_schema(const json::object& schema) {
  json::object out;
  auto* props = find_object(schema, "properties");
  if (!props) return out;
  for (const auto& [name, prop] : *props) {
    if (!prop.is_object()) continue;
    if (auto* d = prop.as_object().if_contains("default")) out[name] = *d;
  }
  return out;
}

json::object Client::Impl::capabilities() const {
  json::object caps;
  for (const auto& [method, h] : handlers) caps[capability_of(method)] = json::object{};
  return caps;
}

json::object Client::Impl::meta() const {
  json::object m;
  m[std::string(kMeta) + "protocolVersion"] = version;
  m[std::string(kMeta) + "clientCapabilities"] = capabilities();
  m[std::string(kMeta) + "clientInfo"] = json::object{{"name", opt.name}, {"version", opt.version}};
  return m;
}

Task<std::optional<json::object>> Client::Impl::dispatch(std::string data) {
  auto self = shared_from_this();
  if (opt.trace) opt.trace("< " + data);
  boost::system::error_code ec;
  auto v = json::parse(data, ec);
  if (ec || !v.is_object()) co_return std::nullopt;
  auto& m = v.as_object();
  auto method = find_string(m, "method");
  if (!method) {
    if (m.contains("id")) co_return std::move(m);
    co_return std::nullopt;
  }
  json::object params;
  if (auto* p = find_object(m, "params")) params = *p;
  if (auto* id = m.if_contains("id")) {
    auto reply = co_await answer(std::string(*method), params);
    json::object out{{"jsonrpc", "2.0"}, {"id", *id}};
    if (reply) out["result"] = std::move(*reply);
    else out["error"] = reply.error().to_json();
    auto sent = co_await post(out);
    if (sent) sent->body->close();
    co_return std::nullopt;
  }
  if (*method == "notifications/progress") {
    if (auto* tok = params.if_contains("progressToken")) {
      auto it = progress.find(json::serialize(*tok));
      if (it != progress.end() && it->second) it->second(params);
    }
  }
  if (on_note) on_note(std::string(*method), params);
  co_return std::nullopt;
}

Task<Result<json::object>> Client::Impl::answer(std::string method, json::object params) {
  if (method == "ping") co_return Result<json::object>(json::object{});
  auto it = handlers.find(method);
  if (it == handlers.end())
    co_return Result<json::object>(Error{errc::kMethodNotFound, "Method not found: " + method, {}});
  co_return co_await it->second(std::move(params));
}

Task<Result<json::object>> Client::Impl::request(std::string method, json::object params, RequestOptions ro) {
  using Out = Result<json::object>;
  auto self = shared_from_this();
  std::string token_key;
  if (!ro.progress_token.is_null()) {
    params["_meta"].emplace_object()["progressToken"] = ro.progress_token;
    token_key = json::serialize(ro.progress_token);
    progress[token_key] = ro.on_progress;
  }
  struct Forget {  // the progress callback lives as long as the request
    Impl* impl;
    std::string key;
    ~Forget() {
      if (!key.empty()) impl->progress.erase(key);
    }
  } forget{this, token_key};
  for (int round = 0; round <= opt.max_input_rounds; ++round) {
    if (is_stateless) {
      auto& meta = params["_meta"];
      if (!meta.is_object()) meta = json::object{};
      for (auto& [k, val] : this->meta()) meta.as_object()[k] = val;
    }
    json::object message{{"jsonrpc", "2.0"}, {"id", next_id++}, {"method", method}, {"params", params}};
    if (ro.on_sent) ro.on_sent(message.at("id"));
    auto resp = co_await exchange(std::move(message), ro.deadline);
    if (!resp) co_return resp;
    if (auto* e = find_object(*resp, "error")) co_return Out(error_from(*e));
    auto* result = find_object(*resp, "result");
    if (!result) co_return Out(protocol_error("response without result or error"));
    if (find_string(*result, "resultType").value_or("complete") != "input_required") {
      if (method == "tools/list") co_return Out(screen_tools(*result));
      co_return Out(*result);
    }
    // Multi round-trip: answer what the server asked for and send the request again.
    json::object responses;
    if (auto* asks = find_object(*result, "inputRequests")) {
      for (const auto& [key, ask] : *asks) {
        if (!ask.is_object()) continue;
        auto m = std::string(find_string(ask.as_object(), "method").value_or(""));
        json::object p;
        if (auto* pp = find_object(ask.as_object(), "params")) p = *pp;
        auto reply = co_await answer(m, std::move(p));
        if (!reply) co_return Out(reply.error());
        responses[key] = std::move(*reply);
      }
    }
    params["inputResponses"] = std::move(responses);
    if (auto* st = result->if_contains("requestState")) params["requestState"] = *st;
    else params.erase("requestState");
  }
  co_return Out(protocol_error("too many input_required rounds for " + method));
}

json::object Client::Impl::screen_tools(json::object result) {
  auto* tools = result.if_contains("tools");
  if (!tools || !tools->is_array()) return result;
  json::array kept;
  for (auto& t : tools->as_array()) {
    if (!t.is_object()) continue;
    auto name = std::string(find_string(t.as_object(), "name").value_or(""));
    auto params = mirrored_params(t.as_object());
    if (!params) {
      if (opt.trace) opt.trace("tool '" + name + "' left out: malformed x-mcp-header");
      continue;
    }
    if (params->empty()) tool_headers.erase(name);
    else tool_headers[name] = std::move(*params);
    kept.push_back(std::move(t));
  }
  result["tools"] = std::move(kept);
  return result;
}

Task<Result<json::object>> Client::Impl::initialize() {
  using Out = Result<json::object>;
  auto self = shared_from_this();
  is_stateless = false;
  version.clear();
  auto asked = opt.protocol_version == kStatelessVersion ? std::string(kLatestSessionVersion) : opt.protocol_version;
  json::object params{{"protocolVersion", asked},
                      {"capabilities", capabilities()},
                      {"clientInfo", json::object{{"name", opt.name}, {"version", opt.version}}}};
  auto r = co_await request("initialize", std::move(params), {});
  if (!r) co_return r;
  auto v = std::string(find_string(*r, "protocolVersion").value_or(""));
  if (std::find(kSessionVersions.begin(), kSessionVersions.end(), v) == kSessionVersions.end())
    co_return Out(protocol_error("server chose unsupported protocol version '" + v + "'"));
  version = v;
  if (auto* i = find_object(*r, "serverInfo")) server_info = *i;
  if (auto* c = find_object(*r, "capabilities")) server_caps = *c;
  auto n = co_await notify("notifications/initialized", {});
  if (!n) co_return Out(n.error());
  // The session's GET stream carries server requests not tied to one of ours; it must be
  // open before we send anything that could trigger them.
  if (opt.listen && !session.empty()) {
    auto stream = co_await get_stream("");
    if (stream)
      asio::co_spawn(co_await asio::this_coro::executor, run_listener(self, std::move(stream->body)), asio::detached);
  }
  co_return r;
}

Task<Result<json::object>> Client::Impl::discover() {
  using Out = Result<json::object>;
  auto self = shared_from_this();
  is_stateless = true;
  version = kStatelessVersion;
  auto r = co_await request("server/discover", {}, {});
  // -32022 lists what the server speaks: try again once if ours is among them.
  for (int retry = 0; retry < 2 && !r && r.error().code == kUnsupportedVersion; ++retry) {
    bool listed = false;
    if (auto* d = r.error().data.if_object())
      if (auto* vs = d->if_contains("supported"); vs && vs->is_array())
        for (auto& v : vs->as_array()) listed = listed || (v.is_string() && v.as_string() == kStatelessVersion);
    if (!listed) break;
    r = co_await request("server/discover", {}, {});
  }
  if (!r) co_return r;
  bool supported = false;
  if (auto* vs = r->if_contains("supportedVersions"); vs && vs->is_array())
    for (auto& v : vs->as_array()) supported = supported || (v.is_string() && v.as_string() == kStatelessVersion);
  if (!supported) co_return Out(protocol_error("server does not support " + std::string(kStatelessVersion)));
  if (auto* c = find_object(*r, "capabilities")) server_caps = *c;
  if (auto* m = find_object(*r, "_meta"))
    if (auto* i = find_object(*m, std::string(kMeta) + "serverInfo")) server_info = *i;
  co_return r;
}

Task<Result<bool>> Client::Impl::notify(std::string method, json::object params) {
  auto self = shared_from_this();
  if (is_stateless) {
    auto& meta = params["_meta"];
    if (!meta.is_object()) meta = json::object{};
    for (auto& [k, val] : this->meta()) meta.as_object()[k] = val;
  }
  json::object message{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.empty()) message["params"] = std::move(params);
  auto res = co_await post(std::move(message));
  if (!res) co_return Result<bool>(res.error());
  res->body->close();
  if (res->status != 202 && res->status != 200)
    co_return Result<bool>(protocol_error("notification refused: HTTP " + std::to_string(res->status)));
  co_return Result<bool>(true);
}

Task<Result<bool>> Client::Impl::listen(std::unique_ptr<net::BodyStream> first) {
  auto self = shared_from_this();
  std::string last_id;
  int failures = 0;
  std::chrono::milliseconds retry{1000};
  std::shared_ptr<net::BodyStream> body = std::move(first);
  struct Unpublish {
    Impl& impl;
    ~Unpublish() { impl.listening.reset(); }
  } unpublish{*this};
  while (!closed && failures <= opt.max_reconnects) {
    if (!body) {
      auto res = co_await get_stream(last_id);
      if (!res) {
        if (closed || (res.error().data.is_object() && res.error().data.as_object().contains("status")))
          co_return Result<bool>(res.error());
        ++failures;
        co_await pause(retry);
        continue;
      }
      body = std::move(res->body);
    }
    failures = 0;
    listening = body;
    SseParser parser;
    for (int i = 0; i < 1 << 30 && !closed; ++i) {
      auto piece = co_await body->next();
      if (!piece || !*piece) break;
      for (auto& e : parser.feed(**piece))
        if (!e.data.empty()) co_await dispatch(e.data);
    }
    listening = nullptr;
    body.reset();
    if (!parser.last_event_id().empty()) last_id = parser.last_event_id();
    if (parser.retry_ms()) retry = std::chrono::milliseconds(*parser.retry_ms());
    if (closed) break;
    ++failures;
    co_await pause(retry);
  }
  co_return Result<bool>(true);
}

Task<void> Client::Impl::pause(std::chrono::milliseconds d) {
  auto self = shared_from_this();
  auto t = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, d);
  waiting = t;
  struct Unpublish {
    Impl& impl;
    ~Unpublish() { impl.waiting.reset(); }
  } unpublish{*this};
  co_await t->async_wait(asio::as_tuple(asio::use_awaitable));
}

Task<void> Client::Impl::run_listener(std::shared_ptr<Impl> self, std::unique_ptr<net::BodyStream> first) {
  co_await self->listen(std::move(first));
}

Task<void> Client::Impl::close() {
  auto self = shared_from_this();
  closed = true;
  if (auto l = listening) l->close();
  if (auto w = waiting) w->cancel();
  if (session.empty() || is_stateless) co_return;
  std::string method = "DELETE";
  json::object none;
  auto headers = co_await headers_for(none, method);
  if (!headers) co_return;
  net::ClientRequest req;
  req.method = "DELETE";
  req.url = opt.url;
  req.headers = std::move(*headers);
  req.timeout = std::chrono::seconds(5);
  co_await http->send(std::move(req));  // 405 means the server keeps sessions itself
  session.clear();
}

Client::Client(std::shared_ptr<net::HttpClient> http, Options options) : impl_(std::make_shared<Impl>()) {
  impl_->http = std::move(http);
  impl_->opt = std::move(options);
}
Client::~Client() = default;

void Client::on_request(std::string method, RequestHandler handler) { impl_->handlers[std::move(method)] = std::move(handler); }
void Client::on_notification(NotificationHandler handler) { impl_->on_note = std::move(handler); }
void Client::set_header_hook(HeaderHook hook) { impl_->header_hook = std::move(hook); }
void Client::set_auth_hook(AuthHook hook) { impl_->auth_hook = std::move(hook); }

Task<Result<json::object>> Client::connect() {
  auto impl = impl_;
  if (impl->opt.protocol_version == kStatelessVersion) {
    auto r = co_await impl->discover();
    if (r || !impl->opt.fallback) co_return r;
  }
  co_return co_await impl->initialize();
}

Task<Result<json::object>> Client::request(std::string method, json::object params, RequestOptions options) {
  auto impl = impl_;
  co_return co_await impl->request(std::move(method), std::move(params), std::move(options));
}
Task<Result<bool>> Client::notify(std::string method, json::object params) {
  auto impl = impl_;
  co_return co_await impl->notify(std::move(method), std::move(params));
}
Task<Result<json::object>> Client::ping() { return request("ping", {}, {}); }

namespace {
json::object with_cursor(std::string cursor) {
  json::object p;
  if (!cursor.empty()) p["cursor"] = cursor;
  return p;
}
}  // namespace

Task<Result<json::object>> Client::list_tools(std::string cursor) { return request("tools/list", with_cursor(std::move(cursor)), {}); }
Task<Result<json::object>> Client::list_resources(std::string cursor) {
  return request("resources/list", with_cursor(std::move(cursor)), {});
}
Task<Result<json::object>> Client::list_prompts(std::string cursor) {
  return request("prompts/list", with_cursor(std::move(cursor)), {});
}

Task<Result<json::array>> Client::list_all_tools() {
  auto impl = impl_;
  json::array all;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    auto r = co_await impl->request("tools/list", with_cursor(cursor), {});
    if (!r) co_return Result<json::array>(r.error());
    if (auto* t = r->if_contains("tools"); t && t->is_array())
      for (auto& tool : t->as_array()) all.push_back(tool);
    auto next = find_string(*r, "nextCursor");
    if (!next || next->empty() || *next == cursor) co_return Result<json::array>(std::move(all));
    cursor = std::string(*next);
  }
  co_return Result<json::array>(protocol_error("tools/list returned too many pages"));
}

Task<Result<json::object>> Client::call_tool(std::string name, json::object arguments, RequestOptions options) {
  json::object p{{"name", std::move(name)}, {"arguments", std::move(arguments)}};
  return request("tools/call", std::move(p), std::move(options));
}
Task<Result<json::object>> Client::read_resource(std::string uri) {
  json::object p{{"uri", std::move(uri)}};
  return request("resources/read", std::move(p), {});
}
Task<Result<json::object>> Client::get_prompt(std::string name, json::object arguments) {
  json::object p{{"name", std::move(name)}, {"arguments", std::move(arguments)}};
  return request("prompts/get", std::move(p), {});
}
Task<Result<bool>> Client::cancel(json::value request_id, std::string reason) {
  json::object p{{"requestId", std::move(request_id)}, {"reason", std::move(reason)}};
  return notify("notifications/cancelled", std::move(p));
}
Task<Result<bool>> Client::set_logging_level(std::string level) {
  json::object p{{"level", std::move(level)}};
  auto impl = impl_;
  auto r = co_await impl->request("logging/setLevel", std::move(p), {});
  if (!r) co_return Result<bool>(r.error());
  co_return Result<bool>(true);
}
Task<Result<bool>> Client::listen() {
  auto impl = impl_;
  co_return co_await impl->listen(nullptr);
}
Task<void> Client::close() {
  auto impl = impl_;
  co_await impl->close();
}

bool Client::stateless() const { return impl_->is_stateless; }
const std::string& Client::protocol_version() const { return impl_->version; }
const std::string& Client::session_id() const { return impl_->session; }
const json::object& Client::server_info() const { return impl_->server_info; }
const json::object& Client::server_capabilities() const { return impl_->server_caps; }

}  // namespace mcp::client
