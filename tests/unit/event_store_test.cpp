#include <mcp/protocol/event_store.hpp>

#include <mcp/core/metrics.hpp>

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

constexpr std::size_t kOverhead = EventStoreLimits::kEventOverheadBytes;

std::uint64_t held() { return Metrics::global().replay_bytes_held.load(); }

EventStoreLimits bytes(std::size_t per_session, std::size_t total) {
  return EventStoreLimits{.events_per_session = 512, .bytes_per_session = per_session, .bytes_total = total};
}

// The case: 40 answers of 2 MiB kept ~80 MiB for one session; the default per-session
// budget (4 MiB) keeps the newest that fit.
TEST(MemoryEventStore, DefaultByteBudgetBoundsASessionOfLargeAnswers) {
  auto before = held();
  auto dropped = Metrics::global().replay_events_dropped.load();
  {
    auto store = make_memory_event_store();
    std::string last;
    for (int i = 0; i < 40; ++i) last = store->append("s", 1, std::string(2 << 20, 'x'));
    EXPECT_LE(held() - before, std::uint64_t{4} << 20);
    EXPECT_GE(Metrics::global().replay_events_dropped.load() - dropped, 38u);
    EXPECT_TRUE(store->replay_after("s", last));
  }
  EXPECT_EQ(held(), before);  // a store gone holds nothing
}

TEST(MemoryEventStore, PerSessionBytesDropTheOldestEvents) {
  auto store = make_memory_event_store(bytes(3 * (1000 + kOverhead), 1 << 30));
  std::vector<std::string> issued;
  for (int i = 1; i <= 5; ++i) issued.push_back(store->append("s", 1, std::string(999, 'a') + std::to_string(i)));
  store->append("other", 1, "kept");  // another session's budget is its own
  // Retained: e3, e4, e5.
  EXPECT_FALSE(store->replay_after("s", issued[0]));
  auto r = store->replay_after("s", issued[1]);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events.front().data.back(), '3');
  EXPECT_TRUE(store->replay_after("other", "1-1"));
}

TEST(MemoryEventStore, TotalBytesDropTheOldestEventsOfAnySession) {
  auto store = make_memory_event_store(bytes(1 << 30, 4 * (100 + kOverhead)));
  auto a1 = store->append("a", 1, std::string(100, 'a'));
  auto b1 = store->append("b", 1, std::string(100, 'b'));
  auto a2 = store->append("a", 1, std::string(100, 'a'));
  auto b2 = store->append("b", 1, std::string(100, 'b'));
  EXPECT_TRUE(store->replay_after("a", a1));
  store->append("b", 1, std::string(100, 'b'));  // over the total: a1 (the oldest) goes
  auto ra = store->replay_after("a", a1);  // a2 follows a1 and is still there
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->events.size(), 1u);
  store->append("a", 1, std::string(100, 'a'));  // b1 goes next
  EXPECT_TRUE(store->replay_after("b", b1));
  store->append("a", 1, std::string(100, 'a'));  // then a2: resuming after a1 would lose it
  EXPECT_FALSE(store->replay_after("a", a1));
  EXPECT_TRUE(store->replay_after("a", a2));
  (void)b2;
}

// An event above the per-session budget is not retained; resuming after the event before it
// is refused (it would be lost), after the event itself loses nothing.
TEST(MemoryEventStore, AnEventAboveTheBudgetIsDroppedButItsIdStaysKnown) {
  auto store = make_memory_event_store(bytes(1000, 1 << 30));
  auto small = store->append("s", 2, "small");
  auto big = store->append("s", 2, std::string(5000, 'x'));
  EXPECT_FALSE(store->replay_after("s", small));
  auto r = store->replay_after("s", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stream, 2u);
  EXPECT_TRUE(r->events.empty());
  std::uint64_t stream = 0, seq = 0;
  ASSERT_TRUE(parse_event_id(big, stream, seq));
  EXPECT_FALSE(store->replay_after("s", make_event_id(7, seq)));  // never issued on stream 7
}

TEST(MemoryEventStore, DropSessionReleasesItsBytes) {
  auto store = make_memory_event_store();
  auto before = held();
  store->append("s", 1, std::string(1000, 'x'));
  EXPECT_EQ(held() - before, 1000 + kOverhead);
  store->drop_session("s");
  EXPECT_EQ(held(), before);
}

}  // namespace
}  // namespace mcp::protocol
