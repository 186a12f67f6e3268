// A custom connection's calls: each forwarded as its caller, with their credentials, progress
// and cancellation relayed.
#include "connection_impl.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mcp::upstream {
namespace {

// A call's place in its session's in-flight list, from forwarding to its end however it ends
// (an exception too): the list and the relays never see a Context whose call has ended.
class InFlight {
 public:
  InFlight(std::shared_ptr<UserClient> uc, Context* ctx) : uc_(std::move(uc)), ctx_(ctx) { uc_->inflight.push_back(ctx_); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ~InFlight() {
    guard->alive = false;
    std::erase(uc_->inflight, ctx_);
  }
  std::shared_ptr<CallGuard> guard = std::make_shared<CallGuard>();

 private:
  std::shared_ptr<UserClient> uc_;
  Context* ctx_;
};

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
    auto secret = co_await impl->secret_for(who.subject);
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

// What the gateway's audit learns of a failed call: the HTTP status the upstream answered
// with, if the failure carries one, else whether it timed out or could not be reached.
UpstreamReply reply_of(const Error& e) {
  UpstreamReply u;
  if (auto* st = e.data.is_object() ? e.data.as_object().if_contains("status") : nullptr; st && st->is_int64())
    u.status = static_cast<int>(st->as_int64());
  else if (e.code == errc::kRequestTimeout)
    u.failure = "timeout";
  else if (e.code == errc::kConnectionClosed)
    u.failure = "network";
  return u;
}

}  // namespace

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
      if (!c) {
        ctx.call().upstream = reply_of(c.error());
        co_return ToolResult::error("The upstream '" + opt.name + "' is unavailable: " + c.error().message);
      }
      uc->connected = true;
    }
    auto exec = co_await asio::this_coro::executor;
    uc->exec = exec;
    InFlight inflight(uc, &ctx);
    auto guard = inflight.guard;
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
    ro.deadline = ctx.call().deadline;  // the client bounds its own request_timeout by it
    // Downstream cancellation → notifications/cancelled upstream (checked while the call runs).
    asio::co_spawn(exec, watch_cancel(guard, cp, uc->client), asio::detached);
    auto call_args = args;  // kept for a repeat
    auto r = co_await uc->client->call_tool(tool, std::move(call_args), ro);
    guard->alive = false;
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
    ctx.call().upstream = reply_of(e);
    if (e.code == errc::kRequestTimeout) {
      // The upstream may still be working on it: tell it the gateway stopped waiting.
      if (!guard->upstream_id.is_null()) co_await uc->client->cancel(guard->upstream_id, "the gateway stopped waiting");
      co_return ToolResult::error("The upstream '" + opt.name + "' did not answer " + tool + " in time: " + e.message);
    }
    ToolResult out = ToolResult::error("The upstream '" + opt.name + "' answered " + tool + " with an error (" +
                                       std::to_string(e.code) + "): " + e.message);
    co_return out;
  }
  co_return ToolResult::error("The upstream '" + opt.name + "' keeps losing its session");
}

}  // namespace mcp::upstream
