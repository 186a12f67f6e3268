#include "protocol/event_store.hpp"

#include <charconv>
#include <deque>
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

class MemoryEventStore final : public EventStore {
 public:
  explicit MemoryEventStore(std::size_t max) : max_(max ? max : 1) {}

  std::string append(std::string_view session, std::uint64_t stream, std::string data) override {
    std::lock_guard lock(mu_);
    auto& log = logs_[std::string(session)];
    std::uint64_t seq = ++log.next_seq;
    log.events.push_back(Entry{stream, seq, std::move(data)});
    if (log.events.size() > max_) log.events.pop_front();
    return make_event_id(stream, seq);
  }

  std::optional<Replay> replay_after(std::string_view session, std::string_view last_event_id) override {
    std::uint64_t stream = 0, seq = 0;
    if (!parse_event_id(last_event_id, stream, seq) || seq == 0) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = logs_.find(std::string(session));
    if (it == logs_.end() || seq > it->second.next_seq) return std::nullopt;
    auto& events = it->second.events;
    // The id must still be retained (or be the newest), else events may have been lost.
    if (events.empty() || seq + 1 < events.front().seq) return std::nullopt;
    Replay r{stream, {}};
    for (auto& e : events) {
      // An id naming another stream than the one its event went to was never issued.
      if (e.seq == seq && e.stream != stream) return std::nullopt;
      if (e.stream == stream && e.seq > seq) r.events.push_back({make_event_id(stream, e.seq), e.data});
    }
    return r;
  }

  void drop_session(std::string_view session) override {
    std::lock_guard lock(mu_);
    logs_.erase(std::string(session));
  }

 private:
  struct Entry {
    std::uint64_t stream;
    std::uint64_t seq;
    std::string data;
  };
  struct Log {
    std::uint64_t next_seq = 0;
    std::deque<Entry> events;
  };
  std::size_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, Log> logs_;
};

}  // namespace

std::unique_ptr<EventStore> make_memory_event_store(std::size_t max) {
  return std::make_unique<MemoryEventStore>(max);
}

}  // namespace mcp::protocol
