#pragma once
// The per-user credential vault: each principal stores its own key or token for an upstream
// once (`mcpbridge vault set`), and calls to that upstream carry it. Secrets are sealed with
// AES-256-GCM under the vault key (MCPBRIDGE_VAULT_KEY or a key file), bound to their owner and
// upstream (associated data), so a row copied to another user or upstream does not open.
#include <chrono>
#include <map>
#include <mcp/core/task.hpp>
#include <mcp/store/async_store.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::sources {

// AES-256-GCM: base64(nonce(12) || ciphertext || tag(16)). `key` is 32 bytes.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated_data);
std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view associated_data);

class Vault {
 public:
  // Throws std::invalid_argument unless `key` is 32 bytes.
  Vault(std::shared_ptr<store::Store> store, std::string key);

  void put(std::string_view subject, std::string_view upstream, std::string_view secret);
  // The secret in clear; nullopt when none is stored (or it no longer opens: wrong key).
  std::optional<std::string> get(std::string_view subject, std::string_view upstream);
  // The same from the store, past the cache (another process or replica may have changed it).
  std::optional<std::string> get_fresh(std::string_view subject, std::string_view upstream);
  // get() for request handlers: a cache miss reads the store on await_on()'s pool, so an event
  // loop never waits for a shared store (inline when no pool was given: the CLI, tests).
  Task<std::optional<std::string>> get_async(std::string subject, std::string upstream);
  // Set once, before serving.
  void await_on(store::AsyncStore db) { db_ = std::move(db); }
  bool remove(std::string_view subject, std::string_view upstream);
  std::vector<store::VaultSecret> list(std::string_view subject = {});  // `sealed` left empty

 private:
  struct Cached {
    std::optional<std::string> secret;
    std::chrono::steady_clock::time_point until;
  };
  // The cached secret of `id` (a miss: nullopt, and the generation to keep() under).
  std::optional<std::optional<std::string>> cached(const std::string& id, std::uint64_t& generation);
  std::optional<std::string> keep(const std::string& id, std::optional<store::VaultSecret> row, std::uint64_t generation);

  std::shared_ptr<store::Store> store_;
  store::AsyncStore db_;
  std::string key_;
  // Opened secrets are kept briefly: a call should not pay an SQLite read and a decryption
  // each time; a change from the CLI (another process) shows within kCacheFor.
  static constexpr std::chrono::seconds kCacheFor{30};
  static constexpr std::size_t kMaxCached = 10000;
  std::mutex mu_;
  std::map<std::string, Cached, std::less<>> cache_;
  std::uint64_t generation_ = 0;  // bumped by each change notice (under mu_)
  // A shared store's change notices: a secret changed on another replica drops the cache at
  // once. Last: stopped before the rest goes.
  std::unique_ptr<store::ChangeFeed> feed_;
};

// The vault key from its base64 text (env) or a file holding it; throws std::runtime_error.
std::string vault_key_from_base64(std::string_view b64);

}  // namespace mcp::sources
