#pragma once
// Beast-free views of an HTTP exchange: what the transport logic reads and returns.
#include <mcp/protocol/sse_sink.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::http {

struct Request {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote;  // the peer's IP address ("" when unknown)

  // The first value of a header (case-insensitive name), or "" when absent.
  std::string_view header(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const;
  std::string_view path() const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<protocol::SseSink> stream;  // set: the body is this SSE stream

  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

Response json_response(int status, std::string body);
// A JSON-RPC error body (id null unless given) with an HTTP status.
Response rpc_error(int status, int code, std::string message, std::string id_json = "null");

}  // namespace mcp::http
