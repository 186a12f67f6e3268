// Tool arguments cannot change the structure of the upstream URL or header block (issue 20):
// dot and empty path segments, server variables, query names from exploded objects, control
// characters in headers. Each test fails on the builder before the fix.
#include <gtest/gtest.h>

#include "openapi_test_util.hpp"
#include "sources/openapi/request.hpp"

using namespace mcp;
using namespace mcp::openapi;
using openapi_test::op_with;
using openapi_test::param;

namespace {

// The refusal's message, or "" when the request was built.
std::string refusal(const Operation& op, const json::object& args, const RequestOptions& o = {}) {
  auto r = build_request(op, args, o);
  if (r) return "";
  EXPECT_FALSE(r.error().message.empty());
  return r.error().message;
}

}  // namespace

// {"id": ".."} used to send GET /v1/items/../detail with the service credential.
TEST(OpenApiRequestHardening, DotPathValuesAreRefusedNamingTheArgument) {
  auto op = op_with("GET", "/items/{id}/detail", {param("id", ParamIn::path)});
  for (auto* v : {".", ".."}) {
    auto r = build_request(op, {{"id", v}}, {});
    ASSERT_FALSE(r) << v << " built " << r->url;
    EXPECT_EQ(r.error().code, errc::kInvalidParams);
    EXPECT_NE(r.error().message.find("Argument id"), std::string::npos) << r.error().message;
  }
  // Two variables: /items/../admin.
  auto two = op_with("GET", "/items/{a}/{b}", {param("a", ParamIn::path), param("b", ParamIn::path)});
  EXPECT_NE(refusal(two, {{"a", ".."}, {"b", "admin"}}).find("Argument a"), std::string::npos);
  // Dots that are not a whole segment stay.
  auto ext = op_with("GET", "/items/{id}.json", {param("id", ParamIn::path)});
  EXPECT_EQ(build_request(ext, {{"id", "..x"}}, {})->url, "https://api.example.com/v1/items/..x.json");
  EXPECT_EQ(build_request(op, {{"id", "..."}}, {})->url, "https://api.example.com/v1/items/.../detail");
}

// "" made /items//detail, which servers that merge slashes read as /items/detail.
TEST(OpenApiRequestHardening, EmptyPathValuesAreRefused) {
  auto op = op_with("GET", "/items/{id}/detail", {param("id", ParamIn::path)});
  EXPECT_NE(refusal(op, {{"id", ""}}).find("Argument id is empty"), std::string::npos);
  // An empty array or object leaves the segment empty.
  for (const json::value& v : {json::value(json::array{}), json::value(json::object{})}) {
    auto m = refusal(op, {{"id", v}});
    EXPECT_NE(m.find("Argument id would make a path segment empty"), std::string::npos)
        << json::serialize(v) << ": " << m;
  }
  // Not when the segment keeps other text.
  auto ext = op_with("GET", "/items/{id}.json", {param("id", ParamIn::path)});
  EXPECT_EQ(build_request(ext, {{"id", json::array{}}}, {})->url, "https://api.example.com/v1/items/.json");
}

// Values harmless alone that expand to a dot segment: two variables in one segment, the label
// style's leading '.', a one-item array.
TEST(OpenApiRequestHardening, ExpansionsMakingADotSegmentAreRefused) {
  auto two = op_with("GET", "/items/{a}{b}/x", {param("a", ParamIn::path), param("b", ParamIn::path)});
  auto m = refusal(two, {{"a", 7}, {"b", 7}});
  EXPECT_EQ(m, "");
  auto label = op_with("GET", "/items/{id}/x", {param("id", ParamIn::path, "label", true)});
  m = refusal(label, {{"id", json::array{"", ""}}});
  EXPECT_NE(m.find("Argument id would make a path segment '..'"), std::string::npos) << m;
  m = refusal(label, {{"id", json::array{""}}});
  EXPECT_NE(m.find("'.'"), std::string::npos) << m;
  auto simple = op_with("GET", "/items/{id}/x", {param("id", ParamIn::path)});
  m = refusal(simple, {{"id", json::array{".."}}});
  EXPECT_NE(m.find("Argument id"), std::string::npos) << m;
  // Matrix values always start with ';': never a dot segment.
  auto matrix = op_with("GET", "/items/{id}/x", {param("id", ParamIn::path, "matrix")});
  EXPECT_EQ(build_request(matrix, {{"id", json::array{"."}}}, {})->url, "https://api.example.com/v1/items/;id=./x");
}

// Percent-encoded and reserved characters stay inside their segment.
TEST(OpenApiRequestHardening, ReservedCharactersStayInTheirSegment) {
  auto op = op_with("GET", "/items/{id}/detail", {param("id", ParamIn::path)});
  auto url = [&](std::string v) { return build_request(op, {{"id", v}}, {})->url; };
  EXPECT_EQ(url("%2e%2e"), "https://api.example.com/v1/items/%252e%252e/detail");
  EXPECT_EQ(url("a\\b"), "https://api.example.com/v1/items/a%5Cb/detail");
  EXPECT_EQ(url("?x=1#f"), "https://api.example.com/v1/items/%3Fx%3D1%23f/detail");
  EXPECT_EQ(url("\r\n\t"), "https://api.example.com/v1/items/%0D%0A%09/detail");
}

// A server variable fills a host, port or base path; '?', '#', '@', '\', spaces and control
// characters would move the path into a query, a fragment or a userinfo.
TEST(OpenApiRequestHardening, ServerVariablesCannotChangeTheUrlStructure) {
  auto op = op_with("GET", "/x", {});
  op.servers = {ServerUrl{"https://{region}.api.example.com/{base}", {{"region", {"eu", {}}}, {"base", {"v2", {}}}}}};
  RequestOptions o;
  for (auto* bad : {"evil.com?", "evil.com#", "evil.com@", "a\\b", "a b", "a\r\nb"}) {
    o.server_variables = {{"region", bad}};
    auto r = build_request(op, {}, o);
    EXPECT_FALSE(r) << bad << " built " << r->url;
  }
  o.server_variables = {{"base", "v3/beta"}};
  EXPECT_EQ(build_request(op, {}, o)->url, "https://eu.api.example.com/v3/beta/x");
  RequestOptions frag;
  frag.base_url = "https://api.example.com/v1#top";
  EXPECT_FALSE(build_request(op, {}, frag));
  RequestOptions nohost;
  nohost.base_url = "http:///v1";
  EXPECT_FALSE(build_request(op, {}, nohost));
}

// A base URL with a query used to get the path appended after its query.
TEST(OpenApiRequestHardening, BaseUrlQueryStaysAfterThePath) {
  auto op = op_with("GET", "/items/{id}", {param("id", ParamIn::path), param("q", ParamIn::query)});
  RequestOptions o;
  o.base_url = "https://api.example.com/v1/?tenant=7";
  EXPECT_EQ(build_request(op, {{"id", "a"}, {"q", "b c"}}, o)->url,
            "https://api.example.com/v1/items/a?tenant=7&q=b%20c");
  EXPECT_EQ(build_request(op, {{"id", "a"}}, o)->url, "https://api.example.com/v1/items/a?tenant=7");
}

// An exploded object's keys become query names: they cannot name the credential's key or
// another parameter (first-wins upstreams would take the caller's).
TEST(OpenApiRequestHardening, ExplodedQueryKeysCannotTakeOtherNames) {
  auto op = op_with("GET", "/s", {param("filter", ParamIn::query, "form", true), param("limit", ParamIn::query)});
  RequestOptions o;
  o.reserved_query_names = {"api_key"};
  auto m = refusal(op, {{"filter", json::object{{"API_KEY", "attacker"}}}}, o);
  EXPECT_NE(m.find("Argument filter has the key 'API_KEY'"), std::string::npos) << m;
  EXPECT_NE(refusal(op, {{"filter", json::object{{"limit", "1"}}}}, o), "");
  EXPECT_EQ(build_request(op, {{"filter", json::object{{"color", "red"}}}, {"limit", 2}}, o)->url,
            "https://api.example.com/v1/s?color=red&limit=2");
}

// Header values: any control character (not only CR/LF/NUL) is refused; spec names that are
// not tokens cannot be sent; cookie values are encoded (';' cannot add a cookie).
TEST(OpenApiRequestHardening, HeadersAndCookiesKeepTheirStructure) {
  auto op = op_with("GET", "/h", {param("X-Trace", ParamIn::header), param("session", ParamIn::cookie)});
  for (auto* v : {"a\x01"
                  "b",
                  "a\x7f", "a\x0b"}) {
    auto m = refusal(op, {{"X-Trace", v}});
    EXPECT_NE(m.find("Argument X-Trace contains a control character"), std::string::npos) << m;
  }
  EXPECT_EQ(refusal(op, {{"X-Trace", "a\tb"}}), "");
  auto r = build_request(op, {{"session", "x; admin=1"}}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(net::find_header(r->headers, "cookie"), "session=x%3B%20admin%3D1");
  auto bad_name = op_with("GET", "/h", {param("X Bad:", ParamIn::header)});
  EXPECT_NE(refusal(bad_name, {{"X Bad:", "v"}}), "");
  auto bad_cookie = op_with("GET", "/h", {param("a=b", ParamIn::cookie)});
  EXPECT_NE(refusal(bad_cookie, {{"a=b", "v"}}), "");
}
