// Schema translation: OpenAPI schema objects -> valid JSON Schema 2020-12 (or compat).
#include "openapi_test_util.hpp"

using namespace openapi_test;

namespace {

// A spec whose one POST operation's JSON body is `body` (components in `schemas`).
std::string spec30(std::string_view body, std::string_view schemas = "{}", std::string_view version = "3.0.3") {
  return std::string(R"({"openapi":")") + std::string(version) + R"(","info":{"title":"t","version":"1"},
    "paths":{"/x":{"post":{"operationId":"x","requestBody":{"required":true,"content":{"application/json":
      {"schema":)" +
         std::string(body) + R"(}}},"responses":{"200":{"description":"ok","content":{"application/json":
      {"schema":)" +
         std::string(body) + R"(}}}}}}},"components":{"schemas":)" + std::string(schemas) + "}}";
}

}  // namespace

TEST(OpenApiSchema, NullableBecomesNullType) {
  auto s = load(spec30(R"({"type":"object","properties":{
      "a":{"type":"string","nullable":true},
      "b":{"type":"string","enum":["x","y"],"nullable":true},
      "c":{"allOf":[{"$ref":"#/components/schemas/C"}],"nullable":true,"description":"d"},
      "d":{"$ref":"#/components/schemas/C","nullable":true}}})",
                       R"({"C":{"type":"object","properties":{"k":{"type":"integer"}}}})"));
  auto& o = op(s, "x");
  EXPECT_EQ(json::serialize(prop(o, "a")), R"({"type":["string","null"]})");
  EXPECT_EQ(json::serialize(prop(o, "b")), R"({"type":["string","null"],"enum":["x","y",null]})");
  auto& c = prop(o, "c").as_object();
  EXPECT_EQ(c.at("description"), json::value("d"));
  EXPECT_EQ(json::serialize(c.at("anyOf").as_array()[1]), R"({"type":"null"})");
  EXPECT_EQ(json::serialize(prop(o, "d").at("type")), R"(["object","null"])");
  EXPECT_FALSE(mcp::validate_json_schema(o.input_schema, json::parse(R"({"a":null,"b":null,"c":null,"d":null})")));
  EXPECT_TRUE(mcp::validate_json_schema(o.input_schema, json::parse(R"({"b":"z"})")));
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, ExampleXKeysAndOasOnlyKeywordsGo) {
  auto s = load(spec30(R"({"type":"object","x-internal":true,"xml":{"name":"x"},"externalDocs":{"url":"u"},
      "properties":{"a":{"type":"string","example":"hi","x-go-type":"string","format":"uuid"},
                    "x-weird":{"type":"integer"}}})"));
  auto& o = op(s, "x");
  EXPECT_EQ(json::serialize(prop(o, "a")), R"({"type":"string","format":"uuid","examples":["hi"]})");
  EXPECT_EQ(json::serialize(prop(o, "x-weird")), R"({"type":"integer"})");  // a property, not a keyword
  ASSERT_TRUE(o.output_schema);
  EXPECT_FALSE(o.output_schema->contains("x-internal"));
  EXPECT_FALSE(o.output_schema->contains("xml"));
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, MalformedKeywordValuesAreDropped) {
  auto s = load(spec30(R"({"type":"object","properties":{
      "a":{"type":"strin","minLength":-1,"maxLength":2.5,"pattern":"([a-z","required":true,"enum":[]},
      "b":{"type":"number","minimum":1,"exclusiveMinimum":true,"multipleOf":0},
      "c":{"type":"file"}}})"));
  auto& o = op(s, "x");
  EXPECT_EQ(json::serialize(prop(o, "a")), "{}");
  EXPECT_EQ(json::serialize(prop(o, "b")), R"({"type":"number","exclusiveMinimum":1})");
  EXPECT_EQ(json::serialize(prop(o, "c")), R"({"type":"string","format":"binary","contentEncoding":"base64"})");
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, DiscriminatorBecomesConst) {
  auto s = load(spec30(R"({"type":"object","properties":{"pet":{"oneOf":[{"$ref":"#/components/schemas/Cat"},
        {"$ref":"#/components/schemas/Dog"}],"discriminator":{"propertyName":"kind","mapping":{"kitty":"#/components/schemas/Cat"}}}}})",
                       R"({"Cat":{"type":"object","properties":{"kind":{"type":"string"},"purrs":{"type":"boolean"}}},
                           "Dog":{"type":"object","properties":{"kind":{"type":"string"},"barks":{"type":"boolean"}}}})"));
  auto& o = op(s, "x");
  auto& pet = prop(o, "pet").as_object();
  EXPECT_FALSE(pet.contains("discriminator"));
  auto& b = pet.at("oneOf").as_array();
  EXPECT_EQ(b[0].at("allOf").as_array()[1].at("properties").at("kind").at("const"), json::value("kitty"));
  EXPECT_EQ(b[1].at("allOf").as_array()[1].at("properties").at("kind").at("const"), json::value("Dog"));
  // Without the const, {"kind":"Dog"} would match both branches and fail oneOf.
  EXPECT_FALSE(mcp::validate_json_schema(o.input_schema, json::parse(R"({"pet":{"kind":"Dog","barks":true}})")));
  EXPECT_TRUE(mcp::validate_json_schema(o.input_schema, json::parse(R"({"pet":{"kind":"cat"}})")));
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, ReadOnlyLeavesRequestsWriteOnlyLeavesResponses) {
  oa::LoadOptions strict;
  strict.lenient_output = false;
  auto s = load(spec30(R"({"type":"object","required":["id","password","name"],"properties":{
      "id":{"type":"integer","readOnly":true},"password":{"type":"string","writeOnly":true},"name":{"type":"string"}}})"),
                strict);
  auto& o = op(s, "x");
  EXPECT_FALSE(o.input_schema.at("properties").as_object().contains("id"));
  EXPECT_TRUE(o.input_schema.at("properties").as_object().contains("password"));
  EXPECT_EQ(json::serialize(o.input_schema.at("required")), R"(["password","name"])");
  ASSERT_TRUE(o.output_schema);
  EXPECT_TRUE(o.output_schema->at("properties").as_object().contains("id"));
  EXPECT_FALSE(o.output_schema->at("properties").as_object().contains("password"));
  EXPECT_EQ(json::serialize(o.output_schema->at("required")), R"(["id","name"])");
}

constexpr std::string_view kTree = R"({"Node":{"type":"object","properties":{"value":{"type":"string"},
    "children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}},
    "meta":{"$ref":"#/components/schemas/Meta"}}},
  "Meta":{"type":"object","properties":{"note":{"type":"string"}}}})";

TEST(OpenApiSchema, RecursionKeptAsDefsOthersInlined) {
  auto s = load(spec30(R"({"$ref":"#/components/schemas/Node"})", kTree));
  auto& o = op(s, "x");
  // The body is an object: its properties are flattened; the recursive one refers to $defs.
  EXPECT_EQ(json::serialize(prop(o, "children").at("items")), R"({"$ref":"#/$defs/Node"})");
  auto& defs = o.input_schema.at("$defs").as_object();
  ASSERT_EQ(defs.size(), 1u);
  // Meta is not recursive: inlined even inside the $def.
  EXPECT_EQ(defs.at("Node").at("properties").at("meta").at("properties").at("note").at("type"), json::value("string"));
  EXPECT_FALSE(mcp::validate_json_schema(
      o.input_schema, json::parse(R"({"value":"a","children":[{"value":"b","children":[{"value":"c"}]}]})")));
  EXPECT_TRUE(mcp::validate_json_schema(o.input_schema, json::parse(R"({"children":[{"children":[{"value":1}]}]})")));
  ASSERT_TRUE(o.output_schema);
  EXPECT_TRUE(o.output_schema->contains("$defs"));
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, CompatModeHasNoRefsAndCutsRecursion) {
  oa::LoadOptions compat;
  compat.compat = true;
  compat.compat_recursion_depth = 2;
  auto s = load(spec30(R"({"type":"object","additionalProperties":false,"properties":{
       "tree":{"$ref":"#/components/schemas/Node"},
       "pair":{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]},
       "dep":{"type":"object","dependentRequired":{"a":["b"]},"unevaluatedProperties":false}}})",
                       kTree, "3.1.0"),
                compat);
  auto& o = op(s, "x");
  auto text = json::serialize(o.input_schema);
  for (auto* banned :
       {"$ref", "$defs", "prefixItems", "dependentRequired", "unevaluatedProperties", "\"additionalProperties\":false"})
    EXPECT_EQ(text.find(banned), std::string::npos) << banned << " in " << text;
  // Two levels of Node, then a stub.
  auto& lvl2 = prop(o, "tree").at("properties").at("children").at("items");
  auto& stub = lvl2.at("properties").at("children").at("items").as_object();
  EXPECT_EQ(stub.at("type"), json::value("object"));
  EXPECT_NE(std::string(stub.at("description").as_string()).find("recursive"), std::string::npos);
  EXPECT_EQ(json::serialize(prop(o, "pair").at("items")), R"([{"type":"string"},{"type":"integer"}])");
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, MutualRecursionAndSelfRefChains) {
  auto s = load(spec30(R"({"type":"object","properties":{"a":{"$ref":"#/components/schemas/A"}}})",
                       R"({"A":{"type":"object","properties":{"b":{"$ref":"#/components/schemas/B"}}},
                           "B":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/A"}}}})"));
  auto& o = op(s, "x");
  auto& defs = o.input_schema.at("$defs").as_object();
  EXPECT_TRUE(defs.contains("A"));
  EXPECT_TRUE(defs.contains("B"));
  expect_valid_schemas(o);
}

TEST(OpenApiSchema, HugeInliningFallsBackToDefs) {
  // Each level refers to the next twice: inlining doubles per level (2^20 nodes).
  std::string schemas = "{";
  for (int i = 0; i < 20; ++i)
    schemas += "\"L" + std::to_string(i) + R"(":{"type":"object","properties":{"l":{"$ref":"#/components/schemas/L)" +
               std::to_string(i + 1) + R"("},"r":{"$ref":"#/components/schemas/L)" + std::to_string(i + 1) + "\"}}},";
  schemas += R"("L20":{"type":"string"}})";
  oa::LoadOptions o;
  o.max_schema_nodes = 100000;
  auto s = load(spec30(R"({"$ref":"#/components/schemas/L0"})", schemas), o);
  ASSERT_EQ(s.operations.size(), 1u);
  auto& x = s.operations[0];
  EXPECT_EQ(x.input_schema.at("$defs").as_object().size(), 20u);  // L1..L20 (L0 is the flattened body)
  expect_valid_schemas(x);
  // compat mode cannot use $defs: the operation is skipped, with the reason.
  o.compat = true;
  auto c = load(spec30(R"({"$ref":"#/components/schemas/L0"})", schemas), o);
  EXPECT_TRUE(c.operations.empty());
  ASSERT_EQ(c.skipped.size(), 1u);
  EXPECT_NE(c.skipped[0].reason.find("nodes"), std::string::npos);
}

TEST(OpenApiSchema, OutputSchemasAreLenientByDefault) {
  constexpr std::string_view body = R"({"type":"object","required":["login","state"],"additionalProperties":false,
      "properties":{"login":{"type":"string","format":"uri","minLength":3},
                    "state":{"type":"string","enum":["open","closed"]},
                    "owner":{"oneOf":[{"$ref":"#/components/schemas/User"},{"type":"string"}]}}})";
  constexpr std::string_view schemas =
      R"({"User":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}})";
  // What real APIs answer: nulls, a new enum value, an extra field, a branch matching twice.
  auto answer = json::parse(R"({"login":null,"state":"draft","extra":1,"owner":{"id":null}})");
  auto lenient = load(spec30(body, schemas));
  auto& o = op(lenient, "x");
  ASSERT_TRUE(o.output_schema);
  EXPECT_EQ(o.output_schema->at("type"), json::value("object"));  // MCP: the root is an object
  EXPECT_FALSE(mcp::validate_json_schema(*o.output_schema, answer)) << json::serialize(*o.output_schema);
  EXPECT_EQ(json::serialize(o.output_schema->at("properties").at("login")), R"({"type":["string","null"]})");
  expect_valid_schemas(o);
  oa::LoadOptions strict;
  strict.lenient_output = false;
  auto exact = load(spec30(body, schemas), strict);
  EXPECT_TRUE(mcp::validate_json_schema(*op(exact, "x").output_schema, answer));
  // Inputs stay exact: they say what the API accepts.
  EXPECT_EQ(json::serialize(prop(o, "state").at("enum")), R"(["open","closed"])");
}

TEST(OpenApiSchema, CheckSchemaCatchesInvalidSchemas) {
  EXPECT_FALSE(oa::check_schema(json::parse(R"({"type":"object","properties":{"a":{"type":["string","null"]}}})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"type":"strin"})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"properties":{"a":{"minLength":-1}}})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"$ref":"#/$defs/Nope"})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"nullable":true})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"pattern":"(["})")));
  EXPECT_TRUE(oa::check_schema(json::parse(R"({"required":"a"})")));
}
