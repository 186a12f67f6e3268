#include "gateway/admin_api.hpp"

#include <mcp/sources/upstream.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace mcp::gateway {
namespace {

using mcp::net::HttpRequest;
using mcp::net::HttpResponse;
namespace json = mcp::json;

constexpr std::string_view kPrefix = "/admin/v1/";
constexpr std::size_t kMaxBody = 256 * 1024;  // far above any valid entry (bounded fields)

HttpResponse error(int status, std::string code, std::string description) {
  return mcp::net::json_response(status, json::serialize(json::object{{"error", code}, {"error_description", description}}));
}

HttpResponse from(const Outcome& o, json::value body = nullptr) {
  static const std::map<int, std::string> codes = {
      {400, "invalid_request"}, {403, "forbidden"}, {404, "not_found"}, {409, "conflict"}};
  if (o.status >= 400) {
    auto it = codes.find(o.status);
    return error(o.status, it == codes.end() ? "error" : it->second, o.message);
  }
  if (o.status == 204) return HttpResponse{204, {}, {}};
  return mcp::net::json_response(o.status, json::serialize(body));
}

// Names of connections and sources are [A-Za-z0-9_-]: anything else in the path is not one.
bool plain_name(std::string_view s) {
  return !s.empty() && s.size() <= 128 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool json_body(const HttpRequest& r) {
  auto ct = r.header("content-type");
  return ct.substr(0, ct.find(';')) == "application/json";
}

class Handler {
 public:
  explicit Handler(AdminApi api) : api_(std::move(api)) {}

  const AdminApi& api() const { return api_; }

  // Tokens here are the ones issued for the MCP endpoint: the admin API is part of the same
  // protected resource.
  std::string resource_url(const HttpRequest& req) const {
    return api_.auth->options().resource.empty()
               ? (req.scheme == "https" ? "https://" : "http://") + std::string(req.header("host")) + api_.cfg->http.path
                                                 : api_.auth->options().resource;
  }

  static HttpResponse no_auth() {
    return error(403, "forbidden", "the admin API needs an auth mode (api_key, header or oauth): with auth mode none "
                                   "nobody can be authorised; use the mcpbridge CLI on the server instead");
  }

  HttpResponse handle(const HttpRequest& req, const std::variant<mcp::Principal, mcp::auth::Refusal>& decided) const {
    if (auto* r = std::get_if<mcp::auth::Refusal>(&decided)) {
      // No credential at all: RFC 6750 gives the challenge no error code; the body still says why.
      auto resp = r->error.empty() ? error(r->status, "unauthorized",
                                           "authentication required: send Authorization: Bearer <access token or API key>")
                                   : error(r->status, r->error, r->description);
      if (!r->www_authenticate.empty()) resp.set("www-authenticate", r->www_authenticate);
      if (r->status == 503) resp.set("retry-after", "5");
      return resp;
    }
    const auto& who = std::get<mcp::Principal>(decided);
    if (who.subject.empty()) return error(403, "forbidden", "the caller has no subject to act as");
    // A delegated OAuth token (an MCP client acting for the user) reaches the admin API only when
    // the user granted it the admin scope; an API key or a proxy's identity is the user's own.
    if (who.method == "oauth" && !who.has_scope(api_.cfg->admin.scope)) {
      auto r = error(403, "insufficient_scope", "the admin API needs an access token with the scope '" +
                                                    api_.cfg->admin.scope + "'");
      r.set("www-authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + api_.cfg->admin.scope + "\"");
      return r;
    }
    if ((req.method == "POST" || req.method == "PUT") && !json_body(req))
      return error(415, "invalid_request", "expected Content-Type: application/json");

    auto path = req.path().substr(kPrefix.size());
    auto seg = segments(path);
    bool admin = who.has_role(api_.cfg->admin.role);
    if (seg.size() == 1 && seg[0] == "me") {
      if (req.method != "GET") return not_allowed("GET");
      json::array roles, scopes;
      for (auto& r : who.roles) roles.push_back(json::string(r));
      for (auto& s : who.scopes) scopes.push_back(json::string(s));
      return mcp::net::json_response(200, json::serialize(json::object{{"subject", who.subject},
                                                                     {"team", who.tenant},
                                                                     {"roles", std::move(roles)},
                                                                     {"scopes", std::move(scopes)},
                                                                     {"method", who.method},
                                                                     {"admin", admin}}));
    }
    if (!seg.empty() && seg[0] == "connections") {
      if (!admin)
        return error(403, "forbidden", "managing connections needs the role '" + api_.cfg->admin.role + "'");
      return connections(req, seg, who);
    }
    if (seg.size() >= 2 && seg[0] == "me" && seg[1] == "credentials") return credentials(req, seg, who);
    return error(404, "not_found", "no such admin resource: " + std::string(req.path()));
  }

 private:
  static HttpResponse not_allowed(const char* allow) {
    auto r = error(405, "invalid_request", std::string("method not allowed (allowed: ") + allow + ")");
    r.set("allow", allow);
    return r;
  }

  HttpResponse connections(const HttpRequest& req, const std::vector<std::string_view>& seg, const mcp::Principal& who) const {
    auto& set = *api_.connections;
    if (seg.size() == 1) {
      if (req.method == "GET") return mcp::net::json_response(200, json::serialize(json::object{{"connections", set.describe()}}));
      if (req.method != "POST") return not_allowed("GET, POST");
      // JSON first (Boost.JSON bounds nesting), then the same reader as the config file's entries.
      if (req.body.size() > kMaxBody) return error(413, "invalid_request", "the connection entry is larger than 256 KiB");
      boost::system::error_code ec;
      if (auto v = json::parse(req.body, ec); ec || !v.is_object())
        return error(400, "invalid_request", "expected a JSON object: a connection entry (docs/connections.md)");
      auto r = set.add(req.body, who.subject);
      if (r.status >= 400) return from(r);
      auto name = added_name(req.body);
      spdlog::info("admin: {} added connection {}", who.subject, name);
      // The new connection as listed (its tools arrive once the upstream has answered).
      for (auto& c : set.describe())
        if (mcp::find_string(c.as_object(), "name").value_or("") == name) return mcp::net::json_response(201, json::serialize(c));
      return from(r, json::object{{"name", name}});
    }
    if (seg.size() == 2 && plain_name(seg[1])) {
      std::string name(seg[1]);
      if (req.method == "GET") {
        for (auto& c : set.describe())
          if (mcp::find_string(c.as_object(), "name").value_or("") == name) return mcp::net::json_response(200, json::serialize(c));
        return error(404, "not_found", "no connection named '" + name + "'");
      }
      if (req.method != "DELETE") return not_allowed("GET, DELETE");
      auto r = set.remove(name);
      if (r.status < 400) spdlog::info("admin: {} removed connection {}", who.subject, name);
      return from(r);
    }
    return error(404, "not_found", "no such admin resource: " + std::string(req.path()));
  }

  // The name in a connection entry the server just accepted (so it parses).
  static std::string added_name(const std::string& body) {
    try {
      return connection_from_yaml(body, "connection").options.name;
    } catch (const std::exception&) {
      return {};
    }
  }

  // Which upstreams keep per-user credentials: connections with per_user, OpenAPI sources with
  // credential.per_user. Returns the connection's options when it is one (to check the secret).
  bool per_user_upstream(const std::string& name, std::optional<mcp::upstream::ConnectionOptions>& conn) const {
    if (auto c = api_.connections ? api_.connections->find(name) : std::nullopt) {
      // OAuth connections get their tokens through the browser sign-in, not a pasted secret.
      if (c->config.options.auth == mcp::upstream::AuthMethod::none || c->config.options.auth == mcp::upstream::AuthMethod::oauth ||
          !c->config.options.per_user)
        return false;
      conn = c->config.options;
      return true;
    }
    for (auto& o : api_.cfg->openapi)
      if (o.upstream.name == name) return o.upstream.credential.per_user;
    return false;
  }

  // Why `secret` is no usable credential for the upstream ("" when it is): a connection's makes
  // valid headers; an OpenAPI source's is one header-safe value.
  static std::string check_secret(const std::optional<mcp::upstream::ConnectionOptions>& conn, const std::string& secret) {
    namespace bounds = mcp::upstream::bounds;
    if (secret.size() > bounds::kCredential)
      return "the credential is longer than " + std::to_string(bounds::kCredential) + " bytes";
    if (conn) {
      auto h = mcp::upstream::Connection::headers_for(*conn, secret);
      return h ? std::string() : h.error().message;
    }
    if (!mcp::upstream::plain_text(secret, bounds::kHeaderValue, true))
      return "the secret must be 1 to " + std::to_string(bounds::kHeaderValue) +
             " visible ASCII characters (no line breaks or other control characters)";
    return {};
  }

  HttpResponse credentials(const HttpRequest& req, const std::vector<std::string_view>& seg, const mcp::Principal& who) const {
    if (!api_.vault)
      return error(409, "conflict", "the server keeps no per-user credentials: it has no vault key (MCPBRIDGE_VAULT_KEY)");
    if (seg.size() == 2) {
      if (req.method != "GET") return not_allowed("GET");
      json::array out;
      for (auto& e : api_.vault->list(who.subject))
        out.push_back(json::object{{"upstream", e.upstream}, {"updated_at", e.updated_at}});
      return mcp::net::json_response(200, json::serialize(json::object{{"credentials", std::move(out)}}));
    }
    if (seg.size() != 3 || !plain_name(seg[2])) return error(404, "not_found", "no such admin resource: " + std::string(req.path()));
    std::string upstream(seg[2]);
    if (req.method == "DELETE") {
      if (!api_.vault->remove(who.subject, upstream))
        return error(404, "not_found", who.subject + " has no credential for '" + upstream + "'");
      spdlog::info("admin: {} removed their credential for {}", who.subject, upstream);
      return HttpResponse{204, {}, {}};
    }
    if (req.method != "PUT") return not_allowed("PUT, DELETE");
    std::optional<mcp::upstream::ConnectionOptions> conn;
    if (!per_user_upstream(upstream, conn))
      return error(404, "not_found", "'" + upstream + "' is not a connection or OpenAPI source with per-user credentials");
    json::value body;
    boost::system::error_code ec;
    body = json::parse(req.body, ec);
    if (ec || !body.is_object()) return error(400, "invalid_request", "expected a JSON object: {\"secret\": \"...\"} or {\"headers\": {...}}");
    std::string secret;
    if (auto s = mcp::find_string(body.as_object(), "secret")) secret = std::string(*s);
    else if (auto* h = mcp::find_object(body.as_object(), "headers"); h && conn) secret = json::serialize(*h);
    if (secret.empty())
      return error(400, "invalid_request", conn ? "expected \"secret\" (a non-empty string) or \"headers\" (an object)"
                                                : "expected \"secret\" (a non-empty string)");
    // Checked here, for this user: a credential that could not make a request must never reach
    // the vault, where calls (and the connection's tool listing) would meet it.
    if (auto why = check_secret(conn, secret); !why.empty()) return error(400, "invalid_request", why);
    api_.vault->put(who.subject, upstream, secret);
    if (conn) api_.connections->signed_in(upstream);
    spdlog::info("admin: {} stored their credential for {}", who.subject, upstream);
    return HttpResponse{204, {}, {}};
  }

  AdminApi api_;
};

// The decision and the handling both ask the store (a key not cached; connections and
// credentials): awaited, so that the event loop serves other requests meanwhile.
mcp::Task<HttpResponse> serve(std::shared_ptr<const Handler> h, HttpRequest req) {
  auto auth = h->api().auth;
  if (!auth) co_return Handler::no_auth();
  std::variant<mcp::Principal, mcp::auth::Refusal> decided;
  mcp::auth::Authenticator::HeaderLookup headers = [&req](std::string_view n) { return req.header(n); };
  if (auth->needs_async(headers)) {
    auto deciding = auth->authenticate_async(headers, h->resource_url(req));
    decided = co_await std::move(deciding);
  } else {
    decided = auth->authenticate(headers, h->resource_url(req));
  }
  const auto& db = h->api().store;
  if (!db || std::holds_alternative<mcp::auth::Refusal>(decided)) co_return h->handle(req, decided);
  // The whole request on the store's pool: its store calls (the connection set's, the vault's)
  // and the connection set's lock, which a sync from the store may hold, are waited for there.
  co_return co_await db.call([&h, &req, &decided](mcp::store::Store&) { return h->handle(req, decided); });
}

}  // namespace

std::vector<mcp::net::HttpRoute> admin_routes(AdminApi api) {
  auto h = std::make_shared<Handler>(std::move(api));
  mcp::net::RouteHandler handler = [h](HttpRequest req) { return serve(h, std::move(req)); };
  return {mcp::net::HttpRoute{std::string(kPrefix), true, std::move(handler)}};
}

}  // namespace mcp::gateway
