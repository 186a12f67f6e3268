// HTTPS on HttpServer, with a throw-away CA and certificates the openssl CLI makes for each run
// (no key is in the repository): the pair's checks, protocol floor and ALPN, reload on a file
// change and on SIGHUP while open connections keep theirs.
#include <mcp/http/http.hpp>
#include <mcp/server/server.hpp>

#include "http/tls_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace mcp {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A CA and leaf certificates it signs, in a directory removed afterwards.
class Pki {
 public:
  Pki() {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() / ("mcp-tls-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir_);
    ok_ = sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=mcp-test-ca"
             " -keyout " + path("ca.key") + " -out " + ca());
  }
  ~Pki() { fs::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string ca() const { return path("ca.pem"); }

  // <name>.pem and <name>.key: `key` is "ec" or "rsa"; serial in hex.
  bool leaf(const std::string& name, const std::string& key, const std::string& serial) const {
    std::string newkey = key == "rsa" ? "-newkey rsa:2048" : "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
    return sh("openssl req -x509 " + newkey + " -nodes -days 1 -subj /CN=localhost"
              " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE"
              " -CA " + ca() + " -CAkey " + path("ca.key") + " -set_serial 0x" + serial +
              " -keyout " + path(name + ".key") + " -out " + path(name + ".pem"));
  }
  // Installs <name> as the served pair (renamed over it, as a deployment tool would).
  void install(const std::string& name) const {
    fs::copy_file(path(name + ".pem"), path("tmp.pem"), fs::copy_options::overwrite_existing);
    fs::copy_file(path(name + ".key"), path("tmp.key"), fs::copy_options::overwrite_existing);
    fs::rename(path("tmp.pem"), path("served.pem"));
    fs::rename(path("tmp.key"), path("served.key"));
  }
  TlsOptions served(std::chrono::milliseconds watch = std::chrono::milliseconds(0)) const {
    TlsOptions o;
    o.cert_file = path("served.pem");
    o.key_file = path("served.key");
    o.watch_interval = watch;
    return o;
  }

 private:
  fs::path dir_;
  bool ok_ = false;
};

// A blocking TLS client that verifies the server against the test CA.
class Client {
 public:
  explicit Client(const std::string& ca, std::string alpn = "http/1.1", int max_version = 0) {
    ctx_.load_verify_file(ca);
    ctx_.set_verify_mode(asio::ssl::verify_peer);
    SSL_CTX_set_security_level(ctx_.native_handle(), 0);  // let the client offer old versions
    SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_VERSION);
    if (max_version) SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_version);
    std::string wire(1, static_cast<char>(alpn.size()));
    wire += alpn;
    SSL_CTX_set_alpn_protos(ctx_.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  // "" once the handshake is done, else the error.
  std::string connect(std::uint16_t port) {
    s_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, ctx_);
    s_->set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    SSL_set_tlsext_host_name(s_->native_handle(), "localhost");
    boost::system::error_code ec;
    s_->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) s_->handshake(asio::ssl::stream_base::client, ec);
    return ec ? ec.message() : "";
  }
  std::string serial() const {
    X509* cert = SSL_get1_peer_certificate(s_->native_handle());
    if (!cert) return "";
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out = hex;
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(cert);
    return out;
  }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(s_->native_handle(), &p, &n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  int version() const { return SSL_version(s_->native_handle()); }
  // One keep-alive request; the response's body ("" with `status` 0 when it failed).
  std::string get(const std::string& path, int* status = nullptr) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    boost::system::error_code ec;
    asio::write(*s_, asio::buffer(req), ec);
    std::string buf;
    std::size_t head = ec ? 0 : asio::read_until(*s_, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
    if (ec) {
      if (status) *status = 0;
      return "";
    }
    if (status) *status = std::stoi(buf.substr(9, 3));
    auto cl = buf.find("Content-Length: ");
    std::size_t length = cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
    while (buf.size() < head + length) {
      char chunk[4096];
      auto n = s_->read_some(asio::buffer(chunk), ec);
      if (ec) break;
      buf.append(chunk, n);
    }
    return buf.substr(head, length);
  }

 private:
  asio::io_context io_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<tcp::socket>> s_;
};

HttpOptions https_options(const TlsOptions& tls) {
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.tls = tls;
  o.routes.push_back({"/who", false, [](net::HttpRequest r) -> Task<net::HttpResponse> {
                        co_return net::text_response(200, "text/plain", r.scheme + " " + r.remote_address);
                      }});
  return o;
}

// Waits (bounded) until a new handshake presents `serial`.
bool serves(std::uint16_t port, const std::string& ca, const std::string& serial) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    Client c(ca);
    if (c.connect(port).empty() && c.serial() == serial) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(TlsContext, LoadsEcdsaAndRsaPairs) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  for (std::string type : {"ec", "rsa"}) {
    ASSERT_TRUE(pki.leaf(type, type, "A1"));
    TlsOptions o;
    o.cert_file = pki.path(type + ".pem");
    o.key_file = pki.path(type + ".key");
    EXPECT_NO_THROW(http::load_server_context(o)) << type;
  }
}

std::string load_error(const TlsOptions& o) {
  try {
    http::load_server_context(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(TlsContext, RefusesUnusablePairsSayingWhy) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(pki.leaf("a", "ec", "A1"));
  ASSERT_TRUE(pki.leaf("b", "rsa", "B1"));
  ASSERT_TRUE(pki.leaf("c", "ec", "C1"));
  TlsOptions o;
  o.cert_file = pki.path("a.pem");
  o.key_file = pki.path("b.key");  // another type
  EXPECT_NE(load_error(o).find("does not match the certificate"), std::string::npos) << load_error(o);
  o.key_file = pki.path("c.key");  // the same type
  EXPECT_NE(load_error(o).find("c.key does not match the certificate in"), std::string::npos) << load_error(o);
  o.key_file = pki.path("missing.key");
  EXPECT_NE(load_error(o).find("missing.key: No such file"), std::string::npos) << load_error(o);
  std::ofstream(pki.path("garbage.key")) << "not a key\n";
  o.key_file = pki.path("garbage.key");
  EXPECT_NE(load_error(o).find("not an unencrypted PEM private key"), std::string::npos) << load_error(o);
  o.key_file = pki.path("a.key");
  o.cert_file = pki.path("garbage.key");
  EXPECT_NE(load_error(o).find("not a PEM certificate chain"), std::string::npos) << load_error(o);
  // An encrypted key is refused rather than prompting for a passphrase on the terminal.
  ASSERT_TRUE(sh("openssl pkey -in " + pki.path("a.key") + " -aes256 -passout pass:x -out " + pki.path("enc.key")));
  o.cert_file = pki.path("a.pem");
  o.key_file = pki.path("enc.key");
  EXPECT_NE(load_error(o).find("not an unencrypted PEM private key"), std::string::npos) << load_error(o);
  o.key_file.clear();
  EXPECT_NE(load_error(o).find("key_file is not set"), std::string::npos) << load_error(o);
}

TEST(HttpsServer, ABadPairAtStartIsAConfigurationError) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(pki.leaf("a", "ec", "A1"));
  ASSERT_TRUE(pki.leaf("b", "ec", "B1"));
  TlsOptions o;
  o.cert_file = pki.path("a.pem");
  o.key_file = pki.path("b.key");
  Server server({});
  EXPECT_THROW(HttpServer(server, https_options(o)), std::invalid_argument);
}

TEST(HttpsServer, ServesHttp11OverTls12AndUp) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(pki.leaf("a", "rsa", "A1"));
  pki.install("a");
  Server server({});
  HttpServer http(server, https_options(pki.served()));
  http.start();

  Client c(pki.ca());
  ASSERT_EQ(c.connect(http.port()), "");
  EXPECT_EQ(c.serial(), "A1");
  EXPECT_EQ(c.alpn(), "http/1.1");
  EXPECT_GE(c.version(), TLS1_2_VERSION);
  int status = 0;
  EXPECT_EQ(c.get("/healthz", &status), "ok\n");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(c.get("/who"), "https 127.0.0.1");  // same connection: keep-alive over TLS

  Client tls12(pki.ca(), "http/1.1", TLS1_2_VERSION);
  EXPECT_EQ(tls12.connect(http.port()), "");
  Client tls11(pki.ca(), "http/1.1", TLS1_1_VERSION);
  EXPECT_NE(tls11.connect(http.port()), "");
  Client h2only(pki.ca(), "h2");
  EXPECT_NE(h2only.connect(http.port()), "");

  // Plain HTTP on the TLS port gets no HTTP answer.
  asio::io_context io;
  tcp::socket plain(io);
  plain.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http.port()));
  asio::write(plain, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got;
  boost::system::error_code ec;
  asio::read(plain, asio::dynamic_buffer(got), ec);
  EXPECT_EQ(got.find("200 OK"), std::string::npos);
  http.stop();
}

TEST(HttpsServer, ChangedFilesServeNewHandshakesWhileOpenConnectionsKeepGoing) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(pki.leaf("a", "ec", "A1"));
  ASSERT_TRUE(pki.leaf("b", "rsa", "B2"));
  ASSERT_TRUE(pki.leaf("c", "ec", "C3"));
  ASSERT_TRUE(pki.leaf("d", "ec", "D4"));
  pki.install("a");
  Server server({});
  HttpServer http(server, https_options(pki.served(std::chrono::milliseconds(100))));
  http.start();
  Client open(pki.ca());
  ASSERT_EQ(open.connect(http.port()), "");
  EXPECT_EQ(open.get("/healthz"), "ok\n");

  pki.install("b");
  EXPECT_TRUE(serves(http.port(), pki.ca(), "B2"));
  EXPECT_EQ(open.get("/healthz"), "ok\n");  // the connection made before goes on
  EXPECT_EQ(open.serial(), "A1");

  // A key of another certificate: refused, the previous pair stays.
  fs::copy_file(pki.path("c.pem"), pki.path("served.pem"), fs::copy_options::overwrite_existing);
  fs::copy_file(pki.path("d.key"), pki.path("served.key"), fs::copy_options::overwrite_existing);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Client after(pki.ca());
  ASSERT_EQ(after.connect(http.port()), "");
  EXPECT_EQ(after.serial(), "B2");
  EXPECT_EQ(after.get("/healthz"), "ok\n");

  pki.install("d");  // fixed: taken at the next poll
  EXPECT_TRUE(serves(http.port(), pki.ca(), "D4"));
  EXPECT_EQ(open.get("/healthz"), "ok\n");
  http.stop();
}

TEST(HttpsServer, SighupReloadsThePair) {
  Pki pki;
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(pki.leaf("a", "ec", "A1"));
  ASSERT_TRUE(pki.leaf("b", "ec", "B2"));
  pki.install("a");
  Server server({});
  HttpServer http(server, https_options(pki.served()));  // no file watch: SIGHUP only
  http.start();
  pki.install("b");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Client before(pki.ca());
  ASSERT_EQ(before.connect(http.port()), "");
  EXPECT_EQ(before.serial(), "A1");
  ::kill(::getpid(), SIGHUP);
  EXPECT_TRUE(serves(http.port(), pki.ca(), "B2"));
  http.stop();
}

}  // namespace
}  // namespace mcp
