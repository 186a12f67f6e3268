#include "protocol/event_store.hpp"

#include <gtest/gtest.h>

namespace mcp::protocol {
namespace {

std::vector<std::string> ids(const Replay& r) {
  std::vector<std::string> out;
  for (auto& e : r.events) out.push_back(e.id);
  return out;
}
std::vector<std::string> datas(const Replay& r) {
  std::vector<std::string> out;
  for (auto& e : r.events) out.push_back(e.data);
  return out;
}

TEST(EventId, FormatAndParse) {
  EXPECT_EQ(make_event_id(3, 17), "3-17");
  std::uint64_t stream = 0, seq = 0;
  ASSERT_TRUE(parse_event_id("3-17", stream, seq));
  EXPECT_EQ(stream, 3u);
  EXPECT_EQ(seq, 17u);
  ASSERT_TRUE(parse_event_id(make_event_id(UINT64_MAX, 0), stream, seq));
  EXPECT_EQ(stream, UINT64_MAX);
  for (const char* bad : {"", "-", "3", "3-", "-17", "a-1", "3-1x", "3--1", " 3-1", "3-1-2", "99999999999999999999-1"})
    EXPECT_FALSE(parse_event_id(bad, stream, seq)) << bad;
}

TEST(MemoryEventStore, IdsNameStreamAndSessionSequence) {
  auto store = make_memory_event_store();
  EXPECT_EQ(store->append("s", 1, "a"), "1-1");
  EXPECT_EQ(store->append("s", 2, "b"), "2-2");
  EXPECT_EQ(store->append("s", 1, "c"), "1-3");
  EXPECT_EQ(store->append("other", 1, "x"), "1-1");  // sequences are per session
}

TEST(MemoryEventStore, ReplaysOnlyTheSameStreamAfterTheId) {
  auto store = make_memory_event_store();
  auto a1 = store->append("s", 1, "a1");
  store->append("s", 2, "b1");
  store->append("s", 1, "a2");
  store->append("s", 2, "b2");
  store->append("s", 1, "a3");

  auto r = store->replay_after("s", a1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stream, 1u);
  EXPECT_EQ(datas(*r), (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(ids(*r), (std::vector<std::string>{"1-3", "1-5"}));

  auto b = store->replay_after("s", "2-2");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->stream, 2u);
  EXPECT_EQ(datas(*b), (std::vector<std::string>{"b2"}));
}

TEST(MemoryEventStore, ReplayAfterTheNewestIsEmptyButKnown) {
  auto store = make_memory_event_store();
  store->append("s", 1, "a");
  auto last = store->append("s", 1, "b");
  auto r = store->replay_after("s", last);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stream, 1u);
  EXPECT_TRUE(r->events.empty());
}

TEST(MemoryEventStore, SessionsAreIsolated) {
  auto store = make_memory_event_store();
  auto id = store->append("s1", 1, "mine");
  store->append("s1", 1, "mine too");
  store->append("s2", 1, "theirs");
  store->append("s2", 1, "theirs too");
  auto r = store->replay_after("s1", id);
  ASSERT_TRUE(r);
  EXPECT_EQ(datas(*r), (std::vector<std::string>{"mine too"}));
  EXPECT_FALSE(store->replay_after("nobody", id));
}

TEST(MemoryEventStore, UnknownIdsAreNullopt) {
  auto store = make_memory_event_store();
  store->append("s", 1, "a");
  store->append("s", 1, "b");
  EXPECT_FALSE(store->replay_after("s", "garbage"));
  EXPECT_FALSE(store->replay_after("s", ""));
  EXPECT_FALSE(store->replay_after("s", "1-99"));  // never issued (in the future)
  EXPECT_FALSE(store->replay_after("s", "1-x"));
  EXPECT_FALSE(store->replay_after("s", "1-0"));  // sequences start at 1
}

TEST(MemoryEventStore, IdNamingTheWrongStreamIsUnknown) {
  // Event 1 was issued on stream 1; "7-1" was never issued and must not open stream 7.
  auto store = make_memory_event_store();
  store->append("s", 1, "a");
  store->append("s", 7, "b");
  EXPECT_FALSE(store->replay_after("s", "7-1"));
  EXPECT_TRUE(store->replay_after("s", "1-1"));
}

TEST(MemoryEventStore, EvictionMakesOldIdsUnknown) {
  auto store = make_memory_event_store(3);
  std::vector<std::string> issued;
  for (int i = 1; i <= 6; ++i) issued.push_back(store->append("s", 1, "e" + std::to_string(i)));
  // Retained: e4, e5, e6. Resuming after e3 loses nothing; after e1 or e2 it would.
  EXPECT_FALSE(store->replay_after("s", issued[0]));
  EXPECT_FALSE(store->replay_after("s", issued[1]));
  auto r = store->replay_after("s", issued[2]);
  ASSERT_TRUE(r);
  EXPECT_EQ(datas(*r), (std::vector<std::string>{"e4", "e5", "e6"}));
  auto r2 = store->replay_after("s", issued[4]);
  ASSERT_TRUE(r2);
  EXPECT_EQ(datas(*r2), (std::vector<std::string>{"e6"}));
}

TEST(MemoryEventStore, DropSessionForgetsEverything) {
  auto store = make_memory_event_store();
  auto id = store->append("s", 1, "a");
  store->append("s", 1, "b");
  store->drop_session("s");
  EXPECT_FALSE(store->replay_after("s", id));
  EXPECT_EQ(store->append("s", 1, "c"), "1-1");  // a new log starts over
}

TEST(MemoryEventStore, PrimingEventsAreStoredWithEmptyData) {
  auto store = make_memory_event_store();
  auto prime = store->append("s", 4, "");
  store->append("s", 4, "msg");
  auto r = store->replay_after("s", prime);
  ASSERT_TRUE(r);
  EXPECT_EQ(datas(*r), (std::vector<std::string>{"msg"}));
}

}  // namespace
}  // namespace mcp::protocol
