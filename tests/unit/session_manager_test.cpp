#include "protocol/session_manager.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace mcp::protocol {
namespace {

SessionLimits limits(std::size_t max, std::chrono::seconds idle = std::chrono::seconds(1800)) {
  SessionLimits l;
  l.max_sessions = max;
  l.idle_timeout = idle;
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
  auto a = m.create();
  auto b = m.create();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(m.create());
  EXPECT_EQ(m.size(), 2u);
  m.remove(a->id());
  EXPECT_TRUE(m.create());
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
  auto a = m.create();
  ASSERT_TRUE(a);
  EXPECT_FALSE(m.create());  // a is 0 s idle: refused, and no scan until a's expiry time
  EXPECT_FALSE(m.create());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto b = m.create();
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

}  // namespace
}  // namespace mcp::protocol
