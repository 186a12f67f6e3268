#pragma once
// The outbound HTTP client interface: what sources (OpenAPI upstreams, MCP connections) and the
// authorization server (client ID metadata documents) call. The Beast implementation lives in
// the http layer (mcp::http::make_http_client); tests substitute fakes.
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/net/http_types.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcp::net {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL
  Headers headers;  // lower-case names; Host and Content-Length are filled in
  std::string body;
  std::chrono::milliseconds timeout{30000};  // whole exchange: connect, send, receive head and body
  std::size_t max_body_bytes = 16 << 20;     // larger bodies fail with a clear error
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::string_view header(std::string_view lower_name) const { return find_header(headers, lower_name); }
};

// A response whose body is read as it arrives (SSE streams).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece of the body; std::nullopt at its end; an Error when the connection failed.
  virtual Task<Result<std::optional<std::string>>> next() = 0;
  // Closes the connection; a pending next() completes.
  virtual void close() = 0;
};

struct StreamedResponse {
  int status = 0;
  Headers headers;
  std::unique_ptr<BodyStream> body;
  std::string_view header(std::string_view lower_name) const { return find_header(headers, lower_name); }
};

// Where requests may go: the SSRF guard, checked on every resolved address (and redirect).
struct UrlPolicy {
  bool allow_http = false;             // plain http:// (loopback is always allowed when allow_loopback)
  bool allow_loopback = false;         // 127.0.0.0/8, ::1
  bool allow_private = false;          // RFC 1918, link-local, ULA, CGNAT, metadata addresses
  std::vector<std::string> allowed_hosts;  // always allowed, whatever they resolve to
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and reads the whole response. Errors (connect, TLS, timeout, policy,
  // too large) come back as Error values with a message naming the cause, never as exceptions.
  virtual Task<Result<ClientResponse>> send(ClientRequest request) = 0;
  // Sends one request and returns once the response head has arrived.
  virtual Task<Result<StreamedResponse>> open(ClientRequest request) = 0;
};

}  // namespace mcp::net
