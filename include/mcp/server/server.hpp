#pragma once
// mcp::Server — the registries of an MCP server (tools, resources, templates, prompts,
// completion) and the handling of their methods. Transport-free: the protocol layer routes
// requests here with a Context; the server tells it what to broadcast through a listener.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/server/context.hpp>
#include <mcp/server/typed.hpp>
#include <mcp/server/types.hpp>

#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace mcp {

using ToolHandler = std::function<Task<ToolResult>(json::object args, Context& ctx)>;
using ResourceReader = std::function<Task<Result<json::array>>(std::string uri, Context& ctx)>;
using TemplateReader =
    std::function<Task<Result<json::array>>(std::string uri, UriVariables vars, Context& ctx)>;
using PromptHandler = std::function<Task<Result<json::object>>(PromptArguments args, Context& ctx)>;
// completion/complete: ref ({type, name|uri}), the argument being completed and its partial
// value, and the already-resolved arguments. Returns the candidate values.
using CompletionHandler = std::function<Task<Result<std::vector<std::string>>>(
    json::object ref, std::string argument, std::string value, json::object context_args)>;

struct ServerOptions {
  Implementation info{"mcpbridge", "0.1.0"};
  std::string instructions;
  std::size_t page_size = 100;  // items per tools/list, resources/list, ... page
  bool validate_arguments = true;
  // How long a tools/call may take (0: no bound of the server's own): it becomes the call's
  // CallInfo::deadline, which the sources' upstream exchanges honour.
  std::chrono::milliseconds tool_call_timeout{0};
  // Caching hints on the stateless wire (2026-07-28): lists and discovery, and resource reads.
  // "private" by default: once results vary by caller, a shared cache must not mix them.
  std::int64_t list_ttl_ms = 60000;
  std::string list_cache_scope = "private";
  std::int64_t read_ttl_ms = 0;
  std::string read_cache_scope = "private";
};

// What the server asks its transport to deliver: a notification for every session
// (`uri` empty) or for the sessions subscribed to `uri`.
using ServerListener = std::function<void(const std::string& method, const json::object& params,
                                          const std::string& uri)>;

class Server {
 public:
  explicit Server(ServerOptions options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Registration; each may happen while serving (list_changed is then sent).
  void add_tool(Tool tool, ToolHandler handler);
  template <class Args, class F>
  void add_tool(std::string name, std::string description, F handler);
  bool remove_tool(std::string_view name);
  // Removes `remove` and adds `add` (replacing tools of the same name) as one change: a
  // tools/list sees the old set or the new one, never a mix, and one list_changed is sent.
  // Calls in flight finish with the handler they started with.
  void replace_tools(const std::vector<std::string>& remove, std::vector<std::pair<Tool, ToolHandler>> add);
  void add_resource(Resource resource, ResourceReader reader);
  bool remove_resource(std::string_view uri);
  void add_resource_template(ResourceTemplate tmpl, TemplateReader reader);
  void add_prompt(Prompt prompt, PromptHandler handler);
  bool remove_prompt(std::string_view name);
  void set_completion_handler(CompletionHandler handler);

  // notifications/resources/updated to the sessions subscribed to `uri`.
  void notify_resource_updated(const std::string& uri);
  // notifications/{tools,prompts,resources}/list_changed without a change being registered
  // here (e.g. a source behind a tool changed). `kind`: "tools", "prompts" or "resources".
  void notify_list_changed(std::string_view kind);

  // A copy of a registered tool's definition.
  std::optional<Tool> find_tool(std::string_view name) const;
  // A tool's execution.taskSupport ("" when unset; nullopt for an unknown tool), without
  // copying the definition: read on every tools/call.
  std::optional<std::string> task_support(std::string_view name) const;
  // The arguments a tool mirrors into Mcp-Param-* headers (x-mcp-header in its inputSchema's
  // properties, in schema order); nullopt for an unknown tool. Collected once at add_tool, so
  // the stateless tools/call path reads them without copying the definition.
  struct HeaderParam {
    std::string property;  // the argument's name
    std::string header;    // the x-mcp-header value, as written
  };
  std::optional<std::vector<HeaderParam>> header_params(std::string_view name) const;

  const ServerOptions& options() const { return options_; }
  json::object capabilities() const;

  // Handles a feature method (tools/*, resources/* other than (un)subscribe, prompts/*,
  // completion/complete). -32601 for anything else.
  Task<Result<json::object>> handle(std::string method, json::object params, Context& ctx);
  bool has_method(std::string_view method) const;
  // True when `uri` names a resource or matches a template (for resources/subscribe).
  bool knows_resource(const std::string& uri) const;

  void set_listener(ServerListener listener);
  // Which tools a principal may see and call (default: all). tools/list shows only those.
  void set_tool_filter(std::function<bool(const Principal&, const std::string& tool)> filter);

 private:
  struct State;
  template <class Args, class F>
  static Task<ToolResult> run_typed(F f, json::object args, Context& ctx);
  void broadcast(const std::string& method, const json::object& params, const std::string& uri = {});

  Task<Result<json::object>> handle_listing(std::string method, json::object params, Context& ctx);
  Task<Result<json::object>> call_tool(json::object params, Context& ctx);
  Task<Result<json::object>> read_resource(json::object params, Context& ctx);
  Task<Result<json::object>> get_prompt(json::object params, Context& ctx);
  Task<Result<json::object>> complete(json::object params, Context& ctx);

  ServerOptions options_;
  std::unique_ptr<State> state_;
};

template <class Args, class F>
Task<ToolResult> Server::run_typed(F f, json::object args, Context& ctx) {
  Args in{};
  std::string err;
  if (!read_json(json::value(std::move(args)), in, err)) co_return ToolResult::error("Invalid arguments: " + err);
  co_return co_await f(std::move(in), ctx);
}

template <class Args, class F>
void Server::add_tool(std::string name, std::string description, F handler) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = schema_of<Args>();
  add_tool(std::move(t), [f = std::move(handler)](json::object args, Context& ctx) {
    return run_typed<Args>(f, std::move(args), ctx);
  });
}

}  // namespace mcp
