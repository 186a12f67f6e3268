#pragma once
// The replicas of the cluster tests: three "replicas" — each its own Server, Gateway,
// StreamableHttp and event loop thread, as separate as three processes — sharing one
// in-process SharedState as three processes would share one Redis. (Included by one test file
// each: what it defines is local to that file.)
#include "http/streamable_http.hpp"

#include <mcp/cluster/shared_state.hpp>
#include <mcp/gateway/gateway.hpp>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "test_util.hpp"

namespace mcp::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

Task<ToolResult> ask_tool(json::object, Context& ctx) {
  json::object schema{{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}};
  auto r = co_await ctx.elicit("Your name?", std::move(schema));
  if (!r) co_return ToolResult::error(r.error().message);
  co_return ToolResult::text("hello " + json::serialize(r.value().at("content").at("name")));
}

Task<ToolResult> steps_tool(json::object, Context& ctx) {
  for (int i = 1; i <= 6; ++i) {
    co_await ctx.progress(i, 6);
    co_await ctx.sleep(30ms);
  }
  co_return ToolResult::text("done");
}

Task<ToolResult> echo_tool(json::object args, Context&) {
  co_return ToolResult::text(json::serialize(args));
}

// Runs as a task: sleeps `ms`, or until cancelled (counted in `slow_stopped`).
std::atomic<int> slow_stopped{0};
Task<ToolResult> slow_tool(json::object args, Context& ctx) {
  auto ms = args.contains("ms") ? args.at("ms").to_number<std::int64_t>() : 100;
  if (!co_await ctx.sleep(std::chrono::milliseconds(ms))) {
    ++slow_stopped;
    co_return ToolResult::error("stopped");
  }
  co_return ToolResult::text("slept " + std::to_string(ms));
}

std::string header_of(const Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  return {};
}

Tool tool(std::string name) {
  Tool t;
  t.name = std::move(name);
  t.description = "test";
  return t;
}

// One replica: its own event loop, server, gateway policy and transport.
struct Replica {
  Replica(std::shared_ptr<cluster::SharedState> shared, std::string id) : server(ServerOptions{}) {
    gateway::PolicyOptions policy;
    policy.shared = shared;
    policy.audit = false;
    gateway::Limits lim;
    lim.per_tool = RateLimit{0.001, 5};  // 5 calls, then one per 1000 s
    policy.upstreams["lim"] = lim;
    gw = std::make_unique<gateway::Gateway>(policy);
    gw->add_tool(server, tool("echo"), echo_tool, gateway::CallTraits{false, "", false});
    gw->add_tool(server, tool("limited"), echo_tool, gateway::CallTraits{false, "lim", false});
    server.add_tool(tool("ask"), ask_tool);
    server.add_tool(tool("steps"), steps_tool);
    Tool slow = tool("slow");
    slow.execution = json::object{{"taskSupport", "optional"}};
    server.add_tool(slow, slow_tool);
    HttpOptions o;
    o.shared = std::move(shared);
    o.replica_id = std::move(id);
    http = std::make_unique<StreamableHttp>(server, o);
    thread = std::thread([this] { io.run(); });
  }
  ~Replica() {
    guard.reset();
    io.stop();
    thread.join();
    io.shutdown();  // the pending frames go while the transport they use is alive,
    http.reset();   // then the transport, whose task records hold timers of the loop's services
  }

  Response send(Request r) {
    auto f = asio::co_spawn(io, http->handle(std::move(r)), asio::use_future);
    if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("no answer in 5 s");
    return f.get();
  }
  // SSE bytes from `sink` until `done` says so, the stream ends, or `max` passes.
  std::string read(net::SseSink& sink, const std::function<bool(const std::string&)>& done,
                   std::chrono::milliseconds max = 3000ms) {
    std::string all;
    auto deadline = std::chrono::steady_clock::now() + max;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = asio::co_spawn(io, sink.next(50ms), asio::use_future);
      auto chunk = f.get();
      all += chunk.bytes;
      if (chunk.last || done(all)) break;
    }
    return all;
  }

  Server server;
  std::unique_ptr<gateway::Gateway> gw;
  std::unique_ptr<StreamableHttp> http;
  // An io_context whose shutdown() (its pending handlers destroyed, its services kept) the
  // destructor can call before the transport goes.
  struct Loop : asio::io_context {
    using asio::io_context::shutdown;
  };
  Loop io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;
};

Request post(std::string body, std::string session = {}) {
  Request r;
  r.method = "POST";
  r.target = "/mcp";
  r.remote_address = "127.0.0.1";
  r.headers = {{"host", "localhost:8080"},
               {"content-type", "application/json"},
               {"accept", "application/json, text/event-stream"}};
  if (!session.empty()) r.headers.emplace_back("mcp-session-id", std::move(session));
  r.body = std::move(body);
  return r;
}

Request get(std::string session, std::string last_event_id = {}) {
  Request r;
  r.method = "GET";
  r.target = "/mcp";
  r.remote_address = "127.0.0.1";
  r.headers = {{"host", "localhost:8080"}, {"accept", "text/event-stream"}, {"mcp-session-id", std::move(session)}};
  if (!last_event_id.empty()) r.headers.emplace_back("last-event-id", std::move(last_event_id));
  return r;
}

[[maybe_unused]] std::string call(int id, std::string_view name, json::object args = {}, json::object meta = {}) {
  json::object params{{"name", name}, {"arguments", std::move(args)}};
  if (!meta.empty()) params["_meta"] = std::move(meta);
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", std::move(params)}});
}

// The SSE events of a text: (id, data) in order, priming events (no data) left out.
std::vector<std::pair<std::string, std::string>> events(const std::string& sse) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string id, data;
  std::size_t pos = 0;
  while (pos < sse.size()) {
    auto nl = sse.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string line = sse.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("id: ", 0) == 0) id = line.substr(4);
    else if (line.rfind("data: ", 0) == 0) data += line.substr(6);
    else if (line.empty()) {
      if (!data.empty()) out.emplace_back(id, data);
      id.clear();
      data.clear();
    }
  }
  return out;
}

class ReplicasTest : public ::testing::Test {
 protected:
  ReplicasTest() : shared_(cluster::make_memory_shared_state()) {
    for (auto id : {"a", "b", "c"}) replicas_.push_back(std::make_unique<Replica>(shared_, id));
  }
  Replica& A() { return *replicas_[0]; }
  Replica& B() { return *replicas_[1]; }
  Replica& C() { return *replicas_[2]; }

  // initialize + initialized on `r`; the session id.
  std::string open(Replica& r, json::object caps = {}) {
    json::object init{{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", "2025-11-25"},
                        {"capabilities", std::move(caps)},
                        {"clientInfo", {{"name", "replicas"}, {"version", "1"}}}}}};
    auto res = r.send(post(json::serialize(init)));
    EXPECT_EQ(res.status, 200) << res.body;
    std::string sid = header_of(res, "mcp-session-id");
    auto done = r.send(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sid));
    EXPECT_EQ(done.status, 202) << done.body;
    return sid;
  }

  std::shared_ptr<cluster::SharedState> shared_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace
}  // namespace mcp::http
