#include <mcp/protocol/event_store.hpp>

#include <mcp/core/metrics.hpp>

#include <charconv>
#include <deque>
#include <list>
#include <mutex>
#include <unordered_map>

namespace mcp::protocol {

std::string make_event_id(std::uint64_t stream, std::uint64_t seq) {
  return std::to_string(stream) + "-" + std::to_string(seq);
}

bool parse_event_id(std::string_view id, std::uint64_t& stream, std::uint64_t& seq) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return false;
  auto a = std::from_chars(id.data(), id.data() + dash, stream);
  auto b = std::from_chars(id.data() + dash + 1, id.data() + id.size(), seq);
  return a.ec == std::errc() && a.ptr == id.data() + dash && b.ec == std::errc() && b.ptr == id.data() + id.size();
}

namespace {

// Every retained event sits in one list in append order (the global age order the total budget
// evicts by); each session's log holds iterators to its own, oldest first. A session's oldest
// event is always older than its others, so evicting the list's front is evicting the front of
// that event's log.
class MemoryEventStore final : public EventStore {
 public:
  explicit MemoryEventStore(EventStoreLimits limits) : limits_(limits) {
    if (limits_.events_per_session == 0) limits_.events_per_session = 1;
  }
  ~MemoryEventStore() override { held_gauge_add(-static_cast<std::int64_t>(total_)); }

  std::string append(std::string_view session, std::uint64_t stream, std::string data) override {
    std::lock_guard lock(mu_);
    auto it = logs_.find(session);
    if (it == logs_.end()) it = logs_.emplace(std::string(session), Log{}).first;
    Log& log = it->second;
    std::uint64_t seq = ++log.next_seq;
    log.last_stream = stream;
    const std::size_t cost = data.size() + EventStoreLimits::kEventOverheadBytes;
    log.events.push_back(order_.insert(order_.end(), Entry{stream, seq, std::move(data), &log}));
    log.bytes += cost;
    total_ += cost;
    held_gauge_add(static_cast<std::int64_t>(cost));
    while (!log.events.empty() &&
           (log.events.size() > limits_.events_per_session || log.bytes > limits_.bytes_per_session))
      evict_front(log);
    while (total_ > limits_.bytes_total && !order_.empty()) evict_front(*order_.front().log);
    return make_event_id(stream, seq);
  }

  std::optional<Replay> replay_after(std::string_view session, std::string_view last_event_id) override {
    std::uint64_t stream = 0, seq = 0;
    if (!parse_event_id(last_event_id, stream, seq) || seq == 0) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = logs_.find(session);
    if (it == logs_.end() || seq > it->second.next_seq) return std::nullopt;
    const Log& log = it->second;
    // The newest id: nothing follows it, even if its event itself was dropped.
    if (seq == log.next_seq) {
      if (stream != log.last_stream) return std::nullopt;
      return Replay{stream, {}};
    }
    // The events after the id must all be retained, else the client would miss some.
    if (log.events.empty() || seq + 1 < log.events.front()->seq) return std::nullopt;
    Replay r{stream, {}};
    for (auto& e : log.events) {
      // An id naming another stream than the one its event went to was never issued.
      if (e->seq == seq && e->stream != stream) return std::nullopt;
      if (e->stream == stream && e->seq > seq) r.events.push_back({make_event_id(stream, e->seq), e->data});
    }
    return r;
  }

  void drop_session(std::string_view session) override {
    std::lock_guard lock(mu_);
    auto it = logs_.find(session);
    if (it == logs_.end()) return;
    held_gauge_add(-static_cast<std::int64_t>(it->second.bytes));
    total_ -= it->second.bytes;
    for (auto e : it->second.events) order_.erase(e);
    logs_.erase(it);
  }

 private:
  struct Log;
  struct Entry {
    std::uint64_t stream;
    std::uint64_t seq;
    std::string data;
    Log* log;  // stable: unordered_map never moves its elements
  };
  using Order = std::list<Entry>;
  struct Log {
    std::uint64_t next_seq = 0;
    std::uint64_t last_stream = 0;  // the stream of event next_seq
    std::size_t bytes = 0;
    std::deque<Order::iterator> events;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  static void held_gauge_add(std::int64_t n) {
    Metrics::global().replay_bytes_held.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
  }

  void evict_front(Log& log) {
    auto e = log.events.front();
    const std::size_t cost = e->data.size() + EventStoreLimits::kEventOverheadBytes;
    log.events.pop_front();
    log.bytes -= cost;
    total_ -= cost;
    order_.erase(e);
    held_gauge_add(-static_cast<std::int64_t>(cost));
    auto& m = Metrics::global();
    Metrics::add(m.replay_events_dropped);
    Metrics::add(m.replay_bytes_dropped, cost);
  }

  EventStoreLimits limits_;
  std::mutex mu_;
  Order order_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, Log, Hash, std::equal_to<>> logs_;
};

}  // namespace

std::unique_ptr<EventStore> make_memory_event_store(EventStoreLimits limits) {
  return std::make_unique<MemoryEventStore>(limits);
}

std::unique_ptr<EventStore> make_memory_event_store(std::size_t max) {
  EventStoreLimits limits;
  limits.events_per_session = max;
  return make_memory_event_store(limits);
}

}  // namespace mcp::protocol
