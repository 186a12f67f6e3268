#pragma once
// ClusterLink: one replica's side of what the replicas of an endpoint share (cluster::
// SharedState; docs/adr/0007-replicas.md). Any replica serves any request of a session: the
// session's record (negotiated version, client capabilities, principal binding, level,
// subscriptions) lives in shared state and is loaded where a request lands; SSE events are
// copied to a capped shared log per stream so that Last-Event-ID resumes anywhere; only
// wake-ups (the client's answers to our requests, cancellations), broadcasts and stream
// take-overs travel between replicas — never whole requests.
#include <mcp/cluster/shared_state.hpp>
#include <mcp/jsonrpc/jsonrpc.hpp>
#include <mcp/protocol/session_manager.hpp>

#include "http/message.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <variant>

namespace mcp::http {

struct ClusterLinkOptions {
  std::string replica_id;  // empty: random
  std::chrono::seconds idle_timeout{1800};  // the session record's and event logs' expiry
  std::size_t events_per_stream = 512;      // kept per stream for resumption
};

class ClusterLink final : public protocol::StreamMirror, public std::enable_shared_from_this<ClusterLink> {
 public:
  // A local copy not yet initialized may be older than the record (`initialized` reached
  // another replica and its notice is still on the way): read the record again.
  static Task<void> refresh(std::shared_ptr<ClusterLink> self, std::string id) {
    return reload(std::move(self), std::move(id));
  }
  // A broadcast from another replica, to deliver to this one's sessions.
  using Deliver = std::function<void(const std::string& method, const json::object& params, const std::string& uri)>;

  ClusterLink(std::shared_ptr<cluster::SharedState> shared, ClusterLinkOptions options,
              protocol::SessionManager& sessions);
  ~ClusterLink() override;
  // Subscribes to the replicas' channel. stop() before the SessionManager goes: no handler
  // runs once it has returned.
  void start(Deliver deliver);
  void stop();
  // After stop(): lets the link's thread finish what it has (bounded by the shared state's
  // timeouts) and joins it. Sessions may keep the link itself a while longer.
  void join();

  const std::string& replica_id() const { return options_.replica_id; }
  cluster::SharedState& shared() { return *shared_; }

  // --- session records ---
  // A session made here (initialize or adopt): replica-unique stream and request ids, its
  // events mirrored, its changes marked for writing back.
  void prepare(protocol::Session& s);
  Task<Result<bool>> save(std::shared_ptr<protocol::Session> s);
  // A session unknown here, loaded from its record: the local session, nullptr when there is
  // no such record (or another principal's), or the 503 to answer when shared state fails.
  using Adopted = std::variant<std::shared_ptr<protocol::Session>, Response>;
  Task<Adopted> adopt(std::string id, Principal who);
  // Activity: the record's expiry is pushed back, at most every few seconds.
  void touched(const std::shared_ptr<protocol::Session>& s);
  // Writes the record back if the client changed it since (awaited before answering).
  Task<Result<bool>> flush(std::shared_ptr<protocol::Session> s);
  // DELETE: the record goes and every replica drops its copy.
  Task<Result<bool>> removed(std::string id);

  // --- wake-ups and broadcasts ---
  void forward_answer(const std::string& session, const jsonrpc::Message& m);
  void forward_cancel(const std::string& session, const json::value& request_id);
  void broadcast(const std::string& method, const json::object& params, const std::string& uri);

  // --- Last-Event-ID of a stream not held here: replays from the shared log, then follows
  // the replica writing it (or, for a standalone stream, takes it over). false: the id is
  // unknown.
  Task<Result<bool>> follow(std::shared_ptr<protocol::Session> s, std::string last_event_id,
                            std::shared_ptr<protocol::SseSink> sink);

  // --- the standalone GET stream, one per session across replicas: a claim in shared state,
  // renewed while the stream lives, released when it ends (cluster_claims.cpp) ---
  // The claim's value; nullopt when a stream on another replica (alive) holds it; "" when one
  // here does (the local stream decides). `take_over`: a resumption (Last-Event-ID), which
  // replaces the stream wherever it was, and so its claim.
  Task<Result<std::optional<std::string>>> claim_standalone(std::string session, bool take_over);
  // Renews `claim` while `sink` is open, then releases it.
  void keep_standalone(const std::string& session, std::string claim, std::shared_ptr<protocol::SseSink> sink);
  void drop_standalone(const std::string& session, std::string claim);

  // StreamMirror
  void event(const std::string& session, std::uint64_t stream, const std::string& event_id,
             const std::string& data) override;
  void ended(const std::string& session, std::uint64_t stream) override;

  static bool is_standalone_alias(std::uint64_t wire_stream);
  static Response unavailable(const Error& e);

 private:
  struct Op {
    std::string key;       // the stream's log
    std::string entry;     // appended to the log (empty: nothing)
    bool publish = false;  // also published on the stream's channel
  };
  struct Follower;

  void on_control(const std::string& message);
  void enqueue(Op op);
  static Task<void> drain(std::shared_ptr<ClusterLink> self);
  static Task<void> run_ops(std::shared_ptr<ClusterLink> self, std::vector<Op> ops);
  static Task<void> reload(std::shared_ptr<ClusterLink> self, std::string id);
  void changed(protocol::Session& s);
  void spawn(Task<void> t);
  std::string record_of(protocol::Session& s) const;
  std::uint64_t random_u64(std::uint64_t lo, std::uint64_t hi);
  void release_later(std::shared_ptr<Follower> f);
  // Says "this replica is alive" (a key that lapses soon after a crash) until stop().
  static Task<void> heartbeat(std::weak_ptr<ClusterLink> weak, std::shared_ptr<cluster::SharedState> shared,
                              std::string replica, std::shared_ptr<Notifier> stop);
  static Task<void> keep_claim(std::shared_ptr<ClusterLink> self, std::string key, std::string claim,
                               std::shared_ptr<protocol::SseSink> sink, std::shared_ptr<Notifier> gone);

  std::shared_ptr<cluster::SharedState> shared_;
  ClusterLinkOptions options_;
  protocol::SessionManager& sessions_;
  Deliver deliver_;

  std::mutex alive_mu_;  // held while a handler runs; stop() takes it to end them
  std::atomic<bool> stopped_{false};
  std::unique_ptr<cluster::Subscription> control_;

  std::mutex mu_;
  // Appends and publishes in event order (so per stream), drained by one coroutine in
  // batches: one wake-up of the link's thread per batch, not per event. Bounded: over kMaxQueued (a
  // backend far behind) events are not shared, and say so in the log.
  static constexpr std::size_t kMaxQueued = 10000;
  std::deque<Op> queue_;
  bool draining_ = false;
  std::uint64_t dropped_ = 0;
  std::set<std::string> followed_;                 // event log keys read on another replica
  std::set<std::string> dirty_;                    // sessions whose record changed
  std::set<std::shared_ptr<Follower>> followers_;
  std::set<std::shared_ptr<Notifier>> keepers_;  // of the claims kept here (woken by stop())
  std::shared_ptr<Notifier> beat_ = std::make_shared<Notifier>();
  std::uint64_t rng_state_;

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace mcp::http
