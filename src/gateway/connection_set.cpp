#include "gateway/connection_set.hpp"
#include "gateway/reload.hpp"

#include <mcp/http/client.hpp>
#include <mcp/sources/sign_in.hpp>
#include <mcp/sources/upstream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <istream>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

namespace mcp::gateway {

namespace asio = boost::asio;
using mcp::upstream::AuthMethod;

namespace {

const char* auth_name(AuthMethod m) {
  switch (m) {
    case AuthMethod::none: return "none";
    case AuthMethod::api_key: return "api_key";
    case AuthMethod::headers: return "headers";
    case AuthMethod::oauth: return "oauth";
  }
  return "?";
}

bool needs_vault(const ConnectionConfig& c) { return c.options.auth != AuthMethod::none && c.options.per_user; }

// The host of an http(s) URL, lower-case, without port or IPv6 brackets.
std::string url_host(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  std::string host;
  if (!authority.empty() && authority[0] == '[') host = authority.substr(1, authority.find(']') - 1);
  else host = authority.substr(0, authority.find(':'));
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return host;
}

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
  if ((h.host == "127.0.0.1" || h.host == "localhost") && h.port != 0)
    return (h.tls.enabled() ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(h.port);
  return {};
}

// OAuth sign-in to connections; throws std::runtime_error without a public URL.
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
  so.shared = cfg.http.shared;  // several replicas: one refresh per user at a time across them
  return std::make_shared<mcp::upstream::SignIn>(so, std::move(vault));
}

bool any_oauth(const Config& cfg) {
  for (auto& c : cfg.connections)
    if (c.options.auth == AuthMethod::oauth) return true;
  return false;
}

}  // namespace

Outcome check_runtime_connection(const Config& cfg, const ConnectionConfig& c) {
  if (!c.secret_env.empty() || !c.secret_file.empty())
    return {400, "env and file are not accepted at run time (they would read the server's environment and files); "
                 "use per-user credentials, or put a shared credential in the configuration file"};
  if (c.allow_private) {
    auto host = url_host(c.options.url);
    if (std::find(cfg.admin.private_hosts.begin(), cfg.admin.private_hosts.end(), host) == cfg.admin.private_hosts.end())
      return {400, "allow_private: the host '" + host + "' is not in admin.private_hosts (the operator's list of internal "
                   "hosts connections added at run time may reach)"};
  }
  for (auto& o : cfg.openapi)
    if (o.upstream.name == c.options.name) return {409, "'" + c.options.name + "' is the name of an openapi source"};
  for (auto& k : cfg.connections)
    if (k.options.name == c.options.name) return {409, "a connection named '" + c.options.name + "' is in the configuration file"};
  return {200, ""};
}

std::shared_ptr<mcp::sources::Vault> open_vault(const Config& cfg, std::shared_ptr<mcp::store::Store> store, bool create) {
  auto key = load_or_create_vault_key(cfg, create);
  if (key.empty()) return nullptr;
  return std::make_shared<mcp::sources::Vault>(std::move(store), key);
}

std::vector<NamedConnection> all_connections(const Config& cfg, mcp::store::Store& store, std::vector<std::string>* problems) {
  std::vector<NamedConnection> out;
  for (auto& c : cfg.connections) out.push_back({c, "config", ""});
  for (auto& s : store.list_connections()) {
    try {
      out.push_back({connection_from_yaml(s.spec, "connection " + s.name), "api", s.created_by});
    } catch (const std::exception& e) {
      if (problems) problems->push_back(e.what());
    }
  }
  return out;
}

// --- ConnectionSet ---------------------------------------------------------------------------------

struct ConnectionSet::Impl {
  mcp::Server& server;
  Config& cfg;
  std::shared_ptr<mcp::store::Store> store;
  std::shared_ptr<mcp::sources::Vault> vault;
  std::shared_ptr<Gateway> gateway;
  std::shared_ptr<mcp::upstream::SignIn> sign_in;  // null without a public URL (or a vault)
  asio::io_context io;
  std::thread thread;
  // A shared store's change notices: a connection added or removed on another replica is
  // followed at once (the poll stays as the fallback).
  std::unique_ptr<mcp::store::ChangeFeed> feed;
  bool stopping = false;  // under mu

  struct Running {
    NamedConnection named;
    std::shared_ptr<mcp::upstream::Connection> conn;
  };
  mutable std::mutex mu;  // running, stopping; held across a whole add/remove/sync
  std::map<std::string, Running> running;
  std::set<std::string> reported;  // stored entries that would not start, warned about once

  Impl(mcp::Server& s, Config& c, std::shared_ptr<mcp::store::Store> st, std::shared_ptr<mcp::sources::Vault> v,
       std::shared_ptr<Gateway> g)
      : server(s), cfg(c), store(std::move(st)), vault(std::move(v)), gateway(std::move(g)) {}

  // Under mu.
  Outcome start_one(NamedConnection named) {
    auto& c = named.config;
    if (running.count(c.options.name)) return {409, "a connection named '" + c.options.name + "' exists"};
    if (needs_vault(c) && !vault)
      return {400, "connection " + c.options.name + " keeps per-user credentials: the server needs a vault key "
                   "(MCPBRIDGE_VAULT_KEY or vault.key_file)"};
    if (c.options.auth == AuthMethod::oauth && !sign_in)
      return {400, "connection " + c.options.name + " signs users in with OAuth: the server needs its public URL for "
                   "sign-in links and the redirect URI (server.public_url or MCPBRIDGE_PUBLIC_URL)"};
    // The gateway's policy, as for every source: permissions (at the endpoint), rate limits,
    // audit, and the cache for read-only tools when configured. No idempotency records: the
    // arguments are the upstream's own contract.
    gateway->set_limits(c.options.name, c.limits);
    auto options = c.options;
    options.wrap = [gateway = gateway, name = c.options.name](const mcp::Tool& t, mcp::ToolHandler h) {
      mcp::gateway::CallTraits traits;
      traits.safe = t.annotations.contains("readOnlyHint") && t.annotations.at("readOnlyHint") == true;
      traits.upstream = name;
      traits.idempotency = false;
      return gateway->wrap(t.name, std::move(h), std::move(traits));
    };
    auto http = mcp::http::make_http_client(client_options(c));
    auto conn = std::make_shared<mcp::upstream::Connection>(options, http, needs_vault(c) ? vault : nullptr, server);
    if (c.options.auth == AuthMethod::oauth) {
      sign_in->add(conn, http);
      spdlog::info("connection {}: users sign in with OAuth; redirect URI {} (register it when the authorization server "
                   "needs a pre-registered client)",
                   c.options.name, sign_in->redirect_uri());
    }
    asio::co_spawn(io, conn->run(), [name = c.options.name](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("connection {}: stopped: {}", name, x.what());
      }
    });
    spdlog::info("connection {}: started ({}, {})", c.options.name, named.origin, c.options.url);
    auto name = c.options.name;
    running[name] = Running{std::move(named), std::move(conn)};
    return {201, ""};
  }

  // Under mu.
  bool retire(const std::string& name) {
    auto it = running.find(name);
    if (it == running.end()) return false;
    it->second.conn->retire();
    if (sign_in && it->second.named.config.options.auth == AuthMethod::oauth) sign_in->remove(name);
    spdlog::info("connection {}: removed", name);
    running.erase(it);
    return true;
  }

  // Under mu: the store's connections become the running api ones.
  void sync_locked() {
    std::vector<mcp::store::StoredConnection> stored;
    try {
      stored = store->list_connections();
    } catch (const std::exception& e) {
      spdlog::warn("connections: cannot read the store: {}", e.what());
      return;
    }
    std::set<std::string> wanted;
    for (auto& s : stored) {
      wanted.insert(s.name);
      if (running.count(s.name)) continue;
      try {
        auto c = connection_from_yaml(s.spec, "connection " + s.name);
        if (auto ok = check_runtime_connection(cfg, c); ok.status >= 400) throw std::runtime_error(ok.message);
        if (auto r = start_one({std::move(c), "api", s.created_by}); r.status >= 400) throw std::runtime_error(r.message);
      } catch (const std::exception& e) {
        if (reported.insert(s.name + '\n' + s.spec).second)
          spdlog::warn("connection {} (stored): not started: {}", s.name, e.what());
      }
    }
    std::vector<std::string> gone;
    for (auto& [name, r] : running)
      if (r.named.origin == "api" && !wanted.count(name)) gone.push_back(name);
    for (auto& g : gone) retire(g);
  }

  // `self` owns the io_context this runs on, so it outlives the coroutine.
  static mcp::Task<void> poll(Impl* self) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      timer.expires_after(self->cfg.admin.poll);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      std::lock_guard lock(self->mu);
      if (self->stopping) co_return;
      self->sync_locked();
    }
  }
};

ConnectionSet::ConnectionSet(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store,
                             std::shared_ptr<mcp::sources::Vault> vault, std::shared_ptr<Gateway> gateway)
    : impl_(std::make_shared<Impl>(server, cfg, std::move(store), std::move(vault), std::move(gateway))) {}

ConnectionSet::~ConnectionSet() { stop(); }

void ConnectionSet::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping)
      for (auto& [name, r] : impl_->running) r.conn->stop();
    impl_->stopping = true;
  }
  impl_->feed.reset();  // its thread posts to io: stopped first
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string ConnectionSet::start() {
  try {
    resolve_connection_secrets(impl_->cfg);
    // OAuth sign-in routes are served whenever the gateway knows its public URL, so that OAuth
    // connections can be added at run time too; a configured one without it is an error.
    if (impl_->vault && (any_oauth(impl_->cfg) || !public_url(impl_->cfg).empty()))
      impl_->sign_in = make_sign_in(impl_->cfg, impl_->vault);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (impl_->sign_in)
    for (auto& r : impl_->sign_in->routes()) impl_->cfg.http.routes.push_back(std::move(r));
  {
    std::lock_guard lock(impl_->mu);
    for (auto& c : impl_->cfg.connections)
      if (auto r = impl_->start_one({c, "config", ""}); r.status >= 400) return r.message;
    impl_->sync_locked();
  }
  return {};
}

void ConnectionSet::run() {
  asio::co_spawn(impl_->io, Impl::poll(impl_.get()), asio::detached);
  impl_->feed = impl_->store->watch([self = impl_.get()](std::string_view kind) {
    if (kind != "connection" && kind != "*") return;
    asio::post(self->io, [self] {
      std::lock_guard lock(self->mu);
      if (!self->stopping) self->sync_locked();
    });
  });
  auto* io = &impl_->io;
  impl_->thread = std::thread([io] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
}

Outcome ConnectionSet::add(const std::string& spec_text, const std::string& created_by) {
  ConnectionConfig c;
  try {
    c = connection_from_yaml(spec_text, "connection");
  } catch (const std::exception& e) {
    return {400, e.what()};
  }
  if (auto ok = check_runtime_connection(impl_->cfg, c); ok.status >= 400) return ok;
  std::lock_guard lock(impl_->mu);
  if (impl_->running.count(c.options.name)) return {409, "a connection named '" + c.options.name + "' exists"};
  if (needs_vault(c) && !impl_->vault)
    return {400, "per-user credentials need a vault key on the server (MCPBRIDGE_VAULT_KEY or vault.key_file)"};
  if (!impl_->store->put_connection({c.options.name, spec_text, created_by, mcp::store::unix_now()}))
    return {409, "a connection named '" + c.options.name + "' exists"};
  auto name = c.options.name;
  auto r = impl_->start_one({std::move(c), "api", created_by});
  if (r.status >= 400) impl_->store->remove_connection(name);
  return r;
}

Outcome ConnectionSet::remove(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->running.find(name);
  if (it != impl_->running.end() && it->second.named.origin == "config")
    return {409, "'" + name + "' is in the configuration file; remove it there"};
  bool stored = impl_->store->remove_connection(name);
  bool was_running = impl_->retire(name);
  if (!stored && !was_running) return {404, "no connection named '" + name + "'"};
  return {204, ""};
}

void ConnectionSet::reconfigure(std::vector<ConnectionConfig> next) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return;
  std::map<std::string, std::string> wanted;  // name -> fingerprint
  for (auto& c : next) wanted[c.options.name] = connection_fingerprint(c);
  std::vector<std::string> gone;
  for (auto& [name, r] : impl_->running) {
    if (r.named.origin != "config") continue;
    auto it = wanted.find(name);
    if (it == wanted.end() || it->second != connection_fingerprint(r.named.config)) gone.push_back(name);
  }
  for (auto& g : gone) impl_->retire(g);
  for (auto& c : next) {
    if (impl_->running.count(c.options.name)) continue;
    if (auto r = impl_->start_one({c, "config", ""}); r.status >= 400)
      spdlog::error("reload: connection {}: not started: {}", c.options.name, r.message);
  }
  impl_->cfg.connections = std::move(next);
}

void ConnectionSet::sync() {
  std::lock_guard lock(impl_->mu);
  impl_->sync_locked();
}

void ConnectionSet::signed_in(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->running.find(name);
  if (it != impl_->running.end() && it->second.conn->tool_names().empty()) it->second.conn->refresh_soon();
}

mcp::json::array ConnectionSet::describe() const {
  std::lock_guard lock(impl_->mu);
  mcp::json::array out;
  for (auto& [name, r] : impl_->running) {
    auto& o = r.named.config.options;
    mcp::json::array tools;
    for (auto& t : r.conn->tool_names()) tools.push_back(mcp::json::string(t));
    mcp::json::object e{{"name", name},
                        {"url", o.url},
                        {"auth", auth_name(o.auth)},
                        {"per_user", o.per_user && o.auth != AuthMethod::none},
                        {"origin", r.named.origin},
                        {"tools", std::move(tools)}};
    if (!r.named.created_by.empty()) e["created_by"] = r.named.created_by;
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<NamedConnection> ConnectionSet::find(const std::string& name) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->running.find(name);
  if (it == impl_->running.end()) return std::nullopt;
  return it->second.named;
}

// --- the CLI ---------------------------------------------------------------------------------------

int connections_command(const Config& cfg, std::shared_ptr<mcp::store::Store> store, const ConnectionsCommand& cmd,
                        std::istream& in, std::ostream& out, std::ostream& err) {
  constexpr int kUsage = 2;
  if (cmd.action == "add") {
    ConnectionConfig c;
    try {
      c = connection_from_yaml(cmd.spec, "connection");
    } catch (const std::exception& e) {
      err << "mcpbridge: " << e.what() << "\n";
      return kUsage;
    }
    if (auto ok = check_runtime_connection(cfg, c); ok.status >= 400) {
      err << "mcpbridge: " << ok.message << "\n";
      return kUsage;
    }
    if (!store->put_connection({c.options.name, cmd.spec, "cli", mcp::store::unix_now()})) {
      err << "mcpbridge: a connection named '" << c.options.name << "' exists\n";
      return kUsage;
    }
    out << "added " << c.options.name << " (" << c.options.url << "); a running server picks it up within "
        << cfg.admin.poll.count() << " s\n";
    return 0;
  }
  if (cmd.action == "remove") {
    for (auto& c : cfg.connections)
      if (c.options.name == cmd.name) {
        err << "mcpbridge: '" << cmd.name << "' is in the configuration file; remove it there\n";
        return kUsage;
      }
    if (!store->remove_connection(cmd.name)) {
      err << "mcpbridge: no connection named '" << cmd.name << "' was added at run time\n";
      return kUsage;
    }
    out << "removed " << cmd.name << "; a running server drops its tools within " << cfg.admin.poll.count() << " s\n";
    return 0;
  }

  std::vector<std::string> problems;
  auto all = all_connections(cfg, *store, &problems);
  for (auto& p : problems) err << "mcpbridge: warning: " << p << "\n";
  const NamedConnection* conn = nullptr;
  for (auto& c : all)
    if (c.config.options.name == cmd.name) conn = &c;
  if (cmd.action != "list" && !conn) {
    err << "mcpbridge: no connection named '" << cmd.name << "'\n";
    return kUsage;
  }
  if (cmd.action != "list" && !needs_vault(conn->config)) {
    err << "mcpbridge: connection '" << cmd.name << "' has no per-user credentials (auth: none, or per_user: false)\n";
    return kUsage;
  }
  std::shared_ptr<mcp::sources::Vault> vault;
  try {
    vault = open_vault(cfg, store, cmd.action == "login");
  } catch (const std::exception& e) {
    err << "mcpbridge: " << e.what() << "\n";
    return kUsage;
  }
  if (!vault && cmd.action != "list") {
    err << "mcpbridge: credentials are kept in the vault, which needs a key: MCPBRIDGE_VAULT_KEY (base64 of 32 random "
           "bytes, e.g. `openssl rand -base64 32`) or vault.key_file\n";
    return kUsage;
  }
  if (cmd.action != "list" && conn->config.options.auth == AuthMethod::oauth) {
    std::shared_ptr<mcp::upstream::SignIn> sign_in;
    try {
      sign_in = make_sign_in(cfg, vault);
    } catch (const std::exception& e) {
      err << "mcpbridge: " << e.what() << "\n";
      return kUsage;
    }
    if (cmd.action == "login") {
      out << "Open this link in a browser to sign " << cmd.user << " in to " << cmd.name
          << " (it works once, for 15 minutes):\n"
          << sign_in->link(cmd.user, cmd.name) << "\n";
      return 0;
    }
    // logout: revoke at the authorization server (when it can), then forget the tokens.
    asio::io_context io;
    mcp::Result<bool> done = mcp::Result<bool>(false);
    auto run = [](std::shared_ptr<mcp::upstream::SignIn> s, std::string n, std::string u,
                  std::shared_ptr<mcp::net::HttpClient> h, mcp::Result<bool>* out) -> mcp::Task<void> {
      *out = co_await s->sign_out(std::move(n), std::move(u), std::move(h));
    };
    asio::co_spawn(io, run(sign_in, cmd.name, cmd.user, mcp::http::make_http_client(client_options(conn->config)), &done),
                   asio::detached);
    io.run();
    if (!done || !*done) {
      err << "mcpbridge: " << cmd.user << " has not signed in to " << cmd.name << "\n";
      return kUsage;
    }
    out << "signed " << cmd.user << " out of " << cmd.name
        << " (tokens revoked where the authorization server allows, and forgotten)\n";
    return 0;
  }
  if (cmd.action == "login") {
    std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) {
      err << "mcpbridge: no credential on standard input\n";
      return kUsage;
    }
    if (auto h = mcp::upstream::Connection::headers_for(conn->config.options, secret); !h) {
      err << "mcpbridge: " << h.error().message << "\n";
      return kUsage;
    }
    vault->put(cmd.user, cmd.name, secret);
    out << "signed " << cmd.user << " in to " << cmd.name << " (the credential is sealed in the vault)\n";
    return 0;
  }
  if (cmd.action == "logout") {
    if (!vault->remove(cmd.user, cmd.name)) {
      err << "mcpbridge: " << cmd.user << " has not signed in to " << cmd.name << "\n";
      return kUsage;
    }
    out << "signed " << cmd.user << " out of " << cmd.name << "\n";
    return 0;
  }
  std::vector<mcp::store::VaultSecret> entries;
  if (vault) entries = vault->list();
  for (auto& c : all) {
    const auto& o = c.config.options;
    out << o.name << "\t" << o.url << "\t" << auth_name(o.auth) << (needs_vault(c.config) ? " (per user)" : "") << "\t"
        << (c.origin == "config" ? "config file" : "added by " + c.created_by);
    std::string users;
    for (auto& e : entries)
      if (e.upstream == o.name && !e.subject.empty()) users += (users.empty() ? "" : ",") + e.subject;
    out << "\tsigned in: " << (users.empty() ? "-" : users);
    if (o.auth == AuthMethod::oauth) {
      auto url = public_url(cfg);
      out << "\tredirect URI: " << (url.empty() ? "(set server.public_url)" : url + "/connections/callback");
    }
    out << "\n";
  }
  return 0;
}

}  // namespace mcp::gateway
