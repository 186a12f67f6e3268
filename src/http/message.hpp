#pragma once
// The MCP endpoint speaks the same Beast-free messages as every other layer (net::HttpRequest,
// net::HttpResponse); the short names keep the transport's signatures readable.
#include <mcp/net/http_types.hpp>

#include <string>

namespace mcp::http {

using Request = net::HttpRequest;
using Response = net::HttpResponse;
using net::json_response;

// A response with a status and nothing else (202 Accepted, an empty 200).
Response plain_status(int status);
// A JSON-RPC error body (id null unless given) with an HTTP status.
Response rpc_error(int status, int code, std::string message, std::string id_json = "null");

}  // namespace mcp::http
