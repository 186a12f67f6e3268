// External authorization server mode: JWT access tokens checked against the issuer's JWKS
// (RS256, ES256, EdDSA). Keys are swapped atomically on refresh; an unknown kid refetches
// (rate-limited) on the request's loop when checked asynchronously, or asks the refresher
// thread for a fetch when checked synchronously. A failed fetch keeps the last good keys.
#include "authz/claims.hpp"
#include "authz/server_impl.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>
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
  std::string jwks_uri;  // configured or discovered (under mu)
  mutable std::atomic<bool> want_refresh{false};
  std::atomic<std::int64_t> last_fetch{-(1LL << 50)};  // steady ms of the last attempt
  std::atomic<std::int64_t> next_due{0};               // steady ms of the next periodic fetch
  std::atomic<bool> stopping{false};
  // The refresher's loop. Its coroutines hold this State, so it is destroyed by stop() (with
  // them) rather than with the State: a State kept alive by its own frames would never go.
  std::optional<asio::io_context> io;
  std::thread thread;

  static std::int64_t steady_now() {  // ms: a second's granularity would let a refetch slip through early
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  static std::int64_t ms(std::chrono::seconds s) { return s.count() * 1000; }
  // Pinned (inline) keys are never fetched.
  bool fetches() const { return !opt.jwks_uri.empty() || opt.jwks_json.empty(); }
  std::shared_ptr<const KeyMap> snapshot() const {
    std::lock_guard lock(mu);
    return keys;
  }
  std::string uri() const {
    std::lock_guard lock(mu);
    return jwks_uri;
  }
  std::size_t install(KeyMap m) {
    auto n = m.size();
    std::lock_guard lock(mu);
    keys = std::make_shared<const KeyMap>(std::move(m));
    return n;
  }
  // One caller wins the right to fetch when the last attempt is at least min_refresh old.
  bool claim_fetch() {
    auto now = steady_now();
    auto last = last_fetch.load();
    return now - last >= ms(opt.min_refresh) && last_fetch.compare_exchange_strong(last, now);
  }
};

JwksVerifier::JwksVerifier(ExternalIssuerOptions options) : state_(std::make_shared<State>()) {
  state_->opt = std::move(options);
  state_->jwks_uri = state_->opt.jwks_uri;
  if (state_->opt.issuer.empty()) throw std::runtime_error("external issuer: issuer is required");
  if (!state_->fetches()) {
    auto keys = parse_jwks(state_->opt.jwks_json, state_->opt.algorithms);
    if (!keys) throw std::runtime_error("external issuer: " + keys.error().message);
    state_->install(std::move(*keys));
  } else if (!state_->opt.http_client) {
    throw std::runtime_error("external issuer: fetching the JWKS needs an HTTP client");
  }
}

JwksVerifier::~JwksVerifier() { stop(); }

namespace {

// Cache-Control max-age in seconds, if the response names one (no-store/no-cache: 0).
std::optional<std::int64_t> max_age(std::string_view cc) {
  std::string lower(cc);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.find("no-store") != std::string::npos || lower.find("no-cache") != std::string::npos) return 0;
  auto at = lower.find("max-age=");
  if (at == std::string::npos) return std::nullopt;
  std::int64_t v = 0;
  std::size_t i = at + 8, digits = 0;
  for (; i < lower.size() && std::isdigit(static_cast<unsigned char>(lower[i])) && digits < 10; ++i, ++digits)
    v = v * 10 + (lower[i] - '0');
  if (digits == 0) return std::nullopt;
  return v;
}

Task<Result<json::object>> get_json(std::shared_ptr<JwksVerifier::State> s, std::string url, std::size_t max_bytes,
                                    net::Headers* headers_out) {
  net::ClientRequest rq;
  rq.url = std::move(url);
  rq.headers = {{"accept", "application/json"}};
  rq.timeout = s->opt.fetch_timeout;
  rq.max_body_bytes = max_bytes;
  auto got = co_await s->opt.http_client->send(std::move(rq));
  if (!got) co_return Error{errc::kInternalError, got.error().message};
  if (got->status != 200) co_return Error{errc::kInternalError, "answered " + std::to_string(got->status)};
  boost::system::error_code ec;
  auto v = json::parse(got->body, ec);
  if (ec || !v.is_object()) co_return Error{errc::kInternalError, "not a JSON object"};
  if (headers_out) *headers_out = std::move(got->headers);
  co_return std::move(v.get_object());
}

// RFC 8414 §3 (the well-known segment inserted before the issuer's path), then OpenID
// Connect Discovery (appended); the document's issuer must be ours (RFC 8414 §3.3).
Task<Result<std::string>> discover(std::shared_ptr<JwksVerifier::State> s) {
  const std::string& iss = s->opt.issuer;
  auto scheme_end = iss.find("://");
  if (scheme_end == std::string::npos) co_return Error{errc::kInvalidParams, "issuer is not an absolute URL"};
  auto path_at = iss.find('/', scheme_end + 3);
  std::string origin = iss.substr(0, path_at);
  std::string path = path_at == std::string::npos ? "" : iss.substr(path_at);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::vector<std::string> urls{origin + "/.well-known/oauth-authorization-server" + path,
                                origin + path + "/.well-known/openid-configuration"};
  std::string why;
  for (auto& url : urls) {
    auto doc = co_await get_json(s, url, 64 << 10, nullptr);
    if (!doc) {
      why += (why.empty() ? "" : "; ") + url + ": " + doc.error().message;
      continue;
    }
    if (find_string(*doc, "issuer").value_or("") != iss) {
      why += (why.empty() ? "" : "; ") + url + ": its issuer is not " + iss;
      continue;
    }
    auto jwks = find_string(*doc, "jwks_uri");
    if (!jwks || jwks->empty()) co_return Error{errc::kInvalidParams, url + " names no jwks_uri"};
    co_return std::string(*jwks);
  }
  co_return Error{errc::kInternalError, "issuer metadata discovery failed: " + why};
}

Task<Result<std::size_t>> fetch(std::shared_ptr<JwksVerifier::State> s) {
  if (!s->fetches()) co_return Result<std::size_t>(s->snapshot()->size());
  auto now = JwksVerifier::State::steady_now();
  s->last_fetch = now;
  s->next_due = now + JwksVerifier::State::ms(s->opt.min_refresh);  // on failure: retried soon, old keys kept
  auto uri = s->uri();
  if (uri.empty()) {
    auto found = co_await discover(s);
    if (!found) co_return found.error();
    uri = *found;
    std::lock_guard lock(s->mu);
    s->jwks_uri = uri;
  }
  net::Headers headers;
  auto doc = co_await get_json(s, uri, kMaxJwksBytes, &headers);
  if (!doc) co_return Error{errc::kInternalError, "JWKS fetch from " + uri + " failed: " + doc.error().message};
  auto keys = parse_jwks(json::serialize(*doc), s->opt.algorithms);
  if (!keys) co_return keys.error();
  auto ttl = max_age(net::find_header(headers, "cache-control")).value_or(s->opt.refresh_interval.count());
  ttl = std::clamp<std::int64_t>(ttl, s->opt.min_refresh.count(), s->opt.refresh_interval.count());
  s->next_due = JwksVerifier::State::steady_now() + ttl * 1000;
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
    auto now = JwksVerifier::State::steady_now();
    bool due = now >= s->next_due || (s->want_refresh && now - s->last_fetch >= JwksVerifier::State::ms(s->opt.min_refresh));
    if (!due) continue;
    s->want_refresh = false;
    auto r = co_await fetch(s);  // a failure keeps the old keys; retried after min_refresh
    if (!r) spdlog::warn("oauth: external issuer {}: {}", s->opt.issuer, r.error().message);
  }
}

}  // namespace

Task<Result<std::size_t>> JwksVerifier::refresh() { return fetch(state_); }

std::string JwksVerifier::jwks_uri() const { return state_->uri(); }

Result<std::size_t> JwksVerifier::start() {
  auto s = state_;
  if (!s->fetches() || s->thread.joinable()) return s->snapshot()->size();
  std::promise<Result<std::size_t>> first;
  auto fut = first.get_future();
  s->stopping = false;
  s->io.emplace();
  asio::co_spawn(*s->io, first_fetch(s, &first), asio::detached);
  asio::co_spawn(*s->io, keep_fresh(s), asio::detached);
  s->thread = std::thread([io = &*s->io] { io->run(); });
  return fut.get();
}

void JwksVerifier::stop() {
  auto s = state_;
  s->stopping = true;
  if (s->thread.joinable()) {
    s->io->stop();
    s->thread.join();
    s->io.reset();  // destroys the suspended refresher frames, and the references they hold
  }
}

namespace {

constexpr std::string_view kUnknownKey = "unknown signing key";

// `ask_refresher`: an unknown kid asks the refresher thread for a fetch (the synchronous
// check, which cannot wait for one).
std::variant<Principal, std::string> check(const JwksVerifier::State& st, std::string_view token,
                                          const std::string& resource_url, bool ask_refresher = true) {
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
    if (ask_refresher) st.want_refresh = true;  // perhaps rotated: fetch the JWKS again
    return std::string(kUnknownKey);
  }
  if (!verify_jws(*jws, alg, it->second->get())) return std::string("bad token signature");
  return principal_from_claims(jws->payload, o.issuer, true, o.audience.empty() ? resource_url : o.audience, true,
                               o.clock_skew);
}

auth::TokenCheck as_check(std::variant<Principal, std::string> r) {
  auth::TokenCheck out;
  if (auto* p = std::get_if<Principal>(&r)) out.principal = std::move(*p);
  else out.error = std::move(std::get<std::string>(r));
  return out;
}

Task<auth::TokenCheck> check_async(std::shared_ptr<JwksVerifier::State> s, std::string token, std::string resource_url) {
  auto r = check(*s, token, resource_url, false);
  auto* why = std::get_if<std::string>(&r);
  if (why && *why == kUnknownKey && s->fetches() && s->claim_fetch()) {
    auto got = co_await fetch(s);
    if (!got) spdlog::warn("oauth: external issuer {}: {}", s->opt.issuer, got.error().message);
    r = check(*s, token, resource_url, false);
  }
  co_return as_check(std::move(r));
}

}  // namespace

std::variant<Principal, std::string> JwksVerifier::verify(std::string_view token, const std::string& resource_url) const {
  return check(*state_, token, resource_url);
}

auth::TokenVerifier JwksVerifier::token_verifier() const {
  return [s = state_](std::string_view token, const std::string& resource_url) { return check(*s, token, resource_url); };
}

auth::AsyncTokenVerifier JwksVerifier::async_token_verifier() const {
  return [s = state_](std::string token, std::string resource_url) {
    return check_async(s, std::move(token), std::move(resource_url));
  };
}

}  // namespace mcp::authz
