// The outbound HTTP client against tiny scripted servers on 127.0.0.1 (plain and TLS): pooling,
// chunked and streamed bodies, deadlines, limits, redirects and the SSRF guard.
#include <mcp/http/client.hpp>

#include "test_util.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// What the server does for one request: write each step's bytes after its delay.
struct Step {
  std::string bytes;
  std::chrono::milliseconds delay{0};
  bool close = false;  // close the connection after this step
};
using Script = std::function<std::vector<Step>(const std::string& target)>;

std::string ok(std::string body, std::string extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

template <class Stream>
asio::awaitable<void> serve_requests(Stream& s, Script* script) {
  std::string buf;
  for (int i = 0; i < 1000; ++i) {
    auto [ec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n",
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    std::string head = buf.substr(0, n);
    buf.erase(0, n);
    std::size_t length = 0;
    if (auto p = head.find("Content-Length: "); p != std::string::npos) length = std::stoul(head.substr(p + 16));
    if (buf.size() < length) {
      auto [ec2, m] = co_await asio::async_read(s, asio::dynamic_buffer(buf), asio::transfer_exactly(length - buf.size()),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec2) co_return;
    }
    buf.erase(0, length);
    auto sp1 = head.find(' ');
    auto target = head.substr(sp1 + 1, head.find(' ', sp1 + 1) - sp1 - 1);
    for (auto& step : (*script)(target)) {
      if (step.delay.count() > 0) {
        asio::steady_timer t(co_await asio::this_coro::executor, step.delay);
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      auto [wec, w] = co_await asio::async_write(s, asio::buffer(step.bytes), asio::as_tuple(asio::use_awaitable));
      if (wec || step.close) co_return;
    }
  }
}

// A scripted HTTP/1.1 server on its own thread; counts the connections it accepted.
class TestServer {
 public:
  explicit TestServer(Script script, asio::ssl::context* tls = nullptr) : script_(std::move(script)), tls_(tls) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
  }
  int connections() const { return connections_; }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(io_, session(std::move(sock)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket sock) {
    if (!tls_) {
      co_await serve_requests(sock, &script_);
      co_return;
    }
    asio::ssl::stream<tcp::socket> s(std::move(sock), *tls_);
    auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (!ec) co_await serve_requests(s, &script_);
  }

  Script script_;
  asio::ssl::context* tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

mcp::http::ClientOptions local_options() {
  mcp::http::ClientOptions o;
  o.policy.allow_loopback = true;
  return o;
}

mcp::Result<mcp::net::ClientResponse> get(const std::shared_ptr<mcp::net::HttpClient>& c, std::string url,
                                          std::chrono::milliseconds timeout = 5s, std::size_t max_body = 1 << 20) {
  mcp::net::ClientRequest r;
  r.url = std::move(url);
  r.timeout = timeout;
  r.max_body_bytes = max_body;
  return mcp::test::run(c->send(std::move(r)));
}

std::string reason(const mcp::Error& e) { return std::string(e.data.as_object().at("reason").as_string()); }

TEST(HttpClient, KeepAliveReusesOneConnection) {
  TestServer server([](const std::string& target) { return std::vector<Step>{{ok("hello " + target)}}; });
  auto client = mcp::http::make_http_client(local_options());
  asio::io_context io;
  for (int i = 0; i < 5; ++i) {
    mcp::net::ClientRequest r;
    r.url = server.url("/n" + std::to_string(i));
    auto res = mcp::test::run(io, client->send(r));
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "hello /n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, ConnectionCloseIsNotReused) {
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("x", "Connection: close\r\n"), 0ms, true}}; });
  auto client = mcp::http::make_http_client(local_options());
  asio::io_context io;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(mcp::test::run(io, client->send({.url = server.url()})));
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, ServerClosingAnIdleConnectionIsNoticed) {
  // The server closes right after each response without saying so; the next request must not
  // fail on the dead pooled connection.
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("x"), 0ms, true}}; });
  auto client = mcp::http::make_http_client(local_options());
  asio::io_context io;
  for (int i = 0; i < 3; ++i) {
    auto res = mcp::test::run(io, client->send({.url = server.url()}));
    ASSERT_TRUE(res) << res.error().message;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, ChunkedBodyIsDecoded) {
  TestServer server([](const std::string&) {
    return std::vector<Step>{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: yes\r\n\r\n5\r\nhello\r\n"},
                             {"7\r\n, world\r\n0\r\n\r\n", 20ms}};
  });
  auto client = mcp::http::make_http_client(local_options());
  auto res = get(client, server.url());
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "hello, world");
  EXPECT_EQ(res->header("x-test"), "yes");
}

TEST(HttpClient, WholeExchangeTimesOut) {
  TestServer server([](const std::string&) {
    return std::vector<Step>{{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345"}, {"67890", 2000ms}};
  });
  auto client = mcp::http::make_http_client(local_options());
  auto start = std::chrono::steady_clock::now();
  auto res = get(client, server.url(), 200ms);
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "timeout") << res.error().message;
  EXPECT_EQ(res.error().code, mcp::errc::kRequestTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(HttpClient, BodyLargerThanTheLimitFails) {
  TestServer server([](const std::string&) { return std::vector<Step>{{ok(std::string(5000, 'a'))}}; });
  auto client = mcp::http::make_http_client(local_options());
  auto res = get(client, server.url(), 5s, 1000);
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "too_large") << res.error().message;
  EXPECT_TRUE(get(client, server.url(), 5s, 5000));
}

TEST(HttpClient, OpenStreamsTheBodyAsItArrives) {
  TestServer server([](const std::string&) {
    return std::vector<Step>{
        {"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"},
        {"d\r\ndata: first\n\n\r\n"},
        {"e\r\ndata: second\n\n\r\n", 400ms},
        {"0\r\n\r\n"}};
  });
  auto client = mcp::http::make_http_client(local_options());
  asio::io_context io;
  auto start = std::chrono::steady_clock::now();
  auto res = mcp::test::run(io, client->open({.url = server.url("/sse")}));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-type"), "text/event-stream");
  auto first = mcp::test::run(io, res->body->next());
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(**first, "data: first\n\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 350ms);  // before the second event was sent
  std::string rest;
  for (int i = 0; i < 10; ++i) {
    auto more = mcp::test::run(io, res->body->next());
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    rest += **more;
  }
  EXPECT_EQ(rest, "data: second\n\n");
  // Read to the end, the connection went back to the pool.
  ASSERT_TRUE(mcp::test::run(io, client->send({.url = server.url()})));
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, CloseEndsAStream) {
  TestServer server([](const std::string&) {
    return std::vector<Step>{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"}, {"", 3000ms}};
  });
  auto client = mcp::http::make_http_client(local_options());
  asio::io_context io;
  auto res = mcp::test::run(io, client->open({.url = server.url()}));
  ASSERT_TRUE(res);
  auto a = mcp::test::run(io, res->body->next());
  ASSERT_TRUE(a && *a);
  res->body->close();
  auto b = mcp::test::run(io, res->body->next());
  ASSERT_TRUE(b);
  EXPECT_FALSE(*b);
}

TEST(HttpClient, RedirectsComeBackUnlessFollowingIsAsked) {
  TestServer server([](const std::string& target) {
    if (target == "/a") return std::vector<Step>{{"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n"}};
    if (target == "/private")
      return std::vector<Step>{{"HTTP/1.1 307 Temporary\r\nLocation: http://10.1.2.3/x\r\nContent-Length: 0\r\n\r\n"}};
    return std::vector<Step>{{ok("at " + target)}};
  });
  auto plain = mcp::http::make_http_client(local_options());
  auto res = get(plain, server.url("/a"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->header("location"), "/b");

  auto options = local_options();
  options.max_redirects = 3;
  auto following = mcp::http::make_http_client(options);
  res = get(following, server.url("/a"));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "at /b");
  res = get(following, server.url("/private"));  // each hop is checked again
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "policy") << res.error().message;
}

TEST(HttpClient, PolicyRefusesLoopbackAndPlainHttp) {
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("x")}}; });
  auto strict = mcp::http::make_http_client({});
  auto res = get(strict, server.url());
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "policy");
  EXPECT_NE(res.error().message.find("127.0.0.1"), std::string::npos) << res.error().message;
  res = get(strict, "http://localhost:" + std::to_string(server.port()) + "/");
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "policy");
  res = get(strict, "http://169.254.169.254/latest/meta-data/");
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "policy");
  res = get(strict, "http://93.184.215.14/");  // public, but plain http: refused before connecting
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "policy");
  EXPECT_NE(res.error().message.find("http://"), std::string::npos);
  res = get(strict, "ftp://example.com/");
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "url");
  EXPECT_EQ(server.connections(), 0);

  mcp::http::ClientOptions listed;
  listed.policy.allowed_hosts = {"127.0.0.1"};
  listed.policy.allow_http = true;
  EXPECT_TRUE(get(mcp::http::make_http_client(listed), server.url()));
}

TEST(HttpClient, HeaderInjectionIsRefused) {
  auto client = mcp::http::make_http_client(local_options());
  mcp::net::ClientRequest r;
  r.url = "http://127.0.0.1:1/";
  r.headers = {{"x-a", "b\r\nInjected: yes"}};
  auto res = mcp::test::run(client->send(r));
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "header");
}

TEST(HttpClient, ConnectionRefusedIsAClearError) {
  unsigned short port;
  {
    asio::io_context io;
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto res = get(mcp::http::make_http_client(local_options()), "http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "connect");
  EXPECT_NE(res.error().message.find("refused"), std::string::npos) << res.error().message;
}

TEST(HttpClient, OneClientServesSeveralEventLoops) {
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("x")}}; });
  auto client = mcp::http::make_http_client(local_options());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      asio::io_context io;
      for (int i = 0; i < 10; ++i)
        if (mcp::test::run(io, client->send({.url = server.url()}))) ++good;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good, 30);
  EXPECT_LE(server.connections(), 3);  // one pool per loop
}

struct AddressCase {
  const char* ip;
  mcp::net::AddressKind kind;
};

TEST(HttpClient, AddressTable) {
  using K = mcp::net::AddressKind;
  const AddressCase cases[] = {
      {"8.8.8.8", K::kPublic},           {"1.1.1.1", K::kPublic},
      {"127.0.0.1", K::kLoopback},       {"127.255.0.9", K::kLoopback},
      {"::1", K::kLoopback},             {"10.0.0.1", K::kPrivate},
      {"172.16.0.1", K::kPrivate},       {"172.31.255.255", K::kPrivate},
      {"172.32.0.1", K::kPublic},        {"192.168.1.1", K::kPrivate},
      {"169.254.169.254", K::kPrivate},  {"100.64.0.1", K::kPrivate},
      {"100.100.100.200", K::kPrivate},  {"100.128.0.1", K::kPublic},
      {"0.0.0.0", K::kBlocked},          {"255.255.255.255", K::kBlocked},
      {"224.0.0.1", K::kBlocked},        {"::", K::kBlocked},
      {"fc00::1", K::kPrivate},          {"fd00:ec2::254", K::kPrivate},
      {"fe80::1", K::kPrivate},          {"::ffff:127.0.0.1", K::kLoopback},
      {"::ffff:10.0.0.1", K::kPrivate},  {"::ffff:8.8.8.8", K::kPublic},
      {"64:ff9b::a9fe:a9fe", K::kPrivate}, {"2002:a9fe:a9fe::1", K::kPrivate},
      {"2606:4700::1111", K::kPublic},   {"ff02::1", K::kBlocked},
      {"not-an-ip", K::kBlocked},        {"198.18.0.1", K::kPrivate},
  };
  for (const auto& c : cases) EXPECT_EQ(mcp::net::classify_address(c.ip), c.kind) << c.ip;
}

// TLS against a certificate made for this run with the openssl CLI.
class TlsFiles {
 public:
  explicit TlsFiles(std::string san) {
    dir_ = std::filesystem::temp_directory_path() / ("mcp-tls-" + std::to_string(::getpid()) + "-" + san.substr(0, 3));
    std::filesystem::create_directories(dir_);
    auto cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=test "
               "-addext subjectAltName=" + san + " -keyout " + key() + " -out " + cert() + " 2>/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }
  asio::ssl::context server_context() const {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain_file(cert());
    ctx.use_private_key_file(key(), asio::ssl::context::pem);
    return ctx;
  }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

TEST(HttpClient, TlsVerifiesTheCertificate) {
  TlsFiles files("DNS:localhost,IP:127.0.0.1");
  ASSERT_TRUE(files.ok()) << "openssl CLI failed";
  auto ctx = files.server_context();
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("secret")}}; }, &ctx);

  auto untrusting = mcp::http::make_http_client(local_options());
  auto res = get(untrusting, server.url());
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "tls") << res.error().message;
  EXPECT_NE(res.error().message.find("certificate"), std::string::npos) << res.error().message;

  auto options = local_options();
  options.ca_file = files.cert();
  auto trusting = mcp::http::make_http_client(options);
  res = get(trusting, server.url());
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "secret");
  res = get(trusting, "https://localhost:" + std::to_string(server.port()) + "/");  // SNI + DNS name
  ASSERT_TRUE(res) << res.error().message;
}

TEST(HttpClient, TlsRefusesACertificateForAnotherName) {
  TlsFiles files("DNS:other.example");
  ASSERT_TRUE(files.ok());
  auto ctx = files.server_context();
  TestServer server([](const std::string&) { return std::vector<Step>{{ok("x")}}; }, &ctx);
  auto options = local_options();
  options.ca_file = files.cert();
  auto res = get(mcp::http::make_http_client(options), server.url());
  ASSERT_FALSE(res);
  EXPECT_EQ(reason(res.error()), "tls");
  EXPECT_NE(res.error().message.find("mismatch"), std::string::npos) << res.error().message;
}

TEST(HttpClient, MissingCaFileThrowsAtStartUp) {
  auto options = local_options();
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(mcp::http::make_http_client(options), std::runtime_error);
}

}  // namespace
