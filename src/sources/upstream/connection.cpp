// A custom connection: tool discovery (as the shared credential or a signed-in user), the
// refresh loop, and removal. Calls are forwarded by calls.cpp.
#include "connection_impl.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace mcp::upstream {

namespace {

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

}  // namespace

Connection::Connection(ConnectionOptions options, std::shared_ptr<net::HttpClient> http,
                       std::shared_ptr<sources::Vault> vault, Server& server)
    : options_(options), impl_(std::make_shared<Impl>(std::move(options), std::move(http), std::move(vault), server)) {}

Connection::~Connection() { stop(); }

std::vector<std::string> Connection::tool_names() const {
  std::lock_guard lock(impl_->mu);
  return impl_->registered;
}

namespace {

// Who can list the upstream's tools: the shared credential, else the users who have signed in
// with a credential that makes valid headers (one user's bad credential must not keep the tools
// from everyone). Pairs of subject and secret, at most `max`.
std::vector<std::pair<std::string, std::string>> discovery_identities(Connection::Impl& i, std::size_t max) {
  std::vector<std::pair<std::string, std::string>> out;
  if (i.opt.auth == AuthMethod::none) return {{"", ""}};
  if (!i.opt.per_user) {
    if (!i.opt.secret.empty()) out.emplace_back("", i.opt.secret);
    return out;
  }
  if (!i.vault) return out;
  for (auto& e : i.vault->list()) {
    if (e.upstream != i.opt.name) continue;
    auto s = i.vault->get(e.subject, i.opt.name);
    if (!s || !Connection::headers_for(i.opt, *s)) continue;
    out.emplace_back(e.subject, std::move(*s));
    if (out.size() == max) break;
  }
  return out;
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

namespace {

// Lists the upstream's tools as one discovery identity (subject, secret) and registers them.
Task<Result<std::size_t>> list_tools_as(std::shared_ptr<Connection::Impl> impl, std::pair<std::string, std::string> id) {
  auto& opt = impl->opt;
  auto headers = Connection::headers_for(opt, id.second);
  if (opt.auth == AuthMethod::oauth) {  // a fresh token of the user's (refreshed when due)
    auto s = impl->oauth();
    if (!s) co_return Result<std::size_t>(Error{errc::kInvalidRequest, "OAuth sign-in is not set up", {}});
    auto t = co_await s->access_token(opt.name, id.first);
    if (!t) co_return Result<std::size_t>(t.error());
    headers = net::Headers{{"authorization", "Bearer " + *t}};
  }
  if (!headers) co_return Result<std::size_t>(headers.error());
  Principal discoverer;
  discoverer.subject = id.first.empty() ? "gateway" : id.first;
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
  std::weak_ptr<Connection::Impl> weak = impl;
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
  bool retired;
  {
    std::lock_guard lock(impl->mu);
    for (auto& old : impl->registered)
      if (std::find(now.begin(), now.end(), old) == now.end()) gone.push_back(old);
    retired = impl->retired;
    impl->registered = retired ? std::vector<std::string>{} : now;
  }
  for (auto& g : gone) impl->server.remove_tool(g);
  if (retired) {  // retire() ran while this listing was under way: take back what it added
    for (auto& n : now) impl->server.remove_tool(n);
    co_return Result<std::size_t>(Error{errc::kInvalidRequest, "connection '" + opt.name + "' was removed", {}});
  }
  co_return Result<std::size_t>(now.size());
}

constexpr std::size_t kDiscoveryTries = 3;  // signed-in users tried in turn when listing fails

// Clears run()'s published timer when run() ends, however it ends (an exception, or its frame
// destroyed with the event loop).
struct Unpublish {
  std::shared_ptr<Connection::Impl> impl;
  ~Unpublish() {
    std::lock_guard lock(impl->mu);
    impl->timer.reset();
  }
};

// refresh(): lists the tools as the first discovery identity that can.
Task<Result<std::size_t>> refresh_tools(std::shared_ptr<Connection::Impl> impl) {
  auto& opt = impl->opt;
  auto ids = discovery_identities(*impl, kDiscoveryTries);
  if (ids.empty() && opt.auth == AuthMethod::oauth) {
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
  if (ids.empty())
    co_return Result<std::size_t>(Error{errc::kInvalidRequest, "no credentials to list the tools of '" + opt.name + "' with yet (nobody has signed in)", {}});
  Result<std::size_t> r = Error{errc::kInternalError, "not listed", {}};
  for (auto& id : ids) {
    // One identity's failure, even an exception from below, is that identity's: try the next.
    try {
      r = co_await list_tools_as(impl, id);
    } catch (const std::exception& e) {
      r = Error{errc::kInternalError, std::string("listing the tools failed: ") + e.what(), {}};
    }
    std::lock_guard lock(impl->mu);
    if (r || impl->retired || impl->stopping) break;
  }
  co_return r;
}

// run(): refresh_tools() now and then until stop(). It owns the connection's state (not the
// Connection: dropping that stops the loop) and shares its timer with stop() and wake().
Task<void> run_loop(std::shared_ptr<Connection::Impl> impl) {
  auto& opt = impl->opt;
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(impl->mu);
    impl->run_executor = timer->get_executor();
    impl->timer = timer;
    impl->listen_for_changes = true;
  }
  Unpublish unpublish{impl};
  for (;;) {
    {
      std::lock_guard lock(impl->mu);
      if (impl->stopping) break;
      impl->refresh_wanted = false;
    }
    Result<std::size_t> r = Error{errc::kInternalError, "not listed", {}};
    try {  // the task outlives any one listing's failure
      r = co_await refresh_tools(impl);
    } catch (const std::exception& e) {
      r = Error{errc::kInternalError, e.what(), {}};
    }
    if (r) spdlog::info("connection {}: {} tools from {}", opt.name, r.value(), opt.url);
    else spdlog::warn("connection {}: tools not listed: {}", opt.name, r.error().message);
    {
      std::lock_guard lock(impl->mu);
      if (impl->stopping) break;
      if (impl->refresh_wanted) continue;
    }
    // Never sooner than a second, whatever the options say (they are checked where defined).
    auto wait = std::max<std::chrono::milliseconds>(r && r.value() > 0 ? opt.refresh_interval : opt.retry_interval,
                                                    std::chrono::seconds(1));
    timer->expires_after(wait);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

// Not coroutines themselves: a member coroutine keeps only `this`, which a connection removed
// before its task first ran would leave dangling. Their coroutines own what they use from the
// start.
Task<Result<std::size_t>> Connection::refresh() { return refresh_tools(impl_); }
Task<void> Connection::run() { return run_loop(impl_); }

void Connection::stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stopping = true;
  impl_->cut_wait_locked();
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
