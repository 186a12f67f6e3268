#include "http/cluster_link.hpp"
#include "http/log_failure.hpp"

#include <mcp/core/encoding.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <random>

namespace asio = boost::asio;

namespace mcp::http {
namespace {

using protocol::Session;
using Clock = Session::Clock;

constexpr std::string_view kControl = "mcp.replicas";  // wake-ups, broadcasts, take-overs
constexpr std::string_view kEnd = "end";               // a stream's last log entry
constexpr std::string_view kHello = "hello";           // the writer heard a follower
constexpr auto kRefreshEvery = std::chrono::seconds(5);
// How long a follower waits for the stream's writer before reading the log anyway (the writer
// may be gone, or the stream ended).
constexpr auto kHelloWait = std::chrono::milliseconds(300);
// Standalone streams' wire ids are in [2^52, 2^53), POST streams' below: a follower knows which
// it resumes without asking (and every id stays exact in a JavaScript number).
constexpr std::uint64_t kAliasFloor = std::uint64_t{1} << 52;

std::string record_key(std::string_view id) { return "session:" + std::string(id); }
std::string log_key(std::string_view session, std::uint64_t stream) {
  return "events:" + std::string(session) + ":" + std::to_string(stream);
}
std::string channel_of(const std::string& log) { return "mcp." + log; }

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }
std::vector<std::string> strings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (auto* a = o.if_contains(k); a && a->is_array())
    for (auto& x : a->get_array())
      if (x.is_string()) out.emplace_back(x.get_string());
  return out;
}
std::string str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

constexpr LogFailure log_failure("cluster");

}  // namespace

// A reader of a stream written on another replica: the log's entries first, then what the
// writer publishes, each event at most once (by its sequence number).
struct ClusterLink::Follower {
  std::mutex mu;
  bool replaying = true, done = false;
  std::uint64_t last_seq = 0;
  std::vector<std::string> buffered;
  std::shared_ptr<protocol::SseSink> sink;
  std::unique_ptr<cluster::Subscription> sub;
  Notifier hello;

  void deliver_locked(const std::string& entry) {
    if (done) return;
    if (entry == kEnd) {
      sink->close();
      done = true;
      return;
    }
    auto nl = entry.find('\n');
    std::uint64_t stream = 0, seq = 0;
    if (nl == std::string::npos || !protocol::parse_event_id(std::string_view(entry).substr(0, nl), stream, seq))
      return;
    if (seq <= last_seq) return;
    last_seq = seq;
    sink->push(protocol::sse_event(std::string_view(entry).substr(0, nl), std::string_view(entry).substr(nl + 1)));
  }
};

ClusterLink::ClusterLink(std::shared_ptr<cluster::SharedState> shared, ClusterLinkOptions options,
                         protocol::SessionManager& sessions)
    : shared_(std::move(shared)), options_(std::move(options)), sessions_(sessions), rng_state_(std::random_device{}()) {
  rng_state_ = (rng_state_ << 32) ^ std::random_device{}();
  if (options_.replica_id.empty()) options_.replica_id = random_token(12);
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

ClusterLink::~ClusterLink() {
  stop();
  work_.reset();
  io_.stop();
  if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
  else if (thread_.joinable()) thread_.join();
}

void ClusterLink::join() {
  stop();
  work_.reset();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ClusterLink::start(Deliver deliver) {
  deliver_ = std::move(deliver);
  std::weak_ptr<ClusterLink> weak = weak_from_this();
  control_ = shared_->subscribe(std::string(kControl), [weak](const std::string& m) {
    if (auto self = weak.lock()) self->on_control(m);
  });
  spawn(heartbeat(weak, shared_, options_.replica_id, beat_));
}

void ClusterLink::stop() {
  {
    std::lock_guard lock(alive_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  control_.reset();
  std::set<std::shared_ptr<Follower>> followers;
  {
    std::lock_guard lock(mu_);
    followers.swap(followers_);
  }
  for (auto& f : followers) f->sub.reset();
  std::set<std::shared_ptr<Notifier>> keepers;
  {
    std::lock_guard lock(mu_);
    keepers.swap(keepers_);
  }
  for (auto& k : keepers) k->notify();  // they release their claims and end
  beat_->notify();
}

// (Nothing new once stopped: what is queued then would never run, and its frame would hold
// the link.)
void ClusterLink::spawn(Task<void> t) {
  if (!stopped_) asio::co_spawn(io_, std::move(t), log_failure);
}

std::uint64_t ClusterLink::random_u64(std::uint64_t lo, std::uint64_t hi) {
  std::lock_guard lock(mu_);
  std::mt19937_64 g(rng_state_);
  rng_state_ = g();
  return lo + g() % (hi - lo);
}

bool ClusterLink::is_standalone_alias(std::uint64_t wire_stream) { return wire_stream >= kAliasFloor; }

Response ClusterLink::unavailable(const Error& e) {
  Response r = rpc_error(503, errc::kConnectionClosed, "Service Unavailable: shared state: " + e.message);
  r.set("Retry-After", "2");
  return r;
}

// --- session records ---

void ClusterLink::prepare(Session& s) {
  s.set_replica_ids(random_u64(std::uint64_t{1} << 40, kAliasFloor), random_u64(kAliasFloor, kAliasFloor << 1),
                    static_cast<std::int64_t>(random_u64(std::uint64_t{1} << 32, kAliasFloor)));
  s.set_mirror(shared_from_this());
  std::weak_ptr<ClusterLink> weak = weak_from_this();
  s.set_on_change([weak](Session& x) {
    if (auto self = weak.lock()) self->changed(x);
  });
}

std::string ClusterLink::record_of(Session& s) const {
  const Principal& p = s.principal();
  json::array subs;
  for (auto& u : s.subscriptions()) subs.emplace_back(u);
  json::object o{{"v", s.version()},
                 {"caps", s.client_capabilities()},
                 {"info", s.client_info()},
                 {"b", p.binding()},
                 {"p",
                  {{"subject", p.subject},
                   {"tenant", p.tenant},
                   {"method", p.method},
                   {"credential", p.credential},
                   {"scopes", strings(p.scopes)},
                   {"roles", strings(p.roles)},
                   {"aud", strings(p.audiences)}}},
                 {"o", s.owner()},
                 {"l", s.log_level.load()},
                 {"i", s.initialized.load()},
                 {"sub", std::move(subs)},
                 {"r", options_.replica_id}};
  return json::serialize(o);
}

Task<Result<bool>> ClusterLink::save(std::shared_ptr<Session> s) {
  s->record_written = Clock::now().time_since_epoch().count();
  std::string key = record_key(s->id());
  std::string record = record_of(*s);
  co_return co_await shared_->set(std::move(key), std::move(record), options_.idle_timeout);
}

namespace {
// What a record says the client changed (level, subscriptions, initialized), onto `s`.
void apply_changes(Session& s, const json::object& o) {
  if (auto* l = o.if_contains("l"); l && l->is_int64()) s.log_level = static_cast<int>(l->get_int64());
  if (auto* i = o.if_contains("i"); i && i->is_bool() && i->get_bool()) s.initialized = true;
  auto subs = strings(o, "sub");
  s.set_subscriptions(std::set<std::string>(subs.begin(), subs.end()));
}
}  // namespace

Task<ClusterLink::Adopted> ClusterLink::adopt(std::string id, Principal who) {
  auto got = co_await shared_->get(record_key(id));
  if (!got) co_return unavailable(got.error());
  if (!got.value()) co_return std::shared_ptr<Session>();
  auto record = parse_object(*got.value());
  if (!record) co_return std::shared_ptr<Session>();
  auto& o = *record;
  if (str(o, "b") != who.binding()) co_return std::shared_ptr<Session>();  // never someone else's
  auto s = sessions_.adopt(id, str(o, "o"));
  if (!s) {
    Response r = rpc_error(503, errc::kConnectionClosed, "Too many sessions; try again later");
    r.set("Retry-After", "5");
    co_return r;
  }
  if (s->version().empty()) {  // made just now
    json::object caps, info;
    if (auto* c = o.if_contains("caps"); c && c->is_object()) caps = c->get_object();
    if (auto* i = o.if_contains("info"); i && i->is_object()) info = i->get_object();
    s->set_negotiated(str(o, "v"), std::move(caps), std::move(info));
    s->set_principal(std::move(who));
    apply_changes(*s, o);
    prepare(*s);
    s->record_written = Clock::now().time_since_epoch().count();
  }
  co_return s;
}

void ClusterLink::touched(const std::shared_ptr<Session>& s) {
  auto now = Clock::now();
  auto last = Clock::time_point(Clock::duration(s->record_written.load(std::memory_order_relaxed)));
  if (now - last < kRefreshEvery) return;
  s->record_written = now.time_since_epoch().count();
  spawn([](std::shared_ptr<ClusterLink> self, std::shared_ptr<Session> s) -> Task<void> {
    auto r = co_await self->save(std::move(s));
    if (!r) spdlog::warn("cluster: session record not refreshed: {}", r.error().message);
  }(shared_from_this(), s));
}

void ClusterLink::changed(Session& s) {
  std::lock_guard lock(mu_);
  dirty_.insert(s.id());
}

Task<Result<bool>> ClusterLink::flush(std::shared_ptr<Session> s) {
  {
    std::lock_guard lock(mu_);
    if (!dirty_.erase(s->id())) co_return true;
  }
  auto r = co_await save(s);
  if (!r) co_return r;
  json::object notice{{"t", "sess"}, {"s", s->id()}, {"r", options_.replica_id}};
  shared_->publish(std::string(kControl), json::serialize(notice));
  co_return true;
}

Task<Result<bool>> ClusterLink::removed(std::string id) {
  {
    std::lock_guard lock(mu_);
    dirty_.erase(id);
  }
  json::object notice{{"t", "del"}, {"s", id}, {"r", options_.replica_id}};
  auto r = co_await shared_->del(record_key(id));
  shared_->publish(std::string(kControl), json::serialize(notice));
  co_return r;
}

Task<void> ClusterLink::reload(std::shared_ptr<ClusterLink> self, std::string id) {
  auto got = co_await self->shared_->get(record_key(id));
  std::lock_guard alive(self->alive_mu_);  // the SessionManager lives until stop()
  if (self->stopped_) co_return;
  auto s = self->sessions_.find(id);
  if (!s || !got || !got.value()) co_return;
  if (auto record = parse_object(*got.value())) apply_changes(*s, *record);
}

// --- wake-ups and broadcasts ---

void ClusterLink::forward_answer(const std::string& session, const jsonrpc::Message& m) {
  json::object msg{{"jsonrpc", "2.0"}, {"id", m.id}};
  if (m.kind == jsonrpc::Kind::error) msg["error"] = m.error.to_json();
  else msg["result"] = m.result;
  json::object notice{{"t", "ans"}, {"s", session}, {"m", std::move(msg)}};
  shared_->publish(std::string(kControl), json::serialize(notice));
}

void ClusterLink::forward_cancel(const std::string& session, const json::value& request_id) {
  json::object notice{{"t", "can"}, {"s", session}, {"k", jsonrpc::id_key(request_id)}};
  shared_->publish(std::string(kControl), json::serialize(notice));
}

void ClusterLink::broadcast(const std::string& method, const json::object& params, const std::string& uri) {
  json::object notice{{"t", "bc"}, {"r", options_.replica_id}, {"m", method}, {"p", params}, {"u", uri}};
  shared_->publish(std::string(kControl), json::serialize(notice));
}

// On the shared state's thread: quick, and never awaiting (that is posted to our thread).
void ClusterLink::on_control(const std::string& message) {
  std::lock_guard alive(alive_mu_);
  if (stopped_) return;
  auto notice = parse_object(message);
  if (!notice) return;
  auto& o = *notice;
  const std::string t = str(o, "t"), sid = str(o, "s");
  if (str(o, "r") == options_.replica_id) return;  // our own
  if (t == "bc") {
    auto* p = o.if_contains("p");
    if (deliver_) deliver_(str(o, "m"), p && p->is_object() ? p->get_object() : json::object{}, str(o, "u"));
    return;
  }
  auto s = sessions_.find(sid);
  if (!s) return;
  if (t == "del") {
    sessions_.remove(sid);
  } else if (t == "sess") {
    spawn(reload(shared_from_this(), sid));
  } else if (t == "ans") {
    auto* m = o.if_contains("m");
    if (!m || !m->is_object()) return;
    auto& msg = m->get_object();
    auto* id = msg.if_contains("id");
    if (!id) return;
    std::string key = jsonrpc::id_key(*id);
    if (!s->has_outbound(key)) return;  // another replica's, or already answered
    Result<json::object> answer = json::object{};
    if (auto* e = msg.if_contains("error"); e && e->is_object())
      answer = Error{e->get_object().contains("code") && e->at("code").is_int64()
                         ? static_cast<int>(e->at("code").get_int64())
                         : errc::kInternalError,
                     str(e->get_object(), "message"), e->get_object().contains("data") ? e->at("data") : nullptr};
    else if (auto* r = msg.if_contains("result"); r && r->is_object())
      answer = r->get_object();
    s->resolve_outbound(key, std::move(answer));
  } else if (t == "can") {
    s->cancel_request(str(o, "k"));
  } else if (t == "follow") {
    auto* st = o.if_contains("st");
    if (!st || (!st->is_uint64() && !st->is_int64())) return;
    std::uint64_t stream = st->is_uint64() ? st->get_uint64() : static_cast<std::uint64_t>(st->get_int64());
    if (!s->release(stream)) return;  // not written here
    std::string key = log_key(sid, stream);
    {
      std::lock_guard lock(mu_);
      followed_.insert(key);
    }
    enqueue(Op{std::move(key), {}, true});  // hello, after every event logged so far
  }
}

// --- events ---

void ClusterLink::enqueue(Op op) {
  bool start = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued && !op.publish) {
      if (dropped_++ % 1000 == 0) spdlog::warn("cluster: shared state behind; {} SSE events not shared", dropped_);
      return;
    }
    queue_.push_back(std::move(op));
    if (!draining_) start = draining_ = true;
  }
  if (start) spawn(drain(shared_from_this()));
}

// One stream's ops in order, each publish after the append before it: a follower that reads
// the log after `hello` has everything before it, and what it is sent after is logged too.
Task<void> ClusterLink::run_ops(std::shared_ptr<ClusterLink> self, std::vector<Op> ops) {
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(self->options_.idle_timeout);
  for (auto& op : ops) {
    if (!op.entry.empty()) {
      auto r = co_await self->shared_->append(op.key, op.entry, self->options_.events_per_stream, ttl);
      if (!r) spdlog::warn("cluster: SSE event not shared: {}", r.error().message);
    }
    if (op.publish) self->shared_->publish(channel_of(op.key), op.entry.empty() ? std::string(kHello) : op.entry);
  }
}

// What is queued, batch by batch: the streams of a batch concurrently (a Redis connection
// pipelines them), each stream's ops in order, the next batch once this one is done.
Task<void> ClusterLink::drain(std::shared_ptr<ClusterLink> self) {
  for (;;) {
    std::deque<Op> batch;
    {
      std::lock_guard lock(self->mu_);
      if (self->queue_.empty()) {
        self->draining_ = false;
        co_return;
      }
      batch.swap(self->queue_);
    }
    std::unordered_map<std::string, std::vector<Op>> streams;
    for (auto& op : batch) streams[op.key].push_back(std::move(op));
    if (streams.size() == 1) {
      co_await run_ops(self, std::move(streams.begin()->second));
      continue;
    }
    auto left = std::make_shared<std::atomic<std::size_t>>(streams.size());
    auto done = std::make_shared<Notifier>();
    for (auto& [key, ops] : streams)
      asio::co_spawn(
          self->io_,
          [](std::shared_ptr<ClusterLink> self, std::vector<Op> ops, std::shared_ptr<std::atomic<std::size_t>> left,
             std::shared_ptr<Notifier> done) -> Task<void> {
            co_await run_ops(std::move(self), std::move(ops));
            if (--*left == 0) done->notify();
          }(self, std::move(ops), left, done),
          log_failure);
    while (left->load() > 0) co_await done->wait(std::chrono::seconds(1));
  }
}

void ClusterLink::event(const std::string& session, std::uint64_t stream, const std::string& event_id,
                        const std::string& data) {
  Op op{log_key(session, stream), event_id + "\n" + data, false};
  {
    std::lock_guard lock(mu_);
    op.publish = !followed_.empty() && followed_.count(op.key) > 0;
  }
  enqueue(std::move(op));
}

void ClusterLink::ended(const std::string& session, std::uint64_t stream) {
  Op op{log_key(session, stream), std::string(kEnd), false};
  {
    std::lock_guard lock(mu_);
    op.publish = followed_.erase(op.key) > 0;
  }
  enqueue(std::move(op));
}

void ClusterLink::release_later(std::shared_ptr<Follower> f) {
  if (stopped_) return;  // stop() released every follower
  asio::post(io_, [self = shared_from_this(), f] {
    {
      std::lock_guard lock(self->mu_);
      self->followers_.erase(f);
    }
    f->sub.reset();
  });
}

Task<Result<bool>> ClusterLink::follow(std::shared_ptr<Session> s, std::string last_event_id,
                                       std::shared_ptr<protocol::SseSink> sink) {
  std::uint64_t stream = 0, seq = 0;
  if (!protocol::parse_event_id(last_event_id, stream, seq)) co_return false;
  const std::string key = log_key(s->id(), stream);
  auto f = std::make_shared<Follower>();
  f->sink = sink;
  f->last_seq = seq;
  std::weak_ptr<ClusterLink> weak = weak_from_this();
  f->sub = shared_->subscribe(channel_of(key), [raw = f.get(), weak](const std::string& m) {
    std::lock_guard lock(raw->mu);
    if (m == kHello) {
      raw->hello.notify();
      return;
    }
    if (raw->replaying) {
      raw->buffered.push_back(m);
      return;
    }
    raw->deliver_locked(m);
    if (raw->done)
      if (auto self = weak.lock()) {
        std::lock_guard l2(self->mu_);
        for (auto& x : self->followers_)
          if (x.get() == raw) {
            self->release_later(x);
            break;
          }
      }
  });
  json::object notice{{"t", "follow"}, {"s", s->id()}, {"st", stream}, {"r", options_.replica_id}};
  shared_->publish(std::string(kControl), json::serialize(notice));
  co_await f->hello.wait(kHelloWait);
  auto got = co_await shared_->entries(key);
  if (!got) {
    f->sub.reset();
    co_return got.error();
  }
  auto& all = got.value();
  const std::string prefix = last_event_id + "\n";
  auto at = std::find_if(all.begin(), all.end(), [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  if (at == all.end()) {
    f->sub.reset();
    co_return false;
  }
  bool done;
  {
    std::lock_guard lock(f->mu);
    f->replaying = false;
    for (auto it = std::next(at); it != all.end(); ++it) f->deliver_locked(*it);
    for (auto& m : f->buffered) f->deliver_locked(m);
    f->buffered.clear();
    if (is_standalone_alias(stream)) f->done = true;  // taken over below, not followed
    done = f->done;
  }
  if (done) {
    f->sub.reset();
    if (is_standalone_alias(stream) && !sink->closed() &&
        s->attach_standalone(sink) == Session::Attach::conflict)
      sink->close();
    co_return true;
  }
  {
    std::lock_guard lock(mu_);
    followers_.insert(f);
  }
  // (The follower holds the sink: the hook holds the follower weakly, or neither would go.)
  sink->on_abandon([weak, wf = std::weak_ptr<Follower>(f)] {
    auto self = weak.lock();
    if (auto f = wf.lock(); self && f) self->release_later(std::move(f));
  });
  co_return true;
}

}  // namespace mcp::http
