// What follows the store's change notices on a shared (PostgreSQL) store: the authenticator's
// API-key cache and the running connections. A change made through another store object (another
// replica, or the CLI) takes effect within a second, although the key cache lasts a minute and
// the connections' poll comes every minute here.
#include <mcp/auth/auth.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/store.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "gateway/connection_set.hpp"
#include "support/pg_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <class Pred>
bool within(std::chrono::milliseconds limit, Pred done) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string fresh() {
  try {
    return mcp::test::PgServer::shared().fresh_database();
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    throw;
  }
}

TEST(PgFollowers, AKeyRevokedElsewhereIsRefusedWithinASecond) {
  auto uri = fresh();
  std::shared_ptr<mcp::store::Store> here = mcp::store::open_store(uri);
  auto elsewhere = mcp::store::open_store(uri);
  here->put_user({"alice", "", {"dev"}, "", 1});
  auto key = mcp::auth::make_api_key("alice", "", {}, "", 0);
  elsewhere->put_api_key(key.record);
  mcp::auth::AuthOptions o;
  o.mode = mcp::auth::Mode::api_key;
  o.key_cache_ttl = std::chrono::seconds(60);
  mcp::auth::Authenticator authn(o, here);
  auto header = [&](std::string_view name) -> std::string_view {
    static std::string bearer;
    bearer = "Bearer " + key.secret;
    return name == "authorization" ? std::string_view(bearer) : std::string_view();
  };
  auto accepted = [&] { return std::holds_alternative<mcp::Principal>(authn.authenticate(header, "http://x/mcp")); };
  // Until the feed listens, a change could be missed by it (the cache then lasts its TTL).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(accepted());  // now cached for a minute
  ASSERT_TRUE(elsewhere->revoke_api_key(key.record.id, mcp::store::unix_now()));
  auto t0 = Clock::now();
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] { return !accepted(); }));
  std::printf("[ figures ] key revoked elsewhere refused after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
}

TEST(PgFollowers, AConnectionAddedElsewhereRunsWithinASecond) {
  auto uri = fresh();
  std::shared_ptr<mcp::store::Store> here = mcp::store::open_store(uri);
  auto elsewhere = mcp::store::open_store(uri);
  mcp::config::Config cfg;
  cfg.admin.private_hosts = {"127.0.0.1"};
  cfg.admin.poll = std::chrono::seconds(60);  // the fallback would be far too late
  mcp::Server server{mcp::ServerOptions{}};
  auto set = std::make_shared<mcp::gateway::ConnectionSet>(server, cfg, here, nullptr,
                                                           std::make_shared<mcp::gateway::Gateway>(cfg.gateway, here));
  ASSERT_EQ(set->start(), "");
  set->run();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the feed listens
  ASSERT_TRUE(elsewhere->put_connection(
      {"crm", R"({"name":"crm","url":"http://127.0.0.1:9/mcp","allow_private":true})", "cli", 1}));
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] { return set->find("crm").has_value(); }));
  ASSERT_TRUE(elsewhere->remove_connection("crm"));
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] { return !set->find("crm").has_value(); }));
  set->stop();
}

}  // namespace

namespace {

TEST(PgFollowers, AVaultSecretChangedElsewhereIsUsedWithinASecond) {
  auto uri = fresh();
  std::shared_ptr<mcp::store::Store> here = mcp::store::open_store(uri);
  std::shared_ptr<mcp::store::Store> elsewhere = mcp::store::open_store(uri);
  const std::string key(32, 'v');
  mcp::sources::Vault mine(here, key), theirs(elsewhere, key);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the feeds listen
  theirs.put("alice", "crm", "first");
  ASSERT_EQ(mine.get("alice", "crm"), "first");  // now cached for 30 s
  theirs.put("alice", "crm", "second");
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] { return mine.get("alice", "crm") == "second"; }));
  theirs.remove("alice", "crm");
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] { return !mine.get("alice", "crm").has_value(); }));
}

}  // namespace
