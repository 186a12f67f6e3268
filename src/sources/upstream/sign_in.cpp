// OAuth sign-in to custom connections (see include/mcp/sources/sign_in.hpp).
#include <mcp/sources/sign_in.hpp>

#include <mcp/core/encoding.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace mcp::upstream {
namespace {

namespace asio = boost::asio;
namespace urls = boost::urls;

// Vault rows of the gateway itself (subject ""), keyed by a hash of the secret that names them.
constexpr std::string_view kTicket = "oauth-ticket:";
constexpr std::string_view kFlow = "oauth-flow:";
constexpr std::string_view kClient = "oauth-client:";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A refresh in flight elsewhere is waited for this long at most; the replicas' lock on one
// user's refresh lapses after kRefreshLock (a replica that died holding it), as long as the
// HTTP client's whole exchange may take.
constexpr auto kWaitForRefresh = std::chrono::seconds(10);
constexpr auto kRefreshPoll = std::chrono::milliseconds(50);
constexpr auto kRefreshLock = std::chrono::milliseconds(30000);
std::string refresh_lock(const std::string& flight) { return "refresh:" + flight; }

Error sign_in_required(std::string why) { return Error{errc::kInvalidRequest, std::move(why), json::value(kSignInRequired)}; }

net::HttpResponse page(int status, std::string_view title, std::string_view message) {
  auto r = net::text_response(status, "text/html; charset=utf-8",
                              "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                                  "</title></head><body><h1>" + html_escape(title) + "</h1><p>" + html_escape(message) +
                                  "</p></body></html>\n");
  r.set("cache-control", "no-store");
  r.set("content-security-policy", "default-src 'none'");
  r.set("referrer-policy", "no-referrer");
  return r;
}

std::string query_param(std::string_view query, std::string_view name) {
  auto text = "?" + std::string(query);  // the view below points into it
  auto u = urls::parse_uri_reference(text);
  if (!u) return {};
  for (auto p : u->params())
    if (p.key == name) return p.value;
  return {};
}

std::string cookie(const net::HttpRequest& r, std::string_view name) {
  auto h = r.header("cookie");
  std::size_t i = 0;
  for (int guard = 0; guard < 64 && i < h.size(); ++guard) {
    while (i < h.size() && (h[i] == ' ' || h[i] == ';')) ++i;
    auto end = h.find(';', i);
    if (end == std::string_view::npos) end = h.size();
    auto kv = h.substr(i, end - i);
    if (auto eq = kv.find('='); eq != std::string_view::npos && kv.substr(0, eq) == name) return std::string(kv.substr(eq + 1));
    i = end + 1;
  }
  return {};
}

// The browser that starts a sign-in must finish it: a cookie per flow (parallel sign-ins).
std::string cookie_name(const std::string& state) { return "mcpbridge_signin_" + sha256_hex(state).substr(0, 12); }

std::optional<json::object> parse_object(const std::optional<std::string>& s) {
  return s ? mcp::parse_object(*s) : std::nullopt;
}

std::string str(const json::object& o, std::string_view k) { return std::string(find_string(o, k).value_or("")); }
std::int64_t num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

json::object client_json(const client::OAuthClientRegistration& c) {
  return {{"client_id", c.client_id}, {"client_secret", c.client_secret}, {"auth_method", c.auth_method}};
}
client::OAuthClientRegistration client_from(const json::object& o) {
  return {str(o, "client_id"), str(o, "client_secret"), str(o, "auth_method")};
}

// A user's grant, as sealed in the vault under (subject, connection).
struct Grant {
  client::TokenSet tokens;
  std::int64_t obtained_at = 0;
  std::string issuer, token_endpoint, revocation_endpoint, resource;
  client::OAuthClientRegistration client;

  json::object to_json() const {
    return {{"type", "oauth"},
            {"access_token", tokens.access_token},
            {"refresh_token", tokens.refresh_token},
            {"token_type", tokens.token_type},
            {"scope", tokens.scope},
            {"expires_at", tokens.expires_at},
            {"obtained_at", obtained_at},
            {"issuer", issuer},
            {"token_endpoint", token_endpoint},
            {"revocation_endpoint", revocation_endpoint},
            {"resource", resource},
            {"client", client_json(client)}};
  }
  static std::optional<Grant> from(const std::optional<std::string>& s) {
    auto o = parse_object(s);
    if (!o || str(*o, "type") != "oauth" || str(*o, "access_token").empty()) return std::nullopt;
    Grant g;
    g.tokens = {str(*o, "access_token"), str(*o, "refresh_token"), str(*o, "token_type"), str(*o, "scope"),
                num(*o, "expires_at")};
    g.obtained_at = num(*o, "obtained_at");
    g.issuer = str(*o, "issuer");
    g.token_endpoint = str(*o, "token_endpoint");
    g.revocation_endpoint = str(*o, "revocation_endpoint");
    g.resource = str(*o, "resource");
    if (auto* c = find_object(*o, "client")) g.client = client_from(*c);
    return g;
  }
  // Refreshed a little before it expires: a quarter of its lifetime early, at most 30 s.
  bool usable(std::int64_t now) const {
    if (tokens.expires_at == 0) return true;
    auto margin = std::min<std::int64_t>(30, std::max<std::int64_t>(0, (tokens.expires_at - obtained_at) / 4));
    return now + margin < tokens.expires_at;
  }
};

}  // namespace

SignIn::SignIn(SignInOptions options, std::shared_ptr<sources::Vault> vault)
    : options_(std::move(options)), vault_(std::move(vault)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/') options_.public_url.pop_back();
  if (options_.public_url.rfind("https://", 0) != 0 && options_.public_url.rfind("http://", 0) != 0)
    throw std::invalid_argument("the gateway's public URL must be an http(s):// URL, not '" + options_.public_url + "'");
  if (!vault_) throw std::invalid_argument("OAuth sign-in keeps tokens in the vault, which is not set up");
}

std::string SignIn::redirect_uri() const { return options_.public_url + options_.base_path + "/callback"; }

std::string SignIn::registration_key(const std::string& name, const std::string& issuer) const {
  return std::string(kClient) + name + ":" + issuer;
}

std::string SignIn::link(const std::string& subject, const std::string& name) {
  auto now = now_s();
  // Expired tickets and abandoned sign-ins go when new ones are made (bounded by their TTLs).
  auto oldest = now - std::max(options_.ticket_ttl, options_.flow_ttl).count();
  for (auto& e : vault_->list())
    if (e.subject.empty() && (e.upstream.rfind(kTicket, 0) == 0 || e.upstream.rfind(kFlow, 0) == 0) && e.updated_at < oldest)
      vault_->remove("", e.upstream);
  auto ticket = random_token(32);
  json::object rec{{"subject", subject}, {"connection", name}, {"expires_at", now + options_.ticket_ttl.count()}};
  vault_->put("", std::string(kTicket) + sha256_hex(ticket), json::serialize(rec));
  return options_.public_url + options_.base_path + "/" + name + "/signin?ticket=" + ticket;
}

void SignIn::add(std::shared_ptr<Connection> connection, std::shared_ptr<net::HttpClient> http) {
  connection->set_sign_in(shared_from_this());
  std::lock_guard lock(mu_);
  connections_[connection->options().name] = Entry{connection, connection->options(), std::move(http)};
}

void SignIn::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  connections_.erase(name);
}

std::optional<SignIn::Entry> SignIn::entry(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = connections_.find(name);
  if (it == connections_.end()) return std::nullopt;
  return it->second;
}

std::vector<net::HttpRoute> SignIn::routes() {
  auto self = shared_from_this();
  std::vector<net::HttpRoute> out;
  out.push_back({options_.base_path + "/callback", false, [self](net::HttpRequest r) { return self->callback(std::move(r)); }});
  out.push_back({options_.base_path + "/", true, [self](net::HttpRequest r) { return self->start(std::move(r)); }});
  return out;
}

Task<net::HttpResponse> SignIn::start(net::HttpRequest request) {
  auto self = shared_from_this();
  auto path = std::string(request.path());
  auto rest = path.substr(options_.base_path.size() + 1);  // "<name>/signin"
  auto slash = rest.find('/');
  if (slash == std::string::npos || rest.substr(slash) != "/signin") co_return page(404, "Not found", "No such page.");
  if (request.method != "GET") co_return page(405, "Method not allowed", "Open the sign-in link in a browser.");
  auto name = rest.substr(0, slash);
  auto e = entry(name);
  if (!e) co_return page(404, "Unknown connection", "There is no connection named '" + name + "' that signs in with OAuth.");
  auto ticket = query_param(request.query(), "ticket");
  auto key = std::string(kTicket) + sha256_hex(ticket);
  std::optional<json::object> rec;  // (no conditional expression with temporaries in a coroutine: GCC 12)
  if (!ticket.empty()) rec = parse_object(vault_->get_fresh("", key));
  if (!rec) co_return page(400, "Unknown sign-in link", "This link is unknown or has been used. Call the tool again for a new one.");
  auto subject = str(*rec, "subject");
  if (str(*rec, "connection") != name) co_return page(400, "Wrong sign-in link", "This link is for another connection.");
  if (options_.identify) {
    // A browser the gateway recognises must belong to the user the link was made for.
    if (auto who = options_.identify(request); who && *who != subject) {
      spdlog::warn("connection {}: sign-in link of {} opened by {}: refused", name, subject, *who);
      co_return page(403, "Not your sign-in link", "This link was made for another user.");
    }
  }
  if (!vault_->remove("", key)) co_return page(400, "Unknown sign-in link", "This link has been used. Call the tool again for a new one.");
  if (num(*rec, "expires_at") < now_s()) co_return page(400, "Expired sign-in link", "This link has expired. Call the tool again for a new one.");
  auto r = co_await redirect_to_authorize(*e, subject, false);
  if (!r) {
    spdlog::warn("connection {}: sign-in of {} not started: {}", name, subject, r.error().message);
    co_return page(502, "Sign-in failed", "The authorization server of '" + name + "' could not be used: " + r.error().message);
  }
  co_return std::move(*r);
}

Task<Result<net::HttpResponse>> SignIn::redirect_to_authorize(Entry e, std::string subject, bool retried) {
  auto self = shared_from_this();
  auto name = e.options.name;
  client::OAuthOptions oo;
  oo.client_id = e.options.oauth_client_id;
  oo.client_secret = e.options.oauth_client_secret;
  oo.scope = e.options.oauth_scope;
  oo.redirect_uri = redirect_uri();
  oo.client_name = "mcpbridge (" + name + ")";
  client::OAuth oauth(e.http, e.options.url, oo);
  client::OAuth::KnownRegistration known = [self, name](const std::string& issuer) -> std::optional<client::OAuthClientRegistration> {
    auto o = parse_object(self->vault_->get_fresh("", self->registration_key(name, issuer)));
    if (!o || str(*o, "client_id").empty()) return std::nullopt;
    return client_from(*o);
  };
  auto started = co_await oauth.begin(std::move(known));  // (named first: GCC 12 and temporaries in co_await)
  if (!started) co_return Result<net::HttpResponse>(started.error());
  auto& st = *started;
  if (!st.registered_now && e.options.oauth_client_id.empty() && !retried) {
    // A kept registration may have been forgotten (an authorization server restarted with
    // its clients in memory): its authorization endpoint would then show the user an error.
    // Ask it first, without following redirects; `invalid_client` → register again, once.
    net::ClientRequest probe;
    probe.url = st.url;
    probe.timeout = std::chrono::seconds(10);
    probe.max_body_bytes = 1 << 16;
    auto res = co_await e.http->send(std::move(probe));
    if (res && res->status >= 400 && res->status < 500 && res->body.find("invalid_client") != std::string::npos) {
      spdlog::warn("connection {}: {} no longer knows client {}: registering again", name, st.issuer, st.client.client_id);
      vault_->remove("", registration_key(name, st.issuer));
      co_return co_await redirect_to_authorize(std::move(e), std::move(subject), true);
    }
  }
  if (st.registered_now) {
    vault_->put("", registration_key(name, st.issuer), json::serialize(client_json(st.client)));
    spdlog::info("connection {}: registered client {} at {} (redirect URI {})", name, st.client.client_id, st.issuer, st.redirect_uri);
  }
  auto browser = random_token(24);
  json::object flow{{"subject", subject},
                    {"connection", name},
                    {"expires_at", now_s() + options_.flow_ttl.count()},
                    {"browser", sha256_hex(browser)},
                    {"retried", retried},
                    {"state", st.state},
                    {"code_verifier", st.code_verifier},
                    {"redirect_uri", st.redirect_uri},
                    {"issuer", st.issuer},
                    {"iss_required", st.iss_required},
                    {"token_endpoint", st.token_endpoint},
                    {"revocation_endpoint", st.revocation_endpoint},
                    {"resource", st.resource},
                    {"scope", st.scope},
                    {"client", client_json(st.client)}};
  vault_->put("", std::string(kFlow) + sha256_hex(st.state), json::serialize(flow));
  net::HttpResponse r;
  r.status = 302;
  r.set("location", st.url);
  r.set("cache-control", "no-store");
  bool https = options_.public_url.rfind("https://", 0) == 0;
  std::string cookie = cookie_name(st.state) + "=" + browser + "; Path=" + options_.base_path + "; Max-Age=" +
                       std::to_string(options_.flow_ttl.count()) + "; HttpOnly; SameSite=Lax";
  if (https) cookie += "; Secure";
  r.set("set-cookie", std::move(cookie));
  co_return Result<net::HttpResponse>(std::move(r));
}

Task<net::HttpResponse> SignIn::callback(net::HttpRequest request) {
  auto self = shared_from_this();
  if (request.method != "GET") co_return page(405, "Method not allowed", "The authorization server redirects here.");
  auto query = std::string(request.query());
  auto state = query_param(query, "state");
  auto key = std::string(kFlow) + sha256_hex(state);
  std::optional<json::object> rec;
  if (!state.empty()) rec = parse_object(vault_->get_fresh("", key));
  if (!rec) co_return page(400, "Unknown sign-in", "This sign-in is unknown or finished already. Call the tool again for a new link.");
  // The flow's browser cookie, checked before the flow is used up (a stray request must not end it).
  if (!constant_time_equal(sha256_hex(cookie(request, cookie_name(state))), str(*rec, "browser")))
    co_return page(400, "Sign-in from another browser", "This sign-in was started in another browser. Open the sign-in link here.");
  if (!vault_->remove("", key)) co_return page(400, "Unknown sign-in", "This sign-in has finished already.");
  if (num(*rec, "expires_at") < now_s()) co_return page(400, "Sign-in expired", "This sign-in took too long. Call the tool again for a new link.");
  auto name = str(*rec, "connection");
  auto subject = str(*rec, "subject");
  auto e = entry(name);
  if (!e) co_return page(404, "Unknown connection", "The connection '" + name + "' is gone.");
  client::AuthorizationStart st;
  st.state = str(*rec, "state");
  st.code_verifier = str(*rec, "code_verifier");
  st.redirect_uri = str(*rec, "redirect_uri");
  st.issuer = str(*rec, "issuer");
  auto* iss_required = rec->if_contains("iss_required");
  st.iss_required = iss_required && iss_required->is_bool() && iss_required->as_bool();
  st.token_endpoint = str(*rec, "token_endpoint");
  st.revocation_endpoint = str(*rec, "revocation_endpoint");
  st.resource = str(*rec, "resource");
  st.scope = str(*rec, "scope");
  if (auto* c = find_object(*rec, "client")) st.client = client_from(*c);
  auto tokens = co_await client::finish_authorization(e->http, st, query);
  if (!tokens) {
    auto* retried = rec->if_contains("retried");
    bool again = !(retried && retried->is_bool() && retried->as_bool());
    if (client::oauth_error_code(tokens.error()) == "invalid_client" && again && e->options.oauth_client_id.empty()) {
      // The authorization server has forgotten the client it registered: register anew, once.
      spdlog::warn("connection {}: {} no longer knows client {}: registering again", name, st.issuer, st.client.client_id);
      vault_->remove("", registration_key(name, st.issuer));
      auto r = co_await redirect_to_authorize(*e, subject, true);
      if (r) co_return std::move(*r);
    }
    spdlog::warn("connection {}: sign-in of {} failed: {}", name, subject, tokens.error().message);
    co_return page(400, "Sign-in failed", "Signing in to '" + name + "' failed: " + tokens.error().message);
  }
  Grant g;
  g.tokens = std::move(*tokens);
  g.obtained_at = now_s();
  g.issuer = st.issuer;
  g.token_endpoint = st.token_endpoint;
  g.revocation_endpoint = st.revocation_endpoint;
  g.resource = st.resource;
  g.client = st.client;
  vault_->put(subject, name, json::serialize(g.to_json()));
  spdlog::info("connection {}: {} signed in (issuer {})", name, subject, st.issuer);
  if (auto c = e->connection.lock()) c->refresh_soon();  // the first sign-in lets the tools be listed
  co_return page(200, "Signed in", "You are signed in to '" + name + "' as " + subject +
                                       ". You can close this window and call the tool again.");
}

Task<Result<std::string>> SignIn::access_token(std::string name, std::string subject, std::string rejected) {
  auto self = shared_from_this();
  auto e = entry(name);
  if (!e) co_return Result<std::string>(Error{errc::kInvalidRequest, "no OAuth connection named " + name, {}});
  auto flight = name + "|" + subject;
  asio::steady_timer wait(co_await asio::this_coro::executor);
  // Another refresh of this user's may be running (another call, thread or replica): wait for
  // it, bounded, then use what it stored.
  const auto deadline = std::chrono::steady_clock::now() + kWaitForRefresh;
  for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
    std::optional<std::string> blob;
    if (round == 0 && rejected.empty()) blob = co_await vault_->get_async(subject, name);  // the common case
    else blob = vault_->get_fresh(subject, name);
    if (!blob) co_return Result<std::string>(sign_in_required("not signed in"));
    auto g = Grant::from(blob);
    if (!g) {
      vault_->remove(subject, name);
      co_return Result<std::string>(sign_in_required("the stored credential is not an OAuth grant"));
    }
    if (g->tokens.access_token != rejected && g->usable(now_s())) co_return Result<std::string>(g->tokens.access_token);
    bool busy;
    {
      std::lock_guard lock(mu_);
      busy = !refreshing_.insert(flight).second;
    }
    if (busy) {
      wait.expires_after(std::chrono::milliseconds(25));
      boost::system::error_code ec;
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    struct Done {
      SignIn* s;
      std::string key;
      ~Done() {
        std::lock_guard lock(s->mu_);
        s->refreshing_.erase(key);
      }
    } done{this, flight};
    std::string held;  // the replicas' lock, when this call holds it
    if (auto& shared = options_.shared) {
      auto value = random_token(9);
      auto took = co_await shared->set_if_absent(refresh_lock(flight), value, kRefreshLock);
      if (took && !took.value()) {  // another replica refreshes: wait for what it stores
        wait.expires_after(kRefreshPoll);
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (!took) spdlog::warn("connection {}: refreshing {}'s token without the replicas' lock: {}", name, subject, took.error().message);
      else held = std::move(value);
      // What another replica stored just before the lock was ours (a rotated refresh token).
      g = Grant::from(vault_->get_fresh(subject, name));
      if (g && g->tokens.access_token != rejected && g->usable(now_s())) {
        if (!held.empty()) co_await shared->release(refresh_lock(flight), held);
        co_return Result<std::string>(g->tokens.access_token);
      }
    }
    Result<std::string> r = sign_in_required("not signed in");
    if (g) r = co_await refresh(*e, name, subject, g->to_json());  // (no co_await in a ?: — GCC miscompiles it)
    if (!held.empty()) co_await options_.shared->release(refresh_lock(flight), held);
    co_return r;
  }
  co_return Result<std::string>(Error{errc::kRequestTimeout, "another refresh of this user's token did not finish", {}});
}

// One refresh of `grant` (a Grant's JSON) at its authorization server, stored on success.
Task<Result<std::string>> SignIn::refresh(Entry e, std::string name, std::string subject, json::object grant) {
  auto g = Grant::from(json::serialize(grant));
  if (!g || g->tokens.refresh_token.empty()) {
    vault_->remove(subject, name);
    co_return Result<std::string>(sign_in_required("the access token expired and there is no refresh token"));
  }
  auto t = co_await client::refresh_grant(e.http, g->token_endpoint, g->client, g->tokens.refresh_token, g->resource);
  if (!t) {
    auto code = client::oauth_error_code(t.error());
    if (code.empty()) co_return Result<std::string>(t.error());  // unreachable or confused: try again later
    if (code == "invalid_client") {  // forgotten by the authorization server: the next sign-in registers anew
      spdlog::warn("connection {}: {} no longer knows client {}", name, g->issuer, g->client.client_id);
      vault_->remove("", registration_key(name, g->issuer));
    }
    vault_->remove(subject, name);
    spdlog::info("connection {}: refresh for {} refused ({}): sign-in needed", name, subject, code);
    co_return Result<std::string>(sign_in_required("the authorization server refused to refresh the token (" + code + ")"));
  }
  g->tokens = std::move(*t);
  g->obtained_at = now_s();
  vault_->put(subject, name, json::serialize(g->to_json()));
  co_return Result<std::string>(g->tokens.access_token);
}

Task<Result<bool>> SignIn::sign_out(std::string name, std::string subject, std::shared_ptr<net::HttpClient> http) {
  auto self = shared_from_this();
  auto g = Grant::from(vault_->get_fresh(subject, name));
  if (!vault_->remove(subject, name)) co_return Result<bool>(false);
  if (g && !g->revocation_endpoint.empty()) {
    // The refresh token first: revoking it ends the grant at most servers (RFC 7009 §2.1).
    for (auto [token, hint] : {std::pair{g->tokens.refresh_token, "refresh_token"}, std::pair{g->tokens.access_token, "access_token"}}) {
      if (token.empty()) continue;
      auto r = co_await client::revoke_token(http, g->revocation_endpoint, g->client, token, hint);
      if (!r) spdlog::warn("connection {}: revoking {}'s {}: {}", name, subject, hint, r.error().message);
    }
  }
  co_return Result<bool>(true);
}

}  // namespace mcp::upstream
