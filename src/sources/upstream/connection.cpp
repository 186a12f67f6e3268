// A custom connection: per-user upstream MCP sessions, tool discovery and call forwarding.
// Threads: the gateway runs one event loop per thread and mcp::client::Client is not
// thread-safe, so each user's upstream client belongs to one thread (key: user + thread).
#include <mcp/sources/upstream.hpp>

#include <mcp/sources/sign_in.hpp>

#include <mcp/auth/auth.hpp>
#include <mcp/client/client.hpp>
#include <mcp/core/encoding.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace mcp::upstream {
namespace asio = boost::asio;

bool tool_allowed(const ConnectionOptions& o, std::string_view tool) {
  auto match = [&](const std::vector<std::string>& globs) {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return auth::glob_match(g, tool); });
  };
  if (!o.allow.empty() && !match(o.allow)) return false;
  return !match(o.deny);
}

Result<net::Headers> Connection::headers_for(const ConnectionOptions& o, const std::string& secret) {
  net::Headers h;
  auto clean = [](std::string_view v) {  // header values: no CR/LF, no control characters
    return std::none_of(v.begin(), v.end(), [](char c) { return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f; });
  };
  switch (o.auth) {
    case AuthMethod::none:
      return h;
    case AuthMethod::api_key: {
      if (secret.empty() || !clean(secret)) return Error{errc::kInvalidParams, "the API key is empty or has control characters", {}};
      if (o.api_key_header.empty()) h.emplace_back("authorization", "Bearer " + secret);
      else h.emplace_back(o.api_key_header, secret);
      return h;
    }
    case AuthMethod::oauth: {  // the user's grant, as SignIn keeps it
      boost::system::error_code ec;
      auto v = json::parse(secret, ec);
      auto token = !ec && v.is_object() ? find_string(v.as_object(), "access_token") : std::nullopt;
      if (!token || token->empty() || !clean(*token)) return Error{errc::kInvalidParams, "the stored OAuth grant has no usable access token", {}};
      h.emplace_back("authorization", "Bearer " + std::string(*token));
      return h;
    }
    case AuthMethod::headers: {
      json::value v;
      boost::system::error_code ec;
      v = json::parse(secret, ec);
      if (ec || !v.is_object() || v.as_object().empty())
        return Error{errc::kInvalidParams, "the headers credential must be a JSON object of header names to values", {}};
      for (auto& [k, val] : v.as_object()) {
        std::string name(k);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        });
        if (!token || !val.is_string() || !clean(val.as_string()))
          return Error{errc::kInvalidParams, "header " + std::string(k) + ": the name must be a token and the value a string without control characters", {}};
        if (name == "host" || name == "content-length" || name == "mcp-session-id" || name == "mcp-protocol-version")
          return Error{errc::kInvalidParams, "header " + name + " is set by the gateway, not by a credential", {}};
        h.emplace_back(std::move(name), std::string(val.as_string()));
      }
      return h;
    }
  }
  return h;
}

namespace {

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

Tool tool_from_json(const json::object& o, std::string name) {
  Tool t;
  t.name = std::move(name);
  if (auto s = find_string(o, "title")) t.title = *s;
  if (auto s = find_string(o, "description")) t.description = *s;
  if (auto* s = find_object(o, "inputSchema")) t.input_schema = *s;
  if (auto* s = find_object(o, "outputSchema")) t.output_schema = *s;
  if (auto* a = find_object(o, "annotations")) t.annotations = *a;
  if (auto* i = o.if_contains("icons"); i && i->is_array()) t.icons = i->as_array();
  return t;
}

std::optional<LogLevel> level_of(const json::object& params) {
  return parse_log_level(find_string(params, "level").value_or("info"));
}

}  // namespace

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
  asio::steady_timer* timer = nullptr;  // run()'s, while it waits

  Impl(ConnectionOptions o, std::shared_ptr<net::HttpClient> h, std::shared_ptr<sources::Vault> v, Server& s)
      : opt(std::move(o)), http(std::move(h)), vault(std::move(v)), server(s) {}

  std::string prefixed(std::string_view tool) const { return opt.name + opt.separator + std::string(tool); }

  // The secret `subject` calls with; nullopt when none is configured or stored.
  std::optional<std::string> secret_for(const std::string& subject) {
    if (opt.auth == AuthMethod::none) return std::string();
    if (!opt.per_user) return opt.secret.empty() ? std::nullopt : std::optional<std::string>(opt.secret);
    if (!vault) return std::nullopt;
    return vault->get(subject, opt.name);
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
    if (timer && run_executor) {
      auto* t = timer;
      asio::post(*run_executor, [t] { t->cancel(); });
    }
  }
};

Connection::Connection(ConnectionOptions options, std::shared_ptr<net::HttpClient> http,
                       std::shared_ptr<sources::Vault> vault, Server& server)
    : options_(options), impl_(std::make_shared<Impl>(std::move(options), std::move(http), std::move(vault), server)) {}

Connection::~Connection() { stop(); }

std::vector<std::string> Connection::tool_names() const {
  std::lock_guard lock(impl_->mu);
  return impl_->registered;
}

namespace {

// Who can list the upstream's tools: the shared credential, else a user who has signed in.
std::optional<std::pair<std::string, std::string>> discovery_identity(Connection::Impl& i) {
  if (i.opt.auth == AuthMethod::none) return std::pair<std::string, std::string>{"", ""};
  if (!i.opt.per_user) {
    if (i.opt.secret.empty()) return std::nullopt;
    return std::pair<std::string, std::string>{"", i.opt.secret};
  }
  if (!i.vault) return std::nullopt;
  for (auto& e : i.vault->list())
    if (e.upstream == i.opt.name)
      if (auto s = i.vault->get(e.subject, i.opt.name)) return std::pair<std::string, std::string>{e.subject, *s};
  return std::nullopt;
}

// Polls the downstream call for cancellation while it runs, without touching it once it ended.
Task<void> watch_cancel(std::shared_ptr<CallGuard> guard, Context* ctx, std::shared_ptr<client::Client> c) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (guard->alive) {
    if (ctx->cancelled()) {
      guard->alive = false;
      if (!guard->upstream_id.is_null()) co_await c->cancel(guard->upstream_id, "cancelled by the gateway's caller");
      co_return;
    }
    t.expires_after(std::chrono::milliseconds(100));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}


Task<void> relay_progress(std::shared_ptr<CallGuard> guard, Context* ctx, double progress, std::optional<double> total,
                          std::string message) {
  if (guard->alive) co_await ctx->progress(progress, total, std::move(message));
}

// The headers a user's call carries (their secret, or their OAuth access token, refreshed
// when due or when `rejected`), or the tool result telling them to sign in.
struct Credentials {
  std::optional<ToolResult> refused;
  net::Headers headers;
  std::string token;  // oauth
};

Task<Credentials> credentials_for(std::shared_ptr<Connection::Impl> impl, Context& ctx, std::string rejected) {
  auto& opt = impl->opt;
  const Principal& who = ctx.principal();
  Credentials out;
  if (opt.auth != AuthMethod::oauth) {
    auto secret = impl->secret_for(who.subject);
    if (!secret) {
      out.refused = ToolResult::error(impl->sign_in_hint(who));
      co_return out;
    }
    auto h = Connection::headers_for(opt, *secret);
    if (!h) out.refused = ToolResult::error("Your credential for '" + opt.name + "' is not usable: " + h.error().message);
    else out.headers = std::move(*h);
    co_return out;
  }
  auto s = impl->oauth();
  if (!s) {
    out.refused = impl->oauth_sign_in(ctx, who, "sign-in is not set up");
    co_return out;
  }
  auto t = co_await s->access_token(opt.name, who.subject, rejected);
  if (!t) {
    auto& e = t.error();
    if (e.data.is_string() && e.data.as_string() == kSignInRequired) out.refused = impl->oauth_sign_in(ctx, who, e.message);
    else out.refused = ToolResult::error("The authorization server of '" + opt.name + "' is unavailable: " + e.message);
    co_return out;
  }
  out.token = *t;
  out.headers = {{"authorization", "Bearer " + out.token}};
  co_return out;
}

Task<ToolResult> forward(std::weak_ptr<Connection::Impl> weak, std::string tool, json::object args, Context& ctx) {
  auto impl = weak.lock();
  if (!impl) co_return ToolResult::error("This connection has been removed");
  auto& opt = impl->opt;
  const Principal& who = ctx.principal();
  std::string rejected;  // oauth: the access token the upstream just refused
  auto unauthorized = [](const Error& e) {
    auto* st = e.data.is_object() ? e.data.as_object().if_contains("status") : nullptr;
    return st && st->is_int64() && st->as_int64() == 401;
  };

  for (int attempt = 0; attempt < 3; ++attempt) {
    auto cred = co_await credentials_for(impl, ctx, rejected);
    if (cred.refused) co_return std::move(*cred.refused);
    auto& token = cred.token;
    auto uc = impl->client_for(who.binding(), cred.headers, impl);
    if (!uc->connected) {
      auto c = co_await uc->client->connect();
      if (!c && opt.auth == AuthMethod::oauth && unauthorized(c.error()) && rejected.empty()) {
        rejected = token;  // revoked or expired early: refresh (or sign in again), once
        continue;
      }
      if (!c) co_return ToolResult::error("The upstream '" + opt.name + "' is unavailable: " + c.error().message);
      uc->connected = true;
    }
    auto guard = std::make_shared<CallGuard>();
    auto exec = co_await asio::this_coro::executor;
    uc->exec = exec;
    uc->inflight.push_back(&ctx);
    client::RequestOptions ro;
    ro.progress_token = json::value("gw-" + random_token(12));
    Context* cp = &ctx;
    ro.on_progress = [guard, cp, exec](const json::object& p) {
      if (!guard->alive) return;
      double progress = 0;
      if (auto* v = p.if_contains("progress"); v && v->is_number()) progress = v->to_number<double>();
      std::optional<double> total;
      if (auto* v = p.if_contains("total"); v && v->is_number()) total = v->to_number<double>();
      std::string message(find_string(p, "message").value_or(""));
      asio::co_spawn(exec, relay_progress(guard, cp, progress, total, std::move(message)), asio::detached);
    };
    ro.on_sent = [guard](const json::value& id) { guard->upstream_id = id; };
    // Downstream cancellation → notifications/cancelled upstream (checked while the call runs).
    asio::co_spawn(exec, watch_cancel(guard, cp, uc->client), asio::detached);
    auto call_args = args;  // kept for a repeat
    auto r = co_await uc->client->call_tool(tool, std::move(call_args), ro);
    guard->alive = false;
    std::erase(uc->inflight, &ctx);
    if (r) co_return ToolResult::from_json(r.value());
    auto& e = r.error();
    if (opt.auth == AuthMethod::oauth && unauthorized(e) && rejected.empty()) {
      uc->connected = false;
      rejected = token;
      continue;
    }
    if (e.message.find("session expired") != std::string::npos && attempt == 0) {
      uc->connected = false;  // the upstream restarted: the call never ran there; open a new session
      continue;
    }
    if (e.code == errc::kConnectionClosed || e.code == errc::kRequestTimeout || e.code == errc::kInternalError) uc->connected = false;
    if (ctx.cancelled()) co_return ToolResult::error("Cancelled");
    ToolResult out = ToolResult::error("The upstream '" + opt.name + "' answered " + tool + " with an error (" +
                                       std::to_string(e.code) + "): " + e.message);
    co_return out;
  }
  co_return ToolResult::error("The upstream '" + opt.name + "' keeps losing its session");
}

}  // namespace

// `<connection>__sign_in` of an OAuth connection: the caller's sign-in link (as a URL
// elicitation when their client takes one). Before anyone has signed in it is the only tool a
// connection can offer, since the upstream lists its tools to signed-in users only.
Task<ToolResult> sign_in_tool(std::weak_ptr<Connection::Impl> weak, Context& ctx) {
  auto impl = weak.lock();
  if (!impl) co_return ToolResult::error("This connection has been removed");
  const Principal& who = ctx.principal();
  auto s = impl->oauth();
  if (s && impl->vault && impl->vault->get(who.subject, impl->opt.name))
    co_return ToolResult::text("You are signed in to '" + impl->opt.name + "' already. To sign in again (e.g. as another account), open " +
                               s->link(who.subject, impl->opt.name));
  co_return impl->oauth_sign_in(ctx, who, "not signed in yet");
}

void add_sign_in_tool(const std::shared_ptr<Connection::Impl>& impl, std::vector<std::string>& now) {
  auto name = impl->prefixed("sign_in");
  if (std::find(now.begin(), now.end(), name) != now.end()) return;  // the upstream has its own
  Tool t;
  t.name = name;
  t.description = "Sign in to '" + impl->opt.name + "' (" + impl->opt.url +
                  ") with your own account: returns a link to open in a browser. Its tools appear once someone has signed in.";
  t.input_schema = json::object{{"type", "object"}, {"properties", json::object{}}};
  t.annotations = json::object{{"readOnlyHint", true}, {"openWorldHint", true}};
  std::weak_ptr<Connection::Impl> weak = impl;
  impl->server.add_tool(std::move(t), [weak](json::object, Context& ctx) { return sign_in_tool(weak, ctx); });
  now.push_back(name);
}

Task<Result<std::size_t>> Connection::refresh() {
  auto impl = impl_;
  auto& opt = impl->opt;
  auto id = discovery_identity(*impl);
  if (!id && opt.auth == AuthMethod::oauth) {
    std::vector<std::string> now;
    {
      std::lock_guard lock(impl->mu);
      now = impl->registered;
    }
    if (now.empty()) {
      add_sign_in_tool(impl, now);
      std::lock_guard lock(impl->mu);
      impl->registered = now;
    }
  }
  if (!id) co_return Result<std::size_t>(Error{errc::kInvalidRequest, "no credentials to list the tools of '" + opt.name + "' with yet (nobody has signed in)", {}});
  auto headers = headers_for(opt, id->second);
  if (opt.auth == AuthMethod::oauth) {  // a fresh token of the user's (refreshed when due)
    auto s = impl->oauth();
    if (!s) co_return Result<std::size_t>(Error{errc::kInvalidRequest, "OAuth sign-in is not set up", {}});
    auto t = co_await s->access_token(opt.name, id->first);
    if (!t) co_return Result<std::size_t>(t.error());
    headers = net::Headers{{"authorization", "Bearer " + *t}};
  }
  if (!headers) co_return Result<std::size_t>(headers.error());
  Principal discoverer;
  discoverer.subject = id->first.empty() ? "gateway" : id->first;
  discoverer.method = "discovery";
  bool listen;
  {
    std::lock_guard lock(impl->mu);
    listen = impl->listen_for_changes;
  }
  auto uc = impl->client_for(discoverer.binding(), *headers, impl, listen);
  if (!uc->connected) {
    auto c = co_await uc->client->connect();
    if (!c) co_return Result<std::size_t>(c.error());
    uc->connected = true;
  }
  auto tools = co_await uc->client->list_all_tools();
  if (!tools) {
    uc->connected = false;
    co_return Result<std::size_t>(tools.error());
  }
  std::vector<std::string> now;
  std::weak_ptr<Impl> weak = impl;
  for (auto& t : tools.value()) {
    if (!t.is_object()) continue;
    auto name = find_string(t.as_object(), "name");
    if (!name || !tool_allowed(opt, *name)) continue;
    std::string upstream_name(*name);
    Tool tool = tool_from_json(t.as_object(), impl->prefixed(upstream_name));
    now.push_back(tool.name);
    ToolHandler handler = [weak, upstream_name](json::object args, Context& ctx) {
      return forward(weak, upstream_name, std::move(args), ctx);
    };
    if (opt.wrap) handler = opt.wrap(tool, std::move(handler));
    impl->server.add_tool(std::move(tool), std::move(handler));
  }
  if (opt.auth == AuthMethod::oauth) add_sign_in_tool(impl, now);
  std::vector<std::string> gone;
  {
    std::lock_guard lock(impl->mu);
    for (auto& old : impl->registered)
      if (std::find(now.begin(), now.end(), old) == now.end()) gone.push_back(old);
    impl->registered = now;
  }
  for (auto& g : gone) impl->server.remove_tool(g);
  bool retired;
  {
    std::lock_guard lock(impl->mu);
    retired = impl->retired;
    if (retired) impl->registered.clear();
  }
  if (retired) {  // retire() ran while this listing was under way: take back what it added
    for (auto& n : now) impl->server.remove_tool(n);
    co_return Result<std::size_t>(Error{errc::kInvalidRequest, "connection '" + opt.name + "' was removed", {}});
  }
  co_return Result<std::size_t>(now.size());
}

Task<void> Connection::run() {
  auto impl = impl_;
  auto self = shared_from_this();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(impl->mu);
    impl->run_executor = timer.get_executor();
    impl->timer = &timer;
    impl->listen_for_changes = true;
  }
  for (;;) {
    {
      std::lock_guard lock(impl->mu);
      if (impl->stopping) break;
      impl->refresh_wanted = false;
    }
    auto r = co_await refresh();
    if (r) spdlog::info("connection {}: {} tools from {}", options_.name, r.value(), options_.url);
    else spdlog::warn("connection {}: tools not listed: {}", options_.name, r.error().message);
    {
      std::lock_guard lock(impl->mu);
      if (impl->stopping) break;
      if (impl->refresh_wanted) continue;
    }
    timer.expires_after(r && r.value() > 0 ? options_.refresh_interval : options_.retry_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  std::lock_guard lock(impl->mu);
  impl->timer = nullptr;
}

void Connection::stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stopping = true;
  if (impl_->timer && impl_->run_executor) {
    auto* t = impl_->timer;
    asio::post(*impl_->run_executor, [t] { t->cancel(); });
  }
}

void Connection::set_sign_in(std::shared_ptr<SignIn> sign_in) {
  std::lock_guard lock(impl_->mu);
  impl_->sign_in = std::move(sign_in);
}

void Connection::refresh_soon() { impl_->wake(); }

void Connection::retire() {
  stop();
  std::vector<std::string> names;
  {
    std::lock_guard lock(impl_->mu);
    impl_->retired = true;
    names.swap(impl_->registered);
  }
  for (auto& n : names) impl_->server.remove_tool(n);
}

Task<ToolResult> Connection::call(std::string upstream_tool, json::object args, Context& ctx) {
  return forward(impl_, std::move(upstream_tool), std::move(args), ctx);
}

}  // namespace mcp::upstream
