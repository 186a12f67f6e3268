// The MCP client: one POST per JSON-RPC message; responses as JSON or SSE; SSE responses that
// break are resumed with GET + Last-Event-ID after the server's retry delay (session era);
// input_required results are answered and retried (stateless era).
#include <mcp/client/client.hpp>

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
namespace {

namespace asio = boost::asio;

constexpr std::array kSessionVersions = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
constexpr std::string_view kMeta = "io.modelcontextprotocol/";
constexpr int kUnsupportedVersion = -32022;

Error protocol_error(std::string message) { return Error{errc::kConnectionClosed, std::move(message), {}}; }

Error error_from(const json::object& e) {
  Error out;
  if (auto* c = e.if_contains("code"); c && c->is_int64()) out.code = static_cast<int>(c->as_int64());
  out.message = std::string(find_string(e, "message").value_or("error"));
  if (auto* d = e.if_contains("data")) out.data = *d;
  return out;
}

bool same_id(const json::value& a, const json::value& b) {
  if (a.is_int64() && b.is_int64()) return a.as_int64() == b.as_int64();
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

// Header values must be visible ASCII; anything else travels as =?base64?…?= (2026-07-28).
std::string header_safe(std::string_view v) {
  if (v.empty()) return {};
  bool plain = v.front() != ' ' && v.back() != ' ' &&
               std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (plain && v.substr(0, 9) != "=?base64?") return std::string(v);
  return "=?base64?" + base64_encode(v) + "?=";
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

std::optional<std::string> header_value_of(const json::value& v) {
  if (v.is_string()) return header_safe(v.as_string());
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double() && v.as_double() == static_cast<double>(static_cast<std::int64_t>(v.as_double())))
    return std::to_string(static_cast<std::int64_t>(v.as_double()));
  return std::nullopt;
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

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
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
  std::shared_ptr<asio::steady_timer> waiting;
  bool closed = false;

  json::object capabilities() const {
    json::object caps;
    for (const auto& [method, h] : handlers) caps[capability_of(method)] = json::object{};
    return caps;
  }

  json::object meta() const {
    json::object m;
    m[std::string(kMeta) + "protocolVersion"] = version;
    m[std::string(kMeta) + "clientCapabilities"] = capabilities();
    m[std::string(kMeta) + "clientInfo"] = json::object{{"name", opt.name}, {"version", opt.version}};
    return m;
  }

  Task<Result<net::Headers>> headers_for(const json::object& message, std::string http_method) {
    bool post = http_method == "POST";
    net::Headers h = opt.headers;
    if (post) h.emplace_back("content-type", "application/json");
    h.emplace_back("accept", post ? "application/json, text/event-stream" : "text/event-stream");
    if (!session.empty()) h.emplace_back("mcp-session-id", session);
    if (!version.empty()) h.emplace_back("mcp-protocol-version", version);
    if (is_stateless && post) {
      auto method = find_string(message, "method");
      if (method) {
        h.emplace_back("mcp-method", std::string(*method));
        if (auto* p = find_object(message, "params")) {
          auto key = *method == "resources/read" ? "uri" : "name";
          if (*method == "tools/call" || *method == "prompts/get" || *method == "resources/read")
            if (auto v = find_string(*p, key)) h.emplace_back("mcp-name", header_safe(*v));
          auto* args = find_object(*p, "arguments");
          auto tool = find_string(*p, "name");
          if (*method == "tools/call" && args && tool)
            if (auto it = tool_headers.find(std::string(*tool)); it != tool_headers.end())
              for (const auto& [prop, header] : it->second)
                if (auto* v = args->if_contains(prop))
                  if (auto text = header_value_of(*v)) h.emplace_back("Mcp-Param-" + header, *text);
        }
      }
    }
    if (header_hook) co_return co_await header_hook(std::move(h), std::move(http_method));
    co_return Result<net::Headers>(std::move(h));
  }

  static Task<Result<std::string>> read_all(net::BodyStream* body, std::size_t limit) {
    std::string all;
    for (int i = 0; i < 1 << 20; ++i) {
      auto piece = co_await body->next();
      if (!piece) co_return Result<std::string>(piece.error());
      if (!*piece) break;
      all += **piece;
      if (all.size() > limit) co_return Result<std::string>(protocol_error("response exceeds the size limit"));
    }
    co_return Result<std::string>(std::move(all));
  }

  // Sends one POST and opens its response, retrying once when the auth hook refreshed
  // credentials after a 401/403.
  Task<Result<net::StreamedResponse>> post(json::object message) {
    using Out = Result<net::StreamedResponse>;
    auto self = shared_from_this();
    auto body = json::serialize(message);
    if (opt.trace) opt.trace("> " + body);
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::string method = "POST";
      auto headers = co_await headers_for(message, method);
      if (!headers) co_return Out(headers.error());
      net::ClientRequest req;
      req.method = "POST";
      req.url = opt.url;
      req.headers = std::move(*headers);
      req.body = body;
      req.timeout = opt.request_timeout;
      req.max_body_bytes = opt.max_message_bytes;
      auto res = co_await http->open(std::move(req));
      if (!res) co_return res;
      if ((res->status == 401 || res->status == 403) && auth_hook && attempt < 2) {
        auto retry = co_await auth_hook(res->status, res->headers);
        if (retry) continue;
      }
      co_return res;
    }
    co_return Out(protocol_error("authorization failed"));
  }

  // The response message to `message` (a request), reading JSON or SSE and resuming SSE.
  Task<Result<json::object>> exchange(json::object message) {
    using Out = Result<json::object>;
    auto self = shared_from_this();
    auto res = co_await post(message);
    if (!res) co_return Out(res.error());
    co_return co_await read_response(std::move(*res), message.at("id"));
  }

  Task<Result<json::object>> read_response(net::StreamedResponse res, json::value id) {
    using Out = Result<json::object>;
    auto self = shared_from_this();
    if (auto sid = res.header("mcp-session-id"); !sid.empty() && !is_stateless) session = std::string(sid);
    auto ctype = std::string(res.header("content-type"));
    if (res.status == 202) co_return Out(json::object{});
    if (ctype.find("text/event-stream") != std::string::npos && res.status == 200)
      co_return co_await read_sse(std::move(res.body), id);
    auto text = co_await read_all(res.body.get(), opt.max_message_bytes);
    if (!text) co_return Out(text.error());
    if (opt.trace) opt.trace("< HTTP " + std::to_string(res.status) + " " + *text);
    boost::system::error_code ec;
    auto parsed = json::parse(*text, ec);
    if (!ec && parsed.is_object() && parsed.as_object().contains("jsonrpc") &&
        (parsed.as_object().contains("result") || parsed.as_object().contains("error")))
      co_return Out(std::move(parsed.as_object()));
    if (res.status == 404 && !session.empty())
      co_return Out(Error{errc::kConnectionClosed, "session expired (HTTP 404)", {}});
    if (res.status >= 400 || res.status < 200)
      co_return Out(Error{errc::kConnectionClosed,
                          "HTTP " + std::to_string(res.status) + " from " + opt.url + ": " + text->substr(0, 300),
                          json::object{{"status", res.status}}});
    co_return Out(protocol_error("invalid JSON-RPC response from " + opt.url + ": " + text->substr(0, 200)));
  }

  // Reads an SSE response until the message answering `id`; a stream that ends first is
  // resumed with GET and Last-Event-ID after the retry delay the server asked for.
  Task<Result<json::object>> read_sse(std::unique_ptr<net::BodyStream> body, json::value id) {
    using Out = Result<json::object>;
    auto self = shared_from_this();
    SseParser parser;
    for (int reconnect = 0; reconnect <= opt.max_reconnects; ++reconnect) {
      bool failed = false;
      for (int i = 0; i < 1 << 24; ++i) {
        auto piece = co_await body->next();
        if (!piece || !*piece) {
          failed = !piece;
          break;
        }
        for (auto& e : parser.feed(**piece)) {
          if (e.data.empty()) continue;
          auto msg = co_await dispatch(e.data);
          if (msg && same_id(msg->at("id"), id)) co_return Out(std::move(*msg));
        }
        if (parser.buffered() > opt.max_message_bytes) co_return Out(protocol_error("SSE event exceeds the size limit"));
      }
      (void)failed;
      body.reset();
      if (is_stateless || parser.last_event_id().empty() || closed)
        co_return Out(protocol_error("the server closed the stream before answering"));
      auto delay = std::chrono::milliseconds(parser.retry_ms().value_or(1000));
      asio::steady_timer timer(co_await asio::this_coro::executor, delay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      auto resumed = co_await get_stream(parser.last_event_id());
      if (!resumed) continue;  // counts as an attempt
      body = std::move(resumed->body);
    }
    co_return Out(protocol_error("the stream could not be resumed"));
  }

  Task<Result<net::StreamedResponse>> get_stream(std::string last_event_id) {
    using Out = Result<net::StreamedResponse>;
    auto self = shared_from_this();
    std::string method = "GET";
    json::object none;
    auto headers = co_await headers_for(none, method);
    if (!headers) co_return Out(headers.error());
    if (!last_event_id.empty()) headers->emplace_back("last-event-id", last_event_id);
    net::ClientRequest req;
    req.method = "GET";
    req.url = opt.url;
    req.headers = std::move(*headers);
    req.timeout = std::chrono::hours(24);  // a stream stays open; the server sends keep-alives
    req.max_body_bytes = std::size_t{1} << 40;
    auto res = co_await http->open(std::move(req));
    if (!res) co_return res;
    if (res->status != 200 || res->header("content-type").find("text/event-stream") == std::string_view::npos)
      co_return Out(Error{errc::kConnectionClosed, "GET stream refused: HTTP " + std::to_string(res->status),
                          json::object{{"status", res->status}}});
    co_return res;
  }

  // Handles one incoming message: a response is returned to the caller; requests are answered
  // and notifications delivered here.
  Task<std::optional<json::object>> dispatch(std::string data) {
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

  Task<Result<json::object>> answer(std::string method, json::object params) {
    if (method == "ping") co_return Result<json::object>(json::object{});
    auto it = handlers.find(method);
    if (it == handlers.end())
      co_return Result<json::object>(Error{errc::kMethodNotFound, "Method not found: " + method, {}});
    co_return co_await it->second(std::move(params));
  }

  Task<Result<json::object>> request(std::string method, json::object params, RequestOptions ro) {
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
      auto resp = co_await exchange(std::move(message));
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

  // Remembers which arguments each tool mirrors into headers, and leaves out tools whose
  // annotations are malformed (one bad tool must not hide the others).
  json::object screen_tools(json::object result) {
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

  Task<Result<json::object>> initialize() {
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

  Task<Result<json::object>> discover() {
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

  Task<Result<bool>> notify(std::string method, json::object params) {
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

  // Reads the session's GET stream (`first`, when already open), reconnecting with
  // Last-Event-ID after the server's retry delay, until close() or a refusal (405: the server
  // offers no such stream).
  Task<Result<bool>> listen(std::unique_ptr<net::BodyStream> first) {
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

  // A delay that close() cuts short.
  Task<void> pause(std::chrono::milliseconds d) {
    auto self = shared_from_this();
    auto t = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, d);
    waiting = t;
    struct Unpublish {
      Impl& impl;
      ~Unpublish() { impl.waiting.reset(); }
    } unpublish{*this};
    co_await t->async_wait(asio::as_tuple(asio::use_awaitable));
  }

  static Task<void> run_listener(std::shared_ptr<Impl> self, std::unique_ptr<net::BodyStream> first) {
    co_await self->listen(std::move(first));
  }

  Task<void> close() {
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
};

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
