#include "connections.hpp"

#include <mcp/http/client.hpp>
#include <mcp/sources/upstream.hpp>
#include <mcp/sources/vault.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <istream>
#include <ostream>
#include <thread>

namespace mcpbridge {
namespace {

class Running final : public RunningConnections {
 public:
  boost::asio::io_context io;
  std::vector<std::shared_ptr<mcp::upstream::Connection>> connections;
  std::thread thread;

  ~Running() override {
    for (auto& c : connections) c->stop();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

std::string start_connections(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store,
                              std::unique_ptr<RunningConnections>& out) {
  if (cfg.connections.empty()) return {};
  try {
    resolve_connection_secrets(cfg);
  } catch (const std::exception& e) {
    return e.what();
  }
  std::shared_ptr<mcp::sources::Vault> vault;
  for (auto& c : cfg.connections) {
    if (c.options.auth == mcp::upstream::AuthMethod::none || !c.options.per_user || vault) continue;
    std::string key;
    try {
      key = load_vault_key(cfg);
    } catch (const std::exception& e) {
      return e.what();
    }
    if (key.empty()) return "connection " + c.options.name + " keeps per-user credentials: set MCPBRIDGE_VAULT_KEY or vault.key_file";
    vault = std::make_shared<mcp::sources::Vault>(store, key);
  }
  auto running = std::make_unique<Running>();
  for (auto& c : cfg.connections) {
    // Upstreams are public HTTPS unless the operator allowed an internal address for this one.
    mcp::http::ClientOptions co;
    co.policy.allow_http = c.options.url.rfind("http://", 0) == 0;
    co.policy.allow_loopback = c.allow_private;
    co.policy.allow_private = c.allow_private;
    auto conn = std::make_shared<mcp::upstream::Connection>(c.options, mcp::http::make_http_client(co), vault, server);
    boost::asio::co_spawn(running->io, conn->run(), [name = c.options.name](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("connection {}: stopped: {}", name, x.what());
      }
    });
    running->connections.push_back(std::move(conn));
  }
  auto* r = running.get();
  r->thread = std::thread([r] {
    auto guard = boost::asio::make_work_guard(r->io);
    r->io.run();
  });
  out = std::move(running);
  return {};
}

int connections_command(const Config& cfg, std::shared_ptr<mcp::store::Store> store, const std::string& action,
                        const std::string& name, const std::string& user, std::istream& in, std::ostream& out,
                        std::ostream& err) {
  constexpr int kUsage = 2;
  const ConnectionConfig* conn = nullptr;
  for (auto& c : cfg.connections)
    if (c.options.name == name) conn = &c;
  if (action != "list" && !conn) {
    err << "mcpbridge: no connection named '" << name << "' in the configuration\n";
    return kUsage;
  }
  if (action != "list" && (conn->options.auth == mcp::upstream::AuthMethod::none || !conn->options.per_user)) {
    err << "mcpbridge: connection '" << name << "' has no per-user credentials (auth: none, or per_user: false)\n";
    return kUsage;
  }
  std::string key;
  try {
    key = load_vault_key(cfg);
  } catch (const std::exception& e) {
    err << "mcpbridge: " << e.what() << "\n";
    return kUsage;
  }
  if (key.empty()) {
    err << "mcpbridge: credentials are kept in the vault, which needs a key: MCPBRIDGE_VAULT_KEY (base64 of 32 random "
           "bytes, e.g. `openssl rand -base64 32`) or vault.key_file\n";
    return kUsage;
  }
  mcp::sources::Vault vault(store, key);
  if (action == "login") {
    std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) {
      err << "mcpbridge: no credential on standard input\n";
      return kUsage;
    }
    if (auto h = mcp::upstream::Connection::headers_for(conn->options, secret); !h) {
      err << "mcpbridge: " << h.error().message << "\n";
      return kUsage;
    }
    vault.put(user, name, secret);
    out << "signed " << user << " in to " << name << " (the credential is sealed in the vault)\n";
    return 0;
  }
  if (action == "logout") {
    if (!vault.remove(user, name)) {
      err << "mcpbridge: " << user << " has not signed in to " << name << "\n";
      return kUsage;
    }
    out << "signed " << user << " out of " << name << "\n";
    return 0;
  }
  auto entries = vault.list();
  for (auto& c : cfg.connections) {
    const auto& o = c.options;
    const char* auth = o.auth == mcp::upstream::AuthMethod::api_key   ? "api_key"
                       : o.auth == mcp::upstream::AuthMethod::headers ? "headers"
                                                                      : "none";
    out << o.name << "\t" << o.url << "\t" << auth << (o.per_user && o.auth != mcp::upstream::AuthMethod::none ? " (per user)" : "");
    std::string users;
    for (auto& e : entries)
      if (e.upstream == o.name) users += (users.empty() ? "" : ",") + e.subject;
    out << "\tsigned in: " << (users.empty() ? "-" : users) << "\n";
  }
  return 0;
}

}  // namespace mcpbridge
