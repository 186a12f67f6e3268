// The store's behaviour, one suite run against both stores: the embedded SQLite and PostgreSQL
// (a throw-away server, tests/support/pg_server.sh). Replica races and faults that only
// PostgreSQL has are in pg_replicas_test.cpp.
#include <mcp/auth/auth.hpp>
#include <mcp/store/store.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/pg_server.hpp"

namespace {

using mcp::store::Store;

enum class Backend { sqlite, postgres };

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres) {
      try {
        location_ = mcp::test::PgServer::shared().fresh_database();
      } catch (const std::exception& e) {
        FAIL() << e.what();
      }
      return;
    }
    static int n = 0;
    location_ = (std::filesystem::temp_directory_path() /
                 ("mcpbridge_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".db"))
                    .string();
    std::filesystem::remove(location_);
  }
  void TearDown() override {
    if (GetParam() != Backend::sqlite) return;
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(location_ + suffix);
  }
  std::unique_ptr<Store> open() { return mcp::store::open_store(location_); }

  std::string location_;
};

TEST_P(StoreTest, MigratesPersistsAndRevokes) {
  int version = 0;
  {
    auto s = open();
    version = s->schema_version();
    EXPECT_EQ(version, mcp::store::sqlite_schema_version());  // every migration, numbered alike
    if (GetParam() == Backend::sqlite) {
      EXPECT_EQ(std::filesystem::status(location_).permissions() & std::filesystem::perms::all,
                std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);  // hashes inside
    }
    s->put_user({"alice", "eng", {"dev", "ops"}, "", 1});
    auto k = mcp::auth::make_api_key("alice", "eng", {"tools:read"}, "ci", 0);
    s->put_api_key(k.record);
    EXPECT_THROW(s->put_api_key(k.record), std::runtime_error);  // one record per id and hash
    EXPECT_TRUE(s->revoke_api_key(k.record.id, 5));
    EXPECT_FALSE(s->revoke_api_key(k.record.id, 6));  // already revoked
    EXPECT_FALSE(s->revoke_api_key("k_nope", 6));
    EXPECT_EQ(s->find_api_key_by_hash(k.record.hash)->revoked_at, 5);
  }
  auto s = open();  // reopened: nothing lost, no migration re-run
  EXPECT_EQ(s->schema_version(), version);
  auto u = s->find_user("alice");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->roles, (std::vector<std::string>{"dev", "ops"}));
  auto keys = s->list_api_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].revoked_at, 5);
  EXPECT_EQ(keys[0].scopes, (std::vector<std::string>{"tools:read"}));
  EXPECT_EQ(keys[0].hash.size(), 64u);  // only the SHA-256 is stored
}

TEST_P(StoreTest, UsersAreReplacedAndListedByName) {
  auto s = open();
  s->put_user({"zoe", "", {}, "", 1});
  s->put_user({"bob", "t1", {"a"}, "scrypt$x", 2});
  s->put_user({"bob", "t2", {"b", "c"}, "scrypt$y", 3});  // replaced
  auto all = s->list_users();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "bob");
  EXPECT_EQ(all[0].team, "t2");
  EXPECT_EQ(all[0].roles, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(all[0].password_hash, "scrypt$y");
  EXPECT_FALSE(s->find_user("nobody"));
}

TEST_P(StoreTest, ValuesAreBoundNeverSpliced) {
  auto s = open();
  std::string odd = "o'brien\"; DROP TABLE users; -- \xc3\xa9\xe2\x9c\x93 $1 ?";
  s->put_user({odd, odd, {}, odd, 1});
  auto u = s->find_user(odd);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->team, odd);
  EXPECT_EQ(u->password_hash, odd);
  EXPECT_EQ(s->list_users().size(), 1u);
  EXPECT_TRUE(s->put_connection({"", "", "", 0}));  // empty strings are values, not NULLs
  EXPECT_EQ(s->list_connections().at(0).spec, "");
}

TEST_P(StoreTest, RunTimeConnectionsPersistUniquely) {
  {
    auto s = open();
    EXPECT_TRUE(s->put_connection({"crm", R"({"name":"crm","url":"https://crm.example/mcp"})", "alice", 7}));
    EXPECT_FALSE(s->put_connection({"crm", "{}", "bob", 8}));  // the name is taken: the first one stays
    EXPECT_TRUE(s->put_connection({"billing", R"({"name":"billing","url":"https://b.example/mcp"})", "cli", 9}));
  }
  auto s = open();  // reopened: both kept, in name order
  auto all = s->list_connections();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "billing");
  EXPECT_EQ(all[1].name, "crm");
  EXPECT_EQ(all[1].created_by, "alice");
  EXPECT_EQ(all[1].spec, R"({"name":"crm","url":"https://crm.example/mcp"})");
  EXPECT_TRUE(s->remove_connection("crm"));
  EXPECT_FALSE(s->remove_connection("crm"));
  EXPECT_EQ(s->list_connections().size(), 1u);
}

TEST_P(StoreTest, VaultSecretsPerSubject) {
  auto s = open();
  s->put_vault_secret({"alice", "crm", "sealed1", 1});
  s->put_vault_secret({"alice", "crm", "sealed2", 2});  // replaced
  s->put_vault_secret({"bob", "billing", "sealed3", 3});
  EXPECT_EQ(s->find_vault_secret("alice", "crm")->sealed, "sealed2");
  EXPECT_EQ(s->list_vault_secrets("alice").size(), 1u);
  auto everyone = s->list_vault_secrets("");
  ASSERT_EQ(everyone.size(), 2u);
  EXPECT_EQ(everyone[0].subject, "alice");
  EXPECT_TRUE(s->remove_vault_secret("alice", "crm"));
  EXPECT_FALSE(s->remove_vault_secret("alice", "crm"));
  EXPECT_FALSE(s->find_vault_secret("alice", "crm"));
}

TEST_P(StoreTest, IdempotencyIsInsertIfAbsentAndExpires) {
  auto s = open();
  mcp::store::IdempotencyRecord r{"alice", "delete_pet", "k1", "fp1", R"({"ok":1})", 100};
  EXPECT_TRUE(s->put_idempotency(r, 50));
  auto second = r;
  second.result = R"({"ok":2})";
  EXPECT_FALSE(s->put_idempotency(second, 60));  // a live record wins
  EXPECT_EQ(s->find_idempotency("alice", "delete_pet", "k1", 60)->result, R"({"ok":1})");
  EXPECT_FALSE(s->find_idempotency("alice", "delete_pet", "k1", 100));  // expired: not found
  second.expires_at = 300;
  EXPECT_TRUE(s->put_idempotency(second, 100));  // the expired one is replaced
  EXPECT_EQ(s->find_idempotency("alice", "delete_pet", "k1", 200)->result, R"({"ok":2})");
  EXPECT_TRUE(s->put_idempotency({"bob", "delete_pet", "k1", "fp", "{}", 150}, 100));  // another scope
  s->purge_idempotency(200);
  EXPECT_FALSE(s->find_idempotency("bob", "delete_pet", "k1", 120));
  EXPECT_TRUE(s->find_idempotency("alice", "delete_pet", "k1", 200));
}

mcp::store::OAuthClient client(std::string id, std::int64_t created, bool dynamic) {
  mcp::store::OAuthClient c;
  c.id = std::move(id);
  c.name = "app";
  c.redirect_uris = {"http://127.0.0.1/cb", "https://app.example/cb"};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.created_at = created;
  c.dynamic = dynamic;
  return c;
}

TEST_P(StoreTest, OAuthClientsAndRemovalRevokesTheirTokens) {
  auto s = open();
  s->put_oauth_client(client("c1", 10, false));
  auto c = client("c1", 10, true);
  c.name = "renamed";
  s->put_oauth_client(c);  // replaced
  s->put_oauth_client(client("c0", 20, false));
  auto got = s->find_oauth_client("c1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "renamed");
  EXPECT_TRUE(got->dynamic);
  EXPECT_EQ(got->redirect_uris.size(), 2u);
  EXPECT_EQ(s->list_oauth_clients().at(0).id, "c1");  // by creation time
  s->put_oauth_refresh({"r1", "f1", "c1", "alice", "", "", 1, 9999999999, 0, 0});
  s->put_oauth_access({"j1", "f1", "c1", 9999999999, 0});
  s->put_oauth_consent({"alice", "c1", "mcp", "", 1});
  EXPECT_TRUE(s->remove_oauth_client("c1"));
  EXPECT_FALSE(s->remove_oauth_client("c1"));
  EXPECT_FALSE(s->find_oauth_client("c1"));
  EXPECT_NE(s->find_oauth_refresh("r1")->revoked_at, 0);
  EXPECT_NE(s->find_oauth_access("j1")->revoked_at, 0);
  EXPECT_FALSE(s->find_oauth_consent("alice", "c1"));
}

TEST_P(StoreTest, AnAuthorizationCodeIsUsedOnce) {
  auto s = open();
  auto now = mcp::store::unix_now();
  s->put_oauth_code({"h1", "c1", "alice", "http://127.0.0.1/cb", "chal", "mcp", "res", "fam", now + 60, 0});
  auto first = s->use_oauth_code("h1", now);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->used_at, 0);  // as it was: unused
  EXPECT_EQ(first->family, "fam");
  EXPECT_EQ(first->code_challenge, "chal");
  auto again = s->use_oauth_code("h1", now + 1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->used_at, now);  // reuse: the caller revokes the grant
  EXPECT_FALSE(s->use_oauth_code("nope", now));
  EXPECT_THROW(s->put_oauth_code({"h1", "c1", "alice", "", "", "", "", "fam", now + 60, 0}), std::runtime_error);
}

TEST_P(StoreTest, RefreshRotationAndFamilyRevocation) {
  auto s = open();
  s->put_oauth_refresh({"r1", "fam", "c1", "alice", "mcp", "res", 1, 9999999999, 0, 0});
  s->put_oauth_access({"j1", "fam", "c1", 9999999999, 0});
  s->put_oauth_access({"j2", "other", "c1", 9999999999, 0});
  EXPECT_TRUE(s->rotate_oauth_refresh("r1", 5));
  EXPECT_FALSE(s->rotate_oauth_refresh("r1", 6));  // rotated already: reuse
  EXPECT_EQ(s->find_oauth_refresh("r1")->rotated_at, 5);
  s->put_oauth_refresh({"r2", "fam", "c1", "alice", "mcp", "res", 5, 9999999999, 0, 0});
  s->revoke_oauth_family("fam", 7);
  EXPECT_EQ(s->find_oauth_refresh("r2")->revoked_at, 7);
  EXPECT_FALSE(s->rotate_oauth_refresh("r2", 8));  // revoked
  EXPECT_EQ(s->find_oauth_access("j1")->revoked_at, 7);
  EXPECT_EQ(s->find_oauth_access("j2")->revoked_at, 0);  // another grant
  EXPECT_TRUE(s->revoke_oauth_access("j2", 9));
  EXPECT_FALSE(s->revoke_oauth_access("j2", 10));
  EXPECT_FALSE(s->find_oauth_refresh("nope"));
}

TEST_P(StoreTest, RevokingAConsentRevokesItsGrants) {
  auto s = open();
  s->put_oauth_consent({"alice", "c1", "mcp", "", 1});
  s->put_oauth_consent({"alice", "c1", "mcp admin", "res", 2});  // replaced
  s->put_oauth_consent({"alice", "c2", "mcp", "", 3});
  EXPECT_EQ(s->find_oauth_consent("alice", "c1")->scope, "mcp admin");
  EXPECT_EQ(s->list_oauth_consents("alice").size(), 2u);
  s->put_oauth_refresh({"r1", "fam1", "c1", "alice", "", "", 1, 9999999999, 0, 0});
  s->put_oauth_access({"j1", "fam1", "c1", 9999999999, 0});
  s->put_oauth_refresh({"r2", "fam2", "c2", "alice", "", "", 1, 9999999999, 0, 0});
  EXPECT_TRUE(s->revoke_oauth_consent("alice", "c1", 4));
  EXPECT_FALSE(s->revoke_oauth_consent("alice", "c1", 5));
  EXPECT_EQ(s->find_oauth_refresh("r1")->revoked_at, 4);
  EXPECT_EQ(s->find_oauth_access("j1")->revoked_at, 4);
  EXPECT_EQ(s->find_oauth_refresh("r2")->revoked_at, 0);
  EXPECT_EQ(s->list_oauth_consents("alice").size(), 1u);
}

TEST_P(StoreTest, SigningKeysNewestFirst) {
  auto s = open();
  s->put_signing_key({"k1", "ES256", "{}", "enc1", 100, 0});
  s->put_signing_key({"k2", "ES256", "{}", "enc2", 100, 0});  // same second: the later one first
  s->put_signing_key({"k0", "ES256", "{}", "enc0", 50, 0});
  auto keys = s->list_signing_keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "k2");
  EXPECT_EQ(keys[1].kid, "k1");
  EXPECT_EQ(keys[2].kid, "k0");
  s->put_signing_key({"k1", "ES256", "{}", "enc1", 100, 200});  // retired, replaced
  keys = s->list_signing_keys();
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(keys[0].retired_at, 200);
}

TEST_P(StoreTest, AbandonedRegistrationsAreSwept) {
  auto s = open();
  s->put_oauth_client(client("old-unused", 10, true));
  s->put_oauth_client(client("old-static", 10, false));
  s->put_oauth_client(client("old-consented", 10, true));
  s->put_oauth_client(client("new", 1000, true));
  s->put_oauth_consent({"alice", "old-consented", "", "", 11});
  s->put_oauth_code({"h", "old-unused", "alice", "", "", "", "", "f", 9999999999, 0});
  EXPECT_EQ(s->remove_abandoned_oauth_clients(500), (std::vector<std::string>{"old-unused"}));
  EXPECT_FALSE(s->find_oauth_client("old-unused"));
  EXPECT_FALSE(s->use_oauth_code("h", 1));  // its codes went with it
  EXPECT_TRUE(s->remove_abandoned_oauth_clients(500).empty());
  EXPECT_EQ(s->list_oauth_clients().size(), 3u);
}

TEST_P(StoreTest, OnlyASharedStoreHasAChangeFeed) {
  auto s = open();
  auto feed = s->watch([](std::string_view) {});
  EXPECT_EQ(feed != nullptr, GetParam() == Backend::postgres);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "sqlite" : "postgres"; });

TEST(StoreLocation, UrisAreRecognisedAndRedacted) {
  EXPECT_TRUE(mcp::store::is_postgres_uri("postgresql://h/db"));
  EXPECT_TRUE(mcp::store::is_postgres_uri("postgres://h/db"));
  EXPECT_FALSE(mcp::store::is_postgres_uri("mcpbridge.db"));
  EXPECT_FALSE(mcp::store::is_postgres_uri("/var/lib/postgresql://x"));
  EXPECT_EQ(mcp::store::redact_uri("postgresql://mcp:s3cret@db:5432/mcp"), "postgresql://mcp:***@db:5432/mcp");
  EXPECT_EQ(mcp::store::redact_uri("postgres://mcp:p%40ss@db/mcp?sslmode=require&password=x2&a=b"),
            "postgres://mcp:***@db/mcp?sslmode=require&password=***&a=b");
  EXPECT_EQ(mcp::store::redact_uri("postgresql://mcp@db/mcp?password=x"), "postgresql://mcp@db/mcp?password=***");
  EXPECT_EQ(mcp::store::redact_uri("postgresql://db/mcp"), "postgresql://db/mcp");
  EXPECT_EQ(mcp::store::redact_uri("data/mcp:x@y.db"), "data/mcp:x@y.db");  // a file path is shown as it is
}

}  // namespace
