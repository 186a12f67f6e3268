#include <mcp/protocol/session.hpp>

#include <mcp/core/metrics.hpp>
#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::protocol {

Session::Session(std::string id, EventStore& events, int retry_ms)
    : id_(std::move(id)), events_(events), retry_ms_(retry_ms) {
  touch();
}

Session::~Session() { events_.drop_session(id_); }

void Session::set_negotiated(std::string version, json::object caps, json::object info) {
  version_ = std::move(version);
  client_caps_ = std::move(caps);
  client_info_ = std::move(info);
}

void Session::mark_initialized() {
  initialized = true;
  changed();
}

void Session::set_log_level(int level) {
  log_level = level;
  changed();
}

void Session::set_replica_ids(std::uint64_t stream_base, std::uint64_t standalone_alias, std::int64_t outbound_base) {
  std::lock_guard lock(mu_);
  next_stream_ = stream_base;
  standalone_alias_ = standalone_alias;
  next_outbound_ = outbound_base;
}

bool Session::holds_standalone() const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(kStandaloneStream);
  return it != streams_.end() && it->second.sink;
}

bool Session::release(std::uint64_t wire_stream) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(wire_stream == standalone_alias_ ? kStandaloneStream : wire_stream);
  if (it == streams_.end()) return false;
  if (it->second.sink) it->second.sink->close();
  it->second.sink.reset();
  if (it->first == kStandaloneStream) streams_.erase(it);  // the taker delivers from now on
  return true;
}

bool Session::holds_stream(std::uint64_t wire_stream) const {
  std::lock_guard lock(mu_);
  return streams_.count(wire_stream == standalone_alias_ ? kStandaloneStream : wire_stream) > 0;
}

bool Session::has_inflight(const std::string& id_key) const {
  std::lock_guard lock(mu_);
  return inflight_.count(id_key) > 0;
}

bool Session::has_outbound(const std::string& id_key) const {
  std::lock_guard lock(mu_);
  return outbound_.count(id_key) > 0;
}

std::set<std::string> Session::subscriptions() const {
  std::lock_guard lock(mu_);
  return subscriptions_;
}

void Session::set_subscriptions(std::set<std::string> uris) {
  std::lock_guard lock(mu_);
  subscriptions_ = std::move(uris);
}

bool Session::idle() const {
  std::lock_guard lock(mu_);
  if (!inflight_.empty()) return false;
  for (auto& [id, s] : streams_)
    if (s.sink && !s.sink->closed()) return false;
  return true;
}

std::shared_ptr<SseSink> Session::open_stream(std::uint64_t& stream_id, int outstanding) {
  auto sink = std::make_shared<SseSink>();
  std::lock_guard lock(mu_);
  stream_id = next_stream_++;
  if (closed_) {
    sink->close();
    return sink;
  }
  streams_[stream_id] = Stream{sink, outstanding};
  Metrics::add(Metrics::global().sse_streams);
  if (priming_events()) {  // SEP-1699: an id first, so the client can resume from the start
    auto eid = events_.append(id_, stream_id, "");
    if (mirror_) mirror_->event(id_, stream_id, eid, "");
    sink->push(sse_event(eid, "", retry_ms_));
  }
  return sink;
}

void Session::emit_locked(std::uint64_t stream, const std::string& message) {
  auto eid = events_.append(id_, wire(stream), message);
  auto it = streams_.find(stream);
  // Another replica may resume a stream held here (the standalone one only while held here).
  if (mirror_ && (stream != kStandaloneStream || it != streams_.end())) mirror_->event(id_, wire(stream), eid, message);
  if (it != streams_.end() && it->second.sink) it->second.sink->push(sse_event(eid, message));
}

void Session::count_down_locked(std::uint64_t stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  if (--it->second.outstanding <= 0) {
    if (mirror_) mirror_->ended(id_, stream);
    if (it->second.sink) it->second.sink->close();
    streams_.erase(it);
  }
}

void Session::emit(std::uint64_t stream, const std::string& message, bool is_response) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  emit_locked(stream, message);
  if (is_response) count_down_locked(stream);
}

void Session::finish_without_response(std::uint64_t stream) {
  std::lock_guard lock(mu_);
  count_down_locked(stream);
}

void Session::detach(std::uint64_t stream) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream);
  if (it == streams_.end() || !it->second.sink) return;
  it->second.sink->push("retry: " + std::to_string(retry_ms_) + "\n\n");
  it->second.sink->close();
  it->second.sink.reset();
}

void Session::hand_off_standalone() {
  std::lock_guard lock(mu_);
  auto it = streams_.find(kStandaloneStream);
  if (it == streams_.end() || !it->second.sink) return;
  auto eid = events_.append(id_, wire(kStandaloneStream), "");
  if (mirror_) mirror_->event(id_, wire(kStandaloneStream), eid, "");
  it->second.sink->push(sse_event(eid, "", retry_ms_));
  it->second.sink->close();
  it->second.sink.reset();
}

Session::Attach Session::attach_standalone(std::shared_ptr<SseSink> sink) {
  std::lock_guard lock(mu_);
  if (closed_) {
    sink->close();
    return Attach::ok;
  }
  auto& s = streams_[kStandaloneStream];
  if (s.sink && !s.sink->closed()) return Attach::conflict;
  s.sink = sink;
  if (priming_events()) {
    auto eid = events_.append(id_, wire(kStandaloneStream), "");
    if (mirror_) mirror_->event(id_, wire(kStandaloneStream), eid, "");
    sink->push(sse_event(eid, "", retry_ms_));
  }
  return Attach::ok;
}

Session::Attach Session::resume(std::string_view last_event_id, std::shared_ptr<SseSink> sink) {
  std::lock_guard lock(mu_);
  auto replay = events_.replay_after(id_, last_event_id);
  if (!replay) return Attach::unknown_event;
  Metrics::add(Metrics::global().sse_resumptions);
  for (auto& e : replay->events) sink->push(sse_event(e.id, e.data));
  if (replay->stream == standalone_alias_) replay->stream = kStandaloneStream;
  auto it = streams_.find(replay->stream);
  bool live = !closed_ && (it != streams_.end() || replay->stream == kStandaloneStream);
  if (!live) {
    sink->close();  // the stream already ended: everything it had is now delivered
    return Attach::ok;
  }
  auto& s = streams_[replay->stream];
  if (s.sink) s.sink->close();  // the new connection takes the stream over
  s.sink = std::move(sink);
  return Attach::ok;
}

void Session::close() {
  std::unordered_map<std::string, std::shared_ptr<Inflight>> inflight;
  std::unordered_map<std::string, std::shared_ptr<PendingReply>> outbound;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, s] : streams_)
      if (s.sink) s.sink->close();
    streams_.clear();
    inflight.swap(inflight_);
    outbound.swap(outbound_);
  }
  for (auto& [k, f] : inflight) {
    f->cancelled = true;
    f->wake.notify();
  }
}

std::shared_ptr<Inflight> Session::begin_request(const std::string& id_key) {
  auto f = std::make_shared<Inflight>();
  std::lock_guard lock(mu_);
  if (closed_) f->cancelled = true;
  inflight_[id_key] = f;
  return f;
}

void Session::end_request(const std::string& id_key) {
  std::lock_guard lock(mu_);
  inflight_.erase(id_key);
}

void Session::cancel_request(const std::string& id_key) {
  std::shared_ptr<Inflight> f;
  {
    std::lock_guard lock(mu_);
    auto it = inflight_.find(id_key);
    if (it == inflight_.end()) return;  // finished already, or unknown: ignored (spec)
    f = it->second;
  }
  f->cancelled = true;
  f->wake.notify();
}

json::value Session::register_outbound(std::shared_ptr<PendingReply> pending) {
  std::lock_guard lock(mu_);
  json::value id = next_outbound_++;
  outbound_[jsonrpc::id_key(id)] = std::move(pending);
  return id;
}

bool Session::resolve_outbound(const std::string& id_key, Result<json::object> answer) {
  std::shared_ptr<PendingReply> p;
  {
    std::lock_guard lock(mu_);
    auto it = outbound_.find(id_key);
    if (it == outbound_.end()) return false;
    p = std::move(it->second);
    outbound_.erase(it);
    p->answer = std::move(answer);
  }
  p->owner->wake.notify();
  return true;
}

void Session::forget_outbound(const json::value& id) {
  std::lock_guard lock(mu_);
  outbound_.erase(jsonrpc::id_key(id));
}

std::optional<Result<json::object>> Session::take_answer(const PendingReply& p) {
  std::lock_guard lock(mu_);
  return p.answer;
}

void Session::subscribe(const std::string& uri) {
  {
    std::lock_guard lock(mu_);
    if (!subscriptions_.insert(uri).second) return;
  }
  changed();
}
void Session::unsubscribe(const std::string& uri) {
  {
    std::lock_guard lock(mu_);
    if (!subscriptions_.erase(uri)) return;
  }
  changed();
}
bool Session::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.count(uri) > 0;
}

}  // namespace mcp::protocol
