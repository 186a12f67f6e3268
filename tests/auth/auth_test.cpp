// The resource server (the store's own tests are in tests/store): API keys, proxy identity
// headers, challenges, RFC 9728 metadata, per-tool permissions, and sessions bound to their
// principal.
#include <mcp/auth/auth.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/store/store.hpp>

#include "http/streamable_http.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace {

using mcp::auth::Authenticator;
using mcp::auth::AuthOptions;
using mcp::auth::Mode;
using mcp::auth::Refusal;

std::string temp_db() {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("mcpbridge_auth_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".db");
  std::filesystem::remove(p);
  return p.string();
}

TEST(ApiKey, RecognisablePrefixAndHashedRecord) {
  auto k = mcp::auth::make_api_key("u", "t", {}, "", 0);
  EXPECT_EQ(k.secret.rfind("mcpb_", 0), 0u);
  EXPECT_EQ(k.record.hash, mcp::sha256_hex(k.secret));
  EXPECT_EQ(k.record.hash.find(k.secret), std::string::npos);
  EXPECT_NE(mcp::auth::make_api_key("u", "t", {}, "", 0).secret, k.secret);
}

TEST(Password, ScryptRoundTrip) {
  auto h = mcp::auth::hash_password("correct horse");
  EXPECT_EQ(h.rfind("scrypt$", 0), 0u);
  EXPECT_TRUE(mcp::auth::verify_password("correct horse", h));
  EXPECT_FALSE(mcp::auth::verify_password("correct horsE", h));
  EXPECT_FALSE(mcp::auth::verify_password("x", "scrypt$1099511627776$8$1$AAAA$AAAA"));  // absurd cost refused
  EXPECT_FALSE(mcp::auth::verify_password("x", "garbage"));
}

TEST(Glob, Matches) {
  EXPECT_TRUE(mcp::auth::glob_match("*", "anything"));
  EXPECT_TRUE(mcp::auth::glob_match("get_*", "get_pet"));
  EXPECT_FALSE(mcp::auth::glob_match("get_*", "delete_pet"));
  EXPECT_TRUE(mcp::auth::glob_match("a*b*c", "aXbYc"));
  EXPECT_FALSE(mcp::auth::glob_match("echo", "echo2"));
}

struct Headers {
  std::map<std::string, std::string> h;
  Authenticator::HeaderLookup lookup() const {
    return [this](std::string_view n) -> std::string_view {
      auto it = h.find(std::string(n));
      return it == h.end() ? std::string_view() : std::string_view(it->second);
    };
  }
};

class KeyAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    store = mcp::store::open_sqlite(temp_db());
    store->put_user({"alice", "eng", {"admin"}, "", 1});
    full = mcp::auth::make_api_key("alice", "eng", {}, "", 0);
    narrow = mcp::auth::make_api_key("alice", "eng", {"tools:read"}, "", 0);
    expired = mcp::auth::make_api_key("alice", "eng", {}, "", mcp::store::unix_now() - 10);
    for (auto* k : {&full, &narrow, &expired}) store->put_api_key(k->record);
    AuthOptions o;
    o.mode = Mode::api_key;
    o.api_key_header = "x-api-key";
    o.scopes_supported = {"tools:read"};
    o.key_cache_ttl = std::chrono::seconds(0);
    o.permissions = {{{"tools:read"}, {}, {"echo"}}, {{}, {"admin"}, {"*"}}};
    auth = std::make_unique<Authenticator>(o, store);
  }
  std::variant<mcp::Principal, Refusal> check(Headers h) {
    return auth->authenticate(h.lookup(), "https://mcp.example.com/mcp");
  }
  std::shared_ptr<mcp::store::Store> store;
  mcp::auth::NewApiKey full, narrow, expired;
  std::unique_ptr<Authenticator> auth;
};

TEST_F(KeyAuth, BearerOrConfiguredHeader) {
  auto a = check({{{"authorization", "Bearer " + full.secret}}});
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(a));
  auto& p = std::get<mcp::Principal>(a);
  EXPECT_EQ(p.subject, "alice");
  EXPECT_EQ(p.tenant, "eng");
  EXPECT_EQ(p.method, "api_key");
  EXPECT_EQ(p.credential, full.record.id);
  EXPECT_TRUE(p.has_role("admin"));
  EXPECT_TRUE(std::holds_alternative<mcp::Principal>(check({{{"x-api-key", full.secret}}})));
  // Tokens are taken from headers only; other schemes are not bearer tokens.
  EXPECT_TRUE(std::holds_alternative<Refusal>(check({{{"authorization", "Basic " + full.secret}}})));
}

// Without OAuth there is no authorization server to point at: a resource_metadata challenge
// sent OAuth-capable clients (mcp-remote, the Inspector) into dynamic registration against
// nothing ("DCR rejected (404)") instead of telling their user that the key is wrong.
TEST_F(KeyAuth, RefusalsCarryAPlainBearerChallenge) {
  auto none = std::get<Refusal>(check({}));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.www_authenticate, "Bearer realm=\"mcpbridge\"");
  EXPECT_EQ(none.description, "an API key is required");
  auto unknown = std::get<Refusal>(check({{{"authorization", "Bearer mcpb_nope"}}}));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.error, "invalid_token");
  EXPECT_EQ(unknown.www_authenticate,
            "Bearer realm=\"mcpbridge\", error=\"invalid_token\", error_description=\"unknown API key\"");
  EXPECT_FALSE(auth->offers_oauth());
  EXPECT_EQ(auth->insufficient_scope("add", "https://mcp.example.com/mcp").www_authenticate.find("resource_metadata"),
            std::string::npos);
  EXPECT_EQ(std::get<Refusal>(check({{{"authorization", "Bearer " + expired.secret}}})).description, "API key expired");
  store->revoke_api_key(full.record.id, mcp::store::unix_now());
  EXPECT_EQ(std::get<Refusal>(check({{{"authorization", "Bearer " + full.secret}}})).description, "API key revoked");
}

TEST_F(KeyAuth, PermissionsAndNarrowedKeys) {
  auto admin = std::get<mcp::Principal>(check({{{"authorization", "Bearer " + full.secret}}}));
  auto reader = std::get<mcp::Principal>(check({{{"authorization", "Bearer " + narrow.secret}}}));
  EXPECT_TRUE(auth->may_call(admin, "delete_everything"));
  EXPECT_TRUE(auth->may_call(reader, "echo"));
  EXPECT_FALSE(auth->may_call(reader, "add"));  // a narrowed key does not inherit the user's roles
  auto r = auth->insufficient_scope("echo", "https://mcp.example.com/mcp");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.www_authenticate.find("error=\"insufficient_scope\""), std::string::npos);
  EXPECT_NE(r.www_authenticate.find("scope=\"tools:read\""), std::string::npos);
}

TEST(Challenge, ResourceMetadataOnlyWhereOAuthCanAnswer) {
  AuthOptions o;
  o.mode = Mode::oauth;
  o.authorization_servers = {"https://as.example.com"};
  o.scopes_supported = {"mcp"};
  o.token_verifier = [](std::string_view, const std::string&) -> std::variant<mcp::Principal, std::string> {
    return std::string("bad token signature");
  };
  Authenticator oauth(o, nullptr);
  EXPECT_TRUE(oauth.offers_oauth());
  auto bad = std::get<Refusal>(oauth.authenticate(Headers{{{"authorization", "Bearer x"}}}.lookup(), "https://h/mcp"));
  EXPECT_EQ(bad.www_authenticate,
            "Bearer resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\", "
            "error=\"invalid_token\", error_description=\"bad token signature\"");
  // Header mode, and oauth mode naming no authorization server, have nothing to discover.
  o.authorization_servers.clear();
  EXPECT_FALSE(Authenticator(o, nullptr).offers_oauth());
  o.mode = Mode::header;
  o.proxy_secret = "s";
  Authenticator header(o, nullptr);
  EXPECT_FALSE(header.offers_oauth());
  auto wrong = std::get<Refusal>(header.authenticate(Headers{{{"x-mcpbridge-proxy-secret", "guess"}}}.lookup(), "https://h/mcp"));
  EXPECT_EQ(wrong.www_authenticate,
            "Bearer realm=\"mcpbridge\", error=\"invalid_token\", error_description=\"identity headers not trusted\"");
}

TEST(HeaderAuth, OnlyATrustedProxyMayNameTheUser) {
  AuthOptions o;
  o.mode = Mode::header;
  o.proxy_secret = "s3cret-shared-with-the-proxy";
  Authenticator a(o, nullptr);
  auto ask = [&](std::map<std::string, std::string> h) { return a.authenticate(Headers{h}.lookup(), "http://h/mcp"); };
  auto ok = ask({{"x-mcpbridge-user", "bob"}, {"x-mcpbridge-team", "ops"}, {"x-mcpbridge-roles", "admin, dev"},
                 {"x-mcpbridge-proxy-secret", "s3cret-shared-with-the-proxy"}});
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(ok));
  EXPECT_EQ(std::get<mcp::Principal>(ok).roles, (std::vector<std::string>{"admin", "dev"}));
  EXPECT_EQ(std::get<Refusal>(ask({{"x-mcpbridge-user", "bob"}})).status, 401);
  EXPECT_EQ(std::get<Refusal>(ask({{"x-mcpbridge-user", "bob"}, {"x-mcpbridge-proxy-secret", "guess"}})).status, 401);
}

// OAuth for people in their hosts and API keys for scripts on one endpoint (and a trusted
// proxy's identity beside them): each credential goes to its method by its form, and a refusal
// still points OAuth clients at the protected-resource metadata.
TEST_F(KeyAuth, OAuthApiKeysAndAProxyOnOneEndpoint) {
  AuthOptions o;
  o.methods = {Mode::oauth, Mode::api_key, Mode::header};
  o.proxy_secret = "proxy-s3cret";
  o.authorization_servers = {"https://as.example.com"};
  o.key_cache_ttl = std::chrono::seconds(0);
  o.token_verifier = [](std::string_view token, const std::string&) -> std::variant<mcp::Principal, std::string> {
    if (token != "eyJ.good.jwt") return std::string("bad token signature");
    mcp::Principal p;
    p.subject = "carol";
    p.method = "oauth";
    return p;
  };
  Authenticator a(o, store);
  EXPECT_TRUE(a.offers_oauth());
  auto ask = [&](Headers h) { return a.authenticate(h.lookup(), "https://h/mcp"); };
  auto by_token = ask({{{"authorization", "Bearer eyJ.good.jwt"}}});
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(by_token));
  EXPECT_EQ(std::get<mcp::Principal>(by_token).subject, "carol");
  auto by_key = ask({{{"authorization", "Bearer " + full.secret}}});
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(by_key));
  EXPECT_EQ(std::get<mcp::Principal>(by_key).method, "api_key");
  auto by_proxy = ask({{{"x-mcpbridge-proxy-secret", "proxy-s3cret"}, {"x-mcpbridge-user", "dave"}}});
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(by_proxy));
  EXPECT_EQ(std::get<mcp::Principal>(by_proxy).subject, "dave");
  // Refusals: each names its method's reason; all advertise OAuth (RFC 9728).
  auto none = std::get<Refusal>(ask({}));
  EXPECT_EQ(none.www_authenticate, "Bearer resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\"");
  auto bad_key = std::get<Refusal>(ask({{{"authorization", "Bearer mcpb_nope"}}}));
  EXPECT_EQ(bad_key.description, "unknown API key");
  EXPECT_NE(bad_key.www_authenticate.find("resource_metadata="), std::string::npos);
  EXPECT_EQ(std::get<Refusal>(ask({{{"authorization", "Bearer eyJ.forged"}}})).description, "bad token signature");
  EXPECT_EQ(std::get<Refusal>(ask({{{"x-mcpbridge-proxy-secret", "guess"}, {"x-mcpbridge-user", "dave"}}})).description,
            "identity headers not trusted");

  // Without api_key among the methods a key is refused as such, not as a malformed token; a
  // proxy's headers are not trusted where header is not a method.
  o.methods = {Mode::oauth};
  Authenticator oauth_only(o, store);
  EXPECT_EQ(std::get<Refusal>(oauth_only.authenticate(Headers{{{"authorization", "Bearer " + full.secret}}}.lookup(),
                                                      "https://h/mcp"))
                .description,
            "API keys are not accepted here (auth.methods)");
  EXPECT_TRUE(std::holds_alternative<Refusal>(oauth_only.authenticate(
      Headers{{{"x-mcpbridge-proxy-secret", "proxy-s3cret"}, {"x-mcpbridge-user", "dave"}}}.lookup(), "https://h/mcp")));
}

// With an asynchronous token check (a shared store, an introspecting issuer) an API key never
// goes to the verifier: it is awaited only for its store read (a cache miss), then decided inline.
TEST_F(KeyAuth, AsyncTokenCheckLeavesApiKeysToTheStore) {
  AuthOptions o;
  o.methods = {Mode::oauth, Mode::api_key};
  o.authorization_servers = {"https://as.example.com"};
  o.key_cache_ttl = std::chrono::seconds(60);
  o.async_token_verifier = [](std::string, std::string) -> mcp::Task<mcp::auth::TokenCheck> {
    co_return mcp::auth::TokenCheck{std::nullopt, "introspection says inactive", false};
  };
  Authenticator a(o, store);
  Headers key{{{"authorization", "Bearer " + full.secret}}};
  Headers jwt{{{"authorization", "Bearer eyJ.some.jwt"}}};
  EXPECT_TRUE(a.needs_async(key.lookup()));  // not cached yet: the store's pool reads it
  EXPECT_TRUE(a.needs_async(jwt.lookup()));
  boost::asio::io_context io;
  std::optional<std::variant<mcp::Principal, Refusal>> got;
  boost::asio::co_spawn(io, a.authenticate_async("Bearer " + full.secret, "https://h/mcp"),
                        [&](std::exception_ptr e, std::variant<mcp::Principal, Refusal> r) {
                          if (e) std::rethrow_exception(e);
                          got = std::move(r);
                        });
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(got && std::holds_alternative<mcp::Principal>(*got));
  EXPECT_EQ(std::get<mcp::Principal>(*got).subject, "alice");
  EXPECT_FALSE(a.needs_async(key.lookup()));  // cached now: no verifier, no store
  EXPECT_TRUE(a.needs_async(jwt.lookup()));
}

TEST(Metadata, Rfc9728) {
  AuthOptions o;
  o.authorization_servers = {"https://as.example.com"};
  o.scopes_supported = {"mcp"};
  Authenticator a(o, nullptr);
  EXPECT_EQ(a.metadata_url("https://h.example.com/mcp"), "https://h.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(a.metadata_url("https://h.example.com"), "https://h.example.com/.well-known/oauth-protected-resource");
  auto m = a.protected_resource_metadata("https://h.example.com/mcp");
  EXPECT_EQ(m.at("resource"), "https://h.example.com/mcp");
  EXPECT_EQ(m.at("authorization_servers").as_array().size(), 1u);
  EXPECT_EQ(m.at("scopes_supported").as_array()[0], "mcp");
}

// --- through the transport ---

mcp::http::Response run(mcp::http::StreamableHttp& t, mcp::http::Request req) {
  boost::asio::io_context io;
  mcp::http::Response out;
  boost::asio::co_spawn(io, t.handle(std::move(req)), [&](std::exception_ptr e, mcp::http::Response r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  io.run_for(std::chrono::seconds(5));
  return out;
}

std::string header(const mcp::http::Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

TEST_F(KeyAuth, TransportEnforcesAuthOnEveryRequest) {
  mcp::Server server({.info = {.name = "t", .version = "1"}});
  for (const char* name : {"echo", "add"}) {
    mcp::Tool t;
    t.name = name;
    t.description = name;
    server.add_tool(t, [](mcp::json::object, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
      co_return mcp::ToolResult::text("ok");
    });
  }
  mcp::HttpOptions opts;
  opts.authenticator = std::shared_ptr<Authenticator>(auth.get(), [](Authenticator*) {});
  // The owner of the server (mcp::serve, gateway::assemble) installs the filter, not the transport.
  server.set_tool_filter([a = opts.authenticator](const mcp::Principal& p, const std::string& tool) {
    return a->may_call(p, tool);
  });
  mcp::http::StreamableHttp t(server, opts);
  auto post = [&](std::string body, std::vector<std::pair<std::string, std::string>> extra) {
    mcp::http::Request r;
    r.method = "POST";
    r.target = "/mcp";
    r.headers = {{"host", "localhost:1"}, {"content-type", "application/json"},
                 {"accept", "application/json, text/event-stream"}};
    for (auto& e : extra) r.headers.push_back(e);
    r.body = std::move(body);
    return run(t, std::move(r));
  };
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})";
  auto anon = post(init, {});
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(header(anon, "WWW-Authenticate"), "Bearer realm=\"mcpbridge\"");
  auto wrong = post(init, {{"authorization", "Bearer mcpb_wrong"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(header(wrong, "WWW-Authenticate"),
            "Bearer realm=\"mcpbridge\", error=\"invalid_token\", error_description=\"unknown API key\"");
  EXPECT_EQ(mcp::json::parse(wrong.body).at("error_description"), "unknown API key");

  auto reader = post(init, {{"authorization", "Bearer " + narrow.secret}});
  ASSERT_EQ(reader.status, 200);
  auto sid = header(reader, "Mcp-Session-Id");
  auto list = post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})",
                   {{"authorization", "Bearer " + narrow.secret}, {"mcp-session-id", sid}});
  ASSERT_EQ(list.status, 200);
  auto tools = mcp::json::parse(list.body).at("result").at("tools").as_array();
  ASSERT_EQ(tools.size(), 1u);  // only what this principal may call
  EXPECT_EQ(tools[0].at("name"), "echo");
  auto denied = post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{}}})",
                     {{"authorization", "Bearer " + narrow.secret}, {"mcp-session-id", sid}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(header(denied, "WWW-Authenticate").find("insufficient_scope"), std::string::npos);
  // Another principal presenting this session id: not found.
  auto stolen = post(R"({"jsonrpc":"2.0","id":4,"method":"tools/list"})",
                     {{"authorization", "Bearer " + full.secret}, {"mcp-session-id", sid}});
  EXPECT_EQ(stolen.status, 404);
  // Sessions are not authentication: the same session without the key is refused.
  auto no_key = post(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})", {{"mcp-session-id", sid}});
  EXPECT_EQ(no_key.status, 401);

  // No authorization server: no protected-resource metadata (the server answers 404).
  mcp::http::Request wk;
  wk.method = "GET";
  wk.target = "/.well-known/oauth-protected-resource/mcp";
  wk.headers = {{"host", "localhost:1"}};
  EXPECT_FALSE(t.well_known(wk));
  wk.target = "/.well-known/oauth-protected-resource";
  EXPECT_FALSE(t.well_known(wk));
}

TEST(Metadata, ServedBesideTheEndpointInOAuthMode) {
  mcp::Server server({.info = {.name = "t", .version = "1"}});
  AuthOptions o;
  o.mode = Mode::oauth;
  o.authorization_servers = {"https://as.example.com"};
  mcp::HttpOptions opts;
  opts.authenticator = std::make_shared<Authenticator>(o, nullptr);
  mcp::http::StreamableHttp t(server, opts);
  mcp::http::Request wk;
  wk.method = "GET";
  wk.target = "/.well-known/oauth-protected-resource/mcp";
  wk.headers = {{"host", "localhost:1"}};
  auto meta = t.well_known(wk);
  ASSERT_TRUE(meta);
  EXPECT_EQ(mcp::json::parse(meta->body).at("resource"), "http://localhost:1/mcp");
  EXPECT_EQ(mcp::json::parse(meta->body).at("authorization_servers").as_array().size(), 1u);
  wk.target = "/.well-known/oauth-protected-resource";
  EXPECT_TRUE(t.well_known(wk));
  wk.target = "/.well-known/oauth-protected-resource/other";
  EXPECT_FALSE(t.well_known(wk));
}

}  // namespace
