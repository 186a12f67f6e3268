#pragma once
// Custom connections: another MCP server's tools served through the gateway. A team configures
// a connection once (name, URL, how to authenticate); each user signs in with their own
// credentials (kept in the vault, sealed), and every call reaches the upstream as that user.
// Tools appear as `<connection><separator><tool>`, filtered by allow/deny lists, and follow
// the upstream's tools/list_changed. Progress, logging, elicitation and cancellation are
// relayed both ways. An unreachable upstream yields tool errors; the rest keeps working.
#include <mcp/core/principal.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mcp::upstream {

enum class AuthMethod { none, api_key, headers, oauth };

class SignIn;  // OAuth sign-in to connections (sign_in.hpp)

struct ConnectionOptions {
  std::string name;  // the connection's id: tool prefix, vault entries, messages
  std::string url;   // the upstream MCP endpoint
  AuthMethod auth = AuthMethod::none;
  // api_key: sent as "Authorization: Bearer <key>", or in this header when set.
  std::string api_key_header;
  // Credentials: each user's own from the vault (per_user), else `secret` for everyone
  // (api_key: the key; headers: a JSON object of header → value).
  bool per_user = true;
  std::string secret;
  // oauth: a pre-registered client (else the upstream's authorization server registers one
  // for the gateway: CIMD or dynamic registration), and the scope to ask for (else the
  // upstream's challenge or scopes_supported).
  std::string oauth_client_id, oauth_client_secret, oauth_scope;
  std::string separator = "__";
  std::vector<std::string> allow;  // tool-name globs ('*'); empty: all
  std::vector<std::string> deny;
  std::string protocol_version = "2025-11-25";  // or "2026-07-28" (stateless)
  std::chrono::milliseconds timeout{60000};  // bounds::kMinTimeout..kMaxTimeout
  // How often the tool list is fetched again (sooner while none is known), besides the
  // upstream's own notifications/tools/list_changed.
  std::chrono::seconds refresh_interval{300};  // bounds::kMinRefresh..kMaxRefresh
  std::chrono::seconds retry_interval{30};
  std::size_t max_clients = 1000;  // per-user upstream sessions kept open (least recently used go)
  // The application's policy around each upstream tool's handler (rate limits, audit, ...);
  // unset: none.
  std::function<ToolHandler(const Tool&, ToolHandler)> wrap;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `vault` may be null when no per-user credentials are needed.
  Connection(ConnectionOptions options, std::shared_ptr<net::HttpClient> http,
             std::shared_ptr<sources::Vault> vault, Server& server);
  ~Connection();

  // Fetches the upstream's tools (with the shared credential, or the first signed-in user's)
  // and registers them on the server, replacing what was there. Returns how many, or why not.
  Task<Result<std::size_t>> refresh();
  // refresh() now and then, until stop() (or the Connection is destroyed); on the caller's
  // executor. A listing that fails, even by an exception, is logged and retried.
  Task<void> run();
  void stop();
  // Lists the tools again now (a user has just signed in: there may be someone to list them as).
  void refresh_soon();
  // stop() and take its tools off the server for good (the connection was removed).
  void retire();

  // Forwards one call as `who` (the handler of each registered tool).
  Task<ToolResult> call(std::string upstream_tool, json::object args, Context& ctx);

  const ConnectionOptions& options() const { return options_; }
  // auth oauth: where users' tokens and sign-in links come from (set before the first call).
  void set_sign_in(std::shared_ptr<SignIn> sign_in);
  std::vector<std::string> tool_names() const;  // registered, prefixed

  // Header values for a secret (api_key: the key; headers: a JSON object), or why not.
  static Result<net::Headers> headers_for(const ConnectionOptions& o, const std::string& secret);

  struct Impl;

 private:
  ConnectionOptions options_;
  std::shared_ptr<Impl> impl_;
};

// Whether `tool` passes the connection's allow and deny lists.
bool tool_allowed(const ConnectionOptions& o, std::string_view tool);

// Bounds on what a connection is made of, checked wherever one is defined (configuration file,
// admin API, CLI) so that a connection that starts can also be listed, called and removed: names
// fit the admin API's paths, header values fit an HTTP request, intervals cannot make the
// gateway hammer the upstream.
namespace bounds {
inline constexpr std::size_t kName = 64;            // [A-Za-z0-9_-]
inline constexpr std::size_t kUrl = 2048;           // http(s), no control characters or spaces
inline constexpr std::size_t kHost = 253;           // a DNS name
inline constexpr std::size_t kHeaderName = 128;     // a token
inline constexpr std::size_t kHeaderValue = 8192;   // visible ASCII, space, tab
inline constexpr std::size_t kHeaders = 32;         // per credential
inline constexpr std::size_t kCredential = 16384;   // a stored secret (API key, headers object, grant)
inline constexpr std::size_t kText = 1024;          // client ids and secrets, scopes, env/file names
inline constexpr std::size_t kGlobs = 100;          // allow and deny entries, each at most kText
inline constexpr std::chrono::milliseconds kMinTimeout{100}, kMaxTimeout{600000};
inline constexpr std::chrono::seconds kMinRefresh{10}, kMaxRefresh{86400};
}  // namespace bounds

// What is wrong with `o` ("<field>: why"), or "" when it is within bounds.
std::string check_options(const ConnectionOptions& o);
// Whether `s` is non-empty, at most `max` bytes and only visible ASCII (plus space and tab when
// `spaces`): safe in a header, a log line and a URL.
bool plain_text(std::string_view s, std::size_t max, bool spaces = false);

}  // namespace mcp::upstream
