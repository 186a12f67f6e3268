#pragma once
// The outbound HTTP/1.1 client (net::HttpClient) on Boost.Beast, which stays behind this
// header. One client serves every event loop: each call runs on the caller's executor and
// draws on keep-alive connections pooled per event loop and upstream.
#include <mcp/net/address.hpp>
#include <mcp/net/http_client.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace mcp::http {

struct ClientOptions {
  net::UrlPolicy policy;  // the SSRF guard, checked on every connection (and redirect hop)
  std::size_t max_idle_per_host = 8;         // kept-alive connections per upstream and loop
  std::chrono::seconds idle_timeout{60};     // idle connections older than this are closed
  std::string ca_file;                       // extra trusted CAs (PEM) beside the system store
  std::string user_agent = "mcpbridge/0.1";
  // 0: a 3xx comes back to the caller. Else at most this many hops are followed, each one
  // checked against the policy again; Authorization is dropped when the origin changes.
  int max_redirects = 0;
  std::size_t max_header_bytes = 64 << 10;
};

std::shared_ptr<net::HttpClient> make_http_client(ClientOptions options = {});

// Whether the policy lets a connection go to `ip` for `host` (the name in the URL): hosts it
// lists always, else by net::classify_address.
bool address_allowed(const net::UrlPolicy& policy, std::string_view host, std::string_view ip);

}  // namespace mcp::http
