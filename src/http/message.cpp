#include "http/message.hpp"

#include <mcp/core/json.hpp>
#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::http {

std::string_view Request::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

bool Request::has_header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (k == name) return true;
  return false;
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.reserve(2);  // most add Mcp-Session-Id: one allocation, not a regrowth
  r.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response rpc_error(int status, int code, std::string message, std::string id_json) {
  std::string body = R"({"jsonrpc":"2.0","id":)" + id_json + R"(,"error":{"code":)" + std::to_string(code) +
                     R"(,"message":)" + json::serialize(json::string(jsonrpc::valid_utf8(message))) + "}}";
  return json_response(status, std::move(body));
}

}  // namespace mcp::http
