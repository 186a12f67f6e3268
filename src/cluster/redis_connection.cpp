#include "cluster/redis_connection.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <exception>

namespace mcp::cluster {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {
constexpr milliseconds kFirstBackoff{100};

Error unavailable(std::string message) { return Error{kUnavailable, std::move(message), {}}; }
}  // namespace

RedisConnection::RedisConnection(asio::io_context& io, RedisEndpoint endpoint, Options options)
    : io_(io),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      socket_(io),
      timeout_timer_(io),
      backoff_timer_(io) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::start() {
  asio::co_spawn(io_, run(shared_from_this()), [name = options_.name](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("{}: connection loop ended: {}", name, ex.what());
    }
  });
}

void RedisConnection::stop() {
  asio::post(io_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->backoff_timer_.cancel();
    self->timeout_timer_.cancel();
    self->close_socket();
    self->fail_all("redis: shut down");
  });
}

void RedisConnection::drop(std::string why) {
  asio::post(io_, [self = shared_from_this(), why = std::move(why)] {
    if (!self->connected_) return;
    spdlog::warn("{}: dropping the connection to {}: {}", self->options_.name, self->endpoint_.describe(), why);
    self->close_socket();
  });
}

void RedisConnection::send(std::vector<Command> commands, Completion done) {
  asio::post(io_, [self = shared_from_this(), commands = std::move(commands), done = std::move(done)]() mutable {
    self->send_now(std::move(commands), std::move(done));
  });
}

void RedisConnection::send_now(std::vector<Command> commands, Completion done) {
  auto refuse = [&](const char* why) {
    if (done) done(unavailable(why));
  };
  if (stopped_) return refuse("redis: shut down");
  if (!connected_ && attempted_) return refuse("redis: not connected");
  if (pending_.size() >= options_.max_pending) return refuse("redis: too many commands pending");
  for (const auto& c : commands) resp::encode_command(out_, c);
  if (push_) {
    // Pub/Sub: replies are pushes, not answers to these commands.
    if (done) done(Replies{});
  } else {
    pending_.push_back(Pending{commands.size(), {}, Clock::now() + options_.command_timeout, std::move(done)});
    if (commands.empty()) {  // nothing to wait for
      auto p = std::move(pending_.back());
      pending_.pop_back();
      if (p.done) p.done(Replies{});
    }
    arm_timer();
  }
  start_write();
}

void RedisConnection::start_write() {
  if (writing_ || !connected_ || out_.empty()) return;
  writing_ = true;
  auto buf = std::make_shared<std::string>(std::move(out_));
  out_.clear();
  asio::async_write(socket_, asio::buffer(*buf),
                    [self = shared_from_this(), buf, gen = generation_](boost::system::error_code ec, std::size_t) {
                      if (gen != self->generation_) return;  // an older socket's write
                      self->writing_ = false;
                      if (ec) {
                        self->close_socket();  // the read loop sees it and reconnects
                        return;
                      }
                      self->start_write();
                    });
}

void RedisConnection::arm_timer() {
  if (timer_armed_) return;
  for (const auto& p : pending_) {
    if (!p.done) continue;
    timer_armed_ = true;
    timeout_timer_.expires_at(p.deadline);
    timeout_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
      self->timer_armed_ = false;
      if (!self->stopped_) self->on_timer();
    });
    return;
  }
}

void RedisConnection::on_timer() {
  auto now = Clock::now();
  for (auto& p : pending_) {
    if (p.deadline > now) break;  // deadlines grow along the queue
    if (p.done) {
      healthy_ = false;  // before the awaiter resumes and asks
      p.done(unavailable("redis: timeout"));
      p.done = Completion();
    }
  }
  // A reply overdue by two timeouts: the peer is gone without a reset (a partition, a frozen
  // server). Start over rather than pile up commands that can only time out.
  if (connected_ && !pending_.empty() && pending_.front().deadline + options_.command_timeout <= now) {
    spdlog::warn("{}: no reply from {} within {} ms; reconnecting", options_.name, endpoint_.describe(),
                 2 * options_.command_timeout.count());
    close_socket();
  }
  arm_timer();
}

void RedisConnection::on_reply(resp::Value v) {
  healthy_ = true;
  if (push_) {
    push_(v);
    return;
  }
  if (pending_.empty()) {
    unexpected_ = true;
    return;
  }
  Pending& p = pending_.front();
  p.replies.push_back(std::move(v));
  if (p.replies.size() < p.expected) return;
  auto done = std::move(p.done);
  auto replies = std::move(p.replies);
  pending_.pop_front();
  if (done) done(std::move(replies));
}

void RedisConnection::fail_all(const std::string& why) {
  out_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending)
    if (p.done) p.done(unavailable(why));
}

void RedisConnection::close_socket() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

Task<void> RedisConnection::pause(milliseconds d) {
  backoff_timer_.expires_after(d);
  boost::system::error_code ec;
  co_await backoff_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

Task<std::string> RedisConnection::read_loop() {
  parser_.reset();
  unexpected_ = false;
  std::array<char, 16384> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await socket_.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec == asio::error::eof ? std::string("connection closed by the server") : ec.message();
    parser_.feed(std::string_view(buf.data(), n));
    resp::Value v;
    for (;;) {
      auto status = parser_.next(v);
      if (status == resp::Parser::Status::kNeedMore) break;
      if (status == resp::Parser::Status::kError) co_return parser_.error();
      on_reply(std::move(v));
      if (stopped_) co_return "shut down";
    }
    if (unexpected_) co_return "a reply that answers no command";
  }
}

Task<void> RedisConnection::run(std::shared_ptr<RedisConnection> self) {
  milliseconds backoff = kFirstBackoff;
  const std::string& name = self->options_.name;
  while (!self->stopped_) {
    self->socket_ = asio::ip::tcp::socket(self->io_);
    std::string why = co_await open_redis_link(&self->socket_, self->endpoint_, self->options_.connect_timeout);
    if (self->stopped_) break;
    self->attempted_ = true;
    if (!why.empty()) {
      self->healthy_ = false;
      if (why != self->last_error_) spdlog::warn("{}: cannot connect to {}: {}", name, self->endpoint_.describe(), why);
      self->last_error_ = why;
      self->fail_all("redis: " + why);
      co_await self->pause(backoff);
      backoff = std::min(backoff * 2, self->options_.max_backoff);
      continue;
    }
    backoff = kFirstBackoff;
    if (!self->last_error_.empty()) spdlog::info("{}: connected to {}", name, self->endpoint_.describe());
    self->last_error_.clear();
    ++self->generation_;
    self->writing_ = false;
    self->connected_ = true;
    self->healthy_ = true;
    if (self->on_connected_) self->on_connected_();
    self->start_write();
    why = co_await self->read_loop();
    self->connected_ = false;
    self->healthy_ = false;
    ++self->generation_;
    self->writing_ = false;
    self->close_socket();
    if (self->stopped_) break;
    spdlog::warn("{}: connection to {} lost: {}", name, self->endpoint_.describe(), why);
    self->last_error_ = why;
    self->fail_all("redis: connection lost: " + why);
    co_await self->pause(backoff);
    backoff = std::min(backoff * 2, self->options_.max_backoff);
  }
  self->fail_all("redis: shut down");
}

}  // namespace mcp::cluster
