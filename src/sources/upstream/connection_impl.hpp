#pragma once
// Inside a custom connection (connection.cpp: discovery and lifecycle; calls.cpp: forwarding):
// per-user upstream sessions and the state they share.
// Threads: the gateway runs one event loop per thread and mcp::client::Client is not
// thread-safe, so each user's upstream client belongs to one thread (key: user + thread).
#include <mcp/sources/upstream.hpp>

#include <mcp/sources/sign_in.hpp>

#include <mcp/client/client.hpp>
#include <mcp/core/encoding.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace mcp::upstream {
namespace asio = boost::asio;

// One user's upstream session, and the downstream calls currently going through it (the
// upstream's requests and logs are relayed to the newest of them).
struct UserClient {
  std::shared_ptr<client::Client> client;
  std::string fingerprint;  // of the credential it was opened with
  bool connected = false;
  std::vector<Context*> inflight;
  std::chrono::steady_clock::time_point used;
  std::optional<Executor> exec;  // the thread's loop, where relays to a call run
};

// Alive while a call's handler runs; relays check it before touching the call's Context.
struct CallGuard {
  bool alive = true;
  json::value upstream_id;  // of the forwarded tools/call
};

inline std::optional<LogLevel> level_of(const json::object& params) {
  return parse_log_level(find_string(params, "level").value_or("info"));
}

struct Connection::Impl {
  ConnectionOptions opt;
  std::shared_ptr<net::HttpClient> http;
  std::shared_ptr<sources::Vault> vault;
  Server& server;

  std::mutex mu;
  std::map<std::string, std::shared_ptr<UserClient>> clients;  // user binding + thread
  std::vector<std::string> registered;                         // prefixed tool names
  bool stopping = false;
  bool retired = false;  // removed for good: its tools must not come back
  bool refresh_wanted = false;
  bool listen_for_changes = false;  // set by run(): the discovery session keeps a GET stream
  std::optional<Executor> run_executor;
  std::shared_ptr<SignIn> sign_in;  // auth oauth
  // run()'s timer while run() is under way: shared, so that a cancel posted by stop() or wake()
  // finds it alive even when run() has ended meanwhile (cleared by run() however it ends).
  std::shared_ptr<asio::steady_timer> timer;

  Impl(ConnectionOptions o, std::shared_ptr<net::HttpClient> h, std::shared_ptr<sources::Vault> v, Server& s)
      : opt(std::move(o)), http(std::move(h)), vault(std::move(v)), server(s) {}

  std::string prefixed(std::string_view tool) const { return opt.name + opt.separator + std::string(tool); }

  // The secret `subject` calls with; nullopt when none is configured or stored.
  // Awaited: a cache miss reads the vault's store off the event loop.
  Task<std::optional<std::string>> secret_for(std::string subject) {
    if (opt.auth == AuthMethod::none) co_return std::string();
    if (!opt.per_user) co_return opt.secret.empty() ? std::nullopt : std::optional<std::string>(opt.secret);
    if (!vault) co_return std::nullopt;
    co_return co_await vault->get_async(std::move(subject), opt.name);
  }

  std::shared_ptr<SignIn> oauth() {
    std::lock_guard lock(mu);
    return sign_in;
  }

  // An OAuth user without (usable) tokens gets a one-time sign-in link: as a URL elicitation
  // (-32042) when their client declared URL-mode elicitation, else in a tool error.
  ToolResult oauth_sign_in(Context& ctx, const Principal& who, const std::string& why) {
    auto s = oauth();
    if (!s) return ToolResult::error("The connection '" + opt.name + "' signs in with OAuth, but sign-in is not set up on this gateway");
    auto link = s->link(who.subject, opt.name);
    std::string message = "Sign in to '" + opt.name + "' (" + opt.url + ") as " + who.subject + " in your browser";
    if (ctx.client_supports("elicitation", "url")) {
      json::object e{{"mode", "url"}, {"elicitationId", random_token(16)}, {"url", link}, {"message", message}};
      throw ProtocolError{Error{errc::kUrlElicitationRequired, "Sign-in to '" + opt.name + "' is required (" + why + ")",
                                json::object{{"elicitations", json::array{e}}}}};
    }
    return ToolResult::error("You have not signed in to the connection '" + opt.name + "' (" + opt.url + "): " + why +
                             ". Open this link in your browser to sign in (it works once): " + link +
                             " — then call the tool again. An operator can also make a new link with `mcpbridge connections login " +
                             opt.name + " --user " + who.subject + "`.");
  }

  std::string sign_in_hint(const Principal& who) const {
    std::string what = opt.auth == AuthMethod::api_key ? "your API key for it"
                                                       : "your headers for it as a JSON object, e.g. {\"X-Api-Key\": \"...\"}";
    return "You have not signed in to the connection '" + opt.name + "' (" + opt.url + "). Ask an operator to run `mcpbridge connections login " +
           opt.name + " --user " + who.subject + "` and enter " + what + " on standard input; then call the tool again.";
  }

  // The user's upstream client on this thread, opened (or reopened when the credential changed).
  // `listen`: keep the session's GET stream open for the upstream's own notifications
  // (list_changed); only the discovery session does, users' sessions need their POST streams only.
  std::shared_ptr<UserClient> client_for(const std::string& key, const net::Headers& headers,
                                         std::shared_ptr<Impl> self, bool listen = false) {
    std::ostringstream tid;
    tid << std::this_thread::get_id();
    std::string fp;
    for (auto& [k, v] : headers) fp += k + ":" + v + "\n";
    fp = sha256_hex(fp);
    std::lock_guard lock(mu);
    auto& slot = clients[key + "|" + tid.str()];
    if (!slot || slot->fingerprint != fp) {
      slot = std::make_shared<UserClient>();
      slot->fingerprint = fp;
      client::Options co;
      co.url = opt.url;
      co.name = "mcpbridge-gateway";
      co.protocol_version = opt.protocol_version;
      co.headers = headers;
      co.request_timeout = opt.timeout;
      co.listen = listen;
      slot->client = std::make_shared<client::Client>(http, co);
      install_relays(*slot->client, slot, self);
    }
    slot->used = std::chrono::steady_clock::now();
    evict_locked();
    return slot;
  }

  void evict_locked() {
    while (clients.size() > opt.max_clients) {
      auto oldest = std::min_element(clients.begin(), clients.end(), [](auto& a, auto& b) {
        return a.second->inflight.size() == b.second->inflight.size() ? a.second->used < b.second->used
                                                                      : a.second->inflight.size() < b.second->inflight.size();
      });
      if (!oldest->second->inflight.empty()) return;  // every session is busy: keep them
      clients.erase(oldest);
    }
  }

  // Upstream → downstream: elicitation, sampling and roots requests are asked of the client
  // behind the newest call in flight; logs go to it too; list_changed refreshes the tools.
  static void install_relays(client::Client& c, std::weak_ptr<UserClient> weak, std::weak_ptr<Impl> impl) {
    for (const char* method : {"elicitation/create", "sampling/createMessage", "roots/list"}) {
      c.on_request(method, [weak, m = std::string(method)](json::object params) { return relay_request(weak, m, std::move(params)); });
    }
    c.on_notification([weak, impl](const std::string& method, const json::object& params) {
      if (method == "notifications/tools/list_changed") {
        if (auto i = impl.lock()) i->wake();
        return;
      }
      if (method != "notifications/message") return;
      auto uc = weak.lock();
      if (!uc || uc->inflight.empty() || !uc->exec) return;
      json::value data = params.contains("data") ? params.at("data") : json::value();
      std::string logger(find_string(params, "logger").value_or(""));
      auto level = level_of(params).value_or(LogLevel::info);
      asio::co_spawn(*uc->exec, relay_log(uc, uc->inflight.back(), level, std::move(data), std::move(logger)),
                     asio::detached);
    });
  }

  // Runs later on the call's loop: only if that call is still in flight.
  static Task<void> relay_log(std::shared_ptr<UserClient> uc, Context* ctx, LogLevel level, json::value data,
                              std::string logger) {
    if (std::find(uc->inflight.begin(), uc->inflight.end(), ctx) == uc->inflight.end()) co_return;
    co_await ctx->log(level, std::move(data), std::move(logger));
  }

  static Task<Result<json::object>> relay_request(std::weak_ptr<UserClient> weak, std::string method, json::object params) {
    auto uc = weak.lock();
    if (!uc || uc->inflight.empty())
      co_return Result<json::object>(Error{errc::kInvalidRequest, "no call in progress to relay " + method + " to", {}});
    Context* ctx = uc->inflight.back();
    auto capability = method.substr(0, method.find('/'));
    if (!ctx->client_supports(capability))
      co_return Result<json::object>(Error{errc::kMethodNotFound, "the gateway's caller does not support " + capability, {}});
    co_return co_await ctx->request(std::move(method), std::move(params));
  }

  void wake() {
    std::lock_guard lock(mu);
    refresh_wanted = true;
    cut_wait_locked();
  }

  // Under mu: ends run()'s wait, on run()'s executor (the timer is not thread-safe).
  void cut_wait_locked() {
    if (timer && run_executor) asio::post(*run_executor, [t = timer] { t->cancel(); });
  }
};

// Forwards one call to the upstream as the caller (calls.cpp).
Task<ToolResult> forward(std::weak_ptr<Connection::Impl> weak, std::string tool, json::object args, Context& ctx);

}  // namespace mcp::upstream
