#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <mcp/core/json_schema.hpp>
#include <mcp/sources/openapi.hpp>
#include <random>
#include <unordered_map>

#include "sources/openapi/credentials.hpp"
#include <mcp/sources/openapi/loader.hpp>
#include <mcp/sources/openapi/model.hpp>
#include "sources/openapi/request.hpp"
#include "sources/openapi/response.hpp"
#include "sources/openapi/retry.hpp"

namespace mcp::openapi {

struct OpenApiSource::State {
  std::shared_ptr<const Spec> spec;
  UpstreamOptions opt;
  std::shared_ptr<net::HttpClient> client;
  std::shared_ptr<sources::Vault> vault;
  RequestOptions ropt;
  std::unordered_map<std::string, const Operation*> by_name;
};

namespace {

using State = OpenApiSource::State;
using namespace std::chrono_literals;
namespace urls = boost::urls;

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

Tool tool_of(const Operation& op, const UpstreamOptions& o) {
  Tool t;
  t.name = op.tool_name;
  t.title = op.title;
  t.description = op.description;
  t.input_schema = op.input_schema;
  if (o.output_schema && op.output_schema) t.output_schema = *op.output_schema;
  // The loader's annotations, so that `mcpbridge openapi inspect` shows exactly what is served;
  // derived from the method only for operations built by hand.
  if (!op.annotations.empty()) {
    t.annotations = op.annotations;
    return t;
  }
  json::object a;
  if (!op.title.empty()) a["title"] = op.title;
  bool safe = safe_method(op.method);
  a["readOnlyHint"] = safe;
  if (!safe) a["destructiveHint"] = op.method == "DELETE" || op.method == "PUT";
  a["idempotentHint"] = safe || op.method == "PUT" || op.method == "DELETE";
  a["openWorldHint"] = true;
  t.annotations = std::move(a);
  return t;
}

// A header the call's context supplies (idempotency key, trace), unless the request already
// has one (the operation declares it) or the value could not be a header.
void add_header(net::ClientRequest& req, std::string_view name, const std::string& value) {
  if (value.empty() || value.find_first_of("\r\n") != std::string::npos) return;
  if (net::find_header(req.headers, name).empty()) req.headers.emplace_back(std::string(name), value);
}

// The caller's deadline passed before the upstream answered (see CallInfo::deadline).
Error deadline_passed() {
  return Error{errc::kRequestTimeout, "the call's deadline passed", json::value("timeout")};
}

// One exchange, repeated while retry_delay() says so (bounded by max_attempts); each attempt
// gets the source's timeout or the time left until the call's deadline, whichever is shorter,
// and no retry waits past the deadline.
Task<Result<net::ClientResponse>> send_with_retries(std::shared_ptr<State> st, net::ClientRequest req, Context& ctx) {
  bool may_retry = st->opt.max_attempts > 1 && retryable_method(req.method);
  for (int attempt = 1;; ++attempt) {
    auto timeout = ctx.call().bound(st->opt.timeout);
    if (timeout.count() <= 0) co_return deadline_passed();
    net::ClientRequest copy = may_retry ? req : std::move(req);
    copy.timeout = timeout;
    Result<net::ClientResponse> r = co_await st->client->send(std::move(copy));
    auto delay = retry_delay(req.method, attempt, r, st->opt, jitter(), std::chrono::system_clock::now());
    if (!delay || ctx.cancelled()) co_return r;
    if (ctx.call().bound(*delay) < *delay) co_return r;  // the deadline comes first
    if (!co_await ctx.sleep(*delay)) co_return r;  // cancelled while waiting
  }
}

std::optional<std::string> resolve_same_origin(std::string_view base, std::string_view location) {
  auto b = urls::parse_uri(base);
  auto ref = urls::parse_uri_reference(location);
  if (!b || !ref) return std::nullopt;
  urls::url dest;
  if (!urls::resolve(*b, *ref, dest)) return std::nullopt;
  // Never carry the credential to another origin.
  if (dest.scheme() != b->scheme() || dest.encoded_host() != b->encoded_host() ||
      dest.port_number() != b->port_number())
    return std::nullopt;
  return std::string(dest.buffer());
}

// 202 Accepted + Location: follow the status URL until the work is done, the call is
// cancelled, or the bounds are reached. Progress goes to the client at every poll.
Task<Result<net::ClientResponse>> poll_accepted(std::shared_ptr<State> st, net::ClientResponse accepted,
                                                std::string url, Context& ctx) {
  auto where = resolve_same_origin(url, accepted.header("location"));
  if (!where) co_return accepted;  // nothing we may follow: the 202 is the answer
  const auto deadline = std::min(ctx.call().deadline, std::chrono::steady_clock::now() + st->opt.max_poll_time);
  net::ClientResponse last = std::move(accepted);
  for (int n = 1; n <= st->opt.max_polls; ++n) {
    std::chrono::milliseconds wait = st->opt.poll_interval;
    if (auto ra = parse_retry_after(last.header("retry-after"), std::chrono::system_clock::now()))
      wait = std::min<std::chrono::milliseconds>(*ra, 60s);
    auto now = std::chrono::steady_clock::now();
    if (now + wait > deadline) break;
    co_await ctx.progress(static_cast<double>(n), std::nullopt,
                          "Waiting for " + st->opt.name + " to finish (check " + std::to_string(n) + ")");
    if (!co_await ctx.sleep(wait) || ctx.cancelled())
      co_return Error{errc::kRequestTimeout, "Cancelled while waiting for the API to finish", {}};
    net::ClientRequest get;
    get.method = "GET";
    get.url = *where;
    get.timeout = st->opt.timeout;
    get.max_body_bytes = st->opt.max_response_bytes;
    auto mine = co_await own_secret(st->opt, ctx.principal(), st->vault.get());
    if (auto c = apply_credential(get, st->opt, ctx.principal(), mine); !c) co_return c.error();
    auto r = co_await send_with_retries(st, std::move(get), ctx);
    if (!r) co_return r;
    if (r->status == 202) {
      if (auto next = resolve_same_origin(*where, r->header("location"))) where = next;
      last = std::move(*r);
      continue;
    }
    // 303 See Other (or 302) to the finished resource: fetch it once.
    if ((r->status == 303 || r->status == 302) && !r->header("location").empty()) {
      auto done = resolve_same_origin(*where, r->header("location"));
      if (!done) co_return r;
      net::ClientRequest fetch;
      fetch.url = *done;
      fetch.timeout = st->opt.timeout;
      fetch.max_body_bytes = st->opt.max_response_bytes;
      if (auto c = apply_credential(fetch, st->opt, ctx.principal(), mine); !c) co_return c.error();
      co_return co_await send_with_retries(st, std::move(fetch), ctx);
    }
    co_return r;
  }
  co_return Error{
      errc::kRequestTimeout,
      "the operation was still running when mcpbridge stopped waiting; its status is at " + strip_query(*where),
      {}};
}

// Catalogue calls bypass the server's argument validation (the invoke tool takes any object):
// check them against the operation's own schema here.
std::optional<std::string> check_arguments(const Operation& op, const json::object& args) {
  if (auto err = validate_json_schema(json::value(op.input_schema), json::value(args)))
    return "Invalid arguments for " + op.tool_name + ": " + err->to_string();
  return std::nullopt;
}

Task<ToolResult> call(std::shared_ptr<State> st, const Operation* op, json::object args, Context& ctx) {
  auto built = build_request(*op, args, st->ropt);
  if (!built) co_return ToolResult::error(built.error().message);
  net::ClientRequest req = std::move(built.value());
  req.timeout = st->opt.timeout;
  req.max_body_bytes = st->opt.max_response_bytes;
  const CallInfo& info = ctx.call();
  if (!safe_method(op->method)) add_header(req, "idempotency-key", info.idempotency_key);
  add_header(req, "traceparent", info.trace.traceparent);
  if (!info.trace.traceparent.empty()) add_header(req, "tracestate", info.trace.tracestate);
  auto mine = co_await own_secret(st->opt, ctx.principal(), st->vault.get());
  if (auto c = apply_credential(req, st->opt, ctx.principal(), mine); !c)
    co_return ToolResult::error(c.error().message);
  std::string url = req.url;
  auto out = co_await send_with_retries(st, std::move(req), ctx);
  if (out && out->status == 202 && st->opt.follow_accepted && !out->header("location").empty()) {
    net::ClientResponse accepted = std::move(out.value());
    out = co_await poll_accepted(st, std::move(accepted), url, ctx);
  }
  if (!out) {
    ctx.call().upstream = failure_reply(out.error());
    co_return map_failure(out.error(), st->opt.name);
  }
  ctx.call().upstream = upstream_reply(*out);
  co_return map_response(*op, *out, url);
}

// The served search's answer: one line per hit, enough to pick a name for describe/invoke.
json::array search_hits(const Spec& spec, std::string_view query, std::size_t limit, std::string_view tag,
                        std::string_view method) {
  json::array out;
  for (auto& hit : search_operations(spec, query, limit, tag, method)) {
    auto& op = *hit.operation;
    out.push_back(json::object{{"name", op.tool_name},
                               {"method", op.method},
                               {"path", op.path},
                               {"summary", op.title.empty() ? op.description.substr(0, 200) : op.title}});
  }
  return out;
}

}  // namespace

OpenApiSource::OpenApiSource(std::shared_ptr<const Spec> spec, UpstreamOptions options,
                             std::shared_ptr<net::HttpClient> client, std::shared_ptr<sources::Vault> vault)
    : state_(std::make_shared<State>()) {
  state_->spec = std::move(spec);
  state_->opt = std::move(options);
  state_->opt.max_attempts = std::clamp(state_->opt.max_attempts, 1, 10);
  state_->opt.max_polls = std::clamp(state_->opt.max_polls, 0, 100000);
  state_->client = std::move(client);
  state_->vault = std::move(vault);
  state_->ropt.base_url = state_->opt.base_url;
  state_->ropt.server_variables = state_->opt.server_variables;
  if (auto& c = state_->opt.credential; c.kind == Credential::Kind::api_key && c.in == "query")
    state_->ropt.reserved_query_names.push_back(c.name);
  for (auto& op : state_->spec->operations) state_->by_name.emplace(op.tool_name, &op);
}

OpenApiSource::~OpenApiSource() = default;

std::vector<SourceTool> OpenApiSource::tools() const {
  std::vector<SourceTool> out;
  for (auto& op : state_->spec->operations) {
    SourceTool t;
    t.tool = tool_of(op, state_->opt);
    t.safe = safe_method(op.method);
    t.upstream = state_->opt.name;
    const Operation* p = &op;
    t.handler = [st = state_, p](json::object args, Context& ctx) { return call(st, p, std::move(args), ctx); };
    out.push_back(std::move(t));
  }
  return out;
}

void OpenApiSource::register_tools(Server& server) const {
  for (auto& t : tools()) server.add_tool(std::move(t.tool), std::move(t.handler));
}

Task<ToolResult> OpenApiSource::invoke(std::string tool_name, json::object args, Context& ctx) const {
  auto it = state_->by_name.find(tool_name);
  if (it == state_->by_name.end())
    co_return ToolResult::error("No operation named " + tool_name + " (search the catalogue for the right name)");
  if (auto bad = check_arguments(*it->second, args)) co_return ToolResult::error(*bad);
  co_return co_await call(state_, it->second, std::move(args), ctx);
}

std::vector<SourceTool> OpenApiSource::catalogue_tools(std::string prefix) const {
  const std::string& api = state_->spec->title.empty() ? state_->opt.name : state_->spec->title;
  std::vector<SourceTool> out;

  SourceTool search;
  search.tool.name = prefix + "search";
  search.tool.title = "Search " + api + " operations";
  search.tool.description = "Find the operations of " + api + " that match keywords; returns their names for " +
                            prefix + "describe and " + prefix + "invoke.";
  search.tool.input_schema =
      json::object{{"type", "object"},
                   {"properties",
                    {{"query", {{"type", "string"}, {"description", "Keywords (empty: list operations)"}}},
                     {"tag", {{"type", "string"}, {"description", "Only operations with this tag"}}},
                     {"method", {{"type", "string"}, {"description", "Only this HTTP method"}}},
                     {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}}}}}};
  search.tool.annotations = json::object{{"readOnlyHint", true}, {"openWorldHint", false}};
  search.safe = true;
  search.upstream = state_->opt.name;
  search.handler = [st = state_](json::object args, Context&) -> Task<ToolResult> {
    std::string q(find_string(args, "query").value_or(""));
    std::size_t limit = 20;
    if (auto* l = find(args, "limit"); l && l->is_int64())
      limit = static_cast<std::size_t>(std::clamp<std::int64_t>(l->get_int64(), 1, 100));
    auto hits = search_hits(*st->spec, q, limit, find_string(args, "tag").value_or(""),
                            find_string(args, "method").value_or(""));
    return [](json::array h) -> Task<ToolResult> {
      co_return ToolResult::structured_content(json::object{{"operations", std::move(h)}});
    }(std::move(hits));
  };
  out.push_back(std::move(search));

  SourceTool describe;
  describe.tool.name = prefix + "describe";
  describe.tool.title = "Describe a " + api + " operation";
  describe.tool.description = "The full description and input schema of one operation, by name.";
  describe.tool.input_schema = json::object{
      {"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", json::array{"name"}}};
  describe.tool.annotations = json::object{{"readOnlyHint", true}, {"openWorldHint", false}};
  describe.safe = true;
  describe.upstream = state_->opt.name;
  describe.handler = [st = state_](json::object args, Context&) -> Task<ToolResult> {
    std::string name(find_string(args, "name").value_or(""));
    auto d = describe_operation(*st->spec, name);
    return [](std::optional<json::object> d, std::string name) -> Task<ToolResult> {
      if (!d) co_return ToolResult::error("No operation named " + name);
      co_return ToolResult::structured_content(std::move(*d));
    }(std::move(d), std::move(name));
  };
  out.push_back(std::move(describe));

  SourceTool invoke;
  invoke.tool.name = prefix + "invoke";
  invoke.tool.title = "Call a " + api + " operation";
  invoke.tool.description = "Calls one operation by name with its arguments (as " + prefix +
                            "describe shows them). Read-only operations are safe to repeat; others may change data.";
  invoke.tool.input_schema =
      json::object{{"type", "object"},
                   {"properties", {{"name", {{"type", "string"}}}, {"arguments", {{"type", "object"}}}}},
                   {"required", json::array{"name"}}};
  invoke.tool.annotations = json::object{{"readOnlyHint", false}, {"openWorldHint", true}};
  invoke.upstream = state_->opt.name;
  invoke.handler = [st = state_](json::object args, Context& ctx) -> Task<ToolResult> {
    return [](std::shared_ptr<State> st, json::object args, Context& ctx) -> Task<ToolResult> {
      std::string name(find_string(args, "name").value_or(""));
      json::object inner;
      if (auto* a = find_object(args, "arguments")) inner = *a;
      auto it = st->by_name.find(name);
      if (it == st->by_name.end()) co_return ToolResult::error("No operation named " + name + " (use search first)");
      if (auto bad = check_arguments(*it->second, inner)) co_return ToolResult::error(*bad);
      co_return co_await call(st, it->second, std::move(inner), ctx);
    }(st, std::move(args), ctx);
  };
  out.push_back(std::move(invoke));
  return out;
}

}  // namespace mcp::openapi
