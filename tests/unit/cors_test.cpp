// CORS for browser-based MCP clients (the Inspector's UI, web hosts): /mcp and the RFC 9728
// metadata answer preflights from accepted origins (server.allowed_origins), refuse the others,
// and let an accepted origin's script read the session id and the OAuth challenge.
#include "http/streamable_http.hpp"

#include <mcp/core/ascii.hpp>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace mcp::http {
namespace {

std::string header_of(const Response& r, std::string_view lower_name) {
  for (auto& [k, v] : r.headers)
    if (ascii::lower(k) == lower_name) return v;
  return {};
}

class Cors : public ::testing::Test {
 protected:
  Cors() {
    opts_.host = "0.0.0.0";
    opts_.allowed_hosts = {"mcp.example.com"};
    opts_.allowed_origins = {"https://app.example.com"};
    auth::AuthOptions a;
    a.mode = auth::Mode::oauth;
    a.authorization_servers = {"https://mcp.example.com"};
    a.token_verifier = [](std::string_view, const std::string&) -> std::variant<Principal, std::string> {
      Principal p;
      p.subject = "u";
      p.method = "oauth";
      return p;
    };
    opts_.authenticator = std::make_shared<auth::Authenticator>(a, nullptr);
    http_ = std::make_unique<StreamableHttp>(server_, opts_);
  }
  static Request request(std::string method, std::string target, std::string origin) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"host", "mcp.example.com"}};
    if (!origin.empty()) r.headers.emplace_back("origin", std::move(origin));
    return r;
  }
  static Request preflight(std::string origin, std::string target = "/mcp") {
    auto r = request("OPTIONS", std::move(target), std::move(origin));
    r.headers.emplace_back("access-control-request-method", "POST");
    r.headers.emplace_back("access-control-request-headers", "authorization, content-type, mcp-param-region");
    return r;
  }
  static Request initialize(std::string origin, bool with_token) {
    auto r = request("POST", "/mcp", std::move(origin));
    r.headers.emplace_back("content-type", "application/json");
    r.headers.emplace_back("accept", "application/json, text/event-stream");
    if (with_token) r.headers.emplace_back("authorization", "Bearer eyJ.a.b");
    r.body = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
             R"("capabilities":{},"clientInfo":{"name":"web","version":"1"}}})";
    return r;
  }
  Response send(Request r) { return test::run(io_, http_->handle(std::move(r))); }

  boost::asio::io_context io_;
  Server server_{ServerOptions{.info = {"cors", "1.0"}}};
  HttpOptions opts_;
  std::unique_ptr<StreamableHttp> http_;
};

TEST_F(Cors, AnAllowedOriginsPreflightIsAnswered) {
  auto r = send(preflight("https://app.example.com"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(header_of(r, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_NE(header_of(r, "access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_NE(header_of(r, "access-control-allow-methods").find("DELETE"), std::string::npos);
  auto allowed = header_of(r, "access-control-allow-headers");
  for (const char* h : {"Authorization", "Content-Type", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID",
                        "mcp-param-region"})
    EXPECT_NE(allowed.find(h), std::string::npos) << h << " in " << allowed;
  EXPECT_FALSE(header_of(r, "access-control-max-age").empty());
  EXPECT_NE(header_of(r, "vary").find("Origin"), std::string::npos);
  EXPECT_EQ(http_->sessions().size(), 0u);
}

TEST_F(Cors, ADisallowedOriginsPreflightIsRefused) {
  for (const char* origin : {"https://evil.example.com", "null", "https://app.example.com.evil.example"}) {
    auto r = send(preflight(origin));
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_TRUE(header_of(r, "access-control-allow-origin").empty()) << origin;
  }
}

TEST_F(Cors, AllowedOriginsReadTheChallengeAndTheSessionId) {
  auto challenge = send(initialize("https://app.example.com", false));
  EXPECT_EQ(challenge.status, 401);
  EXPECT_EQ(header_of(challenge, "access-control-allow-origin"), "https://app.example.com");
  auto exposed = header_of(challenge, "access-control-expose-headers");
  for (const char* h : {"Mcp-Session-Id", "WWW-Authenticate", "Mcp-Protocol-Version"})
    EXPECT_NE(exposed.find(h), std::string::npos) << h;
  auto ok = send(initialize("https://app.example.com", true));
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(header_of(ok, "mcp-session-id").empty());
  EXPECT_EQ(header_of(ok, "access-control-allow-origin"), "https://app.example.com");
  // Not a browser (no Origin): no CORS headers at all.
  auto plain = send(initialize("", true));
  EXPECT_EQ(plain.status, 200);
  EXPECT_TRUE(header_of(plain, "access-control-allow-origin").empty());
  // A foreign origin's request is refused outright (DNS-rebinding protection).
  EXPECT_EQ(send(initialize("https://evil.example.com", true)).status, 403);
}

TEST_F(Cors, TheProtectedResourceMetadataToo) {
  auto pre = http_->well_known(preflight("https://app.example.com", "/.well-known/oauth-protected-resource/mcp"));
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(header_of(*pre, "access-control-allow-origin"), "https://app.example.com");
  auto bad = http_->well_known(preflight("https://evil.example.com", "/.well-known/oauth-protected-resource/mcp"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  auto doc = http_->well_known(request("GET", "/.well-known/oauth-protected-resource/mcp", "https://app.example.com"));
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(header_of(*doc, "access-control-allow-origin"), "https://app.example.com");
}

}  // namespace
}  // namespace mcp::http
