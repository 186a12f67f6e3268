#pragma once
// What the transport benchmarks share: requests as mcp_call.lua sends them (names lower-cased,
// as beast_server.cpp hands them over), a session's opening messages, and draining an SSE
// answer the way beast_server.cpp's stream_out does.
#include <mcp/http/http.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/streamable_http.hpp"

namespace mcp::bench {

inline http::Request post(std::string body, std::string_view session) {
  http::Request r;
  r.method = "POST";
  r.target = "/mcp";
  r.headers = {{"host", "127.0.0.1:18901"},
               {"content-type", "application/json"},
               {"accept", "application/json, text/event-stream"},
               {"mcp-protocol-version", "2025-06-18"},
               {"content-length", std::to_string(body.size())}};
  if (!session.empty()) r.headers.emplace_back("mcp-session-id", std::string(session));
  r.body = std::move(body);
  return r;
}

inline constexpr std::string_view kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1.0"}}})";
inline constexpr std::string_view kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

inline std::string header_of(const http::Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

inline Task<std::size_t> drain(std::shared_ptr<protocol::SseSink> sink) {
  std::size_t n = 0;
  for (;;) {
    auto c = co_await sink->next(std::chrono::seconds(15));
    n += c.bytes.size();
    if (c.last) co_return n;
  }
}

}  // namespace mcp::bench
