// The built-in authorization server and the resource server's oauth mode, through real HTTP:
// mcp::HttpServer on an ephemeral port with the AS routes, talked to with a tiny blocking client.
// Each negative case asserts the exact status and OAuth error.
#include <mcp/authz/authz.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/http/http.hpp>

#include "authz/jose.hpp"
#include "authz/web.hpp"
#include "oauth_test_support.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

namespace {

namespace asio = boost::asio;
using mcp::json::parse;
using namespace mcp_test;

std::string temp_db() {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("mcpbridge_oauth_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".db");
  std::filesystem::remove(p);
  return p.string();
}

std::string form(std::vector<std::pair<std::string, std::string>> kv) {
  std::string s;
  for (auto& [k, v] : kv) s += (s.empty() ? "" : "&") + mcp::authz::url_encode(k) + "=" + mcp::authz::url_encode(v);
  return s;
}

const std::pair<std::string, std::string> kForm{"content-type", "application/x-www-form-urlencoded"};

// A fake outbound client serving client ID metadata documents.
class FakeHttpClient : public mcp::net::HttpClient {
 public:
  std::mutex mu;  // the JWKS refresher calls from its own thread
  std::map<std::string, std::string> docs;
  int fetches = 0;
  mcp::Task<mcp::Result<mcp::net::ClientResponse>> send(mcp::net::ClientRequest req) override {
    std::lock_guard lock(mu);
    ++fetches;
    auto it = docs.find(req.url);
    mcp::net::ClientResponse r;
    r.status = it == docs.end() ? 404 : 200;
    if (it != docs.end()) r.body = it->second;
    co_return r;
  }
  mcp::Task<mcp::Result<mcp::net::StreamedResponse>> open(mcp::net::ClientRequest) override {
    co_return mcp::Error{mcp::errc::kInternalError, "not supported"};
  }
};

const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-0123456789";
const std::string kRedirect = "http://127.0.0.1:7777/cb";

class OAuth : public ::testing::Test {
 protected:
  void start(std::chrono::seconds access_ttl = std::chrono::seconds(3600), std::chrono::seconds skew = std::chrono::seconds(30)) {
    store = std::shared_ptr<mcp::store::Store>(mcp::store::open_sqlite(temp_db()));
    store->put_user({"alice", "eng", {}, mcp::auth::hash_password("alice-password"), 1});
    mcp::authz::AuthzOptions o;
    o.issuer = "http://127.0.0.1:9";  // nominal: the tests talk to the real port
    o.resource = "http://127.0.0.1:9/mcp";
    o.scopes_supported = {"mcp", "admin"};
    o.default_scopes = {"mcp"};
    o.access_token_ttl = access_ttl;
    o.code_ttl = access_ttl < std::chrono::seconds(60) ? access_ttl : std::chrono::seconds(60);
    o.clock_skew = skew;
    o.key_encryption_key = std::string(32, 'k');
    o.http_client = fake;
    o.metadata_allow_http_loopback = false;
    if (tweak) tweak(o);
    db = mcp::store::AsyncStore(store);
    as = std::make_shared<mcp::authz::AuthorizationServer>(o, db);

    for (const char* name : {"echo", "admin_tool"}) {
      mcp::Tool t;
      t.name = name;
      t.description = name;
      server.add_tool(t, [](mcp::json::object, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
        co_return mcp::ToolResult::text("ok");
      });
    }
    mcp::auth::AuthOptions a;
    a.mode = mcp::auth::Mode::oauth;
    a.resource = o.resource;
    a.authorization_servers = {o.issuer};
    a.scopes_supported = o.scopes_supported;
    a.permissions = {{{"mcp"}, {}, {"echo"}}, {{"admin"}, {}, {"admin_tool"}}};
    a.token_verifier = as->token_verifier();
    if (async_check) a.async_token_verifier = as->async_token_verifier();
    mcp::HttpOptions h;
    h.port = 0;
    h.routes = as->routes();
    h.authenticator = std::make_shared<mcp::auth::Authenticator>(a, store);
    http_server = std::make_unique<mcp::HttpServer>(server, h);
    http_server->start();
    port = http_server->port();
  }
  void TearDown() override {
    if (http_server) http_server->stop();
    // A store call's pool thread may still hold the loop's executor as it hands back: joined
    // before the loops go with the server (as the assembly's stop() does).
    if (db) db.drain();
  }

  std::string register_public() {
    auto r = http(port, "POST", "/register",
                  R"({"redirect_uris":[")" + kRedirect + R"("],"token_endpoint_auth_method":"none","client_name":"T"})",
                  {{"content-type", "application/json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(parse(r.body).at("client_id").as_string());
  }

  std::string authorize_query(const std::string& client, std::string scope = "mcp", std::string method = "S256",
                              std::string redirect = kRedirect) {
    return "/authorize?" + form({{"response_type", "code"},
                                 {"client_id", client},
                                 {"redirect_uri", redirect},
                                 {"code_challenge", mcp::authz::sha256_b64url(kVerifier)},
                                 {"code_challenge_method", method},
                                 {"scope", scope},
                                 {"resource", "http://127.0.0.1:9/mcp"},
                                 {"state", "xyz"}});
  }

  // GET the page, then POST the form with its CSRF token and cookie; returns the POST's reply.
  Reply consent(const std::string& client, const std::string& scope = "mcp", const std::string& password = "alice-password") {
    auto page = http(port, "GET", authorize_query(client, scope));
    EXPECT_EQ(page.status, 200) << page.body;
    std::smatch m;
    std::map<std::string, std::string> fields;
    std::regex re(R"re(<input type="hidden" name="([a-z_]+)" value="([^"]*)">)re");
    for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), re); it != std::sregex_iterator(); ++it)
      fields[(*it)[1]] = std::regex_replace(std::string((*it)[2]), std::regex("&amp;"), "&");
    std::vector<std::pair<std::string, std::string>> kv(fields.begin(), fields.end());
    kv.emplace_back("username", "alice");
    kv.emplace_back("password", password);
    kv.emplace_back("action", "approve");
    auto cookie = page.header("set-cookie");
    return http(port, "POST", "/authorize", form(kv), {kForm, {"cookie", cookie.substr(0, cookie.find(';'))}});
  }

  static std::string param(const std::string& location, const std::string& name) {
    auto q = location.find('?');
    auto f = mcp::authz::parse_form(location.substr(q + 1));
    return f ? mcp::authz::form_value(*f, name) : "";
  }

  std::string code_for(const std::string& client, const std::string& scope = "mcp") {
    auto r = consent(client, scope);
    EXPECT_EQ(r.status, 302) << r.body;
    return param(r.header("location"), "code");
  }

  Reply exchange(const std::string& client, const std::string& code, std::string verifier = kVerifier,
                 std::string redirect = kRedirect) {
    return http(port, "POST", "/token",
                form({{"grant_type", "authorization_code"},
                      {"code", code},
                      {"client_id", client},
                      {"redirect_uri", redirect},
                      {"code_verifier", verifier}}),
                {kForm});
  }

  Reply mcp_call(const std::string& token, const std::string& body, std::string sid = "") {
    std::vector<std::pair<std::string, std::string>> h{{"content-type", "application/json"},
                                                       {"accept", "application/json, text/event-stream"}};
    if (!token.empty()) h.emplace_back("authorization", "Bearer " + token);
    if (!sid.empty()) h.emplace_back("mcp-session-id", sid);
    return http(port, "POST", "/mcp", body, h);
  }
  static inline const std::string kInit =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})";

  std::function<void(mcp::authz::AuthzOptions&)> tweak;  // before start()
  bool async_check = false;  // the resource server checks tokens off the loop (a remote store)
  std::shared_ptr<FakeHttpClient> fake = std::make_shared<FakeHttpClient>();
  std::shared_ptr<mcp::store::Store> store;
  mcp::store::AsyncStore db;
  std::shared_ptr<mcp::authz::AuthorizationServer> as;
  mcp::Server server{{.info = {.name = "t", .version = "1"}}};
  std::unique_ptr<mcp::HttpServer> http_server;
  std::uint16_t port = 0;
};

TEST_F(OAuth, RoutesAreServedBesideTheEndpoint) {
  start();
  auto meta = http(port, "GET", "/.well-known/oauth-authorization-server");
  ASSERT_EQ(meta.status, 200);
  auto m = parse(meta.body).as_object();
  EXPECT_EQ(m.at("issuer"), "http://127.0.0.1:9");
  EXPECT_EQ(m.at("code_challenge_methods_supported"), parse(R"(["S256"])"));
  EXPECT_EQ(m.at("client_id_metadata_document_supported"), true);
  EXPECT_EQ(m.at("authorization_response_iss_parameter_supported"), true);
  EXPECT_EQ(http(port, "GET", "/.well-known/openid-configuration").status, 200);
  auto jwks = parse(http(port, "GET", "/jwks").body).as_object();
  ASSERT_EQ(jwks.at("keys").as_array().size(), 1u);
  EXPECT_FALSE(jwks.at("keys").as_array()[0].as_object().contains("d"));  // never the private part
  EXPECT_EQ(http(port, "POST", "/.well-known/oauth-authorization-server").status, 405);
  EXPECT_EQ(http(port, "GET", "/nothing-here").status, 404);
  auto prm = parse(http(port, "GET", "/.well-known/oauth-protected-resource/mcp").body).as_object();
  EXPECT_EQ(prm.at("authorization_servers"), parse(R"(["http://127.0.0.1:9"])"));
  auto anon = mcp_call("", kInit);
  EXPECT_EQ(anon.status, 401);
  EXPECT_NE(anon.header("www-authenticate").find("resource_metadata=\"http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp\""),
            std::string::npos);
}

TEST_F(OAuth, RegistrationValidatesRedirectUrisAndAuthMethods) {
  start();
  auto json = std::pair<std::string, std::string>{"content-type", "application/json"};
  auto bad = http(port, "POST", "/register", R"({"redirect_uris":["http://evil.example/cb"]})", {json});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error(), "invalid_redirect_uri");
  auto frag = http(port, "POST", "/register", R"({"redirect_uris":["https://app.example/cb#x"]})", {json});
  EXPECT_EQ(frag.error(), "invalid_redirect_uri");
  auto method = http(port, "POST", "/register",
                     R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"})", {json});
  EXPECT_EQ(method.status, 400);
  EXPECT_EQ(method.error(), "invalid_client_metadata");
  auto conf = http(port, "POST", "/register",
                   R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_post"})", {json});
  ASSERT_EQ(conf.status, 201);
  auto c = parse(conf.body).as_object();
  std::string secret(c.at("client_secret").as_string());
  auto rec = store->find_oauth_client(c.at("client_id").as_string());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->secret_hash, mcp::sha256_hex(secret));  // only the hash is kept
  EXPECT_EQ(rec->metadata.find(secret), std::string::npos);
}

TEST_F(OAuth, AuthorizeErrors) {
  start();
  auto client = register_public();
  // Unregistered redirect URI: a 400 page, never a redirect to it.
  auto wrong = http(port, "GET", authorize_query(client, "mcp", "S256", "http://127.0.0.1:7777/other"));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.header("location"), "");
  EXPECT_NE(wrong.header("content-type").find("text/html"), std::string::npos);
  auto unknown = http(port, "GET", authorize_query("c_nope"));
  EXPECT_EQ(unknown.status, 400);
  // Plain PKCE: refused with a redirect carrying the error, state and iss.
  auto plain = http(port, "GET", authorize_query(client, "mcp", "plain"));
  ASSERT_EQ(plain.status, 302);
  auto loc = plain.header("location");
  EXPECT_EQ(loc.rfind(kRedirect + "?", 0), 0u);
  EXPECT_EQ(param(loc, "error"), "invalid_request");
  EXPECT_EQ(param(loc, "state"), "xyz");
  EXPECT_EQ(param(loc, "iss"), "http://127.0.0.1:9");
  auto scope = http(port, "GET", authorize_query(client, "root"));
  EXPECT_EQ(param(scope.header("location"), "error"), "invalid_scope");
  auto target = http(port, "GET", std::regex_replace(authorize_query(client), std::regex("127.0.0.1%3A9%2Fmcp"), "other%2Fmcp"));
  EXPECT_EQ(param(target.header("location"), "error"), "invalid_target");
  // Loopback redirect URIs match on any port (RFC 8252 §7.3).
  EXPECT_EQ(http(port, "GET", authorize_query(client, "mcp", "S256", "http://127.0.0.1:5555/cb")).status, 200);
}

TEST_F(OAuth, ConsentPostNeedsCsrf) {
  start();
  auto client = register_public();
  auto body = form({{"response_type", "code"}, {"client_id", client}, {"redirect_uri", kRedirect},
                    {"code_challenge", mcp::authz::sha256_b64url(kVerifier)}, {"code_challenge_method", "S256"},
                    {"scope", "mcp"}, {"username", "alice"}, {"password", "alice-password"}, {"action", "approve"}});
  auto none = http(port, "POST", "/authorize", body, {kForm});
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.header("location"), "");
  // A cookie from a real page does not validate a forged field.
  auto page = http(port, "GET", authorize_query(client));
  auto cookie = page.header("set-cookie");
  auto forged = http(port, "POST", "/authorize", body + "&csrf_token=AAAA", {kForm, {"cookie", cookie.substr(0, cookie.find(';'))}});
  EXPECT_EQ(forged.status, 403);
  // Wrong password: the page again, 401, no code.
  auto bad = consent(client, "mcp", "wrong-password");
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.body.find("Invalid user name or password"), std::string::npos);
}

TEST_F(OAuth, CodeExchangeChecksPkceRedirectAndSingleUse) {
  start();
  auto client = register_public();
  auto code = code_for(client);
  auto mismatch = exchange(client, code, std::string(kVerifier).replace(0, 1, "X"));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(mismatch.error(), "invalid_grant");
  // That attempt used the code up: exchanging it again is a reuse.
  auto code2 = code_for(client);
  auto wrong_redirect = exchange(client, code2, kVerifier, "http://127.0.0.1:7777/other");
  EXPECT_EQ(wrong_redirect.status, 400);
  EXPECT_EQ(wrong_redirect.error(), "invalid_grant");

  auto code3 = code_for(client);
  auto ok = exchange(client, code3);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.header("cache-control"), "no-store");
  auto tokens = parse(ok.body).as_object();
  std::string access(tokens.at("access_token").as_string());
  EXPECT_EQ(mcp_call(access, kInit).status, 200);
  // Only hashes at rest.
  std::string refresh(tokens.at("refresh_token").as_string());
  EXPECT_FALSE(store->find_oauth_refresh(refresh));
  EXPECT_TRUE(store->find_oauth_refresh(mcp::sha256_hex(refresh)));

  auto reuse = exchange(client, code3);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.error(), "invalid_grant");
  // The reuse revoked what the code issued.
  auto after = mcp_call(access, kInit);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
  auto refreshed = http(port, "POST", "/token", form({{"grant_type", "refresh_token"}, {"refresh_token", refresh}, {"client_id", client}}), {kForm});
  EXPECT_EQ(refreshed.error(), "invalid_grant");

  // Another client cannot redeem this client's code.
  auto other = register_public();
  auto code4 = code_for(client);
  auto stolen = exchange(other, code4);
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.error(), "invalid_grant");
}

TEST_F(OAuth, RefreshRotationReuseAndScopeNarrowing) {
  start();
  auto client = register_public();
  auto t1 = parse(exchange(client, code_for(client, "mcp admin")).body).as_object();
  std::string r1(t1.at("refresh_token").as_string());
  auto refresh = [&](const std::string& rt, std::string scope = "") {
    std::vector<std::pair<std::string, std::string>> kv{{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", client}};
    if (!scope.empty()) kv.emplace_back("scope", scope);
    return http(port, "POST", "/token", form(kv), {kForm});
  };
  auto wider = refresh(r1, "mcp admin superuser");
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.error(), "invalid_scope");
  auto narrowed = refresh(r1, "mcp");
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  auto t2 = parse(narrowed.body).as_object();
  EXPECT_EQ(t2.at("scope"), "mcp");
  std::string r2(t2.at("refresh_token").as_string()), a2(t2.at("access_token").as_string());
  EXPECT_EQ(mcp_call(a2, kInit).status, 200);
  auto reuse = refresh(r1);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.error(), "invalid_grant");
  EXPECT_EQ(refresh(r2).error(), "invalid_grant");  // the family is revoked
  EXPECT_EQ(mcp_call(a2, kInit).status, 401);
}

TEST_F(OAuth, InsufficientScopeAndWrongAudience) {
  start();
  auto client = register_public();
  auto t = parse(exchange(client, code_for(client, "mcp")).body).as_object();
  std::string access(t.at("access_token").as_string());
  auto init = mcp_call(access, kInit);
  ASSERT_EQ(init.status, 200);
  auto sid = init.header("mcp-session-id");
  auto denied = mcp_call(access, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin_tool","arguments":{}}})", sid);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.header("www-authenticate").find("error=\"insufficient_scope\", scope=\"admin\""), std::string::npos);
  auto allowed = mcp_call(access, R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{}}})", sid);
  EXPECT_EQ(allowed.status, 200);
  // The same token presented to another resource: refused by audience.
  auto v = as->token_verifier()(access, "http://127.0.0.1:9/other");
  ASSERT_TRUE(std::holds_alternative<std::string>(v));
  EXPECT_NE(std::get<std::string>(v).find("audience"), std::string::npos);
  auto ok = as->token_verifier()(access, "http://127.0.0.1:9/mcp");
  ASSERT_TRUE(std::holds_alternative<mcp::Principal>(ok));
  EXPECT_EQ(std::get<mcp::Principal>(ok).method, "oauth");
  EXPECT_EQ(std::get<mcp::Principal>(ok).credential, client);
  EXPECT_EQ(std::get<mcp::Principal>(ok).subject, "alice");
  EXPECT_EQ(std::get<mcp::Principal>(ok).tenant, "eng");
}

TEST_F(OAuth, TamperedUnsignedAndQueryTokensAreRefused) {
  start();
  auto client = register_public();
  std::string access(parse(exchange(client, code_for(client)).body).at("access_token").as_string());
  auto d1 = access.find('.'), d2 = access.rfind('.');
  auto payload = parse(*mcp::base64_decode(access.substr(d1 + 1, d2 - d1 - 1))).as_object();
  payload["scope"] = "mcp admin";
  auto tampered = access.substr(0, d1 + 1) + mcp::base64_encode(mcp::json::serialize(payload), true) + access.substr(d2);
  auto r = mcp_call(tampered, kInit);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
  auto none_alg = mcp::base64_encode(R"({"alg":"none","typ":"at+jwt"})", true) + "." +
                  mcp::base64_encode(mcp::json::serialize(payload), true) + ".";
  EXPECT_EQ(mcp_call(none_alg, kInit).status, 401);
  EXPECT_EQ(mcp_call("garbage", kInit).status, 401);
  // Tokens only from the Authorization header.
  EXPECT_EQ(http(port, "POST", "/mcp?access_token=" + access, kInit,
                 {{"content-type", "application/json"}, {"accept", "application/json, text/event-stream"}})
                .status,
            401);
}

TEST_F(OAuth, RevokedAndExpiredTokens) {
  start(std::chrono::seconds(3), std::chrono::seconds(0));  // tokens and codes live 3 s
  auto client = register_public();
  auto t = parse(exchange(client, code_for(client)).body).as_object();
  std::string access(t.at("access_token").as_string());
  EXPECT_EQ(mcp_call(access, kInit).status, 200);
  auto t2 = parse(exchange(client, code_for(client)).body).as_object();
  std::string access2(t2.at("access_token").as_string());
  auto pending_code = code_for(client);
  auto rv = http(port, "POST", "/revoke", form({{"token", access}, {"client_id", client}}), {kForm});
  EXPECT_EQ(rv.status, 200);
  auto revoked = mcp_call(access, kInit);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.header("www-authenticate").find("token revoked"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  auto expired = mcp_call(access2, kInit);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.header("www-authenticate").find("token expired"), std::string::npos);
  auto late = exchange(client, pending_code);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(late.error(), "invalid_grant");
  // Unknown tokens: 200 all the same (RFC 7009 §2.2).
  EXPECT_EQ(http(port, "POST", "/revoke", form({{"token", "nope"}, {"client_id", client}}), {kForm}).status, 200);
}

// With a remote store the token check (its deny-list lookup) runs off the event loop: the same
// answers as the inline check.
TEST_F(OAuth, OffLoopTokenCheckAnswersAsTheInlineOne) {
  async_check = true;
  start();
  auto client = register_public();
  auto t = parse(exchange(client, code_for(client)).body).as_object();
  std::string access(t.at("access_token").as_string());
  EXPECT_EQ(mcp_call(access, kInit).status, 200);
  EXPECT_EQ(mcp_call(access + "x", kInit).status, 401);
  EXPECT_EQ(http(port, "POST", "/revoke", form({{"token", access}, {"client_id", client}}), {kForm}).status, 200);
  auto revoked = mcp_call(access, kInit);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.header("www-authenticate").find("token revoked"), std::string::npos);
}

// --- Dynamic registration guards ---------------------------------------------------------------

const std::pair<std::string, std::string> kJson{"content-type", "application/json"};
const std::string kRegistration = R"({"redirect_uris":["http://127.0.0.1:7777/cb"],"token_endpoint_auth_method":"none"})";

TEST_F(OAuth, RegistrationIsRateLimitedPerAddress) {
  tweak = [](mcp::authz::AuthzOptions& o) {
    o.registrations_per_minute = 6;  // one every 10 s after the burst
    o.registration_burst = 2;
  };
  start();
  EXPECT_EQ(http(port, "POST", "/register", kRegistration, {kJson}).status, 201);
  EXPECT_EQ(http(port, "POST", "/register", kRegistration, {kJson}).status, 201);
  auto limited = http(port, "POST", "/register", kRegistration, {kJson});
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error(), "too_many_requests");
  EXPECT_TRUE(parse(limited.body).as_object().contains("error_description"));
  auto retry = std::stoi(limited.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 10);
  EXPECT_EQ(store->list_oauth_clients().size(), 2u);  // the refused one was not stored
  // Metadata and the other endpoints are not affected.
  EXPECT_EQ(http(port, "GET", "/.well-known/oauth-authorization-server").status, 200);
}

TEST_F(OAuth, RegistrationBodyAndRedirectUrisAreCapped) {
  start();
  std::string huge = R"({"redirect_uris":["http://127.0.0.1:7777/cb"],"client_name":")" + std::string(70000, 'x') + "\"}";
  auto big = http(port, "POST", "/register", huge, {kJson});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.error(), "invalid_client_metadata");
  std::string many = R"({"redirect_uris":[)";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + "\"http://127.0.0.1:7777/cb" + std::to_string(i) + "\"";
  auto lots = http(port, "POST", "/register", many + "]}", {kJson});
  EXPECT_EQ(lots.status, 400);
  EXPECT_EQ(lots.error(), "invalid_redirect_uri");
  EXPECT_TRUE(store->list_oauth_clients().empty());
}

TEST_F(OAuth, AbandonedRegistrationsAreSwept) {
  tweak = [](mcp::authz::AuthzOptions& o) {
    o.abandoned_client_ttl = std::chrono::seconds(1);
    o.sweep_interval = std::chrono::seconds(0);  // no thread: swept by hand below
  };
  start();
  auto abandoned = register_public();
  auto used = register_public();
  auto t = parse(exchange(used, code_for(used)).body).as_object();
  ASSERT_TRUE(t.contains("access_token"));
  auto consented_only = register_public();  // signed in and allowed, code never exchanged
  EXPECT_EQ(consent(consented_only).status, 302);
  auto preregistered = mcp::authz::register_client(*store, "ops", {kRedirect}, "", {});
  EXPECT_TRUE(as->sweep_abandoned_clients().empty());  // too young yet
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto removed = as->sweep_abandoned_clients();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], abandoned);
  EXPECT_FALSE(store->find_oauth_client(abandoned));
  EXPECT_TRUE(store->find_oauth_client(used));
  EXPECT_TRUE(store->find_oauth_client(consented_only));
  EXPECT_TRUE(store->find_oauth_client(preregistered.record.id));  // not dynamic: never swept
  // The removed client is gone for good: its authorization request is refused.
  EXPECT_EQ(http(port, "GET", authorize_query(abandoned)).status, 400);
}

TEST_F(OAuth, AbandonedRegistrationsAreSweptPeriodically) {
  tweak = [](mcp::authz::AuthzOptions& o) {
    o.abandoned_client_ttl = std::chrono::seconds(1);
    o.sweep_interval = std::chrono::seconds(1);
  };
  start();
  auto abandoned = register_public();
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {  // at most 6 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = !store->find_oauth_client(abandoned);
  }
  EXPECT_TRUE(gone);
}

// --- Audit lines -------------------------------------------------------------------------------

// Captures the "audit" logger for the test's lifetime.
class AuditCapture {
 public:
  AuditCapture() {
    spdlog::drop("audit");
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    logger_ = std::make_shared<spdlog::logger>("audit", sink);
    spdlog::register_logger(logger_);
  }
  ~AuditCapture() { spdlog::drop("audit"); }
  std::string text() {
    logger_->flush();
    return out_.str();
  }
  // Every line is a JSON object; those whose "audit" is `event`.
  std::vector<mcp::json::object> events(const std::string& event) {
    std::vector<mcp::json::object> found;
    std::istringstream in(text());
    std::string line;
    while (std::getline(in, line)) {
      auto v = parse(line);
      EXPECT_TRUE(v.is_object()) << line;
      auto* a = v.is_object() ? v.as_object().if_contains("audit") : nullptr;
      if (a && a->is_string() && a->as_string() == event) found.push_back(v.as_object());
    }
    return found;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> logger_;
};

std::string str(const mcp::json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

TEST_F(OAuth, AuthEventsAreAuditedWithoutSecrets) {
  AuditCapture audit;
  start();
  auto client = register_public();
  EXPECT_EQ(consent(client, "mcp", "not-the-password").status, 401);
  auto code = code_for(client);
  auto t1 = parse(exchange(client, code).body).as_object();
  std::string access(t1.at("access_token").as_string()), r1(t1.at("refresh_token").as_string());
  auto refresh = [&](const std::string& rt) {
    return http(port, "POST", "/token", form({{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", client}}), {kForm});
  };
  auto t2 = parse(refresh(r1).body).as_object();
  std::string r2(t2.at("refresh_token").as_string());
  EXPECT_EQ(refresh(r1).status, 400);  // reuse: the grant is revoked
  EXPECT_EQ(http(port, "POST", "/revoke", form({{"token", r2}, {"client_id", client}}), {kForm}).status, 200);

  auto reg = audit.events("auth.register");
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(str(reg[0], "client"), client);
  EXPECT_EQ(str(reg[0], "outcome"), "ok");
  EXPECT_EQ(str(reg[0], "ip"), "127.0.0.1");
  auto sign_in = audit.events("auth.sign_in");
  ASSERT_EQ(sign_in.size(), 2u);
  EXPECT_EQ(str(sign_in[0], "outcome"), "failed");
  EXPECT_EQ(str(sign_in[0], "user"), "alice");
  EXPECT_EQ(str(sign_in[0], "client"), client);
  EXPECT_EQ(str(sign_in[0], "ip"), "127.0.0.1");
  EXPECT_EQ(str(sign_in[1], "outcome"), "ok");
  auto issued = audit.events("auth.token_issued");
  ASSERT_EQ(issued.size(), 2u);
  EXPECT_EQ(str(issued[0], "grant_type"), "authorization_code");
  EXPECT_EQ(str(issued[0], "subject"), "alice");
  EXPECT_EQ(str(issued[0], "client"), client);
  EXPECT_EQ(str(issued[0], "scope"), "mcp");
  EXPECT_EQ(str(issued[0], "audience"), "http://127.0.0.1:9/mcp");
  EXPECT_EQ(str(issued[1], "grant_type"), "refresh_token");
  auto reuse = audit.events("auth.refresh_reuse");
  ASSERT_EQ(reuse.size(), 1u);
  EXPECT_EQ(str(reuse[0], "outcome"), "grant_revoked");
  EXPECT_EQ(str(reuse[0], "grant"), str(issued[0], "grant"));
  auto revoke = audit.events("auth.revoke");
  ASSERT_EQ(revoke.size(), 1u);
  EXPECT_EQ(str(revoke[0], "token"), mcp::auth::fingerprint(r2));
  EXPECT_EQ(str(revoke[0], "token").size(), 12u);

  // API keys: a failed use names the key by fingerprint only.
  mcp::auth::AuthOptions ko;
  ko.mode = mcp::auth::Mode::api_key;
  mcp::auth::Authenticator keys(ko, store);
  const std::string bogus = "mcpb_thisIsNotAKeyAtAll0000000000000000000000";
  const std::string bearer = "Bearer " + bogus;
  auto refused = keys.authenticate(
      [&](std::string_view n) { return n == "authorization" ? std::string_view(bearer) : std::string_view(); },
      "http://127.0.0.1:9/mcp");
  EXPECT_TRUE(std::holds_alternative<mcp::auth::Refusal>(refused));
  auto key_lines = audit.events("auth.api_key");
  ASSERT_EQ(key_lines.size(), 1u);
  EXPECT_EQ(str(key_lines[0], "outcome"), "unknown");
  EXPECT_EQ(str(key_lines[0], "key"), mcp::auth::fingerprint(bogus));

  // No secret ever reaches the log.
  auto all = audit.text();
  for (const std::string& secret : {access, r1, r2, code, std::string("alice-password"), std::string("not-the-password"), bogus})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret.substr(0, 8);
}

TEST_F(OAuth, RateLimitedRegistrationIsAudited) {
  AuditCapture audit;
  tweak = [](mcp::authz::AuthzOptions& o) {
    o.registrations_per_minute = 1;
    o.registration_burst = 1;
  };
  start();
  EXPECT_EQ(http(port, "POST", "/register", kRegistration, {kJson}).status, 201);
  EXPECT_EQ(http(port, "POST", "/register", kRegistration, {kJson}).status, 429);
  auto reg = audit.events("auth.register");
  ASSERT_EQ(reg.size(), 2u);
  EXPECT_EQ(str(reg[1], "outcome"), "rate_limited");
}

TEST_F(OAuth, ConfidentialClientsAndClientCredentials) {
  start();
  auto c = mcp::authz::register_client(*store, "svc", {"https://svc.example/cb"}, "mcp", {});
  auto basic = "Basic " + mcp::base64_encode(c.record.id + ":" + c.secret);
  auto ok = http(port, "POST", "/token", form({{"grant_type", "client_credentials"}}), {kForm, {"authorization", basic}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(parse(ok.body).as_object().contains("refresh_token"));
  auto wrong = http(port, "POST", "/token", form({{"grant_type", "client_credentials"}}),
                    {kForm, {"authorization", "Basic " + mcp::base64_encode(c.record.id + ":nope")}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.error(), "invalid_client");
  auto anonymous = http(port, "POST", "/token", form({{"grant_type", "client_credentials"}, {"client_id", c.record.id}}), {kForm});
  EXPECT_EQ(anonymous.status, 401);
  auto scope = http(port, "POST", "/token", form({{"grant_type", "client_credentials"}, {"scope", "admin"}}),
                    {kForm, {"authorization", basic}});
  EXPECT_EQ(scope.error(), "invalid_scope");
  auto pub = register_public();
  auto public_cc = http(port, "POST", "/token", form({{"grant_type", "client_credentials"}, {"client_id", pub}}), {kForm});
  EXPECT_EQ(public_cc.status, 400);
  EXPECT_EQ(public_cc.error(), "unauthorized_client");
  auto grant = http(port, "POST", "/token", form({{"grant_type", "password"}}), {kForm, {"authorization", basic}});
  EXPECT_EQ(grant.error(), "unsupported_grant_type");
}

TEST_F(OAuth, ClientIdMetadataDocuments) {
  start();
  const std::string id = "https://app.example/oauth/client.json";
  fake->docs[id] = R"({"client_id":")" + id + R"(","client_name":"Doc <App>","redirect_uris":[")" + kRedirect + R"("]})";
  auto page = http(port, "GET", authorize_query(id));
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Doc &lt;App&gt;"), std::string::npos);
  EXPECT_EQ(http(port, "GET", authorize_query(id)).status, 200);
  EXPECT_EQ(fake->fetches, 1);  // cached
  auto code = code_for(id);
  EXPECT_EQ(exchange(id, code).status, 200);

  const std::string liar = "https://liar.example/client.json";
  fake->docs[liar] = R"({"client_id":"https://other.example/client.json","redirect_uris":[")" + kRedirect + R"("]})";
  EXPECT_EQ(http(port, "GET", authorize_query(liar)).status, 400);
  const std::string missing = "https://gone.example/client.json";
  EXPECT_EQ(http(port, "GET", authorize_query(missing)).status, 400);
  int before = fake->fetches;
  EXPECT_EQ(http(port, "GET", authorize_query("https://127.0.0.1/client.json")).status, 400);
  EXPECT_EQ(http(port, "GET", authorize_query("https://10.0.0.1/client.json")).status, 400);
  EXPECT_EQ(fake->fetches, before);  // private literals are never fetched
}

TEST_F(OAuth, KeyRotationKeepsOldTokensValidAndKeysEncrypted) {
  start();
  auto client = register_public();
  std::string old_token(parse(exchange(client, code_for(client)).body).at("access_token").as_string());
  as->rotate_signing_key();
  std::string new_token(parse(exchange(client, code_for(client)).body).at("access_token").as_string());
  auto kid = [](const std::string& t) {
    return std::string(parse(*mcp::base64_decode(t.substr(0, t.find('.')))).at("kid").as_string());
  };
  EXPECT_NE(kid(old_token), kid(new_token));
  EXPECT_EQ(parse(http(port, "GET", "/jwks").body).at("keys").as_array().size(), 2u);
  EXPECT_EQ(mcp_call(old_token, kInit).status, 200);
  EXPECT_EQ(mcp_call(new_token, kInit).status, 200);
  // At rest the private keys are sealed: the wrong key encryption key cannot load them.
  mcp::authz::AuthzOptions o = as->options();
  o.key_encryption_key = std::string(32, 'x');
  EXPECT_THROW(mcp::authz::AuthorizationServer(o, store), std::runtime_error);
}

TEST(Jose, SealOpenAndSignVerify) {
  std::string key(32, 'a');
  auto sealed = mcp::authz::seal(key, "secret", "kid1");
  EXPECT_EQ(mcp::authz::open(key, sealed, "kid1"), "secret");
  EXPECT_FALSE(mcp::authz::open(key, sealed, "kid2"));  // bound to its record
  EXPECT_FALSE(mcp::authz::open(std::string(32, 'b'), sealed, "kid1"));
  auto k = mcp::authz::generate_es256();
  auto der = mcp::authz::private_der(k.get());
  auto k2 = mcp::authz::load_private_der(der);
  auto jwt = mcp::authz::sign_es256({{"alg", "ES256"}}, {{"a", 1}}, k.get());
  auto jws = mcp::authz::parse_jws(jwt);
  ASSERT_TRUE(jws);
  EXPECT_TRUE(mcp::authz::verify_es256(*jws, k2.get()));
  EXPECT_FALSE(mcp::authz::verify_es256(*jws, mcp::authz::generate_es256().get()));
  EXPECT_FALSE(mcp::authz::parse_jws("a.b"));
  EXPECT_FALSE(mcp::authz::parse_jws("a.b.c.d"));
  EXPECT_FALSE(mcp::authz::parse_jws("e30.e30.!!"));
}

TEST(Web, FormsAndUrls) {
  auto f = mcp::authz::parse_form("a=1&b=x+y%21");
  ASSERT_TRUE(f);
  EXPECT_EQ(mcp::authz::form_value(*f, "b"), "x y!");
  EXPECT_FALSE(mcp::authz::parse_form("a=1&a=2"));  // repeated
  EXPECT_FALSE(mcp::authz::parse_form("a=%2"));
  EXPECT_EQ(mcp::authz::check_redirect_uri("https://a.example/cb"), "");
  EXPECT_EQ(mcp::authz::check_redirect_uri("http://[::1]:8080/cb"), "");
  EXPECT_NE(mcp::authz::check_redirect_uri("http://a.example/cb"), "");
  EXPECT_NE(mcp::authz::check_redirect_uri("javascript:alert(1)"), "");
  EXPECT_EQ(mcp::authz::html_escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
}

}  // namespace

namespace {

TEST_F(OAuth, RevokingConsentOrRemovingAClientRevokesItsTokens) {
  start();
  auto client = register_public();
  auto t = parse(exchange(client, code_for(client)).body).as_object();
  std::string access(t.at("access_token").as_string());
  EXPECT_EQ(store->list_oauth_consents("alice").size(), 1u);
  EXPECT_TRUE(store->revoke_oauth_consent("alice", client, mcp::store::unix_now()));
  EXPECT_EQ(mcp_call(access, kInit).status, 401);
  EXPECT_TRUE(store->list_oauth_consents("alice").empty());

  auto t2 = parse(exchange(client, code_for(client)).body).as_object();
  std::string access2(t2.at("access_token").as_string());
  EXPECT_EQ(mcp_call(access2, kInit).status, 200);
  EXPECT_TRUE(store->remove_oauth_client(client));
  EXPECT_EQ(mcp_call(access2, kInit).status, 401);
  auto refresh = http(port, "POST", "/token",
                      form({{"grant_type", "refresh_token"}, {"refresh_token", std::string(t2.at("refresh_token").as_string())},
                            {"client_id", client}}),
                      {kForm});
  EXPECT_EQ(refresh.status, 401);
  EXPECT_EQ(refresh.error(), "invalid_client");
}

TEST_F(OAuth, RepeatedFailedSignInsAreThrottled) {
  start();
  auto client = register_public();
  int last = 0;
  for (int i = 0; i < 11; ++i) last = consent(client, "mcp", "wrong-" + std::to_string(i)).status;
  EXPECT_EQ(last, 429);
  EXPECT_EQ(consent(client, "mcp", "alice-password").status, 429);  // even the right password, for now
}

TEST_F(OAuth, TokenEndpointAnswersCorsPreflight) {
  start();
  auto pre = http(port, "OPTIONS", "/token", "", {{"origin", "https://inspector.example"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "*");
  EXPECT_EQ(http(port, "GET", "/.well-known/oauth-authorization-server").header("access-control-allow-origin"), "*");
  EXPECT_EQ(http(port, "GET", authorize_query("c_x")).header("access-control-allow-origin"), "");
}

}  // namespace

namespace {

// --- external issuer: JWKS verification (RS256, ES256, EdDSA) -----------------------------------

mcp::json::object claims(std::int64_t exp_in = 600) {
  auto now = mcp::store::unix_now();
  return {{"iss", "https://idp.example"}, {"sub", "bob"}, {"aud", "https://mcp.example/mcp"},
          {"exp", now + exp_in}, {"iat", now}, {"scp", mcp::json::array{"mcp", "read"}}, {"azp", "host-app"}};
}

std::string why(const std::variant<mcp::Principal, std::string>& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "accepted";
}

TEST(ExternalIssuer, VerifiesRs256Es256EdDsaAndRefusesBadTokens) {
  auto rsa = make_key("RS256", "r1"), ec = make_key("ES256", "e1"), ed = make_key("EdDSA", "d1");
  mcp::authz::ExternalIssuerOptions o;
  o.issuer = "https://idp.example";
  o.jwks_json = jwks({&rsa, &ec, &ed});
  mcp::authz::JwksVerifier v(o);
  const std::string res = "https://mcp.example/mcp";
  for (auto* k : {&rsa, &ec, &ed}) {
    auto r = v.verify(k->sign(claims()), res);
    ASSERT_TRUE(std::holds_alternative<mcp::Principal>(r)) << k->alg << ": " << why(r);
    auto& p = std::get<mcp::Principal>(r);
    EXPECT_EQ(p.subject, "bob");
    EXPECT_EQ(p.scopes, (std::vector<std::string>{"mcp", "read"}));
    EXPECT_EQ(p.credential, "host-app");
    EXPECT_EQ(p.method, "oauth");
  }
  EXPECT_EQ(why(v.verify(rsa.sign(claims()), "https://other.example/mcp")), "token is not for this resource (audience)");
  auto c = claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(why(v.verify(ec.sign(c), res)), "wrong issuer");
  EXPECT_EQ(why(v.verify(ed.sign(claims(-120)), res)), "token expired");
  EXPECT_EQ(why(v.verify(ed.sign(claims(-30)), res)), "accepted");  // within the 60 s skew
  auto nbf = claims();
  nbf["nbf"] = mcp::store::unix_now() + 600;
  EXPECT_EQ(why(v.verify(rsa.sign(nbf), res)), "token not yet valid");
  // The header's alg must fit the key: an RSA key named with ES256 does not verify.
  TestKey confused{mcp::authz::generate_es256(), "ES256", "r1"};
  EXPECT_EQ(why(v.verify(confused.sign(claims()), res)), "bad token signature");
  auto tampered = rsa.sign(claims());
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_NE(why(v.verify(tampered, res)), "accepted");
  auto hs = mcp::base64_encode(R"({"alg":"HS256","kid":"r1"})", true) + "." +
            mcp::base64_encode(mcp::json::serialize(claims()), true) + ".AAAA";
  EXPECT_EQ(why(v.verify(hs, res)), "unsupported token algorithm");
  TestKey stranger = make_key("ES256", "zz");
  EXPECT_EQ(why(v.verify(stranger.sign(claims()), res)), "unknown signing key");
  mcp::authz::ExternalIssuerOptions bad = o;
  bad.jwks_json = R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})";  // too small: no usable key
  EXPECT_THROW(mcp::authz::JwksVerifier{bad}, std::runtime_error);
}

TEST(ExternalIssuer, FetchesTheJwksAndFollowsKeyRotation) {
  auto fake = std::make_shared<FakeHttpClient>();
  auto k1 = make_key("ES256", "k1"), k2 = make_key("RS256", "k2");
  fake->docs["https://idp.example/jwks"] = jwks({&k1});
  mcp::authz::ExternalIssuerOptions o;
  o.issuer = "https://idp.example";
  o.jwks_uri = "https://idp.example/jwks";
  o.http_client = fake;
  o.min_refresh = std::chrono::seconds(1);
  mcp::authz::JwksVerifier v(o);
  auto started = v.start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(*started, 1u);
  auto verify = v.token_verifier();
  const std::string res = "https://mcp.example/mcp";
  EXPECT_EQ(why(verify(k1.sign(claims()), res)), "accepted");
  EXPECT_EQ(why(verify(k2.sign(claims()), res)), "unknown signing key");
  {
    std::lock_guard lock(fake->mu);
    fake->docs["https://idp.example/jwks"] = jwks({&k1, &k2});  // the issuer rotated
  }
  std::string last;
  for (int i = 0; i < 50 && last != "accepted"; ++i) {  // at most 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    last = why(verify(k2.sign(claims()), res));
  }
  EXPECT_EQ(last, "accepted");
  v.stop();
}

}  // namespace
