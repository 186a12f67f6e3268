// JOSE for the OAuth client: ES256 JWS (client assertions), DPoP proofs (RFC 9449), the public JWK.
#include "client/oauth_impl.hpp"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include <chrono>

namespace mcp::client {

using namespace oauth_detail;
namespace urls = boost::urls;

namespace oauth_detail {

std::string sha256_b64url(std::string_view s) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<char*>(md), n), true);
}

// An ES256 JWS over `header`.`claims` (JOSE wants the signature as r||s, not DER).
Result<std::string> sign_with(EVP_PKEY* key, const std::string& header_json, const json::object& claims) {
  auto input = base64_encode(header_json, true) + "." + base64_encode(json::serialize(claims), true);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  std::string der;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (ok) {
    der.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    der.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return auth_error("signing failed");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return auth_error("bad ECDSA signature");
  unsigned char raw[64] = {};
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + base64_encode(std::string_view(reinterpret_cast<char*>(raw), 64), true);
}

// ES256 JWT for private_key_jwt client authentication (RFC 7523 §2.2).
Result<std::string> sign_es256(const std::string& pem, const json::object& claims) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return auth_error("cannot read the private key");
  auto jwt = sign_with(key, R"({"alg":"ES256","typ":"JWT"})", claims);
  EVP_PKEY_free(key);
  return jwt;
}

// The public half of a P-256 key as a JWK.
json::object public_jwk(EVP_PKEY* key) {
  BIGNUM *x = nullptr, *y = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  unsigned char bx[32] = {}, by[32] = {};
  if (x) BN_bn2binpad(x, bx, 32);
  if (y) BN_bn2binpad(y, by, 32);
  BN_free(x);
  BN_free(y);
  return json::object{{"kty", "EC"},
                      {"crv", "P-256"},
                      {"x", base64_encode(std::string_view(reinterpret_cast<char*>(bx), 32), true)},
                      {"y", base64_encode(std::string_view(reinterpret_cast<char*>(by), 32), true)}};
}

}  // namespace oauth_detail

bool OAuth::Impl::dpop_offered() const {
  if (auto* algs = as_meta.if_contains("dpop_signing_alg_values_supported"); algs && algs->is_array())
    for (auto& a : algs->as_array())
      if (a.is_string() && a.as_string() == "ES256") return true;
  return false;
}

Result<std::string> OAuth::Impl::dpop_proof(const std::string& method, const std::string& url, const std::string& nonce,
                               const std::string& token) {
  if (!dpop_key) dpop_key = EVP_EC_gen("P-256");
  if (!dpop_key) return auth_error("cannot make a DPoP key");
  auto htu = url.substr(0, url.find_first_of("?#"));
  json::object header{{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", public_jwk(dpop_key)}};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  json::object claims{{"jti", random_token(16)}, {"htm", method}, {"htu", htu}, {"iat", now}};
  if (!nonce.empty()) claims["nonce"] = nonce;
  if (!token.empty()) claims["ath"] = sha256_b64url(token);
  return sign_with(dpop_key, json::serialize(header), claims);
}

}  // namespace mcp::client
