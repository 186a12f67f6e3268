#pragma once
// Shared by the OAuth tests: a tiny blocking HTTP client (one request per connection) and
// signing keys of every algorithm an external issuer may use, with their public JWKs.
#include <mcp/core/encoding.hpp>
#include <mcp/core/json.hpp>

#include "authz/jose.hpp"
#include <mcp/net/http_client.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace mcp_test {

namespace asio = boost::asio;
using mcp::json::parse;

// `input` (a JWS signing input) signed by `key`, as a compact JWS: RS256 hashes with SHA-256,
// EdDSA signs the input itself.
inline std::string evp_signed(const std::string& input, EVP_PKEY* key, bool sha256) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, sha256 ? EVP_sha256() : nullptr, nullptr, key);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return input + "." + mcp::base64_encode(sig, true);
}

// An outbound client serving documents by URL (404 for any other), recording what it fetched.
class DocsHttpClient : public mcp::net::HttpClient {
 public:
  std::map<std::string, std::string> docs;
  std::vector<std::string> fetched;
  mcp::Task<mcp::Result<mcp::net::ClientResponse>> send(mcp::net::ClientRequest req) override {
    fetched.push_back(req.url);
    mcp::net::ClientResponse r;
    auto it = docs.find(req.url);
    r.status = it == docs.end() ? 404 : 200;
    if (it != docs.end()) r.body = it->second;
    co_return r;
  }
  mcp::Task<mcp::Result<mcp::net::StreamedResponse>> open(mcp::net::ClientRequest) override {
    co_return mcp::Error{mcp::errc::kInternalError, "not supported"};
  }
};

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case; the last value of a repeated one
  std::string body;
  std::string error() const { return std::string(parse(body).at("error").as_string()); }
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
};

// One request per connection (Connection: close), read to EOF.
inline Reply http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  asio::write(s, asio::buffer(req));
  std::string raw;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(raw), ec);
  Reply r;
  auto head_end = raw.find("\r\n\r\n");
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  r.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto c = line.find(':');
    if (c == std::string::npos) continue;
    std::string k = line.substr(0, c);
    for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto v = line.substr(c + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    r.headers[k] = v;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

struct TestKey {
  mcp::authz::Pkey key;
  std::string alg;
  std::string kid;
  mcp::json::object jwk() const {
    if (alg == "ES256") return mcp::authz::public_jwk(key.get(), kid);
    mcp::json::object j{{"kid", kid}, {"alg", alg}, {"use", "sig"}};
    if (alg == "RS256") {
      BIGNUM *n = nullptr, *e = nullptr;
      EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n);
      EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e);
      auto bytes = [](BIGNUM* b) {
        std::string s(static_cast<size_t>(BN_num_bytes(b)), '\0');
        BN_bn2bin(b, reinterpret_cast<unsigned char*>(s.data()));
        BN_free(b);
        return s;
      };
      j["kty"] = "RSA";
      j["n"] = mcp::base64_encode(bytes(n), true);
      j["e"] = mcp::base64_encode(bytes(e), true);
    } else {
      unsigned char raw[32];
      size_t len = sizeof raw;
      EVP_PKEY_get_raw_public_key(key.get(), raw, &len);
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      j["x"] = mcp::base64_encode(std::string_view(reinterpret_cast<char*>(raw), len), true);
    }
    return j;
  }
  std::string sign(mcp::json::object claims, std::string header_alg = "") const {
    mcp::json::object h{{"alg", header_alg.empty() ? alg : header_alg}, {"typ", "at+jwt"}, {"kid", kid}};
    if (alg == "ES256") return mcp::authz::sign_es256(h, claims, key.get());
    std::string input = mcp::base64_encode(mcp::json::serialize(h), true) + "." +
                        mcp::base64_encode(mcp::json::serialize(claims), true);
    return evp_signed(input, key.get(), alg == "RS256");
  }
};

inline TestKey make_key(const std::string& alg, const std::string& kid) {
  if (alg == "RS256") return {mcp::authz::Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})), alg, kid};
  if (alg == "EdDSA") return {mcp::authz::Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")), alg, kid};
  return {mcp::authz::generate_es256(), alg, kid};
}

inline std::string jwks(std::initializer_list<const TestKey*> keys) {
  mcp::json::array a;
  for (auto* k : keys) a.push_back(k->jwk());
  return mcp::json::serialize(mcp::json::object{{"keys", std::move(a)}});
}

}  // namespace mcp_test
