// The call's deadline (CallInfo::deadline) bounds the OpenAPI source's upstream exchange: an
// upstream that answers after 2 s, a source timeout of 30 s and a deadline 100 ms away end the
// call near 100 ms with a tool error saying the API did not answer in time.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <mcp/http/client.hpp>
#include <mcp/server/server.hpp>
#include <mcp/sources/openapi.hpp>
#include <mutex>
#include <thread>

#include "fakes.hpp"
#include <mcp/sources/openapi/model.hpp>

using namespace mcp;
using mcp::test::CallContext;
using mcp::test::run_task;
namespace asio = boost::asio;

namespace {

// An HTTP upstream on 127.0.0.1 that answers each request 200 {} after `delay` (sooner when
// the test ends), one connection at a time.
class SlowUpstream {
 public:
  explicit SlowUpstream(std::chrono::milliseconds delay) : delay_(delay) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~SlowUpstream() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    // A blocking accept() does not return when the acceptor is closed: connect to end it.
    boost::system::error_code ec;
    asio::io_context io;
    asio::ip::tcp::socket wake(io);
    wake.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    thread_.join();
  }
  std::uint16_t port = 0;
  std::atomic<int> requests{0};

 private:
  void serve() {
    for (int n = 0; n < 10; ++n) {
      asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping()) return;
      asio::streambuf head;
      asio::read_until(s, head, "\r\n\r\n", ec);
      if (ec) continue;
      ++requests;
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, delay_, [this] { return done_; })) return;
      lock.unlock();
      std::string reply = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
      asio::write(s, asio::buffer(reply), ec);
    }
  }
  bool stopping() {
    std::lock_guard lock(mu_);
    return done_;
  }
  std::chrono::milliseconds delay_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

std::shared_ptr<openapi::Spec> one_get() {
  auto spec = std::make_shared<openapi::Spec>();
  openapi::Operation op;
  op.tool_name = "listPets";
  op.method = "GET";
  op.path = "/pets";
  op.input_schema = json::object{{"type", "object"}};
  spec->operations.push_back(op);
  return spec;
}

struct Slow {
  SlowUpstream upstream{std::chrono::seconds(2)};
  Server server;
  std::unique_ptr<openapi::OpenApiSource> source;
  explicit Slow(ServerOptions so) : server(std::move(so)) {
    http::ClientOptions co;
    co.policy.allow_http = co.policy.allow_loopback = true;
    openapi::UpstreamOptions uo;
    uo.name = "pets";
    uo.base_url = "http://127.0.0.1:" + std::to_string(upstream.port);
    uo.timeout = std::chrono::seconds(30);
    uo.max_attempts = 3;  // a GET is retried after a timeout: not past the deadline
    source = std::make_unique<openapi::OpenApiSource>(one_get(), uo, http::make_http_client(co));
    for (auto& t : source->tools()) server.add_tool(t.tool, t.handler);
  }
  // The result and how long the call took.
  std::pair<json::object, std::chrono::milliseconds> call(CallContext& ctx) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_task(server.handle("tools/call", json::object{{"name", "listPets"}, {"arguments", json::object{}}}, ctx));
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    EXPECT_TRUE(r);
    return {r ? r.value() : json::object{}, took};
  }
};

std::string text_of(const json::object& result) {
  return json::value_to<std::string>(result.at("content").at(0).at("text"));
}

}  // namespace

TEST(CallDeadline, TheServersToolCallTimeoutEndsASlowUpstreamCallNearIt) {
  ServerOptions so;
  so.tool_call_timeout = std::chrono::milliseconds(100);
  Slow s(so);
  CallContext ctx;
  auto [result, took] = s.call(ctx);
  EXPECT_GE(took, std::chrono::milliseconds(90));
  EXPECT_LT(took, std::chrono::milliseconds(1000));  // the upstream answers after 2 s
  ASSERT_TRUE(result.contains("isError"));
  EXPECT_TRUE(result.at("isError").as_bool());
  EXPECT_NE(text_of(result).find("The API (pets) did not answer in time"), std::string::npos) << text_of(result);
  EXPECT_EQ(ctx.call().upstream.failure, "timeout");
  EXPECT_EQ(s.upstream.requests.load(), 1);  // no retry past the deadline
}

TEST(CallDeadline, ADeadlineTheTransportSetIsKeptWhenEarlier) {
  ServerOptions so;
  so.tool_call_timeout = std::chrono::seconds(20);
  Slow s(so);
  CallContext ctx;
  ctx.call().deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  auto [result, took] = s.call(ctx);
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  EXPECT_TRUE(result.at("isError").as_bool());
  EXPECT_NE(text_of(result).find("did not answer in time"), std::string::npos) << text_of(result);
}

TEST(CallDeadline, BoundShortensATimeoutToWhatIsLeft) {
  CallInfo none;
  EXPECT_EQ(none.bound(std::chrono::milliseconds(30000)), std::chrono::milliseconds(30000));
  EXPECT_FALSE(none.expired());
  CallInfo soon;
  soon.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  EXPECT_LE(soon.bound(std::chrono::milliseconds(30000)), std::chrono::milliseconds(5000));
  EXPECT_GT(soon.bound(std::chrono::milliseconds(30000)), std::chrono::milliseconds(4000));
  EXPECT_EQ(soon.bound(std::chrono::milliseconds(200)), std::chrono::milliseconds(200));
  CallInfo past;
  past.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  EXPECT_EQ(past.bound(std::chrono::milliseconds(30000)), std::chrono::milliseconds(0));
  EXPECT_TRUE(past.expired());
}
