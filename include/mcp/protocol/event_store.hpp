#pragma once
// EventStore: the SSE events of each session, kept so that a client whose connection dropped
// can resume with Last-Event-ID. An interface, so that a shared store (Redis) can replace the
// in-memory one when several replicas serve one endpoint.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::protocol {

struct StoredEvent {
  std::string id;
  std::string data;  // a serialised JSON-RPC message; empty for a priming event
};

struct Replay {
  std::uint64_t stream = 0;
  std::vector<StoredEvent> events;  // those after the given id, oldest first
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Stores an event of `stream` in `session` and returns its id, unique within the session.
  virtual std::string append(std::string_view session, std::uint64_t stream, std::string data) = 0;
  // The events after `last_event_id` on the stream that id belongs to; nullopt when the id is
  // unknown (never issued, or no longer retained).
  virtual std::optional<Replay> replay_after(std::string_view session, std::string_view last_event_id) = 0;
  virtual void drop_session(std::string_view session) = 0;
};

// The in-memory store's bounds. Bytes are an event's data plus a fixed per-event overhead
// (kEventOverheadBytes), so that empty priming events count too. Over a bound the oldest events
// go first (of the session, or of all sessions for the total); an id whose successors were
// dropped is no longer retained (replay_after gives nullopt).
struct EventStoreLimits {
  static constexpr std::size_t kEventOverheadBytes = 64;
  std::size_t events_per_session = 512;
  std::size_t bytes_per_session = 4 << 20;
  std::size_t bytes_total = 256 << 20;
};
std::unique_ptr<EventStore> make_memory_event_store(EventStoreLimits limits = {});
// Keeps the newest `max_events_per_session` events of each session (byte budgets as default).
std::unique_ptr<EventStore> make_memory_event_store(std::size_t max_events_per_session);

// Event ids are "<stream>-<sequence>": they name their stream, as the spec recommends.
std::string make_event_id(std::uint64_t stream, std::uint64_t seq);
bool parse_event_id(std::string_view id, std::uint64_t& stream, std::uint64_t& seq);

}  // namespace mcp::protocol
