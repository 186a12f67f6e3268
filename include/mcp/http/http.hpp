#pragma once
// Serving an mcp::Server over MCP's Streamable HTTP transport (one endpoint: POST, GET,
// DELETE). Boost.Beast stays behind this header.
#include <mcp/auth/auth.hpp>
#include <mcp/net/http_types.hpp>
#include <mcp/server/server.hpp>

#include <chrono>
#include <cstdint>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mcp::cluster {
class SharedState;
}

namespace mcp {

// HTTPS on the listener itself (docs/operations.md). Both files empty: plain HTTP.
struct TlsOptions {
  std::string cert_file;  // PEM: the certificate, then its chain
  std::string key_file;   // PEM: its private key (ECDSA or RSA), unencrypted
  // The files are checked (inode, mtime, size) this often and a changed pair is loaded for new
  // handshakes; SIGHUP does the same at once. 0: SIGHUP only.
  std::chrono::milliseconds watch_interval{5000};
  // mTLS: client certificates are asked for and verified against these CAs (PEM); empty: none
  // asked for. Required: a handshake without a valid one is refused; optional: a client may
  // send none (a certificate that does not verify is refused either way).
  std::string client_ca_file;
  bool client_cert_required = true;
  // A verified certificate's subject CN is the principal (method "mtls") of a request without
  // an Authorization header, with these roles.
  std::vector<std::string> client_roles;
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// "" when `entry` is an address ("10.0.0.7", "::1") or a network ("10.0.0.0/8"), else why not.
std::string check_trusted_proxy(const std::string& entry);

struct HttpOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  std::uint16_t port = 8080;       // 0: an ephemeral port (see HttpServer::port())
  std::string path = "/mcp";
  unsigned threads = 1;            // one event loop per thread (SO_REUSEPORT)
  TlsOptions tls;
  // Peers whose Forwarded / X-Forwarded-For/-Proto/-Host headers are believed (addresses or
  // CIDR networks): the client address, scheme and host they name replace the connection's.
  // Empty: those headers are ignored.
  std::vector<std::string> trusted_proxies;

  std::size_t max_body_bytes = 4 << 20;    // 413 above
  std::size_t max_batch = 100;             // messages in a JSON-RPC batch; 400 above (0: no batches)
  std::size_t max_header_bytes = 16 << 10; // 431 above
  std::chrono::seconds read_timeout{30};   // to receive one whole request
  std::chrono::seconds keepalive_timeout{120};  // idle keep-alive connections
  // SIGTERM / SIGINT drain (server.drain_s): how long requests in progress may take to finish
  // after the listener closed; 0: stop at once.
  std::chrono::seconds drain_timeout{30};

  // DNS-rebinding protection. Empty lists mean: when bound to loopback, only localhost names
  // are accepted as Host and Origin; otherwise Host is not checked and an Origin must match
  // the Host it came with or be listed.
  std::vector<std::string> allowed_hosts;    // "example.com" or "example.com:443"
  std::vector<std::string> allowed_origins;  // "https://app.example.com"

  std::size_t max_sessions = 10000;
  // One principal's share of max_sessions (0: max(1, max_sessions / 10)). At its share a new
  // initialize ends that principal's own least recently active idle session, or gets 429.
  // Without authentication the share is per client IP address.
  std::size_t max_sessions_per_principal = 0;
  std::chrono::seconds session_idle_timeout{1800};
  std::size_t events_per_session = 512;    // kept for Last-Event-ID resumption
  std::size_t replay_bytes_per_session = 4 << 20;  // the same, by bytes (oldest dropped first)
  std::size_t replay_bytes_total = 256 << 20;      // over all sessions
  std::chrono::seconds sse_keepalive{15};  // comment lines on idle streams
  int sse_retry_ms = 1000;                 // SSE retry: field
  bool always_sse = false;                 // else JSON unless a request streams
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(10)};

  // Both eras on one endpoint: session-based clients (initialize, Mcp-Session-Id, GET
  // streams) beside stateless 2026-07-28 ones. false: stateless only (GET/DELETE get 405).
  bool legacy_sessions = true;
  // The key sealing multi round-trip requestState (32 bytes, shared by replicas); empty: a
  // random key per process.
  std::string request_state_key;
  std::chrono::seconds request_state_ttl{600};

  // Plain HTTP routes served beside the MCP endpoint (OAuth endpoints, pages, admin API);
  // matched in order after the endpoint and the protected-resource metadata.
  std::vector<net::HttpRoute> routes;

  // Several replicas serving one endpoint share sessions, SSE events, wake-ups and broadcasts
  // through this (docs/adr/0007-replicas.md); null: one process, everything in memory.
  std::shared_ptr<cluster::SharedState> shared;
  std::string replica_id;  // names this replica in shared state; empty: random
  // /readyz: each check's name and whether it answers now (the shared state is always asked);
  // awaited on the event loop, so a check that does I/O must not block (the store's awaits its
  // pool).
  std::vector<std::pair<std::string, std::function<Task<bool>()>>> readiness;

  // Who may call: null means nobody is asked (auth mode none).
  std::shared_ptr<auth::Authenticator> authenticator;
};

class HttpServer {
 public:
  // Loads the TLS certificate and key when options.tls is set: throws std::invalid_argument when
  // they cannot be used or a trusted_proxies entry is not an address or network.
  HttpServer(Server& server, HttpOptions options);
  ~HttpServer();
  // Binds and starts the event loops; throws std::system_error when it cannot bind.
  void start();
  std::uint16_t port() const;
  // Stops accepting, ends every session, and joins the threads.
  void stop();
  // Blocks until stop() (or a signal handled by serve()).
  void wait();
  std::size_t session_count() const;
  // Graceful drain (returns at once): the listener closes (new connections are refused),
  // /readyz answers 503, GET streams end with an event id and a retry: hint, idle keep-alive
  // connections close and the others after their response; requests in progress run on.
  void begin_drain();
  std::size_t requests_in_progress() const;  // being handled or streamed
  std::chrono::seconds drain_timeout() const;
  // A reload of the configuration: applies `next`'s limits (max_body_bytes, max_header_bytes,
  // read_timeout, keepalive_timeout), drain_timeout and TLS files and client certificate
  // settings, from the next request or handshake on. The rest of `next` is not looked at.
  void reconfigure(const HttpOptions& next);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// After the first stop signal: begin_drain(), then wait until no request is in progress, or
// drain_timeout() passed, or another of `signals` came; then stop(). 0 when every request
// finished, 1 when the drain was cut short (docs/operations.md).
int drain_and_stop(HttpServer& http, const sigset_t& signals);

// Runs until SIGINT or SIGTERM, then drains (drain_and_stop); returns a process exit code
// (0 drained, 1 drain cut short, 2: unusable TLS files or trusted_proxies, 3: cannot listen).
// With options.authenticator it
// first installs the tool filter (Server::set_tool_filter: Authenticator::may_call); an
// HttpServer made directly leaves the server's filter to its owner.
int serve(Server& server, HttpOptions options);

}  // namespace mcp
