// RFC 7662 token introspection for an external authorization server. Tokens are kept only as
// SHA-256 keys of the positive-answer cache; the answer's claims are re-checked against each
// request's resource, so one cached answer never admits a token to a resource it is not for.
#include "authz/claims.hpp"
#include "authz/server_impl.hpp"

#include <mcp/core/encoding.hpp>

#include <spdlog/spdlog.h>

#include <unordered_map>

namespace mcp::authz {

struct IntrospectionVerifier::State {
  IntrospectionOptions opt;
  std::mutex mu;
  struct Entry {
    json::object claims;
    std::int64_t until;  // unix seconds
  };
  std::unordered_map<std::string, Entry> cache;  // by sha256_hex(token)
};

IntrospectionVerifier::IntrospectionVerifier(IntrospectionOptions options) : state_(std::make_shared<State>()) {
  state_->opt = std::move(options);
  if (state_->opt.endpoint.empty()) throw std::runtime_error("introspection: the endpoint is required");
  if (!state_->opt.http_client) throw std::runtime_error("introspection: needs an HTTP client");
}

namespace {

auth::TokenCheck refused(std::string why) {
  auth::TokenCheck c;
  c.error = std::move(why);
  return c;
}

auth::TokenCheck unavailable(std::string why) {
  auth::TokenCheck c;
  c.error = "token introspection failed: " + std::move(why);
  c.unavailable = true;
  return c;
}

auth::TokenCheck judge(const IntrospectionOptions& o, const json::object& claims, const std::string& resource_url) {
  auto r = principal_from_claims(claims, o.issuer, false, o.audience.empty() ? resource_url : o.audience, false,
                                 o.clock_skew);
  if (auto* why = std::get_if<std::string>(&r)) return refused(std::move(*why));
  auth::TokenCheck c;
  c.principal = std::move(std::get<Principal>(r));
  return c;
}

Task<auth::TokenCheck> introspect(std::shared_ptr<IntrospectionVerifier::State> s, std::string token,
                                  std::string resource_url) {
  const auto& o = s->opt;
  if (token.size() > 16 * 1024) co_return refused("token too long");
  auto key = sha256_hex(token);
  auto now = store::unix_now();
  {
    std::lock_guard lock(s->mu);
    if (auto it = s->cache.find(key); it != s->cache.end()) {
      if (it->second.until > now) co_return judge(o, it->second.claims, resource_url);
      s->cache.erase(it);
    }
  }
  net::ClientRequest rq;
  rq.method = "POST";
  rq.url = o.endpoint;
  rq.headers = {{"content-type", "application/x-www-form-urlencoded"}, {"accept", "application/json"}};
  if (!o.client_id.empty())  // client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1)
    rq.headers.emplace_back("authorization",
                            "Basic " + base64_encode(url_encode(o.client_id) + ":" + url_encode(o.client_secret)));
  rq.body = "token=" + url_encode(token) + "&token_type_hint=access_token";
  rq.timeout = o.timeout;
  rq.max_body_bytes = 64 << 10;
  auto got = co_await o.http_client->send(std::move(rq));
  if (!got) co_return unavailable(got.error().message);
  if (got->status != 200) co_return unavailable("the endpoint answered " + std::to_string(got->status));
  boost::system::error_code ec;
  auto v = json::parse(got->body, ec);
  if (ec || !v.is_object()) co_return unavailable("the answer is not a JSON object");
  auto& claims = v.get_object();
  auto* active = find(claims, "active");
  if (!active || !active->is_bool() || !active->get_bool()) co_return refused("token is not active");
  auto verdict = judge(o, claims, resource_url);
  if (verdict.principal || verdict.error == "token is not for this resource (audience)") {
    // Active: cached until min(exp, now + cache_ttl), whatever resource asked.
    auto until = now + o.cache_ttl.count();
    if (auto* exp = find(claims, "exp"); exp && as_number(*exp))
      until = std::min<std::int64_t>(until, static_cast<std::int64_t>(*as_number(*exp)));
    std::lock_guard lock(s->mu);
    if (s->cache.size() >= o.max_cached) {
      for (auto it = s->cache.begin(); it != s->cache.end();) it = it->second.until <= now ? s->cache.erase(it) : std::next(it);
      if (s->cache.size() >= o.max_cached) s->cache.clear();
    }
    if (until > now) s->cache[key] = IntrospectionVerifier::State::Entry{std::move(claims), until};
  }
  co_return verdict;
}

}  // namespace

Task<auth::TokenCheck> IntrospectionVerifier::check(std::string token, std::string resource_url) const {
  return introspect(state_, std::move(token), std::move(resource_url));
}

auth::AsyncTokenVerifier IntrospectionVerifier::async_token_verifier() const {
  return [s = state_](std::string token, std::string resource_url) {
    return introspect(s, std::move(token), std::move(resource_url));
  };
}

}  // namespace mcp::authz
