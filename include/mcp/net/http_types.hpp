#pragma once
// Beast-free HTTP messages shared by every layer: the MCP endpoint, plain routes served beside
// it (OAuth endpoints, admin API, sign-in pages) and requests the gateway sends upstream.
#include <mcp/core/task.hpp>
#include <mcp/net/sse_sink.hpp>

#include <memory>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::net {

// Received header names are stored lower-case; lookups take a lower-case name.
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string_view find_header(const Headers& headers, std::string_view lower_name);

// A request received by the server (the MCP endpoint or a plain route).
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  Headers headers;
  std::string body;
  // The client's IP, for rate limits, audit and loopback checks: the peer's, or the one a
  // trusted proxy forwarded (HttpOptions::trusted_proxies).
  std::string remote_address;
  std::string scheme = "http";  // "https" over TLS, or as a trusted proxy forwarded it
  // mTLS: the subject CN of the client certificate the handshake verified; empty: none.
  std::string client_certificate;

  std::string_view header(std::string_view lower_name) const { return find_header(headers, lower_name); }
  bool has_header(std::string_view lower_name) const;
  std::string_view path() const;
  std::string_view query() const;  // after '?', "" when none
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<SseSink> stream;  // set (server side only): the body is this stream, chunked

  std::string_view header(std::string_view lower_name) const { return find_header(headers, lower_name); }
  void set(std::string lower_name, std::string value) { headers.emplace_back(std::move(lower_name), std::move(value)); }
};

HttpResponse json_response(int status, std::string body);
HttpResponse text_response(int status, std::string content_type, std::string body);

// A plain route: `path` matches exactly, or as a prefix when `prefix` is true. Handlers run on
// the connection's event loop; they must not block.
using RouteHandler = std::function<Task<HttpResponse>(HttpRequest)>;
struct HttpRoute {
  std::string path;
  bool prefix = false;
  RouteHandler handler;
};

}  // namespace mcp::net
