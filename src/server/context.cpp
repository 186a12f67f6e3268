#include <mcp/server/context.hpp>

namespace mcp {
namespace {
Error missing_capability(std::string_view what) {
  return Error{errc::kInvalidRequest,
               "Client does not support " + std::string(what) + " (capability not declared)", {}};
}
}  // namespace

bool Context::client_supports(std::string_view capability, std::string_view sub) const {
  auto* cap = find_object(client_capabilities(), capability);
  if (!cap) return false;
  return sub.empty() || find_object(*cap, sub) != nullptr;
}

Task<Result<json::object>> Context::elicit(std::string message, json::object requested_schema) {
  // An empty elicitation capability object means form mode (2025-06-18 compatibility).
  auto* cap = find_object(client_capabilities(), "elicitation");
  if (!cap || (!cap->empty() && !find_object(*cap, "form")))
    co_return missing_capability("form elicitation");
  json::object params{{"message", std::move(message)}, {"requestedSchema", std::move(requested_schema)}};
  if (protocol_version() >= "2025-11-25") params["mode"] = "form";
  co_return co_await request("elicitation/create", std::move(params));
}

Task<Result<json::object>> Context::elicit_url(std::string message, std::string url,
                                               std::string elicitation_id) {
  if (!client_supports("elicitation", "url")) co_return missing_capability("URL elicitation");
  json::object params{{"mode", "url"},
                      {"message", std::move(message)},
                      {"url", std::move(url)},
                      {"elicitationId", std::move(elicitation_id)}};
  co_return co_await request("elicitation/create", std::move(params));
}

Task<Result<json::object>> Context::sample(json::object params) {
  if (!client_supports("sampling")) co_return missing_capability("sampling");
  if (find(params, "tools") && !client_supports("sampling", "tools"))
    co_return missing_capability("tool use in sampling");
  co_return co_await request("sampling/createMessage", std::move(params));
}

Task<Result<json::object>> Context::list_roots() {
  if (!client_supports("roots")) co_return missing_capability("roots");
  json::object params;
  co_return co_await request("roots/list", std::move(params));
}

}  // namespace mcp
