// Which hosts count as loopback for plain-http redirect URIs (RFC 8252 §7.3, §8.3) and which
// client ID metadata document URLs are refused before any fetch. The authorization server's
// routes are called directly (no socket), over an in-memory store.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mcp/authz/authz.hpp>

#include "authz/host_literal.hpp"
#include "authz/web.hpp"
#include "oauth_test_support.hpp"

namespace {

using mcp::json::parse;

TEST(Loopback, OnlyLocalhostCanonical127AndV6One) {
  for (const char* h : {"localhost", "LocalHost", "127.0.0.1", "127.0.0.2", "127.255.255.254", "[::1]"})
    EXPECT_TRUE(mcp::authz::is_loopback_host(h)) << h;
  for (const char* h :
       {"127.evil.example",   "127.0.0.1.nip.io",  "127.1",      "0x7f.0.0.1",  "0177.0.0.1",    "2130706433",
        "127.0.0.1.",         "127.000.0.1",       "127.0.0.01", "127.0.0.256", "127.0.0",       "128.0.0.1",
        "[::ffff:127.0.0.1]", "[0:0:0:0:0:0:0:1]", "[::1]x",     "localhost.",  "foo.localhost", "",
        "127.0.0.1:80",       "127.0.0.1%2e"})
    EXPECT_FALSE(mcp::authz::is_loopback_host(h)) << h;
}

TEST(Loopback, Ipv4LiteralsAndNumericHosts) {
  EXPECT_EQ(mcp::authz::parse_ipv4_literal("127.0.0.1"), 0x7f000001u);
  EXPECT_EQ(mcp::authz::parse_ipv4_literal("0.0.0.0"), 0u);
  EXPECT_EQ(mcp::authz::parse_ipv4_literal("255.255.255.255"), 0xffffffffu);
  for (const char* h : {"1.2.3", "1.2.3.4.5", "01.2.3.4", "1..3.4", "1.2.3.4.", " 1.2.3.4", "+1.2.3.4", "1.2.3.1000"})
    EXPECT_FALSE(mcp::authz::parse_ipv4_literal(h)) << h;
  // What a resolver or a browser would read as an address, in any spelling.
  for (const char* h : {"127.1", "0x7f.0.0.1", "2130706433", "127.0.0.1.", "1.2.3.0x", "a.b.0X1f", "1.2.3.4"})
    EXPECT_TRUE(mcp::authz::numeric_host(h)) << h;
  for (const char* h : {"127.0.0.1.nip.io", "example.com", "0x7g", "1.2.3.4x", "", "."})
    EXPECT_FALSE(mcp::authz::numeric_host(h)) << h;
}

TEST(Loopback, PlainHttpRedirectUrisOnlyOnLoopback) {
  for (const char* ok : {"http://127.0.0.1/cb", "http://127.0.0.1:7777/cb", "http://localhost:1/cb",
                         "http://[::1]:8080/cb", "https://127.evil.example/cb"})
    EXPECT_EQ(mcp::authz::check_redirect_uri(ok), "") << ok;
  for (const char* bad : {"http://127.evil.example/cb", "http://127.0.0.1.nip.io/cb", "http://127.1/cb",
                          "http://0x7f.0.0.1/cb", "http://2130706433/cb", "http://[::ffff:127.0.0.1]/cb",
                          "http://127.0.0.1.:80/cb", "http://127.0.0.1@evil.example/cb"})
    EXPECT_NE(mcp::authz::check_redirect_uri(bad), "") << bad;
}

class Routes : public ::testing::Test {
 protected:
  void start(bool allow_http_loopback = false) {
    mcp::authz::AuthzOptions o;
    o.issuer = "https://as.example";
    o.resource = "https://as.example/mcp";
    o.key_encryption_key = std::string(32, 'k');
    o.http_client = fake;
    o.metadata_allow_http_loopback = allow_http_loopback;
    as = std::make_unique<mcp::authz::AuthorizationServer>(o, store);
    for (auto& r : as->routes()) routes[r.path] = r.handler;
  }
  mcp::net::HttpResponse call(const std::string& method, const std::string& target, std::string body = "",
                              mcp::net::Headers headers = {}) {
    mcp::net::HttpRequest req{method, target, std::move(headers), std::move(body), "192.0.2.1"};
    auto path = std::string(req.path());
    boost::asio::io_context io;
    mcp::net::HttpResponse out;
    out.status = 0;
    boost::asio::co_spawn(io, routes.at(path)(std::move(req)), [&](std::exception_ptr e, mcp::net::HttpResponse r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    io.run();
    return out;
  }
  mcp::net::HttpResponse authorize(const std::string& client, const std::string& redirect) {
    return call("GET", mcp::authz::add_query("/authorize", {{"response_type", "code"},
                                                            {"client_id", client},
                                                            {"redirect_uri", redirect},
                                                            {"code_challenge", std::string(43, 'A')},
                                                            {"code_challenge_method", "S256"}}));
  }
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(":memory:");
  std::shared_ptr<mcp_test::DocsHttpClient> fake = std::make_shared<mcp_test::DocsHttpClient>();
  std::unique_ptr<mcp::authz::AuthorizationServer> as;
  std::map<std::string, mcp::net::RouteHandler> routes;
};

TEST_F(Routes, RegistrationRefusesPlainHttpOffLoopback) {
  start();
  auto reg = [&](const std::string& uri) {
    return call("POST", "/register", R"({"token_endpoint_auth_method":"none","redirect_uris":[")" + uri + "\"]}",
                {{"content-type", "application/json"}});
  };
  auto evil = reg("http://127.evil.example/cb");
  EXPECT_EQ(evil.status, 400);
  EXPECT_EQ(parse(evil.body).at("error"), "invalid_redirect_uri");
  EXPECT_EQ(reg("http://127.0.0.1.nip.io/cb").status, 400);
  EXPECT_EQ(reg("http://0x7f.0.0.1/cb").status, 400);
  EXPECT_EQ(reg("http://127.0.0.1:7777/cb").status, 201);
}

TEST_F(Routes, AnyPortOnlyForRealLoopbackRedirects) {
  start();
  // As an older version could have stored them.
  mcp::store::OAuthClient c;
  c.id = "c_old";
  c.auth_method = "none";
  c.redirect_uris = {"http://127.evil.example:1/cb", "http://127.0.0.1:7777/cb"};
  c.grant_types = {"authorization_code"};
  c.metadata = "{}";
  store->put_oauth_client(c);
  EXPECT_EQ(authorize("c_old", "http://127.0.0.1:5555/cb").status, 200);  // RFC 8252 §7.3: any port
  EXPECT_EQ(authorize("c_old", "http://127.0.0.1:5555/other").status, 400);
  EXPECT_EQ(authorize("c_old", "http://127.evil.example:2/cb").status, 400);
  auto exact = authorize("c_old", "http://127.evil.example:1/cb");
  EXPECT_EQ(exact.status, 200);  // registered verbatim: exact matches stay a client's own choice
}

TEST_F(Routes, ClientIdUrlsOnNonPublicOrObfuscatedLiteralsAreNeverFetched) {
  start();
  for (const char* id : {"https://127.0.0.1/c.json", "https://127.1/c.json", "https://0x7f.0.0.1/c.json",
                         "https://2130706433/c.json", "https://10.0.0.1/c.json", "https://169.254.169.254/c.json",
                         "https://[::1]/c.json", "https://[::ffff:127.0.0.1]/c.json", "https://[fd00::1]/c.json",
                         "https://localhost/c.json", "https://127.0.0.1./c.json"})
    EXPECT_EQ(authorize(id, "https://app.example/cb").status, 400) << id;
  EXPECT_EQ(fake->fetched, std::vector<std::string>{});
  // DNS names are fetched (the HttpClient's UrlPolicy judges what they resolve to), including
  // ones that merely start like a private address.
  EXPECT_EQ(authorize("https://10.evil.example/c.json", "https://app.example/cb").status, 400);
  EXPECT_EQ(authorize("https://127.0.0.1.nip.io/c.json", "https://app.example/cb").status, 400);
  EXPECT_EQ(fake->fetched,
            (std::vector<std::string>{"https://10.evil.example/c.json", "https://127.0.0.1.nip.io/c.json"}));
}

TEST_F(Routes, PlainHttpClientIdUrlsOnlyOnLoopbackEvenInTests) {
  start(/*allow_http_loopback=*/true);
  const std::string local = "http://127.0.0.1:1/c.json";
  fake->docs[local] = R"({"client_id":")" + local + R"(","redirect_uris":["http://127.0.0.1:7777/cb"]})";
  EXPECT_EQ(authorize(local, "http://127.0.0.1:7777/cb").status, 200);
  EXPECT_EQ(authorize("http://app.example/c.json", "http://127.0.0.1:7777/cb").status, 400);
  EXPECT_EQ(authorize("http://127.evil.example/c.json", "http://127.0.0.1:7777/cb").status, 400);
  EXPECT_EQ(fake->fetched, std::vector<std::string>{local});
}

// Found by the oauth_endpoints fuzzer: descriptions quoting client input that is not UTF-8 made
// the body invalid JSON. RFC 6749 §5.2 allows printable ASCII only.
TEST_F(Routes, ErrorDescriptionsStayPrintableAscii) {
  start();
  mcp::store::OAuthClient c;
  c.id = "c_pub";
  c.redirect_uris = {"https://a.example/cb"};
  c.grant_types = {"authorization_code"};
  c.metadata = "{}";
  store->put_oauth_client(c);
  auto r = call("POST", "/token", "grant_type=authorization_%ff%fe%0a&client_id=c_pub",
                {{"content-type", "application/x-www-form-urlencoded"}});
  boost::system::error_code ec;
  auto body = mcp::json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(body.at("error_description"), "unsupported grant_type authorization_???");
  auto g = call("POST", "/register", R"({"redirect_uris":["https://a.example/cb"],"grant_types":["x\u00e9\n"]})",
                {{"content-type", "application/json"}});
  body = mcp::json::parse(g.body, ec);
  ASSERT_FALSE(ec) << g.body;
  EXPECT_EQ(body.at("error_description"), "unsupported grant type x???");
}

}  // namespace
