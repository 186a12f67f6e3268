// Any replica serves any request: three "replicas" — each its own Server, Gateway,
// StreamableHttp and event loop thread, as separate as three processes — share one in-process
// SharedState as three processes would share one Redis.
#include "replicas_harness.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace mcp::http {
namespace {

TEST_F(ReplicasTest, ASessionOpenedOnOneReplicaIsServedByTheOthers) {
  auto sid = open(A());
  for (Replica* r : {&B(), &C(), &A()}) {
    auto res = r->send(post(call(7, "echo", {{"x", 1}}), sid));
    ASSERT_EQ(res.status, 200) << res.body;
    auto v = json::parse(res.body);
    EXPECT_EQ(v.at("result").at("content").at(0).at("text"), R"({"x":1})") << res.body;
  }
  EXPECT_EQ(B().send(post(call(8, "echo"), "no-such-session")).status, 404);
}

TEST_F(ReplicasTest, AnElicitationStartedOnOneReplicaIsAnsweredThroughAnother) {
  auto sid = open(A(), json::object{{"elicitation", json::object{}}});
  auto res = A().send(post(call(3, "ask"), sid));
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(res.stream);
  auto asked = A().read(*res.stream, [](const std::string& s) { return s.find("elicitation/create") != std::string::npos; });
  auto ev = events(asked);
  ASSERT_FALSE(ev.empty()) << asked;
  auto request = json::parse(ev.back().second);
  ASSERT_EQ(request.at("method"), "elicitation/create") << asked;
  json::object answer{{"jsonrpc", "2.0"},
                      {"id", request.at("id")},
                      {"result", {{"action", "accept"}, {"content", {{"name", "Ada"}}}}}};
  auto posted = B().send(post(json::serialize(answer), sid));
  EXPECT_EQ(posted.status, 202) << posted.body;
  auto rest = A().read(*res.stream, [](const std::string& s) { return s.find("hello") != std::string::npos; });
  EXPECT_NE(rest.find(R"(hello \"Ada\")"), std::string::npos) << rest;
}

TEST_F(ReplicasTest, AStreamInterruptedOnOneReplicaResumesOnAnotherWithNothingLostOrRepeated) {
  auto sid = open(A());
  json::object meta{{"progressToken", "p"}};
  auto res = A().send(post(call(4, "steps", {}, meta), sid));
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(res.stream);
  auto first = A().read(*res.stream, [](const std::string& s) { return events(s).size() >= 2; });
  auto before = events(first);
  ASSERT_GE(before.size(), 2u) << first;
  res.stream->abandon();  // the connection drops
  auto resumed = C().send(get(sid, before.back().first));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  ASSERT_TRUE(resumed.stream);
  auto after = events(C().read(*resumed.stream, [](const std::string&) { return false; }, 5000ms));
  std::vector<double> progress;
  int responses = 0;
  std::set<std::string> ids;
  for (auto* part : {&before, &after})
    for (auto& [id, data] : *part) {
      EXPECT_TRUE(ids.insert(id).second) << "repeated " << id;
      auto v = json::parse(data);
      if (v.as_object().contains("result")) ++responses;
      else progress.push_back(v.at("params").at("progress").to_number<double>());
    }
  EXPECT_EQ(progress, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(responses, 1);
}

TEST_F(ReplicasTest, ListChangedFromOneReplicaReachesAGetStreamHeldOnAnother) {
  auto sid = open(A());
  auto stream = B().send(get(sid));
  ASSERT_EQ(stream.status, 200) << stream.body;
  ASSERT_TRUE(stream.stream);
  A().server.notify_list_changed("tools");
  auto got = B().read(*stream.stream, [](const std::string& s) { return s.find("list_changed") != std::string::npos; });
  EXPECT_NE(got.find("notifications/tools/list_changed"), std::string::npos) << got;
}

TEST_F(ReplicasTest, ARateLimitHoldsAcrossReplicas) {
  auto sid = open(A());
  int ok = 0, limited = 0;
  for (int i = 0; i < 15; ++i) {
    auto res = replicas_[i % 3]->send(post(call(100 + i, "limited"), sid));
    ASSERT_EQ(res.status, 200) << res.body;
    auto v = json::parse(res.body);
    auto* err = v.at("result").as_object().if_contains("isError");
    (err && err->as_bool() ? limited : ok)++;
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 10);
}

TEST_F(ReplicasTest, ADeleteOnOneReplicaEndsTheSessionOnAll) {
  auto sid = open(A());
  ASSERT_EQ(A().send(post(call(2, "echo"), sid)).status, 200);
  Request del = get(sid);
  del.method = "DELETE";
  EXPECT_EQ(B().send(del).status, 200);
  int status = 0;
  for (int i = 0; i < 50 && status != 404; ++i) {
    status = A().send(post(call(3, "echo"), sid)).status;
    if (status != 404) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 404);
  EXPECT_EQ(C().send(post(call(4, "echo"), sid)).status, 404);
}

// A backend that is down: every command fails at once.
class DownState final : public cluster::SharedState {
 public:
  static Error down() { return Error{cluster::kUnavailable, "redis://127.0.0.1:1 is unreachable", {}}; }
  Task<Result<std::optional<std::string>>> get(std::string) override { co_return down(); }
  Task<Result<bool>> set(std::string, std::string, cluster::milliseconds) override { co_return down(); }
  Task<Result<bool>> set_if_absent(std::string, std::string, cluster::milliseconds) override { co_return down(); }
  Task<Result<bool>> del(std::string) override { co_return down(); }
  Task<Result<bool>> renew(std::string, std::string, cluster::milliseconds) override { co_return down(); }
  Task<Result<bool>> release(std::string, std::string) override { co_return down(); }
  Task<Result<bool>> append(std::string, std::string, std::size_t, cluster::milliseconds) override { co_return down(); }
  Task<Result<std::vector<std::string>>> entries(std::string) override { co_return down(); }
  void publish(std::string, std::string) override {}
  std::unique_ptr<cluster::Subscription> subscribe(std::string, std::function<void(const std::string&)>) override {
    return std::make_unique<cluster::Subscription>();
  }
  Task<Result<std::optional<cluster::milliseconds>>> take(std::string, RateLimit) override { co_return down(); }
  bool healthy() const override { return false; }
  std::string describe() const override { return "down"; }
};

TEST(ReplicasFaults, AFailingSharedStateGivesA503OrAToolErrorAtOnce) {
  Replica r(std::make_shared<DownState>(), "down");
  auto start = std::chrono::steady_clock::now();
  json::object init{{"jsonrpc", "2.0"},
                    {"id", 1},
                    {"method", "initialize"},
                    {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object{}}, {"clientInfo", {{"name", "x"}, {"version", "1"}}}}}};
  auto res = r.send(post(json::serialize(init)));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_FALSE(header_of(res, "retry-after").empty());
  EXPECT_NE(res.body.find("shared state"), std::string::npos) << res.body;
  auto other = r.send(post(call(2, "echo"), "some-session"));
  EXPECT_EQ(other.status, 503) << other.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);

  // In a tool call: the rate limiter cannot answer, the call is a tool error.
  test::FakeContext ctx;
  auto handler = r.gw->wrap("limited", echo_tool, gateway::CallTraits{false, "lim", false});
  auto out = test::run(handler(json::object{}, ctx));
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(json::serialize(out.content).find("rate limits"), std::string::npos) << json::serialize(out.content);
}

// GET /readyz on a real listener (127.0.0.1, an ephemeral port): the whole answer.
std::string readyz(std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string req = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  asio::write(sock, asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (std::size_t n; (n = sock.read_some(asio::buffer(buf), ec)) > 0 || !ec;) out.append(buf, n);
  return out;
}

TEST(ReplicasFaults, ReadyzSaysWhichDependencyDoesNotAnswer) {
  Server server(ServerOptions{});
  bool store_ok = true;
  HttpOptions o;
  o.port = 0;
  o.shared = cluster::make_memory_shared_state();
  o.readiness.emplace_back("store", [&] { return [](bool ok) -> Task<bool> { co_return ok; }(store_ok); });
  {
    HttpServer http(server, o);
    http.start();
    auto up = readyz(http.port());
    EXPECT_NE(up.find("200 OK"), std::string::npos) << up;
    EXPECT_NE(up.find(R"("shared_state":true)"), std::string::npos) << up;
    store_ok = false;
    auto down = readyz(http.port());
    EXPECT_NE(down.find("503"), std::string::npos) << down;
    EXPECT_NE(down.find(R"("store":false)"), std::string::npos) << down;
    http.stop();
  }
  o.shared = std::make_shared<DownState>();
  store_ok = true;
  HttpServer http(server, o);
  http.start();
  auto down = readyz(http.port());
  EXPECT_NE(down.find("503"), std::string::npos) << down;
  EXPECT_NE(down.find(R"("shared_state":false)"), std::string::npos) << down;
  http.stop();
}

TEST(ReplicasMemoryState, RecordsLogsAndBuckets) {
  auto s = cluster::make_memory_shared_state(3);
  EXPECT_TRUE(test::run(s->set("a", "1", 1000ms)).value());
  EXPECT_EQ(*test::run(s->get("a")).value(), "1");
  EXPECT_FALSE(test::run(s->set_if_absent("a", "2", 1000ms)).value());
  EXPECT_TRUE(test::run(s->set("short", "x", 1ms)).value());
  std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(test::run(s->get("short")).value().has_value());  // expired
  for (int i = 0; i < 4; ++i) test::run(s->append("log", std::to_string(i), 2, 1000ms));
  EXPECT_EQ(test::run(s->entries("log")).value(), (std::vector<std::string>{"2", "3"}));
  // At the bound (3 keys) the entry expiring first makes room.
  test::run(s->set("b", "1", 50000ms));
  test::run(s->set("c", "1", 50000ms));
  EXPECT_FALSE(test::run(s->get("a")).value().has_value());
  EXPECT_TRUE(test::run(s->del("b")).value());
  EXPECT_FALSE(test::run(s->del("b")).value());
  EXPECT_FALSE(test::run(s->take("k", RateLimit{0.001, 1})).value().has_value());
  EXPECT_TRUE(test::run(s->take("k", RateLimit{0.001, 1})).value().has_value());
}

TEST(ReplicasMemoryState, PublishReachesEverySubscriberOfTheChannelOnly) {
  auto s = cluster::make_memory_shared_state();
  std::mutex mu;
  std::vector<std::string> got;
  auto one = s->subscribe("c", [&](const std::string& m) {
    std::lock_guard lock(mu);
    got.push_back("1:" + m);
  });
  auto two = s->subscribe("c", [&](const std::string& m) {
    std::lock_guard lock(mu);
    got.push_back("2:" + m);
  });
  auto other = s->subscribe("d", [&](const std::string& m) {
    std::lock_guard lock(mu);
    got.push_back("d:" + m);
  });
  s->publish("c", "x");
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(mu);
      if (got.size() >= 2) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  two.reset();
  s->publish("c", "y");
  std::this_thread::sleep_for(30ms);
  std::lock_guard lock(mu);
  EXPECT_EQ(got, (std::vector<std::string>{"1:x", "2:x", "1:y"}));
}

}  // namespace
}  // namespace mcp::http
