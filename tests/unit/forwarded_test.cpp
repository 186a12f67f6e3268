// Forwarded / X-Forwarded-* believed only from trusted proxies: the rules, and HttpServer
// applying them to what routes see.
#include <mcp/http/http.hpp>
#include <mcp/server/server.hpp>

#include "http/forwarded.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <string>

namespace mcp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using http::TrustedProxies;

net::HttpRequest from(std::string peer, net::Headers headers) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = "/";
  r.remote_address = std::move(peer);
  r.headers = std::move(headers);
  r.headers.emplace_back("host", "10.0.0.2:8080");
  return r;
}

TEST(TrustedProxies, ParsesAddressesAndNetworks) {
  EXPECT_EQ(check_trusted_proxy("10.0.0.0/8"), "");
  EXPECT_EQ(check_trusted_proxy("::1"), "");
  EXPECT_EQ(check_trusted_proxy("fd00::/8"), "");
  EXPECT_NE(check_trusted_proxy("10.0.0.0/33"), "");
  EXPECT_NE(check_trusted_proxy("proxy.example.com"), "");
  EXPECT_NE(check_trusted_proxy("10.0.0.0/"), "");
  EXPECT_THROW(TrustedProxies({"nope"}), std::invalid_argument);

  TrustedProxies t({"10.0.0.0/8", "192.168.1.7", "fd00::/8"});
  EXPECT_TRUE(t.contains("10.200.3.4"));
  EXPECT_TRUE(t.contains("::ffff:10.1.1.1"));  // a dual-stack listener's view of an IPv4 peer
  EXPECT_TRUE(t.contains("192.168.1.7"));
  EXPECT_FALSE(t.contains("192.168.1.8"));
  EXPECT_FALSE(t.contains("11.0.0.1"));
  EXPECT_TRUE(t.contains("fd12::1"));
  EXPECT_FALSE(t.contains("fe80::1"));
  EXPECT_FALSE(t.contains("garbage"));
  EXPECT_FALSE(TrustedProxies().contains("127.0.0.1"));
}

TEST(TrustedProxies, IgnoresForwardedHeadersFromAnUntrustedPeer) {
  TrustedProxies t({"10.0.0.0/8"});
  auto r = from("203.0.113.9", {{"x-forwarded-for", "1.2.3.4"}, {"x-forwarded-proto", "https"},
                                {"x-forwarded-host", "spoofed.example"}, {"forwarded", "for=5.6.7.8"}});
  t.apply(r);
  EXPECT_EQ(r.remote_address, "203.0.113.9");
  EXPECT_EQ(r.scheme, "http");
  EXPECT_EQ(r.header("host"), "10.0.0.2:8080");
}

TEST(TrustedProxies, TakesTheNearestUntrustedAddressOfTheChain) {
  TrustedProxies t({"10.0.0.0/8"});
  // The client wrote "1.1.1.1" itself; the proxy appended the address it saw.
  auto r = from("10.0.0.5", {{"x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.9"},
                             {"x-forwarded-proto", "https"},
                             {"x-forwarded-host", "mcp.example.com"}});
  t.apply(r);
  EXPECT_EQ(r.remote_address, "198.51.100.7");
  EXPECT_EQ(r.scheme, "https");
  EXPECT_EQ(r.header("host"), "mcp.example.com");

  // RFC 7239 wins over X-Forwarded-*; quoted IPv6 with a port; proto/host of the client's hop.
  auto f = from("10.0.0.5", {{"forwarded", R"(for="[2001:db8::17]:4711";proto=https;host=mcp.example.com)"},
                             {"forwarded", "for=10.0.0.9;proto=http"},
                             {"x-forwarded-for", "9.9.9.9"}});
  t.apply(f);
  EXPECT_EQ(f.remote_address, "2001:db8::17");
  EXPECT_EQ(f.scheme, "https");
  EXPECT_EQ(f.header("host"), "mcp.example.com");

  // An entry that is no address ends the walk at the last trusted hop; bad values are ignored.
  auto u = from("10.0.0.5", {{"x-forwarded-for", "unknown, 10.0.0.9"}, {"x-forwarded-proto", "gopher"},
                             {"x-forwarded-host", "bad host\r\n"}});
  t.apply(u);
  EXPECT_EQ(u.remote_address, "10.0.0.9");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.header("host"), "10.0.0.2:8080");
}

TEST(TrustedProxies, ForwardedAddressForms) {
  EXPECT_EQ(http::forwarded_address("192.0.2.1:80").value_or(""), "192.0.2.1");
  EXPECT_EQ(http::forwarded_address("\"[::1]:80\"").value_or(""), "::1");
  EXPECT_EQ(http::forwarded_address("::ffff:192.0.2.1").value_or(""), "192.0.2.1");
  EXPECT_FALSE(http::forwarded_address("_hidden"));
  EXPECT_FALSE(http::forwarded_address(""));
}

// What a route sees through a real connection from 127.0.0.1.
std::string who(const std::vector<std::string>& trusted, const std::string& headers) {
  Server server({});
  HttpOptions o;
  o.port = 0;
  o.trusted_proxies = trusted;
  o.routes.push_back({"/who", false, [](net::HttpRequest r) -> Task<net::HttpResponse> {
                        co_return net::text_response(200, "text/plain", r.remote_address + " " + r.scheme + " " +
                                                                            std::string(r.header("host")));
                      }});
  HttpServer http(server, o);
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  std::string req = "GET /who HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n";
  asio::write(s, asio::buffer(req));
  std::string got;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(got), ec);
  http.stop();
  auto body = got.find("\r\n\r\n");
  return body == std::string::npos ? got : got.substr(body + 4);
}

TEST(HttpServerProxies, SpoofedForwardedForFromAnUntrustedPeerIsIgnored) {
  std::string spoof = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n";
  EXPECT_EQ(who({}, spoof), "127.0.0.1 http 127.0.0.1");
  EXPECT_EQ(who({"10.0.0.0/8"}, spoof), "127.0.0.1 http 127.0.0.1");
  EXPECT_EQ(who({"127.0.0.1"}, spoof), "6.6.6.6 https evil.example");
}

TEST(HttpServerProxies, ABadEntryIsAConfigurationError) {
  Server server({});
  HttpOptions o;
  o.trusted_proxies = {"10.0.0.0/99"};
  EXPECT_THROW(HttpServer(server, o), std::invalid_argument);
}

}  // namespace
}  // namespace mcp

namespace mcp {
namespace {
// A handler whose backend does not answer (a store down throws) gets a clear 503 with
// Retry-After, and the keep-alive connection goes on serving: it used to end the connection's
// coroutine and leave the socket open, so the client waited forever.
TEST(HttpServerFaults, AThrowingHandlerIsA503AndTheConnectionGoesOn) {
  Server server({.info = {.name = "t", .version = "1"}});
  HttpOptions o;
  o.port = 0;
  o.routes.push_back({"/down", false, [](net::HttpRequest) -> Task<net::HttpResponse> {
                        throw std::runtime_error("postgresql store: cannot connect");
                        co_return net::text_response(200, "text/plain", "unreachable");
                      }});
  HttpServer http(server, o);
  http.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  std::string two = "GET /down HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  asio::write(s, asio::buffer(two));
  std::string got;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(got), ec);  // until the server closes after the second answer
  http.stop();
  EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
  EXPECT_NE(got.find("Retry-After: 5"), std::string::npos) << got;
  EXPECT_EQ(got.find("postgresql"), std::string::npos) << "the detail stays in the log: " << got;
  EXPECT_NE(got.find("HTTP/1.1 200", 10), std::string::npos) << "the connection served the next request: " << got;
}
}  // namespace
}  // namespace mcp
