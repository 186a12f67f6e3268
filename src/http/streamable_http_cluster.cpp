// The MCP endpoint when several replicas share state (HttpOptions::shared): the same rules as
// streamable_http.cpp, with the session loaded from its shared record first when it is not
// here, and its record written back before the answer. The embedded path never comes here.
#include "http/streamable_http.hpp"

#include <mcp/protocol/version.hpp>

#include <spdlog/spdlog.h>

namespace mcp::http {
namespace {
constexpr std::string_view kSessionHeader = "mcp-session-id";
}  // namespace

Task<std::optional<Response>> StreamableHttp::adopt(std::string id, Principal who) {
  auto got = co_await link_->adopt(std::move(id), std::move(who));
  if (auto* r = std::get_if<Response>(&got)) co_return std::move(*r);
  co_return std::nullopt;  // here now, or no record: the usual lookup answers
}

Task<Response> StreamableHttp::post_clustered(Request req, Principal who) {
  std::string id(req.header(kSessionHeader));
  if (!id.empty() && !sessions_.find(id))
    if (auto err = co_await adopt(id, who)) co_return std::move(*err);
  if (!id.empty())
    if (auto s = sessions_.find(id); s && !s->initialized) co_await ClusterLink::refresh(link_, id);
  Incoming in;
  if (auto done = prepare_post(req, who, in)) {
    std::string made(id.empty() && done->status == 200 ? done->header("Mcp-Session-Id") : "");
    if (!made.empty()) {
      // initialize: the record exists before the client can send anything to another replica.
      Result<bool> saved = true;
      if (auto session = sessions_.find(made)) saved = co_await link_->save(std::move(session));
      if (!saved) {
        sessions_.remove(made);
        co_return ClusterLink::unavailable(saved.error());
      }
    } else if (auto session = id.empty() ? nullptr : sessions_.find(id)) {
      // notifications (initialized) and answers: written back before the 202
      auto flushed = co_await link_->flush(session);
      if (!flushed) co_return ClusterLink::unavailable(flushed.error());
    }
    co_return std::move(*done);
  }
  if (in.body) co_return co_await post_stateless(std::move(req), std::move(*in.body), std::move(who));
  auto session = in.session;
  auto r = co_await run_requests(std::move(in.session), std::move(in.messages), in.batch, in.requests);
  // logging/setLevel, resources/subscribe: the answer is already made; a failed write shows in
  // the log and the next request on this replica writes again.
  auto flushed = co_await link_->flush(std::move(session));
  if (!flushed) spdlog::warn("cluster: session record not written back: {}", flushed.error().message);
  co_return r;
}

Task<Response> StreamableHttp::not_post_clustered(Request req, Principal who) {
  std::string id(req.header(kSessionHeader));
  if (!id.empty() && !sessions_.find(id) && (req.method == "GET" || req.method == "DELETE"))
    if (auto err = co_await adopt(id, who)) co_return std::move(*err);
  auto last = req.header("last-event-id");
  if (req.method == "GET" && !last.empty() && options_.legacy_sessions) {
    std::uint64_t stream = 0, seq = 0;
    auto v = req.header("mcp-protocol-version");
    auto s = sessions_.find(id);
    if (s && protocol::parse_event_id(last, stream, seq) && !s->holds_stream(stream) &&
        (v.empty() || protocol::is_supported_version(v)))
      co_return co_await resume_elsewhere(std::move(req), std::move(who));
  }
  if (req.method == "GET" && options_.legacy_sessions && sessions_.find(id))
    co_return co_await get_clustered(std::move(req), std::move(who));
  Response r = not_post(req, who);
  if (req.method == "DELETE" && r.status == 200) {
    auto gone = co_await link_->removed(std::move(id));
    if (!gone) co_return ClusterLink::unavailable(gone.error());
  }
  co_return r;
}

// A stream written on another replica (or one that ended here): replayed from the shared log,
// then followed.
Task<Response> StreamableHttp::resume_elsewhere(Request req, Principal who) {
  if (req.header("accept").find("text/event-stream") == std::string_view::npos &&
      req.header("accept").find("*/*") == std::string_view::npos)
    co_return rpc_error(406, errc::kConnectionClosed, "Not Acceptable: Accept must list text/event-stream");
  Response err;
  auto session = session_for(req, who, err);
  if (!session) co_return err;
  auto sink = std::make_shared<protocol::SseSink>();
  auto found = co_await link_->follow(session, std::string(req.header("last-event-id")), sink);
  if (!found) co_return ClusterLink::unavailable(found.error());
  if (!found.value()) co_return rpc_error(400, errc::kConnectionClosed, "Bad Request: unknown or expired Last-Event-ID");
  std::uint64_t stream = 0, seq = 0;
  if (protocol::parse_event_id(req.header("last-event-id"), stream, seq) && ClusterLink::is_standalone_alias(stream))
    co_await keep_claim(session->id(), sink);
  co_return sse_response(std::move(sink), session->id());
}

// A session's GET stream here: a new standalone stream needs the session's claim first (409
// when another replica's stream holds it); a resumed one takes the claim over once attached.
Task<Response> StreamableHttp::get_clustered(Request req, Principal who) {
  std::string id(req.header(kSessionHeader));
  auto last = req.header("last-event-id");
  std::uint64_t stream = 0, seq = 0;
  if (!last.empty()) {
    Response r = not_post(req, who);
    if (r.status == 200 && r.stream && protocol::parse_event_id(last, stream, seq) &&
        ClusterLink::is_standalone_alias(stream))
      co_await keep_claim(id, r.stream);
    co_return r;
  }
  Response err;
  if (!session_for(req, who, err)) co_return err;
  auto claim = co_await link_->claim_standalone(id, false);
  if (!claim) co_return ClusterLink::unavailable(claim.error());
  if (!claim.value()) co_return rpc_error(409, errc::kConnectionClosed, "Conflict: only one SSE stream is allowed per session");
  Response r = not_post(req, who);
  bool open = r.status == 200 && r.stream && !r.stream->closed();
  if (claim.value()->empty()) {  // held here: a stream that has ended since hands the claim on
    if (open) co_await keep_claim(id, r.stream);
  } else if (open) {
    link_->keep_standalone(id, std::move(*claim.value()), r.stream);
  } else {
    link_->drop_standalone(id, std::move(*claim.value()));
  }
  co_return r;
}

Task<void> StreamableHttp::keep_claim(std::string session, std::shared_ptr<protocol::SseSink> sink) {
  if (sink->closed()) co_return;
  auto claim = co_await link_->claim_standalone(session, true);
  if (!claim) spdlog::warn("cluster: GET stream of a session not claimed: {}", claim.error().message);
  else if (claim.value()) link_->keep_standalone(session, std::move(*claim.value()), std::move(sink));
}

}  // namespace mcp::http
