#include <mcp/protocol/request_state.hpp>

#include <mcp/core/encoding.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace mcp::protocol {
namespace {

constexpr int kNonce = 12;
constexpr int kTag = 16;
constexpr std::string_view kAad = "mcpbridge.requestState.v1";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error invalid_state() { return Error{errc::kInvalidParams, "Invalid requestState", {}}; }

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

RequestStateSealer::RequestStateSealer(std::string key) : key_(std::move(key)) {
  if (key_.empty()) {
    key_.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) != 1)
      throw std::runtime_error("RAND_bytes failed");
  }
  if (key_.size() != 32) throw std::invalid_argument("requestState key must be 32 bytes");
}

std::string RequestStateSealer::seal(const json::object& payload, std::chrono::seconds ttl) const {
  json::object body = payload;
  body["exp"] = now_s() + ttl.count();
  std::string plain = json::serialize(body);
  std::string out(kNonce + plain.size() + kTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, kNonce) != 1) throw std::runtime_error("RAND_bytes failed");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key_.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, o) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad.data()),
                        static_cast<int>(kAad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o + kNonce, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, o + kNonce + plain.size()) != 1)
    throw std::runtime_error("AES-GCM seal failed");
  return base64_encode(out, true);
}

Result<json::object> RequestStateSealer::open(std::string_view sealed) const {
  if (sealed.size() > 1 << 20) return invalid_state();
  auto raw = base64_decode(sealed);
  if (!raw || raw->size() < kNonce + kTag) return invalid_state();
  const auto* in = reinterpret_cast<const unsigned char*>(raw->data());
  size_t clen = raw->size() - kNonce - kTag;
  std::string plain(clen, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key_.data());
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  std::string tag(raw->data() + kNonce + clen, kTag);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, in) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad.data()),
                        static_cast<int>(kAad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), p, &len, in + kNonce, static_cast<int>(clen)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1)
    return invalid_state();
  boost::system::error_code ec;
  auto v = json::parse(plain, ec);
  if (ec || !v.is_object()) return invalid_state();
  auto& o = v.get_object();
  auto* exp = find(o, "exp");
  if (!exp || !exp->is_int64() || exp->get_int64() < now_s())
    return Error{errc::kInvalidParams, "Invalid requestState: expired", {}};
  return std::move(o);
}

}  // namespace mcp::protocol
