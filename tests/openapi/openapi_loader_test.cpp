// Loading: versions, JSON and YAML, $refs (internal, other files, cycles), errors, URLs.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "openapi_test_util.hpp"

using namespace openapi_test;

TEST(OpenApiLoad, Oas30Yaml) {
  auto s = load(R"(
openapi: 3.0.3
info: {title: Pets, version: 1.0}
servers: [{url: "https://{region}.example.com/v1", variables: {region: {default: eu, enum: [eu, us]}}}]
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: verbose, in: query, schema: {type: boolean, default: false}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}}
)");
  EXPECT_EQ(s.openapi_version, "3.0.3");
  EXPECT_EQ(s.version, "1.0");  // a YAML float read back as the text the author meant
  ASSERT_EQ(s.operations.size(), 1u);
  auto& o = s.operations[0];
  EXPECT_EQ(o.tool_name, "getPet");
  EXPECT_EQ(o.method, "GET");
  EXPECT_EQ(json::serialize(prop(o, "id")), R"({"type":"integer"})");
  EXPECT_EQ(prop(o, "verbose").at("default"), json::value(false));  // a YAML bool stays a bool
  ASSERT_EQ(o.servers.size(), 1u);
  EXPECT_EQ(o.servers[0].variables.at("region").default_value, "eu");
  EXPECT_EQ(o.parameters[0].style, "simple");
  EXPECT_EQ(o.parameters[1].style, "form");
  EXPECT_TRUE(o.parameters[1].explode);
  expect_valid_schemas(o);
}

TEST(OpenApiLoad, YamlQuotedScalarsStayStrings) {
  auto s = load(R"(
openapi: "3.1.0"
info: {title: t, version: "2"}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: q, in: query, schema: {type: string, enum: ["1", "true", "null", 2, true]}}
      responses: {'204': {description: none}}
)");
  auto& e = prop(s.operations[0], "q").at("enum").as_array();
  ASSERT_EQ(e.size(), 5u);
  EXPECT_TRUE(e[0].is_string());
  EXPECT_TRUE(e[1].is_string());
  EXPECT_TRUE(e[2].is_string());
  EXPECT_TRUE(e[3].is_int64());
  EXPECT_TRUE(e[4].is_bool());
}

TEST(OpenApiLoad, YamlAnchorsAliasesAndMergeKeys) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
x-common: &page {name: page, in: query, schema: {type: integer, minimum: 1}}
x-base: &base {type: object, properties: {id: {type: string}}}
paths:
  /a:
    get:
      operationId: a
      parameters: [*page]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                <<: *base
                description: merged
)");
  auto& o = op(s, "a");
  EXPECT_EQ(json::serialize(prop(o, "page")), R"({"type":"integer","minimum":1})");
  ASSERT_TRUE(o.output_schema);
  EXPECT_EQ(o.output_schema->at("description"), json::value("merged"));
  EXPECT_TRUE(o.output_schema->at("properties").as_object().contains("id"));
}

TEST(OpenApiLoad, Oas31AndJson) {
  auto s = load(R"({"openapi":"3.1.0","info":{"title":"t","version":"1"},
    "paths":{"/a":{"post":{"operationId":"a","requestBody":{"content":{"application/json":{"schema":
      {"type":"object","properties":{"n":{"type":["integer","null"]},"t":{"prefixItems":[{"type":"string"}]}}}}}},
      "responses":{"201":{"description":"x"}}}}}})");
  auto& o = op(s, "a");
  EXPECT_EQ(json::serialize(prop(o, "n").at("type")), R"(["integer","null"])");
  EXPECT_TRUE(prop(o, "t").as_object().contains("prefixItems"));
  expect_valid_schemas(o);
}

TEST(OpenApiLoad, Swagger2) {
  auto s = load(R"(
swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
basePath: /v2
schemes: [http, https]
consumes: [application/json]
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: pipes}
        - {name: limit, in: query, type: integer, maximum: 100, exclusiveMaximum: true}
      responses: {'200': {description: ok, schema: {type: array, items: {$ref: '#/definitions/Item'}}}}
    post:
      operationId: addItem
      parameters: [{name: item, in: body, required: true, schema: {$ref: '#/definitions/Item'}}]
      responses: {'200': {description: ok, schema: {$ref: '#/definitions/Item'}}}
definitions:
  Item: {type: object, required: [name], properties: {name: {type: string}, note: {type: string, x-nullable: true}}}
)");
  EXPECT_EQ(s.openapi_version, "2.0");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_EQ(s.servers[0].url, "https://api.example.com/v2");  // the secure scheme first
  auto& l = op(s, "listItems");
  EXPECT_EQ(l.parameters[0].style, "form");
  EXPECT_TRUE(l.parameters[0].explode);
  EXPECT_EQ(l.parameters[1].style, "pipeDelimited");
  EXPECT_EQ(json::serialize(prop(l, "limit")), R"({"type":"integer","exclusiveMaximum":100})");
  ASSERT_TRUE(l.output_schema);
  EXPECT_TRUE(l.output_wrapped);
  auto& a = op(s, "addItem");
  ASSERT_TRUE(a.body);
  EXPECT_EQ(a.body->content_type, "application/json");
  ASSERT_EQ(a.body->fields.size(), 2u);
  EXPECT_TRUE(a.body->fields[0].required);
  EXPECT_EQ(json::serialize(prop(a, "note").at("type")), R"(["string","null"])");
  expect_valid_schemas(l);
  expect_valid_schemas(a);
}

TEST(OpenApiLoad, Swagger2FormData) {
  auto s = load(R"(
swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /upload:
    post:
      operationId: upload
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
      responses: {'200': {description: ok}}
  /form:
    post:
      operationId: form
      parameters: [{name: To, in: formData, type: string, required: true}]
      responses: {'200': {description: ok}}
)");
  auto& u = op(s, "upload");
  ASSERT_TRUE(u.body);
  EXPECT_EQ(u.body->content_type, "multipart/form-data");
  EXPECT_EQ(json::serialize(prop(u, "file")), R"({"type":"string","format":"binary","contentEncoding":"base64"})");
  auto& f = op(s, "form");
  EXPECT_EQ(f.body->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(f.body->fields[0].property, "To");
  EXPECT_TRUE(f.body->fields[0].required);
}

TEST(OpenApiLoad, RelativeFileRefs) {
  TempDir d;
  d.write("schemas/pet.yaml", R"(
Pet:
  type: object
  properties:
    name: {type: string}
    owner: {$ref: 'owner.yaml'}
)");
  d.write("schemas/owner.yaml", "type: object\nproperties: {email: {type: string, format: email}}\n");
  d.write("params.yaml", "limit: {name: limit, in: query, schema: {type: integer}}\n");
  auto main = d.write("api.yaml", R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /pets:
    post:
      operationId: addPet
      parameters: [{$ref: 'params.yaml#/limit'}]
      requestBody: {content: {application/json: {schema: {$ref: 'schemas/pet.yaml#/Pet'}}}}
      responses: {'200': {description: ok}}
)");
  auto r = oa::load_file(main);
  ASSERT_TRUE(r) << r.error().message;
  auto& o = op(*r, "addPet");
  EXPECT_EQ(prop(o, "owner").at("properties").at("email").at("format"), json::value("email"));
  EXPECT_EQ(prop(o, "limit").at("type"), json::value("integer"));

  // Without a base path, references to other files are refused, and only that operation is lost.
  auto text = std::string(R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
    "/a":{"get":{"operationId":"a","parameters":[{"$ref":"params.yaml#/limit"}],"responses":{}}},
    "/b":{"get":{"operationId":"b","responses":{}}}}})");
  auto s = load(text);
  ASSERT_EQ(s.operations.size(), 1u);
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(s.skipped[0].where, "GET /a");
  EXPECT_NE(s.skipped[0].reason.find("params.yaml"), std::string::npos) << s.skipped[0].reason;
}

TEST(OpenApiLoad, GzipFile) {
  TempDir d;
  auto plain = d.write(
      "a.json", R"({"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{}}}}})");
  ASSERT_EQ(std::system(("gzip -k " + plain).c_str()), 0);
  auto r = oa::load_file(plain + ".gz");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->operations[0].tool_name, "get_a");
}

TEST(OpenApiLoad, BadOperationIsSkippedNotFatal) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /good: {get: {operationId: good, responses: {}}}
  /bad:
    get:
      operationId: bad
      parameters: [{name: x, in: query, schema: {$ref: '#/components/schemas/Missing'}}]
      responses: {}
  /worse: {post: {operationId: worse, parameters: [{name: y, in: nowhere}], responses: {}}}
  /notobject: {get: 42}
)");
  EXPECT_EQ(s.operations.size(), 1u);
  ASSERT_EQ(s.skipped.size(), 3u);
  EXPECT_EQ(s.skipped[0].where, "GET /notobject");  // found while collecting operations
  EXPECT_EQ(s.skipped[1].where, "GET /bad");
  EXPECT_NE(s.skipped[1].reason.find("unresolvable $ref #/components/schemas/Missing"), std::string::npos);
  EXPECT_EQ(s.skipped[2].where, "POST /worse");
  EXPECT_NE(s.skipped[2].reason.find("unknown location"), std::string::npos);
}

TEST(OpenApiLoad, WholeDocumentErrors) {
  EXPECT_FALSE(oa::load_bytes("{not json"));
  EXPECT_FALSE(oa::load_bytes("a: [unclosed"));
  auto r = oa::load_bytes(R"({"info":{}})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not an OpenAPI document"), std::string::npos);
  EXPECT_FALSE(oa::load_bytes(R"({"openapi":"4.0.0","paths":{}})"));
  EXPECT_FALSE(oa::load_file("/nonexistent/spec.yaml"));
  oa::LoadOptions small;
  small.max_document_bytes = 10;
  EXPECT_FALSE(oa::load_bytes(R"({"openapi":"3.0.0","paths":{}})", small));
}

TEST(OpenApiLoad, YamlAliasBombIsBounded) {
  std::string y = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i)
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
  auto r = oa::load_bytes(y);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
}

// A fake client serving a fixed set of URLs, recording what was asked.
class FakeClient : public mcp::net::HttpClient {
 public:
  std::map<std::string, std::string> pages;
  std::vector<std::string> asked;
  mcp::Task<mcp::Result<mcp::net::ClientResponse>> send(mcp::net::ClientRequest r) override {
    asked.push_back(r.url);
    mcp::net::ClientResponse resp;
    auto it = pages.find(r.url);
    resp.status = it == pages.end() ? 404 : 200;
    if (it != pages.end()) resp.body = it->second;
    if (resp.body.size() > r.max_body_bytes) co_return mcp::Error{mcp::errc::kInternalError, "body too large"};
    co_return resp;
  }
  mcp::Task<mcp::Result<mcp::net::StreamedResponse>> open(mcp::net::ClientRequest) override {
    co_return mcp::Error{mcp::errc::kInternalError, "not used"};
  }
};

mcp::Task<void> drive(std::shared_ptr<FakeClient> c, std::string url, oa::LoadOptions o, mcp::net::UrlPolicy p,
                      std::shared_ptr<std::optional<mcp::Result<oa::Spec>>> out) {
  out->emplace(co_await oa::load_url(c, url, o, p));
}

mcp::Result<oa::Spec> run_load_url(std::shared_ptr<FakeClient> c, std::string url, mcp::net::UrlPolicy p,
                                   oa::LoadOptions o = {}) {
  boost::asio::io_context io;
  auto out = std::make_shared<std::optional<mcp::Result<oa::Spec>>>();
  boost::asio::co_spawn(io, drive(c, url, o, p, out), boost::asio::detached);
  io.run();
  return std::move(**out);
}

TEST(OpenApiLoad, FromUrlWithRelativeRefs) {
  auto c = std::make_shared<FakeClient>();
  c->pages["https://api.example.com/spec/openapi.yaml"] = R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a: {get: {operationId: a, responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'common/schemas.yaml#/Thing'}}}}}}}
)";
  c->pages["https://api.example.com/spec/common/schemas.yaml"] =
      "Thing: {type: object, properties: {id: {type: string}}}\n";
  auto r = run_load_url(c, "https://api.example.com/spec/openapi.yaml", {});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->operations[0].output_schema);
  EXPECT_TRUE(r->operations[0].output_schema->at("properties").as_object().contains("id"));
  EXPECT_EQ(c->asked.size(), 2u);
}

TEST(OpenApiLoad, FromUrlRefusals) {
  auto c = std::make_shared<FakeClient>();
  c->pages["http://api.example.com/openapi.json"] = R"({"openapi":"3.0.0","paths":{}})";
  EXPECT_FALSE(run_load_url(c, "http://api.example.com/openapi.json", {}));  // plain http
  EXPECT_FALSE(run_load_url(c, "https://127.0.0.1/openapi.json", {}));       // loopback
  EXPECT_FALSE(run_load_url(c, "https://10.1.2.3/openapi.json", {}));        // private
  EXPECT_FALSE(run_load_url(c, "https://169.254.169.254/latest", {}));       // metadata
  EXPECT_FALSE(run_load_url(c, "https://[::1]/openapi.json", {}));
  EXPECT_TRUE(c->asked.empty());  // none of those reached the client
  mcp::net::UrlPolicy allow_http;
  allow_http.allow_http = true;
  EXPECT_TRUE(run_load_url(c, "http://api.example.com/openapi.json", allow_http));
  auto missing = run_load_url(c, "https://api.example.com/none.json", {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos);
  oa::LoadOptions small;
  small.max_document_bytes = 8;
  EXPECT_FALSE(run_load_url(c, "http://api.example.com/openapi.json", allow_http, small));
  // A document referring to a private address is stopped too.
  c->pages["https://api.example.com/evil.yaml"] =
      "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {parameters: [{$ref: "
      "'https://10.0.0.1/x#/p'}], responses: {}}}}\n";
  auto evil = run_load_url(c, "https://api.example.com/evil.yaml", {});
  ASSERT_FALSE(evil);
  EXPECT_NE(evil.error().message.find("private"), std::string::npos);
}

// Truncated or corrupted documents fail cleanly (an Error, or fewer operations), never crash.
TEST(OpenApiLoad, DamagedDocumentsNeverCrash) {
  std::ifstream in(std::string(MCP_OPENAPI_FIXTURES) + "/petstore.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  ASSERT_GT(text.size(), 1000u);
  std::size_t loaded = 0, refused = 0;
  for (std::size_t cut = 0; cut < text.size(); cut += 7) {
    auto r = oa::load_bytes(std::string_view(text).substr(0, cut));
    (r ? loaded : refused)++;
    if (!r) continue;
    for (auto& o : r->operations) EXPECT_FALSE(oa::check_schema(o.input_schema)) << "cut at " << cut;
  }
  // Byte flips: every 13th byte replaced by each of a few troublesome characters.
  for (char c : {'{', '[', ':', '&', '*', '\'', '\0'}) {
    for (std::size_t i = 0; i < text.size(); i += 13) {
      std::string t = text;
      t[i] = c;
      auto r = oa::load_bytes(t);
      (r ? loaded : refused)++;
    }
  }
  EXPECT_GT(loaded, 0u);
  EXPECT_GT(refused, 0u);
}
