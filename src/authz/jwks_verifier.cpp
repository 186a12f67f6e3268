// External authorization server mode: JWT access tokens checked against the issuer's JWKS
// (RS256, ES256, EdDSA). Keys are swapped atomically on refresh; an unknown kid asks the
// refresher thread for a new fetch (key rotation) without blocking the request's event loop.
#include "authz/server_impl.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace mcp::authz {
namespace {

namespace asio = boost::asio;
constexpr std::size_t kMaxKeys = 100;
constexpr std::size_t kMaxJwksBytes = 256 << 10;

using KeyMap = std::map<std::string, std::shared_ptr<Pkey>>;

Result<KeyMap> parse_jwks(std::string_view text, const std::vector<std::string>& algorithms) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return Error{errc::kInvalidParams, "JWKS is not a JSON object"};
  auto* keys = find(v.get_object(), "keys");
  if (!keys || !keys->is_array()) return Error{errc::kInvalidParams, "JWKS has no keys array"};
  KeyMap out;
  for (auto& k : keys->get_array()) {
    if (out.size() >= kMaxKeys) break;
    if (!k.is_object()) continue;
    auto& jwk = k.get_object();
    if (auto use = find_string(jwk, "use"); use && *use != "sig") continue;
    if (auto alg = find_string(jwk, "alg");
        alg && std::find(algorithms.begin(), algorithms.end(), *alg) == algorithms.end())
      continue;
    auto key = public_key_from_jwk(jwk);
    if (!key) continue;  // unsupported types are skipped, not fatal
    out[std::string(find_string(jwk, "kid").value_or(""))] = std::make_shared<Pkey>(std::move(key));
  }
  if (out.empty()) return Error{errc::kInvalidParams, "JWKS has no usable signing keys"};
  return out;
}

}  // namespace

struct JwksVerifier::State {
  ExternalIssuerOptions opt;
  mutable std::mutex mu;
  std::shared_ptr<const KeyMap> keys = std::make_shared<KeyMap>();
  mutable std::atomic<bool> want_refresh{false};
  std::atomic<std::int64_t> last_fetch{0};  // steady seconds
  std::atomic<bool> stopping{false};
  asio::io_context io;
  std::thread thread;

  static std::int64_t steady_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  std::shared_ptr<const KeyMap> snapshot() const {
    std::lock_guard lock(mu);
    return keys;
  }
  std::size_t install(KeyMap m) {
    auto n = m.size();
    std::lock_guard lock(mu);
    keys = std::make_shared<const KeyMap>(std::move(m));
    return n;
  }
};

JwksVerifier::JwksVerifier(ExternalIssuerOptions options) : state_(std::make_shared<State>()) {
  state_->opt = std::move(options);
  if (state_->opt.issuer.empty()) throw std::runtime_error("external issuer: issuer is required");
  if (state_->opt.jwks_uri.empty()) {
    auto keys = parse_jwks(state_->opt.jwks_json, state_->opt.algorithms);
    if (!keys) throw std::runtime_error("external issuer: " + keys.error().message);
    state_->install(std::move(*keys));
  } else if (!state_->opt.http_client) {
    throw std::runtime_error("external issuer: jwks_uri needs an HTTP client");
  }
}

JwksVerifier::~JwksVerifier() { stop(); }

namespace {

Task<Result<std::size_t>> fetch(std::shared_ptr<JwksVerifier::State> s) {
  if (s->opt.jwks_uri.empty()) co_return Result<std::size_t>(s->snapshot()->size());
  s->last_fetch = JwksVerifier::State::steady_now();
  net::ClientRequest rq;
  rq.url = s->opt.jwks_uri;
  rq.headers = {{"accept", "application/json"}};
  rq.timeout = std::chrono::seconds(10);
  rq.max_body_bytes = kMaxJwksBytes;
  auto got = co_await s->opt.http_client->send(std::move(rq));
  if (!got) co_return Error{errc::kInternalError, "JWKS fetch failed: " + got.error().message};
  if (got->status != 200) co_return Error{errc::kInternalError, "JWKS fetch answered " + std::to_string(got->status)};
  auto keys = parse_jwks(got->body, s->opt.algorithms);
  if (!keys) co_return keys.error();
  co_return Result<std::size_t>(s->install(std::move(*keys)));
}

Task<void> first_fetch(std::shared_ptr<JwksVerifier::State> s, std::promise<Result<std::size_t>>* done) {
  try {
    auto r = co_await fetch(s);  // named: no temporaries inside co_await (GCC 12)
    done->set_value(std::move(r));
  } catch (const std::exception& e) {
    done->set_value(Error{errc::kInternalError, std::string("JWKS fetch failed: ") + e.what()});
  }
}

Task<void> keep_fresh(std::shared_ptr<JwksVerifier::State> s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!s->stopping) {
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (s->stopping) break;
    auto age = JwksVerifier::State::steady_now() - s->last_fetch;
    bool due = age >= s->opt.refresh_interval.count() || (s->want_refresh && age >= s->opt.min_refresh.count());
    if (!due) continue;
    s->want_refresh = false;
    (void)co_await fetch(s);  // a failure keeps the old keys; retried when due again
  }
}

}  // namespace

Task<Result<std::size_t>> JwksVerifier::refresh() { return fetch(state_); }

Result<std::size_t> JwksVerifier::start() {
  auto s = state_;
  if (s->opt.jwks_uri.empty() || s->thread.joinable()) return s->snapshot()->size();
  std::promise<Result<std::size_t>> first;
  auto fut = first.get_future();
  asio::co_spawn(s->io, first_fetch(s, &first), asio::detached);
  asio::co_spawn(s->io, keep_fresh(s), asio::detached);
  s->thread = std::thread([s] { s->io.run(); });
  return fut.get();
}

void JwksVerifier::stop() {
  auto s = state_;
  s->stopping = true;
  if (s->thread.joinable()) {
    s->io.stop();
    s->thread.join();
  }
}

namespace {

std::variant<Principal, std::string> check(const JwksVerifier::State& st, std::string_view token,
                                          const std::string& resource_url) {
  const auto& o = st.opt;
  auto jws = parse_jws(token);
  if (!jws) return std::string("malformed token");
  auto alg = find_string(jws->header, "alg").value_or("");
  if (std::find(o.algorithms.begin(), o.algorithms.end(), alg) == o.algorithms.end())
    return std::string("unsupported token algorithm");
  if (auto typ = find_string(jws->header, "typ");
      typ && *typ != "at+jwt" && *typ != "application/at+jwt" && *typ != "JWT")
    return std::string("not an access token (typ)");
  auto keys = st.snapshot();
  auto kid = std::string(find_string(jws->header, "kid").value_or(""));
  auto it = keys->find(kid);
  if (it == keys->end() && kid.empty() && keys->size() == 1) it = keys->begin();
  if (it == keys->end()) {
    st.want_refresh = true;  // perhaps rotated: the refresher fetches the JWKS again
    return std::string("unknown signing key");
  }
  if (!verify_jws(*jws, alg, it->second->get())) return std::string("bad token signature");
  const auto& c = jws->payload;
  if (find_string(c, "iss").value_or("") != o.issuer) return std::string("wrong issuer");
  const std::string& want_aud = o.audience.empty() ? resource_url : o.audience;
  bool aud_ok = false;
  if (auto* aud = find(c, "aud")) {
    if (aud->is_string()) aud_ok = aud->get_string() == want_aud;
    if (aud->is_array())
      for (auto& a : aud->get_array()) aud_ok = aud_ok || (a.is_string() && a.get_string() == want_aud);
  }
  if (!aud_ok) return std::string("token is not for this resource (audience)");
  auto t = static_cast<double>(store::unix_now());
  auto skew = static_cast<double>(o.clock_skew.count());
  auto exp = find(c, "exp") ? as_number(*find(c, "exp")) : std::nullopt;
  if (!exp) return std::string("token lacks exp");
  if (*exp + skew <= t) return std::string("token expired");
  if (auto* nbf = find(c, "nbf"); nbf && as_number(*nbf) && *as_number(*nbf) > t + skew)
    return std::string("token not yet valid");
  auto sub = find_string(c, "sub").value_or("");
  if (sub.empty()) return std::string("token lacks sub");
  Principal p;
  p.subject = std::string(sub);
  if (auto sc = find_string(c, "scope")) p.scopes = split_words(*sc);
  if (auto* scp = find(c, "scp")) {
    if (scp->is_string()) p.scopes = split_words(scp->get_string());
    if (scp->is_array())
      for (auto& x : scp->get_array())
        if (x.is_string() && p.scopes.size() < 64) p.scopes.emplace_back(x.get_string());
  }
  if (auto* roles = find(c, "roles"); roles && roles->is_array())
    for (auto& r : roles->get_array())
      if (r.is_string() && p.roles.size() < 64) p.roles.emplace_back(r.get_string());
  if (auto* aud = find(c, "aud")) {  // kept for same-audience passthrough to upstreams
    if (aud->is_string()) p.audiences.emplace_back(aud->get_string());
    if (aud->is_array())
      for (auto& a : aud->get_array())
        if (a.is_string() && p.audiences.size() < 16) p.audiences.emplace_back(a.get_string());
  }
  p.method = "oauth";
  p.credential = std::string(find_string(c, "client_id").value_or(find_string(c, "azp").value_or("")));
  return p;
}

}  // namespace

std::variant<Principal, std::string> JwksVerifier::verify(std::string_view token, const std::string& resource_url) const {
  return check(*state_, token, resource_url);
}

auth::TokenVerifier JwksVerifier::token_verifier() const {
  return [s = state_](std::string_view token, const std::string& resource_url) { return check(*s, token, resource_url); };
}

}  // namespace mcp::authz
