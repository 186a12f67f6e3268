#pragma once
// The stateless wire (2026-07-28, SEP-2575): every request carries its protocol version and
// client capabilities in params._meta; no handshake, no session. Results carry resultType, the
// server's identity and caching hints; server-to-client requests become multi round-trip
// requests (SEP-2322): an InputRequiredResult with a sealed requestState.
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/server/server.hpp>

#include <mcp/protocol/exchange.hpp>
#include <mcp/protocol/request_state.hpp>
#include <mcp/protocol/tasks.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace mcp::protocol {

inline constexpr std::array<std::string_view, 1> kStatelessVersions = {"2026-07-28"};
inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

namespace errc_2026 {
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;
}  // namespace errc_2026

// Whether a POST belongs to the stateless wire: modern _meta in the body, or a
// MCP-Protocol-Version header that is not one of the session-era versions.
bool is_stateless_request(const json::value& body, std::string_view header_version);

struct StatelessOptions {
  std::chrono::seconds request_state_ttl{600};
  std::string request_state_key;  // 32 bytes shared by replicas; empty: random per process
};

// A request whose _meta passed admission.
struct StatelessRequest {
  jsonrpc::Message message;
  std::string version;
  json::object client_capabilities;
  std::optional<LogLevel> log_level;
  Principal principal;
};

// An error answer with its HTTP status.
struct Rejection {
  int status;
  Error error;
};

class Stateless {
 public:
  Stateless(Server& server, StatelessOptions options);

  // _meta admission (-32602 / -32022 with 400). `header_version` is MCP-Protocol-Version.
  std::variant<StatelessRequest, Rejection> admit(jsonrpc::Message m, std::string_view header_version) const;
  bool has_method(std::string_view method) const;
  // Serves one admitted request; its response goes through `exchange` (with its status).
  Task<void> serve(StatelessRequest request, std::shared_ptr<Exchange> exchange);

 private:
  Task<Result<json::object>> route(StatelessRequest& r, Context& ctx);
  json::object discover() const;
  void decorate(std::string_view method, json::object& result) const;

  Task<Result<json::object>> route_task_method(StatelessRequest& r);

  Server& server_;
  StatelessOptions options_;
  RequestStateSealer sealer_;
  TaskStore tasks_;
};

}  // namespace mcp::protocol
