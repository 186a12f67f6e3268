#include <mcp/server/context.hpp>

#include <algorithm>

namespace mcp {

const json::value& Context::request_id() const {
  static const json::value kNull;
  return kNull;
}

namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
}  // namespace

std::chrono::milliseconds CallInfo::bound(std::chrono::milliseconds own) const {
  if (deadline == std::chrono::steady_clock::time_point::max()) return own;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), own);
}

bool valid_traceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may append "-" fields.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags))
    return false;
  if (all_zero(trace) || all_zero(parent)) return false;
  if (version == "00") return v.size() == 55;
  return v.size() == 55 || (v[55] == '-' && v.size() <= 512);
}

TraceContext trace_of(const json::object& params) {
  TraceContext t;
  auto* meta = find_object(params, "_meta");
  if (!meta) return t;
  auto parent = find_string(*meta, "traceparent");
  if (!parent || !valid_traceparent(*parent)) return t;
  t.traceparent = std::string(*parent);
  // tracestate only with its traceparent, and only when it is plain header text.
  if (auto state = find_string(*meta, "tracestate");
      state && state->size() <= 512 &&
      std::all_of(state->begin(), state->end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
    t.tracestate = std::string(*state);
  return t;
}

namespace {
json::object cap(std::string_view name, json::object inner = {}) { return {{name, std::move(inner)}}; }
}  // namespace

bool Context::client_supports(std::string_view capability, std::string_view sub) const {
  auto* c = find_object(client_capabilities(), capability);
  if (!c) return false;
  return sub.empty() || find_object(*c, sub) != nullptr;
}

Task<Result<json::object>> Context::request(std::string method, json::object params) {
  std::vector<InputRequest> one;
  one.push_back(InputRequest{{}, std::move(method), std::move(params)});
  auto answers = co_await ask(std::move(one));
  co_return std::move(answers.front());
}

Result<InputRequest> Context::elicit_request(std::string message, json::object schema, std::string key) {
  // An empty elicitation capability object means form mode (2025-06-18 compatibility).
  auto* c = find_object(client_capabilities(), "elicitation");
  if (!c || (!c->empty() && !find_object(*c, "form")))
    return missing_capability(cap("elicitation", {{"form", json::object{}}}));
  json::object params{{"message", std::move(message)}, {"requestedSchema", std::move(schema)}};
  if (protocol_version() >= "2025-11-25") params["mode"] = "form";
  return InputRequest{std::move(key), "elicitation/create", std::move(params)};
}

Result<InputRequest> Context::sample_request(json::object params, std::string key) {
  if (!client_supports("sampling")) return missing_capability(cap("sampling"));
  if (find(params, "tools") && !client_supports("sampling", "tools"))
    return missing_capability(cap("sampling", {{"tools", json::object{}}}));
  return InputRequest{std::move(key), "sampling/createMessage", std::move(params)};
}

Result<InputRequest> Context::list_roots_request(std::string key) {
  if (!client_supports("roots")) return missing_capability(cap("roots"));
  return InputRequest{std::move(key), "roots/list", json::object{}};
}

namespace {
Task<Result<json::object>> ask_one(Context& ctx, Result<InputRequest> r) {
  if (!r) co_return r.error();
  std::vector<InputRequest> one;
  one.push_back(std::move(r.value()));
  auto answers = co_await ctx.ask(std::move(one));
  co_return std::move(answers.front());
}
}  // namespace

Task<Result<json::object>> Context::elicit(std::string message, json::object schema, std::string key) {
  return ask_one(*this, elicit_request(std::move(message), std::move(schema), std::move(key)));
}

Task<Result<json::object>> Context::elicit_url(std::string message, std::string url, std::string elicitation_id,
                                               std::string key) {
  if (!client_supports("elicitation", "url"))
    return ask_one(*this, missing_capability(cap("elicitation", {{"url", json::object{}}})));
  json::object params{{"mode", "url"},
                      {"message", std::move(message)},
                      {"url", std::move(url)},
                      {"elicitationId", std::move(elicitation_id)}};
  return ask_one(*this, InputRequest{std::move(key), "elicitation/create", std::move(params)});
}

Task<Result<json::object>> Context::sample(json::object params, std::string key) {
  return ask_one(*this, sample_request(std::move(params), std::move(key)));
}

Task<Result<json::object>> Context::list_roots(std::string key) {
  return ask_one(*this, list_roots_request(std::move(key)));
}

}  // namespace mcp
