#pragma once
// JOSE pieces of the authorization server (OpenSSL EVP only): ES256 keys, compact JWS, and the
// AES-256-GCM envelope that keeps signing keys encrypted at rest.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace mcp::authz {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A new P-256 key.
Pkey generate_es256();
// PKCS#8/traditional DER of the private key, and back.
std::string private_der(EVP_PKEY* key);
Pkey load_private_der(std::string_view der);
// The public JWK ({kty, crv, x, y, kid, alg, use}).
json::object public_jwk(EVP_PKEY* key, const std::string& kid);

// A compact JWS, split and decoded. Limits: 16 KiB token, objects for header and payload.
struct Jws {
  json::object header;
  json::object payload;
  std::string signing_input;  // "<b64 header>.<b64 payload>"
  std::string signature;      // raw bytes
};
Result<Jws> parse_jws(std::string_view token);

std::string sign_es256(const json::object& header, const json::object& payload, EVP_PKEY* key);
// ES256 signature (raw r||s, 64 bytes) over the signing input.
bool verify_es256(const Jws& jws, EVP_PKEY* key);

// A public key from a JWK: RSA (n, e; at least 2048 bits), EC P-256 (x, y) or OKP Ed25519 (x).
// Null when unsupported or malformed.
Pkey public_key_from_jwk(const json::object& jwk);
// Whether `alg` (RS256, ES256, EdDSA) fits the key's type, and the signature verifies.
bool verify_jws(const Jws& jws, std::string_view alg, EVP_PKEY* key);

// base64url(SHA-256(text)), as PKCE S256 and at_hash use it.
std::string sha256_b64url(std::string_view text);

// AES-256-GCM with a random 96-bit nonce; `aad` binds the ciphertext to its record.
std::string seal(std::string_view key32, std::string_view plaintext, std::string_view aad);
std::optional<std::string> open(std::string_view key32, std::string_view sealed, std::string_view aad);

}  // namespace mcp::authz
