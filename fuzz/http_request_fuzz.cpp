// Fuzzes the Streamable HTTP transport rules (StreamableHttp::handle) on Beast-free messages,
// backed by a real mcp::Server with tools, resources, a template, a prompt and completion.
//
// Input format (text after two flag bytes, so seeds stay readable):
//   byte 0, byte 1  flags (below)
//   then up to kMaxRequests requests separated by a line "---":
//     METHOD [target]\n
//     name: value\n ...     (names are lower-cased, as the Beast layer does; "$KEY", "$KEY2"
//                           and "$KEY3" in a value become the API keys below; a header
//                           "x-fuzz-remote" is the client's address instead; a value
//                           "$SESSION" is the last session id a response carried)
//     \n
//     body                  ("$STATE" is replaced by the last requestState a response carried)
//   A target other than the endpoint's path goes where the server routes it first: the RFC 9728
//   protected-resource metadata (StreamableHttp::well_known), else 404.
// Flags, byte 0:
//   0x01  POST initialize first (a valid session exists)
//   0x02  then POST notifications/initialized
//   0x04  every fuzzed request carries the valid session id (replacing any mcp-session-id)
//   0x08  HttpOptions::always_sse
//   0x30  protocolVersion of that initialize: 2025-03-26, 2025-06-18, 2025-11-25, 1999-01-01
//   0x40  the initialize declares elicitation, sampling and roots
//   0x80  a non-loopback endpoint with allowed hosts/origins and max_sessions = 2
// Flags, byte 1:
//   0x01  legacy_sessions = false (stateless 2026-07-28 only)
//   0x02  request_state_ttl = 0 (every sealed requestState has expired)
//   0x04  API-key authentication (an in-memory store): $KEY is alice's key (every tool; the
//         prepared initialize uses it), $KEY2 bob's (scope "read": echo only), $KEY3 revoked;
//         keys also in "x-api-key"
//   0x08  with 0x04: a configured resource URL, authorization servers and scopes (else the
//         resource URL, and so WWW-Authenticate, comes from the Host header)
//   0x10  max_sessions_per_principal = 1
//   0x20  max_batch = 2
//
// Oracles (abort on violation): handle() completes (bounded by run_one_for) and does not throw;
// the status is one the transport documents; header names and values carry no CR/LF (the
// WWW-Authenticate challenge and the metadata are built from the Host header); JSON
// bodies and every SSE data line parse; after shutdown() no work is left on the io_context.
#include "http/streamable_http.hpp"

#include <mcp/auth/auth.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/mcp.hpp>
#include <mcp/store/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = mcp::json;
using mcp::Context;
using mcp::Task;
using mcp::ToolResult;
using mcp::http::Request;
using mcp::http::Response;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequests = 6;
constexpr std::size_t kMaxHeaders = 16;
constexpr auto kHandleDeadline = std::chrono::seconds(2);
// Fixed API keys, so that inputs replay: alice (every tool), bob (echo only), and a revoked one.
constexpr std::string_view kKeys[] = {"mcpb_fuzzAliceKey0000000000000000000000000000000",
                                      "mcpb_fuzzBobKey000000000000000000000000000000000",
                                      "mcpb_fuzzRevokedKey00000000000000000000000000000"};

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "http_request_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct EchoArgs {
  std::string text;
};
MCP_ARGS(EchoArgs, (text, "Text to echo back"))

struct SlowArgs {
  std::optional<int> ms;
};
MCP_ARGS(SlowArgs, (ms, "Milliseconds to sleep (capped at 3)"))

mcp::Tool raw_tool(std::string name, json::object schema) {
  mcp::Tool t;
  t.name = std::move(name);
  t.description = "fuzz tool " + t.name;
  t.input_schema = std::move(schema);
  return t;
}

Task<ToolResult> add_tool(json::object args, Context&) {
  double a = mcp::as_number(args["a"]).value_or(0), b = mcp::as_number(args["b"]).value_or(0);
  co_return ToolResult::structured_content({{"sum", a + b}});
}

Task<ToolResult> mirror_tool(json::object args, Context&) {
  co_return ToolResult::structured_content(std::move(args));
}

Task<ToolResult> search_tool(json::object args, Context&) {
  co_return ToolResult::structured_content({{"query", args["q"]}, {"hits", json::array{}}});
}

Task<ToolResult> progress_tool(json::object, Context& ctx) {
  co_await ctx.progress(1, 3, "one");
  co_await ctx.log(mcp::LogLevel::info, "halfway");
  co_await ctx.progress(2, 3);
  co_await ctx.progress(1, 3, "not increasing: dropped");
  co_return ToolResult::text("done");
}

Task<ToolResult> ask_tool(json::object, Context& ctx) {
  json::object schema{{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}};
  auto r = co_await ctx.elicit("Your name?", std::move(schema));
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_return ToolResult::structured_content(r.value());
}

Task<ToolResult> sample_tool(json::object, Context& ctx) {
  json::object params{{"messages", json::array{}}, {"maxTokens", 10}};
  auto r = co_await ctx.sample(std::move(params));
  if (!r) co_return ToolResult::error(r.error().message);
  auto roots = co_await ctx.list_roots();
  co_return ToolResult::text(roots ? json::serialize(roots.value()) : roots.error().message);
}

Task<ToolResult> reconnect_tool(json::object, Context& ctx) {
  ctx.close_sse_stream();
  co_await ctx.sleep(std::chrono::milliseconds(1));
  co_return ToolResult::text("reconnected");
}

Task<ToolResult> throw_tool(json::object, Context&) {
  throw std::runtime_error("tool threw");
  co_return ToolResult::text("unreachable");
}

mcp::Server& server() {
  static mcp::Server* s = [] {
    auto* srv = new mcp::Server({.info = {.name = "fuzz", .version = "1.0.0"}, .page_size = 3});
    srv->add_tool<EchoArgs>("echo", "Echo the text back", [](EchoArgs in, Context&) -> Task<ToolResult> {
      co_return ToolResult::text(std::move(in.text));
    });
    srv->add_tool<SlowArgs>("slow", "Sleep a little", [](SlowArgs in, Context& ctx) -> Task<ToolResult> {
      int ms = std::clamp(in.ms.value_or(1), 0, 3);
      bool finished = co_await ctx.sleep(std::chrono::milliseconds(ms));
      co_return ToolResult::text(finished ? "slept" : "cancelled");
    });
    auto add = raw_tool("add", {{"type", "object"},
                                {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                                {"required", {"a", "b"}}});
    add.output_schema = json::object{{"type", "object"},
                                     {"properties", {{"sum", {{"type", "number"}, {"maximum", 1e6}}}}},
                                     {"required", {"sum"}}};
    srv->add_tool(std::move(add), add_tool);
    srv->add_tool(raw_tool("search",
                           {{"type", "object"},
                            {"properties",
                             {{"q", {{"type", "string"}, {"pattern", "^[a-z ]{1,32}$"}}},
                              {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}}},
                              {"mode", {{"enum", {"fast", "full"}}}},
                              {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}, {"uniqueItems", true}}}}},
                            {"required", {"q"}},
                            {"additionalProperties", false}}),
                  search_tool);
    srv->add_tool(raw_tool("mirror", {{"type", "object"}}), mirror_tool);
    srv->add_tool(raw_tool("progress", {{"type", "object"}}), progress_tool);
    srv->add_tool(raw_tool("ask", {{"type", "object"}}), ask_tool);
    srv->add_tool(raw_tool("sample", {{"type", "object"}}), sample_tool);
    srv->add_tool(raw_tool("reconnect", {{"type", "object"}}), reconnect_tool);
    srv->add_tool(raw_tool("throw", {{"type", "object"}}), throw_tool);

    mcp::Resource readme;
    readme.uri = "file:///readme";
    readme.name = "readme";
    readme.mime_type = "text/plain";
    srv->add_resource(readme, [](std::string uri, Context&) -> Task<mcp::Result<json::array>> {
      co_return json::array{json::object{{"uri", uri}, {"mimeType", "text/plain"}, {"text", "hello"}}};
    });
    for (const char* t : {"file:///docs/{name}", "search://host{?q,page}", "repo://{owner}/{repo}{/path}"}) {
      mcp::ResourceTemplate tmpl;
      tmpl.uri_template = t;
      tmpl.name = t;
      srv->add_resource_template(
          tmpl, [](std::string uri, mcp::UriVariables vars, Context&) -> Task<mcp::Result<json::array>> {
            json::object v;
            for (auto& [k, val] : vars) v[k] = val;
            co_return json::array{json::object{{"uri", uri}, {"text", json::serialize(v)}}};
          });
    }
    mcp::Prompt greet;
    greet.name = "greet";
    greet.arguments.push_back({.name = "name", .required = true});
    srv->add_prompt(greet, [](mcp::PromptArguments args, Context&) -> Task<mcp::Result<json::object>> {
      co_return json::object{
          {"messages", json::array{json::object{{"role", "user"},
                                                {"content", {{"type", "text"}, {"text", "Hi " + args["name"]}}}}}}};
    });
    srv->set_completion_handler([](json::object, std::string, std::string value,
                                   json::object) -> Task<mcp::Result<std::vector<std::string>>> {
      std::vector<std::string> out;
      for (const char* c : {"alpha", "beta", "gamma"})
        if (std::string_view(c).starts_with(value)) out.push_back(c);
      co_return out;
    });
    return srv;
  }();
  return *s;
}

std::shared_ptr<mcp::store::Store> key_store() {
  static std::shared_ptr<mcp::store::Store> store = [] {
    std::shared_ptr<mcp::store::Store> st = mcp::store::open_sqlite(":memory:");
    const char* users[] = {"alice", "bob", "carol"};
    for (int i = 0; i < 3; ++i) {
      mcp::store::ApiKey k;
      k.id = std::string("k_fuzz") + static_cast<char>('0' + i);
      k.hash = mcp::sha256_hex(kKeys[i]);
      k.user = users[i];
      k.scopes = {i == 0 ? "tools:all" : "read"};
      k.created_at = 1;
      k.revoked_at = i == 2 ? 2 : 0;
      st->put_api_key(k);
    }
    return st;
  }();
  return store;
}

std::shared_ptr<mcp::auth::Authenticator> api_key_auth(bool configured) {
  mcp::auth::AuthOptions a;
  a.mode = mcp::auth::Mode::api_key;
  a.api_key_header = "x-api-key";
  a.permissions = {{.scopes = {"tools:all"}, .tools = {"*"}}, {.scopes = {"read"}, .tools = {"echo"}}};
  if (configured) {
    a.resource = "https://mcp.example.com/mcp";
    a.authorization_servers = {"https://auth.example.com"};
    a.scopes_supported = {"tools:all", "read"};
  }
  return std::make_shared<mcp::auth::Authenticator>(std::move(a), key_store());
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Request decode_request(std::string_view in) {
  Request r;
  auto line = [&]() {
    auto nl = in.find('\n');
    std::string_view l = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    return l;
  };
  std::string_view first = trim(line());
  auto sp = first.find(' ');
  r.method = std::string(first.substr(0, sp));
  r.target = sp == std::string_view::npos ? "/mcp" : std::string(trim(first.substr(sp + 1)));
  while (!in.empty()) {
    std::string_view l = line();
    if (trim(l).empty()) break;
    auto colon = l.find(':');
    if (colon == std::string_view::npos || r.headers.size() >= kMaxHeaders) continue;
    std::string name(trim(l.substr(0, colon)));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value(trim(l.substr(colon + 1)));
    for (int k = 3; k >= 1; --k) {  // "$KEY3" before "$KEY"
      std::string mark = k == 1 ? "$KEY" : "$KEY" + std::to_string(k);
      for (auto at = value.find(mark); at != std::string::npos; at = value.find(mark, at + kKeys[k - 1].size()))
        value.replace(at, mark.size(), kKeys[k - 1]);
    }
    if (name == "x-fuzz-remote") r.remote_address = std::move(value);
    else r.headers.emplace_back(std::move(name), std::move(value));
  }
  r.body = std::string(in);
  return r;
}

void set_header(Request& r, std::string name, std::string value) {
  std::erase_if(r.headers, [&](auto& h) { return h.first == name; });
  r.headers.emplace_back(std::move(name), std::move(value));
}

std::string_view response_header(const Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers) {
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < k.size() && eq; ++i)
      eq = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (eq) return v;
  }
  return {};
}

void check_json(std::string_view text, const char* where) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4096;
  auto v = json::parse(text, ec, {}, opts);
  if (ec) fail(where, text);
  if (!v.is_object() && !v.is_array()) fail("JSON-RPC payload is not an object or array", text);
}

void check_response(const Response& r) {
  static constexpr int kStatuses[] = {200, 202, 400, 401, 403, 404, 405, 406, 409, 415, 429, 503};
  if (std::find(std::begin(kStatuses), std::end(kStatuses), r.status) == std::end(kStatuses))
    fail("unexpected status", std::to_string(r.status));
  for (auto& [k, v] : r.headers)
    if (k.find_first_of("\r\n:") != std::string::npos || v.find_first_of("\r\n") != std::string::npos)
      fail("header injection", k + ": " + v);
  if (r.stream) {
    if (r.status != 200 || response_header(r, "content-type") != "text/event-stream") fail("stream without SSE head");
    return;
  }
  if (response_header(r, "content-type") == "application/json") {
    check_json(r.body, "JSON body does not parse");
  } else if (!r.body.empty()) {
    fail("body without a content type", r.body);
  }
}

void check_sse(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) fail("SSE output does not end with a newline", bytes);
    std::string_view l = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    if (l.starts_with("data: ") && l.size() > 6) check_json(l.substr(6), "SSE data does not parse");
  }
}

// Reads what a closed stream holds (a free function: GCC 12 emits a coroutine lambda in this
// position twice).
Task<void> drain(std::shared_ptr<mcp::protocol::SseSink> sink, std::string* out, bool* done) {
  for (int i = 0; i < 4; ++i) {
    auto c = co_await sink->next(std::chrono::milliseconds(1));
    *out += c.bytes;
    if (c.last) break;
  }
  *done = true;
}

// Runs the io_context until `done()` or the deadline; false on timeout.
template <class Done>
bool run_until(asio::io_context& io, Done done, Clock::duration budget) {
  auto deadline = Clock::now() + budget;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

Response run(asio::io_context& io, mcp::http::StreamableHttp& http, Request req, const std::string& endpoint) {
  // As the server routes: the endpoint, then the protected-resource metadata, else 404.
  if (req.path() != endpoint) {
    auto wk = http.well_known(req);
    Response r = wk ? std::move(*wk) : mcp::http::rpc_error(404, mcp::errc::kConnectionClosed, "Not Found");
    check_response(r);
    if (wk && r.status == 200) {
      auto doc = json::parse(r.body);
      if (!doc.is_object() || !doc.as_object().contains("resource")) fail("metadata without resource", r.body);
    }
    return r;
  }
  std::optional<Response> out;
  std::exception_ptr error;
  bool finished = false;
  asio::co_spawn(io, http.handle(std::move(req)), [&](std::exception_ptr e, Response r) {
    finished = true;
    if (e) error = e;
    else out = std::move(r);
  });
  if (!run_until(io, [&] { return finished; }, kHandleDeadline)) fail("handle() did not complete in time");
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      fail("handle() threw", e.what());
    }
  }
  if (io.stopped()) io.restart();
  io.poll();  // let request handlers it started make progress
  check_response(*out);
  return std::move(*out);
}

Request post(std::string body, bool with_key) {
  Request r;
  r.method = "POST";
  r.target = "/mcp";
  r.headers = {{"host", "localhost:8080"},
               {"content-type", "application/json"},
               {"accept", "application/json, text/event-stream"}};
  if (with_key) r.headers.emplace_back("authorization", "Bearer " + std::string(kKeys[0]));
  r.body = std::move(body);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static bool init = (LLVMFuzzerInitialize(nullptr, nullptr), true);
  (void)init;
  const std::uint8_t flags = data[0], flags2 = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);

  mcp::HttpOptions opts;
  opts.always_sse = flags & 0x08;
  opts.client_request_timeout = std::chrono::milliseconds(3);
  opts.events_per_session = 8;
  if (flags & 0x80) {
    opts.host = "0.0.0.0";
    opts.allowed_hosts = {"mcp.example.com", "localhost:8080"};
    opts.allowed_origins = {"https://app.example.com/"};
    opts.max_sessions = 2;
  }
  opts.legacy_sessions = !(flags2 & 0x01);
  if (flags2 & 0x02) opts.request_state_ttl = std::chrono::seconds(0);
  const bool with_key = flags2 & 0x04;
  if (with_key) opts.authenticator = api_key_auth(flags2 & 0x08);
  if (flags2 & 0x10) opts.max_sessions_per_principal = 1;
  if (flags2 & 0x20) opts.max_batch = 2;
  static constexpr const char* kVersions[] = {"2025-03-26", "2025-06-18", "2025-11-25", "1999-01-01"};

  // Declared before the io_context: the io_context (and any coroutine frame it still owns,
  // which may hold sessions) is destroyed first.
  mcp::http::StreamableHttp http(server(), opts);
  asio::io_context io;
  std::string session_id, request_state;
  std::vector<std::shared_ptr<mcp::protocol::SseSink>> streams;
  auto keep = [&](Response& r) {
    if (auto sid = response_header(r, "mcp-session-id"); !sid.empty()) session_id = std::string(sid);
    if (r.stream) streams.push_back(r.stream);
    constexpr std::string_view kKey = R"("requestState":")";
    if (auto at = r.body.find(kKey); at != std::string::npos) {
      auto start = at + kKey.size();
      request_state = r.body.substr(start, r.body.find('"', start) - start);
    }
  };

  if ((flags & 0x01) && opts.legacy_sessions) {
    json::object caps;
    if (flags & 0x40) caps = {{"elicitation", json::object{}}, {"sampling", json::object{}}, {"roots", json::object{}}};
    json::object params{{"protocolVersion", kVersions[(flags >> 4) & 3]},
                        {"capabilities", caps},
                        {"clientInfo", {{"name", "fuzz"}, {"version", "0"}}}};
    json::object msg{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"}, {"params", params}};
    Response r = run(io, http, post(json::serialize(msg), with_key), opts.path);
    if (r.status != 200 || response_header(r, "mcp-session-id").empty()) fail("initialize failed", r.body);
    keep(r);
    if (flags & 0x02) {
      Request n = post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", with_key);
      n.headers.emplace_back("mcp-session-id", session_id);
      Response nr = run(io, http, std::move(n), opts.path);
      if (nr.status != 202) fail("notifications/initialized was not accepted", std::to_string(nr.status));
    }
  }

  // HTTP_REQUEST_FUZZ_TRACE=1: what each request got (to check that a seed goes where meant).
  static const bool trace = std::getenv("HTTP_REQUEST_FUZZ_TRACE") != nullptr;
  std::size_t count = 0;
  while (!rest.empty() && count++ < kMaxRequests) {
    auto sep = rest.find("\n---\n");
    Request req = decode_request(rest.substr(0, sep));
    rest.remove_prefix(sep == std::string_view::npos ? rest.size() : sep + 5);
    if ((flags & 0x04) && !session_id.empty()) set_header(req, "mcp-session-id", session_id);
    for (auto& [name, value] : req.headers)
      if (value == "$SESSION") value = session_id;
    for (auto at = req.body.find("$STATE"); at != std::string::npos; at = req.body.find("$STATE", at + request_state.size()))
      req.body.replace(at, 6, request_state);
    std::string line = req.method + " " + req.target;
    Response r = run(io, http, std::move(req), opts.path);
    if (trace) std::fprintf(stderr, "  %s -> %d %.160s\n", line.c_str(), r.status, r.body.c_str());
    keep(r);
  }

  // Shutdown ends every session: every stream must close and every handler must finish.
  http.shutdown();
  for (auto& s : streams) {
    if (!s->closed()) fail("stream still open after shutdown");
    bool done = false;
    std::string bytes;
    asio::co_spawn(io, drain(s, &bytes, &done), asio::detached);
    if (!run_until(io, [&] { return done; }, kHandleDeadline)) fail("SSE drain did not complete");
    check_sse(bytes);
  }
  if (!run_until(io, [&] { return io.stopped(); }, kHandleDeadline)) fail("work left on the io_context after shutdown");
  return 0;
}
