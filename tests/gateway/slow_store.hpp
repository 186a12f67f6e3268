#pragma once
// A store whose every call first sleeps `delay` (a slow or paused database), counting the calls
// that have started: tests see that a request waits in the store while others are served.
#include <mcp/store/store.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace mcp::test {

class SlowStore final : public store::Store {
 public:
  explicit SlowStore(std::shared_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  std::atomic<int> delay_ms{0};
  std::atomic<int> entered{0};  // calls begun while slow

  std::unique_ptr<store::ChangeFeed> watch(std::function<void(std::string_view)> f) override {
    return inner_->watch(std::move(f));
  }
  std::size_t concurrency() const override { return 2; }
  void put_user(const store::User& u) override { slow().put_user(u); }
  std::optional<store::User> find_user(std::string_view id) override { return slow().find_user(id); }
  std::vector<store::User> list_users() override { return slow().list_users(); }
  void put_api_key(const store::ApiKey& k) override { slow().put_api_key(k); }
  std::optional<store::ApiKey> find_api_key_by_hash(std::string_view h) override {
    return slow().find_api_key_by_hash(h);
  }
  std::vector<store::ApiKey> list_api_keys() override { return slow().list_api_keys(); }
  bool revoke_api_key(std::string_view id, std::int64_t now) override { return slow().revoke_api_key(id, now); }
  void put_oauth_client(const store::OAuthClient& c) override { slow().put_oauth_client(c); }
  std::optional<store::OAuthClient> find_oauth_client(std::string_view id) override {
    return slow().find_oauth_client(id);
  }
  std::vector<store::OAuthClient> list_oauth_clients() override { return slow().list_oauth_clients(); }
  bool remove_oauth_client(std::string_view id) override { return slow().remove_oauth_client(id); }
  void put_oauth_code(const store::OAuthCode& c) override { slow().put_oauth_code(c); }
  std::optional<store::OAuthCode> use_oauth_code(std::string_view h, std::int64_t now) override {
    return slow().use_oauth_code(h, now);
  }
  void put_oauth_refresh(const store::OAuthRefresh& r) override { slow().put_oauth_refresh(r); }
  std::optional<store::OAuthRefresh> find_oauth_refresh(std::string_view h) override {
    return slow().find_oauth_refresh(h);
  }
  bool rotate_oauth_refresh(std::string_view h, std::int64_t now) override {
    return slow().rotate_oauth_refresh(h, now);
  }
  void revoke_oauth_family(std::string_view f, std::int64_t now) override { slow().revoke_oauth_family(f, now); }
  void put_oauth_access(const store::OAuthAccess& a) override { slow().put_oauth_access(a); }
  std::optional<store::OAuthAccess> find_oauth_access(std::string_view jti) override {
    return slow().find_oauth_access(jti);
  }
  bool revoke_oauth_access(std::string_view jti, std::int64_t now) override {
    return slow().revoke_oauth_access(jti, now);
  }
  void put_oauth_consent(const store::OAuthConsent& c) override { slow().put_oauth_consent(c); }
  std::optional<store::OAuthConsent> find_oauth_consent(std::string_view u, std::string_view c) override {
    return slow().find_oauth_consent(u, c);
  }
  std::vector<store::OAuthConsent> list_oauth_consents(std::string_view u) override {
    return slow().list_oauth_consents(u);
  }
  bool revoke_oauth_consent(std::string_view u, std::string_view c, std::int64_t now) override {
    return slow().revoke_oauth_consent(u, c, now);
  }
  void put_signing_key(const store::SigningKey& k) override { slow().put_signing_key(k); }
  std::vector<store::SigningKey> list_signing_keys() override { return slow().list_signing_keys(); }
  int schema_version() override { return slow().schema_version(); }
  void put_vault_secret(const store::VaultSecret& s) override { slow().put_vault_secret(s); }
  std::optional<store::VaultSecret> find_vault_secret(std::string_view s, std::string_view u) override {
    return slow().find_vault_secret(s, u);
  }
  std::vector<store::VaultSecret> list_vault_secrets(std::string_view s) override {
    return slow().list_vault_secrets(s);
  }
  bool remove_vault_secret(std::string_view s, std::string_view u) override { return slow().remove_vault_secret(s, u); }
  bool put_idempotency(const store::IdempotencyRecord& r, std::int64_t now) override {
    return slow().put_idempotency(r, now);
  }
  std::optional<store::IdempotencyRecord> find_idempotency(std::string_view s, std::string_view t, std::string_view k,
                                                           std::int64_t now) override {
    return slow().find_idempotency(s, t, k, now);
  }
  void purge_idempotency(std::int64_t now) override { slow().purge_idempotency(now); }
  bool put_connection(const store::StoredConnection& c) override { return slow().put_connection(c); }
  std::vector<store::StoredConnection> list_connections() override { return slow().list_connections(); }
  bool remove_connection(std::string_view name) override { return slow().remove_connection(name); }
  std::vector<std::string> remove_abandoned_oauth_clients(std::int64_t before) override {
    return slow().remove_abandoned_oauth_clients(before);
  }

 private:
  store::Store& slow() {
    if (int ms = delay_ms.load()) {
      ++entered;
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    return *inner_;
  }
  std::shared_ptr<store::Store> inner_;
};

}  // namespace mcp::test
