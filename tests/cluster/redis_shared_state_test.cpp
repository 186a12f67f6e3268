// The Redis SharedState against a real redis-server (Debian's, started per test on a free
// loopback port): every operation, token buckets shared by two "replicas", Pub/Sub, AUTH and
// SELECT from the URL, and the faults: a killed, a frozen and a restarted server.
#include <gtest/gtest.h>

#include <atomic>
#include <mcp/cluster/shared_state.hpp>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "cluster/redis_connection.hpp"
#include "cluster_test_util.hpp"
#include "support/redis_server.hpp"

namespace mcp::cluster {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::run;

RedisOptions options_for(const std::string& url, std::string prefix = "t:") {
  RedisOptions o;
  o.url = url;
  o.key_prefix = std::move(prefix);
  o.connect_timeout = 500ms;
  o.command_timeout = 300ms;
  o.max_backoff = 200ms;
  return o;
}

std::shared_ptr<SharedState> connected(const std::string& url, std::string prefix = "t:") {
  auto s = make_redis_shared_state(options_for(url, std::move(prefix)));
  EXPECT_TRUE(eventually([&] { return s->healthy(); })) << "never connected to " << url;
  return s;
}

// Plain commands beside the SharedState under test, through a RedisConnection of its own.
class RawRedis {
 public:
  explicit RawRedis(const std::string& url)
      : work_(boost::asio::make_work_guard(io_)),
        conn_(std::make_shared<RedisConnection>(io_, parse_redis_url(url), RedisConnection::Options{})) {
    conn_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RawRedis() {
    conn_->stop();
    work_.reset();
    thread_.join();
  }
  resp::Value operator()(std::vector<std::string> command) {
    std::vector<RedisConnection::Command> batch{std::move(command)};
    auto r = run(conn_->exec(std::move(batch)));
    if (!r) throw std::runtime_error(r.error().message);
    return r->front();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::shared_ptr<RedisConnection> conn_;
  std::thread thread_;
};

class RedisSharedStateTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  test::RedisServer server_;
};

TEST_F(RedisSharedStateTest, RecordsWithExpiry) {
  auto s = connected(server_.url());
  EXPECT_EQ(s->describe(), "redis://127.0.0.1:" + std::to_string(server_.port()) + "/0");
  EXPECT_FALSE(run(s->get("a")).value().has_value());
  EXPECT_TRUE(run(s->set("a", std::string("v\r\n\0x", 5), 10s)).value());
  EXPECT_EQ(run(s->get("a")).value(), std::optional<std::string>(std::string("v\r\n\0x", 5)));
  EXPECT_FALSE(run(s->set_if_absent("a", "other", 10s)).value());
  EXPECT_EQ(*run(s->get("a")).value(), std::string("v\r\n\0x", 5));
  EXPECT_TRUE(run(s->set_if_absent("lock", "me", 10s)).value());
  EXPECT_TRUE(run(s->del("a")).value());
  EXPECT_FALSE(run(s->del("a")).value());
  EXPECT_FALSE(run(s->get("a")).value().has_value());
  // Expiry.
  EXPECT_TRUE(run(s->set("short", "x", 100ms)).value());
  EXPECT_TRUE(run(s->set_if_absent("short-lock", "x", 100ms)).value());
  std::this_thread::sleep_for(250ms);
  EXPECT_FALSE(run(s->get("short")).value().has_value());
  EXPECT_TRUE(run(s->set_if_absent("short-lock", "y", 100ms)).value());
  // The key prefix separates two deployments sharing one Redis.
  auto other = connected(server_.url(), "u:");
  EXPECT_FALSE(run(other->get("lock")).value().has_value());
  EXPECT_EQ(*run(s->get("lock")).value(), "me");
}

TEST_F(RedisSharedStateTest, AClaimIsRenewedAndReleasedByItsHolderOnly) {
  auto s = connected(server_.url());
  RawRedis raw(server_.url());
  EXPECT_FALSE(run(s->renew("c", "mine", 1s)).value());  // no claim yet
  ASSERT_TRUE(run(s->set_if_absent("c", "mine", 200ms)).value());
  EXPECT_FALSE(run(s->renew("c", "theirs", 10s)).value());
  EXPECT_TRUE(run(s->renew("c", "mine", 10s)).value());
  EXPECT_GT(raw({"PTTL", "t:c"}).integer, 5000);
  EXPECT_FALSE(run(s->release("c", "theirs")).value());
  EXPECT_EQ(*run(s->get("c")).value(), "mine");
  EXPECT_TRUE(run(s->release("c", "mine")).value());
  EXPECT_FALSE(run(s->get("c")).value().has_value());
  raw({"SCRIPT", "FLUSH"});  // Redis forgot the scripts (a restart): sent whole again
  ASSERT_TRUE(run(s->set_if_absent("c", "theirs", 10s)).value());
  EXPECT_TRUE(run(s->renew("c", "theirs", 10s)).value());
  EXPECT_TRUE(run(s->release("c", "theirs")).value());
}

TEST_F(RedisSharedStateTest, CappedLogsKeepTheNewestEntriesAndExpire) {
  auto s = connected(server_.url());
  EXPECT_TRUE(run(s->entries("none")).value().empty());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(run(s->append("log", "e" + std::to_string(i), 3, 10s)).value());
  EXPECT_EQ(run(s->entries("log")).value(), (std::vector<std::string>{"e7", "e8", "e9"}));
  std::string big(100000, 'b');
  ASSERT_TRUE(run(s->append("log", big, 3, 10s)).value());
  EXPECT_EQ(run(s->entries("log")).value().back(), big);
  ASSERT_TRUE(run(s->append("brief", "x", 5, 100ms)).value());
  EXPECT_EQ(run(s->entries("brief")).value().size(), 1u);
  std::this_thread::sleep_for(250ms);
  EXPECT_TRUE(run(s->entries("brief")).value().empty());
  // A key of the wrong type is a clean error, not a crash.
  ASSERT_TRUE(run(s->set("plain", "x", 10s)).value());
  auto wrong = run(s->append("plain", "x", 5, 10s));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, kUnavailable);
  EXPECT_FALSE(run(s->entries("plain")));
}

TEST_F(RedisSharedStateTest, TokenBucketRefillsAtItsRate) {
  auto s = connected(server_.url());
  RateLimit unlimited;
  EXPECT_FALSE(run(s->take("free", unlimited)).value().has_value());
  RateLimit ten{10, 1};
  EXPECT_FALSE(run(s->take("b", ten)).value().has_value());
  auto wait = run(s->take("b", ten)).value();
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(wait->count(), 1);
  EXPECT_LE(wait->count(), 100);
  std::this_thread::sleep_for(*wait + 20ms);
  EXPECT_FALSE(run(s->take("b", ten)).value().has_value());
}

// Two replicas, three threads each, each thread on its own io_context: the bucket is one.
// What lands in Redis: prefixed keys, exact caps, expiries on logs and buckets.
TEST_F(RedisSharedStateTest, KeysArePrefixedCappedAndExpire) {
  auto s = connected(server_.url(), "pfx:");
  RawRedis raw(server_.url());
  ASSERT_TRUE(run(s->set("rec", "v", 10s)).value());
  EXPECT_EQ(raw({"GET", "pfx:rec"}).str, "v");
  EXPECT_EQ(raw({"EXISTS", "rec"}).integer, 0);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(run(s->append("log", "e", 5, 4s)).value());
  EXPECT_EQ(raw({"XLEN", "pfx:log"}).integer, 5);
  auto log_ttl = raw({"PTTL", "pfx:log"}).integer;
  EXPECT_GT(log_ttl, 3000);
  EXPECT_LE(log_ttl, 4000);
  RateLimit limit{10, 5};
  ASSERT_FALSE(run(s->take("bucket", limit)).value().has_value());
  auto bucket_ttl = raw({"PTTL", "pfx:bucket"}).integer;  // full again after 0.1 s, plus 1 s
  EXPECT_GT(bucket_ttl, 900);
  EXPECT_LE(bucket_ttl, 1100);
  EXPECT_NEAR(std::stod(raw({"HGET", "pfx:bucket", "tokens"}).str), 4.0, 0.1);
  // The script is cached after the first take; flushed, the next take falls back to EVAL.
  EXPECT_EQ(raw({"SCRIPT", "FLUSH"}).str, "OK");
  EXPECT_FALSE(run(s->take("bucket", limit)).value().has_value());
  // Subscribed under the prefix; the last Subscription gone, Redis is told.
  auto subscribers = [&] { return raw({"PUBSUB", "NUMSUB", "pfx:chan"}).elements.at(1).integer; };
  auto one = s->subscribe("chan", [](const std::string&) {});
  auto two = s->subscribe("chan", [](const std::string&) {});
  EXPECT_TRUE(eventually([&] { return subscribers() == 1; }));
  one.reset();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(subscribers(), 1);
  two.reset();
  EXPECT_TRUE(eventually([&] { return subscribers() == 0; }));
}

TEST_F(RedisSharedStateTest, TokenBucketIsAtomicAcrossReplicas) {
  auto a = connected(server_.url());
  auto b = connected(server_.url());
  constexpr int kBurst = 12;
  RateLimit limit{0.001, kBurst};
  std::atomic<int> allowed{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto& s = t % 2 ? a : b;
      for (int i = 0; i < kBurst * 3 / 6; ++i) {
        auto r = run(s->take("shared", limit));
        if (!r)
          ++failed;
        else if (r->has_value())
          ++refused;
        else
          ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), kBurst);
  EXPECT_EQ(refused.load(), 2 * kBurst);
}

TEST_F(RedisSharedStateTest, PublishReachesTheOtherReplicaUntilUnsubscribed) {
  auto a = connected(server_.url());
  auto b = connected(server_.url());
  std::mutex mu;
  std::vector<std::string> got, marks;
  auto sub = b->subscribe("wake", [&](const std::string& m) {
    std::lock_guard lock(mu);
    got.push_back(m);
  });
  auto marker = b->subscribe("mark", [&](const std::string& m) {
    std::lock_guard lock(mu);
    marks.push_back(m);
  });
  auto count = [&](std::vector<std::string>& v) {
    std::lock_guard lock(mu);
    return v.size();
  };
  // SUBSCRIBE is asynchronous: publish until the first message arrives.
  ASSERT_TRUE(eventually([&] {
    a->publish("wake", "hello");
    std::this_thread::sleep_for(20ms);
    return count(got) > 0;
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(got.front(), "hello");
  }
  // Another prefix is another deployment: its channel of the same name is not ours.
  auto stranger = connected(server_.url(), "other:");
  stranger->publish("wake", "not for you");
  sub.reset();
  std::size_t before = count(got);
  a->publish("wake", "after unsubscribe");
  ASSERT_TRUE(eventually([&] {
    a->publish("mark", "m");
    std::this_thread::sleep_for(20ms);
    return count(marks) > 0;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(got.size(), before);
  for (const auto& m : got) EXPECT_EQ(m, "hello");
}

TEST(RedisAuth, PasswordAndDatabaseFromTheUrl) {
  test::RedisServer server("p@ss:w/rd %x");
  server.start();
  auto s = connected(server.url(5));
  ASSERT_TRUE(s->healthy());
  EXPECT_EQ(s->describe(), "redis://127.0.0.1:" + std::to_string(server.port()) + "/5");
  EXPECT_TRUE(run(s->set("k", "in five", 10s)).value());
  EXPECT_EQ(*run(s->get("k")).value(), "in five");
  auto zero = connected(server.url(0));
  EXPECT_FALSE(run(zero->get("k")).value().has_value());
  auto five = connected(server.url(5));
  EXPECT_EQ(*run(five->get("k")).value(), "in five");
  // A wrong password: never healthy, commands fail cleanly, the password is in no message.
  auto wrong = make_redis_shared_state(options_for("redis://:nope-secret@127.0.0.1:" + std::to_string(server.port())));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(wrong->healthy());
  auto r = run(wrong->get("k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kUnavailable);
  EXPECT_EQ(r.error().message.find("nope-secret"), std::string::npos);
  EXPECT_EQ(wrong->describe().find("nope"), std::string::npos);
}

TEST(RedisUrl, MalformedAndTlsUrlsAreRejected) {
  for (const char* bad : {"http://127.0.0.1:6379", "redis://", "redis://h:0", "redis://h:99999", "redis://h/x",
                          "redis://h/1/2", "redis://user@h", "not a url", "redis://h?db=1"})
    EXPECT_THROW(make_redis_shared_state(options_for(bad)), std::invalid_argument) << bad;
  try {
    make_redis_shared_state(options_for("rediss://h:6380"));
    ADD_FAILURE() << "rediss accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("TLS not supported"), std::string::npos);
  }
  auto s = make_redis_shared_state(options_for("redis://user:secret@[::1]:1/3"));
  EXPECT_EQ(s->describe(), "redis://[::1]:1/3");
}

TEST(RedisDown, UnreachableServerFailsFastAndNeverHangs) {
  int port;
  {
    test::RedisServer never;  // only for a free port
    port = never.port();
  }
  auto s = make_redis_shared_state(options_for("redis://127.0.0.1:" + std::to_string(port)));
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = run(s->set("k", "v", 1s));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kUnavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    auto t = run(s->take("k", RateLimit{1, 1}));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, kUnavailable);
  }
  EXPECT_FALSE(s->healthy());
  s->publish("c", "m");  // dropped, not queued forever
}

TEST_F(RedisSharedStateTest, KilledThenRestartedOnTheSamePort) {
  auto a = connected(server_.url());
  auto b = connected(server_.url());
  std::atomic<int> got{0};
  auto sub = b->subscribe("back", [&](const std::string&) { ++got; });
  ASSERT_TRUE(run(a->set("k", "v", 60s)).value());

  server_.kill();
  auto start = std::chrono::steady_clock::now();
  auto r = run(a->get("k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // the timeout is 300 ms
  EXPECT_TRUE(eventually([&] { return !a->healthy() && !b->healthy(); }, 2s));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(run(a->take("k2", RateLimit{1, 1})));

  server_.start();  // same port, empty (no persistence)
  ASSERT_TRUE(eventually([&] { return a->healthy() && b->healthy(); }));
  EXPECT_TRUE(run(a->set("k", "again", 60s)).value());
  EXPECT_EQ(*run(a->get("k")).value(), "again");
  // The subscription was made again by itself.
  EXPECT_TRUE(eventually([&] {
    a->publish("back", "x");
    std::this_thread::sleep_for(20ms);
    return got.load() > 0;
  }));
  // And the script cache was empty: the bucket falls back to EVAL.
  EXPECT_FALSE(run(a->take("k2", RateLimit{1, 1})).value().has_value());
}

TEST_F(RedisSharedStateTest, FrozenServerTimesOutThenRecovers) {
  auto s = connected(server_.url());
  ASSERT_TRUE(run(s->set("k", "v", 60s)).value());
  server_.freeze();
  auto start = std::chrono::steady_clock::now();
  auto r = run(s->get("k"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(s->healthy());
  server_.thaw();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kUnavailable);
  EXPECT_EQ(r.error().message, "redis: timeout");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1s);
  // The late reply is skipped, not given to the next command.
  ASSERT_TRUE(eventually([&] {
    auto again = run(s->get("k"));
    return again && again->has_value();
  }));
  EXPECT_TRUE(s->healthy());
  EXPECT_TRUE(run(s->set("k2", "w", 60s)).value());
  EXPECT_EQ(*run(s->get("k2")).value(), "w");
  EXPECT_EQ(*run(s->get("k")).value(), "v");
}

Task<std::pair<std::thread::id, std::thread::id>> threads_around_get(std::shared_ptr<SharedState> s) {
  auto before = std::this_thread::get_id();
  auto r = co_await s->get("x");
  if (!r) throw std::runtime_error(r.error().message);
  co_return std::make_pair(before, std::this_thread::get_id());
}

TEST_F(RedisSharedStateTest, ResumesOnTheAwaitingExecutor) {
  auto s = connected(server_.url());
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<std::pair<std::thread::id, std::pair<std::thread::id, std::thread::id>>> seen;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto ids = run(threads_around_get(s));
        std::lock_guard lock(mu);
        seen.emplace_back(std::this_thread::get_id(), ids);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(seen.size(), 40u);
  for (const auto& [runner, ids] : seen) {
    EXPECT_EQ(ids.first, runner);
    EXPECT_EQ(ids.second, runner);
  }
}

}  // namespace
}  // namespace mcp::cluster
