#include "connections.hpp"

#include <mcp/http/client.hpp>
#include <mcp/sources/sign_in.hpp>
#include <mcp/sources/upstream.hpp>
#include <mcp/sources/vault.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <istream>
#include <ostream>
#include <thread>

namespace mcpbridge {
namespace {

mcp::http::ClientOptions client_options(const ConnectionConfig& c) {
  // Upstreams are public HTTPS unless the operator allowed an internal address for this one
  // (their authorization servers too).
  mcp::http::ClientOptions co;
  co.policy.allow_http = c.options.url.rfind("http://", 0) == 0;
  co.policy.allow_loopback = c.allow_private;
  co.policy.allow_private = c.allow_private;
  return co;
}

// The gateway's external base URL for sign-in links and the redirect URI; "" when unknown.
std::string public_url(const Config& cfg) {
  if (!cfg.public_url.empty()) return cfg.public_url;
  if (!cfg.oauth.issuer.empty()) return cfg.oauth.issuer;
  auto& h = cfg.http;
  if ((h.host == "127.0.0.1" || h.host == "localhost") && h.port != 0) return "http://127.0.0.1:" + std::to_string(h.port);
  return {};
}

bool any_oauth(const Config& cfg) {
  for (auto& c : cfg.connections)
    if (c.options.auth == mcp::upstream::AuthMethod::oauth) return true;
  return false;
}

std::shared_ptr<mcp::upstream::SignIn> make_sign_in(const Config& cfg, std::shared_ptr<mcp::sources::Vault> vault) {
  auto url = public_url(cfg);
  if (url.empty())
    throw std::runtime_error("connections with auth: oauth need the gateway's public URL for sign-in links and their redirect URI: "
                             "set server.public_url (or MCPBRIDGE_PUBLIC_URL)");
  mcp::upstream::SignInOptions so;
  so.public_url = url;
  if (auto authn = cfg.http.authenticator) {
    // A browser that authenticates to the gateway (a trusted proxy's headers, a key) must be
    // the user its sign-in link was made for.
    auto resource = cfg.auth.resource.empty() ? url + cfg.http.path : cfg.auth.resource;
    so.identify = [authn, resource](const mcp::net::HttpRequest& r) -> std::optional<std::string> {
      auto who = authn->authenticate([&r](std::string_view h) { return r.header(h); }, resource);
      if (auto* p = std::get_if<mcp::Principal>(&who)) return p->subject;
      return std::nullopt;
    };
  }
  return std::make_shared<mcp::upstream::SignIn>(so, std::move(vault));
}

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
      // Without a configured key, one is made next to the store (0600), as for OAuth's.
      key = load_or_create_vault_key(cfg, true);
    } catch (const std::exception& e) {
      return e.what();
    }
    vault = std::make_shared<mcp::sources::Vault>(store, key);
  }
  std::shared_ptr<mcp::upstream::SignIn> sign_in;
  if (any_oauth(cfg)) {
    try {
      sign_in = make_sign_in(cfg, vault);
    } catch (const std::exception& e) {
      return e.what();
    }
    for (auto& r : sign_in->routes()) cfg.http.routes.push_back(std::move(r));
  }
  auto running = std::make_unique<Running>();
  for (auto& c : cfg.connections) {
    auto http = mcp::http::make_http_client(client_options(c));
    auto conn = std::make_shared<mcp::upstream::Connection>(c.options, http, vault, server);
    if (c.options.auth == mcp::upstream::AuthMethod::oauth) {
      sign_in->add(conn, http);
      spdlog::info("connection {}: users sign in with OAuth; redirect URI {} (register it when the authorization server "
                   "needs a pre-registered client)",
                   c.options.name, sign_in->redirect_uri());
    }
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

namespace {
void list_connections(const Config& cfg, const std::vector<mcp::store::VaultSecret>& entries, std::ostream& out) {
  for (auto& c : cfg.connections) {
    const auto& o = c.options;
    const char* auth = o.auth == mcp::upstream::AuthMethod::api_key   ? "api_key"
                       : o.auth == mcp::upstream::AuthMethod::headers ? "headers"
                       : o.auth == mcp::upstream::AuthMethod::oauth   ? "oauth"
                                                                      : "none";
    out << o.name << "\t" << o.url << "\t" << auth << (o.per_user && o.auth != mcp::upstream::AuthMethod::none ? " (per user)" : "");
    std::string users;
    for (auto& e : entries)
      if (e.upstream == o.name && !e.subject.empty()) users += (users.empty() ? "" : ",") + e.subject;
    out << "\tsigned in: " << (users.empty() ? "-" : users);
    if (o.auth == mcp::upstream::AuthMethod::oauth) {
      auto url = public_url(cfg);
      out << "\tredirect URI: " << (url.empty() ? "(set server.public_url)" : url + "/connections/callback");
    }
    out << "\n";
  }
}
}  // namespace

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
    key = load_or_create_vault_key(cfg, action == "login");
  } catch (const std::exception& e) {
    err << "mcpbridge: " << e.what() << "\n";
    return kUsage;
  }
  if (key.empty() && action == "list") {
    list_connections(cfg, {}, out);
    return 0;
  }
  if (key.empty()) {
    err << "mcpbridge: credentials are kept in the vault, which needs a key: MCPBRIDGE_VAULT_KEY (base64 of 32 random "
           "bytes, e.g. `openssl rand -base64 32`) or vault.key_file\n";
    return kUsage;
  }
  auto vault_ptr = std::make_shared<mcp::sources::Vault>(store, key);
  auto& vault = *vault_ptr;
  if (action != "list" && conn->options.auth == mcp::upstream::AuthMethod::oauth) {
    std::shared_ptr<mcp::upstream::SignIn> sign_in;
    try {
      sign_in = make_sign_in(cfg, vault_ptr);
    } catch (const std::exception& e) {
      err << "mcpbridge: " << e.what() << "\n";
      return kUsage;
    }
    if (action == "login") {
      out << "Open this link in a browser to sign " << user << " in to " << name << " (it works once, for 15 minutes):\n"
          << sign_in->link(user, name) << "\n";
      return 0;
    }
    // logout: revoke at the authorization server (when it can), then forget the tokens.
    boost::asio::io_context io;
    mcp::Result<bool> done = mcp::Result<bool>(false);
    auto run = [](std::shared_ptr<mcp::upstream::SignIn> s, std::string n, std::string u,
                  std::shared_ptr<mcp::net::HttpClient> h, mcp::Result<bool>* out) -> mcp::Task<void> {
      *out = co_await s->sign_out(std::move(n), std::move(u), std::move(h));
    };
    boost::asio::co_spawn(io, run(sign_in, name, user, mcp::http::make_http_client(client_options(*conn)), &done),
                          boost::asio::detached);
    io.run();
    if (!done || !*done) {
      err << "mcpbridge: " << user << " has not signed in to " << name << "\n";
      return kUsage;
    }
    out << "signed " << user << " out of " << name << " (tokens revoked where the authorization server allows, and forgotten)\n";
    return 0;
  }
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
  list_connections(cfg, vault.list(), out);
  return 0;
}

}  // namespace mcpbridge
