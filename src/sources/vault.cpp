#include <openssl/evp.h>
#include <openssl/rand.h>

#include <mcp/core/encoding.hpp>
#include <mcp/sources/vault.hpp>
#include <memory>
#include <stdexcept>

namespace mcp::sources {
namespace {

constexpr int kNonce = 12;
constexpr int kTag = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* u(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string aad_of(std::string_view subject, std::string_view upstream) {
  std::string a = "mcpbridge-vault/1";
  a += '\0';
  a += subject;
  a += '\0';
  a += upstream;
  return a;
}

}  // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != 32) throw std::invalid_argument("vault key must be 32 bytes");
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(p, kNonce) != 1) throw std::runtime_error("CSPRNG failure");
  CipherCtx c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, u(key), p) != 1 ||
      EVP_EncryptUpdate(c.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(c.get(), p + kNonce, &len, u(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), p + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTag, p + kNonce + plaintext.size()) != 1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  return base64_encode(out);
}

std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != 32) return std::nullopt;
  auto raw = base64_decode(sealed);
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  auto* p = reinterpret_cast<unsigned char*>(raw->data());
  std::size_t n = raw->size() - kNonce - kTag;
  std::string out(n, '\0');
  CipherCtx c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, u(key), p) != 1 ||
      EVP_DecryptUpdate(c.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(out.data()), &len, p + kNonce, static_cast<int>(n)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTag, p + kNonce + n) != 1)
    return std::nullopt;
  int fin = 0;
  if (EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &fin) != 1) return std::nullopt;
  return out;
}

std::string vault_key_from_base64(std::string_view b64) {
  while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r' || b64.back() == ' ')) b64.remove_suffix(1);
  auto raw = base64_decode(b64);
  if (!raw || raw->size() != 32)
    throw std::runtime_error("the vault key must be the base64 encoding of 32 random bytes");
  return *raw;
}

Vault::Vault(std::shared_ptr<store::Store> store, std::string key) : store_(std::move(store)), key_(std::move(key)) {
  if (key_.size() != 32) throw std::invalid_argument("vault key must be 32 bytes");
  feed_ = store_->watch([this](std::string_view kind) {
    if (kind != "vault" && kind != "*") return;
    std::lock_guard lock(mu_);
    cache_.clear();
    ++generation_;
  });
}

void Vault::put(std::string_view subject, std::string_view upstream, std::string_view secret) {
  store_->put_vault_secret(store::VaultSecret{std::string(subject), std::string(upstream),
                                              seal(key_, secret, aad_of(subject, upstream)), store::unix_now()});
  std::lock_guard lock(mu_);
  cache_.erase(aad_of(subject, upstream));
}

std::optional<std::optional<std::string>> Vault::cached(const std::string& id, std::uint64_t& generation) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(id); it != cache_.end() && it->second.until > std::chrono::steady_clock::now())
    return std::optional<std::optional<std::string>>(std::in_place, it->second.secret);
  generation = generation_;
  return std::nullopt;
}

std::optional<std::string> Vault::get(std::string_view subject, std::string_view upstream) {
  std::string id = aad_of(subject, upstream);
  std::uint64_t generation = 0;
  if (auto hit = cached(id, generation)) return *hit;
  return keep(id, store_->find_vault_secret(subject, upstream), generation);
}

Task<std::optional<std::string>> Vault::get_async(std::string subject, std::string upstream) {
  std::string id = aad_of(subject, upstream);
  std::uint64_t generation = 0;
  if (auto hit = cached(id, generation)) co_return *hit;
  if (!db_) co_return keep(id, store_->find_vault_secret(subject, upstream), generation);
  auto row = co_await db_.call([&subject, &upstream](store::Store& s) { return s.find_vault_secret(subject, upstream); });
  co_return keep(id, std::move(row), generation);
}

// Opens what the store returned and caches it, unless a change notice came meanwhile.
std::optional<std::string> Vault::keep(const std::string& id, std::optional<store::VaultSecret> row,
                                       std::uint64_t generation) {
  auto now = std::chrono::steady_clock::now();
  std::optional<std::string> secret;
  if (row) secret = open_sealed(key_, row->sealed, id);
  std::lock_guard lock(mu_);
  if (generation != generation_) return secret;  // a change notice came while we read: not kept
  if (cache_.size() >= kMaxCached) cache_.clear();  // bounded; refilled on demand
  // "None stored" is kept only briefly: the user was just told to store one.
  cache_[id] = Cached{secret, now + (secret ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kCacheFor)
                                            : std::chrono::steady_clock::duration(std::chrono::seconds(2)))};
  return secret;
}

std::optional<std::string> Vault::get_fresh(std::string_view subject, std::string_view upstream) {
  {
    std::lock_guard lock(mu_);
    cache_.erase(aad_of(subject, upstream));
  }
  return get(subject, upstream);
}

bool Vault::remove(std::string_view subject, std::string_view upstream) {
  bool removed = store_->remove_vault_secret(subject, upstream);
  std::lock_guard lock(mu_);
  cache_.erase(aad_of(subject, upstream));
  return removed;
}

std::vector<store::VaultSecret> Vault::list(std::string_view subject) {
  auto all = store_->list_vault_secrets(subject);
  for (auto& s : all) s.sealed.clear();
  return all;
}

}  // namespace mcp::sources
