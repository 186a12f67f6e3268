// The SDK client against our conformance-server (a separate process on 127.0.0.1), on both
// wires: a 2025-11-25 session and the 2026-07-28 stateless revision.
#include <mcp/client/client.hpp>
#include <mcp/client/oauth.hpp>
#include <mcp/http/client.hpp>

#include "client/sse_parser.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <cstdio>
#include <regex>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using mcp::json::object;
using namespace std::chrono_literals;

namespace {

// conformance-server --port 0, its URL read from its log line.
class ServerProcess {
 public:
  ServerProcess() {
    // Output goes to a file (a pipe we stopped reading would block or kill the server).
    log_ = std::string(::testing::TempDir()) + "client_test_server_" + std::to_string(getpid()) + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "w");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      execl(MCP_CONFORMANCE_SERVER, MCP_CONFORMANCE_SERVER, "--host", "127.0.0.1", "--port", "0", nullptr);
      _exit(127);
    }
    std::regex re(R"(http://127\.0\.0\.1:(\d+)/mcp)");
    for (int i = 0; i < 100 && url_.empty(); ++i) {
      std::this_thread::sleep_for(50ms);
      std::ifstream in(log_);
      std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::smatch m;
      if (std::regex_search(out, m, re)) url_ = m.str(0);
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(log_.c_str());
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_, log_;
};

// Runs `t` to completion on `io` and stops there: the session's GET-stream listener keeps
// running in the background, so "until no work is left" would never come.
template <class T>
T drive(boost::asio::io_context& io, mcp::Task<T> t) {
  std::optional<T> out;
  boost::asio::co_spawn(io, mcp::test::store_into(std::move(t), &out), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    io.stop();
  });
  io.restart();
  io.run();
  if (!out) throw std::runtime_error("coroutine did not complete");
  return std::move(*out);
}

void drive_void(boost::asio::io_context& io, mcp::Task<void> t) {
  boost::asio::co_spawn(io, std::move(t), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    io.stop();
  });
  io.restart();
  io.run();
  io.restart();
  io.run_for(200ms);  // let the listener notice the close
}

ServerProcess& server() {
  static ServerProcess s;
  return s;
}

mcp::client::Client make_client(std::string version) {
  mcp::http::ClientOptions h;
  h.policy.allow_loopback = true;
  mcp::client::Options o;
  o.url = server().url();
  o.protocol_version = std::move(version);
  o.fallback = false;
  mcp::client::Client c(mcp::http::make_http_client(h), o);
  c.on_request("elicitation/create", [](object params) -> mcp::Task<mcp::Result<object>> {
    object content{{"name", "Ada"}, {"user_name", "Ada"}, {"confirmed", true}, {"confirm", true}};
    co_return mcp::Result<object>(object{{"action", "accept"}, {"content", content}});
  });
  c.on_request("sampling/createMessage", [](object) -> mcp::Task<mcp::Result<object>> {
    co_return mcp::Result<object>(object{{"role", "assistant"},
                                         {"content", object{{"type", "text"}, {"text", "sampled answer"}}},
                                         {"model", "test"}});
  });
  c.on_request("roots/list", [](object) -> mcp::Task<mcp::Result<object>> {
    mcp::json::array roots{object{{"uri", "file:///work"}, {"name", "work"}}};
    co_return mcp::Result<object>(object{{"roots", roots}});
  });
  return c;
}

std::string text_of(const object& result) {
  std::string all;
  if (auto* c = result.if_contains("content"); c && c->is_array())
    for (auto& b : c->as_array())
      if (b.is_object()) all += std::string(mcp::find_string(b.as_object(), "text").value_or(""));
  return all;
}

class ClientBothEras : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_FALSE(server().url().empty()) << "conformance-server did not start"; }
};

TEST_P(ClientBothEras, ConnectListCallReadGet) {
  boost::asio::io_context io;
  auto c = make_client(GetParam());
  auto init = drive(io, c.connect());
  ASSERT_TRUE(init) << init.error().message;
  EXPECT_EQ(c.stateless(), GetParam() == mcp::client::kStatelessVersion);
  EXPECT_EQ(c.protocol_version(), GetParam());
  EXPECT_EQ(c.session_id().empty(), c.stateless());
  EXPECT_FALSE(c.server_info().empty());

  auto tools = drive(io, c.list_all_tools());
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_GT(tools->size(), 10u);

  auto r = drive(io, c.call_tool("test_simple_text", {}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(text_of(*r), "This is a simple text response for testing.");

  r = drive(io, c.call_tool("test_error_handling", {}));
  ASSERT_TRUE(r);  // a tool failure is a result, not a protocol error
  EXPECT_TRUE(r->at("isError").as_bool());

  r = drive(io, c.call_tool("no_such_tool", {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, mcp::errc::kInvalidParams);

  r = drive(io, c.read_resource("test://static-text"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(mcp::json::serialize(*r).find("static text"), std::string::npos);

  r = drive(io, c.get_prompt("test_prompt_with_arguments", object{{"arg1", "x"}, {"arg2", "y"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->contains("messages"));

  drive_void(io, c.close());
}

TEST_P(ClientBothEras, ProgressNotificationsReachTheCallback) {
  boost::asio::io_context io;
  auto c = make_client(GetParam());
  ASSERT_TRUE(drive(io, c.connect()));
  int seen = 0;
  mcp::client::RequestOptions ro;
  ro.progress_token = "p-1";
  ro.on_progress = [&](const object& p) {
    ++seen;
    EXPECT_EQ(p.at("progressToken").as_string(), "p-1");
  };
  auto r = drive(io, c.call_tool("test_tool_with_progress", {}, ro));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(seen, 3);
  drive_void(io, c.close());
}

INSTANTIATE_TEST_SUITE_P(Wires, ClientBothEras, ::testing::Values("2025-11-25", "2026-07-28"));

TEST(ClientSession, AnswersServerRequestsOnTheResponseStream) {
  boost::asio::io_context io;
  auto c = make_client("2025-11-25");
  ASSERT_TRUE(drive(io, c.connect()));
  auto r = drive(io, c.call_tool("test_sampling", object{{"prompt", "hello"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(text_of(*r).find("sampled answer"), std::string::npos) << text_of(*r);
  r = drive(io, c.call_tool("test_elicitation", object{{"message", "who?"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(mcp::json::serialize(*r).find("accept"), std::string::npos) << mcp::json::serialize(*r);
  drive_void(io, c.close());
  // After DELETE the session is gone: the old id no longer works.
  EXPECT_TRUE(c.session_id().empty());
}

TEST(ClientStateless, InputRequiredRoundsAreAnswered) {
  boost::asio::io_context io;
  auto c = make_client(mcp::client::kStatelessVersion);
  ASSERT_TRUE(drive(io, c.connect()));
  for (const char* tool : {"test_input_required_result_elicitation", "test_input_required_result_sampling",
                           "test_input_required_result_list_roots", "test_input_required_result_multi_round",
                           "test_input_required_result_multiple_inputs"}) {
    auto r = drive(io, c.call_tool(tool, {}));
    ASSERT_TRUE(r) << tool << ": " << r.error().message;
    EXPECT_EQ(mcp::find_string(*r, "resultType").value_or("complete"), "complete") << tool;
    EXPECT_FALSE(r->contains("isError") && r->at("isError").as_bool()) << tool << mcp::json::serialize(*r);
  }
}

TEST(ClientStateless, NoFallbackMeansAClearError) {
  // A session-era-only peer does not exist here; a wrong path stands in for "no discover".
  mcp::http::ClientOptions h;
  h.policy.allow_loopback = true;
  mcp::client::Options o;
  o.url = server().url() + "-missing";
  o.protocol_version = mcp::client::kStatelessVersion;
  o.fallback = false;
  mcp::client::Client c(mcp::http::make_http_client(h), o);
  auto r = mcp::test::run(c.connect());
  ASSERT_FALSE(r);
  auto& m = r.error().message;  // the server's own JSON-RPC error, or our HTTP status line
  EXPECT_TRUE(m.find("Not Found") != std::string::npos || m.find("HTTP 404") != std::string::npos) << m;
}

TEST(SseParser, EventsIdsRetryAndCrlf) {
  mcp::client::SseParser p;
  auto a = p.feed("retry: 500\r\nid: 7\r\nevent: message\r\ndata: {\"a\":1}\r\n\r\n: keep-alive\n\ndata: x");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].data, "{\"a\":1}");
  EXPECT_EQ(a[0].id, "7");
  EXPECT_EQ(p.retry_ms(), 500);
  auto b = p.feed("\ndata: y\n\n");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].data, "x\ny");
  EXPECT_EQ(p.last_event_id(), "7");
}

TEST(OAuth, ParsesBearerChallenges) {
  auto c = mcp::client::parse_bearer_challenge(
      R"(Bearer error="insufficient_scope", scope="a b", resource_metadata="https://x/.well-known/oauth-protected-resource")");
  EXPECT_EQ(c["error"], "insufficient_scope");
  EXPECT_EQ(c["scope"], "a b");
  EXPECT_EQ(c["resource_metadata"], "https://x/.well-known/oauth-protected-resource");
}

TEST(Elicitation, DefaultsFromSchema) {
  auto schema = mcp::json::parse(R"({"type":"object","properties":{"n":{"type":"string","default":"x"},
    "k":{"type":"integer","default":3},"m":{"type":"string"}}})").as_object();
  auto d = mcp::client::defaults_from_schema(schema);
  EXPECT_EQ(d.at("n").as_string(), "x");
  EXPECT_EQ(d.at("k").as_int64(), 3);
  EXPECT_FALSE(d.contains("m"));
}

}  // namespace
