#include <mcp/store/async_store.hpp>

namespace mcp::store {

AsyncStore::AsyncStore(std::shared_ptr<Store> store, std::size_t threads) : store_(std::move(store)) {
  if (!store_) return;
  pool_ = std::make_shared<Pool>(threads ? threads : std::max<std::size_t>(1, store_->concurrency()));
}

void AsyncStore::drain() const {
  if (!pool_ || pool_->drained.exchange(true)) return;
  pool_->threads.wait();  // the calls in flight finish; their completions are queued on their loops
}

Task<std::optional<ApiKey>> AsyncStore::find_api_key_by_hash(std::string hash) const {
  return call([hash = std::move(hash)](Store& s) { return s.find_api_key_by_hash(hash); });
}

Task<std::optional<User>> AsyncStore::find_user(std::string id) const {
  return call([id = std::move(id)](Store& s) { return s.find_user(id); });
}

Task<std::optional<OAuthClient>> AsyncStore::find_oauth_client(std::string id) const {
  return call([id = std::move(id)](Store& s) { return s.find_oauth_client(id); });
}

Task<std::optional<OAuthConsent>> AsyncStore::find_oauth_consent(std::string user, std::string client_id) const {
  return call([user = std::move(user), client_id = std::move(client_id)](Store& s) {
    return s.find_oauth_consent(user, client_id);
  });
}

Task<void> AsyncStore::put_oauth_consent(OAuthConsent c) const {
  return call([c = std::move(c)](Store& s) { s.put_oauth_consent(c); });
}

Task<void> AsyncStore::put_oauth_code(OAuthCode c) const {
  return call([c = std::move(c)](Store& s) { s.put_oauth_code(c); });
}

Task<std::optional<IdempotencyRecord>> AsyncStore::find_idempotency(std::string scope, std::string tool,
                                                                    std::string key, std::int64_t now) const {
  return call([scope = std::move(scope), tool = std::move(tool), key = std::move(key), now](Store& s) {
    return s.find_idempotency(scope, tool, key, now);
  });
}

Task<bool> AsyncStore::put_idempotency(IdempotencyRecord r, std::int64_t now) const {
  return call([r = std::move(r), now](Store& s) { return s.put_idempotency(r, now); });
}

Task<bool> AsyncStore::answers() const {
  return call([](Store& s) {
    s.find_user("readyz");
    return true;
  });
}

}  // namespace mcp::store
