// Request building and response mapping: every parameter style and body encoding, against
// the strings the OpenAPI 3.1 style tables give.
#include "sources/openapi/request.hpp"

#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include <mcp/core/encoding.hpp>

#include "openapi_test_util.hpp"
#include "sources/openapi/response.hpp"
#include "sources/openapi/retry.hpp"

using namespace mcp;
using namespace mcp::openapi;
using openapi_test::op_with;
using openapi_test::param;

namespace {

net::ClientRequest build(const Operation& op, json::object args, RequestOptions opt = {}) {
  auto r = build_request(op, args, opt);
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r.value());
}

std::string url_of(const Operation& op, json::object args) { return build(op, std::move(args)).url; }

const json::value kArray = json::array{"blue", "black", "brown"};
const json::value kObject = json::object{{"R", 100}, {"G", 200}, {"B", 150}};

}  // namespace

TEST(OpenApiRequest, PathValuesAreEncodedPerSegment) {
  auto op = op_with("GET", "/files/{name}/meta", {param("name", ParamIn::path)});
  EXPECT_EQ(url_of(op, {{"name", "a/b?c#d e"}}), "https://api.example.com/v1/files/a%2Fb%3Fc%23d%20e/meta");
  EXPECT_EQ(url_of(op, {{"name", "h\xC3\xA9llo"}}), "https://api.example.com/v1/files/h%C3%A9llo/meta");
  EXPECT_EQ(url_of(op, {{"name", "../etc"}}), "https://api.example.com/v1/files/..%2Fetc/meta");
  EXPECT_EQ(url_of(op, {{"name", "a,b;c=d"}}), "https://api.example.com/v1/files/a%2Cb%3Bc%3Dd/meta");
  EXPECT_EQ(url_of(op, {{"name", 42}}), "https://api.example.com/v1/files/42/meta");
}

TEST(OpenApiRequest, PathStyles) {
  struct Case {
    std::string style;
    bool explode;
    json::value v;
    std::string want;
  } cases[] = {
      {"simple", false, "blue", "blue"},
      {"simple", false, kArray, "blue,black,brown"},
      {"simple", false, kObject, "R,100,G,200,B,150"},
      {"simple", true, kObject, "R=100,G=200,B=150"},
      {"label", false, "blue", ".blue"},
      {"label", false, kArray, ".blue,black,brown"},
      {"label", true, kArray, ".blue.black.brown"},
      {"label", false, kObject, ".R,100,G,200,B,150"},
      {"label", true, kObject, ".R=100.G=200.B=150"},
      {"matrix", false, "blue", ";color=blue"},
      {"matrix", false, kArray, ";color=blue,black,brown"},
      {"matrix", true, kArray, ";color=blue;color=black;color=brown"},
      {"matrix", false, kObject, ";color=R,100,G,200,B,150"},
      {"matrix", true, kObject, ";R=100;G=200;B=150"},
  };
  for (auto& c : cases) {
    auto op = op_with("GET", "/c/{color}", {param("color", ParamIn::path, c.style, c.explode)});
    EXPECT_EQ(url_of(op, {{"color", c.v}}), "https://api.example.com/v1/c/" + c.want) << c.style << " " << c.explode;
  }
}

TEST(OpenApiRequest, QueryStyles) {
  struct Case {
    std::string style;
    bool explode;
    json::value v;
    std::string want;
  } cases[] = {
      {"form", true, "blue", "color=blue"},
      {"form", true, kArray, "color=blue&color=black&color=brown"},
      {"form", false, kArray, "color=blue,black,brown"},
      {"form", true, kObject, "R=100&G=200&B=150"},
      {"form", false, kObject, "color=R,100,G,200,B,150"},
      {"spaceDelimited", false, kArray, "color=blue%20black%20brown"},
      {"pipeDelimited", false, kArray, "color=blue%7Cblack%7Cbrown"},
      {"spaceDelimited", true, kArray, "color=blue&color=black&color=brown"},
      {"deepObject", true, kObject, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"},
      {"form", true, "a b&c=d#e/f?g", "color=a%20b%26c%3Dd%23e%2Ff%3Fg"},
      {"form", true, true, "color=true"},
      {"form", true, 1.5, "color=1.5"},
  };
  for (auto& c : cases) {
    auto op = op_with("GET", "/q", {param("color", ParamIn::query, c.style, c.explode)});
    EXPECT_EQ(url_of(op, {{"color", c.v}}), "https://api.example.com/v1/q?" + c.want) << c.style << " " << c.explode;
  }
}

TEST(OpenApiRequest, QueryAllowReservedContentAndAbsentOptionals) {
  auto p = param("path", ParamIn::query, "form", true);
  p.allow_reserved = true;
  auto j = param("filter", ParamIn::query);
  j.content_type = "application/json";
  auto op = op_with("GET", "/q", {p, j, param("unused", ParamIn::query, "form", true)});
  EXPECT_EQ(url_of(op, {{"path", "/a/b:c"}, {"filter", json::object{{"x", 1}}}}),
            "https://api.example.com/v1/q?path=/a/b:c&filter=%7B%22x%22%3A1%7D");
  EXPECT_EQ(url_of(op, {{"unused", nullptr}}), "https://api.example.com/v1/q");
}

TEST(OpenApiRequest, HeadersAndCookies) {
  auto op = op_with("GET", "/h",
                    {param("X-Colors", ParamIn::header), param("X-Obj", ParamIn::header, "simple", true),
                     param("session", ParamIn::cookie), param("theme", ParamIn::cookie)});
  auto r = build(op, {{"X-Colors", kArray}, {"X-Obj", kObject}, {"session", "a b;c"}, {"theme", "dark"}});
  EXPECT_EQ(net::find_header(r.headers, "x-colors"), "blue,black,brown");
  EXPECT_EQ(net::find_header(r.headers, "x-obj"), "R=100,G=200,B=150");
  EXPECT_EQ(net::find_header(r.headers, "cookie"), "session=a%20b%3Bc; theme=dark");
  EXPECT_EQ(net::find_header(r.headers, "accept"), "application/json, */*;q=0.5");
  auto accept = op_with("GET", "/h", {param("Accept", ParamIn::header)});
  EXPECT_EQ(net::find_header(build(accept, {{"Accept", "text/csv"}}).headers, "accept"), "text/csv");
  auto bad = build_request(op, {{"X-Colors", "a\r\nInjected: yes"}}, {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::kInvalidParams);
  EXPECT_NE(bad.error().message.find("line break"), std::string::npos);
}

TEST(OpenApiRequest, MissingRequiredArgumentsAreAllNamed) {
  auto q = param("q", ParamIn::query);
  q.required = true;
  auto op = op_with("POST", "/u/{id}", {param("id", ParamIn::path), q});
  op.body =
      Body{"application/json", true, {}, {BodyField{"name", "name", true}, BodyField{"age", "age", false}}, "", {}};
  auto r = build_request(op, {{"age", 3}}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kInvalidParams);
  EXPECT_EQ(r.error().message, "Missing required arguments: id, q, name");
}

TEST(OpenApiRequest, JsonBodies) {
  auto op = op_with("POST", "/pets", {param("dry_run", ParamIn::query)});
  op.body = Body{
      "application/json", true, {}, {BodyField{"name", "name", true}, BodyField{"type", "body_type", false}}, "", {}};
  auto r = build(op, {{"name", "Rex"}, {"body_type", "dog"}, {"dry_run", false}, {"idempotency_key", "k"}});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.example.com/v1/pets?dry_run=false");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"name":"Rex","type":"dog"})"));
  EXPECT_EQ(net::find_header(r.headers, "content-type"), "application/json");

  auto wrapped = op_with("PUT", "/tags", {});
  wrapped.body = Body{"application/merge-patch+json", true, {}, {}, "body", {}};
  auto w = build(wrapped, {{"body", json::array{"a", "b"}}});
  EXPECT_EQ(w.body, R"(["a","b"])");
  EXPECT_EQ(net::find_header(w.headers, "content-type"), "application/merge-patch+json");

  auto optional = op_with("POST", "/ping", {});
  optional.body = Body{"application/json", false, {}, {BodyField{"note", "note", false}}, "", {}};
  auto o = build(optional, {});
  EXPECT_TRUE(o.body.empty());
  EXPECT_TRUE(net::find_header(o.headers, "content-type").empty());
}

// Spaces as %20, not '+': validators that read '+' as a reserved character accept it too.
TEST(OpenApiRequest, FormBodiesEncodeSpacesAsPercent20) {
  auto op = op_with("POST", "/Messages.json", {});
  op.body = Body{"application/x-www-form-urlencoded",
                 true,
                 {},
                 {BodyField{"To", "To", true}, BodyField{"Body", "Body", true},
                  BodyField{"MediaUrl", "MediaUrl", false}, BodyField{"Meta", "Meta", false}},
                 "",
                 {{"Meta", "application/json"}}};
  auto r = build(op, {{"To", "+15551234"},
                      {"Body", "Hello world & good=bye"},
                      {"MediaUrl", json::array{"https://a/1", "https://a/2"}},
                      {"Meta", json::object{{"k", "v"}}}});
  EXPECT_EQ(r.body,
            "To=%2B15551234&Body=Hello%20world%20%26%20good%3Dbye&MediaUrl=https%3A%2F%2Fa%2F1&MediaUrl=https%3A%2F%2Fa%2F2"
            "&Meta=%7B%22k%22%3A%22v%22%7D");
  EXPECT_EQ(net::find_header(r.headers, "content-type"), "application/x-www-form-urlencoded");
}

TEST(OpenApiRequest, MultipartWithBinaryParts) {
  auto op = op_with("POST", "/upload", {});
  json::object schema = json::parse(R"({"type":"object","properties":{
      "file":{"type":"string","format":"binary"},"title":{"type":"string"},"meta":{"type":"object"}}})")
                            .as_object();
  op.body =
      Body{"multipart/form-data",
           true,
           schema,
           {BodyField{"file", "file", true}, BodyField{"title", "title", false}, BodyField{"meta", "meta", false}},
           "",
           {{"file", "image/png"}}};
  std::string png("\x89PNG\r\n\x1a\n\0\x01", 10);
  auto r = build(op, {{"file", base64_encode(png)}, {"title", "A \"cat\""}, {"meta", json::object{{"a", 1}}}});
  std::string ct(net::find_header(r.headers, "content-type"));
  ASSERT_EQ(ct.rfind("multipart/form-data; boundary=", 0), 0u);
  std::string boundary = ct.substr(ct.find('=') + 1);
  EXPECT_GE(boundary.size(), 32u);
  EXPECT_NE(r.body.find("--" + boundary +
                        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n"
                        "Content-Type: image/png\r\n\r\n" +
                        png + "\r\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("name=\"title\"\r\n\r\nA \"cat\"\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n"), std::string::npos);
  EXPECT_EQ(r.body.substr(r.body.size() - boundary.size() - 6), "--" + boundary + "--\r\n");
  // A fresh boundary every time, from the CSPRNG.
  EXPECT_NE(build(op, {{"file", base64_encode(png)}}).headers, r.headers);
  auto bad = build_request(op, {{"file", "not base64!"}}, {});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("base64"), std::string::npos);
}

TEST(OpenApiRequest, BinaryAndTextBodies) {
  auto op = op_with("PUT", "/blob", {});
  op.body = Body{"application/octet-stream", true, {}, {}, "body", {}};
  std::string raw("\x00\xff\x10zz", 5);
  auto r = build(op, {{"body", base64_encode(raw)}});
  EXPECT_EQ(r.body, raw);
  EXPECT_EQ(net::find_header(r.headers, "content-type"), "application/octet-stream");
  EXPECT_FALSE(build_request(op, {{"body", 5}}, {}));

  auto text = op_with("POST", "/note", {});
  text.body = Body{"text/plain", true, {}, {}, "body", {}};
  EXPECT_EQ(build(text, {{"body", "héllo\nworld"}}).body, "héllo\nworld");
}

TEST(OpenApiRequest, ServerUrlsAndVariables) {
  auto op = op_with("GET", "/x", {});
  op.servers = {ServerUrl{"https://{region}.api.example.com:{port}/{base}",
                          {{"region", {"eu", {"eu", "us"}}}, {"port", {"443", {}}}, {"base", {"v2", {}}}}}};
  EXPECT_EQ(url_of(op, {}), "https://eu.api.example.com:443/v2/x");
  RequestOptions o;
  o.server_variables = {{"region", "us"}};
  EXPECT_EQ(build(op, {}, o).url, "https://us.api.example.com:443/v2/x");
  o.server_variables = {{"region", "mars"}};
  EXPECT_FALSE(build_request(op, {}, o));
  RequestOptions base;
  base.base_url = "http://127.0.0.1:9999/";
  EXPECT_EQ(build(op, {}, base).url, "http://127.0.0.1:9999/x");
  op.servers = {ServerUrl{"/relative", {}}};
  auto rel = build_request(op, {}, {});
  ASSERT_FALSE(rel);
  EXPECT_NE(rel.error().message.find("base_url"), std::string::npos);
}

TEST(OpenApiRequest, ScalarText) {
  EXPECT_EQ(scalar_text(json::value(3.0)), "3");
  EXPECT_EQ(scalar_text(json::value(0.1)), "0.1");
  EXPECT_EQ(scalar_text(json::value(-7)), "-7");
  EXPECT_EQ(scalar_text(json::value(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(scalar_text(json::value(nullptr)), "");
}

// --- responses ---

TEST(OpenApiResponse, JsonObjectsAreStructuredAndText) {
  Operation op = op_with("GET", "/x", {});
  auto r = map_response(op, {200, {{"content-type", "application/json; charset=utf-8"}}, R"({"id":7})"},
                        "https://a/x?key=s");
  EXPECT_FALSE(r.is_error);
  ASSERT_TRUE(r.structured);
  EXPECT_EQ(json::value(*r.structured), json::parse(R"({"id":7})"));
  EXPECT_EQ(r.content.at(0).as_object().at("text"), R"({"id":7})");
  EXPECT_TRUE(r.meta.empty());  // the status goes to the gateway in the call's context
  EXPECT_EQ(upstream_reply({200, {{"cache-control", "max-age=9"}}, ""}).status, 200);
  EXPECT_EQ(upstream_reply({200, {{"cache-control", "max-age=9"}}, ""}).cache_control, "max-age=9");

  auto arr = map_response(op, {200, {{"content-type", "application/json"}}, "[1,2]"}, "https://a/x");
  EXPECT_EQ(json::value(*arr.structured), json::parse(R"({"result":[1,2]})"));
  op.output_wrapped = true;
  auto wrapped = map_response(op, {200, {{"content-type", "application/vnd.api+json"}}, R"({"a":1})"}, "https://a/x");
  EXPECT_EQ(json::value(*wrapped.structured), json::parse(R"({"result":{"a":1}})"));
  // Declared JSON that is not JSON: shown as it came, never a failure.
  auto broken = map_response(op, {200, {{"content-type", "application/json"}}, "{oops"}, "https://a/x");
  EXPECT_FALSE(broken.is_error);
  EXPECT_FALSE(broken.structured);
  EXPECT_EQ(broken.content.at(0).as_object().at("text"), "{oops");
}

TEST(OpenApiResponse, TextImagesAndBinary) {
  Operation op = op_with("GET", "/x", {});
  auto t = map_response(op, {200, {{"content-type", "text/csv"}}, "a,b\n1,2"}, "https://a/x");
  EXPECT_EQ(t.content.at(0).as_object().at("text"), "a,b\n1,2");
  auto img = map_response(op, {200, {{"content-type", "image/png"}}, std::string("\x89PNG", 4)}, "https://a/x");
  EXPECT_EQ(img.content.at(0).as_object().at("type"), "image");
  EXPECT_EQ(img.content.at(0).as_object().at("mimeType"), "image/png");
  EXPECT_EQ(std::string(img.content.at(0).as_object().at("data").as_string()),
            base64_encode(std::string("\x89PNG", 4)));
  auto pdf = map_response(op, {200, {{"content-type", "application/pdf"}}, std::string("%PDF\xff\x00", 6)},
                          "https://a/doc.pdf?api_key=secret");
  auto& res = pdf.content.at(0).as_object().at("resource").as_object();
  EXPECT_EQ(pdf.content.at(0).as_object().at("type"), "resource");
  EXPECT_EQ(res.at("uri"), "https://a/doc.pdf");  // the key in the query never reaches the model
  EXPECT_EQ(std::string(res.at("blob").as_string()), base64_encode(std::string("%PDF\xff\x00", 6)));
  auto empty = map_response(op, {204, {}, ""}, "https://a/x");
  EXPECT_FALSE(empty.is_error);
  EXPECT_NE(empty.content.at(0).as_object().at("text").as_string().find("204"), json::string::npos);
}

TEST(OpenApiResponse, HttpErrorsCarryStatusBodyAndRetryAfter) {
  Operation op = op_with("POST", "/x", {});
  auto r =
      map_response(op, {429, {{"content-type", "application/json"}, {"retry-after", "30"}}, R"({"error":"slow down"})"},
                   "https://a/x?token=t");
  EXPECT_TRUE(r.is_error);
  std::string text(r.content.at(0).as_object().at("text").as_string());
  EXPECT_NE(text.find("HTTP 429 Too Many Requests"), std::string::npos);
  EXPECT_NE(text.find("Retry-After: 30 (30 s)"), std::string::npos);
  EXPECT_NE(text.find(R"({"error":"slow down"})"), std::string::npos);
  EXPECT_EQ(text.find("token=t"), std::string::npos);
  auto big = map_response(op, {500, {{"content-type", "text/html"}}, std::string(100000, 'x')}, "https://a/x");
  EXPECT_LT(big.content.at(0).as_object().at("text").as_string().size(), 9000u);
}

TEST(OpenApiResponse, NetworkFailures) {
  auto t = map_failure(Error{errc::kRequestTimeout, "timed out after 30000 ms", {}}, "petstore");
  EXPECT_TRUE(t.is_error);
  EXPECT_NE(t.content.at(0).as_object().at("text").as_string().find("did not answer in time"), json::string::npos);
  auto n = map_failure(Error{errc::kInternalError, "connection refused", {}}, "petstore");
  EXPECT_NE(n.content.at(0).as_object().at("text").as_string().find("could not be reached: connection refused"),
            json::string::npos);
}

TEST(OpenApiResponse, RetryAfterParsing) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("120", now), std::chrono::milliseconds(120000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), std::chrono::milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
}

// --- retry decisions ---

TEST(OpenApiRetry, OnlySafeOrIdempotentMethodsOnTransientFailures) {
  UpstreamOptions o;
  o.max_attempts = 3;
  o.backoff = std::chrono::milliseconds(100);
  auto now = std::chrono::system_clock::now();
  Result<net::ClientResponse> unavailable = net::ClientResponse{503, {}, ""};
  Result<net::ClientResponse> not_found = net::ClientResponse{404, {}, ""};
  Result<net::ClientResponse> down = Error{errc::kInternalError, "connection refused", {}};
  EXPECT_TRUE(retry_delay("GET", 1, unavailable, o, 0.5, now));
  EXPECT_TRUE(retry_delay("PUT", 1, down, o, 0.5, now));
  EXPECT_TRUE(retry_delay("DELETE", 2, down, o, 0.5, now));
  EXPECT_FALSE(retry_delay("POST", 1, unavailable, o, 0.5, now));
  EXPECT_FALSE(retry_delay("PATCH", 1, down, o, 0.5, now));
  EXPECT_FALSE(retry_delay("GET", 1, not_found, o, 0.5, now));
  EXPECT_FALSE(retry_delay("GET", 3, unavailable, o, 0.5, now));  // bounded
  for (int s : {429, 502, 504}) EXPECT_TRUE(retry_delay("GET", 1, net::ClientResponse{s, {}, ""}, o, 0, now));
}

TEST(OpenApiRetry, BackoffDoublesWithJitterAndHonoursRetryAfter) {
  UpstreamOptions o;
  o.max_attempts = 10;
  o.backoff = std::chrono::milliseconds(100);
  o.max_backoff = std::chrono::milliseconds(350);
  auto now = std::chrono::system_clock::now();
  Result<net::ClientResponse> down = Error{errc::kInternalError, "reset", {}};
  EXPECT_EQ(*retry_delay("GET", 1, down, o, 0.0, now), std::chrono::milliseconds(50));
  EXPECT_EQ(retry_delay("GET", 1, down, o, 0.999, now)->count() / 10, 9);
  EXPECT_EQ(*retry_delay("GET", 2, down, o, 0.0, now), std::chrono::milliseconds(100));
  EXPECT_EQ(*retry_delay("GET", 5, down, o, 1.0, now), std::chrono::milliseconds(350));  // capped
  Result<net::ClientResponse> later = net::ClientResponse{503, {{"retry-after", "2"}}, ""};
  EXPECT_EQ(*retry_delay("GET", 1, later, o, 0.0, now), std::chrono::milliseconds(2000));
  o.max_retry_after = std::chrono::milliseconds(1000);
  EXPECT_FALSE(retry_delay("GET", 1, later, o, 0.0, now));  // too long: the caller is told instead
}

// Whatever the arguments, the URL built is a valid URI and no header can carry a line break.
TEST(OpenApiRequest, AnyArgumentsGiveAValidUrl) {
  const json::value values[] = {"plain", "a/b?c#d&e=f g+h%20", "\xF0\x9F\x90\xB1 cat", "[]{}|\\^`\"<>", "",
                                0, -1.25e300, true, nullptr,
                                json::array{"x/y", 1, json::object{{"k", "v"}}},
                                json::object{{"a b", "c&d"}, {"[e]", json::array{1, 2}}}};
  const std::pair<ParamIn, std::vector<std::string>> styles[] = {
      {ParamIn::path, {"simple", "label", "matrix"}},
      {ParamIn::query, {"form", "spaceDelimited", "pipeDelimited", "deepObject"}},
      {ParamIn::header, {"simple"}},
      {ParamIn::cookie, {"form"}}};
  int built = 0;
  for (auto& [in, names] : styles)
    for (auto& style : names)
      for (bool explode : {false, true})
        for (bool reserved : {false, true})
          for (auto& v : values) {
            // Header and cookie names must be tokens (a spec's "p q" is refused as such).
            auto p = param(in == ParamIn::header || in == ParamIn::cookie ? "p-q" : "p q", in, style, explode);
            p.property = "p q";
            p.allow_reserved = reserved;
            auto op = op_with("GET", "/x/{p q}/y", {param("p q", ParamIn::path)});
            if (in != ParamIn::path) op.parameters.push_back(p);
            else op.parameters[0] = p;
            json::object args{{"p q", v}};
            auto r = build_request(op, args, {});
            if (!r) continue;  // a clear error is fine; a broken request is not
            ++built;
            EXPECT_TRUE(boost::urls::parse_uri(r->url)) << r->url;
            for (auto& [k, h] : r->headers) EXPECT_EQ(h.find_first_of("\r\n"), std::string::npos) << h;
          }
  EXPECT_GT(built, 300);
}
