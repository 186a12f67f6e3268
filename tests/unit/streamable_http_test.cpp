// The Streamable HTTP transport rules (session-based wire), driven without sockets: each test
// hands StreamableHttp::handle a Request and runs the io_context until the answer is ready.
#include "http/streamable_http.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "test_util.hpp"

namespace http_test {
struct EchoArgs {
  std::string text;
};
MCP_ARGS(EchoArgs, (text, "Text to echo"))
}  // namespace http_test

namespace mcp::http {
namespace {

json::value J(std::string_view s) { return json::parse(s); }

std::string_view header_of(const Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers) {
    if (k.size() != name.size()) continue;
    if (std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  }
  return {};
}

protocol::SseSink::Chunk drain(protocol::SseSink& sink) {
  boost::asio::io_context io;
  return test::run(io, sink.next(std::chrono::milliseconds(0)));
}

std::vector<std::string> sse_field(const std::string& sse, std::string_view name) {
  std::vector<std::string> out;
  std::string prefix = std::string(name) + ": ";
  size_t pos = 0;
  while (pos < sse.size()) {
    size_t nl = sse.find('\n', pos);
    if (nl == std::string::npos) nl = sse.size();
    std::string_view line(sse.data() + pos, nl - pos);
    if (line.substr(0, prefix.size()) == prefix) out.emplace_back(line.substr(prefix.size()));
    pos = nl + 1;
  }
  return out;
}

std::string initialize_body(std::string_view version, int id = 1) {
  json::object o{{"jsonrpc", "2.0"},
                 {"id", id},
                 {"method", "initialize"},
                 {"params",
                  {{"protocolVersion", version},
                   {"capabilities", json::object{}},
                   {"clientInfo", {{"name", "unit"}, {"version", "1"}}}}}};
  return json::serialize(o);
}

std::string request_body(int id, std::string_view method, json::object params = {}) {
  return json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

Task<ToolResult> progress_tool(json::object, Context& ctx) {
  co_await ctx.progress(0.5, 1.0, "halfway");
  co_return ToolResult::text("done");
}

class HttpTest : public ::testing::Test {
 protected:
  HttpTest() {
    server_.add_tool<http_test::EchoArgs>("echo", "Echo", [](http_test::EchoArgs in, Context&) -> Task<ToolResult> {
      co_return ToolResult::text(std::move(in.text));
    });
    Tool p;
    p.name = "slow";
    p.description = "Reports progress";
    server_.add_tool(p, progress_tool);
    rebuild();
  }

  void rebuild() {
    http_.reset();
    http_ = std::make_unique<StreamableHttp>(server_, opts_);
  }

  Response send(Request r) { return test::run(io_, http_->handle(std::move(r))); }

  static Request post(std::string body, std::string session = {}) {
    Request r;
    r.method = "POST";
    r.target = "/mcp";
    r.headers = {{"host", "localhost:8080"},
                 {"content-type", "application/json"},
                 {"accept", "application/json, text/event-stream"}};
    if (!session.empty()) r.headers.emplace_back("mcp-session-id", std::move(session));
    r.body = std::move(body);
    return r;
  }
  static Request get(std::string session, std::string last_event_id = {}) {
    Request r;
    r.method = "GET";
    r.target = "/mcp";
    r.headers = {{"host", "localhost:8080"}, {"accept", "text/event-stream"}};
    if (!session.empty()) r.headers.emplace_back("mcp-session-id", std::move(session));
    if (!last_event_id.empty()) r.headers.emplace_back("last-event-id", std::move(last_event_id));
    return r;
  }
  static Request del(std::string session) {
    Request r;
    r.method = "DELETE";
    r.target = "/mcp";
    r.headers = {{"host", "localhost:8080"}, {"mcp-session-id", std::move(session)}};
    return r;
  }
  static void set_header(Request& r, std::string name, std::string value) {
    for (auto& [k, v] : r.headers)
      if (k == name) {
        v = std::move(value);
        return;
      }
    r.headers.emplace_back(std::move(name), std::move(value));
  }
  static void drop_header(Request& r, std::string_view name) {
    std::erase_if(r.headers, [&](auto& h) { return h.first == name; });
  }
  static int rpc_code(const Response& r) {
    auto v = J(r.body);
    return static_cast<int>(v.at("error").at("code").as_int64());
  }

  // initialize + notifications/initialized; the session id.
  std::string open_session(std::string_view version = "2025-11-25") {
    auto r = send(post(initialize_body(version)));
    EXPECT_EQ(r.status, 200) << r.body;
    std::string sid(header_of(r, "Mcp-Session-Id"));
    EXPECT_FALSE(sid.empty());
    auto n = send(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sid));
    EXPECT_EQ(n.status, 202);
    return sid;
  }

  boost::asio::io_context io_;
  Server server_{ServerOptions{.info = {"unit-server", "1.0"}}};
  HttpOptions opts_;
  std::unique_ptr<StreamableHttp> http_;
};

// --- DNS rebinding protection ---

TEST_F(HttpTest, ForeignHostIsForbidden) {
  for (const char* host : {"evil.com", "evil.com:8080", "localhost.evil.com", ""}) {
    auto req = post(initialize_body("2025-11-25"));
    set_header(req, "host", host);
    auto r = send(req);
    EXPECT_EQ(r.status, 403) << host;
    EXPECT_TRUE(header_of(r, "Mcp-Session-Id").empty());
  }
  EXPECT_EQ(http_->sessions().size(), 0u);
}

TEST_F(HttpTest, ForeignOriginWithGoodHostIsForbidden) {
  for (const char* origin : {"http://evil.com", "https://evil.com:8080", "null", "http://localhost.evil.com"}) {
    auto req = post(initialize_body("2025-11-25"));
    set_header(req, "origin", origin);
    EXPECT_EQ(send(req).status, 403) << origin;
  }
  auto g = get("whatever");
  set_header(g, "origin", "http://evil.com");
  EXPECT_EQ(send(g).status, 403);
}

TEST_F(HttpTest, LoopbackHostsAndOriginsAreAccepted) {
  for (const char* host : {"localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST", "localhost"}) {
    auto req = post(initialize_body("2025-11-25"));
    set_header(req, "host", host);
    EXPECT_EQ(send(req).status, 200) << host;
  }
  for (const char* origin : {"http://localhost:3000", "http://127.0.0.1:8080", "https://localhost"}) {
    auto req = post(initialize_body("2025-11-25"));
    set_header(req, "origin", origin);
    EXPECT_EQ(send(req).status, 200) << origin;
  }
}

TEST_F(HttpTest, ConfiguredHostsAndOrigins) {
  opts_.host = "0.0.0.0";
  opts_.allowed_hosts = {"mcp.example.com"};
  opts_.allowed_origins = {"https://app.example.com/"};
  rebuild();
  auto ok = post(initialize_body("2025-11-25"));
  set_header(ok, "host", "mcp.example.com");
  EXPECT_EQ(send(ok).status, 200);
  auto port = post(initialize_body("2025-11-25"));
  set_header(port, "host", "mcp.example.com:443");
  EXPECT_EQ(send(port).status, 200);
  auto listed_origin = ok;
  set_header(listed_origin, "origin", "https://app.example.com");
  EXPECT_EQ(send(listed_origin).status, 200);
  auto same_origin = ok;
  set_header(same_origin, "origin", "https://mcp.example.com");
  EXPECT_EQ(send(same_origin).status, 200);

  auto bad_host = ok;
  set_header(bad_host, "host", "localhost:8080");  // not listed, even though loopback
  EXPECT_EQ(send(bad_host).status, 403);
  auto bad_origin = ok;
  set_header(bad_origin, "origin", "https://evil.example.com");
  EXPECT_EQ(send(bad_origin).status, 403);
}

TEST_F(HttpTest, PublicBindWithoutListsChecksOriginAgainstHost) {
  opts_.host = "0.0.0.0";
  rebuild();
  auto req = post(initialize_body("2025-11-25"));
  set_header(req, "host", "mcp.example.com");
  EXPECT_EQ(send(req).status, 200);  // Host is not checked
  set_header(req, "origin", "https://mcp.example.com");
  EXPECT_EQ(send(req).status, 200);
  set_header(req, "origin", "https://evil.com");
  EXPECT_EQ(send(req).status, 403);
}

// --- content negotiation ---

TEST_F(HttpTest, PostNeedsJsonContentType) {
  for (const char* ct : {"text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"}) {
    auto req = post(initialize_body("2025-11-25"));
    if (*ct)
      set_header(req, "content-type", ct);
    else
      drop_header(req, "content-type");
    auto r = send(req);
    EXPECT_EQ(r.status, 415) << ct;
  }
  auto charset = post(initialize_body("2025-11-25"));
  set_header(charset, "content-type", "Application/JSON; charset=utf-8");
  EXPECT_EQ(send(charset).status, 200);
}

TEST_F(HttpTest, PostNeedsBothAcceptTypes) {
  for (const char* accept : {"application/json", "text/event-stream", "text/html", ""}) {
    auto req = post(initialize_body("2025-11-25"));
    if (*accept)
      set_header(req, "accept", accept);
    else
      drop_header(req, "accept");
    EXPECT_EQ(send(req).status, 406) << accept;
  }
  auto q = post(initialize_body("2025-11-25"));
  set_header(q, "accept", "text/event-stream;q=0.9, application/json;q=1");
  EXPECT_EQ(send(q).status, 200);
}

TEST_F(HttpTest, GetNeedsEventStreamAccept) {
  auto sid = open_session();
  auto req = get(sid);
  set_header(req, "accept", "application/json");
  EXPECT_EQ(send(req).status, 406);
  drop_header(req, "accept");
  EXPECT_EQ(send(req).status, 406);
}

TEST_F(HttpTest, UnsupportedProtocolVersionHeaderIsBadRequest) {
  auto sid = open_session();
  for (const char* v : {"1999-01-01", "2024-11-05", "garbage"}) {
    auto req = post(request_body(2, "tools/list"), sid);
    set_header(req, "mcp-protocol-version", v);
    EXPECT_EQ(send(req).status, 400) << v;
  }
  auto ok = post(request_body(2, "tools/list"), sid);
  set_header(ok, "mcp-protocol-version", "2025-11-25");
  EXPECT_EQ(send(ok).status, 200);
}

TEST_F(HttpTest, MalformedJsonIsParseError) {
  auto r = send(post("{\"jsonrpc\":"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(rpc_code(r), errc::kParseError);
  EXPECT_TRUE(J(r.body).at("id").is_null());
  EXPECT_EQ(header_of(r, "Content-Type"), "application/json");
}

TEST_F(HttpTest, InvalidMessageIsInvalidRequest) {
  auto sid = open_session();
  auto r = send(post(R"({"jsonrpc":"2.0","id":5})", sid));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(rpc_code(r), errc::kInvalidRequest);
  EXPECT_EQ(J(r.body).at("id"), 5);
  auto empty_batch = send(post("[]", sid));
  EXPECT_EQ(empty_batch.status, 400);
  EXPECT_EQ(rpc_code(empty_batch), errc::kInvalidRequest);
}

// --- sessions ---

TEST_F(HttpTest, InitializeOpensASession) {
  auto r = send(post(initialize_body("2025-11-25", 7)));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string sid(header_of(r, "Mcp-Session-Id"));
  ASSERT_FALSE(sid.empty());
  for (char c : sid) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x21) << sid;
    EXPECT_LE(static_cast<unsigned char>(c), 0x7E) << sid;
  }
  auto body = J(r.body);
  EXPECT_EQ(body.at("id"), 7);
  auto& result = body.at("result");
  EXPECT_EQ(result.at("protocolVersion"), "2025-11-25");
  EXPECT_EQ(result.at("serverInfo").at("name"), "unit-server");
  EXPECT_TRUE(result.at("capabilities").as_object().contains("tools"));
  EXPECT_EQ(http_->sessions().size(), 1u);

  auto r2 = send(post(initialize_body("2025-11-25")));
  std::string sid2(header_of(r2, "Mcp-Session-Id"));
  EXPECT_NE(sid, sid2);
  EXPECT_EQ(http_->sessions().size(), 2u);
}

TEST_F(HttpTest, VersionNegotiation) {
  auto older = J(send(post(initialize_body("2025-03-26"))).body);
  EXPECT_EQ(older.at("result").at("protocolVersion"), "2025-03-26");
  auto mid = J(send(post(initialize_body("2025-06-18"))).body);
  EXPECT_EQ(mid.at("result").at("protocolVersion"), "2025-06-18");
  auto unknown = J(send(post(initialize_body("2030-01-01"))).body);
  EXPECT_EQ(unknown.at("result").at("protocolVersion"), "2025-11-25");
}

TEST_F(HttpTest, InitializeWithoutProtocolVersionIsAnErrorAndOpensNoSession) {
  auto r = send(post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"));
  EXPECT_TRUE(header_of(r, "Mcp-Session-Id").empty());
  EXPECT_EQ(rpc_code(r), errc::kInvalidParams);
  EXPECT_EQ(http_->sessions().size(), 0u);
}

TEST_F(HttpTest, RequestWithoutSessionIdIsBadRequest) {
  open_session();
  auto r = send(post(request_body(2, "tools/list")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(send(get("")).status, 400);
}

TEST_F(HttpTest, UnknownSessionIsNotFound) {
  open_session();
  EXPECT_EQ(send(post(request_body(2, "tools/list"), "no-such-session")).status, 404);
  EXPECT_EQ(send(get("no-such-session")).status, 404);
  EXPECT_EQ(send(del("no-such-session")).status, 404);
}

TEST_F(HttpTest, NotificationIsAcceptedWithEmptyBody) {
  auto sid = open_session();
  auto r = send(post(R"({"jsonrpc":"2.0","method":"notifications/roots/list_changed"})", sid));
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.stream);
  auto resp = send(post(R"({"jsonrpc":"2.0","id":99,"result":{}})", sid));  // a response to nothing
  EXPECT_EQ(resp.status, 202);
  EXPECT_TRUE(resp.body.empty());
}

TEST_F(HttpTest, RequestsAreAnsweredAsJson) {
  auto sid = open_session();
  auto ping = send(post(request_body(2, "ping"), sid));
  ASSERT_EQ(ping.status, 200);
  EXPECT_EQ(J(ping.body), J(R"({"jsonrpc":"2.0","id":2,"result":{}})"));
  EXPECT_EQ(header_of(ping, "Mcp-Session-Id"), sid);

  auto call = send(post(request_body(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}), sid));
  ASSERT_EQ(call.status, 200);
  auto body = J(call.body);
  EXPECT_EQ(body.at("id"), 3);
  EXPECT_EQ(body.at("result").at("content").at(0).at("text"), "hi");

  auto unknown = send(post(request_body(4, "no/such/method"), sid));
  ASSERT_EQ(unknown.status, 200);
  EXPECT_EQ(rpc_code(unknown), errc::kMethodNotFound);
}

TEST_F(HttpTest, ProgressTurnsTheAnswerIntoAnSseStream) {
  auto sid = open_session();
  auto r = send(post(request_body(5, "tools/call", {{"name", "slow"}, {"_meta", {{"progressToken", "p1"}}}}), sid));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header_of(r, "Content-Type"), "text/event-stream");
  ASSERT_TRUE(r.stream);
  auto c = drain(*r.stream);
  EXPECT_TRUE(c.last);
  auto data = sse_field(c.bytes, "data");
  ASSERT_EQ(data.size(), 3u) << c.bytes;  // priming event, progress, response
  EXPECT_EQ(data[0], "");
  EXPECT_EQ(J(data[1]).at("method"), "notifications/progress");
  EXPECT_EQ(J(data[1]).at("params").at("progressToken"), "p1");
  EXPECT_EQ(J(data[2]).at("id"), 5);
  EXPECT_EQ(J(data[2]).at("result").at("content").at(0).at("text"), "done");
}

TEST_F(HttpTest, DeleteEndsTheSession) {
  auto sid = open_session();
  auto r = send(del(sid));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(http_->sessions().size(), 0u);
  EXPECT_EQ(send(post(request_body(2, "ping"), sid)).status, 404);
  EXPECT_EQ(send(del(sid)).status, 404);
}

TEST_F(HttpTest, BatchOnA20250326Session) {
  auto sid = open_session("2025-03-26");
  auto r = send(post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},
                         {"jsonrpc":"2.0","method":"notifications/roots/list_changed"},
                         {"jsonrpc":"2.0","id":2,"method":"tools/list"}])",
                     sid));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = J(r.body);
  ASSERT_TRUE(body.is_array()) << r.body;
  ASSERT_EQ(body.as_array().size(), 2u);
  std::vector<std::int64_t> ids;
  for (auto& m : body.as_array()) {
    ids.push_back(m.at("id").as_int64());
    EXPECT_TRUE(m.as_object().contains("result"));
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2}));

  auto notes_only = send(post(R"([{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}])", sid));
  EXPECT_EQ(notes_only.status, 202);
}

TEST_F(HttpTest, BatchRefusedOnNewerSessions) {
  for (const char* v : {"2025-11-25", "2025-06-18"}) {
    auto sid = open_session(v);
    auto r = send(post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", sid));
    EXPECT_EQ(r.status, 400) << v;
    EXPECT_EQ(rpc_code(r), errc::kInvalidRequest) << v;
  }
}

TEST_F(HttpTest, InitializeInABatchIsRefused) {
  auto r = send(post("[" + initialize_body("2025-03-26") + "]"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(http_->sessions().size(), 0u);
}

TEST_F(HttpTest, SecondInitializeOnASessionIsRefused) {
  auto sid = open_session();
  auto r = send(post(initialize_body("2025-11-25", 9), sid));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(rpc_code(r), errc::kInvalidRequest);
  EXPECT_EQ(J(r.body).at("id"), 9);
  EXPECT_EQ(http_->sessions().size(), 1u);
}

TEST_F(HttpTest, StandaloneStreamAndConflict) {
  auto sid = open_session();
  auto first = send(get(sid));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(header_of(first, "Content-Type"), "text/event-stream");
  EXPECT_EQ(header_of(first, "Mcp-Session-Id"), sid);
  ASSERT_TRUE(first.stream);
  auto second = send(get(sid));
  EXPECT_EQ(second.status, 409);
  EXPECT_FALSE(second.stream);

  first.stream->close();  // the client disconnected
  auto third = send(get(sid));
  EXPECT_EQ(third.status, 200);
}

TEST_F(HttpTest, ListChangedReachesTheStandaloneStream) {
  auto sid = open_session();
  auto uninitialized = send(post(initialize_body("2025-11-25")));
  std::string sid2(header_of(uninitialized, "Mcp-Session-Id"));
  auto stream = send(get(sid));
  auto stream2 = send(get(sid2));
  ASSERT_TRUE(stream.stream);
  ASSERT_TRUE(stream2.stream);
  drain(*stream.stream);
  drain(*stream2.stream);

  Tool t;
  t.name = "late";
  server_.add_tool(t, progress_tool);
  auto c = drain(*stream.stream);
  auto data = sse_field(c.bytes, "data");
  ASSERT_EQ(data.size(), 1u) << c.bytes;
  EXPECT_EQ(J(data[0]).at("method"), "notifications/tools/list_changed");
  // A session that has not sent notifications/initialized yet gets nothing.
  EXPECT_TRUE(drain(*stream2.stream).bytes.empty());
}

TEST_F(HttpTest, ResumeWithLastEventId) {
  auto sid = open_session();
  auto stream = send(get(sid));
  ASSERT_TRUE(stream.stream);
  auto primed = drain(*stream.stream);
  auto ids = sse_field(primed.bytes, "id");
  ASSERT_EQ(ids.size(), 1u) << primed.bytes;
  stream.stream->close();
  Tool t;
  t.name = "late";
  server_.add_tool(t, progress_tool);  // stored while nobody listens

  auto resumed = send(get(sid, ids[0]));
  ASSERT_EQ(resumed.status, 200);
  ASSERT_TRUE(resumed.stream);
  auto data = sse_field(drain(*resumed.stream).bytes, "data");
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(J(data[0]).at("method"), "notifications/tools/list_changed");
}

TEST_F(HttpTest, UnknownLastEventIdIsBadRequest) {
  auto sid = open_session();
  for (const char* id : {"0-999", "garbage", "5-1"}) {
    auto r = send(get(sid, id));
    EXPECT_EQ(r.status, 400) << id;
    EXPECT_FALSE(r.stream);
  }
}

TEST_F(HttpTest, LastEventIdMustBelongToTheSessionAndStream) {
  auto a = open_session();
  auto b = open_session();
  auto stream = send(get(a));
  ASSERT_TRUE(stream.stream);
  auto ids = sse_field(drain(*stream.stream).bytes, "id");
  ASSERT_EQ(ids.size(), 1u);
  stream.stream->close();
  EXPECT_EQ(send(get(b, ids[0])).status, 400);  // another session's event

  std::uint64_t st = 0, seq = 0;
  ASSERT_TRUE(protocol::parse_event_id(ids[0], st, seq));
  auto forged = protocol::make_event_id(st + 5, seq);  // right sequence, wrong stream
  auto r = send(get(a, forged));
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(send(get(a, ids[0])).status, 200);
}

TEST_F(HttpTest, OtherMethodsAreNotAllowed) {
  for (const char* m : {"PUT", "PATCH", "HEAD"}) {
    auto req = post(initialize_body("2025-11-25"));
    req.method = m;
    auto r = send(req);
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_NE(header_of(r, "Allow").find("POST"), std::string_view::npos) << m;
  }
  EXPECT_EQ(http_->sessions().size(), 0u);
}

TEST_F(HttpTest, SessionCapGives503) {
  opts_.max_sessions = 2;
  opts_.max_sessions_per_principal = 2;
  rebuild();
  open_session();
  open_session();
  auto other = post(initialize_body("2025-11-25"));
  other.remote_address = "10.0.0.2";  // another client: the overall cap, not a share, refuses it
  auto r = send(other);
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(header_of(r, "Retry-After").empty());
  EXPECT_TRUE(header_of(r, "Mcp-Session-Id").empty());
  EXPECT_EQ(http_->sessions().size(), 2u);
}

TEST_F(HttpTest, DeleteFreesRoomUnderTheCap) {
  opts_.max_sessions = 1;
  rebuild();
  auto sid = open_session();
  auto other = post(initialize_body("2025-11-25"));
  other.remote_address = "10.0.0.2";  // another client: the same one would replace its own idle session
  EXPECT_EQ(send(other).status, 503);
  EXPECT_EQ(send(del(sid)).status, 200);
  EXPECT_EQ(send(other).status, 200);
}

// --- per-principal session shares ---

std::shared_ptr<auth::Authenticator> proxy_auth() {
  auth::AuthOptions a;
  a.mode = auth::Mode::header;
  a.proxy_secret = "s3cret";
  return std::make_shared<auth::Authenticator>(a, nullptr);
}

Request as_user(Request r, const std::string& user) {
  r.headers.emplace_back("x-mcpbridge-proxy-secret", "s3cret");
  r.headers.emplace_back("x-mcpbridge-user", user);
  return r;
}

// The issue's case: 20 initializes with one identity at sessions.max 20 left every other
// principal with 503 until idle expiry.
TEST_F(HttpTest, OnePrincipalCannotTakeEverySession) {
  opts_.max_sessions = 20;
  opts_.authenticator = proxy_auth();
  rebuild();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(send(as_user(post(initialize_body("2025-11-25")), "alice")).status, 200) << i;
  EXPECT_EQ(http_->sessions().size(), 2u);  // its share: max(1, 20 / 10)
  auto r = send(as_user(post(initialize_body("2025-11-25")), "bob"));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(HttpTest, APrincipalWithNothingIdleAtItsShareGets429) {
  opts_.max_sessions_per_principal = 1;
  rebuild();
  auto sid = open_session();
  auto stream = send(get(sid));  // an open GET stream: the session is busy
  ASSERT_EQ(stream.status, 200);
  auto r = send(post(initialize_body("2025-11-25")));
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(header_of(r, "Retry-After").empty());
  EXPECT_NE(r.body.find("Too many sessions for this principal"), std::string::npos) << r.body;
  // Without authentication the share is per client address.
  auto other = post(initialize_body("2025-11-25"));
  other.remote_address = "10.0.0.2";
  EXPECT_EQ(send(other).status, 200);
  // Once idle, the client's own old session makes room for its new one.
  stream.stream->close();
  EXPECT_EQ(send(post(initialize_body("2025-11-25"))).status, 200);
  EXPECT_EQ(send(post(request_body(5, "ping"), sid)).status, 404);
}

// Found by http_request_fuzz: the metadata (and the challenge) are built from the Host header,
// whose raw bytes made the JSON invalid UTF-8.
TEST_F(HttpTest, ResourceUrlFromAnOddHostStaysAscii) {
  auth::AuthOptions a;  // OAuth with an authorization server: the metadata is served
  a.mode = auth::Mode::oauth;
  a.authorization_servers = {"https://as.example"};
  opts_.authenticator = std::make_shared<auth::Authenticator>(a, nullptr);
  opts_.host = "0.0.0.0";  // Host is not checked when not bound to loopback
  rebuild();
  Request wk = get("");
  wk.target = "/.well-known/oauth-protected-resource/mcp";
  set_header(wk, "host", "localhos\x88t:8080 x");
  auto r = http_->well_known(wk);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto doc = J(r->body);  // throws on invalid UTF-8
  EXPECT_EQ(doc.at("resource").as_string(), "http://localhos%88t:8080%20x/mcp");
  auto denied = post(request_body(1, "ping"));
  set_header(denied, "host", "h\xC3\x28");
  auto d = send(denied);
  EXPECT_EQ(d.status, 401);
  auto challenge = header_of(d, "WWW-Authenticate");
  EXPECT_NE(challenge.find("\"http://h%C3(/.well-known/oauth-protected-resource/mcp\""), std::string_view::npos)
      << challenge;
}

// --- batch length ---

std::string ping_batch(int n) {
  std::string b = "[";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += request_body(100 + i, "ping");
  }
  return b + "]";
}

TEST_F(HttpTest, BatchAboveMaxBatchIs400) {
  opts_.max_batch = 3;
  rebuild();
  auto sid = open_session("2025-03-26");
  auto r = send(post(ping_batch(4), sid));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(rpc_code(r), errc::kInvalidRequest);
  EXPECT_NE(r.body.find("at most 3"), std::string::npos) << r.body;
  EXPECT_EQ(send(post(ping_batch(3), sid)).status, 200);
  // Commas inside strings, objects and nested arrays are not the batch's.
  json::object args{{"text", "a,b,\"c\",[d,e],{f:g}"}};
  std::string call = request_body(7, "tools/call", {{"name", "echo"}, {"arguments", args}});
  std::string nested =
      R"({"jsonrpc":"2.0","id":8,"method":"ping","params":{"_meta":{"a":[1,2,[3,4]],"b":{"c":1,"d":2}}}})";
  auto ok = send(post(" [" + call + ", " + nested + ",\n" + request_body(9, "ping") + "]", sid));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(J(ok.body).as_array().size(), 3u);
}

// The issue's case: a 4 MiB batch of 102k pings cost ~200 MiB of heap and stalled other
// requests; the default cap (100) refuses it before parsing.
TEST_F(HttpTest, AHugeBatchIsRefusedByDefault) {
  auto sid = open_session("2025-03-26");
  auto r = send(post(ping_batch(102400), sid));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(rpc_code(r), errc::kInvalidRequest);
  EXPECT_EQ(send(post(ping_batch(100), sid)).status, 200);
}

TEST_F(HttpTest, CancelledRequestGetsNoAnswer) {
  auto sid = open_session();
  // A cancellation for an unknown request is ignored (202, nothing else happens).
  auto r = send(post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42}})", sid));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(send(post(request_body(43, "ping"), sid)).status, 200);
}

}  // namespace
}  // namespace mcp::http
