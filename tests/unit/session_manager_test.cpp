#include <mcp/protocol/session_manager.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace mcp::protocol {
namespace {

SessionLimits limits(std::size_t max, std::chrono::seconds idle = std::chrono::seconds(1800)) {
  SessionLimits l;
  l.max_sessions = max;
  l.idle_timeout = idle;
  l.max_per_principal = max;  // these tests are about the overall cap
  return l;
}

SessionLimits shared(std::size_t max, std::size_t share) {
  SessionLimits l;
  l.max_sessions = max;
  l.max_per_principal = share;
  return l;
}

TEST(SessionManager, CreatesDistinctVisibleAsciiIds) {
  SessionManager m(limits(100));
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto s = m.create();
    ASSERT_TRUE(s);
    EXPECT_GE(s->id().size(), 16u);
    for (char c : s->id()) {
      EXPECT_GE(static_cast<unsigned char>(c), 0x21);
      EXPECT_LE(static_cast<unsigned char>(c), 0x7E);
    }
    ids.insert(s->id());
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(m.size(), 20u);
}

TEST(SessionManager, FindAndRemove) {
  SessionManager m(limits(10));
  auto s = m.create();
  ASSERT_TRUE(s);
  EXPECT_EQ(m.find(s->id()), s);
  EXPECT_FALSE(m.find("nope"));
  auto sink = std::make_shared<SseSink>();
  ASSERT_EQ(s->attach_standalone(sink), Session::Attach::ok);
  EXPECT_TRUE(m.remove(s->id()));
  EXPECT_TRUE(sink->closed());  // removing ends the session's streams
  EXPECT_FALSE(m.find(s->id()));
  EXPECT_FALSE(m.remove(s->id()));
  EXPECT_EQ(m.size(), 0u);
}

TEST(SessionManager, CapRefusesWhenNothingIsIdleLongEnough) {
  SessionManager m(limits(2));
  auto a = m.create("a");
  auto b = m.create("b");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(m.create("c"));
  EXPECT_EQ(m.size(), 2u);
  m.remove(a->id());
  EXPECT_TRUE(m.create("c"));
}

TEST(SessionManager, CapExpiresIdleSessionsToMakeRoom) {
  SessionManager m(limits(1, std::chrono::seconds(0)));
  auto a = m.create();
  ASSERT_TRUE(a);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto b = m.create();
  ASSERT_TRUE(b);
  EXPECT_FALSE(m.find(a->id()));
  EXPECT_EQ(m.size(), 1u);
}

// At the cap, create() scans only once a session may have expired; one that expires after a
// refusal is still found then.
TEST(SessionManager, CapScansAgainOnceASessionMayHaveExpired) {
  SessionManager m(limits(1, std::chrono::seconds(1)));
  auto a = m.create("a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(m.create("b"));  // a is 0 s idle: refused, and no scan until a's expiry time
  EXPECT_FALSE(m.create("b"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto b = m.create("b");
  ASSERT_TRUE(b);
  EXPECT_FALSE(m.find(a->id()));
  EXPECT_EQ(m.size(), 1u);
}

TEST(SessionManager, ExpireIdleKeepsBusySessions) {
  SessionManager m(limits(10, std::chrono::seconds(0)));
  auto idle = m.create();
  auto streaming = m.create();
  auto working = m.create();
  auto sink = std::make_shared<SseSink>();
  ASSERT_EQ(streaming->attach_standalone(sink), Session::Attach::ok);
  auto inflight = working->begin_request("n:1");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));

  EXPECT_EQ(m.expire_idle(), 1u);
  EXPECT_FALSE(m.find(idle->id()));
  EXPECT_TRUE(m.find(streaming->id()));
  EXPECT_TRUE(m.find(working->id()));

  sink->close();
  working->end_request("n:1");
  EXPECT_EQ(m.expire_idle(), 2u);
  EXPECT_EQ(m.size(), 0u);
}

TEST(SessionManager, ExpireIdleRespectsTheTimeout) {
  SessionManager m(limits(10, std::chrono::seconds(3600)));
  auto s = m.create();
  EXPECT_EQ(m.expire_idle(), 0u);
  EXPECT_TRUE(m.find(s->id()));
}

TEST(SessionManager, CloseAllAndForEach) {
  SessionManager m(limits(10));
  auto a = m.create();
  auto b = m.create();
  int seen = 0;
  m.for_each([&](Session&) { ++seen; });
  EXPECT_EQ(seen, 2);
  auto inflight = a->begin_request("n:1");
  m.close_all();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(inflight->cancelled);
}

TEST(SessionManager, DefaultShareIsATenthOfTheCapAtLeastOne) {
  EXPECT_EQ(shared(20, 0).principal_share(), 2u);
  EXPECT_EQ(shared(10000, 0).principal_share(), 1000u);
  EXPECT_EQ(shared(5, 0).principal_share(), 1u);
  EXPECT_EQ(shared(5, 50).principal_share(), 5u);  // never above the cap
}

// The case: one principal initializing `max` times no longer locks everyone else out.
TEST(SessionManager, OnePrincipalCannotTakeEverySession) {
  SessionManager m(shared(20, 0));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(m.create("alice"));
  EXPECT_EQ(m.size(), 2u);  // its share; each new one ended its oldest idle one
  for (int i = 0; i < 18; ++i) EXPECT_TRUE(m.create("p" + std::to_string(i))) << i;
}

TEST(SessionManager, AtItsShareAPrincipalLosesItsOwnOldestIdleSession) {
  SessionManager m(shared(10, 3));
  auto a1 = m.create("alice");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto a2 = m.create("alice");
  auto a3 = m.create("alice");
  auto b = m.create("bob");
  a2->touch();  // a1 is now the least recently active
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  a3->touch();
  SessionManager::Refused why = SessionManager::Refused::full;
  auto a4 = m.create("alice", &why);
  ASSERT_TRUE(a4);
  EXPECT_EQ(why, SessionManager::Refused::no);
  EXPECT_FALSE(m.find(a1->id()));
  EXPECT_TRUE(m.find(a2->id()));
  EXPECT_TRUE(m.find(a3->id()));
  EXPECT_TRUE(m.find(b->id()));  // never someone else's
  EXPECT_EQ(m.size(), 4u);
}

TEST(SessionManager, APrincipalWithNothingIdleAtItsShareIsRefused) {
  SessionManager m(shared(10, 2));
  auto a1 = m.create("alice");
  auto a2 = m.create("alice");
  auto s1 = std::make_shared<SseSink>();
  ASSERT_EQ(a1->attach_standalone(s1), Session::Attach::ok);  // streaming: busy
  auto inflight = a2->begin_request("n:1");                    // a request in flight: busy
  SessionManager::Refused why = SessionManager::Refused::no;
  EXPECT_FALSE(m.create("alice", &why));
  EXPECT_EQ(why, SessionManager::Refused::principal_share);
  EXPECT_TRUE(m.create("bob"));
  a2->end_request("n:1");
  EXPECT_TRUE(m.create("alice"));  // a2 is idle again: it makes room
  EXPECT_FALSE(m.find(a2->id()));
  EXPECT_TRUE(m.find(a1->id()));
}

TEST(SessionManager, RemovedAndExpiredSessionsLeaveTheShare) {
  SessionManager m(shared(10, 1));
  auto a = m.create("alice");
  auto s = std::make_shared<SseSink>();
  ASSERT_EQ(a->attach_standalone(s), Session::Attach::ok);
  EXPECT_FALSE(m.create("alice"));
  EXPECT_TRUE(m.remove(a->id()));
  auto b = m.create("alice");
  ASSERT_TRUE(b);
  auto s2 = std::make_shared<SseSink>();
  ASSERT_EQ(b->attach_standalone(s2), Session::Attach::ok);
  m.close_all();
  EXPECT_TRUE(m.create("alice"));
}

TEST(SessionManager, OverallCapStillApplies) {
  SessionManager m(shared(2, 2));
  ASSERT_TRUE(m.create("a"));
  ASSERT_TRUE(m.create("b"));
  SessionManager::Refused why = SessionManager::Refused::no;
  EXPECT_FALSE(m.create("c", &why));
  EXPECT_EQ(why, SessionManager::Refused::full);
}

}  // namespace
}  // namespace mcp::protocol
