// The Redis connection against a fake server that misbehaves: a malformed reply, a reply over
// the size limit, a reply nobody asked for. Each must fail the commands in flight with
// kUnavailable (never a crash, never a hang) and the next connection must work.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mcp/cluster/shared_state.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/resp.hpp"
#include "cluster_test_util.hpp"

namespace mcp::cluster {
namespace {

using namespace std::chrono_literals;

// Accepts connections on 127.0.0.1; answers each command on a connection with `bad` while
// bad_left > 0 (counted over all connections), then with a nil bulk string.
class FakeRedis {
 public:
  explicit FakeRedis(std::string bad, int bad_times) : bad_(std::move(bad)), bad_left_(bad_times) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("fake redis: cannot listen");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeRedis() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    std::lock_guard lock(mu_);
    for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    for (int c : clients_) ::close(c);
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

 private:
  void accept_loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      std::lock_guard lock(mu_);
      clients_.push_back(c);
      threads_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    resp::Parser commands;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      commands.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      resp::Value v;
      while (commands.next(v) == resp::Parser::Status::kReply) {
        std::string answer = bad_left_.fetch_sub(1) > 0 ? bad_ : "$-1\r\n";
        if (::write(c, answer.data(), answer.size()) < 0) return;
      }
    }
  }

  std::string bad_;
  std::atomic<int> bad_left_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> clients_;
  std::vector<std::thread> threads_;
};

RedisOptions fast(std::string url) {
  RedisOptions o;
  o.url = std::move(url);
  o.connect_timeout = 500ms;
  o.command_timeout = 300ms;
  o.max_backoff = 200ms;
  return o;
}

void fails_then_recovers(const std::string& bad) {
  FakeRedis fake(bad, 1);
  auto s = make_redis_shared_state(fast(fake.url()));
  ASSERT_TRUE(test::eventually([&] { return s->healthy(); }));
  auto start = std::chrono::steady_clock::now();
  auto r = test::run(s->get("k"));
  ASSERT_FALSE(r) << "a broken reply was taken for an answer";
  EXPECT_EQ(r.error().code, kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // The broken stream was dropped and a new connection answers.
  ASSERT_TRUE(test::eventually([&] {
    auto again = test::run(s->get("k"));
    return again && !again->has_value();
  }));
  EXPECT_GE(fake.connections(), 3);  // commands and pubsub, then commands again
}

TEST(RedisProtocol, MalformedReplyDropsTheConnection) { fails_then_recovers("?what\r\n"); }

TEST(RedisProtocol, ReplyOverTheLimitIsRefusedBeforeItArrives) { fails_then_recovers("$999999999999\r\n"); }

TEST(RedisProtocol, ExtraReplyPutsTheStreamOutOfStep) {
  // Two replies to one command: the second answers nothing, so the stream cannot be trusted.
  fails_then_recovers("+OK\r\n+EXTRA\r\n");
}

TEST(RedisProtocol, ErrorReplyIsAnErrorValueNotABrokenConnection) {
  FakeRedis fake("-ERR nope\r\n", 1);
  auto s = make_redis_shared_state(fast(fake.url()));
  ASSERT_TRUE(test::eventually([&] { return s->healthy(); }));
  auto r = test::run(s->set("k", "v", 1s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kUnavailable);
  EXPECT_EQ(r.error().message, "redis: ERR nope");
  auto next = test::run(s->get("k"));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(fake.connections(), 2);  // no reconnection was needed
}

}  // namespace
}  // namespace mcp::cluster
