// External authorization server mode through real HTTP: an in-test issuer (mcp::HttpServer on
// 127.0.0.1 serving RFC 8414 metadata, a JWKS it can rotate or withhold, and an RFC 7662
// introspection endpoint) and the resource server checking its tokens with the real outbound
// client (mcp::http::make_http_client, loopback allowed as `allow_private_issuer` does).
#include <mcp/authz/authz.hpp>
#include <mcp/http/client.hpp>
#include <mcp/http/http.hpp>

#include "authz/web.hpp"
#include "oauth_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace {

using namespace mcp_test;
using namespace std::chrono_literals;

const std::string kResource = "https://mcp.example/mcp";
const std::string kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})";
const std::string kCallEcho = R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}})";
const std::string kChallengeStart =
    R"(Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="mcp")";

// What the fake issuer serves; changed by the tests while it runs.
struct IssuerState {
  std::mutex mu;
  std::string issuer;  // http://127.0.0.1:<port>
  std::string jwks;
  std::string cache_control;
  bool down = false;  // every endpoint answers 503
  std::map<std::string, std::string> introspection;  // token -> response (else active:false)
  std::atomic<int> metadata_gets{0}, jwks_gets{0}, introspections{0};
  std::string last_authorization;
};

mcp::net::HttpResponse json_reply(int status, std::string body) { return mcp::net::json_response(status, std::move(body)); }

class ExternalIssuer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = state;
    mcp::HttpOptions h;
    h.port = 0;
    h.routes.push_back({"/.well-known/oauth-authorization-server", false,
                        [st](mcp::net::HttpRequest) -> mcp::Task<mcp::net::HttpResponse> {
                          std::lock_guard lock(st->mu);
                          ++st->metadata_gets;
                          if (st->down) co_return json_reply(503, "{}");
                          co_return json_reply(200, mcp::json::serialize(mcp::json::object{
                                                        {"issuer", st->issuer},
                                                        {"jwks_uri", st->issuer + "/keys"},
                                                        {"introspection_endpoint", st->issuer + "/introspect"}}));
                        }});
    h.routes.push_back({"/keys", false, [st](mcp::net::HttpRequest) -> mcp::Task<mcp::net::HttpResponse> {
                          std::lock_guard lock(st->mu);
                          ++st->jwks_gets;
                          if (st->down) co_return json_reply(503, "{}");
                          auto r = json_reply(200, st->jwks);
                          if (!st->cache_control.empty()) r.set("cache-control", st->cache_control);
                          co_return r;
                        }});
    h.routes.push_back({"/introspect", false, [st](mcp::net::HttpRequest req) -> mcp::Task<mcp::net::HttpResponse> {
                          std::lock_guard lock(st->mu);
                          ++st->introspections;
                          st->last_authorization = std::string(req.header("authorization"));
                          if (st->down) co_return json_reply(503, "{}");
                          if (req.method != "POST") co_return json_reply(405, "{}");
                          auto form = mcp::authz::parse_form(req.body);
                          if (!form) co_return json_reply(400, R"({"error":"invalid_request"})");
                          auto it = st->introspection.find(mcp::authz::form_value(*form, "token"));
                          co_return json_reply(200, it == st->introspection.end() ? R"({"active":false})" : it->second);
                        }});
    idp = std::make_unique<mcp::HttpServer>(idp_app, h);
    idp->start();
    std::lock_guard lock(state->mu);
    state->issuer = "http://127.0.0.1:" + std::to_string(idp->port());
  }
  void TearDown() override {
    if (rs) rs->stop();
    if (idp) idp->stop();
  }

  std::string issuer() {
    std::lock_guard lock(state->mu);
    return state->issuer;
  }
  void serve_keys(std::initializer_list<const TestKey*> keys) {
    auto j = jwks(keys);
    std::lock_guard lock(state->mu);
    state->jwks = j;
  }
  void set_down(bool d) {
    std::lock_guard lock(state->mu);
    state->down = d;
  }

  // The outbound client as `auth.oauth.external.allow_private_issuer: true` makes it.
  static std::shared_ptr<mcp::net::HttpClient> client() {
    mcp::http::ClientOptions co;
    co.policy.allow_http = co.policy.allow_loopback = co.policy.allow_private = true;
    return mcp::http::make_http_client(co);
  }

  void start_resource_server(mcp::auth::AsyncTokenVerifier verify) {
    mcp::Tool t;
    t.name = "echo";
    t.description = "echo";
    app.add_tool(t, [](mcp::json::object, mcp::Context&) -> mcp::Task<mcp::ToolResult> {
      co_return mcp::ToolResult::text("ok");
    });
    mcp::auth::AuthOptions a;
    a.mode = mcp::auth::Mode::oauth;
    a.resource = kResource;
    a.authorization_servers = {issuer()};
    a.scopes_supported = {"mcp"};
    a.permissions = {{{"mcp"}, {}, {"echo"}}};
    a.async_token_verifier = std::move(verify);
    mcp::HttpOptions h;
    h.port = 0;
    h.authenticator = std::make_shared<mcp::auth::Authenticator>(a, nullptr);
    rs = std::make_unique<mcp::HttpServer>(app, h);
    rs->start();
  }

  Reply call(const std::string& token, const std::string& body = kInit, const std::string& sid = "") {
    std::vector<std::pair<std::string, std::string>> h{{"content-type", "application/json"},
                                                       {"accept", "application/json, text/event-stream"}};
    if (!token.empty()) h.emplace_back("authorization", "Bearer " + token);
    if (!sid.empty()) h.emplace_back("mcp-session-id", sid);
    return http(rs->port(), "POST", "/mcp", body, h);
  }

  mcp::json::object claims(std::int64_t exp_in = 600, std::string scope = "mcp") {
    auto now = mcp::store::unix_now();
    return {{"iss", issuer()}, {"sub", "bob"}, {"aud", kResource}, {"exp", now + exp_in},
            {"iat", now},      {"scope", scope}, {"client_id", "host-app"}};
  }

  mcp::authz::ExternalIssuerOptions jwks_options() {
    mcp::authz::ExternalIssuerOptions o;
    o.issuer = issuer();  // no jwks_uri: discovered from the metadata
    o.http_client = client();
    o.min_refresh = 1s;
    return o;
  }

  static void expect_invalid_token(const Reply& r, const std::string& description) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.header("www-authenticate"),
              kChallengeStart + R"(, error="invalid_token", error_description=")" + description + "\"");
    auto body = parse(r.body).as_object();
    EXPECT_EQ(body.at("error").as_string(), "invalid_token");
    EXPECT_EQ(body.at("error_description").as_string(), description);
  }

  std::shared_ptr<IssuerState> state = std::make_shared<IssuerState>();
  mcp::Server idp_app{{.info = {.name = "idp", .version = "1"}}};
  mcp::Server app{{.info = {.name = "rs", .version = "1"}}};
  std::unique_ptr<mcp::HttpServer> idp, rs;
};

TEST_F(ExternalIssuer, DiscoversTheJwksAndAcceptsARotatedKeyAtOnce) {
  auto k1 = make_key("RS256", "k1"), k2 = make_key("EdDSA", "k2"), k3 = make_key("ES256", "k3");
  serve_keys({&k1});
  mcp::authz::JwksVerifier v(jwks_options());
  auto first = v.start();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(v.jwks_uri(), issuer() + "/keys");
  EXPECT_EQ(state->metadata_gets.load(), 1);
  start_resource_server(v.async_token_verifier());

  auto ok = call(k1.sign(claims()));
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto sid = ok.header("mcp-session-id");
  EXPECT_EQ(call(k1.sign(claims()), kCallEcho, sid).status, 200);
  EXPECT_EQ(call("", kInit).status, 401);

  std::this_thread::sleep_for(1100ms);  // past min_refresh
  serve_keys({&k1, &k2});  // the issuer rotates
  int before = state->jwks_gets.load();
  auto rotated = call(k2.sign(claims()));
  EXPECT_EQ(rotated.status, 200) << rotated.body;  // refetched within this request
  EXPECT_EQ(state->jwks_gets.load(), before + 1);

  // Another unknown kid right away: no second fetch inside min_refresh, refused.
  expect_invalid_token(call(k3.sign(claims())), "unknown signing key");
  EXPECT_EQ(state->jwks_gets.load(), before + 1);

  // The issuer goes down: an unknown kid is still refused (401), known keys keep working.
  std::this_thread::sleep_for(1100ms);
  set_down(true);
  expect_invalid_token(call(k3.sign(claims())), "unknown signing key");
  EXPECT_EQ(state->jwks_gets.load(), before + 2);  // it did try
  EXPECT_EQ(call(k1.sign(claims())).status, 200);
  EXPECT_EQ(call(k2.sign(claims())).status, 200);
  v.stop();
}

TEST_F(ExternalIssuer, RefusesExpiredForeignAndMisissuedTokens) {
  auto k1 = make_key("ES256", "k1");
  serve_keys({&k1});
  mcp::authz::JwksVerifier v(jwks_options());
  ASSERT_TRUE(v.start());
  start_resource_server(v.async_token_verifier());
  expect_invalid_token(call(k1.sign(claims(-120))), "token expired");  // beyond the 60 s skew
  auto foreign = claims();
  foreign["aud"] = "https://other.example/mcp";
  expect_invalid_token(call(k1.sign(foreign)), "token is not for this resource (audience)");
  auto misissued = claims();
  misissued["iss"] = "https://evil.example";
  expect_invalid_token(call(k1.sign(misissued)), "wrong issuer");
  auto unscoped = call(k1.sign(claims(600, "read")));
  ASSERT_EQ(unscoped.status, 200);
  auto denied = call(k1.sign(claims(600, "read")), kCallEcho, unscoped.header("mcp-session-id"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.header("www-authenticate"),
            R"(Bearer error="insufficient_scope", scope="mcp", resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", error_description="not permitted to call echo")");
  v.stop();
}

TEST_F(ExternalIssuer, HonoursMaxAgeAndRecoversFromAnIssuerDownAtStart) {
  auto k1 = make_key("ES256", "k1");
  serve_keys({&k1});
  {
    std::lock_guard lock(state->mu);
    state->cache_control = "public, max-age=1";
  }
  auto o = jwks_options();
  o.jwks_uri = issuer() + "/keys";  // configured: no discovery
  mcp::authz::JwksVerifier v(o);
  ASSERT_TRUE(v.start());
  EXPECT_EQ(state->metadata_gets.load(), 0);
  for (int i = 0; i < 100 && state->jwks_gets.load() < 3; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_GE(state->jwks_gets.load(), 3);  // refetched every ~1 s, not after refresh_interval (1 h)
  v.stop();

  // Down at start: start() says so, the refresher keeps trying, and tokens pass once it is up.
  set_down(true);
  mcp::authz::JwksVerifier late(jwks_options());
  auto first = late.start();
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("discovery failed"), std::string::npos) << first.error().message;
  start_resource_server(late.async_token_verifier());
  expect_invalid_token(call(k1.sign(claims())), "unknown signing key");
  set_down(false);
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(100ms);
    status = call(k1.sign(claims())).status;
  }
  EXPECT_EQ(status, 200);
  late.stop();
}

TEST_F(ExternalIssuer, IntrospectionActiveInactiveWrongAudienceAndCache) {
  auto exp = mcp::store::unix_now() + 600;
  {
    std::lock_guard lock(state->mu);
    state->introspection["opaque-good"] = mcp::json::serialize(mcp::json::object{
        {"active", true}, {"sub", "carol"}, {"aud", mcp::json::array{kResource}}, {"scope", "mcp"},
        {"client_id", "host-app"}, {"exp", exp}, {"iss", state->issuer}});
    state->introspection["opaque-foreign"] = mcp::json::serialize(
        mcp::json::object{{"active", true}, {"sub", "carol"}, {"aud", "https://other.example/mcp"}, {"exp", exp}});
    state->introspection["opaque-noaud"] =
        mcp::json::serialize(mcp::json::object{{"active", true}, {"sub", "carol"}, {"exp", exp}});
    state->introspection["opaque-expired"] = mcp::json::serialize(mcp::json::object{
        {"active", true}, {"sub", "carol"}, {"aud", kResource}, {"exp", mcp::store::unix_now() - 300}});
  }
  mcp::authz::IntrospectionOptions o;
  o.endpoint = issuer() + "/introspect";
  o.client_id = "rs one";
  o.client_secret = "s3cret:x";
  o.issuer = issuer();
  o.cache_ttl = 60s;
  o.http_client = client();
  mcp::authz::IntrospectionVerifier v(o);
  start_resource_server(v.async_token_verifier());

  auto ok = call("opaque-good");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(call("opaque-good", kCallEcho, ok.header("mcp-session-id")).status, 200);
  EXPECT_EQ(state->introspections.load(), 1);  // the second call came from the cache
  {
    std::lock_guard lock(state->mu);  // client_secret_basic, each part form-encoded
    EXPECT_EQ(state->last_authorization, "Basic " + mcp::base64_encode("rs%20one:s3cret%3Ax"));
  }
  expect_invalid_token(call("opaque-unknown"), "token is not active");
  expect_invalid_token(call("opaque-foreign"), "token is not for this resource (audience)");
  expect_invalid_token(call("opaque-noaud"), "token is not for this resource (audience)");
  expect_invalid_token(call("opaque-expired"), "token expired");
  int n = state->introspections.load();
  expect_invalid_token(call("opaque-unknown"), "token is not active");  // negatives are not cached
  EXPECT_EQ(state->introspections.load(), n + 1);

  // The endpoint down: 503, not invalid_token (the token may be fine); a cached answer still
  // admits its token.
  set_down(true);
  auto down = call("opaque-other");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.header("www-authenticate"), "");
  EXPECT_EQ(down.header("retry-after"), "5");
  auto body = parse(down.body).as_object();
  EXPECT_EQ(body.at("error").as_string(), "temporarily_unavailable");
  EXPECT_EQ(body.at("error_description").as_string(), "token introspection failed: the endpoint answered 503");
  EXPECT_EQ(call("opaque-good").status, 200);
  idp->stop();
  auto gone = call("opaque-other");
  EXPECT_EQ(gone.status, 503);
  EXPECT_NE(parse(gone.body).at("error_description").as_string().find("token introspection failed"), std::string::npos);
}

TEST_F(ExternalIssuer, IntrospectionCacheEndsAtExp) {
  {
    std::lock_guard lock(state->mu);
    state->introspection["short"] = mcp::json::serialize(mcp::json::object{
        {"active", true}, {"sub", "carol"}, {"aud", kResource}, {"exp", mcp::store::unix_now() + 2}});
  }
  mcp::authz::IntrospectionOptions o;
  o.endpoint = issuer() + "/introspect";
  o.clock_skew = 0s;
  o.cache_ttl = 600s;
  o.http_client = client();
  mcp::authz::IntrospectionVerifier v(o);
  start_resource_server(v.async_token_verifier());
  EXPECT_EQ(call("short").status, 200);
  EXPECT_EQ(call("short").status, 200);
  EXPECT_EQ(state->introspections.load(), 1);
  std::this_thread::sleep_for(3s);
  {
    std::lock_guard lock(state->mu);  // the issuer now says what it would after exp
    state->introspection.erase("short");
  }
  expect_invalid_token(call("short"), "token is not active");
  EXPECT_EQ(state->introspections.load(), 2);
}

// With public exponent 1, s^e mod n is s: a "signature" equal to the PKCS#1 v1.5 padded digest
// verifies for anyone. Found by the jwks fuzzer; such (and even-exponent) keys are not keys.
TEST(ExternalIssuerKeys, RsaKeysWithExponentOneOrEvenAreRefused) {
  auto rsa = make_key("RS256", "r1");
  auto jwk = rsa.jwk();
  auto n = *mcp::base64_decode(jwk.at("n").as_string());
  auto claims = mcp::json::object{{"iss", "https://idp.example"}, {"aud", kResource}, {"sub", "mallory"},
                                  {"exp", mcp::store::unix_now() + 600}, {"iat", mcp::store::unix_now()}};
  auto input = mcp::base64_encode(R"({"alg":"RS256","typ":"at+jwt","kid":"r1"})", true) + "." +
               mcp::base64_encode(mcp::json::serialize(claims), true);
  const std::string digest_info("\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20", 19);
  unsigned char digest[32];
  EVP_Digest(input.data(), input.size(), digest, nullptr, EVP_sha256(), nullptr);
  std::string t = digest_info + std::string(reinterpret_cast<char*>(digest), 32);
  std::string em = std::string("\x00\x01", 2) + std::string(n.size() - t.size() - 3, '\xff') + '\0' + t;
  const std::string forged = input + "." + mcp::base64_encode(em, true);

  mcp::authz::ExternalIssuerOptions o;
  o.issuer = "https://idp.example";
  for (const char* e : {"AQ", "AAE", "Ag", "AQAA"}) {  // 1, 1 with a leading zero, 2, 65536
    jwk["e"] = e;
    o.jwks_json = mcp::json::serialize(mcp::json::object{{"keys", mcp::json::array{jwk}}});
    EXPECT_THROW(mcp::authz::JwksVerifier{o}, std::runtime_error) << e;  // no usable key left
    // Beside a good key the bad one is skipped, and the forgery is refused.
    o.jwks_json = mcp::json::serialize(mcp::json::object{{"keys", mcp::json::array{jwk, make_key("ES256", "e1").jwk()}}});
    mcp::authz::JwksVerifier v(o);
    EXPECT_FALSE(std::holds_alternative<mcp::Principal>(v.verify(forged, kResource))) << e;
  }
  jwk["e"] = "AQAB";  // 65537: the forgery is just a wrong signature
  o.jwks_json = mcp::json::serialize(mcp::json::object{{"keys", mcp::json::array{jwk}}});
  mcp::authz::JwksVerifier good(o);
  EXPECT_EQ(std::get<std::string>(good.verify(forged, kResource)), "bad token signature");
  EXPECT_TRUE(std::holds_alternative<mcp::Principal>(good.verify(rsa.sign(claims), kResource)));
}

}  // namespace
