#pragma once
// The listener's TLS context: loaded from the certificate and key files at start, and again
// when they change. Each handshake takes the context current at its accept; connections keep
// theirs, so a reload never touches an open connection.
#include <mcp/http/http.hpp>

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace mcp::http {

using SslContext = boost::asio::ssl::context;

// A server context from the PEM pair: TLS 1.2 and 1.3, Mozilla's "intermediate" ciphers,
// ALPN http/1.1. Throws std::invalid_argument saying which file is wrong and why.
std::shared_ptr<SslContext> load_server_context(const TlsOptions& options);

// The subject CN of the peer's certificate when the handshake verified one; "" otherwise.
std::string verified_client_name(SSL* ssl);

class TlsContexts {
 public:
  // Loads the pair; throws std::invalid_argument.
  explicit TlsContexts(TlsOptions options);

  std::shared_ptr<SslContext> current() const;
  // Loads the pair again when either file changed since the last attempt (or always, with
  // `force`). A pair that cannot be used is refused with an error log: the current context
  // stays. True when a new context was installed.
  bool reload(bool force, const char* why);
  // A reload of the configuration: the files (and client certificate settings) named by `next`,
  // loaded at once; refused like reload() when they cannot be used (the options stay too).
  bool reconfigure(TlsOptions next, const char* why);
  const TlsOptions& options() const { return options_; }

 private:
  std::string stamp() const;  // inode, mtime and size of both files

  TlsOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<SslContext> current_;
  std::string stamp_;  // of the last attempt: a broken pair is retried once it changes again
};

}  // namespace mcp::http
