// The client's wire: request headers (session, version, SEP-2243 mirrored parameters, the auth
// hook), one POST per message, answers read as JSON or SSE, and broken SSE streams resumed with
// GET + Last-Event-ID after the server's retry delay.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <mcp/core/encoding.hpp>

#include "client/client_impl.hpp"
#include "client/sse_parser.hpp"

namespace mcp::client {

using client_detail::protocol_error;

namespace {

namespace asio = boost::asio;

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

std::optional<std::string> header_value_of(const json::value& v) {
  if (v.is_string()) return header_safe(v.as_string());
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double() && v.as_double() == static_cast<double>(static_cast<std::int64_t>(v.as_double())))
    return std::to_string(static_cast<std::int64_t>(v.as_double()));
  return std::nullopt;
}

}  // namespace

Task<Result<net::Headers>> Client::Impl::headers_for(const json::object& message, std::string http_method) {
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

Task<Result<std::string>> Client::Impl::read_all(net::BodyStream* body, std::size_t limit) {
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

std::chrono::milliseconds Client::Impl::until(Deadline deadline, std::chrono::milliseconds own) {
  if (deadline == Deadline::max()) return own;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), own);
}

namespace {
Error deadline_passed() {
  return Error{errc::kRequestTimeout, "no answer before the call's deadline", json::value("timeout")};
}
}  // namespace

Task<Result<net::StreamedResponse>> Client::Impl::post(json::object message, Deadline deadline) {
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
    req.timeout = until(deadline, opt.request_timeout);
    if (req.timeout.count() <= 0) co_return Out(deadline_passed());
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

Task<Result<json::object>> Client::Impl::exchange(json::object message, Deadline deadline) {
  using Out = Result<json::object>;
  auto self = shared_from_this();
  auto res = co_await post(message, deadline);
  if (!res) co_return Out(res.error());
  co_return co_await read_response(std::move(*res), message.at("id"), deadline);
}

Task<Result<json::object>> Client::Impl::read_response(net::StreamedResponse res, json::value id, Deadline deadline) {
  using Out = Result<json::object>;
  auto self = shared_from_this();
  if (auto sid = res.header("mcp-session-id"); !sid.empty() && !is_stateless) session = std::string(sid);
  auto ctype = std::string(res.header("content-type"));
  if (res.status == 202) co_return Out(json::object{});
  if (ctype.find("text/event-stream") != std::string::npos && res.status == 200)
    co_return co_await read_sse(std::move(res.body), id, deadline);
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

// The stream's reads are bounded by the timeout the POST had (at most the time left then), so
// checking the deadline after each piece ends the wait within that bound past it.
Task<Result<json::object>> Client::Impl::read_sse(std::unique_ptr<net::BodyStream> body, json::value id,
                                                  Deadline deadline) {
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
      if (until(deadline, std::chrono::milliseconds(1)).count() <= 0) {
        body->close();
        co_return Out(deadline_passed());
      }
    }
    (void)failed;
    body.reset();
    if (is_stateless || parser.last_event_id().empty() || closed)
      co_return Out(protocol_error("the server closed the stream before answering"));
    if (until(deadline, std::chrono::milliseconds(1)).count() <= 0) co_return Out(deadline_passed());
    auto delay = std::chrono::milliseconds(parser.retry_ms().value_or(1000));
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto resumed = co_await get_stream(parser.last_event_id(), deadline);
    if (!resumed) continue;  // counts as an attempt
    body = std::move(resumed->body);
  }
  co_return Out(protocol_error("the stream could not be resumed"));
}

Task<Result<net::StreamedResponse>> Client::Impl::get_stream(std::string last_event_id, Deadline deadline) {
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
  req.timeout = until(deadline, std::chrono::hours(24));  // a stream stays open; the server sends keep-alives
  if (req.timeout.count() <= 0) co_return Out(deadline_passed());
  req.max_body_bytes = std::size_t{1} << 40;
  auto res = co_await http->open(std::move(req));
  if (!res) co_return res;
  if (res->status != 200 || res->header("content-type").find("text/event-stream") == std::string_view::npos)
    co_return Out(Error{errc::kConnectionClosed, "GET stream refused: HTTP " + std::to_string(res->status),
                        json::object{{"status", res->status}}});
  co_return res;
}

}  // namespace mcp::client
