#pragma once
// Session: one client's state on the session-based wire (2025-03-26 … 2025-11-25): what was
// negotiated, its SSE streams and their events, the requests it has in flight, the requests
// we have sent it, and its subscriptions. Thread-safe: connections on any thread share it.
#include <mcp/core/json.hpp>
#include <mcp/core/notifier.hpp>
#include <mcp/core/principal.hpp>
#include <mcp/core/result.hpp>
#include <mcp/server/types.hpp>

#include <mcp/protocol/event_store.hpp>
#include <mcp/protocol/sse_sink.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace mcp::protocol {

// An inbound request being served: cancellation and the answers to our own requests wake it.
struct Inflight {
  std::atomic<bool> cancelled{false};
  Notifier wake;
};

// Where a session's SSE events are copied for other replicas (several replicas sharing state):
// called under the session's lock, in the order of the stream's events.
class StreamMirror {
 public:
  virtual ~StreamMirror() = default;
  // An event of `stream` (its id on the wire) with the id the client sees.
  virtual void event(const std::string& session, std::uint64_t stream, const std::string& event_id,
                     const std::string& data) = 0;
  // The stream ended (its last response went out).
  virtual void ended(const std::string& session, std::uint64_t stream) = 0;
};

// A server-to-client request waiting for the client's answer.
struct PendingReply {
  std::shared_ptr<Inflight> owner;
  std::optional<Result<json::object>> answer;  // set under the session lock
};

class Session {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint64_t kStandaloneStream = 0;

  Session(std::string id, EventStore& events, int retry_ms);
  ~Session();

  const std::string& id() const { return id_; }

  // Negotiated at initialize, immutable afterwards.
  void set_negotiated(std::string version, json::object client_caps, json::object client_info);
  const std::string& version() const { return version_; }
  // The principal that opened the session; only it may use the session.
  void set_principal(Principal p) { principal_ = std::move(p); }
  const Principal& principal() const { return principal_; }
  // The key its principal's share of sessions is counted under (set by SessionManager).
  void set_owner(std::string key) { owner_ = std::move(key); }
  const std::string& owner() const { return owner_; }
  const json::object& client_capabilities() const { return client_caps_; }
  bool priming_events() const { return version_ >= "2025-11-25"; }

  std::atomic<bool> initialized{false};
  std::atomic<int> log_level{static_cast<int>(LogLevel::debug)};
  // The client's changes to what a session record holds (initialized, level, subscriptions):
  // these also tell the change hook.
  void mark_initialized();
  void set_log_level(int level);
  // Called after each change above (several replicas: the record is written back).
  void set_on_change(std::function<void(Session&)> hook) { on_change_ = std::move(hook); }
  const json::object& client_info() const { return client_info_; }

  // --- several replicas (unset: one process, ids as before) ---
  // Stream ids from `stream_base` on and outbound request ids from `outbound_base` on, so that
  // replicas serving one session never issue the same; the standalone stream's events carry
  // `standalone_alias` as their stream (each replica's standalone stream has its own).
  void set_replica_ids(std::uint64_t stream_base, std::uint64_t standalone_alias, std::int64_t outbound_base);
  void set_mirror(std::shared_ptr<StreamMirror> mirror) { mirror_ = std::move(mirror); }
  std::uint64_t standalone_alias() const { return standalone_alias_; }
  // Whether this replica holds the standalone stream (a GET is or was attached here).
  bool holds_standalone() const;
  // Another replica took `stream` (its wire id) over: the connection here ends; true if held.
  bool release(std::uint64_t wire_stream);
  // Whether the stream with this wire id is held here (open, or the standalone one attached).
  bool holds_stream(std::uint64_t wire_stream) const;
  // When this replica last wrote the shared record (its expiry is refreshed every few seconds).
  std::atomic<Clock::rep> record_written{0};
  bool has_inflight(const std::string& id_key) const;
  bool has_outbound(const std::string& id_key) const;
  std::set<std::string> subscriptions() const;
  void set_subscriptions(std::set<std::string> uris);

  void touch() { last_active_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
  Clock::time_point last_active() const { return Clock::time_point(Clock::duration(last_active_.load())); }
  // No open streams and nothing in flight: it may be expired.
  bool idle() const;

  // --- streams ---
  // Opens the SSE stream of a POST that carries `outstanding` requests.
  std::shared_ptr<SseSink> open_stream(std::uint64_t& stream_id, int outstanding);
  // Sends a message on a stream (stored for resumption). A response counts down the stream's
  // outstanding requests; the stream ends after the last one.
  void emit(std::uint64_t stream, const std::string& message, bool is_response);
  // A request of the stream ended without a response (it was cancelled).
  void finish_without_response(std::uint64_t stream);
  // Ends the connection carrying `stream` but not the stream (SEP-1699 polling).
  void detach(std::uint64_t stream);
  // Graceful drain: ends the standalone stream's connection with an event id (kept for
  // resumption, shared with other replicas) and a retry: hint, so that the client resumes it
  // elsewhere with Last-Event-ID. The session itself stays.
  void hand_off_standalone();
  enum class Attach { ok, conflict, unknown_event };
  // The standalone GET stream (one per session: a second one is a conflict).
  Attach attach_standalone(std::shared_ptr<SseSink> sink);
  // GET with Last-Event-ID: replays what followed on that stream, then continues it live.
  Attach resume(std::string_view last_event_id, std::shared_ptr<SseSink> sink);
  // Ends every stream and cancels every request (DELETE, expiry, shutdown).
  void close();

  // --- inbound requests ---
  std::shared_ptr<Inflight> begin_request(const std::string& id_key);
  void end_request(const std::string& id_key);
  void cancel_request(const std::string& id_key);

  // --- outbound requests ---
  json::value register_outbound(std::shared_ptr<PendingReply> pending);
  bool resolve_outbound(const std::string& id_key, Result<json::object> answer);
  void forget_outbound(const json::value& id);
  std::optional<Result<json::object>> take_answer(const PendingReply& p);

  // --- subscriptions ---
  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri) const;

 private:
  struct Stream {
    std::shared_ptr<SseSink> sink;  // the connection writing it now, if any
    int outstanding = 0;            // requests still to be answered (0 for standalone)
  };
  void emit_locked(std::uint64_t stream, const std::string& message);
  std::uint64_t wire(std::uint64_t stream) const { return stream == kStandaloneStream ? standalone_alias_ : stream; }
  void changed() {
    if (on_change_) on_change_(*this);
  }
  void count_down_locked(std::uint64_t stream);

  const std::string id_;
  EventStore& events_;
  const int retry_ms_;
  std::string version_;
  Principal principal_;
  std::string owner_;
  json::object client_caps_;
  json::object client_info_;
  std::atomic<Clock::rep> last_active_;

  mutable std::mutex mu_;
  std::uint64_t next_stream_ = 1;
  std::int64_t next_outbound_ = 1;
  bool closed_ = false;
  std::unordered_map<std::uint64_t, Stream> streams_;
  std::unordered_map<std::string, std::shared_ptr<Inflight>> inflight_;
  std::unordered_map<std::string, std::shared_ptr<PendingReply>> outbound_;
  std::set<std::string> subscriptions_;
  std::uint64_t standalone_alias_ = kStandaloneStream;
  std::shared_ptr<StreamMirror> mirror_;
  std::function<void(Session&)> on_change_;
};

}  // namespace mcp::protocol
