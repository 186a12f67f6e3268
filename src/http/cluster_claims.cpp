// The standalone GET stream of a session is one across the replicas, as on one machine (a
// second one is refused with 409): the replica holding it keeps a claim in shared state,
// renewed while the stream lives and released when it ends. A claim names its replica, and
// every replica keeps a short-lived "alive" key: the claim of a replica that crashed is taken
// over as soon as its alive key lapses (kAliveTtl), not only when the claim itself does.
#include "http/cluster_link.hpp"

#include <mcp/core/encoding.hpp>

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

namespace mcp::http {
namespace {

constexpr auto kClaimTtl = std::chrono::milliseconds(30000);
constexpr auto kClaimRenew = std::chrono::milliseconds(10000);
constexpr auto kAliveTtl = std::chrono::milliseconds(3000);
constexpr auto kBeat = std::chrono::milliseconds(1000);

std::string claim_key(std::string_view session) { return "standalone:" + std::string(session); }
std::string alive_key(std::string_view replica) { return "alive:" + std::string(replica); }
// A claim's value: "<replica>:<random>".
std::string holder_of(const std::string& claim) { return claim.substr(0, claim.rfind(':')); }

}  // namespace

Task<Result<std::optional<std::string>>> ClusterLink::claim_standalone(std::string session, bool take_over) {
  std::string value = options_.replica_id + ":" + random_token(9);
  const std::string key = claim_key(session);
  // Alive before the claim is seen (the heartbeat may not have run yet on a replica just started).
  auto alive = co_await shared_->set(alive_key(options_.replica_id), "1", kAliveTtl);
  if (!alive) co_return alive.error();
  Result<bool> r = false;
  if (take_over) r = co_await shared_->set(key, value, kClaimTtl);  // (no co_await in a ?: — GCC miscompiles it)
  else r = co_await shared_->set_if_absent(key, value, kClaimTtl);
  if (!r) co_return r.error();
  if (r.value()) co_return std::optional<std::string>(std::move(value));
  // Held: by a replica that is still alive?
  auto held = co_await shared_->get(key);
  if (!held) co_return held.error();
  if (held.value() && holder_of(*held.value()) == options_.replica_id) co_return std::optional<std::string>("");
  if (held.value()) {
    auto beat = co_await shared_->get(alive_key(holder_of(*held.value())));
    if (!beat) co_return beat.error();
    if (beat.value()) co_return std::optional<std::string>();
  }
  spdlog::info("cluster: GET stream of a session taken over from a replica that is gone");
  r = co_await shared_->set(key, value, kClaimTtl);
  if (!r) co_return r.error();
  co_return std::optional<std::string>(std::move(value));
}

Task<void> ClusterLink::heartbeat(std::weak_ptr<ClusterLink> weak, std::shared_ptr<cluster::SharedState> shared,
                                  std::string replica, std::shared_ptr<Notifier> stop) {
  const std::string key = alive_key(replica);
  for (;;) {
    if (auto self = weak.lock(); !self || self->stopped_) break;
    auto r = co_await shared->set(key, "1", kAliveTtl);
    if (!r) spdlog::debug("cluster: heartbeat not written: {}", r.error().message);
    co_await stop->wait(kBeat);
  }
  co_await shared->del(key);  // stopped: its claims may be taken over at once
}

void ClusterLink::keep_standalone(const std::string& session, std::string claim,
                                  std::shared_ptr<protocol::SseSink> sink) {
  auto gone = std::make_shared<Notifier>();
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    keepers_.insert(gone);
  }
  sink->on_abandon([gone] { gone->notify(); });  // the client left: released at once
  spawn(keep_claim(shared_from_this(), claim_key(session), std::move(claim), std::move(sink), gone));
}

void ClusterLink::drop_standalone(const std::string& session, std::string claim) {
  spawn([](std::shared_ptr<ClusterLink> self, std::string key, std::string claim) -> Task<void> {
    co_await self->shared_->release(std::move(key), std::move(claim));
  }(shared_from_this(), claim_key(session), std::move(claim)));
}

Task<void> ClusterLink::keep_claim(std::shared_ptr<ClusterLink> self, std::string key, std::string claim,
                                   std::shared_ptr<protocol::SseSink> sink, std::shared_ptr<Notifier> gone) {
  while (!self->stopped_) {
    co_await gone->wait(kClaimRenew);
    if (sink->closed() || self->stopped_) break;
    auto r = co_await self->shared_->renew(key, claim, kClaimTtl);
    if (!r) spdlog::warn("cluster: GET stream claim not renewed: {}", r.error().message);
    else if (!r.value()) break;  // a resumption on another replica took the stream over
  }
  {
    std::lock_guard lock(self->mu_);
    self->keepers_.erase(gone);
  }
  co_await self->shared_->release(std::move(key), std::move(claim));  // (not ours any more: no-op)
}

}  // namespace mcp::http
