#include <mcp/protocol/subscriptions.hpp>

#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::protocol {
namespace {

constexpr std::string_view kSubscriptionId = "io.modelcontextprotocol/subscriptionId";

bool flag(const json::object& o, std::string_view k) {
  auto* v = find(o, k);
  return v && v->is_bool() && v->get_bool();
}

std::string tagged(std::string_view method, json::object params, const json::value& id) {
  json::object meta;
  if (auto* m = find_object(params, "_meta")) meta = *m;
  meta[kSubscriptionId] = id;
  params["_meta"] = std::move(meta);
  return sse_event({}, jsonrpc::notification(method, params));
}

}  // namespace

SubscriptionFilter SubscriptionFilter::from_json(const json::object& n) {
  SubscriptionFilter f;
  f.tools = flag(n, "toolsListChanged");
  f.prompts = flag(n, "promptsListChanged");
  f.resources = flag(n, "resourcesListChanged");
  if (auto* uris = find(n, "resourceSubscriptions"); uris && uris->is_array())
    for (auto& u : uris->get_array())
      if (u.is_string()) f.resource_uris.insert(std::string(u.get_string()));
  return f;
}

json::object SubscriptionFilter::to_json() const {
  json::object o;
  if (tools) o["toolsListChanged"] = true;
  if (prompts) o["promptsListChanged"] = true;
  if (resources) o["resourcesListChanged"] = true;
  if (!resource_uris.empty()) {
    json::array a;
    for (auto& u : resource_uris) a.push_back(json::string(u));
    o["resourceSubscriptions"] = std::move(a);
  }
  return o;
}

std::shared_ptr<SseSink> SubscriptionHub::listen(json::value id, SubscriptionFilter filter) {
  auto sink = std::make_shared<SseSink>();
  json::object ack{{"notifications", filter.to_json()}};
  sink->push(tagged("notifications/subscriptions/acknowledged", std::move(ack), id));
  std::lock_guard lock(mu_);
  listeners_.push_back(Listener{std::move(id), std::move(filter), sink});
  return sink;
}

void SubscriptionHub::publish(const std::string& method, const json::object& params, const std::string& uri) {
  std::lock_guard lock(mu_);
  std::erase_if(listeners_, [](const Listener& l) { return l.sink->closed(); });
  for (auto& l : listeners_) {
    const auto& f = l.filter;
    bool wanted = (method == "notifications/tools/list_changed" && f.tools) ||
                  (method == "notifications/prompts/list_changed" && f.prompts) ||
                  (method == "notifications/resources/list_changed" && f.resources) ||
                  (method == "notifications/resources/updated" && f.resource_uris.count(uri));
    if (!wanted) continue;
    if (l.sink->queued() > kMaxQueuedBytes) {
      l.sink->close();  // a reader this far behind is gone in all but name
      continue;
    }
    l.sink->push(tagged(method, params, l.id));
  }
}

void SubscriptionHub::close_all() {
  std::vector<Listener> all;
  {
    std::lock_guard lock(mu_);
    all.swap(listeners_);
  }
  for (auto& l : all) {
    json::object result{{"resultType", "complete"}, {"_meta", {{kSubscriptionId, l.id}}}};
    l.sink->push(sse_event({}, jsonrpc::response(l.id, result)));
    l.sink->close();
  }
}

std::size_t SubscriptionHub::size() const {
  std::lock_guard lock(mu_);
  return listeners_.size();
}

}  // namespace mcp::protocol
