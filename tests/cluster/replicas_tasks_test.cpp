// What one replica does for a session, every other answers for: tasks (2025-11-25) created on
// one replica are read, listed, awaited and cancelled through the others; a session's
// standalone GET stream is one across the replicas (409 for a second one anywhere).
#include "replicas_harness.hpp"

namespace mcp::http {
namespace {

// One JSON-RPC request on `r`: its response message (from a JSON body or the SSE stream).
json::object rpc(Replica& r, const std::string& sid, int id, std::string method, json::object params) {
  json::object m{{"jsonrpc", "2.0"}, {"id", id}, {"method", std::move(method)}, {"params", std::move(params)}};
  auto res = r.send(post(json::serialize(m), sid));
  EXPECT_EQ(res.status, 200) << res.body;
  if (!res.stream) return json::parse(res.body).as_object();
  auto text = r.read(*res.stream, [id](const std::string& s) {
    for (auto& [eid, data] : events(s))
      if (auto v = json::parse(data); v.as_object().contains("id") && v.at("id") == id) return true;
    return false;
  });
  for (auto& [eid, data] : events(text))
    if (auto v = json::parse(data); v.as_object().contains("id") && v.at("id") == id) return v.as_object();
  ADD_FAILURE() << "no response to " << id << " in " << text;
  return {};
}

std::string start_task(Replica& r, const std::string& sid, int id, std::int64_t ms) {
  json::object params{{"name", "slow"}, {"arguments", {{"ms", ms}}}, {"task", {{"ttl", 60000}}}};
  auto created = rpc(r, sid, id, "tools/call", std::move(params));
  EXPECT_TRUE(created.contains("result")) << json::serialize(created);
  if (!created.contains("result")) return {};
  EXPECT_EQ(created.at("result").at("task").at("status"), "working") << json::serialize(created);
  return std::string(created.at("result").at("task").at("taskId").as_string());
}

std::string status_of(const json::object& m) {
  if (!m.contains("result")) return "error: " + json::serialize(m);
  return std::string(m.at("result").at("status").as_string());
}

TEST_F(ReplicasTest, ATaskCreatedOnOneReplicaIsReadListedAndAwaitedThroughTheOthers) {
  auto sid = open(A());
  auto task = start_task(A(), sid, 2, 300);
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(status_of(rpc(B(), sid, 3, "tasks/get", {{"taskId", task}})), "working");
  auto listed = rpc(C(), sid, 4, "tasks/list", {});
  ASSERT_TRUE(listed.contains("result")) << json::serialize(listed);
  auto& tasks = listed.at("result").at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 1u) << json::serialize(listed);
  EXPECT_EQ(tasks[0].at("taskId").as_string(), task);
  // Woken by the end's announcement, not by a look at the record now and then (every 2 s).
  auto t0 = std::chrono::steady_clock::now();
  auto result = rpc(B(), sid, 5, "tasks/result", {{"taskId", task}});
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(result.contains("result")) << json::serialize(result);
  EXPECT_EQ(result.at("result").at("content").at(0).at("text"), "slept 300");
  EXPECT_EQ(result.at("result").at("_meta").at("io.modelcontextprotocol/related-task").at("taskId").as_string(), task);
  EXPECT_LT(waited, 1500ms);
  for (Replica* r : {&A(), &B(), &C()}) EXPECT_EQ(status_of(rpc(*r, sid, 6, "tasks/get", {{"taskId", task}})), "completed");
  // Another session sees none of it, on any replica.
  auto other = open(C());
  EXPECT_EQ(rpc(B(), other, 7, "tasks/get", {{"taskId", task}}).at("error").at("code"), errc::kInvalidParams);
  EXPECT_TRUE(rpc(A(), other, 8, "tasks/list", {}).at("result").at("tasks").as_array().empty());
  EXPECT_EQ(rpc(C(), sid, 9, "tasks/get", {{"taskId", "no-such-task"}}).at("error").at("code"), errc::kInvalidParams);
}

TEST_F(ReplicasTest, ACancelThroughAnotherReplicaStopsTheTaskWhereItRuns) {
  auto sid = open(A());
  int stopped = slow_stopped.load();
  auto task = start_task(A(), sid, 2, 20000);
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(status_of(rpc(B(), sid, 3, "tasks/cancel", {{"taskId", task}})), "cancelled");
  for (int i = 0; i < 150 && slow_stopped.load() == stopped; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(slow_stopped.load(), stopped + 1);  // the tool on A saw the cancel
  for (Replica* r : {&A(), &C()}) EXPECT_EQ(status_of(rpc(*r, sid, 4, "tasks/get", {{"taskId", task}})), "cancelled");
  auto result = rpc(C(), sid, 5, "tasks/result", {{"taskId", task}});
  ASSERT_TRUE(result.contains("error")) << json::serialize(result);
  EXPECT_NE(json::serialize(result.at("error")).find("cancelled"), std::string::npos);
  EXPECT_TRUE(rpc(B(), sid, 6, "tasks/cancel", {{"taskId", task}}).contains("error"));  // already ended
}

TEST_F(ReplicasTest, ATaskCancelledWhereItRunsEndsAResultAwaitedOnAnotherReplica) {
  auto sid = open(A());
  auto task = start_task(A(), sid, 2, 20000);
  ASSERT_FALSE(task.empty());
  json::object m{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tasks/result"}, {"params", {{"taskId", task}}}};
  auto waiting = asio::co_spawn(B().io, B().http->handle(post(json::serialize(m), sid)), asio::use_future);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(status_of(rpc(A(), sid, 4, "tasks/cancel", {{"taskId", task}})), "cancelled");
  ASSERT_EQ(waiting.wait_for(1500ms), std::future_status::ready);  // woken, well before a recheck
  auto res = waiting.get();
  std::string body = res.body;
  if (res.stream) body = B().read(*res.stream, [](const std::string& s) { return s.find("cancelled") != std::string::npos; });
  EXPECT_NE(body.find("Task was cancelled"), std::string::npos) << body;
}

TEST_F(ReplicasTest, ASecondGetStreamOnAnyReplicaIsAConflictUntilTheFirstEnds) {
  auto sid = open(A());
  auto first = A().send(get(sid));
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_TRUE(first.stream);
  EXPECT_EQ(B().send(get(sid)).status, 409);
  EXPECT_EQ(C().send(get(sid)).status, 409);
  EXPECT_EQ(A().send(get(sid)).status, 409);
  first.stream->abandon();  // the client goes: the claim is released
  int status = 0;
  Response second;
  for (int i = 0; i < 100 && status != 200; ++i) {
    second = B().send(get(sid));
    status = second.status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(status, 200);
  EXPECT_EQ(A().send(get(sid)).status, 409);
  second.stream->abandon();
}

TEST_F(ReplicasTest, AResumedGetStreamTakesTheClaimOverFromTheReplicaThatHeldIt) {
  auto sid = open(A());
  auto first = A().send(get(sid));
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_TRUE(first.stream);
  // The priming event's id is what a reconnecting client sends back.
  auto primed = A().read(*first.stream, [](const std::string& s) { return s.find("\n\n") != std::string::npos; });
  auto at = primed.find("id: ");
  ASSERT_NE(at, std::string::npos) << primed;
  std::string last = primed.substr(at + 4, primed.find('\n', at) - at - 4);
  auto resumed = C().send(get(sid, last));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  ASSERT_TRUE(resumed.stream);
  EXPECT_EQ(B().send(get(sid)).status, 409);
  // The replica that held it lets go without dropping the new holder's claim.
  first.stream->abandon();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(A().send(get(sid)).status, 409);
  resumed.stream->abandon();
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    auto again = B().send(get(sid));
    status = again.status;
    if (again.stream) again.stream->abandon();
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ReplicasTest, TheGetStreamClaimOfAReplicaThatIsGoneIsTakenOver) {
  auto sid = open(A());
  // Left by a replica that died holding the stream (its heartbeat key has lapsed).
  ASSERT_TRUE(test::run(shared_->set("standalone:" + sid, "gone:x", 30000ms)).value());
  auto got = B().send(get(sid));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(C().send(get(sid)).status, 409);  // B's now
  got.stream->abandon();
}

TEST(ReplicasMemoryState, AClaimIsRenewedAndReleasedByItsHolderOnly) {
  auto s = cluster::make_memory_shared_state();
  ASSERT_TRUE(test::run(s->set_if_absent("c", "mine", 50ms)).value());
  EXPECT_FALSE(test::run(s->renew("c", "theirs", 1000ms)).value());
  EXPECT_TRUE(test::run(s->renew("c", "mine", 1000ms)).value());
  std::this_thread::sleep_for(80ms);  // past the first expiry: renewed
  EXPECT_FALSE(test::run(s->set_if_absent("c", "theirs", 1000ms)).value());
  EXPECT_FALSE(test::run(s->release("c", "theirs")).value());
  EXPECT_TRUE(test::run(s->release("c", "mine")).value());
  EXPECT_FALSE(test::run(s->renew("c", "mine", 1000ms)).value());  // gone
  EXPECT_TRUE(test::run(s->set_if_absent("c", "theirs", 1000ms)).value());
}

}  // namespace
}  // namespace mcp::http
