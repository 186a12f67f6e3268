// The 2026-07-28 (stateless) wire on the MCP endpoint: one request per POST, its method and
// named arguments mirrored in headers (SEP-2243), no sessions.
#include "http/streamable_http.hpp"

#include <mcp/protocol/version.hpp>

#include <mcp/core/encoding.hpp>

#include <cctype>
#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

namespace asio = boost::asio;

namespace mcp::http {

namespace {

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// SEP-2243 header values: "=?base64?<standard base64, padded>?=" carries any bytes; anything
// else is literal. A malformed encoded value is nullopt (a mismatch).
std::optional<std::string> header_value(std::string_view raw) {
  raw = trim_ows(raw);
  constexpr std::string_view kPre = "=?base64?", kPost = "?=";
  if (raw.size() < kPre.size() + kPost.size() || raw.substr(0, kPre.size()) != kPre ||
      raw.substr(raw.size() - kPost.size()) != kPost)
    return std::string(raw);
  auto b64 = raw.substr(kPre.size(), raw.size() - kPre.size() - kPost.size());
  if (b64.size() % 4 != 0) return std::nullopt;
  for (size_t i = 0; i < b64.size(); ++i) {
    char c = b64[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' ||
              (c == '=' && i >= b64.size() - 2 && (i == b64.size() - 1 || b64.back() == '='));
    if (!ok) return std::nullopt;
  }
  return base64_decode(b64);
}

// The value a primitive argument is mirrored as, compared as its type.
bool mirrors(const json::value& arg, const std::string& header) {
  if (arg.is_string()) return arg.get_string() == header;
  if (arg.is_bool()) return header == (arg.get_bool() ? "true" : "false");
  if (arg.is_number()) {
    char* end = nullptr;
    double d = std::strtod(header.c_str(), &end);
    return !header.empty() && end == header.c_str() + header.size() && d == *as_number(arg);
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

std::optional<std::string> StreamableHttp::check_mirrored_headers(const Request& req,
                                                                  const jsonrpc::Message& m) const {
  if (!req.has_header("mcp-method")) return "Mcp-Method header is required";
  if (trim_ows(req.header("mcp-method")) != m.method) return "Mcp-Method header does not match the body's method";
  std::string_view name_key;
  if (m.method == "tools/call" || m.method == "prompts/get") name_key = "name";
  else if (m.method == "resources/read") name_key = "uri";
  else if (m.method == "tasks/get" || m.method == "tasks/update" || m.method == "tasks/cancel") name_key = "taskId";
  if (!name_key.empty()) {
    if (!req.has_header("mcp-name")) return "Mcp-Name header is required for " + m.method;
    auto v = header_value(req.header("mcp-name"));
    auto body = find_string(m.params, name_key);
    if (!v || !body || *v != *body) return "Mcp-Name header does not match params." + std::string(name_key);
  }
  if (m.method != "tools/call") return std::nullopt;
  auto params = server_.header_params(find_string(m.params, "name").value_or(""));
  if (!params) return std::nullopt;  // unknown tool: the call itself reports it
  const json::object* args = find_object(m.params, "arguments");
  for (auto& [prop, header] : *params) {
    std::string hname = "mcp-param-" + lower(header);
    const json::value* arg = args ? find(*args, prop) : nullptr;
    bool present = req.has_header(hname);
    if (!arg || arg->is_null()) {
      if (present) return "Mcp-Param-" + header + " header sent for an absent argument";
      continue;
    }
    if (!present) return "Mcp-Param-" + header + " header is required";
    auto v = header_value(req.header(hname));
    if (!v || !mirrors(*arg, *v)) return "Mcp-Param-" + header + " header does not match the argument";
  }
  return std::nullopt;
}

Task<Response> StreamableHttp::post_stateless(Request req, json::value body, Principal who) {
  if (body.is_array())
    co_return rpc_error(400, errc::kInvalidRequest, "Invalid Request: batches are not part of MCP 2026-07-28");
  json::value id;
  auto classified = jsonrpc::classify(std::move(body), &id);
  if (!classified) co_return rpc_error(400, classified.error().code, classified.error().message, json::serialize(id));
  auto& m = classified.value();
  if (m.kind == jsonrpc::Kind::response || m.kind == jsonrpc::Kind::error)
    co_return rpc_error(400, errc::kInvalidRequest,
                        "Invalid Request: responses are not accepted on the stateless wire", json::serialize(m.id));
  if (m.kind == jsonrpc::Kind::notification) {
    if (trim_ows(req.header("mcp-method")) != m.method)
      co_return rpc_error(400, protocol::errc_2026::kHeaderMismatch, "Header mismatch: Mcp-Method");
    co_return plain_status(202);
  }
  std::string id_json = json::serialize(m.id);
  auto admitted = stateless_.admit(std::move(m), req.header("mcp-protocol-version"));
  if (auto* rej = std::get_if<protocol::Rejection>(&admitted))
    co_return json_response(rej->status, jsonrpc::error_response(json::parse(id_json), rej->error));
  auto& r = std::get<protocol::StatelessRequest>(admitted);
  r.principal = std::move(who);
  if (auto denied = forbidden_tool(req, r.principal, r.message)) co_return std::move(*denied);
  if (auto why = check_mirrored_headers(req, r.message))
    co_return rpc_error(400, protocol::errc_2026::kHeaderMismatch, "Header mismatch: " + *why, id_json);
  if (!stateless_.has_method(r.message.method))
    co_return rpc_error(404, errc::kMethodNotFound, "Method not found: " + r.message.method, id_json);

  if (r.message.method == "subscriptions/listen") {
    json::object filter;
    if (auto* n = find_object(r.message.params, "notifications")) filter = *n;
    auto sink = hub_.listen(r.message.id, protocol::SubscriptionFilter::from_json(filter));
    co_return sse_response(std::move(sink), {});
  }

  auto exchange = std::make_shared<protocol::Exchange>(nullptr, 1, options_.always_sse);
  asio::co_spawn(co_await asio::this_coro::executor, stateless_.serve(std::move(r), exchange), log_spawn_error);
  auto outcome = co_await exchange->wait();
  if (outcome.sse) co_return sse_response(std::move(outcome.sink), {});
  if (outcome.responses.empty()) co_return plain_status(202);
  co_return json_response(outcome.status, std::move(outcome.responses.front()));
}

}  // namespace mcp::http
