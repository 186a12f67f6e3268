// PostgreSQL as the store of several replicas: two store objects on one database race for the
// one-use code and the refresh rotation (exactly one wins), change notices cross between them,
// and a server that stops and comes back gives clear errors, then service, with no restart.
#include <mcp/store/store.hpp>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support/pg_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using mcp::store::Store;

std::string fresh() {
  try {
    return mcp::test::PgServer::shared().fresh_database();
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    throw;
  }
}

// Runs a(i) and b(i) at once from two threads, `rounds` times.
template <class A, class B>
void race(int rounds, A a, B b) {
  std::barrier sync(2);
  std::thread other([&] {
    for (int i = 0; i < rounds; ++i) {
      sync.arrive_and_wait();
      b(i);
      sync.arrive_and_wait();
    }
  });
  for (int i = 0; i < rounds; ++i) {
    sync.arrive_and_wait();
    a(i);
    sync.arrive_and_wait();
  }
  other.join();
}

TEST(PgReplicas, TwoReplicasRedeemOneCodeExactlyOnce) {
  auto uri = fresh();
  auto r1 = mcp::store::open_store(uri);
  auto r2 = mcp::store::open_store(uri);  // a second replica: its own pool
  constexpr int kRounds = 200;
  auto now = mcp::store::unix_now();
  for (int i = 0; i < kRounds; ++i)
    r1->put_oauth_code({"code" + std::to_string(i), "c", "alice", "", "", "", "", "fam" + std::to_string(i), now + 60, 0});
  std::atomic<int> winners_in_round[kRounds] = {};
  std::atomic<int> seen = 0;
  auto redeem = [&](Store& s) {
    return [&](int i) {
      auto c = s.use_oauth_code("code" + std::to_string(i), now);
      ASSERT_TRUE(c);
      ++seen;
      if (c->used_at == 0) ++winners_in_round[i];
    };
  };
  auto t0 = Clock::now();
  race(kRounds, redeem(*r1), redeem(*r2));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_EQ(seen, 2 * kRounds);
  for (int i = 0; i < kRounds; ++i) ASSERT_EQ(winners_in_round[i], 1) << "round " << i;
  std::printf("[ figures ] %d rounds of two replicas redeeming one code: %lld ms\n", kRounds, static_cast<long long>(ms));
}

TEST(PgReplicas, TwoReplicasRotateOneRefreshTokenExactlyOnce) {
  auto uri = fresh();
  auto r1 = mcp::store::open_store(uri);
  auto r2 = mcp::store::open_store(uri);
  constexpr int kRounds = 200;
  for (int i = 0; i < kRounds; ++i)
    r1->put_oauth_refresh({"rt" + std::to_string(i), "fam", "c", "alice", "", "", 1, 9999999999, 0, 0});
  std::atomic<int> wins[kRounds] = {};
  auto rotate = [&](Store& s) { return [&](int i) { wins[i] += s.rotate_oauth_refresh("rt" + std::to_string(i), 5); }; };
  race(kRounds, rotate(*r1), rotate(*r2));
  for (int i = 0; i < kRounds; ++i) ASSERT_EQ(wins[i], 1) << "round " << i;
}

TEST(PgReplicas, TwoReplicasStoreOneIdempotencyKeyOnce) {
  auto uri = fresh();
  auto r1 = mcp::store::open_store(uri);
  auto r2 = mcp::store::open_store(uri);
  constexpr int kRounds = 100;
  std::atomic<int> wins[kRounds] = {};
  auto put = [&](Store& s, const char* who) {
    return [&s, &wins, who](int i) {
      wins[i] += s.put_idempotency({"alice", "delete", "k" + std::to_string(i), "fp", who, 9999999999}, 1);
    };
  };
  race(kRounds, put(*r1, "r1"), put(*r2, "r2"));
  for (int i = 0; i < kRounds; ++i) ASSERT_EQ(wins[i], 1) << "round " << i;
}

// Collects the kinds a feed reports.
struct Notices {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> kinds;
  void operator()(std::string_view k) {
    std::lock_guard lock(mu);
    kinds.emplace_back(k);
    cv.notify_all();
  }
  bool wait_for(const std::string& kind, std::chrono::milliseconds within) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, within, [&] { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); });
  }
  void clear() {
    std::lock_guard lock(mu);
    kinds.clear();
  }
};

TEST(PgReplicas, AChangeOnOneReplicaReachesTheOtherWithinASecond) {
  auto uri = fresh();
  auto r1 = mcp::store::open_store(uri);
  auto r2 = mcp::store::open_store(uri);
  Notices seen;
  auto feed = r1->watch([&](std::string_view k) { seen(k); });
  ASSERT_TRUE(feed);
  ASSERT_TRUE(seen.wait_for("*", std::chrono::seconds(5)));  // listening
  r2->put_api_key({"k1", std::string(64, 'a'), "alice", "", {}, "", 1, 0, 0});
  auto t0 = Clock::now();
  ASSERT_TRUE(r2->revoke_api_key("k1", 2));
  EXPECT_TRUE(seen.wait_for("api_key", std::chrono::seconds(1)));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  std::printf("[ figures ] revoke on one replica -> notice on the other: %lld us\n", static_cast<long long>(us));
  r2->put_connection({"crm", "{}", "cli", 1});
  EXPECT_TRUE(seen.wait_for("connection", std::chrono::seconds(1)));
  r2->put_user({"bob", "", {}, "", 1});
  EXPECT_TRUE(seen.wait_for("user", std::chrono::seconds(1)));
  r2->put_vault_secret({"bob", "crm", "x", 1});
  EXPECT_TRUE(seen.wait_for("vault", std::chrono::seconds(1)));
  r2->put_oauth_consent({"bob", "c", "", "", 1});
  r2->revoke_oauth_consent("bob", "c", 2);
  EXPECT_TRUE(seen.wait_for("consent", std::chrono::seconds(1)));
  seen.clear();
  EXPECT_FALSE(r2->revoke_api_key("k1", 3));  // nothing changed: no notice
  r2->put_oauth_client({"c2", "", "", {}, "none", {}, "", "{}", 1, false});
  EXPECT_TRUE(r2->remove_oauth_client("c2"));
  EXPECT_TRUE(seen.wait_for("oauth_client", std::chrono::seconds(1)));
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(std::count(seen.kinds.begin(), seen.kinds.end(), "api_key"), 0);
  auto t1 = Clock::now();
  feed.reset();  // stops promptly
  EXPECT_LT(Clock::now() - t1, std::chrono::milliseconds(1000));
}

TEST(PgReplicas, OneStoreCallOnLoopback) {
  auto s = mcp::store::open_store(fresh());
  s->put_api_key({"k1", std::string(64, 'b'), "alice", "", {}, "", 1, 0, 0});
  constexpr int kCalls = 2000;
  auto t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(s->find_api_key_by_hash(std::string(64, 'b')));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  std::printf("[ figures ] find_api_key_by_hash on loopback: %.1f us per call\n", static_cast<double>(us) / kCalls);
  EXPECT_LT(us / kCalls, 20000);  // a loose bound: a lookup is not a connection per call
}

TEST(PgReplicas, PasswordFromTheEnvironmentOrAPassFileAndNeverShown) {
  auto uri = fresh();  // postgresql://mcp:PASSWORD@127.0.0.1:PORT/DB
  auto colon = uri.find(':', 13), at = uri.find('@');
  std::string password = uri.substr(colon + 1, at - colon - 1);
  std::string bare = uri.substr(0, colon) + uri.substr(at);  // no password
  std::string wrong = uri.substr(0, colon + 1) + "wrong-pw-123" + uri.substr(at);
  try {
    mcp::store::open_store(wrong);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find("wrong-pw-123"), std::string::npos) << what;
    EXPECT_NE(what.find("mcp:***@127.0.0.1"), std::string::npos) << what;
    EXPECT_NE(what.find("password authentication failed"), std::string::npos) << what;
  }
  ::setenv("MCPBRIDGE_STORE_PASSWORD", password.c_str(), 1);
  EXPECT_NO_THROW(mcp::store::open_store(bare)->list_users());
  ::unsetenv("MCPBRIDGE_STORE_PASSWORD");
  auto passfile = std::filesystem::temp_directory_path() / ("mcpbridge-pgpass-" + std::to_string(::getpid()));
  {
    std::ofstream out(passfile);
    out << "127.0.0.1:*:*:mcp:" << password << "\n";
  }
  std::filesystem::permissions(passfile, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ::setenv("PGPASSFILE", passfile.c_str(), 1);
  EXPECT_NO_THROW(mcp::store::open_store(bare)->list_users());
  ::unsetenv("PGPASSFILE");
  std::filesystem::remove(passfile);
}

TEST(PgReplicas, ABusyPoolAndASlowStatementFailWithinTheirBounds) {
  auto uri = fresh();
  mcp::store::open_store(uri)->put_oauth_code({"h", "c", "u", "", "", "", "", "f", 9999999999, 0});
  // Another session holds the code's row lock, so a redemption waits on it.
  std::thread holder([uri] {
    mcp::test::pg_exec(uri, "BEGIN; SELECT * FROM oauth_codes WHERE hash = 'h' FOR UPDATE; SELECT pg_sleep(8); COMMIT");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::setenv("MCPBRIDGE_STORE_POOL", "1", 1);
  // The pool's wait (5 s) ends before the statement timeout (6.5 s), which ends before the lock
  // is released (8 s).
  auto s = mcp::store::open_store(uri + "?options=-c%20statement_timeout%3D6500");
  ::unsetenv("MCPBRIDGE_STORE_POOL");
  std::string first_error;
  std::thread waiter([&] {
    try {
      s->use_oauth_code("h", 1);
    } catch (const std::exception& e) {
      first_error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto t0 = Clock::now();
  try {
    s->list_users();  // the one connection is busy waiting
    ADD_FAILURE() << "a call got a connection from a pool of one that was busy";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no free connection"), std::string::npos) << e.what();
  }
  waiter.join();
  EXPECT_NE(first_error.find("statement timeout"), std::string::npos) << first_error;
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(9));
  holder.join();
  EXPECT_EQ(s->use_oauth_code("h", 1)->used_at, 0);  // the connection is usable again
}

TEST(PgReplicas, AServerRestartGivesClearErrorsThenServiceWithoutRestartingTheStore) {
  std::unique_ptr<mcp::test::PgServer> pg;
  try {
    pg = std::make_unique<mcp::test::PgServer>();  // its own: stopped and started here
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  auto s = mcp::store::open_store(pg->uri());
  Notices seen;
  auto feed = s->watch([&](std::string_view k) { seen(k); });
  ASSERT_TRUE(seen.wait_for("*", std::chrono::seconds(5)));
  s->put_user({"alice", "", {}, "", 1});
  pg->stop();
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    try {
      s->find_user("alice");
      ADD_FAILURE() << "a call succeeded with the server down";
    } catch (const std::runtime_error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("postgresql store postgresql://mcp:***@127.0.0.1"), std::string::npos) << what;
      EXPECT_EQ(what.find("mcp-test-pw"), std::string::npos) << what;
    }
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(6));  // connect_timeout, never a hang
  }
  seen.clear();
  pg->start();
  auto deadline = Clock::now() + std::chrono::seconds(20);
  std::optional<mcp::store::User> u;
  while (!u && Clock::now() < deadline) {
    try {
      u = s->find_user("alice");
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_TRUE(u) << "no service within 20 s of the server's return";
  EXPECT_TRUE(seen.wait_for("*", std::chrono::seconds(10)));  // the feed came back, saying so
  s->put_user({"bob", "", {}, "", 2});
  EXPECT_TRUE(seen.wait_for("user", std::chrono::seconds(1)));
}

}  // namespace
