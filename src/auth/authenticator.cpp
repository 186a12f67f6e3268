#include <mcp/auth/auth.hpp>

#include <mcp/core/encoding.hpp>

#include <tuple>

namespace mcp::auth {
namespace {

constexpr std::string_view kKeyPrefix = "mcpb_";

// Whether `options` accept `m` (auth.methods, else auth.mode alone).
bool lists(const AuthOptions& options, Mode m) {
  if (options.methods.empty()) return options.mode == m;
  return std::find(options.methods.begin(), options.methods.end(), m) != options.methods.end();
}

// An RFC 7230 quoted-string; control characters (never valid in a header) become '?'.
std::string quote(std::string_view v) {
  std::string s = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') s += '\\';
    s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  return s + "\"";
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (c == ' ' || c == ',') {
      if (!w.empty()) out.push_back(std::move(w)), w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// The bearer token of an Authorization header ("" if none or another scheme).
std::string_view bearer(std::string_view h) {
  if (h.size() < 7) return {};
  std::string scheme(h.substr(0, 7));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  return h;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view n) {
  size_t pi = 0, ni = 0, star = std::string_view::npos, mark = 0;
  while (ni < n.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ni;
    } else if (pi < p.size() && p[pi] == n[ni]) {
      ++pi;
      ++ni;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

NewApiKey make_api_key(std::string user, std::string team, std::vector<std::string> scopes, std::string label,
                       std::int64_t expires_at) {
  NewApiKey k;
  k.secret = std::string(kKeyPrefix) + random_token(32);
  k.record.id = "k_" + random_token(9);
  k.record.hash = sha256_hex(k.secret);
  k.record.user = std::move(user);
  k.record.team = std::move(team);
  k.record.scopes = std::move(scopes);
  k.record.label = std::move(label);
  k.record.created_at = store::unix_now();
  k.record.expires_at = expires_at;
  return k;
}

Authenticator::Authenticator(AuthOptions options, std::shared_ptr<store::Store> store)
    : Authenticator(lists(options, Mode::api_key) && store ? store::AsyncStore(store) : store::AsyncStore(), options,
                    store) {}

Authenticator::Authenticator(AuthOptions options, store::AsyncStore store)
    : Authenticator(store, std::move(options), store.store()) {}

Authenticator::Authenticator(store::AsyncStore db, AuthOptions options, std::shared_ptr<store::Store> store)
    : options_(std::move(options)), store_(std::move(store)), db_(std::move(db)) {
  for (auto m : options_.methods.empty() ? std::vector<Mode>{options_.mode} : options_.methods)
    if (m != Mode::none && !accepts(m)) methods_.push_back(m);
  if (store_ && accepts(Mode::api_key))
    feed_ = store_->watch([this](std::string_view kind) {
      // A key revoked, or its user's roles changed, on another replica or by the CLI.
      if (kind != "api_key" && kind != "user" && kind != "*") return;
      std::lock_guard lock(cache_mu_);
      cache_.clear();
      ++cache_generation_;
    });
}

std::string Authenticator::metadata_url(const std::string& resource_url) const {
  // RFC 9728 §3.1: the well-known path is inserted between the host and the resource's path.
  auto scheme_end = resource_url.find("://");
  auto path_start = scheme_end == std::string::npos ? std::string::npos : resource_url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? resource_url : resource_url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : resource_url.substr(path_start);
  if (path == "/") path.clear();
  return origin + "/.well-known/oauth-protected-resource" + path;
}

json::object Authenticator::protected_resource_metadata(const std::string& resource_url) const {
  json::array servers, scopes;
  for (auto& s : options_.authorization_servers) servers.push_back(json::string(s));
  for (auto& s : options_.scopes_supported) scopes.push_back(json::string(s));
  json::object o{{"resource", resource_url},
                 {"authorization_servers", std::move(servers)},
                 {"bearer_methods_supported", json::array{"header"}},
                 {"resource_name", "mcpbridge"}};
  if (!scopes.empty()) o["scopes_supported"] = std::move(scopes);
  return o;
}

Refusal Authenticator::unauthorized(const std::string& resource_url, std::string error, std::string description) const {
  // RFC 6750 §3; resource_metadata (RFC 9728 §5.1) and scope only where OAuth can answer them.
  std::vector<std::string> params;
  if (!offers_oauth()) {
    params.push_back("realm=\"mcpbridge\"");
  } else {
    params.push_back("resource_metadata=" + quote(metadata_url(resource_url)));
    std::string scope;
    for (auto& s : options_.scopes_supported) scope += (scope.empty() ? "" : " ") + s;
    if (!scope.empty()) params.push_back("scope=" + quote(scope));
  }
  if (!error.empty()) {
    params.push_back("error=" + quote(error));
    params.push_back("error_description=" + quote(description));
  }
  std::string h = "Bearer";
  for (size_t i = 0; i < params.size(); ++i) h += (i ? ", " : " ") + params[i];
  return Refusal{401, std::move(h), std::move(error), std::move(description)};
}

std::optional<Authenticator::Cached> Authenticator::cached(const std::string& hash, std::uint64_t& generation) {
  std::lock_guard lock(cache_mu_);
  if (auto it = cache_.find(hash);
      it != cache_.end() && std::chrono::steady_clock::now() - it->second.at < options_.key_cache_ttl)
    return it->second;
  generation = cache_generation_;
  return std::nullopt;
}

void Authenticator::keep(const std::string& hash, const Cached& found, std::uint64_t generation) {
  std::lock_guard lock(cache_mu_);
  // A change notice came while we read: what we read may be older than it, so not kept.
  if (generation != cache_generation_) return;
  if (cache_.size() > 100000) cache_.clear();  // bounded: unknown keys must not grow it forever
  cache_[hash] = found;
}

namespace {

// The key and, for a key without scopes, its user's roles: read together and cached together,
// so that a request with a cached key asks the store nothing (a shared store is a round trip).
std::pair<std::optional<store::ApiKey>, std::vector<std::string>> read_key(store::Store& s, const std::string& hash) {
  std::pair<std::optional<store::ApiKey>, std::vector<std::string>> out{s.find_api_key_by_hash(hash), {}};
  if (out.first && out.first->scopes.empty())
    if (auto u = s.find_user(out.first->user)) out.second = u->roles;
  return out;
}

}  // namespace

Authenticator::Cached Authenticator::lookup_key(const std::string& hash) {
  std::uint64_t generation = 0;
  if (auto hit = cached(hash, generation)) return *hit;
  auto now = std::chrono::steady_clock::now();
  Cached found{std::nullopt, {}, now};
  if (store_) std::tie(found.key, found.roles) = read_key(*store_, hash);
  keep(hash, found, generation);
  return found;
}

// The same, with the store's reads on its pool (one hop for both).
Task<Authenticator::Cached> Authenticator::lookup_key_async(std::string hash) {
  std::uint64_t generation = 0;
  if (auto hit = cached(hash, generation)) co_return *hit;
  Cached found{std::nullopt, {}, std::chrono::steady_clock::now()};
  std::tie(found.key, found.roles) = co_await db_.call([&hash](store::Store& s) { return read_key(s, hash); });
  keep(hash, found, generation);
  co_return found;
}

std::string_view Authenticator::presented_key(const HeaderLookup& header) const {
  std::string_view key = bearer(header("authorization"));
  if (key.empty() && !options_.api_key_header.empty()) key = header(options_.api_key_header);
  return key;
}

bool Authenticator::needs_async(const HeaderLookup& header) {
  auto method = method_of(header);
  if (method == Mode::oauth) return options_.async_token_verifier != nullptr;
  if (method != Mode::api_key || !db_) return false;
  auto key = presented_key(header);
  std::uint64_t generation = 0;
  return !key.empty() && !cached(sha256_hex(key), generation);
}

Task<std::variant<Principal, Refusal>> Authenticator::authenticate_async(const HeaderLookup& header,
                                                                      std::string resource_url) {
  auto method = method_of(header);
  if (method == Mode::api_key && db_) return authenticate_key(std::string(presented_key(header)), resource_url);
  if (method == Mode::oauth && needs_async()) return authenticate_async(std::string(header("authorization")), std::move(resource_url));
  return [](std::variant<Principal, Refusal> d) -> Task<std::variant<Principal, Refusal>> { co_return d; }(
      authenticate(header, resource_url));
}

Task<std::variant<Principal, Refusal>> Authenticator::authenticate_key(std::string key, std::string resource_url) {
  if (key.empty()) co_return std::variant<Principal, Refusal>(unauthorized(resource_url, "", "an API key is required"));
  auto found = co_await lookup_key_async(sha256_hex(key));
  co_return decide_key(key, std::move(found), resource_url);
}

std::variant<Principal, Refusal> Authenticator::decide_key(std::string_view key, Cached found,
                                                           const std::string& resource_url) {
  const auto& rec = found.key;
  auto failed = [&](std::string_view outcome, const std::string& why) {
    json::object line{{"audit", "auth.api_key"}, {"outcome", outcome}, {"key", fingerprint(key)}};
    if (rec) {
      line["key_id"] = rec->id;
      line["user"] = rec->user;
    }
    audit_event(std::move(line));
    return unauthorized(resource_url, "invalid_token", why);
  };
  if (!rec) return failed("unknown", "unknown API key");
  auto now = store::unix_now();
  if (rec->revoked_at) return failed("revoked", "API key revoked");
  if (rec->expires_at && rec->expires_at <= now) return failed("expired", "API key expired");
  Principal p;
  p.subject = rec->user;
  p.tenant = rec->team;
  p.scopes = rec->scopes;
  // A key without scopes carries its user's roles; a narrowed key carries only its scopes.
  if (rec->scopes.empty()) p.roles = std::move(found.roles);
  p.method = "api_key";
  p.credential = rec->id;
  return p;
}

Mode Authenticator::method_of(const HeaderLookup& header) const {
  // A proxy proves itself with its secret header; API keys carry their prefix (OAuth access
  // tokens are JWTs); any other bearer is for the OAuth verifier, or else a key without it.
  if (accepts(Mode::header) && !header(options_.proxy_secret_header).empty()) return Mode::header;
  auto token = bearer(header("authorization"));
  if (accepts(Mode::api_key)) {
    if (!options_.api_key_header.empty() && !header(options_.api_key_header).empty()) return Mode::api_key;
    if (!token.empty() && (token.starts_with(kKeyPrefix) || !accepts(Mode::oauth))) return Mode::api_key;
  }
  return accepts(Mode::oauth) && !token.empty() ? Mode::oauth : Mode::none;
}

std::variant<Principal, Refusal> Authenticator::authenticate(const HeaderLookup& header,
                                                             const std::string& resource_url) {
  switch (method_of(header)) {
    case Mode::none: {
      if (methods_.empty()) return Principal{};
      // Without OAuth, the one method there is says what is missing.
      std::string_view missing = accepts(Mode::oauth)      ? ""
                                 : accepts(Mode::api_key)  ? "an API key is required"
                                                           : "identity headers not trusted";
      return unauthorized(resource_url, "", std::string(missing));
    }
    case Mode::header: {
      // Only a proxy that knows the shared secret may name the user.
      auto secret = header(options_.proxy_secret_header);
      if (options_.proxy_secret.empty() || !constant_time_equal(secret, options_.proxy_secret))
        return unauthorized(resource_url, secret.empty() ? "" : "invalid_token", "identity headers not trusted");
      auto user = header(options_.identity_header);
      if (user.empty()) return unauthorized(resource_url, "invalid_request", "no user identity header");
      Principal p;
      p.subject = std::string(user);
      p.tenant = std::string(header(options_.team_header));
      p.roles = words(header(options_.roles_header));
      p.method = "header";
      p.credential = "proxy";
      return p;
    }
    case Mode::api_key: {
      std::string_view key = presented_key(header);
      if (key.empty()) return unauthorized(resource_url, "", "an API key is required");
      return decide_key(key, lookup_key(sha256_hex(key)), resource_url);
    }
    case Mode::oauth: {
      // Tokens only from the Authorization header (RFC 6750 §2.1; never query or body).
      std::string_view token = bearer(header("authorization"));
      if (token.starts_with(kKeyPrefix))
        return unauthorized(resource_url, "invalid_token", "API keys are not accepted here (auth.methods)");
      if (!options_.token_verifier) return unauthorized(resource_url, "invalid_token", "no token verifier configured");
      auto checked = options_.token_verifier(token, resource_url);
      if (auto* why = std::get_if<std::string>(&checked)) return unauthorized(resource_url, "invalid_token", *why);
      auto p = std::get<Principal>(std::move(checked));
      p.bearer_token = std::make_shared<const std::string>(token);  // for explicit passthrough only
      return p;
    }
  }
  return unauthorized(resource_url, "", "");
}

Task<std::variant<Principal, Refusal>> Authenticator::authenticate_async(std::string authorization,
                                                                      std::string resource_url) {
  using Out = std::variant<Principal, Refusal>;
  std::string token(bearer(authorization));
  // An API key (or nothing) is not the verifier's to check.
  auto only_authorization = [&](std::string_view n) -> std::string_view {
    return n == "authorization" ? std::string_view(authorization) : std::string_view();
  };
  if (method_of(only_authorization) != Mode::oauth || token.starts_with(kKeyPrefix))
    co_return authenticate(only_authorization, resource_url);
  auto checked = co_await options_.async_token_verifier(token, resource_url);
  if (checked.principal) {
    checked.principal->bearer_token = std::make_shared<const std::string>(std::move(token));  // explicit passthrough only
    co_return Out(std::move(*checked.principal));
  }
  if (checked.unavailable) co_return Out(Refusal{503, "", "temporarily_unavailable", checked.error});
  co_return Out(unauthorized(resource_url, "invalid_token", checked.error));
}

bool Authenticator::may_call(const Principal& p, std::string_view tool) const {
  if (options_.permissions.empty()) return true;
  for (auto& rule : options_.permissions) {
    bool who = rule.scopes.empty() && rule.roles.empty();
    for (auto& s : rule.scopes) who = who || p.has_scope(s);
    for (auto& r : rule.roles) who = who || p.has_role(r);
    if (!who) continue;
    for (auto& t : rule.tools)
      if (glob_match(t, tool)) return true;
  }
  return false;
}

std::vector<std::string> Authenticator::scopes_for(std::string_view tool) const {
  std::vector<std::string> out;
  for (auto& rule : options_.permissions)
    for (auto& t : rule.tools)
      if (glob_match(t, tool))
        for (auto& s : rule.scopes)
          if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

Refusal Authenticator::insufficient_scope(std::string_view tool, const std::string& resource_url) const {
  std::string scope;
  for (auto& s : scopes_for(tool)) scope += (scope.empty() ? "" : " ") + s;
  std::string desc = "not permitted to call " + std::string(tool);
  std::string h = "Bearer error=\"insufficient_scope\", scope=" + quote(scope) +
                  (offers_oauth() ? ", resource_metadata=" + quote(metadata_url(resource_url)) : "") +
                  ", error_description=" + quote(desc);
  return Refusal{403, std::move(h), "insufficient_scope", std::move(desc)};
}

}  // namespace mcp::auth
