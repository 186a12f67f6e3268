// OAuth sign-in to a connection, through real HTTP: the gateway's sign-in and callback routes on
// an mcp::HttpServer, an upstream whose authorization server is a few plain routes (metadata,
// registration, token), requests through the real HTTP client. The refusals: unknown, used and
// expired links, a link opened by another user, an unknown state, a callback from another
// browser, an `iss` that names another server; and the sign-in that succeeds.
#include <mcp/http/client.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/sign_in.hpp>

#include <mcp/core/encoding.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <boost/url.hpp>

#include <mcp/cluster/shared_state.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>

namespace mcp::upstream {
namespace {

namespace asio = boost::asio;

// The upstream MCP server and its authorization server on one port.
struct Upstream {
  Server server{ServerOptions{.info = {"upstream", "1.0.0"}}};
  std::unique_ptr<HttpServer> http;
  std::shared_ptr<std::string> base = std::make_shared<std::string>();
  std::shared_ptr<std::atomic<int>> tokens = std::make_shared<std::atomic<int>>(0);
  struct RefreshToken {
    std::mutex mu;
    std::string current = "rt";
  };
  std::shared_ptr<RefreshToken> refresh_token = std::make_shared<RefreshToken>();
  std::shared_ptr<std::atomic<int>> refreshes = std::make_shared<std::atomic<int>>(0);

  Upstream() {
    HttpOptions o;
    o.port = 0;
    auto b = base;
    auto n = tokens;
    o.routes.push_back({"/.well-known/oauth-protected-resource/mcp", false, [b](net::HttpRequest) -> Task<net::HttpResponse> {
                          co_return net::json_response(200, json::serialize(json::object{
                                                                {"resource", *b + "/mcp"}, {"authorization_servers", json::array{json::value(*b)}}}));
                        }});
    o.routes.push_back({"/.well-known/oauth-authorization-server", false, [b](net::HttpRequest) -> Task<net::HttpResponse> {
                          co_return net::json_response(200, json::serialize(json::object{
                                                                {"issuer", *b},
                                                                {"authorization_endpoint", *b + "/authorize"},
                                                                {"token_endpoint", *b + "/token"},
                                                                {"registration_endpoint", *b + "/register"},
                                                                {"authorization_response_iss_parameter_supported", true}}));
                        }});
    o.routes.push_back({"/register", false, [](net::HttpRequest) -> Task<net::HttpResponse> {
                          co_return net::json_response(201, R"({"client_id":"registered-client"})");
                        }});
    auto rt = refresh_token;
    auto rn = refreshes;
    o.routes.push_back({"/token", false, [n, rt, rn](net::HttpRequest r) -> Task<net::HttpResponse> {
                          if (r.body.find("grant_type=refresh_token") != std::string::npos) {
                            // Rotation: each refresh token works once. Slow enough that two
                            // refreshes started together overlap.
                            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(150));
                            co_await t.async_wait(asio::use_awaitable);
                            std::lock_guard lock(rt->mu);
                            if (r.body.find("refresh_token=" + rt->current + "&") == std::string::npos &&
                                !r.body.ends_with("refresh_token=" + rt->current))
                              co_return net::json_response(400, R"({"error":"invalid_grant"})");
                            auto i = ++*rn;
                            rt->current = "rt-" + std::to_string(i);
                            co_return net::json_response(200, json::serialize(json::object{{"access_token", "at-r" + std::to_string(i)},
                                                                                           {"token_type", "Bearer"},
                                                                                           {"expires_in", 3600},
                                                                                           {"refresh_token", rt->current}}));
                          }
                          if (r.body.find("code=good") == std::string::npos)
                            co_return net::json_response(400, R"({"error":"invalid_grant"})");
                          auto i = ++*n;
                          co_return net::json_response(200, json::serialize(json::object{{"access_token", "at-" + std::to_string(i)},
                                                                                         {"token_type", "Bearer"},
                                                                                         {"expires_in", 3600},
                                                                                         {"refresh_token", "rt"}}));
                        }});
    http = std::make_unique<HttpServer>(server, o);
    http->start();
    *base = "http://127.0.0.1:" + std::to_string(http->port());
  }
};

struct Gateway {
  std::filesystem::path db_path = std::filesystem::temp_directory_path() / ("sign-in-test-" + random_token(6) + ".db");
  std::shared_ptr<store::Store> db = store::open_sqlite(db_path.string());
  std::shared_ptr<sources::Vault> vault = std::make_shared<sources::Vault>(db, std::string(32, 'k'));
  Server server{ServerOptions{}};
  std::shared_ptr<net::HttpClient> client;
  std::shared_ptr<Connection> conn;
  std::shared_ptr<SignIn> sign_in;
  std::unique_ptr<HttpServer> http;
  std::string base;

  explicit Gateway(const std::string& upstream_url) {
    http::ClientOptions co;
    co.policy.allow_http = true;
    co.policy.allow_loopback = true;
    client = http::make_http_client(co);
    ConnectionOptions o;
    o.name = "up";
    o.url = upstream_url;
    o.auth = AuthMethod::oauth;
    conn = std::make_shared<Connection>(o, client, vault, server);
    SignInOptions so;
    so.public_url = "https://gateway.example";  // links name it; the test sends them to 127.0.0.1
    // The trusted proxy's word on who the browser is.
    so.identify = [](const net::HttpRequest& r) -> std::optional<std::string> {
      if (auto who = r.header("x-who"); !who.empty()) return std::string(who);
      return std::nullopt;
    };
    sign_in = std::make_shared<SignIn>(so, vault);
    sign_in->add(conn, client);
    HttpOptions ho;
    ho.port = 0;
    ho.routes = sign_in->routes();
    http = std::make_unique<HttpServer>(server, ho);
    http->start();
    base = "http://127.0.0.1:" + std::to_string(http->port());
  }
  ~Gateway() {
    http->stop();
    db.reset();
    std::filesystem::remove(db_path);
  }

  // GET <path and query of `link`> on the gateway.
  net::ClientResponse get(const std::string& link, net::Headers headers = {}) {
    auto at = link.find("/connections/");
    net::ClientRequest r;
    r.url = base + link.substr(at);
    r.headers = std::move(headers);
    auto res = test::run(client->send(std::move(r)));
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    return res ? *res : net::ClientResponse{};
  }
};

std::string param(const std::string& url, std::string_view name) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return {};
  for (auto p : u->params())
    if (p.key == name) return p.value;
  return {};
}

// The cookie a response sets, as a Cookie header value ("name=value").
std::string cookie_of(const net::ClientResponse& r) {
  auto c = std::string(r.header("set-cookie"));
  return c.substr(0, c.find(';'));
}

struct SignInTest : ::testing::Test {
  Upstream up;
  Gateway gw{*up.base + "/mcp"};
};

TEST_F(SignInTest, UnknownMissingAndUsedLinksAreRefused) {
  EXPECT_EQ(gw.get("/connections/up/signin?ticket=not-a-ticket").status, 400);
  EXPECT_EQ(gw.get("/connections/up/signin").status, 400);
  EXPECT_EQ(gw.get("/connections/nope/signin?ticket=x").status, 404);
  auto link = gw.sign_in->link("alice", "up");
  EXPECT_EQ(link.rfind("https://gateway.example/connections/up/signin?ticket=", 0), 0u) << link;
  EXPECT_EQ(gw.get(link).status, 302);
  auto again = gw.get(link);
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("unknown or has been used"), std::string::npos) << again.body;
}

TEST_F(SignInTest, ExpiredLinksAreRefused) {
  SignInOptions o;
  o.public_url = "https://gateway.example";
  o.ticket_ttl = std::chrono::seconds(-5);  // made already expired
  SignIn old(o, gw.vault);
  auto r = gw.get(old.link("alice", "up"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
}

TEST_F(SignInTest, ALinkOpenedByAnotherUserIsRefusedAndStaysUsable) {
  auto link = gw.sign_in->link("alice", "up");
  auto r = gw.get(link, {{"x-who", "mallory"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(gw.get(link, {{"x-who", "alice"}}).status, 302);
}

TEST_F(SignInTest, TheRedirectCarriesPkceStateAndResource) {
  auto r = gw.get(gw.sign_in->link("alice", "up"));
  ASSERT_EQ(r.status, 302);
  auto to = std::string(r.header("location"));
  EXPECT_EQ(to.rfind(*up.base + "/authorize?", 0), 0u) << to;
  EXPECT_EQ(param(to, "client_id"), "registered-client");
  EXPECT_EQ(param(to, "code_challenge_method"), "S256");
  EXPECT_EQ(param(to, "redirect_uri"), "https://gateway.example/connections/callback");
  EXPECT_EQ(param(to, "resource"), *up.base + "/mcp");
  EXPECT_GE(param(to, "state").size(), 24u);
  EXPECT_NE(r.header("set-cookie").find("HttpOnly"), std::string_view::npos);
  EXPECT_NE(r.header("set-cookie").find("Secure"), std::string_view::npos);  // https public URL
}

TEST_F(SignInTest, CallbackRefusesUnknownStateAnotherBrowserAndAForeignIssuer) {
  EXPECT_EQ(gw.get("/connections/callback?code=good&state=forged").status, 400);
  EXPECT_EQ(gw.get("/connections/callback?code=good").status, 400);
  auto r = gw.get(gw.sign_in->link("alice", "up"));
  ASSERT_EQ(r.status, 302);
  auto state = param(std::string(r.header("location")), "state");
  auto back = "/connections/callback?code=good&state=" + state + "&iss=";
  // Without the browser's cookie: refused, and the flow stays for its own browser.
  auto other = gw.get(back + *up.base);
  EXPECT_EQ(other.status, 400);
  EXPECT_NE(other.body.find("another browser"), std::string::npos) << other.body;
  auto foreign = gw.get(back + "https://evil.example", {{"cookie", cookie_of(r)}});
  EXPECT_EQ(foreign.status, 400);
  EXPECT_NE(foreign.body.find("iss mismatch"), std::string::npos) << foreign.body;
  // The flow was used up by that attempt.
  EXPECT_EQ(gw.get(back + *up.base, {{"cookie", cookie_of(r)}}).status, 400);
  EXPECT_EQ(*up.tokens, 0);
  EXPECT_FALSE(gw.vault->get("alice", "up"));
}

TEST_F(SignInTest, ACompleteSignInStoresTheUsersTokens) {
  auto r = gw.get(gw.sign_in->link("alice", "up"));
  ASSERT_EQ(r.status, 302);
  auto state = param(std::string(r.header("location")), "state");
  auto done = gw.get("/connections/callback?code=good&state=" + state + "&iss=" + *up.base, {{"cookie", cookie_of(r)}});
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("as alice"), std::string::npos);
  auto token = test::run(gw.sign_in->access_token("up", "alice"));
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(*token, "at-1");
  auto bob = test::run(gw.sign_in->access_token("up", "bob"));
  ASSERT_FALSE(bob);
  EXPECT_EQ(bob.error().data, json::value(kSignInRequired));
  // The sealed grant is bound to alice: it does not open as someone else's.
  auto row = gw.db->find_vault_secret("alice", "up");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->sealed.find("at-1"), std::string::npos);
}

// Several replicas: one refreshes a user's token, the others use what it stored (with
// rotation, a second refresh with the same refresh token would be refused and sign the user out).
TEST_F(SignInTest, TwoReplicasRefreshingOneUsersTokenAtOnceRefreshItOnce) {
  auto r = gw.get(gw.sign_in->link("alice", "up"));
  ASSERT_EQ(r.status, 302);
  auto state = param(std::string(r.header("location")), "state");
  auto done = gw.get("/connections/callback?code=good&state=" + state + "&iss=" + *up.base, {{"cookie", cookie_of(r)}});
  ASSERT_EQ(done.status, 200) << done.body;
  auto shared = cluster::make_memory_shared_state();
  auto replica = [&] {  // its own SignIn, vault (with its cache) and HTTP client over the one store
    SignInOptions so;
    so.public_url = "https://gateway.example";
    so.shared = shared;
    auto s = std::make_shared<SignIn>(so, std::make_shared<sources::Vault>(gw.db, std::string(32, 'k')));
    http::ClientOptions co;
    co.policy.allow_http = true;
    co.policy.allow_loopback = true;
    s->add(gw.conn, http::make_http_client(co));
    return s;
  };
  auto one = replica(), two = replica();
  // The upstream refused at-1: both refresh at once.
  auto a = std::async(std::launch::async, [&] { return test::run(one->access_token("up", "alice", "at-1")); });
  auto b = std::async(std::launch::async, [&] { return test::run(two->access_token("up", "alice", "at-1")); });
  auto ta = a.get(), tb = b.get();
  ASSERT_TRUE(ta) << ta.error().message;
  ASSERT_TRUE(tb) << tb.error().message;
  EXPECT_EQ(*ta, "at-r1");
  EXPECT_EQ(*tb, "at-r1");
  EXPECT_EQ(*up.refreshes, 1);
  // The lock is released: the next refresh (another rejection) goes through at once.
  auto next = test::run(two->access_token("up", "alice", "at-r1"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, "at-r2");
}

}  // namespace
}  // namespace mcp::upstream
