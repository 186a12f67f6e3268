#include <mcp/protocol/session.hpp>

#include <gtest/gtest.h>

#include <mcp/jsonrpc/jsonrpc.hpp>

#include "test_util.hpp"

namespace mcp::protocol {
namespace {

// Everything queued on a sink so far, without waiting.
SseSink::Chunk drain(SseSink& sink) {
  boost::asio::io_context io;
  return test::run(io, sink.next(std::chrono::milliseconds(0)));
}

std::vector<std::string> field(const std::string& sse, std::string_view name) {
  std::vector<std::string> out;
  size_t pos = 0;
  std::string prefix = std::string(name) + ": ";
  while (pos < sse.size()) {
    size_t nl = sse.find('\n', pos);
    if (nl == std::string::npos) nl = sse.size();
    std::string_view line(sse.data() + pos, nl - pos);
    if (line.substr(0, prefix.size()) == prefix) out.emplace_back(line.substr(prefix.size()));
    pos = nl + 1;
  }
  return out;
}

class SessionTest : public ::testing::Test {
 protected:
  std::shared_ptr<Session> make(std::string version) {
    auto s = std::make_shared<Session>("sid", *store_, 1500);
    s->set_negotiated(std::move(version), {}, {});
    return s;
  }
  std::unique_ptr<EventStore> store_ = make_memory_event_store();
};

TEST(SseEvent, Format) {
  EXPECT_EQ(sse_event("1-2", R"({"a":1})"), "id: 1-2\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse_event("", "x"), "data: x\n\n");
  EXPECT_EQ(sse_event("1-1", "", 500), "id: 1-1\nretry: 500\ndata: \n\n");
  EXPECT_EQ(sse_event("", "a\nb"), "data: a\ndata: b\n\n");
}

TEST_F(SessionTest, OpenStreamPrimesOnlyFor20251125) {
  auto s = make("2025-11-25");
  EXPECT_TRUE(s->priming_events());
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  EXPECT_NE(id, Session::kStandaloneStream);
  auto c = drain(*sink);
  EXPECT_FALSE(c.last);
  EXPECT_EQ(field(c.bytes, "id"), (std::vector<std::string>{make_event_id(id, 1)}));
  EXPECT_EQ(field(c.bytes, "retry"), (std::vector<std::string>{"1500"}));
  EXPECT_EQ(field(c.bytes, "data"), (std::vector<std::string>{""}));

  for (const char* old : {"2025-06-18", "2025-03-26"}) {
    auto o = make(old);
    EXPECT_FALSE(o->priming_events()) << old;
    std::uint64_t oid = 0;
    auto osink = o->open_stream(oid, 1);
    EXPECT_TRUE(drain(*osink).bytes.empty()) << old;
  }
}

TEST_F(SessionTest, StreamIdsAreDistinct) {
  auto s = make("2025-06-18");
  std::uint64_t a = 0, b = 0;
  s->open_stream(a, 1);
  s->open_stream(b, 1);
  EXPECT_NE(a, b);
}

TEST_F(SessionTest, EmitCountsDownAndClosesAfterTheLastResponse) {
  auto s = make("2025-06-18");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 2);
  s->emit(id, R"({"note":1})", false);  // a notification does not count
  s->emit(id, R"({"resp":1})", true);
  auto c1 = drain(*sink);
  EXPECT_FALSE(c1.last);
  EXPECT_EQ(field(c1.bytes, "data"), (std::vector<std::string>{R"({"note":1})", R"({"resp":1})"}));
  EXPECT_EQ(field(c1.bytes, "id").size(), 2u);
  EXPECT_FALSE(sink->closed());
  EXPECT_FALSE(s->idle());

  s->emit(id, R"({"resp":2})", true);
  auto c2 = drain(*sink);
  EXPECT_TRUE(c2.last);
  EXPECT_EQ(field(c2.bytes, "data"), (std::vector<std::string>{R"({"resp":2})"}));
  EXPECT_TRUE(sink->closed());
  EXPECT_TRUE(s->idle());
}

TEST_F(SessionTest, FinishWithoutResponseCountsDown) {
  auto s = make("2025-06-18");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  s->finish_without_response(id);
  EXPECT_TRUE(sink->closed());
}

TEST_F(SessionTest, CloseEndsStreamsAndIgnoresLaterEmits) {
  auto s = make("2025-06-18");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  auto standalone = std::make_shared<SseSink>();
  ASSERT_EQ(s->attach_standalone(standalone), Session::Attach::ok);
  auto inflight = s->begin_request("n:1");
  s->close();
  EXPECT_TRUE(sink->closed());
  EXPECT_TRUE(standalone->closed());
  EXPECT_TRUE(inflight->cancelled);
  s->emit(id, "late", true);
  EXPECT_TRUE(drain(*sink).bytes.empty());
  std::uint64_t id2 = 0;
  auto after = s->open_stream(id2, 1);
  EXPECT_TRUE(after->closed());
  EXPECT_TRUE(s->begin_request("n:2")->cancelled);
}

TEST_F(SessionTest, StandaloneStreamConflict) {
  auto s = make("2025-06-18");
  auto first = std::make_shared<SseSink>();
  EXPECT_EQ(s->attach_standalone(first), Session::Attach::ok);
  auto second = std::make_shared<SseSink>();
  EXPECT_EQ(s->attach_standalone(second), Session::Attach::conflict);
  EXPECT_FALSE(first->closed());
  s->emit(Session::kStandaloneStream, "note", false);
  EXPECT_EQ(field(drain(*first).bytes, "data"), (std::vector<std::string>{"note"}));
  EXPECT_TRUE(drain(*second).bytes.empty());

  first->close();  // the client went away: a new GET may take over
  auto third = std::make_shared<SseSink>();
  EXPECT_EQ(s->attach_standalone(third), Session::Attach::ok);
  s->emit(Session::kStandaloneStream, "again", false);
  EXPECT_EQ(field(drain(*third).bytes, "data"), (std::vector<std::string>{"again"}));
}

TEST_F(SessionTest, StandaloneStreamIsPrimedFor20251125) {
  auto s = make("2025-11-25");
  auto sink = std::make_shared<SseSink>();
  ASSERT_EQ(s->attach_standalone(sink), Session::Attach::ok);
  auto c = drain(*sink);
  ASSERT_EQ(field(c.bytes, "id").size(), 1u);
  std::uint64_t stream = 99, seq = 0;
  ASSERT_TRUE(parse_event_id(field(c.bytes, "id")[0], stream, seq));
  EXPECT_EQ(stream, Session::kStandaloneStream);
}

TEST_F(SessionTest, DetachEndsTheConnectionButNotTheStream) {
  auto s = make("2025-11-25");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  s->emit(id, "progress-1", false);
  auto first = drain(*sink);
  auto first_ids = field(first.bytes, "id");
  ASSERT_EQ(first_ids.size(), 2u);  // priming + progress-1

  s->detach(id);
  auto tail = drain(*sink);
  EXPECT_TRUE(tail.last);
  EXPECT_EQ(field(tail.bytes, "retry"), (std::vector<std::string>{"1500"}));
  s->emit(id, "progress-2", false);  // stored while nobody listens
  EXPECT_TRUE(drain(*sink).bytes.empty());
  EXPECT_TRUE(s->idle());  // no connection is open (nothing in flight was begun)
}

TEST_F(SessionTest, ResumeReplaysThenContinuesLive) {
  auto s = make("2025-11-25");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  s->emit(id, "m1", false);
  auto ids = field(drain(*sink).bytes, "id");
  ASSERT_EQ(ids.size(), 2u);
  s->detach(id);
  s->emit(id, "m2", false);
  s->emit(id, "m3", false);

  auto resumed = std::make_shared<SseSink>();
  ASSERT_EQ(s->resume(ids[1], resumed), Session::Attach::ok);  // after m1
  auto replay = drain(*resumed);
  EXPECT_FALSE(replay.last);
  EXPECT_EQ(field(replay.bytes, "data"), (std::vector<std::string>{"m2", "m3"}));

  s->emit(id, "final", true);
  auto live = drain(*resumed);
  EXPECT_EQ(field(live.bytes, "data"), (std::vector<std::string>{"final"}));
  EXPECT_TRUE(live.last);
}

TEST_F(SessionTest, ResumeFromPrimingEventReplaysEverything) {
  auto s = make("2025-11-25");
  std::uint64_t id = 0;
  auto sink = s->open_stream(id, 1);
  auto prime = field(drain(*sink).bytes, "id");
  ASSERT_EQ(prime.size(), 1u);
  s->detach(id);
  s->emit(id, "m1", false);
  s->emit(id, "done", true);  // the stream ends while detached

  auto resumed = std::make_shared<SseSink>();
  ASSERT_EQ(s->resume(prime[0], resumed), Session::Attach::ok);
  auto c = drain(*resumed);
  EXPECT_EQ(field(c.bytes, "data"), (std::vector<std::string>{"m1", "done"}));
  EXPECT_TRUE(c.last);  // nothing more will come: the replay ends the response
}

TEST_F(SessionTest, ResumeTakesOverFromAStillOpenConnection) {
  auto s = make("2025-11-25");
  std::uint64_t id = 0;
  auto old_sink = s->open_stream(id, 1);
  auto prime = field(drain(*old_sink).bytes, "id");
  auto fresh = std::make_shared<SseSink>();
  ASSERT_EQ(s->resume(prime[0], fresh), Session::Attach::ok);
  EXPECT_TRUE(old_sink->closed());
  s->emit(id, "r", true);
  EXPECT_EQ(field(drain(*fresh).bytes, "data"), (std::vector<std::string>{"r"}));
}

TEST_F(SessionTest, ResumeDoesNotCrossStreams) {
  auto s = make("2025-11-25");
  std::uint64_t a = 0, b = 0;
  auto sa = s->open_stream(a, 1);
  auto sb = s->open_stream(b, 1);
  auto prime_a = field(drain(*sa).bytes, "id");
  drain(*sb);
  s->detach(a);
  s->emit(b, "for-b", false);
  s->emit(a, "for-a", false);
  auto resumed = std::make_shared<SseSink>();
  ASSERT_EQ(s->resume(prime_a[0], resumed), Session::Attach::ok);
  EXPECT_EQ(field(drain(*resumed).bytes, "data"), (std::vector<std::string>{"for-a"}));
}

TEST_F(SessionTest, ResumeWithUnknownIdFails) {
  auto s = make("2025-11-25");
  auto sink = std::make_shared<SseSink>();
  EXPECT_EQ(s->resume("0-12345", sink), Session::Attach::unknown_event);
  EXPECT_EQ(s->resume("nonsense", sink), Session::Attach::unknown_event);
}

TEST_F(SessionTest, InflightRequestsAndCancellation) {
  auto s = make("2025-06-18");
  auto f = s->begin_request("n:1");
  EXPECT_FALSE(s->idle());
  EXPECT_FALSE(f->cancelled);
  s->cancel_request("n:2");  // unknown: ignored
  EXPECT_FALSE(f->cancelled);
  s->cancel_request("n:1");
  EXPECT_TRUE(f->cancelled);
  s->end_request("n:1");
  EXPECT_TRUE(s->idle());
}

TEST_F(SessionTest, OutboundRequestsResolveOnce) {
  auto s = make("2025-06-18");
  auto pending = std::make_shared<PendingReply>();
  pending->owner = std::make_shared<Inflight>();
  json::value id1 = s->register_outbound(pending);
  json::value id2 = s->register_outbound(std::make_shared<PendingReply>(PendingReply{pending->owner, {}}));
  EXPECT_NE(id1, id2);
  EXPECT_FALSE(s->take_answer(*pending));
  EXPECT_TRUE(s->resolve_outbound(jsonrpc::id_key(id1), json::object{{"ok", true}}));
  auto answer = s->take_answer(*pending);
  ASSERT_TRUE(answer);
  ASSERT_TRUE(*answer);
  EXPECT_EQ(answer->value().at("ok"), true);
  EXPECT_FALSE(s->resolve_outbound(jsonrpc::id_key(id1), json::object{}));  // already answered
  s->forget_outbound(id2);
  EXPECT_FALSE(s->resolve_outbound(jsonrpc::id_key(id2), json::object{}));
}

TEST_F(SessionTest, Subscriptions) {
  auto s = make("2025-06-18");
  EXPECT_FALSE(s->subscribed("x://a"));
  s->subscribe("x://a");
  EXPECT_TRUE(s->subscribed("x://a"));
  EXPECT_FALSE(s->subscribed("x://b"));
  s->unsubscribe("x://a");
  EXPECT_FALSE(s->subscribed("x://a"));
}

TEST_F(SessionTest, DestroyingTheSessionDropsItsEvents) {
  std::string prime;
  {
    auto s = make("2025-11-25");
    std::uint64_t id = 0;
    auto sink = s->open_stream(id, 1);
    prime = field(drain(*sink).bytes, "id").at(0);
    s->emit(id, "x", false);
    EXPECT_TRUE(store_->replay_after("sid", prime));
  }
  EXPECT_FALSE(store_->replay_after("sid", prime));
}

}  // namespace
}  // namespace mcp::protocol
