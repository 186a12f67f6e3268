// SharedState on Redis 7: records are strings with PX expiry, capped logs are Streams (exact
// MAXLEN, PEXPIRE in the same MULTI), token buckets are one Lua script reading Redis's clock,
// publish/subscribe is Pub/Sub on a second connection. Both connections and their thread
// belong to this object.
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <mcp/cluster/shared_state.hpp>
#include <thread>

#include "cluster/redis_connection.hpp"
#include "cluster/redis_subscriber.hpp"

namespace mcp::cluster {

namespace asio = boost::asio;
using resp::Value;

namespace {

// KEYS[1]: the bucket, a hash {tokens, ts (µs, Redis's clock)}; ARGV: tokens per second, burst.
// Returns 0 when a token was taken, else the wait in ms until one is available. The bucket
// expires once it would be full again (forgetting a full bucket changes nothing).
constexpr const char* kTakeScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) / 1000000 * rate)
  ts = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
local ttl = math.ceil((burst - tokens) / rate * 1000) + 1000
if ttl > 31536000000 then ttl = 31536000000 end
redis.call('PEXPIRE', KEYS[1], ttl)
return wait
)lua";

// A claim's holder only: KEYS[1] the claim, ARGV[1] the holder's value, ARGV[2] the new expiry
// in ms (renew). 1 when done, 0 when the key is gone or another's.
constexpr const char* kRenewScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";
constexpr const char* kReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string ttl_ms(milliseconds ttl) { return std::to_string(std::max<long long>(1, ttl.count())); }

Error unavailable(std::string message) { return Error{kUnavailable, std::move(message), {}}; }

Error unexpected(const Value& v) {
  if (v.is_error()) return unavailable("redis: " + v.str);
  return unavailable("redis: unexpected reply");
}

class RedisSharedState final : public SharedState {
 public:
  explicit RedisSharedState(RedisOptions options)
      : options_(std::move(options)),
        endpoint_(parse_redis_url(options_.url)),
        io_(std::make_shared<asio::io_context>(1)),
        work_(asio::make_work_guard(*io_)),
        take_sha_(sha1_hex(kTakeScript)),
        renew_sha_(sha1_hex(kRenewScript)),
        release_sha_(sha1_hex(kReleaseScript)) {
    RedisConnection::Options o;
    o.connect_timeout = options_.connect_timeout;
    o.command_timeout = options_.command_timeout;
    o.max_backoff = options_.max_backoff;
    o.name = "redis";
    commands_ = std::make_shared<RedisConnection>(*io_, endpoint_, o);
    o.name = "redis pubsub";
    subscriber_ = std::make_shared<RedisSubscriber>(*io_, endpoint_, o, std::chrono::seconds(5));
    commands_->start();
    subscriber_->start();
    // The thread holds the io_context too, so a last reference dropped on it (a handler) is safe.
    thread_ = std::thread([io = io_] { io->run(); });
  }

  ~RedisSharedState() override {
    commands_->stop();
    subscriber_->stop();
    work_.reset();
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach();
    else
      thread_.join();
  }

  Task<Result<std::optional<std::string>>> get(std::string key) override {
    RedisConnection::Command c{"GET", options_.key_prefix + key};
    auto r = co_await one(std::move(c));
    if (!r) co_return r.error();
    if (r->type == Value::Type::kNil) co_return std::optional<std::string>();
    if (r->type != Value::Type::kBulk) co_return unexpected(*r);
    co_return std::optional<std::string>(std::move(r->str));
  }

  Task<Result<bool>> set(std::string key, std::string value, milliseconds ttl) override {
    RedisConnection::Command c{"SET", options_.key_prefix + key, std::move(value), "PX", ttl_ms(ttl)};
    auto r = co_await one(std::move(c));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kSimple) co_return unexpected(*r);
    co_return true;
  }

  Task<Result<bool>> set_if_absent(std::string key, std::string value, milliseconds ttl) override {
    RedisConnection::Command c{"SET", options_.key_prefix + key, std::move(value), "NX", "PX", ttl_ms(ttl)};
    auto r = co_await one(std::move(c));
    if (!r) co_return r.error();
    if (r->type == Value::Type::kNil) co_return false;
    if (r->type != Value::Type::kSimple) co_return unexpected(*r);
    co_return true;
  }

  Task<Result<bool>> del(std::string key) override {
    RedisConnection::Command c{"DEL", options_.key_prefix + key};
    auto r = co_await one(std::move(c));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kInteger) co_return unexpected(*r);
    co_return r->integer > 0;
  }

  Task<Result<bool>> renew(std::string key, std::string value, milliseconds ttl) override {
    std::vector<std::string> args{options_.key_prefix + key, std::move(value), ttl_ms(ttl)};
    auto r = co_await script(kRenewScript, renew_sha_, std::move(args));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kInteger) co_return unexpected(*r);
    co_return r->integer > 0;
  }

  Task<Result<bool>> release(std::string key, std::string value) override {
    std::vector<std::string> args{options_.key_prefix + key, std::move(value)};
    auto r = co_await script(kReleaseScript, release_sha_, std::move(args));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kInteger) co_return unexpected(*r);
    co_return r->integer > 0;
  }

  Task<Result<bool>> append(std::string key, std::string entry, std::size_t max_entries, milliseconds ttl) override {
    std::string k = options_.key_prefix + key;
    std::vector<RedisConnection::Command> batch;
    batch.push_back({"MULTI"});
    batch.push_back({"XADD", k, "MAXLEN", std::to_string(max_entries), "*", "e", std::move(entry)});
    batch.push_back({"PEXPIRE", k, ttl_ms(ttl)});
    batch.push_back({"EXEC"});
    auto r = co_await commands_->exec(std::move(batch));
    if (!r) co_return r.error();
    for (const auto& v : *r)
      if (v.is_error()) co_return unexpected(v);
    const Value& exec = r->back();
    if (exec.type != Value::Type::kArray) co_return unexpected(exec);
    for (const auto& v : exec.elements)
      if (v.is_error()) co_return unexpected(v);
    co_return true;
  }

  Task<Result<std::vector<std::string>>> entries(std::string key) override {
    RedisConnection::Command c{"XRANGE", options_.key_prefix + key, "-", "+"};
    auto r = co_await one(std::move(c));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kArray) co_return unexpected(*r);
    std::vector<std::string> out;
    out.reserve(r->elements.size());
    // Each entry: [id, [field, value]].
    for (auto& e : r->elements) {
      if (e.type != Value::Type::kArray || e.elements.size() != 2) co_return unexpected(e);
      auto& fields = e.elements[1];
      if (fields.type != Value::Type::kArray || fields.elements.size() != 2) co_return unexpected(e);
      out.push_back(std::move(fields.elements[1].str));
    }
    co_return out;
  }

  void publish(std::string channel, std::string message) override {
    RedisConnection::Command c{"PUBLISH", options_.key_prefix + channel, std::move(message)};
    commands_->send({std::move(c)}, RedisConnection::Completion([](Result<RedisConnection::Replies> r) {
                      if (!r) spdlog::debug("redis: PUBLISH failed: {}", r.error().message);
                    }));
  }

  std::unique_ptr<Subscription> subscribe(std::string channel,
                                          std::function<void(const std::string& message)> handler) override {
    return subscriber_->subscribe(options_.key_prefix + channel, std::move(handler));
  }

  Task<Result<std::optional<milliseconds>>> take(std::string key, RateLimit limit) override {
    if (limit.per_second <= 0) co_return std::optional<milliseconds>();
    double burst = limit.burst > 0 ? limit.burst : std::max(1.0, limit.per_second);
    std::vector<std::string> args{options_.key_prefix + key, number(limit.per_second), number(burst)};
    auto r = co_await script(kTakeScript, take_sha_, std::move(args));
    if (!r) co_return r.error();
    if (r->type != Value::Type::kInteger) co_return unexpected(*r);
    if (r->integer <= 0) co_return std::optional<milliseconds>();
    co_return std::optional<milliseconds>(milliseconds(r->integer));
  }

  bool healthy() const override { return commands_->healthy() && subscriber_->healthy(); }
  std::string describe() const override { return endpoint_.describe(); }

 private:
  // One command's reply (an error reply stays a value: callers tell NOSCRIPT from the rest).
  Task<Result<Value>> one(RedisConnection::Command command) {
    std::vector<RedisConnection::Command> batch;
    batch.push_back(std::move(command));
    auto r = co_await commands_->exec(std::move(batch));
    if (!r) co_return r.error();
    co_return std::move(r->front());
  }

  // A one-key script by its SHA1, sent whole when Redis does not know it yet (EVAL also caches
  // it for the next EVALSHA). `key_and_args`: the key, then ARGV.
  Task<Result<Value>> script(const char* text, std::string sha, std::vector<std::string> key_and_args) {
    RedisConnection::Command c{"EVALSHA", std::move(sha), "1"};
    for (auto& a : key_and_args) c.push_back(std::move(a));
    auto r = co_await one(c);
    if (r && r->is_error() && r->str.starts_with("NOSCRIPT")) {
      c[0] = "EVAL";
      c[1] = text;
      r = co_await one(c);
    }
    co_return r;
  }

  RedisOptions options_;
  RedisEndpoint endpoint_;
  std::shared_ptr<asio::io_context> io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::string take_sha_, renew_sha_, release_sha_;
  std::shared_ptr<RedisConnection> commands_;
  std::shared_ptr<RedisSubscriber> subscriber_;
  std::thread thread_;
};

}  // namespace

std::shared_ptr<SharedState> make_redis_shared_state(RedisOptions options) {
  return std::make_shared<RedisSharedState>(std::move(options));
}

}  // namespace mcp::cluster
