#include "http/message.hpp"

#include <mcp/core/json.hpp>
#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::http {

Response plain_status(int status) {
  Response r;
  r.status = status;
  return r;
}

Response rpc_error(int status, int code, std::string message, std::string id_json) {
  std::string body = R"({"jsonrpc":"2.0","id":)" + id_json + R"(,"error":{"code":)" + std::to_string(code) +
                     R"(,"message":)" + json::serialize(json::string(jsonrpc::valid_utf8(message))) + "}}";
  return json_response(status, std::move(body));
}

}  // namespace mcp::http
