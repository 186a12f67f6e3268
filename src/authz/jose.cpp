#include "authz/jose.hpp"

#include <mcp/core/encoding.hpp>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace mcp::authz {
namespace {

constexpr std::size_t kMaxToken = 16 << 10;

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
  void operator()(BIGNUM* b) const { BN_free(b); }
};

std::string bn_bytes(const BIGNUM* b, int len) {
  std::string out(static_cast<size_t>(len), '\0');
  if (BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), len) != len)
    throw std::runtime_error("bn2binpad");
  return out;
}

std::optional<json::object> decode_object(std::string_view b64) {
  auto raw = base64_decode(b64);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

bool is_b64url(std::string_view s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

Pkey generate_es256() {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!k) throw std::runtime_error("cannot generate a P-256 key");
  return k;
}

std::string private_der(EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  int n = i2d_PrivateKey(key, &buf);
  if (n <= 0) throw std::runtime_error("cannot encode the private key");
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_clear_free(buf, static_cast<size_t>(n));
  return out;
}

Pkey load_private_der(std::string_view der) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
}

json::object public_jwk(EVP_PKEY* key, const std::string& kid) {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y)) {
    BN_free(x);
    BN_free(y);
    throw std::runtime_error("cannot read the public key");
  }
  std::unique_ptr<BIGNUM, CtxFree> xf(x), yf(y);
  return json::object{{"kty", "EC"},
                      {"crv", "P-256"},
                      {"x", base64_encode(bn_bytes(x, 32), true)},
                      {"y", base64_encode(bn_bytes(y, 32), true)},
                      {"kid", kid},
                      {"alg", "ES256"},
                      {"use", "sig"}};
}

Result<Jws> parse_jws(std::string_view token) {
  if (token.size() > kMaxToken) return Error{errc::kInvalidRequest, "token too long"};
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return Error{errc::kInvalidRequest, "not a JWT"};
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return Error{errc::kInvalidRequest, "not a JWT"};
  auto h = token.substr(0, d1), p = token.substr(d1 + 1, d2 - d1 - 1), s = token.substr(d2 + 1);
  if (!is_b64url(h) || !is_b64url(p) || !is_b64url(s)) return Error{errc::kInvalidRequest, "not base64url"};
  auto header = decode_object(h);
  if (!header) return Error{errc::kInvalidRequest, "malformed JWT header"};
  auto payload = decode_object(p);
  if (!payload) return Error{errc::kInvalidRequest, "malformed JWT payload"};
  auto sig = base64_decode(s);
  if (!sig) return Error{errc::kInvalidRequest, "malformed JWT signature"};
  return Jws{std::move(*header), std::move(*payload), std::string(token.substr(0, d2)), std::move(*sig)};
}

std::string sign_es256(const json::object& header, const json::object& payload, EVP_PKEY* key) {
  std::string input = base64_encode(json::serialize(header), true) + "." + base64_encode(json::serialize(payload), true);
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("ES256 sign failed");
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("ES256 sign failed");
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, CtxFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) throw std::runtime_error("ES256 signature decode failed");
  std::string raw = bn_bytes(ECDSA_SIG_get0_r(sig.get()), 32) + bn_bytes(ECDSA_SIG_get0_s(sig.get()), 32);
  return input + "." + base64_encode(raw, true);
}

bool verify_es256(const Jws& jws, EVP_PKEY* key) {
  if (jws.signature.size() != 64 || !key) return false;
  auto* raw = reinterpret_cast<const unsigned char*>(jws.signature.data());
  std::unique_ptr<ECDSA_SIG, CtxFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(n),
                             reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                             jws.signing_input.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

Pkey public_key_from_jwk(const json::object& jwk) {
  auto kty = find_string(jwk, "kty").value_or("");
  auto b64 = [&](const char* k) -> std::optional<std::string> {
    auto v = find_string(jwk, k);
    if (!v) return std::nullopt;
    return base64_decode(*v);
  };
  auto from_params = [](const char* type, OSSL_PARAM* params) {
    Pkey out;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* k = nullptr;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) == 1)
      out.reset(k);
    EVP_PKEY_CTX_free(ctx);
    return out;
  };
  if (kty == "RSA") {
    auto n = b64("n"), e = b64("e");
    if (!n || !e || n->size() < 256 || n->size() > 1024 || e->empty() || e->size() > 8) return nullptr;
    // An even or tiny exponent is no RSA key: with e = 1 the padded digest itself "verifies".
    auto e_value = std::accumulate(e->begin(), e->end(), std::uint64_t{0},
                                   [](std::uint64_t v, char c) { return (v << 8) | static_cast<unsigned char>(c); });
    if (e_value < 3 || e_value % 2 == 0) return nullptr;
    std::unique_ptr<BIGNUM, CtxFree> bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
    std::unique_ptr<BIGNUM, CtxFree> be(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    if (!bld || !bn || !be || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be.get()) != 1) {
      OSSL_PARAM_BLD_free(bld);
      return nullptr;
    }
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    auto k = params ? from_params("RSA", params) : Pkey();
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return k;
  }
  if (kty == "EC") {
    auto x = b64("x"), y = b64("y");
    if (find_string(jwk, "crv").value_or("") != "P-256" || !x || !y || x->size() != 32 || y->size() != 32) return nullptr;
    std::string point = "\x04" + *x + *y;
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    return from_params("EC", params);
  }
  if (kty == "OKP") {
    auto x = b64("x");
    if (find_string(jwk, "crv").value_or("") != "Ed25519" || !x || x->size() != 32) return nullptr;
    return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), 32));
  }
  return nullptr;
}

bool verify_jws(const Jws& jws, std::string_view alg, EVP_PKEY* key) {
  if (!key) return false;
  int id = EVP_PKEY_get_base_id(key);
  if (alg == "ES256") return id == EVP_PKEY_EC && verify_es256(jws, key);
  const EVP_MD* md = nullptr;
  if (alg == "RS256") {
    if (id != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048) return false;
    md = EVP_sha256();
  } else if (alg == "EdDSA") {
    if (id != EVP_PKEY_ED25519 || jws.signature.size() != 64) return false;
  } else {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(jws.signature.data()), jws.signature.size(),
                          reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size()) == 1;
}

std::string sha256_b64url(std::string_view text) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<char*>(md), n), true);
}

std::string seal(std::string_view key32, std::string_view plaintext, std::string_view aad) {
  if (key32.size() != 32) throw std::runtime_error("the key encryption key must be 32 bytes");
  unsigned char nonce[12];
  if (RAND_bytes(nonce, sizeof nonce) != 1) throw std::runtime_error("RAND_bytes failed");
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(reinterpret_cast<char*>(nonce), 12);
  out.resize(12 + plaintext.size() + 16);
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + 12;
  int len = 0, fin = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                 reinterpret_cast<const unsigned char*>(key32.data()), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, ct + plaintext.size()) != 1)
    throw std::runtime_error("AES-GCM encrypt failed");
  return base64_encode(out, true);
}

std::optional<std::string> open(std::string_view key32, std::string_view sealed_b64, std::string_view aad) {
  auto sealed = base64_decode(sealed_b64);
  if (key32.size() != 32 || !sealed || sealed->size() < 28) return std::nullopt;
  auto* in = reinterpret_cast<const unsigned char*>(sealed->data());
  size_t n = sealed->size() - 28;
  std::string out(n, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  std::string tag = sealed->substr(12 + n);
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key32.data()),
                         in) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in + 12, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &fin) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

}  // namespace mcp::authz
