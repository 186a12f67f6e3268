// TaskStore: ids, ownership, and the ttl a client asks for (params.task.ttl, 2025-11-25).
#include <mcp/protocol/tasks.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace mcp::protocol {
namespace {

std::int64_t legacy_ttl(const json::object& created) {
  return created.at("task").as_object().at("ttl").as_int64();
}

TEST(TaskStore, DefaultTtlWhenTheClientAsksForNone) {
  TaskStore store(TaskStore::Options{.ttl_ms = 300000});
  std::string id;
  auto created = store.create(std::make_shared<Inflight>(), id, "session-1");
  ASSERT_TRUE(created);
  EXPECT_EQ(legacy_ttl(created.value()), 300000);
}

TEST(TaskStore, RequestedTtlIsHonouredWithinBounds) {
  TaskStore store(TaskStore::Options{.ttl_ms = 300000, .min_ttl_ms = 1000, .max_ttl_ms = 60000});
  std::string a, b, c;
  EXPECT_EQ(legacy_ttl(store.create(std::make_shared<Inflight>(), a, "s", 20000).value()), 20000);
  EXPECT_EQ(legacy_ttl(store.create(std::make_shared<Inflight>(), b, "s", 5).value()), 1000);
  EXPECT_EQ(legacy_ttl(store.create(std::make_shared<Inflight>(), c, "s", 99999999).value()), 60000);
  // tasks/get reports each task's own ttl.
  EXPECT_EQ(store.legacy_task(a, "s").value().at("ttl").as_int64(), 20000);
  EXPECT_EQ(store.legacy_task(c, "s").value().at("ttl").as_int64(), 60000);
}

TEST(TaskStore, AnEndedTaskExpiresAfterItsOwnTtl) {
  TaskStore store(TaskStore::Options{.ttl_ms = 300000, .min_ttl_ms = 1, .max_ttl_ms = 60000});
  std::string short_id, long_id;
  ASSERT_TRUE(store.create(std::make_shared<Inflight>(), short_id, "s", 1));
  ASSERT_TRUE(store.create(std::make_shared<Inflight>(), long_id, "s", 60000));
  store.complete(short_id, json::object{{"content", json::array{}}});
  store.complete(long_id, json::object{{"content", json::array{}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(store.legacy_task(short_id, "s"));  // gone: -32602 unknown task
  EXPECT_EQ(store.legacy_task(short_id, "s").error().code, errc::kInvalidParams);
  EXPECT_TRUE(store.legacy_task(long_id, "s"));
}

TEST(TaskStore, AnotherOwnerCannotSeeATask) {
  TaskStore store(TaskStore::Options{});
  std::string id;
  ASSERT_TRUE(store.create(std::make_shared<Inflight>(), id, "alice-session"));
  EXPECT_FALSE(store.legacy_task(id, "bob-session"));
  EXPECT_TRUE(store.legacy_list("bob-session").empty());
  EXPECT_EQ(store.legacy_list("alice-session").size(), 1u);
}

}  // namespace
}  // namespace mcp::protocol
