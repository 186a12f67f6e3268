#include <mcp/server/server.hpp>

#include <mcp/core/encoding.hpp>
#include <mcp/core/json_schema.hpp>
#include <mcp/server/uri_template.hpp>

#include <charconv>
#include <mutex>
#include <unordered_map>

namespace mcp {
namespace {

// An ordered registry: listing order is registration order (deterministic pages).
template <class Entry>
struct Registry {
  std::vector<std::shared_ptr<Entry>> order;
  std::unordered_map<std::string, std::shared_ptr<Entry>> index;

  void put(std::string key, std::shared_ptr<Entry> e) {
    if (auto it = index.find(key); it != index.end()) {
      for (auto& o : order)
        if (o == it->second) o = e;
      it->second = std::move(e);
      return;
    }
    order.push_back(e);
    index.emplace(std::move(key), std::move(e));
  }
  bool erase(std::string_view key) {
    auto it = index.find(std::string(key));
    if (it == index.end()) return false;
    std::erase(order, it->second);
    index.erase(it);
    return true;
  }
  std::shared_ptr<Entry> get(std::string_view key) const {
    auto it = index.find(std::string(key));
    return it == index.end() ? nullptr : it->second;
  }
};

struct ToolEntry {
  Tool tool;
  json::object listed;  // the tools/list form, built once
  // The schemas as json::value, built once: validate_json_schema() takes values, and passing it
  // the json::object members would deep-copy each into a temporary on every call.
  json::value input_schema;
  std::optional<json::value> output_schema;
  std::vector<Server::HeaderParam> header_params;  // x-mcp-header properties, collected once
  ToolHandler handler;
};
struct ResourceEntry {
  Resource resource;
  ResourceReader reader;
};
struct TemplateEntry {
  ResourceTemplate tmpl;
  TemplateReader reader;
};
struct PromptEntry {
  Prompt prompt;
  PromptHandler handler;
};

Error invalid_params(std::string msg) { return Error{errc::kInvalidParams, std::move(msg), {}}; }

// Cursors are opaque to clients: "o" + offset, base64url. Anything else is -32602.
std::string make_cursor(size_t offset) { return base64_encode("o" + std::to_string(offset), true); }
std::optional<size_t> read_cursor(const json::object& params) {
  auto* c = find(params, "cursor");
  if (!c || c->is_null()) return 0;
  if (!c->is_string()) return std::nullopt;
  auto raw = base64_decode(c->get_string());
  if (!raw || raw->size() < 2 || (*raw)[0] != 'o') return std::nullopt;
  size_t off = 0;
  auto [p, ec] = std::from_chars(raw->data() + 1, raw->data() + raw->size(), off);
  if (ec != std::errc() || p != raw->data() + raw->size()) return std::nullopt;
  return off;
}

template <class Entry, class ToJson>
Result<json::object> page(const Registry<Entry>& reg, const json::object& params, size_t page_size,
                          std::string_view key, ToJson to_json, std::function<bool(const Entry&)> visible = {}) {
  auto off = read_cursor(params);
  if (!off) return invalid_params("Invalid cursor");
  // Offsets count visible entries, so pages stay stable for one caller.
  std::vector<const Entry*> shown;
  shown.reserve(reg.order.size());
  for (auto& e : reg.order)
    if (!visible || visible(*e)) shown.push_back(e.get());
  if (*off > shown.size()) return invalid_params("Invalid cursor");
  json::array items;
  size_t end = std::min(shown.size(), *off + page_size);
  items.reserve(end - *off);
  for (size_t i = *off; i < end; ++i) items.push_back(to_json(*shown[i]));
  json::object r{{key, std::move(items)}};
  if (end < shown.size()) r["nextCursor"] = make_cursor(end);
  return r;
}

}  // namespace

struct Server::State {
  mutable std::shared_mutex mu;
  Registry<ToolEntry> tools;
  Registry<ResourceEntry> resources;
  Registry<TemplateEntry> templates;
  Registry<PromptEntry> prompts;
  CompletionHandler completion;
  ServerListener listener;
  std::mutex listener_mu;
  std::function<bool(const Principal&, const std::string&)> tool_filter;
};

Server::Server(ServerOptions options) : options_(std::move(options)), state_(std::make_unique<State>()) {
  if (options_.page_size == 0) options_.page_size = 100;
}
Server::~Server() = default;

void Server::set_tool_filter(std::function<bool(const Principal&, const std::string& tool)> filter) {
  std::unique_lock lock(state_->mu);
  state_->tool_filter = std::move(filter);
}

void Server::set_listener(ServerListener listener) {
  std::lock_guard lock(state_->listener_mu);
  state_->listener = std::move(listener);
}

void Server::broadcast(const std::string& method, const json::object& params, const std::string& uri) {
  ServerListener l;
  {
    std::lock_guard lock(state_->listener_mu);
    l = state_->listener;
  }
  if (l) l(method, params, uri);
}

namespace {
// Runs `mutate` on the registries under their lock; when it reports a change, `server` sends
// notifications/<kind>/list_changed. Returns what `mutate` returned.
template <class Mutate>
bool change(Server& server, std::shared_mutex& mu, std::string_view kind, Mutate mutate) {
  bool changed;
  {
    std::unique_lock lock(mu);
    changed = mutate();
  }
  if (changed) server.notify_list_changed(kind);
  return changed;
}

// Adds (or replaces) `e` under `key`, then sends notifications/<kind>/list_changed.
template <class Entry>
void add_entry(Server& server, std::shared_mutex& mu, std::string_view kind, Registry<Entry>& registry,
               std::string key, std::shared_ptr<Entry> e) {
  change(server, mu, kind, [&] {
    registry.put(std::move(key), std::move(e));
    return true;
  });
}

std::shared_ptr<ToolEntry> make_tool_entry(Tool tool, ToolHandler handler) {
  auto e = std::make_shared<ToolEntry>();
  e->listed = tool.to_json();
  e->input_schema = tool.input_schema;
  if (tool.output_schema) e->output_schema = json::value(*tool.output_schema);
  if (auto* props = find_object(tool.input_schema, "properties"))
    for (auto& [prop, schema] : *props)
      if (schema.is_object())
        if (auto header = find_string(schema.get_object(), "x-mcp-header"))
          e->header_params.push_back({std::string(prop), std::string(*header)});
  e->tool = std::move(tool);
  e->handler = std::move(handler);
  return e;
}
}  // namespace

void Server::add_tool(Tool tool, ToolHandler handler) {
  auto e = make_tool_entry(std::move(tool), std::move(handler));
  add_entry(*this, state_->mu, "tools", state_->tools, e->tool.name, e);
}

void Server::replace_tools(const std::vector<std::string>& remove, std::vector<std::pair<Tool, ToolHandler>> add) {
  std::vector<std::shared_ptr<ToolEntry>> entries;  // built outside the lock
  entries.reserve(add.size());
  for (auto& [tool, handler] : add) entries.push_back(make_tool_entry(std::move(tool), std::move(handler)));
  change(*this, state_->mu, "tools", [&] {
    for (auto& name : remove) state_->tools.erase(name);
    for (auto& e : entries) state_->tools.put(e->tool.name, e);
    return true;
  });
}

bool Server::remove_tool(std::string_view name) {
  return change(*this, state_->mu, "tools", [&] { return state_->tools.erase(name); });
}

void Server::add_resource(Resource resource, ResourceReader reader) {
  auto e = std::make_shared<ResourceEntry>(ResourceEntry{std::move(resource), std::move(reader)});
  add_entry(*this, state_->mu, "resources", state_->resources, e->resource.uri, e);
}

bool Server::remove_resource(std::string_view uri) {
  return change(*this, state_->mu, "resources", [&] { return state_->resources.erase(uri); });
}

void Server::add_resource_template(ResourceTemplate tmpl, TemplateReader reader) {
  auto e = std::make_shared<TemplateEntry>(TemplateEntry{std::move(tmpl), std::move(reader)});
  add_entry(*this, state_->mu, "resources", state_->templates, e->tmpl.uri_template, e);
}

void Server::add_prompt(Prompt prompt, PromptHandler handler) {
  auto e = std::make_shared<PromptEntry>(PromptEntry{std::move(prompt), std::move(handler)});
  add_entry(*this, state_->mu, "prompts", state_->prompts, e->prompt.name, e);
}

bool Server::remove_prompt(std::string_view name) {
  return change(*this, state_->mu, "prompts", [&] { return state_->prompts.erase(name); });
}

void Server::set_completion_handler(CompletionHandler handler) {
  std::unique_lock lock(state_->mu);
  state_->completion = std::move(handler);
}

void Server::notify_resource_updated(const std::string& uri) {
  broadcast("notifications/resources/updated", {{"uri", uri}}, uri);
}

void Server::notify_list_changed(std::string_view kind) {
  broadcast("notifications/" + std::string(kind) + "/list_changed", {});
}

std::optional<Tool> Server::find_tool(std::string_view name) const {
  std::shared_lock lock(state_->mu);
  auto e = state_->tools.get(name);
  if (!e) return std::nullopt;
  return e->tool;
}

std::optional<std::string> Server::task_support(std::string_view name) const {
  std::shared_lock lock(state_->mu);
  auto e = state_->tools.get(name);
  if (!e) return std::nullopt;
  return std::string(find_string(e->tool.execution, "taskSupport").value_or(""));
}

std::optional<std::vector<Server::HeaderParam>> Server::header_params(std::string_view name) const {
  std::shared_lock lock(state_->mu);
  auto e = state_->tools.get(name);
  if (!e) return std::nullopt;
  return e->header_params;
}

json::object Server::capabilities() const {
  json::object caps{{"tools", {{"listChanged", true}}},
                    {"resources", {{"subscribe", true}, {"listChanged", true}}},
                    {"prompts", {{"listChanged", true}}},
                    {"logging", json::object{}}};
  std::shared_lock lock(state_->mu);
  if (state_->completion) caps["completions"] = json::object{};
  for (auto& t : state_->tools.order) {
    auto support = find_string(t->tool.execution, "taskSupport");
    if (support == "optional" || support == "required") {  // 2025-11-25 experimental tasks
      caps["tasks"] = json::object{{"list", json::object{}},
                                   {"cancel", json::object{}},
                                   {"requests", {{"tools", {{"call", json::object{}}}}}}};
      break;
    }
  }
  return caps;
}

bool Server::has_method(std::string_view m) const {
  return m == "tools/list" || m == "tools/call" || m == "resources/list" || m == "resources/read" ||
         m == "resources/templates/list" || m == "prompts/list" || m == "prompts/get" ||
         m == "completion/complete";
}

bool Server::knows_resource(const std::string& uri) const {
  std::shared_lock lock(state_->mu);
  if (state_->resources.get(uri)) return true;
  for (auto& t : state_->templates.order)
    if (match_uri_template(t->tmpl.uri_template, uri)) return true;
  return false;
}

// Not a coroutine: each method's own coroutine is returned as is, so a tools/call costs one
// coroutine frame here rather than two.
Task<Result<json::object>> Server::handle(std::string method, json::object params, Context& ctx) {
  if (method == "tools/call") return call_tool(std::move(params), ctx);
  if (method == "resources/read") return read_resource(std::move(params), ctx);
  if (method == "prompts/get") return get_prompt(std::move(params), ctx);
  if (method == "completion/complete") return complete(std::move(params), ctx);
  return handle_listing(std::move(method), std::move(params), ctx);
}

Task<Result<json::object>> Server::handle_listing(std::string method, json::object params, Context& ctx) {
  const size_t n = options_.page_size;
  if (method == "tools/list") {
    std::shared_lock lock(state_->mu);
    std::function<bool(const ToolEntry&)> visible;
    if (state_->tool_filter) {
      const Principal& who = ctx.principal();
      visible = [&](const ToolEntry& e) { return state_->tool_filter(who, e.tool.name); };
    }
    co_return page(state_->tools, params, n, "tools", [](const ToolEntry& e) { return e.listed; }, visible);
  }
  if (method == "resources/list") {
    std::shared_lock lock(state_->mu);
    co_return page(state_->resources, params, n, "resources",
                   [](const ResourceEntry& e) { return e.resource.to_json(); });
  }
  if (method == "resources/templates/list") {
    std::shared_lock lock(state_->mu);
    co_return page(state_->templates, params, n, "resourceTemplates",
                   [](const TemplateEntry& e) { return e.tmpl.to_json(); });
  }
  if (method == "prompts/list") {
    std::shared_lock lock(state_->mu);
    co_return page(state_->prompts, params, n, "prompts", [](const PromptEntry& e) { return e.prompt.to_json(); });
  }
  co_return Error{errc::kMethodNotFound, "Method not found: " + method, {}};
}

Task<Result<json::object>> Server::call_tool(json::object params, Context& ctx) {
  auto name = find_string(params, "name");
  if (!name) co_return invalid_params("tools/call needs a string 'name'");
  std::shared_ptr<ToolEntry> e;
  bool allowed = true;
  {
    std::shared_lock lock(state_->mu);
    e = state_->tools.get(*name);
    if (e && state_->tool_filter) allowed = state_->tool_filter(ctx.principal(), e->tool.name);
  }
  if (!e || !allowed) co_return invalid_params("Unknown tool: " + std::string(*name));
  // `params` is ours: the arguments are moved out of it, not copied.
  // Move-constructed, not move-assigned: the arguments keep their storage (the request's
  // arena, see jsonrpc::request_arena), where assignment across storages would copy them.
  auto a = params.find("arguments");
  const bool given = a != params.end() && !a->value().is_null();
  if (given && !a->value().is_object())
    co_return ToolResult::error("Invalid arguments: 'arguments' must be an object").to_json();
  json::value args = given ? json::value(std::move(a->value())) : json::value(json::object());
  if (options_.validate_arguments) {
    // Input validation failures are tool errors, so the model can correct itself (SEP-1303).
    if (auto err = validate_json_schema(e->input_schema, args))
      co_return ToolResult::error("Invalid arguments for tool " + e->tool.name + ": " + err->to_string()).to_json();
  }
  if (options_.tool_call_timeout.count() > 0)
    ctx.call().deadline = std::min(ctx.call().deadline, std::chrono::steady_clock::now() + options_.tool_call_timeout);
  ToolResult r;
  try {
    r = co_await e->handler(std::move(args.get_object()), ctx);
  } catch (const std::exception& ex) {
    r = ToolResult::error(std::string("Tool failed: ") + ex.what());
  }
  if (!r.is_error && e->output_schema) {
    if (!r.structured)
      co_return ToolResult::error("Tool " + e->tool.name + " declared an outputSchema but returned no structuredContent")
          .to_json();
    json::value structured(std::move(*r.structured));  // validated as a value without a copy
    auto err = validate_json_schema(*e->output_schema, structured);
    *r.structured = std::move(structured.get_object());
    if (err)
      co_return ToolResult::error("Tool " + e->tool.name + " returned output that does not match its outputSchema: " +
                                  err->to_string())
          .to_json();
  }
  co_return std::move(r).to_json();
}

Task<Result<json::object>> Server::read_resource(json::object params, Context& ctx) {
  auto uri = find_string(params, "uri");
  if (!uri) co_return invalid_params("resources/read needs a string 'uri'");
  std::string u(*uri);
  std::shared_ptr<ResourceEntry> r;
  std::shared_ptr<TemplateEntry> t;
  UriVariables vars;
  {
    std::shared_lock lock(state_->mu);
    r = state_->resources.get(u);
    if (!r) {
      for (auto& cand : state_->templates.order) {
        if (auto m = match_uri_template(cand->tmpl.uri_template, u)) {
          t = cand;
          vars = std::move(*m);
          break;
        }
      }
    }
  }
  Result<json::array> contents = Error{errc::kResourceNotFound, "Resource not found", json::object{{"uri", u}}};
  if (r) {
    contents = co_await r->reader(u, ctx);
  } else if (t) {
    contents = co_await t->reader(u, std::move(vars), ctx);
  }
  if (!contents) co_return contents.error();
  co_return json::object{{"contents", std::move(contents.value())}};
}

Task<Result<json::object>> Server::get_prompt(json::object params, Context& ctx) {
  auto name = find_string(params, "name");
  if (!name) co_return invalid_params("prompts/get needs a string 'name'");
  std::shared_ptr<PromptEntry> e;
  {
    std::shared_lock lock(state_->mu);
    e = state_->prompts.get(*name);
  }
  if (!e) co_return invalid_params("Unknown prompt: " + std::string(*name));
  PromptArguments args;
  if (auto* a = find(params, "arguments"); a && !a->is_null()) {
    if (!a->is_object()) co_return invalid_params("prompts/get 'arguments' must be an object");
    for (auto& [k, v] : a->get_object()) {
      if (!v.is_string()) co_return invalid_params("Prompt argument '" + std::string(k) + "' must be a string");
      args[std::string(k)] = std::string(v.get_string());
    }
  }
  for (auto& a : e->prompt.arguments)
    if (a.required && !args.count(a.name))
      co_return invalid_params("Missing required argument '" + a.name + "' for prompt " + e->prompt.name);
  co_return co_await e->handler(std::move(args), ctx);
}

Task<Result<json::object>> Server::complete(json::object params, Context& ctx) {
  CompletionHandler h;
  {
    std::shared_lock lock(state_->mu);
    h = state_->completion;
  }
  if (!h) co_return Error{errc::kMethodNotFound, "Completion is not supported by this server", {}};
  auto* ref = find_object(params, "ref");
  auto* arg = find_object(params, "argument");
  if (!ref || !arg) co_return invalid_params("completion/complete needs 'ref' and 'argument'");
  auto type = find_string(*ref, "type");
  if (type == "ref/prompt") {
    auto name = find_string(*ref, "name");
    std::shared_lock lock(state_->mu);
    if (!name || !state_->prompts.get(*name)) co_return invalid_params("Unknown prompt in ref");
  } else if (type == "ref/resource") {
    if (!find_string(*ref, "uri")) co_return invalid_params("ref/resource needs a 'uri'");
  } else {
    co_return invalid_params("ref.type must be ref/prompt or ref/resource");
  }
  auto name = find_string(*arg, "name");
  auto value = find_string(*arg, "value");
  if (!name || !value) co_return invalid_params("argument needs string 'name' and 'value'");
  json::object ctx_args;
  if (auto* c = find_object(params, "context"))
    if (auto* a = find_object(*c, "arguments")) ctx_args = *a;
  auto values = co_await h(*ref, std::string(*name), std::string(*value), std::move(ctx_args));
  if (!values) co_return values.error();
  auto& v = values.value();
  json::array out;
  for (size_t i = 0; i < v.size() && i < 100; ++i) out.push_back(json::string(v[i]));
  co_return json::object{
      {"completion", {{"values", std::move(out)}, {"total", v.size()}, {"hasMore", v.size() > 100}}}};
}

}  // namespace mcp
