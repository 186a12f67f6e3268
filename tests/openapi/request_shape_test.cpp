// Issue 14: requests whose shape the API refuses, although the model followed the tool's own
// inputSchema (found by a validating mock of each spec). One test per class of defect: the
// spec is loaded, the schema checked, and the request built from arguments.
#include <gtest/gtest.h>

#include <mcp/core/encoding.hpp>

#include "openapi_test_util.hpp"
#include "sources/openapi/request.hpp"

using namespace mcp;
using namespace mcp::openapi;
using openapi_test::load;
using openapi_test::op;
using openapi_test::prop;

namespace {

std::string spec(std::string_view paths) {
  return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://api.example.com'}]\npaths:\n" +
         std::string(paths);
}

Result<net::ClientRequest> call(const Operation& o, std::string_view args) {
  return build_request(o, json::parse(args).as_object(), {});
}

std::string header(const net::ClientRequest& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<none>";
}

// Every property schema is an object, at every depth (what the TypeScript SDK's tools/list
// parser asks of the top level, and what older validators need below it).
void expect_no_boolean_schemas(const json::value& s, const std::string& where) {
  if (!s.is_object()) return;
  for (auto& [k, v] : s.get_object()) {
    if (k == "properties" || k == "$defs" || k == "patternProperties") {
      for (auto& [pk, pv] : v.as_object()) {
        EXPECT_TRUE(pv.is_object()) << where << "/" << k << "/" << pk << ": " << json::serialize(pv);
        expect_no_boolean_schemas(pv, where + "/" + std::string(pk));
      }
    } else if (k == "items" || k == "not") {
      EXPECT_TRUE(v.is_object()) << where << "/" << k;
      expect_no_boolean_schemas(v, where + "/" + std::string(k));
    } else if (v.is_array() && (k == "allOf" || k == "anyOf" || k == "oneOf")) {
      for (auto& x : v.get_array()) {
        EXPECT_TRUE(x.is_object()) << where << "/" << k;
        expect_no_boolean_schemas(x, where + "/" + std::string(k));
      }
    }
  }
}

}  // namespace

// `/deployments//checks` went out: a path parameter took "" (no minLength in its schema).
TEST(OpenApiRequestShape, EmptyPathValueRefusedBySchema) {
  auto s = load(spec(R"(
  /deployments/{id}/checks/{n}:
    get:
      operationId: checks
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: n, in: path, required: true, schema: {type: integer}}
        - {name: kind, in: path, required: true, schema: {type: string, minLength: 3}}
      responses: {'200': {description: ok}}
)"));
  auto& o = op(s, "checks");
  EXPECT_EQ(prop(o, "id").at("minLength"), 1);
  EXPECT_FALSE(prop(o, "n").as_object().contains("minLength"));  // not a string
  auto r = call(o, R"({"id":"","n":1})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("id"), std::string::npos);
}

// Required query and header values went out as `name=` / `name:`.
TEST(OpenApiRequestShape, EmptyRequiredQueryAndHeaderValues) {
  auto s = load(spec(R"(
  /search:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
        - {name: ids, in: query, required: true, schema: {type: array, items: {type: string}}}
        - {name: flag, in: query, required: true, allowEmptyValue: true, schema: {type: string}}
        - {name: opt, in: query, schema: {type: string}}
        - {name: X-Tenant, in: header, required: true, schema: {type: string}}
        - {name: mode, in: query, required: true, schema: {type: string, enum: ['', a]}}
        - {name: f, in: query, required: true, style: deepObject, explode: true, schema: {type: object}}
      responses: {'200': {description: ok}}
)"));
  auto& o = op(s, "search");
  EXPECT_EQ(prop(o, "f").at("minProperties"), 1);
  EXPECT_EQ(prop(o, "q").at("minLength"), 1);
  EXPECT_EQ(prop(o, "ids").at("minItems"), 1);
  EXPECT_EQ(prop(o, "X-Tenant").at("minLength"), 1);
  EXPECT_FALSE(prop(o, "flag").as_object().contains("minLength"));
  EXPECT_FALSE(prop(o, "opt").as_object().contains("minLength"));
  EXPECT_FALSE(prop(o, "mode").as_object().contains("minLength"));  // the enum lists ""
  const char* ok = R"("q":"x","ids":["a"],"flag":"","X-Tenant":"t","mode":"","f":{"k":1})";
  auto r = call(o, std::string("{") + ok + "}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->url, "https://api.example.com/search?q=x&ids=a&flag=&mode=&f%5Bk%5D=1");
  for (auto* bad : {R"({"q":"","ids":["a"],"flag":"","X-Tenant":"t","mode":"","f":{"k":1}})",
                    R"({"q":"x","ids":[],"flag":"","X-Tenant":"t","mode":"","f":{"k":1}})",
                    R"({"q":"x","ids":["a"],"flag":"","X-Tenant":"","mode":"","f":{"k":1}})",
                    R"({"q":"x","ids":["a"],"flag":"","X-Tenant":"t","mode":"","f":{}})"}) {
    auto e = call(o, bad);
    EXPECT_FALSE(e) << bad << " -> " << (e ? e->url : "");
  }
}

// Form bodies nested one level only: `a[b]={"c":1}` went out instead of `a[b][c]=1`, and
// lists under deepObject as repeated plain keys instead of `name[0]=a`.
TEST(OpenApiRequestShape, NestedFormBodyAtAnyDepth) {
  auto s = load(spec(R"(
  /charges:
    post:
      operationId: charge
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            encoding:
              metadata: {style: deepObject, explode: true}
              expand: {style: deepObject, explode: true}
              ids: {style: form, explode: false}
            schema:
              type: object
              properties:
                metadata: {type: object, properties: {card: {type: object, properties: {exp: {type: object}}}}}
                expand: {type: array, items: {type: string}}
                tags: {type: array, items: {type: string}}
                ids: {type: array, items: {type: string}}
                lines: {type: array, items: {type: object}}
                note: {type: string}
      responses: {'200': {description: ok}}
)"));
  auto r = call(op(s, "charge"), R"({"metadata":{"card":{"exp":{"month":1,"year":2030}},"k":"v"},
      "expand":["a","b"],"tags":["x","y"],"ids":["1","2"],"lines":[{"price":"p1","qty":2}],"note":"a b+c"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body,
            "metadata%5Bcard%5D%5Bexp%5D%5Bmonth%5D=1&metadata%5Bcard%5D%5Bexp%5D%5Byear%5D=2030&metadata%5Bk%5D=v"
            "&expand%5B0%5D=a&expand%5B1%5D=b"   // deepObject list: indexed
            "&tags=x&tags=y"                     // form, explode (no encoding): the key repeats
            "&ids=1%2C2"                         // form, explode: false
            "&lines%5B0%5D%5Bprice%5D=p1&lines%5B0%5D%5Bqty%5D=2"
            "&note=a%20b%2Bc");                  // a space is %20, never '+'
  EXPECT_EQ(header(*r, "content-type"), "application/x-www-form-urlencoded");
}

// deepObject query parameters: nested objects and lists in bracket form at any depth.
TEST(OpenApiRequestShape, DeepObjectQueryAtAnyDepth) {
  auto s = load(spec(R"(
  /items:
    get:
      operationId: items
      parameters:
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object}}
        - {name: sort, in: query, style: deepObject, explode: true, schema: {type: array, items: {type: string}}}
      responses: {'200': {description: ok}}
)"));
  auto r = call(op(s, "items"), R"({"filter":{"created":{"gte":5,"in":["a","b c"]},"k":"v"},"sort":["x","y"]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->url,
            "https://api.example.com/items?filter%5Bcreated%5D%5Bgte%5D=5&filter%5Bcreated%5D%5Bin%5D%5B0%5D=a"
            "&filter%5Bcreated%5D%5Bin%5D%5B1%5D=b%20c&filter%5Bk%5D=v&sort%5B0%5D=x&sort%5B1%5D=y");
}

// A required body whose properties are all optional went out as no body at all; a required
// form list given [] has no encoding and is refused.
TEST(OpenApiRequestShape, RequiredBodyWithOptionalPropertiesIsSentEmpty) {
  auto s = load(spec(R"(
  /json:
    post:
      operationId: json_body
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}
      responses: {'200': {description: ok}}
  /form:
    post:
      operationId: form_body
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: string}}}}
      responses: {'200': {description: ok}}
  /list:
    post:
      operationId: form_list
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, required: [ids], properties: {ids: {type: array, items: {type: string}}}}
      responses: {'200': {description: ok}}
)"));
  auto j = call(op(s, "json_body"), "{}");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->body, "{}");
  EXPECT_EQ(header(*j, "content-type"), "application/json");
  auto f = call(op(s, "form_body"), "{}");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->body, "");
  EXPECT_EQ(header(*f, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(prop(op(s, "form_list"), "ids").at("minItems"), 1);
  auto l = call(op(s, "form_list"), R"({"ids":[]})");
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("empty list"), std::string::npos);
}

// `true`/`false` subschemas (and `additionalProperties: false` written as a property) were
// passed into inputSchema/outputSchema, and the TypeScript SDK rejected the whole tools/list.
TEST(OpenApiRequestShape, BooleanSubschemasNormalised) {
  auto s = load(R"({"openapi":"3.1.0","info":{"title":"t","version":"1"},
    "servers":[{"url":"https://api.example.com"}],
    "paths":{"/x":{"post":{"operationId":"x",
      "requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{
        "anything":true,"additionalProperties":false,"list":{"type":"array","items":true},
        "inner":{"type":"object","properties":{"never":false,"any":true},"required":["never"]},
        "choice":{"anyOf":[true,{"type":"string"}]}}}}}},
      "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{
        "type":"object","properties":{"free":true,"gone":false,"nested":{"type":"object","properties":{"y":true}}}}}}}}}}}})");
  auto& o = op(s, "x");
  EXPECT_FALSE(o.input_schema.at("properties").as_object().contains("additionalProperties"));
  EXPECT_EQ(prop(o, "anything"), json::object{});
  expect_no_boolean_schemas(o.input_schema, "input");
  auto& inner = prop(o, "inner").as_object();
  EXPECT_FALSE(inner.at("properties").as_object().contains("never"));
  EXPECT_FALSE(inner.contains("required"));
  ASSERT_TRUE(o.output_schema);
  expect_no_boolean_schemas(*o.output_schema, "output");
  EXPECT_FALSE(o.output_schema->at("properties").as_object().contains("gone"));
  openapi_test::expect_valid_schemas(o);
}

// `application/octet-stream` with schema {} became an untyped `body`, but only base64 text is
// accepted (the builder decodes it): it is a base64 string.
TEST(OpenApiRequestShape, UntypedBinaryBodyIsBase64String) {
  auto s = load(spec(R"(
  /blob:
    put:
      operationId: blob
      requestBody:
        required: true
        content: {application/octet-stream: {schema: {description: the file}}}
      responses: {'200': {description: ok}}
  /text-blob:
    put:
      operationId: text_blob
      requestBody:
        content: {application/zip: {schema: {type: string}}}
      responses: {'200': {description: ok}}
)"));
  auto& b = prop(op(s, "blob"), "body").as_object();
  EXPECT_EQ(b.at("type"), "string");
  EXPECT_EQ(b.at("contentEncoding"), "base64");
  EXPECT_EQ(b.at("description"), "the file");
  EXPECT_EQ(prop(op(s, "text_blob"), "body").at("contentEncoding"), "base64");
  auto r = call(op(s, "blob"), std::string(R"({"body":")") + base64_encode(std::string("\x00\x01", 2)) + "\"}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, std::string("\x00\x01", 2));
}

// Content-Length (and the other headers the client computes) were asked of the model, then
// dropped.
TEST(OpenApiRequestShape, TransportHeadersAreNotArguments) {
  auto s = load(spec(R"(
  /up:
    put:
      operationId: up
      parameters:
        - {name: Content-Length, in: header, required: true, schema: {type: integer}}
        - {name: Host, in: header, schema: {type: string}}
        - {name: Transfer-Encoding, in: header, schema: {type: string}}
        - {name: Connection, in: header, schema: {type: string}}
        - {name: X-Kept, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
)"));
  auto& o = op(s, "up");
  auto& props = o.input_schema.at("properties").as_object();
  EXPECT_EQ(props.size(), 1u) << json::serialize(props);
  EXPECT_TRUE(props.contains("X-Kept"));
  EXPECT_FALSE(o.input_schema.contains("required"));
  EXPECT_TRUE(call(o, "{}"));
}

// An optional body's required properties were optional in the input, so a body went out
// without them (Twilio's MessageSamples: [] left the field out): once any body property is
// given, the body's required ones are needed, and a required form list needs an item.
TEST(OpenApiRequestShape, OptionalBodyStillNeedsItsRequiredProperties) {
  auto s = load(spec(R"(
  /samples:
    post:
      operationId: samples
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [MessageSamples]
              properties: {MessageSamples: {type: array, items: {type: string}}, Note: {type: string}}
      responses: {'200': {description: ok}}
)"));
  auto& o = op(s, "samples");
  EXPECT_FALSE(o.input_schema.contains("required"));  // the body itself may be left out
  EXPECT_EQ(o.input_schema.at("dependentRequired"), json::parse(R"({"Note":["MessageSamples"]})"));
  EXPECT_EQ(prop(o, "MessageSamples").at("minItems"), 1);
  auto none = call(o, "{}");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->body.empty());
  auto missing = call(o, R"({"Note":"n"})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("MessageSamples"), std::string::npos);
  EXPECT_FALSE(call(o, R"({"Note":"n","MessageSamples":[]})"));
  auto ok = call(o, R"({"MessageSamples":["a b"]})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body, "MessageSamples=a%20b");
}
