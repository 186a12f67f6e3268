#pragma once
// SubscriptionHub: the open subscriptions/listen streams of the stateless wire (2026-07-28)
// and what each asked for. Publishing never blocks: a listener whose stream is gone or too
// far behind is dropped.
#include <mcp/core/json.hpp>

#include <mcp/protocol/sse_sink.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mcp::protocol {

struct SubscriptionFilter {
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  std::set<std::string> resource_uris;

  static SubscriptionFilter from_json(const json::object& notifications);
  json::object to_json() const;  // the honoured subset, for the acknowledgement
};

class SubscriptionHub {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 1 << 20;

  // Opens a listen stream; its first event is notifications/subscriptions/acknowledged.
  std::shared_ptr<SseSink> listen(json::value subscription_id, SubscriptionFilter filter);
  // Delivers a server notification to the listeners that asked for it.
  void publish(const std::string& method, const json::object& params, const std::string& uri);
  // Ends every stream with its listen result (graceful shutdown).
  void close_all();
  std::size_t size() const;

 private:
  struct Listener {
    json::value id;
    SubscriptionFilter filter;
    std::shared_ptr<SseSink> sink;
  };
  mutable std::mutex mu_;
  std::vector<Listener> listeners_;
};

}  // namespace mcp::protocol
